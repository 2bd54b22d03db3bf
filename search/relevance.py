"""Where relevance ends: the evidence a passage gives for a query, on scales that mean the
same for every query, and the calibrated cut-off that turns a ranking into a result set.

A ranking says which passages are best; it does not say which are an answer. Raw BM25
grows with the query's length and rarity, and min-max fused scores always reach 1 at the
top, so neither can be cut at one value for every query. Two measures can:

- **coverage** (lexical): the share of the query's weight the passage contains. The query
  is broken into units — its syllables and adjacent syllable pairs, as the index tokenises
  them — each weighted by its field weight times its idf, so rare words ("khéo", "vận_khéo")
  count far more than common ones ("với", "nhân_dân"). An abbreviation and its expansion
  are alternatives ("QCDC" is covered by "quy chế dân chủ"), so is a word typed without
  marks and its restored form. 1.0 means every unit is there.
- **similarity** (dense): the encoder's cosine, absolute. Each encoder has its own scale
  (e5 models put unrelated text at 0.80–0.83), hence cut-offs per encoder (cutoffs.py).

Coverage is computed on the candidates' text by one regex scan per passage (not by
re-tokenising it), a few milliseconds for a few hundred passages.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from vankien.ingest.normalize import fold

from .query import ACCENTED, UNACCENTED, ParsedQuery
from .tokenize import fold_word, words

_WORDCHAR = re.compile(r"[^\W_]")
# What ends a segment for the tokenizer (tokenize._SEGMENT_BREAK): pairs never span it.
_BREAK = re.compile(r"[.,;:!?()\[\]{}\"“”‘’'…–—|«»*#\n]|\s-\s")


@dataclass
class Unit:
    """One piece of the query: a syllable or an adjacent pair, with its weight and the
    alternatives that also cover it (restored marks, abbreviation ↔ expansion)."""

    words: tuple[str, ...]              # one or two syllables, lower-cased (folded if unaccented)
    weight: float
    alternatives: list[tuple[str, ...]] = field(default_factory=list)   # phrases, any of which covers it


@dataclass
class QueryUnits:
    """The weighted units of a query, matched against passage text."""

    units: list[Unit]
    folded: bool                        # match on folded text (query typed without marks)

    @property
    def total(self) -> float:
        """Sum of the unit weights (the coverage denominator)."""
        return sum(u.weight for u in self.units)

    def coverage(self, text: str) -> float:
        """Share of the query's weight found in the text (0–1)."""
        total = self.total
        if total <= 0:
            return 0.0
        found = _matches(fold(text) if self.folded else text.lower(), self._pattern())
        got = sum(u.weight for u in self.units if _covered(u, found))
        return got / total

    def _pattern(self) -> re.Pattern[str]:
        vocab = {w for u in self.units for phrase in [u.words, *u.alternatives] for w in phrase}
        return _vocab_pattern(frozenset(vocab))


@lru_cache(maxsize=256)
def _vocab_pattern(vocab: frozenset[str]) -> re.Pattern[str]:
    alternation = "|".join(re.escape(w) for w in sorted(vocab, key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternation})(?![^\W_])")


@dataclass
class _Found:
    singles: set[str]
    pairs: set[tuple[str, str]]
    runs: list[list[str]]               # maximal runs of adjacent matched words (for phrases)


def _matches(text: str, pattern: re.Pattern[str]) -> _Found:
    """Query words found in the text, the adjacent pairs among them and their runs."""
    singles, pairs, runs = set(), set(), []
    prev_word, prev_end = None, -1
    for m in pattern.finditer(text):
        w = m.group()
        singles.add(w)
        between = text[prev_end:m.start()] if prev_word is not None else ""
        if prev_word is not None and not _WORDCHAR.search(between) and not _BREAK.search(between):
            pairs.add((prev_word, w))
            runs[-1].append(w)
        else:
            runs.append([w])
        prev_word, prev_end = w, m.end()
    return _Found(singles, pairs, runs)


def _has_phrase(phrase: tuple[str, ...], found: _Found) -> bool:
    if len(phrase) == 1:
        return phrase[0] in found.singles
    if len(phrase) == 2:
        return phrase in found.pairs
    n = len(phrase)
    return any(tuple(run[i:i + n]) == phrase for run in found.runs if len(run) >= n for i in range(len(run) - n + 1))


