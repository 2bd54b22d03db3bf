"""Parse a user query: phrases, document numbers, abbreviations, accent mode, weighted terms.

Anything the user types is treated as text: FTS-style operators (AND, OR, NEAR, *, ^, :)
carry no syntax here, an unbalanced quote is dropped with a notice, and over-long input is
cut with a notice. Only an empty (or punctuation-only) query is refused.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from vankien.errors import VankienError
from vankien.ingest.normalize import fold, has_diacritics, normalize_line

from .numbers import Mention, find_mentions
from .tokenize import fold_word, symbols, words

MAX_QUERY_CHARS = 500
# Field weights. With marks, exact forms lead and folded bigrams only back them up (folding
# conflates words: dương/đường); without marks, the folded fields are all we can trust.
# Folded unigrams are left out of accented queries: they cost a third of the lexical time
# at a million paragraphs; on the dev set hybrid metrics did not drop (lexical-only MRR@10
# went 1.000 → 0.987).
ACCENTED = {"s": 1.0, "b": 1.0, "f": 0.0, "fb": 0.25}
UNACCENTED = {"s": 0.0, "b": 0.0, "f": 1.0, "fb": 1.0}
SYMBOL_WEIGHT = 3.0
EXPANSION_WEIGHT = 0.5
RESTORED_WEIGHT = 0.5   # marks we guessed for words the user typed without them
_QUOTED = re.compile(r"[\"“”]([^\"“”]+)[\"“”]")


class QueryError(VankienError, ValueError):
    """A query that cannot be searched; the message is meant for the user."""


@dataclass
class ParsedQuery:
    """A normalised query with everything the retrievers need."""

    text: str                                   # normalised query text (quotes removed)
    phrases: list[str] = field(default_factory=list)
    symbols: list[str] = field(default_factory=list)
    accented: bool = True
    expansions: dict[str, str] = field(default_factory=dict)   # abbr ↔ expansion used
    terms: dict[str, float] = field(default_factory=dict)      # lexical term → weight
    notices: list[str] = field(default_factory=list)
    restored: str = ""                          # the query with missing diacritics put back
    numbers: list[Mention] = field(default_factory=list)    # document numbers as typed
    plain: str = ""                             # the text with whole document numbers taken out

    @property
    def words_text(self) -> str:
        """The text whose words are searched: without whole document numbers (their parts
        are not words: "CT" of 05-CT/TW is not "Chỉ thị")."""
        return self.plain if self.numbers else self.text

    @property
    def dense_text(self) -> str:
        """Query text for the encoder, abbreviations spelled out so the model understands them."""
        extra = [e for a, e in self.expansions.items() if a.lower() in self.text.lower()]
        base = self.restored or self.text
        return base + (" (" + "; ".join(extra) + ")" if extra else "")

    @property
    def highlight_segments(self) -> list[list[str]]:
        """Lower-cased word runs of the query and its expansions, for marking results
        (document numbers are marked whole, by `numbers.pattern`, not as words)."""
        segments = words(self.words_text)
        for a, e in self.expansions.items():
            segments += words(a) + words(e)
        return segments


def parse_query(raw: str, abbreviations: dict[str, set[str]] | None = None,
                use_bigrams: bool = True, restore=None) -> ParsedQuery:
    """Parse and validate a query; raises QueryError for an empty one.

    `use_bigrams=False` drops the syllable-bigram fields (only to measure what they bring).
    `restore`, a function putting missing diacritics back, serves the encoder (which needs
    marks) and, for a query with marks on some words only ("lịch tiếp dân Dak Song"), adds
    the restored words' exact forms to the lexical terms.
    """
    notices = []
    text = normalize_line(raw or "")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0]
        notices.append(f"Câu hỏi quá dài: chỉ dùng {MAX_QUERY_CHARS} ký tự đầu.")
    phrases = [normalize_line(m).lower() for m in _QUOTED.findall(text)]
    if text.count('"') % 2 or text.count("“") != text.count("”"):
        notices.append("Dấu ngoặc kép không cân: tìm như văn bản thường.")
    text = " ".join(text.replace('"', " ").replace("“", " ").replace("”", " ").split())
    if not any(words(text)):
        raise QueryError("Hãy nhập từ khóa cần tìm (câu hỏi trống hoặc chỉ có dấu câu).")
    mentions = find_mentions(text)
    plain = _without_symbols(text, mentions)
    # A query that is only a number has no words to type with or without marks.
    q = ParsedQuery(text=text, phrases=[p for p in phrases if words(p)], symbols=symbols(text),
                    accented=has_diacritics(plain) or not words(plain), notices=notices, numbers=mentions,
                    plain=plain)
    q.expansions = _expansions(plain, abbreviations or {})
    if restore is not None and words(plain):
        restored = restore(plain)
        q.restored = restored if restored.lower() != ", ".join(" ".join(s) for s in words(plain)) else ""
    q.terms = weighted_terms(q)
    if q.restored and q.accented:
        _add_text_terms(q.terms, q.restored, ACCENTED, RESTORED_WEIGHT)
    if not use_bigrams:
        q.terms = {t: w for t, w in q.terms.items() if not t.startswith(("b:", "fb:"))}
    return q


def weighted_terms(q: ParsedQuery) -> dict[str, float]:
    """Lexical terms of the query with weights by field, accent mode and abbreviation expansion."""
    terms: dict[str, float] = {}
    _add_text_terms(terms, q.words_text, ACCENTED if q.accented else UNACCENTED, 1.0)
    for abbr, expansion in q.expansions.items():
        mode = ACCENTED if has_diacritics(expansion) else UNACCENTED
        _add_text_terms(terms, expansion, mode, EXPANSION_WEIGHT)
        _add_text_terms(terms, abbr, UNACCENTED, EXPANSION_WEIGHT)
    for s in q.symbols:
        terms["n:" + s] = terms.get("n:" + s, 0.0) + SYMBOL_WEIGHT
    return terms


def _add_text_terms(terms: dict[str, float], text: str, weights: dict[str, float], scale: float) -> None:
    for seg in words(text):
        folded = [fold_word(w) for w in seg]
        grams = {"s": seg, "f": folded,
                 "b": [f"{a}_{b}" for a, b in zip(seg, seg[1:])],
                 "fb": [f"{a}_{b}" for a, b in zip(folded, folded[1:])]}
        for fld, toks in grams.items():
            w = weights[fld] * scale
            if w <= 0:
                continue
            for t in toks:
                key = f"{fld}:{t}"
                terms[key] = max(terms.get(key, 0.0), w)


def _without_symbols(text: str, mentions: list[Mention]) -> str:
    """The text with whole document numbers blanked out (kind + bare number stays: if it names
    no known document, it is searched as words)."""
    for m in reversed(mentions):
        if m.symbol:
            text = text[:m.start] + " " + text[m.end:]
    return " ".join(text.split())


def _expansions(text: str, abbreviations: dict[str, set[str]]) -> dict[str, str]:
    """Abbreviations in the query → expansion, and expansions in the query → abbreviation."""
    found: dict[str, str] = {}
    tokens = {w for seg in words(text) for w in seg}
    # Two-letter abbreviations (TU, HU, TW) collide with ordinary syllables typed without
    # marks ("tu" = tư, từ …): only an upper-case one counts.
    upper = set(re.findall(r"\b[A-ZĐ]{2}\b", text))
    folded_text = " " + " ".join(fold(text).split()) + " "
    for abbr, expansions in abbreviations.items():
        if (abbr in upper) if len(abbr) <= 2 else (abbr.lower() in tokens):
            found[abbr] = sorted(expansions, key=len)[0]
            continue
        for e in expansions:
            if len(e.split()) >= 2 and f" {fold(e)} " in folded_text:
                found[abbr] = e
                break
    return found
