"""Lexical tokens for Vietnamese: syllables, syllable bigrams, folded forms and document numbers.

Vietnamese words are usually two or more syllables ("dân vận", "quy chế"), so syllable
bigrams stand in for words. Every token exists in two forms: with diacritics (field "s"/"b")
and folded ("f"/"fb": marks removed, đ→d) so unaccented queries still match. Document
numbers ("05-CT/TW", "158/2007/NĐ-CP") are kept whole (field "n") so they match exactly.
Bigrams never cross punctuation.
"""
from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from vankien.ingest.normalize import fold

# A document number: digits followed by '-' or '/' separated parts, e.g. 05-CT/TW, 11-QĐi/TW,
# 158/2007/NĐ-CP, 01/KH-GDNN-GDTX. Bare dates (15/5/2016) match too, which is harmless.
SYMBOL = re.compile(r"(?<![\w/-])\d+[a-zđ]?(?:[-/][0-9a-zA-Zà-ỹÀ-ỸđĐ]+)+(?![\w/-])", re.IGNORECASE)
_SEGMENT_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”‘’'…–—|«»*#]+|\s-\s|\n")
_WORD = re.compile(r"[^\W_]+")

FIELDS = ("s", "b", "f", "fb", "n")

# Syllables repeat endlessly; folding each once keeps tokenising ~3x faster.
fold_word = lru_cache(maxsize=500_000)(fold)


def words(text: str) -> list[list[str]]:
    """Lower-cased syllables, grouped in punctuation-free segments."""
    return segments_with_case(text.lower())


def segments_with_case(text: str) -> list[list[str]]:
    """Syllables as written, grouped in punctuation-free segments."""
    text = unicodedata.normalize("NFC", text)
    return [seg for seg in (_WORD.findall(part) for part in _SEGMENT_BREAK.split(text)) if seg]


def symbols(text: str) -> list[str]:
    """Document numbers in the text, lower-cased, e.g. ['05-ct/tw', '158/2007/nđ-cp']."""
    return [m.group().lower() for m in SYMBOL.finditer(unicodedata.normalize("NFC", text))]


def term_counts(text: str) -> Counter:
    """All index terms of a text ('s:dân', 'b:dân_vận', 'f:dan', 'fb:dan_van', 'n:05-ct/tw') with counts."""
    counts: Counter = Counter()
    for seg in words(text):
        folded = [fold_word(w) for w in seg]
        counts.update("s:" + w for w in seg)
        counts.update("f:" + w for w in folded)
        counts.update(f"b:{a}_{b}" for a, b in zip(seg, seg[1:]))
        counts.update(f"fb:{a}_{b}" for a, b in zip(folded, folded[1:]))
    counts.update("n:" + s for s in symbols(text))
    return counts


def length(text: str) -> int:
    """Document length for BM25: the number of syllables."""
    return sum(len(seg) for seg in words(text))
