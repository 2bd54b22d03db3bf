"""Ingest runs: read → clean → metadata → paragraphs → store, incrementally and idempotently.

A source (file or row) whose raw bytes are unchanged since the last run is skipped without
being parsed. Each document is committed in its own transaction, so a killed run loses at
most the document in flight and a re-run picks up from there. Content-identical documents
(the same article from two outlets, or a portal page and its CMS record) are stored once,
with every source pointing at the one document.
"""
from __future__ import annotations

import json
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from . import store
from .clean import clean_page
from .metadata import extract_metadata
from .model import Metadata, Paragraph, RawDocument, ReadError
from .normalize import fold
from .paragraphs import split_paragraphs
from .readers import iter_documents

# Bump when cleaning/metadata/paragraph rules change: sources are then re-processed even
# though their bytes did not change.
PIPELINE_VERSION = "3"
SHORT_BODY = 200        # below this many characters the body alone does not identify a document


@dataclass
class IngestSummary:
    """Counts of one ingest run; `errors` lists (source, reason) for every skipped input."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicate: int = 0
    failed: int = 0
    paragraphs: int = 0
    elapsed: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)

    @property
    def documents(self) -> int:
        """Inputs that ended up in the store, whatever their status."""
        return self.added + self.updated + self.unchanged + self.duplicate

    def as_dict(self) -> dict:
        """JSON-ready counts."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "duplicate": self.duplicate, "failed": self.failed, "paragraphs": self.paragraphs,
                "elapsed_s": round(self.elapsed, 3),
                "documents_per_s": round(self.documents / self.elapsed, 1) if self.elapsed else 0.0,
                "errors": [{"source": s, "reason": r} for s, r in self.errors]}


@dataclass
class Prepared:
    """A document ready to be written: metadata, clean text, paragraphs, content identity."""

    meta: Metadata
    text: str
    extra: dict
    paragraphs: list[Paragraph]
    identity: str


def prepare(raw: RawDocument) -> Prepared:
    """Run cleaning, metadata extraction and paragraph splitting on one raw document."""
    cleaned = clean_page(raw.text, raw.fields.get("title", ""))
    meta = extract_metadata(raw, cleaned)
    paragraphs = [title_unit(meta)] + split_paragraphs(cleaned.text)
    extra = {"recipients": cleaned.recipients, "signature": cleaned.signature,
             "byline": cleaned.byline, "format": raw.format, "fields": raw.fields}
    return Prepared(meta, cleaned.text, extra, paragraphs, content_identity(meta, cleaned.text))


def title_unit(meta: Metadata) -> Paragraph:
    """The searchable title/abstract unit (ordinal 0): the only unit of a register record."""
    parts = [meta.title]
    if meta.doc_number and meta.doc_number not in meta.title:
        parts.append(meta.doc_number)
    if meta.abstract and fold(meta.abstract) not in fold(meta.title):
        parts.append(meta.abstract)
    text = "\n".join(p for p in parts if p) or "(không có tiêu đề)"
    return Paragraph(0, 0, 0, text, "", kind="title")


def content_identity(meta: Metadata, text: str) -> str:
    """Hash that two copies of one document share: the body, or title+body for short bodies."""
    body = " ".join(fold(text).split())
    if len(body) >= SHORT_BODY:
        return store.sha256(body)
    return store.sha256(" ".join(fold(meta.title).split()) + "|" + body)


