"""Read-side access to documents as one generation sees them: listing, one document, citations.

Every function takes the generation number `gen` and reads only the document versions
visible in it, so a page rendered while an ingest runs shows the old state or the new
one, never a mixture. Returned values are plain JSON-ready dicts with a stable schema
(documented in README.md), shared by the CLI's --json output, the web pages and the API.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from vankien.ingest.store import visible

# Document fields of a listing: identity (d), then the visible version's metadata (v).
LIST_COLUMNS = ("id", "doc_key", "title", "date", "outlet", "url", "province", "province_2025",
                "doc_type", "doc_number", "issuer", "signer", "abstract", "category")
_SELECT = ("d.id AS id, v.id AS version_id, v.doc_key, v.title, v.date, v.outlet, v.url, v.province,"
           " v.province_2025, v.doc_type, v.doc_number, v.issuer, v.signer, v.abstract, v.category,"
           " d.source_path, d.row, v.provenance_json")
_FROM = "FROM documents d JOIN versions v ON v.document_id = d.id"


@dataclass
class DocumentFilter:
    """Filters shared by document listing and search. Empty values mean 'any'."""

    province: str = ""      # as named when published (pre-2025 provinces)
    doc_type: str = ""
    date_from: str = ""     # ISO yyyy-mm-dd, inclusive
    date_to: str = ""       # ISO yyyy-mm-dd, inclusive
    source: str = ""        # outlet name or a substring of the URL/source path
    cites: str = ""         # canonical symbol of a cited document, e.g. "05-CT/TW"
    province_2025: str = ""  # the unit after the 1 July 2025 merger (Lâm Đồng: with Đắk Nông, Bình Thuận)

    def sql(self) -> tuple[str, dict]:
        """WHERE clause over d = documents, v = versions, and its named parameters."""
        where, args = ["1=1"], {}

        def arg(value: str) -> str:
            name = f"f{len(args)}"
            args[name] = value
            return f":{name}"
        if self.province:
            where.append(f"v.province = {arg(self.province)}")
        if self.province_2025:
            where.append(f"v.province_2025 = {arg(self.province_2025)}")
        if self.doc_type:
            where.append(f"v.doc_type = {arg(self.doc_type)}")
        if self.date_from:
            where.append(f"v.date <> '' AND v.date >= {arg(self.date_from)}")
        if self.date_to:
            where.append(f"v.date <> '' AND v.date <= {arg(self.date_to)}")
        if self.source:
            like = arg(f"%{_escape_like(self.source)}%")
            where.append(f"(v.outlet LIKE {like} ESCAPE '\\' OR v.url LIKE {like} ESCAPE '\\'"
                         f" OR d.source_path LIKE {like} ESCAPE '\\')")
        if self.cites:
            where.append(f"EXISTS (SELECT 1 FROM refs r WHERE r.version_id = v.id AND r.symbol = {arg(self.cites)})")
        return " AND ".join(where), args

    def active(self) -> bool:
        """True if any filter is set."""
        return any(vars(self).values())


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def display_date(iso: str) -> str:
    """ISO yyyy-mm-dd → dd/mm/yyyy as Vietnamese readers expect; '' stays ''."""
    if len(iso) >= 10 and iso[4] == "-" and iso[7] == "-":
        return f"{iso[8:10]}/{iso[5:7]}/{iso[0:4]}"
    return iso


def count_documents(conn: sqlite3.Connection, gen: int, flt: DocumentFilter | None = None) -> int:
    """How many documents of the generation match the filter."""
    where, args = (flt or DocumentFilter()).sql()
    return conn.execute(f"SELECT COUNT(*) {_FROM} WHERE {visible()} AND {where}",
                        {**args, "gen": gen}).fetchone()[0]


def filtered_ids(conn: sqlite3.Connection, gen: int, flt: DocumentFilter) -> list[int]:
    """Ids of the generation's documents that match the filter."""
    where, args = flt.sql()
    return [r[0] for r in conn.execute(f"SELECT d.id {_FROM} WHERE {visible()} AND {where}",
                                       {**args, "gen": gen})]


def list_documents(conn: sqlite3.Connection, gen: int, flt: DocumentFilter | None = None,
                   limit: int = 1000, offset: int = 0) -> list[dict]:
    """Documents matching the filter, newest first."""
    where, args = (flt or DocumentFilter()).sql()
    rows = conn.execute(
        f"SELECT {_SELECT} {_FROM} WHERE {visible()} AND {where}"
        " ORDER BY v.date DESC, d.id LIMIT :limit OFFSET :offset",
        {**args, "gen": gen, "limit": limit, "offset": offset}).fetchall()
    return [_doc_summary(r) for r in rows]


def documents_by_ids(conn: sqlite3.Connection, gen: int, doc_ids: list[int]) -> list[dict]:
    """Summaries of the given documents as the generation sees them (unknown ids are absent)."""
    out = []
    for i in range(0, len(doc_ids), 500):
        chunk = {f"i{j}": d for j, d in enumerate(doc_ids[i:i + 500])}
        out += [_doc_summary(r) for r in conn.execute(
            f"SELECT {_SELECT} {_FROM} WHERE {visible()} AND d.id IN ({','.join(':' + k for k in chunk)})",
            {"gen": gen, **chunk})]
    return out


