"""Read-side access to documents: listing with filters, one document with everything about it.

Returned values are plain JSON-ready dicts with a stable schema (documented in README.md),
shared by the CLI's --json output, the web pages and the JSON API.
"""
from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

LIST_COLUMNS = ("id", "doc_key", "title", "date", "outlet", "url", "province", "province_2025",
                "doc_type", "doc_number", "issuer", "signer", "abstract", "category")


@dataclass
class DocumentFilter:
    """Filters shared by document listing and search. Empty values mean 'any'."""

    province: str = ""
    doc_type: str = ""
    date_from: str = ""     # ISO yyyy-mm-dd, inclusive
    date_to: str = ""       # ISO yyyy-mm-dd, inclusive
    source: str = ""        # outlet name or a substring of the URL/source path
    cites: str = ""         # canonical symbol of a cited document, e.g. "05-CT/TW"

    def sql(self) -> tuple[str, list]:
        """WHERE clause (over alias d = documents) and its parameters; always parameterised."""
        where, args = ["1=1"], []
        if self.province:
            where.append("(d.province = ? OR d.province_2025 = ?)")
            args += [self.province, self.province]
        if self.doc_type:
            where.append("d.doc_type = ?")
            args.append(self.doc_type)
        if self.date_from:
            where.append("d.date <> '' AND d.date >= ?")
            args.append(self.date_from)
        if self.date_to:
            where.append("d.date <> '' AND d.date <= ?")
            args.append(self.date_to)
        if self.source:
            like = f"%{_escape_like(self.source)}%"
            where.append("(d.outlet LIKE ? ESCAPE '\\' OR d.url LIKE ? ESCAPE '\\' OR EXISTS (SELECT 1 FROM"
                         " sources s WHERE s.document_id = d.id AND (s.source_path LIKE ? ESCAPE '\\'"
                         " OR s.url LIKE ? ESCAPE '\\' OR s.outlet LIKE ? ESCAPE '\\')))")
            args += [like] * 5
        if self.cites:
            where.append("EXISTS (SELECT 1 FROM refs r WHERE r.document_id = d.id AND r.symbol = ?)")
            args.append(self.cites)
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


def list_documents(conn: sqlite3.Connection, flt: DocumentFilter | None = None,
                   limit: int = 1000, offset: int = 0) -> list[dict]:
    """Documents matching the filter, newest first, with their sources."""
    where, args = (flt or DocumentFilter()).sql()
    rows = conn.execute(
        f"SELECT {','.join('d.' + c for c in LIST_COLUMNS)} FROM documents d WHERE {where}"
        " ORDER BY d.date DESC, d.id LIMIT ? OFFSET ?", args + [limit, offset]).fetchall()
    sources = _sources_for(conn, [r["id"] for r in rows])
    return [_doc_summary(r, sources.get(r["id"], [])) for r in rows]


def documents_by_ids(conn: sqlite3.Connection, ids: list[int]) -> list[dict]:
    """Document summaries (with sources) for the given ids, in no particular order."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(f"SELECT {','.join(LIST_COLUMNS)} FROM documents WHERE id IN ({marks})", ids).fetchall()
    sources = _sources_for(conn, [r["id"] for r in rows])
    return [_doc_summary(r, sources.get(r["id"], [])) for r in rows]


def get_document(conn: sqlite3.Connection, doc_id: int) -> dict | None:
    """One document with metadata, sources, cited references, citing documents and paragraphs."""
    row = conn.execute("SELECT * FROM documents WHERE id=?", (doc_id,)).fetchone()
    if row is None:
        return None
    doc = _doc_summary(row, _sources_for(conn, [doc_id]).get(doc_id, []))
    doc.update(recipients=row["recipients"], signature=row["signature"], byline=row["byline"],
               date_source=row["date_source"], format=row["format"], text=row["text"],
               fields=json.loads(row["fields_json"] or "{}"))
    refs = [dict(r) for r in conn.execute(
        "SELECT kind, number, symbol, issuer_level, issuer, date, raw FROM refs WHERE document_id=?"
        " ORDER BY rowid", (doc_id,))]
    local = ids_by_number(conn, [r["symbol"] for r in refs])
    doc["references"] = [{**r, "local_id": local.get(r["symbol"])} for r in refs]
    doc["cited_by"] = cited_by(conn, doc["doc_number"], exclude=doc_id) if doc["doc_number"] else []
    doc["abbreviations"] = {r["abbr"]: r["expansion"] for r in conn.execute(
        "SELECT abbr, expansion FROM abbreviations WHERE document_id=?", (doc_id,))}
    doc["paragraphs"] = [dict(r) for r in conn.execute(
        "SELECT id, ordinal, kind, heading, start, end, text FROM paragraphs WHERE document_id=?"
        " ORDER BY ordinal", (doc_id,))]
    return doc


def ids_by_number(conn: sqlite3.Connection, symbols: list[str]) -> dict[str, int]:
    """Id of the knowledge-base document bearing each number (symbols not held are absent)."""
    symbols = sorted(set(symbols))
    if not symbols:
        return {}
    marks = ",".join("?" * len(symbols))
    return dict(conn.execute(f"SELECT doc_number, MIN(id) FROM documents WHERE doc_number IN ({marks})"
                             " GROUP BY doc_number", symbols).fetchall())


def cited_by(conn: sqlite3.Connection, symbol: str, exclude: int | None = None) -> list[dict]:
    """Documents in the knowledge base that cite the given document number."""
    rows = conn.execute(
        f"SELECT DISTINCT {','.join('d.' + c for c in LIST_COLUMNS)} FROM refs r JOIN documents d"
        " ON d.id = r.document_id WHERE r.symbol = ? AND d.id IS NOT ? ORDER BY d.date DESC",
        (symbol, exclude)).fetchall()
    return [_doc_summary(r, []) for r in rows]


def _sources_for(conn: sqlite3.Connection, ids: list[int]) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for chunk in (ids[i:i + 500] for i in range(0, len(ids), 500)):
        marks = ",".join("?" * len(chunk))
        for s in conn.execute(
                f"SELECT document_id, source_path, row, url, outlet FROM sources WHERE document_id IN ({marks})"
                " ORDER BY source_key", chunk):
            out.setdefault(s["document_id"], []).append(
                {"source_path": s["source_path"], "row": s["row"], "url": s["url"], "outlet": s["outlet"]})
    return out


def _doc_summary(row: sqlite3.Row, sources: list[dict]) -> dict:
    doc = {c: row[c] for c in LIST_COLUMNS}
    doc["date_display"] = display_date(doc["date"])
    doc["sources"] = sources
    doc["source_path"] = sources[0]["source_path"] if sources else ""
    return doc
