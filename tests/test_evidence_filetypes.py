"""The file type is read from the content: every accepted type, and disguised or broken files."""

from __future__ import annotations

import io

import pytest

from casework.evidence.filetypes import (
    ACCEPTED,
    SIGNATURES,
    detect,
    starts_with_markup,
)
from tests.evidence_samples import ACCEPTED_SAMPLES, REFUSED_SAMPLES


@pytest.mark.parametrize(
    ("content", "media_type"),
    [pytest.param(content, media_type, id=name) for name, content, _f, media_type in ACCEPTED_SAMPLES],
)
def test_accepted_types_are_recognised_from_their_content(content, media_type):
    detected = detect(io.BytesIO(content))
    assert detected is not None
    assert detected.media_type == media_type


@pytest.mark.parametrize(
    "content", [pytest.param(content, id=name) for name, content, _f in REFUSED_SAMPLES]
)
def test_disguised_executable_markup_and_broken_files_are_refused(content):
    assert detect(io.BytesIO(content)) is None


def test_an_empty_file_is_no_type():
    assert detect(io.BytesIO(b"")) is None


def test_every_accepted_type_has_a_check_and_a_sample():
    sampled = {media_type for _n, _c, _f, media_type in ACCEPTED_SAMPLES}
    assert sampled == {file_type.media_type for file_type in ACCEPTED}
    assert set(ACCEPTED) == {file_type for file_type, _check in SIGNATURES}


def test_a_long_text_is_checked_to_its_end():
    valid = ("سطر من الشهادة\n" * 20_000).encode()
    assert detect(io.BytesIO(valid)).media_type == "text/plain"
    assert detect(io.BytesIO(valid + b"\xff")) is None
    assert detect(io.BytesIO(valid + b"\x00")) is None


def test_an_mp4_with_a_huge_or_broken_box_size_does_not_hang_or_crash():
    broken = b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomM4A " + b"\x00\x00\x00\x01moov"
    assert detect(io.BytesIO(broken)) is None
    looping = b"\x00\x00\x00\x18ftypisom\x00\x00\x00\x00isomM4A " + b"\x00\x00\x00\x00moov"
    assert detect(io.BytesIO(looping)) is None


@pytest.mark.parametrize(
    ("text", "markup"),
    [
        ("<html>", True),
        ("\ufeff  <!DOCTYPE html>", True),
        ("<?xml version='1.0'?>", True),
        ("</p>", True),
        ("<svg>", True),
        ("< 5 people were injured", False),
        ("<3", False),
        ("Statement of the witness <name withheld>", False),
        ("", False),
    ],
)
def test_markup_at_the_start_of_text(text, markup):
    assert starts_with_markup(text) is markup
