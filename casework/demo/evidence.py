"""Demo evidence: small fictional files made in code, attached through the real upload operation.

`seed_demo_evidence(cases)` is for the demo seed (``flask demo seed``): it gives each case
a few items (a site-visit report as PDF, a photo as PNG, a witness statement as text,
some with a protected witness). No real person's data: every name here is invented.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable, Iterable
from typing import Any

from casework.evidence.models import (
    Evidence,
    EvidenceKind,
)
from casework.evidence.operations import (
    EvidenceDetails,
    upload_evidence,
)
from casework.intake.models.cases import Case, CaseStage

FICTIONAL_WITNESSES = [
    ("خالد الحسن", "Khaled al-Hassan (fictional)"),
    ("منى العبدالله", "Mona al-Abdullah (fictional)"),
    ("ياسر الخطيب", "Yasser al-Khatib (fictional)"),
    ("هدى الرشيد", "Huda al-Rashid (fictional)"),
]


def demo_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with a few lines of Latin-1 text (Helvetica), valid cross-reference table."""
    text = " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) Tj 0 -16 Td" for line in lines
    )
    stream = f"BT /F1 12 Tf 72 740 Td {text} ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, xref))
    return out.getvalue()


def png_image(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int]]) -> bytes:
    """A valid RGB PNG whose pixel at (x, y) is `pixel(x, y)`."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            rows += bytes(pixel(x, y))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(bytes(rows)))
            + chunk(b"IEND", b""))


def demo_png(seed: int, width: int = 48, height: int = 32) -> bytes:
    """A small grey-brown gradient (a stand-in for a photo of rubble), different per seed."""

    def pixel(x: int, y: int) -> tuple[int, int, int]:
        shade = (x * 3 + y * 5 + seed * 17) % 120 + 80
        return shade, shade * 9 // 10, shade * 3 // 4

    return png_image(width, height, pixel)


def _statement(witness_ar: str, witness_latin: str, case: Case) -> bytes:
    return (
        f"Witness statement (demo data, fictional) — case {case.reference}\n"
        f"Witness: {witness_latin}\n\n"
        "I was at home when we heard the aircraft, then two explosions close together. "
        "The building across the street collapsed. We dug with our hands until morning.\n\n"
        f"إفادة شاهد (بيانات تجريبية) — الشاهد: {witness_ar}\n"
        "كنا في البيت عندما سمعنا صوت الطائرة، ثم انفجارين متتاليين. انهار البناء المقابل.\n"
    ).encode()


def seed_demo_evidence(cases: Iterable[Case], actor: Any = None) -> list[Evidence]:
    """Attach a few fictional evidence items to each case; flushes, the caller commits."""
    added: list[Evidence] = []
    for number, case in enumerate(cases):
        if case.stage == CaseStage.merged:
            continue
        uploader = actor if actor is not None else case.assigned_to
        head = case.head_of_household
        report = demo_pdf([
            "Site-visit report (demo data, fictional)",
            f"Case {case.reference}",
            "Visited the address with the family. Roof and upper floor destroyed;",
            "fragments collected and photographed. Neighbours interviewed.",
        ])
        items = [
            (report, "site-visit-report.pdf", EvidenceDetails(
                kind=EvidenceKind.site_visit_report, title="Site visit: damage to the home",
                description="Demo data.")),
            (demo_png(number), "IMG_0412.png", EvidenceDetails(
                kind=EvidenceKind.photo, title="Photo of the street after the strike",
                person_id=head.id if head is not None else None)),
        ]
        if number % 2 == 0:
            witness_ar, witness_latin = FICTIONAL_WITNESSES[number % len(FICTIONAL_WITNESSES)]
            items.append((_statement(witness_ar, witness_latin, case), "statement.txt",
                          EvidenceDetails(
                              kind=EvidenceKind.witness_statement,
                              title="Statement of a neighbour",
                              witness_name=f"{witness_ar} / {witness_latin}",
                              witness_contact="+963 900 000 000 (fictional)",
                              # Every other statement's witness asked for protection.
                              identity_protected=number % 4 == 0,
                          )))
        for content, filename, details in items:
            added.append(upload_evidence(case, io.BytesIO(content), filename, details, uploader))
    return added
