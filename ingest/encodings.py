"""Bytes → text: which encoding a file is in, and its text as Unicode.

`decode_bytes` accepts UTF-8 (with or without BOM) and BOM-marked UTF-16; anything else is a
DecodeError with a one-line reason (never mojibake in the store).
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass

_BINARY_SAMPLE = 8192
_ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-16": "UTF-16"}


class DecodeError(ValueError):
    """The bytes are not text in an encoding we accept."""


@dataclass
class Decoded:
    """Text decoded from bytes, and the encoding it was found in ("utf-8", "utf-16", …)."""

    text: str
    encoding: str


def decode_bytes(raw: bytes) -> Decoded:
    """Decode as UTF-8 (with or without BOM) or BOM-marked UTF-16.

    Raises DecodeError for empty, binary or undecodable input, with a one-line reason.
    """
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        decoded = Decoded(_decode(raw, "utf-16"), "utf-16")
    elif b"\x00" in raw[:_BINARY_SAMPLE]:
        raise DecodeError("binary file (NUL bytes), not text")
    else:
        decoded = Decoded(_decode(raw, "utf-8-sig"), "utf-8")
    if not decoded.text.strip():
        raise DecodeError("empty file")
    return decoded


def _decode(raw: bytes, encoding: str) -> str:
    """bytes.decode with a one-line DecodeError naming the first bad byte."""
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1].hex()
        raise DecodeError(f"not {_ENCODING_NAMES[encoding]} text: undecodable byte 0x{bad} "
                          f"at offset {exc.start}") from exc
