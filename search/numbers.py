"""Document numbers in queries, answered by the citation graph.

A query that is or contains a document number ("05-CT/TW", "158/2007/NĐ-CP", "05/CT-TW"
typed loosely, "Chỉ thị 05" by kind and bare number) is about one document: its answer is
the set of documents that *are* it (their `doc_number`) or *cite* it (the `refs` table,
filled at ingest), not whatever shares a syllable with it.

- `find_mentions(text)` finds the numbers as typed, with their spans.
- `resolve(conn, gen, mention)` turns a mention into the canonical symbols the knowledge
  base knows (exact first; else the same parts with other separators, leading zeros or
  missing marks: "05/CT-TW" → "05-CT/TW", "158/2007/ND-CP" → "158/2007/NĐ-CP"; a kind and
  bare number → every known symbol of that number whose type code fits the kind).
- `documents_for(conn, gen, symbols)` is the answer set; `cited_card(...)` the header card
  (type, number, date and issuer as the citing texts give them, counts by province and
  year); `pattern(symbol)` finds the number in a passage, spelled any usual way.

Symbols are looked up by index ranges on their leading number (`symbol >= '05-' AND symbol
< '05.'`), never by scanning the table, so this stays fast with millions of references.
"""
from __future__ import annotations

import re
import sqlite3
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from vankien.ingest.normalize import fold
from vankien.ingest.references import canonical_symbol, find_symbols, symbol_parts
from vankien.ingest.store import visible

# A number typed whole: digits, then at least two more parts joined by - or / (spaces around
# the joins allowed: "05 - CT/TW"); at least one part has letters. Dates (15/5/2016) have
# no letters and are left alone.
_WHOLE = re.compile(r"(?<![\w/.-])\d{1,5}[a-zđ]?(?:\s?[-/]\s?[0-9A-Za-zÀ-ỹđĐ]+)+(?![\w/-])", re.IGNORECASE)
_NUMBER_ONLY = re.compile(r"\d{1,5}")
MAX_CANDIDATES = 200        # symbols sharing a leading number that one lookup considers


@dataclass(frozen=True)
class Mention:
    """A document number as the user typed it."""

    raw: str                # the characters typed, e.g. "Chỉ thị 05" or "05/CT-TW"
    start: int
    end: int
    symbol: str = ""        # canonical form when typed whole ("05-CT/TW"), else ""
    kind: str = ""          # type label when typed as kind + bare number ("Chỉ thị")
    number: str = ""        # the leading number ("05")


@lru_cache(maxsize=1)
def _kind_codes() -> dict[str, tuple[str, frozenset[str]]]:
    """Folded type label → (label, symbol type codes), for "Chỉ thị 05"-style mentions."""
    from vankien.ingest.tables import doc_types
    out = {}
    for t in doc_types():
        codes = frozenset(canonical_symbol(s).split("-")[0] for s in t.symbols)
        if codes:
            out[fold(t.label)] = (t.label, codes)
    return out


@lru_cache(maxsize=1)
def _kind_pattern() -> re.Pattern[str]:
    labels = sorted(_kind_codes(), key=len, reverse=True)
    alternation = "|".join(re.escape(label).replace(r"\ ", r"\s+") for label in labels)
    return re.compile(rf"(?<!\w)({alternation})\s+(?:so\s*:?\s*)?(\d{{1,5}})(?![\w/-])")


def find_mentions(text: str) -> list[Mention]:
    """Document numbers typed in a query, in order: whole symbols and kind + bare number."""
    found: list[Mention] = []
    for m in _WHOLE.finditer(text):
        # the ingest's own symbol grammar decides what is a document number ("5G/LTE" is not)
        if find_symbols(m.group()):
            symbol = canonical_symbol(m.group())
            found.append(Mention(m.group(), m.start(), m.end(), symbol=symbol,
                                 number=_NUMBER_ONLY.match(symbol).group()))
    folded = fold(text)
    if len(folded) == len(text):        # spans in the folded text are spans in the text
        taken = [(x.start, x.end) for x in found]
        for m in _kind_pattern().finditer(folded):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue                # "Chỉ thị số 05-CT/TW": the whole symbol already counts
            label = _kind_codes()[" ".join(m.group(1).split())][0]
            found.append(Mention(text[m.start():m.end()], m.start(), m.end(), kind=label, number=m.group(2)))
    return sorted(found, key=lambda x: x.start)


def loose_key(symbol: str) -> tuple[str, ...]:
    """The parts of a symbol with separators, case, marks and leading zeros ignored."""
    parts = [p for p in re.split(r"[^0-9a-z]+", fold(canonical_symbol(symbol))) if p]
    return tuple(str(int(p)) if p.isdigit() else p for p in parts)


def _number_forms(number: str) -> set[str]:
    n = int(number)
    return {number, str(n), f"{n:02d}", f"{n:03d}"}


