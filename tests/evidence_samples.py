"""Small sample files made in code: one of each accepted type, and disguised or broken ones."""

from __future__ import annotations

import io
import struct
import zipfile

from casework.demo.evidence import (
    demo_pdf,
    png_image,
)


def pdf(text: str = "Site visit report") -> bytes:
    """A minimal, valid one-page PDF (with a correct cross-reference table)."""
    return demo_pdf([text])


def png(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    return png_image(width, height, lambda _x, _y: rgb)


def jpeg() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0 + b"\xff\xd9"


def webp() -> bytes:
    # A 1x1 lossless image.
    vp8l = b"\x2f\x00\x00\x00\x00\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
    chunk = b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    body = b"WEBP" + chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


def ogg(first_packet: bytes = b"\x01vorbis" + b"\x00" * 23) -> bytes:
    header = b"OggS" + bytes([0, 2]) + struct.pack("<qIII", 0, 1, 0, 0)
    return header + bytes([1, len(first_packet)]) + first_packet


def mp3_with_id3() -> bytes:
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413


def mp3_bare_frame() -> bytes:
    return b"\xff\xfb\x90\x64" + b"\x00" * 413


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def mp4(brand: bytes = b"M4A ", handler: bytes | None = None) -> bytes:
    ftyp = _box(b"ftyp", brand + b"\x00\x00\x00\x00" + brand + b"isom")
    if handler is None:
        return ftyp + _box(b"mdat", b"\x00" * 16)
    hdlr = _box(b"hdlr", b"\x00" * 8 + handler + b"\x00" * 12 + b"handler\x00")
    moov = _box(b"moov", _box(b"trak", _box(b"mdia", hdlr)))
    return ftyp + moov + _box(b"mdat", b"\x00" * 16)


def zip_of(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    return zip_of({
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats'
                               b'.org/package/2006/content-types"/>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.'
                             b'openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
                             b'<w:t>Statement</w:t></w:r></w:p></w:body></w:document>',
        **(extra or {}),
    })


def text() -> bytes:
    return "Witness statement\nشهادة الشاهد: سمعنا الانفجار قرابة الساعة الثانية.\n".encode()


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200 + b"PE\x00\x00"
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 120

# (name, bytes, the file name sent, media type detected)
ACCEPTED_SAMPLES = [
    ("pdf", pdf(), "report.pdf", "application/pdf"),
    ("png", png(), "photo.png", "image/png"),
    ("jpeg", jpeg(), "photo.jpg", "image/jpeg"),
    ("webp", webp(), "photo.webp", "image/webp"),
    ("mp3 with ID3", mp3_with_id3(), "interview.mp3", "audio/mpeg"),
    ("mp3 bare frame", mp3_bare_frame(), "interview.mp3", "audio/mpeg"),
    ("m4a brand", mp4(b"M4A "), "interview.m4a", "audio/mp4"),
    ("isom with sound track", mp4(b"isom", b"soun"), "interview.m4a", "audio/mp4"),
    ("mp42 with sound track", mp4(b"mp42", b"soun"), "interview.m4a", "audio/mp4"),
    ("ogg vorbis", ogg(), "interview.ogg", "audio/ogg"),
    ("ogg opus", ogg(b"OpusHead" + b"\x01" * 11), "interview.opus", "audio/ogg"),
    ("docx", docx(), "statement.docx", (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")),
    ("utf-8 text", text(), "notes.txt", "text/plain"),
    # The name does not matter: a real PDF named .txt is a PDF.
    ("pdf named txt", pdf(), "notes.txt", "application/pdf"),
]

REFUSED_SAMPLES = [
    ("html named pdf", HTML, "report.pdf"),
    ("html named txt", HTML, "notes.txt"),
    ("html after blank lines", b"\n\n  <html><body>x</body></html>", "notes.txt"),
    ("svg named png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "p.png"),
    ("xml prolog", b'<?xml version="1.0"?><x/>', "notes.txt"),
    ("html comment first", b"<!-- x --><script>alert(1)</script>", "notes.txt"),
    ("windows executable named jpg", WINDOWS_EXE, "photo.jpg"),
    ("windows executable named pdf", WINDOWS_EXE, "report.pdf"),
    ("elf executable named txt", ELF, "notes.txt"),
    ("zip that is not a docx", zip_of({"a.txt": b"x"}), "statement.docx"),
    ("docx with macros", docx({"word/vbaProject.bin": b"\x00" * 10}), "statement.docx"),
    ("truncated zip", docx()[:40], "statement.docx"),
    ("latin-1 text", "Témoin à Raqqa".encode("latin-1"), "notes.txt"),
    ("text with NUL", b"statement\x00hidden", "notes.txt"),
    ("utf-8 cut mid-character", "شهادة".encode()[:-1], "notes.txt"),
    ("theora video in ogg", ogg(b"\x80theora" + b"\x00" * 20), "clip.ogg"),
    ("mp4 video", mp4(b"isom", b"vide"), "clip.m4a"),
    ("general mp4 brand without tracks", mp4(b"isom"), "clip.m4a"),
    ("quicktime", mp4(b"qt  ", b"soun"), "clip.m4a"),
    ("gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "photo.gif"),
]
