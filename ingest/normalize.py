"""Vietnamese text normalisation shared by documents and queries.

One function, `normalize_text`, is applied to every document at ingest and to every query,
so both sides agree on Unicode form (NFC), tone placement and whitespace. `fold` gives the
diacritic-free form used as the secondary lexical field.
"""
from __future__ import annotations

import html
import re
import unicodedata

# Tone marks in NFD. The vowel-quality marks (circumflex, breve, horn) are not tones.
_TONES = "\u0300\u0301\u0303\u0309\u0323"
# Old-style tone placement ("hoà", "thuý", "khoẻ") puts the tone on the second vowel of an
# open oa/oe/uy syllable; we move it to the first ("hòa", "thúy", "khỏe"), the style most
# of the corpus uses. "quý" is untouched: there the u belongs to the consonant "qu".
_OLD_TONE = re.compile(
    rf"(?<![qQ])([oOuU])([aAeEyY])([{_TONES}])(?![\w\u0300-\u036f])"
)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000\ufeff]+")
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
_MANY_BLANK_LINES = re.compile(r"\n\s*\n\s*(\n\s*)+")


def normalize_unicode(text: str) -> str:
    """NFC with one tone-placement style ("hoà" → "hòa"), HTML entities decoded."""
    if "&" in text:
        text = html.unescape(text)
    nfd = unicodedata.normalize("NFD", text)
    nfd = _OLD_TONE.sub(r"\1\3\2", nfd)
    return unicodedata.normalize("NFC", nfd)


def normalize_text(text: str) -> str:
    """Normalise Unicode and whitespace: one space between words, at most one blank line."""
    text = normalize_unicode(text)
    text = _ZERO_WIDTH.sub("", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _MANY_BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalize_line(text: str) -> str:
    """Normalise a single-line value (title, query): like `normalize_text`, newlines become spaces."""
    return " ".join(normalize_text(text).split())


def fold(text: str) -> str:
    """Remove diacritics and map đ→d; lower-cased. "Dân vận khéo" → "dan van kheo"."""
    nfd = unicodedata.normalize("NFD", text.lower())
    stripped = "".join(ch for ch in nfd if unicodedata.category(ch) != "Mn")
    return stripped.replace("đ", "d")


def has_diacritics(text: str) -> bool:
    """True if the text carries any Vietnamese mark (tone, vowel quality, or đ)."""
    return fold(text) != text.lower()