def _known_with_number(conn: sqlite3.Connection, gen: int, number: str) -> list[str]:
    """Symbols the generation cites or holds whose leading number is `number` (any zero padding)."""
    ranges, args = [], {"gen": gen}
    for i, form in enumerate(sorted(_number_forms(number))):
        for j, sep in enumerate("-/"):
            lo, hi = f"{form}{sep}", f"{form}{chr(ord(sep) + 1)}"
            args[f"lo{i}{j}"], args[f"hi{i}{j}"] = lo, hi
            ranges.append(f"(X >= :lo{i}{j} AND X < :hi{i}{j})")
    cond = " OR ".join(ranges)
    sql = (f"SELECT DISTINCT r.symbol FROM refs r JOIN versions v ON v.id = r.version_id"
           f" WHERE ({cond.replace('X', 'r.symbol')}) AND {visible()}"
           f" UNION SELECT DISTINCT v.doc_number FROM versions v WHERE ({cond.replace('X', 'v.doc_number')})"
           f" AND {visible()} LIMIT {MAX_CANDIDATES}")
    return [r[0] for r in conn.execute(sql, args)]


def resolve(conn: sqlite3.Connection, gen: int, mention: Mention) -> list[str]:
    """Canonical symbols in the knowledge base that the mention names (may be empty)."""
    known = _known_with_number(conn, gen, mention.number)
    if mention.symbol:
        if mention.symbol in known:
            return [mention.symbol]
        key = loose_key(mention.symbol)
        return sorted(s for s in known if loose_key(s) == key)
    codes = _kind_codes()[fold(mention.kind)][1]
    return sorted(s for s in known if symbol_parts(s)[1] in codes)


def documents_for(conn: sqlite3.Connection, gen: int, symbols: list[str]) -> dict[int, set[str]]:
    """Documents of the generation that are or cite any of the symbols → which symbols."""
    if not symbols:
        return {}
    marks = ",".join(f":s{i}" for i in range(len(symbols)))
    args = {"gen": gen, **{f"s{i}": s for i, s in enumerate(symbols)}}
    out: dict[int, set[str]] = {}
    rows = conn.execute(
        f"SELECT v.document_id, r.symbol FROM refs r JOIN versions v ON v.id = r.version_id"
        f" WHERE r.symbol IN ({marks}) AND {visible()}"
        f" UNION SELECT v.document_id, v.doc_number FROM versions v WHERE v.doc_number IN ({marks}) AND {visible()}",
        args)
    for doc_id, symbol in rows:
        out.setdefault(doc_id, set()).add(symbol)
    return out


def holders(conn: sqlite3.Connection, gen: int, symbol: str) -> list[int]:
    """Documents of the generation whose own number is the symbol (the document itself)."""
    return [r[0] for r in conn.execute(f"SELECT v.document_id FROM versions v WHERE v.doc_number = :s"
                                       f" AND {visible()} ORDER BY v.document_id", {"s": symbol, "gen": gen})]


def cited_card(conn: sqlite3.Connection, gen: int, symbol: str) -> dict:
    """What the citing texts say about a cited document, and who cites it.

    Type, date and issuer are the forms the citations give, most frequent first, with how
    many documents give each (they can disagree: a typo in one text is not hidden).
    """
    rows = conn.execute(
        f"SELECT DISTINCT v.document_id AS doc, r.kind, r.date, r.issuer, v.province, v.date AS doc_date"
        f" FROM refs r JOIN versions v ON v.id = r.version_id WHERE r.symbol = :s AND {visible()}",
        {"s": symbol, "gen": gen}).fetchall()
    citing = {r["doc"]: r for r in rows}
    own = holders(conn, gen, symbol)
    citing_ids = [d for d in citing if d not in own]

    def forms(column: str) -> list[tuple[str, int]]:
        counts = Counter()
        for doc in citing_ids:
            values = {r[column] for r in rows if r["doc"] == doc and r[column]}
            counts.update(values)
        return counts.most_common()
    by_province = Counter(citing[d]["province"] or "unknown" for d in citing_ids)
    by_year = Counter((citing[d]["doc_date"] or "")[:4] or "unknown" for d in citing_ids)
    return {"symbol": symbol, "kinds": forms("kind"), "dates": forms("date"), "issuers": forms("issuer"),
            "held": own, "citing": len(citing_ids),
            "by_province": dict(sorted(by_province.items(), key=lambda kv: (kv[0] == "unknown", -kv[1], kv[0]))),
            "by_year": dict(sorted(by_year.items()))}


def _part_pattern(part: str) -> str:
    if part.isdigit():
        return rf"0*{int(part)}"
    if part.upper() in ("TW", "TƯ"):
        return "(?:TW|TƯ)"
    return "".join("[ĐD]" if ch in "Đđ" else re.escape(ch) for ch in part)


@lru_cache(maxsize=1024)
def pattern(symbol: str) -> re.Pattern[str]:
    """Regex finding the symbol in text however it is spelled: either separator, spaces
    around them, any case, leading zeros, Đ or D, TW or TƯ."""
    parts = [p for p in re.split(r"[-/]", symbol) if p]
    body = r"\s?[-/]\s?".join(_part_pattern(p) for p in parts)
    return re.compile(rf"(?<![\w/.-]){body}(?![\w/])", re.IGNORECASE)


def short_form_pattern(symbol: str, kind: str) -> re.Pattern[str] | None:
    """Regex for a mention by kind and bare number ("Chỉ thị số 05") not followed by the rest
    of a symbol; None when the kind is unknown."""
    if not kind:
        return None
    number = int(_NUMBER_ONLY.match(symbol).group())
    words = r"\s+".join(re.escape(w) for w in kind.split())
    return re.compile(rf"(?<!\w){words}\s+(?:số\s*:?\s*)?0*{number}(?![\w/-])", re.IGNORECASE)
