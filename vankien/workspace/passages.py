"""Passages of the knowledge base as a collection keeps them, and whether their source changed.

A re-ingested document gets a new version with new paragraph ids, and old versions are
garbage-collected two generations later; a rebuilt knowledge base even renumbers documents.
So an item never relies on its paragraph id: it stores the text, the citation line and the
document fields at the time of adding, plus the document's id and key (URL or source key).
`check` finds the passage in the current version: same document (by id, else by key), same
paragraph number with the same text, else the paragraph whose text matches.
"""
from __future__ import annotations

import hashlib
import sqlite3

from vankien.ingest.store import visible
from vankien.search import catalog, present

# Document fields an item keeps (those a citation, the handout and the exports need).
DOC_FIELDS = ("id", "doc_key", "title", "doc_type", "doc_type_label", "doc_number", "issuer", "signer", "outlet",
              "province", "province_2025", "date", "url", "source_path")
# Fields whose change means the citation of a kept passage is out of date.
CITED_FIELDS = ("title", "doc_type", "doc_number", "issuer", "outlet", "province", "date", "url")

STATES = {
    "current": "Nguồn không đổi",
    "moved": "Đoạn đã đổi số thứ tự trong văn bản",
    "metadata": "Thông tin văn bản (tên, số, ngày…) đã được cập nhật",
    "edited": "Nội dung đoạn trong văn bản đã thay đổi",
    "removed": "Văn bản không còn trong kho",
    "unknown": "Chưa kiểm tra được (không mở được kho)",
}


