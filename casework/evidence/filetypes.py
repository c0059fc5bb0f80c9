"""What a file is, told from its content: never from its name or the browser's Content-Type.

Each accepted type has a check on the bytes themselves (magic numbers, and for
containers a look inside: the ZIP directory of a DOCX, the codec of an Ogg
stream, the tracks of an MP4). Anything else is refused, so that an HTML page
named ``report.pdf`` or a program renamed ``photo.jpg`` is never stored.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

from flask_babel import lazy_gettext as _l

from casework.core.i18n import join_list

# Enough for every signature below; the Ogg page header and an MP4 ftyp box fit easily.
HEAD_BYTES = 4096
TEXT_CHUNK = 64 * 1024


@dataclass(frozen=True)
class FileType:
    media_type: str
    # For the generated download name; the uploader's name is never used.
    extension: str
    label: str


PDF = FileType("application/pdf", "pdf", "PDF")
JPEG = FileType("image/jpeg", "jpg", "JPEG")
PNG = FileType("image/png", "png", "PNG")
WEBP = FileType("image/webp", "webp", "WebP")
MP3 = FileType("audio/mpeg", "mp3", "MP3")
M4A = FileType("audio/mp4", "m4a", "M4A")
OGG = FileType("audio/ogg", "ogg", "Ogg")
DOCX = FileType(
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", "DOCX"
)
TEXT = FileType("text/plain", "txt", _l("Plain text"))


def _is_pdf(head: bytes, stream: BinaryIO) -> bool:
    return head.startswith(b"%PDF-")


def _is_jpeg(head: bytes, stream: BinaryIO) -> bool:
    return head.startswith(b"\xff\xd8\xff")


def _is_png(head: bytes, stream: BinaryIO) -> bool:
    return head.startswith(b"\x89PNG\r\n\x1a\n")


def _is_webp(head: bytes, stream: BinaryIO) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _is_mp3(head: bytes, stream: BinaryIO) -> bool:
    if head.startswith(b"ID3"):
        return True
    # A bare MPEG audio frame: 11 sync bits, a defined version, layer III.
    if len(head) < 2 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    return version != 0b01 and layer == 0b01


# First packet of an Ogg stream for each audio codec (Theora video is refused).
OGG_AUDIO_CODECS = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")


def _is_ogg(head: bytes, stream: BinaryIO) -> bool:
    if not head.startswith(b"OggS") or len(head) < 27:
        return False
    segments = head[26]
    first_packet = head[27 + segments:]
    return first_packet.startswith(OGG_AUDIO_CODECS)


AUDIO_ONLY_BRANDS = frozenset({b"M4A ", b"M4B "})
# General MP4 brands: audio only when the file's tracks say so.
GENERAL_MP4_BRANDS = frozenset({b"isom", b"mp42", b"mp41", b"iso2"})
MP4_CONTAINERS = frozenset({b"moov", b"trak", b"mdia"})
MP4_MAX_BOXES = 10_000


def _mp4_handlers(stream: BinaryIO, start: int, end: int, found: set[bytes], budget: list[int]) -> None:
    """Collect the handler types (soun, vide, ...) of the tracks in the boxes between start and end."""
    position = start
    while position + 8 <= end and budget[0] > 0:
        budget[0] -= 1
        stream.seek(position)
        header = stream.read(16)
        if len(header) < 8:
            return
        size, box_type = struct.unpack(">I4s", header[:8])
        header_size = 8
        if size == 1 and len(header) == 16:
            size, header_size = struct.unpack(">Q", header[8:16])[0], 16
        elif size == 0:
            size = end - position
        if size < header_size:
            return
        if box_type in MP4_CONTAINERS:
            _mp4_handlers(stream, position + header_size, min(end, position + size), found, budget)
        elif box_type == b"hdlr":
            stream.seek(position + header_size + 8)  # version, flags, pre_defined
            found.add(stream.read(4))
        position += size


def _is_m4a(head: bytes, stream: BinaryIO) -> bool:
    if head[4:8] != b"ftyp" or len(head) < 12:
        return False
    brand = head[8:12]
    if brand not in AUDIO_ONLY_BRANDS | GENERAL_MP4_BRANDS:
        return False
    end = stream.seek(0, 2)
    handlers: set[bytes] = set()
    _mp4_handlers(stream, 0, end, handlers, [MP4_MAX_BOXES])
    if b"vide" in handlers:
        return False
    # An M4A brand says "audio"; a general brand must show an audio track.
    return brand in AUDIO_ONLY_BRANDS or b"soun" in handlers


DOCX_REQUIRED_PARTS = ("[Content_Types].xml", "word/document.xml")
# Macros have no place in evidence (a .docm renamed .docx would carry them).
DOCX_REFUSED_PARTS = ("word/vbaProject.bin",)


def _is_docx(head: bytes, stream: BinaryIO) -> bool:
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return False
    return all(part in names for part in DOCX_REQUIRED_PARTS) and not any(
        part in names for part in DOCX_REFUSED_PARTS
    )


def starts_with_markup(text: str) -> bool:
    """Whether text opens like HTML or XML (a tag, comment, doctype or processing instruction)."""
    stripped = text.lstrip("\ufeff \t\r\n\f")
    return len(stripped) >= 2 and stripped[0] == "<" and (
        stripped[1].isalpha() or stripped[1] in "!?/"
    )


def _is_text(head: bytes, stream: BinaryIO) -> bool:
    stream.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    opening = ""
    while chunk := stream.read(TEXT_CHUNK):
        if b"\x00" in chunk:
            return False
        try:
            decoded = decoder.decode(chunk)
        except UnicodeDecodeError:
            return False
        if len(opening) < HEAD_BYTES:
            opening += decoded[:HEAD_BYTES]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return not starts_with_markup(opening)


# Checked in order; plain text last, since it is what is left when nothing else matches.
SIGNATURES: tuple[tuple[FileType, Callable[[bytes, BinaryIO], bool]], ...] = (
    (PDF, _is_pdf),
    (PNG, _is_png),
    (JPEG, _is_jpeg),
    (WEBP, _is_webp),
    (OGG, _is_ogg),
    (M4A, _is_m4a),
    (DOCX, _is_docx),
    (MP3, _is_mp3),
    (TEXT, _is_text),
)

# Documents, images, audio: the order the upload form lists them in.
ACCEPTED = (PDF, DOCX, TEXT, JPEG, PNG, WEBP, MP3, M4A, OGG)
BY_MEDIA_TYPE = {file_type.media_type: file_type for file_type in ACCEPTED}


def detect(stream: BinaryIO) -> FileType | None:
    """The accepted type of a seekable binary stream's content, or None if it is none of them."""
    stream.seek(0)
    head = stream.read(HEAD_BYTES)
    if not head:
        return None
    for file_type, check in SIGNATURES:
        stream.seek(0)
        if check(head, stream):
            return file_type
    return None


def accepted_labels() -> str:
    """The accepted types, for the upload form."""
    return join_list(file_type.label for file_type in ACCEPTED)