class Ingester:
    """Writes documents into one knowledge base; use `run()` for a whole batch."""

    def __init__(self, conn: sqlite3.Connection, root_label: str = ""):
        self.conn = conn
        self.root_label = root_label

    def ingest_one(self, raw: RawDocument) -> tuple[str, int]:
        """Store one document; returns (status, paragraph count). Status: added/updated/unchanged/duplicate."""
        old = self.conn.execute("SELECT raw_hash, pipeline, document_id FROM sources WHERE source_key=?",
                                (raw.source_key,)).fetchone()
        if (old and old["raw_hash"] == raw.raw_hash and old["pipeline"] == PIPELINE_VERSION
                and old["document_id"]):
            return "unchanged", 0
        prepared = prepare(raw)
        with store.transaction(self.conn):
            status, doc_id = self._place(raw, prepared, old["document_id"] if old else None)
            store.upsert_source(self.conn, raw.source_key, raw.source_path, raw.row, self.root_label,
                                raw.raw_hash, PIPELINE_VERSION, prepared.meta.url, prepared.meta.outlet, doc_id)
            if old and old["document_id"] and old["document_id"] != doc_id:
                store.delete_document_if_orphaned(self.conn, old["document_id"])
        return status, len(prepared.paragraphs) if status in ("added", "updated") else 0

    def _place(self, raw: RawDocument, p: Prepared, old_doc: int | None) -> tuple[str, int]:
        """Decide where the document goes: an identical existing one, in place, or a new row."""
        same = self._same_content(p)
        if same is not None and same != old_doc:
            return "duplicate", same
        if same is not None and not self._is_primary(same, raw.source_key):
            return "duplicate", same        # a copy's source re-read: the first source's metadata stays
        if same is not None or (old_doc is not None and self._sole_source(old_doc, raw.source_key)):
            store.write_document(self.conn, old_doc, self._doc_key(p, raw, old_doc), p.identity,
                                 p.meta, p.text, p.extra, p.paragraphs)
            return "updated", old_doc
        doc_id = store.write_document(self.conn, None, self._doc_key(p, raw, None), p.identity,
                                      p.meta, p.text, p.extra, p.paragraphs)
        return ("added" if old_doc is None else "updated"), doc_id

    def _same_content(self, p: Prepared) -> int | None:
        """An existing copy of this document: same content identity and no conflicting number.

        Register records often share a title ("Quyết định về việc điều động …") with an empty
        body; two of them are the same document only if their numbers do not differ.
        """
        for row in self.conn.execute("SELECT id, doc_number FROM documents WHERE text_hash=? ORDER BY id",
                                     (p.identity,)):
            if not row["doc_number"] or not p.meta.doc_number or row["doc_number"] == p.meta.doc_number:
                return row["id"]
        return None

    def _is_primary(self, doc_id: int, source_key: str) -> bool:
        """True if this source was the first to bring the document (its metadata is kept)."""
        first = self.conn.execute("SELECT source_key FROM sources WHERE document_id=? ORDER BY rowid LIMIT 1",
                                  (doc_id,)).fetchone()
        return first is None or first[0] == source_key

    def _sole_source(self, doc_id: int, source_key: str) -> bool:
        row = self.conn.execute("SELECT COUNT(*) FROM sources WHERE document_id=? AND source_key<>?",
                                (doc_id, source_key)).fetchone()
        return row[0] == 0

    def _doc_key(self, p: Prepared, raw: RawDocument, keep_for: int | None) -> str:
        """URL when known, else the source key; made unique if another document already has it."""
        key = p.meta.url or raw.source_key
        row = self.conn.execute("SELECT id FROM documents WHERE doc_key=?", (key,)).fetchone()
        if row is None or row["id"] == keep_for:
            return key
        return f"{key}#{raw.source_key}" if key != raw.source_key else f"{key}#{p.identity[:12]}"


def run(paths: Iterable[Path], kb_dir: Path, *, manifest=None, column_map: dict | None = None,
        progress: bool = True, report: Callable[[str], None] | None = None) -> IngestSummary:
    """Ingest files and directories into the knowledge base at `kb_dir`; never stops on bad input."""
    paths = [Path(p) for p in paths]
    report = report or (lambda line: print(line, file=sys.stderr))
    conn = store.connect(kb_dir)
    summary, started = IngestSummary(), time.perf_counter()
    run_id = _start_run(conn, paths)
    ingester = Ingester(conn, ",".join(str(p) for p in paths))
    for item in _progress(iter_documents(paths, manifest=manifest, column_map=column_map), progress):
        if isinstance(item, ReadError):
            _fail(conn, run_id, summary, item.source_key, item.reason, report)
            continue
        try:
            status, n = ingester.ingest_one(item)
        except Exception as exc:  # one bad document must not stop the batch; it is reported
            _fail(conn, run_id, summary, item.source_key, f"{type(exc).__name__}: {exc}", report)
            continue
        setattr(summary, status, getattr(summary, status) + 1)
        summary.paragraphs += n
    summary.elapsed = time.perf_counter() - started
    _finish_run(conn, run_id, summary)
    conn.close()
    return summary


def _progress(items, enabled: bool):
    if not enabled:
        return items
    from tqdm import tqdm
    return tqdm(items, desc="ingest", unit="doc", file=sys.stderr, dynamic_ncols=True)


def _fail(conn, run_id: int, summary: IngestSummary, source: str, reason: str, report) -> None:
    reason = " ".join(reason.split())
    summary.failed += 1
    summary.errors.append((source, reason))
    report(f"error: {source}: {reason}")
    with store.transaction(conn):
        conn.execute("INSERT INTO ingest_errors(run_id, source_key, reason) VALUES (?,?,?)",
                     (run_id, source, reason))


def _start_run(conn: sqlite3.Connection, paths: list[Path]) -> int:
    with store.transaction(conn):
        cur = conn.execute("INSERT INTO ingest_runs(started_at, paths) VALUES (?, ?)",
                           (store.now(), json.dumps([str(p) for p in paths], ensure_ascii=False)))
    return cur.lastrowid


def _finish_run(conn: sqlite3.Connection, run_id: int, summary: IngestSummary) -> None:
    with store.transaction(conn):
        conn.execute("UPDATE ingest_runs SET finished_at=?, counts_json=? WHERE id=?",
                     (store.now(), json.dumps(summary.as_dict(), ensure_ascii=False), run_id))