def documents_by_versions(conn: sqlite3.Connection, version_ids: list[int]) -> dict[int, dict]:
    """Document summaries keyed by version id (versions are immutable: no generation needed)."""
    out = {}
    for i in range(0, len(version_ids), 500):
        chunk = version_ids[i:i + 500]
        for r in conn.execute(f"SELECT {_SELECT} {_FROM} WHERE v.id IN ({','.join('?' * len(chunk))})", chunk):
            out[r["version_id"]] = _doc_summary(r)
    return out


def get_document(conn: sqlite3.Connection, gen: int, doc_id: int) -> dict | None:
    """One document as the generation sees it: metadata, references, citing documents, paragraphs."""
    row = conn.execute(f"SELECT {_SELECT}, v.recipients, v.signature, v.byline, v.date_source, v.format,"
                       f" v.text, v.fields_json {_FROM} WHERE d.id = :id AND {visible()}",
                       {"id": doc_id, "gen": gen}).fetchone()
    if row is None:
        return None
    doc = _doc_summary(row)
    doc.update(recipients=row["recipients"], signature=row["signature"], byline=row["byline"],
               date_source=row["date_source"], format=row["format"], text=row["text"],
               fields=json.loads(row["fields_json"] or "{}"))
    vid = row["version_id"]
    refs = [dict(r) for r in conn.execute(
        "SELECT kind, number, symbol, issuer_level, issuer, date, raw FROM refs WHERE version_id=?"
        " ORDER BY rowid", (vid,))]
    local = ids_by_number(conn, gen, [r["symbol"] for r in refs])
    doc["references"] = [{**r, "local_id": local.get(r["symbol"])} for r in refs]
    doc["cited_by"] = cited_by(conn, gen, doc["doc_number"], exclude=doc_id) if doc["doc_number"] else []
    doc["abbreviations"] = {r["abbr"]: r["expansion"] for r in conn.execute(
        "SELECT abbr, expansion FROM abbreviations WHERE version_id=?", (vid,))}
    doc["paragraphs"] = [dict(r) for r in conn.execute(
        "SELECT id, ordinal, kind, heading, start, end, text, page, ocr FROM paragraphs WHERE version_id=?"
        " ORDER BY ordinal", (vid,))]
    doc["copies"] = copies_of(conn, gen, doc_id, doc["doc_key"], row["version_id"])
    return doc


def copies_of(conn: sqlite3.Connection, gen: int, doc_id: int, doc_key: str, version_id: int) -> list[dict]:
    """Other documents of the generation with the same content or the same URL/key (linked copies)."""
    rows = conn.execute(
        f"SELECT {_SELECT} {_FROM} WHERE {visible()} AND d.id <> :id AND (v.doc_key = :key OR v.text_hash ="
        " (SELECT text_hash FROM versions WHERE id = :vid)) ORDER BY v.date, d.id LIMIT 50",
        {"gen": gen, "id": doc_id, "key": doc_key, "vid": version_id}).fetchall()
    return [_doc_summary(r) for r in rows]


def ids_by_number(conn: sqlite3.Connection, gen: int, symbols: list[str]) -> dict[str, int]:
    """Id of the generation's document bearing each number (symbols not held are absent)."""
    symbols = sorted(set(symbols))
    if not symbols:
        return {}
    marks = ",".join(f":s{i}" for i in range(len(symbols)))
    return dict(conn.execute(
        f"SELECT v.doc_number, MIN(d.id) {_FROM} WHERE {visible()} AND v.doc_number IN ({marks})"
        " GROUP BY v.doc_number", {"gen": gen, **{f"s{i}": s for i, s in enumerate(symbols)}}).fetchall())


def cited_by(conn: sqlite3.Connection, gen: int, symbol: str, exclude: int | None = None) -> list[dict]:
    """Documents of the generation that cite the given document number."""
    rows = conn.execute(
        f"SELECT DISTINCT {_SELECT} {_FROM} JOIN refs r ON r.version_id = v.id"
        f" WHERE {visible()} AND r.symbol = :symbol AND d.id IS NOT :exclude ORDER BY v.date DESC",
        {"gen": gen, "symbol": symbol, "exclude": exclude}).fetchall()
    return [_doc_summary(r) for r in rows]


def _doc_summary(row: sqlite3.Row) -> dict:
    doc = {c: row[c] for c in LIST_COLUMNS}
    doc["date_display"] = display_date(doc["date"])
    doc["source_path"] = row["source_path"]
    doc["sources"] = [{"source_path": row["source_path"], "row": row["row"], "url": row["url"],
                       "outlet": row["outlet"]}]
    doc["provenance"] = json.loads(row["provenance_json"] or "{}")
    return doc