def _covered(unit: Unit, found: _Found) -> bool:
    return _has_phrase(unit.words, found) or any(_has_phrase(a, found) for a in unit.alternatives)


def query_units(q: ParsedQuery, idf) -> QueryUnits:
    """The units of a parsed query, weighted by field weight × idf(term).

    `idf(terms)` gives the idf of index terms ("s:dân", "b:dân_vận", "f:dan" …) as a list
    (0 for terms the index does not hold: they cannot be matched, so they do not count).
    """
    folded = not q.accented
    weights = UNACCENTED if folded else ACCENTED
    segs = words(q.words_text)
    restored = words(q.restored) if q.restored else []
    aligned = len(restored) == len(segs) and all(len(a) == len(b) for a, b in zip(segs, restored))
    abbr_alts = _abbreviation_alternatives(q, folded)
    units: list[Unit] = []
    for si, seg in enumerate(segs):
        toks = [fold_word(w) for w in seg] if folded else seg
        alt_toks = restored[si] if aligned and not folded else None
        for i, w in enumerate(toks):
            alts = []
            if alt_toks and alt_toks[i] != w:
                alts.append((alt_toks[i],))
            alts += abbr_alts.get(w, [])
            units.append(Unit((w,), weights["f" if folded else "s"], alts))
        for i in range(len(toks) - 1):
            pair = (toks[i], toks[i + 1])
            alts = []
            if alt_toks and (alt_toks[i], alt_toks[i + 1]) != pair:
                alts.append((alt_toks[i], alt_toks[i + 1]))
            alts += abbr_alts.get(pair, [])
            units.append(Unit(pair, weights["fb" if folded else "b"], alts))
    keys = [_term_key(u.words, folded) for u in units]
    for u, x in zip(units, idf(keys)):
        u.weight *= float(x)
    return QueryUnits([u for u in units if u.weight > 0], folded)


def _term_key(words_: tuple[str, ...], folded: bool) -> str:
    if len(words_) == 1:
        return ("f:" if folded else "s:") + words_[0]
    return ("fb:" if folded else "b:") + "_".join(words_)


def _abbreviation_alternatives(q: ParsedQuery, folded: bool) -> dict:
    """Unit → phrases that also cover it: an abbreviation's expansion, an expansion's
    abbreviation (any of its syllables or pairs is covered by the abbreviation)."""
    out: dict = {}
    text_words = {w for seg in words(q.words_text) for w in seg}
    for abbr, expansion in q.expansions.items():
        a = abbr.lower() if not folded else fold(abbr)
        e = tuple(w for seg in words(expansion) for w in seg)
        e = tuple(fold_word(w) for w in e) if folded else e
        if a in {fold_word(w) if folded else w for w in text_words}:
            out.setdefault(a, []).append(e)             # "QCDC" in the query: "quy chế dân chủ" covers it
        else:
            for i, w in enumerate(e):                   # "quy chế dân chủ" in the query: "QCDC" covers it
                out.setdefault(w, []).append((a,))
                if i + 1 < len(e):
                    out.setdefault((w, e[i + 1]), []).append((a,))
    return out


def bm25_idf(n_rows: int, df: np.ndarray) -> np.ndarray:
    """BM25 idf as the index uses it (0 for terms in no row)."""
    idf = np.log1p((n_rows - df + 0.5) / (df + 0.5))
    return np.where(df > 0, idf, 0.0)


def generation_idf(gen):
    """idf(terms) over every segment of a generation, for `query_units`."""
    n_rows = sum(len(seg.rows) for seg in gen.segments)

    def idf(terms: list[str]) -> list[float]:
        df = np.zeros(len(terms), dtype=np.int64)
        for seg in gen.segments:
            df += _segment_df(seg.lexical, terms)
        return bm25_idf(n_rows, df).tolist()
    return idf


def _segment_df(index, terms: list[str]) -> np.ndarray:
    """Document frequency of terms in one lexical index, through whichever interface it has
    (a `df(terms)` method, or a per-column `df` array beside `columns(terms)`)."""
    df = getattr(index, "df", None)
    if callable(df):
        return np.asarray(df(terms), dtype=np.int64)
    cols = index.columns(terms)
    out = np.zeros(len(terms), dtype=np.int64)
    found = cols >= 0
    out[found] = np.asarray(df)[cols[found]]
    return out