def text_hash(text: str) -> str:
    """Identity of a passage's text (whitespace-insensitive): the key that makes adding twice a no-op."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def browse_generation(service) -> int:
    """The generation whose documents the service shows (the one searches use)."""
    return service.snapshot().number if service.load_indexes else service.published()


def _type_label(slug: str) -> str:
    from vankien.search.service import type_label
    return type_label(slug)


def _document_fields(doc: dict) -> dict:
    doc = dict(doc)
    doc["doc_type_label"] = doc.get("doc_type_label") or _type_label(doc.get("doc_type", ""))
    return {k: doc.get(k) for k in DOC_FIELDS}


def citation(doc: dict, ordinal: int | None, page: int | None) -> str:
    """The citation line of a passage (the search results' format: title — type số X — issuer —
    province — dd/mm/yyyy — [trang P,] đoạn N — URL or path)."""
    return present.citation_line(doc, ordinal or None, doc.get("doc_type_label") or "", page=page)


def _snapshot(conn: sqlite3.Connection, row: sqlite3.Row, generation: int) -> dict | None:
    docs = catalog.documents_by_versions(conn, [row["version_id"]])
    if row["version_id"] not in docs:
        return None
    doc = _document_fields(docs[row["version_id"]])
    return {"document_id": doc["id"], "doc_key": doc["doc_key"], "version_id": row["version_id"],
            "paragraph_id": row["id"], "ordinal": row["ordinal"], "page": row["page"],
            "section": row["heading"] or "", "text": row["text"], "text_hash": text_hash(row["text"]),
            "citation": citation(doc, row["ordinal"], row["page"]), "document": doc, "generation": generation}


_PARAGRAPH = "SELECT p.id, p.version_id, p.ordinal, p.heading, p.text, p.page FROM paragraphs p"


def snapshot_paragraph(service, paragraph_id: int) -> dict | None:
    """Everything an item keeps about a paragraph given by id (as `search --json` gives it);
    None if the knowledge base no longer holds that paragraph."""
    conn = service.conn
    row = conn.execute(f"{_PARAGRAPH} WHERE p.id = ?", (paragraph_id,)).fetchone()
    return _snapshot(conn, row, browse_generation(service)) if row else None


def snapshot_ordinal(service, document_id: int, ordinal: int) -> dict | None:
    """The same for paragraph number `ordinal` of a document as currently published."""
    conn, gen = service.conn, browse_generation(service)
    version = _visible_version(conn, gen, document_id)
    if version is None:
        return None
    row = conn.execute(f"{_PARAGRAPH} WHERE p.version_id = ? AND p.ordinal = ?", (version, ordinal)).fetchone()
    return _snapshot(conn, row, gen) if row else None


def _visible_version(conn: sqlite3.Connection, gen: int, document_id: int) -> int | None:
    row = conn.execute(f"SELECT v.id FROM versions v WHERE v.document_id = :doc AND {visible()}",
                       {"doc": document_id, "gen": gen}).fetchone()
    return row[0] if row else None


def _version_by_key(conn: sqlite3.Connection, gen: int, doc_key: str) -> int | None:
    row = conn.execute(f"SELECT v.id FROM versions v WHERE v.doc_key = :key AND {visible()}"
                       " ORDER BY v.document_id LIMIT 1", {"key": doc_key, "gen": gen}).fetchone()
    return row[0] if row else None


class SourceChecker:
    """Compares kept passages with the knowledge base as one generation shows it (cached per document)."""

    def __init__(self, service):
        self.conn = service.conn
        self.gen = browse_generation(service)
        self._versions: dict[tuple, tuple[int, dict] | None] = {}

    def check(self, item: dict) -> dict:
        """{"state": one of STATES, "label", "document_id", "ordinal" (where the passage is now),
        "current_text" (edited: the paragraph now at its place), "current_citation"}."""
        found = self._current(item["document_id"], item["doc_key"], item["document"].get("source_path") or "")
        if found is None:
            return _state("removed")
        version, doc = found
        if version == item["version_id"]:
            return _state("current", document_id=doc["id"], ordinal=item["ordinal"], current_citation=item["citation"])
        ordinal, text = self._locate(version, item["ordinal"], item["text"])
        now = citation(doc, ordinal if ordinal is not None else item["ordinal"], item["page"])
        if ordinal is None:
            return _state("edited", document_id=doc["id"], ordinal=item["ordinal"], current_text=text,
                          current_citation=now)
        kept = item["document"]
        if any((kept.get(f) or "") != (doc.get(f) or "") for f in CITED_FIELDS):
            return _state("metadata", document_id=doc["id"], ordinal=ordinal, current_citation=now)
        if ordinal != item["ordinal"]:
            return _state("moved", document_id=doc["id"], ordinal=ordinal, current_citation=now)
        return _state("current", document_id=doc["id"], ordinal=ordinal, current_citation=now)

    def _current(self, document_id: int, doc_key: str, source_path: str) -> tuple[int, dict] | None:
        """The visible version of the document: by id while it is still the same input (same key
        or same source file: a rebuilt knowledge base reuses ids for other inputs), else by key."""
        cache_key = (document_id, doc_key, source_path)
        if cache_key not in self._versions:
            self._versions[cache_key] = self._lookup(document_id, doc_key, source_path)
        return self._versions[cache_key]

    def _lookup(self, document_id: int, doc_key: str, source_path: str) -> tuple[int, dict] | None:
        by_id = _visible_version(self.conn, self.gen, document_id)
        if by_id is not None:
            doc = self._fields(by_id)
            if doc["doc_key"] == doc_key or (source_path and doc["source_path"] == source_path):
                return by_id, doc
        by_key = _version_by_key(self.conn, self.gen, doc_key) if doc_key else None
        return (by_key, self._fields(by_key)) if by_key is not None else None

    def _fields(self, version: int) -> dict:
        return _document_fields(catalog.documents_by_versions(self.conn, [version])[version])

    def _locate(self, version: int, ordinal: int, text: str) -> tuple[int | None, str | None]:
        """(ordinal where the text now is, or None; the text now at the kept ordinal)."""
        here = self.conn.execute("SELECT text FROM paragraphs WHERE version_id=? AND ordinal=?",
                                 (version, ordinal)).fetchone()
        wanted = text_hash(text)
        if here and text_hash(here[0]) == wanted:
            return ordinal, here[0]
        for other, other_text in self.conn.execute(
                "SELECT ordinal, text FROM paragraphs WHERE version_id=? AND length(text) BETWEEN ? AND ?"
                " ORDER BY abs(ordinal - ?)", (version, len(text) // 2, len(text) * 2 + 10, ordinal)):
            if text_hash(other_text) == wanted:
                return other, other_text
        return None, here[0] if here else None


def _state(state: str, **values) -> dict:
    return {"state": state, "label": STATES[state], "document_id": None, "ordinal": None, "current_text": None,
            "current_citation": None, **values}


def check_all(service, entries: list[dict]) -> dict[int, dict]:
    """Where each kept passage of a collection stands now: item id → SourceChecker.check();
    empty without a knowledge base (an export still works from what the items keep)."""
    if service is None:
        return {}
    checker = SourceChecker(service)
    return {e["id"]: checker.check(e) for e in entries if e["kind"] == "passage"}
