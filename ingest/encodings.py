"""Bytes → text: which encoding a file is in, and its text as Unicode.

`decode_bytes` tries, in order:
1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32 LE/BE);
2. strict UTF-8 (unless the text has no Latin letter at all and reads convincingly as a
   legacy Vietnamese encoding: short legacy texts can be valid UTF-8 by accident);
3. the charset an HTML/XML file declares in its first 4 kB (`<meta charset>`,
   `<meta http-equiv="Content-Type" content="…; charset=…">`, `<?xml … encoding=…?>`),
   trusted only if the text it gives reads as Vietnamese (pages often declare wrongly);
4. detection by evidence among cp1258, TCVN3 (ABC), VNI Windows, VISCII and, for clearly
   Western text, cp1252 (`encoding_detect`).
Legacy text is converted to NFC Unicode; `Decoded.converted_from` names what it was
converted from. Anything else is a DecodeError with a one-line reason: never mojibake.
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from vankien.ingest import encoding_detect

_BINARY_SAMPLE = 8192
_DECLARATION_SCAN = 4096
_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32"),
    (codecs.BOM_UTF8, "utf-8", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16"),
)
# Charset labels as pages write them → our codec names (WHATWG treats latin-1 and ascii
# labels as windows-1252). Only a Vietnamese codec is taken on the page's word; for any
# other label detection decides.
_LABELS = {
    "windows-1258": "cp1258", "cp1258": "cp1258", "x-cp1258": "cp1258",
    "tcvn": "tcvn3", "tcvn3": "tcvn3", "tcvn-3": "tcvn3", "tcvn5712": "tcvn3",
    "tcvn5712-1": "tcvn3", "tcvn-5712": "tcvn3", "x-viet-tcvn5712": "tcvn3", "x-viet-tcvn": "tcvn3",
    "vni": "vni", "x-viet-vni": "vni", "vni-windows": "vni",
    "viscii": "viscii", "x-viet-viscii": "viscii", "csviscii": "viscii",
    "windows-1252": "cp1252", "cp1252": "cp1252", "iso-8859-1": "cp1252", "latin1": "cp1252",
    "latin-1": "cp1252", "iso8859-1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252",
}
_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]{1,40})"""
    rb"""|<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9._:-]{1,40})""",
    re.IGNORECASE)

# Non-ASCII characters a Vietnamese or Western UTF-8 text has: Latin letters and marks,
# general punctuation (“ ” – …), currency signs.
_LATIN_OR_PUNCTUATION = re.compile("[\u0080-\u024f\u0300-\u036f\u1e00-\u1eff\u2000-\u20cf]")


class DecodeError(ValueError):
    """The bytes are not text in an encoding we can determine."""


@dataclass
class Decoded:
    """Text decoded from bytes.

    `encoding` is the canonical lower-case name: "utf-8", "utf-16", "utf-32", "cp1258",
    "tcvn3", "vni", "viscii" or "cp1252". `converted_from` is the same name for a legacy
    (non-UTF) encoding the text was converted from, "" for UTF. `confidence` is 1.0 for
    UTF and a declared charset, else the share of accented words that read as valid words.
    """

    text: str
    encoding: str
    converted_from: str = ""
    confidence: float = 1.0


def decode_bytes(raw: bytes) -> Decoded:
    """Decode a file's bytes to text: BOM, UTF-8, declared charset, then detection.

    Raises DecodeError for empty, binary or undeterminable input, with a one-line reason.
    """
    has_bom = raw.startswith(tuple(bom for bom, _, _ in _BOMS))
    if not has_bom and b"\x00" in raw[:_BINARY_SAMPLE]:
        # UTF-8 allows NUL, but text files do not carry it: a NUL means binary (or a
        # UTF-16/32 file without its byte-order mark, which we do not guess)
        raise DecodeError("binary file (NUL bytes), not text")
    decoded = _decode_unicode(raw)
    if decoded is None:
        decoded = _decode_declared(raw) or _decode_detected(raw)
    if not decoded.text.strip():
        raise DecodeError("empty file")
    return decoded


def _decode_unicode(raw: bytes) -> Decoded | None:
    """UTF by byte-order mark, or strict UTF-8; None if neither applies."""
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            return Decoded(_strict(raw[len(bom):], codec, name), name)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if not text.isascii() and not _LATIN_OR_PUNCTUATION.search(text):
        # Valid UTF-8 without one Latin letter or Windows punctuation: a short legacy text
        # can be valid UTF-8 by accident ("Đắk" in VISCII is b"\xd0\xa1k" = "Сk"). Take the
        # legacy reading only if it is convincingly Vietnamese.
        verdict = encoding_detect.choose(raw)
        if verdict and verdict.codec in encoding_detect.VIETNAMESE_CODECS:
            return _legacy(raw, verdict.codec, verdict.confidence)
    return Decoded(text, "utf-8")


def _strict(raw: bytes, codec: str, name: str) -> str:
    """bytes.decode with a one-line DecodeError naming the first bad byte."""
    try:
        return raw.decode(codec)
    except UnicodeDecodeError as exc:
        bad = raw[exc.start:exc.start + 1].hex()
        raise DecodeError(f"not {name.upper()} text despite its byte-order mark: undecodable "
                          f"byte 0x{bad} at offset {exc.start}") from exc


def declared_charset(raw: bytes) -> str:
    """The charset label an HTML/XML file declares in its first 4 kB, lower-cased ("" if none)."""
    match = _CHARSET.search(raw[:_DECLARATION_SCAN])
    if not match:
        return ""
    return (match.group(1) or match.group(2)).decode("ascii").lower()


def _decode_declared(raw: bytes) -> Decoded | None:
    """The declared charset's text, if it reads as Vietnamese; None otherwise."""
    label = declared_charset(raw)
    if not label:
        return None
    codec = _LABELS.get(label)
    if codec in encoding_detect.VIETNAMESE_CODECS:
        found = encoding_detect.evidence(encoding_detect.sample(raw), codec)
        if found.accented and found.valid_share >= encoding_detect.MIN_VALID_SHARE:
            return _legacy(raw, codec, 1.0)
    return None


def _decode_detected(raw: bytes) -> Decoded:
    """The text in the encoding the evidence supports, or DecodeError."""
    verdict = encoding_detect.choose(raw)
    if verdict is None:
        tried = ", ".join(("utf-8",) + encoding_detect.VIETNAMESE_CODECS
                          + (encoding_detect.WESTERN_CODEC,))
        raise DecodeError(f"cannot determine the text encoding (tried {tried})")
    return _legacy(raw, verdict.codec, verdict.confidence)


def _legacy(raw: bytes, codec: str, confidence: float) -> Decoded:
    """Decode with a legacy codec; the result records what it was converted from."""
    return Decoded(encoding_detect.decode(raw, codec), codec, codec, confidence)
