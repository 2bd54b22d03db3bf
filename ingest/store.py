"""The knowledge base's SQLite store: documents, their versions, paragraphs, references.

One file, `kb.sqlite`, in the knowledge-base directory.

- A **document** is one input (a file, or a row of a CSV/JSONL file), identified by its
  source key (the input's absolute path, plus "#row"). Two inputs are never merged: copies
  (the same article from two outlets, a portal page and its CMS record) are separate
  documents that share a content identity, and are grouped at query time.
- A **version** is what one processing of the input produced: metadata, clean text,
  paragraphs, references. Versions are immutable once written. A new version is *pending*
  (`born_gen` NULL) until an index generation that contains it is published; the version it
  replaces stays visible until then (`died_gen` is set at that publication). A query working
  on generation g therefore sees exactly the versions with born_gen <= g < died_gen, and
  never half of an update.
- Each document is written in one transaction, so a run killed at any point (even
  `kill -9`) leaves the store consistent and a re-run finishes the job. WAL mode lets
  readers (the web app) work while an ingest writes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from vankien.errors import KnowledgeBaseNotFound, VankienError
from vankien.i18n import t

from .model import Metadata, Paragraph
from .paragraphs import passage_text

SCHEMA_VERSION = 2
DB_NAME = "kb.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    source_key TEXT NOT NULL UNIQUE,       -- absolute path of the input, '#row' for rows
    source_path TEXT NOT NULL,             -- path relative to the ingested root (shown in citations)
    row INTEGER,
    root TEXT NOT NULL DEFAULT '',
    raw_hash TEXT NOT NULL,                -- sha256 of the input's bytes (or row JSON)
    pipeline TEXT NOT NULL DEFAULT '',     -- pipeline version that processed it
    current_version INTEGER,               -- newest version; NULL once the document is removed
    created_at TEXT NOT NULL,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_raw_hash ON documents(raw_hash);
CREATE TABLE IF NOT EXISTS versions (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    born_gen INTEGER,                      -- generation that published it; NULL while pending
    died_gen INTEGER,                      -- generation from which it is no longer visible
    digest TEXT NOT NULL,                  -- hash of everything below: unchanged output, same digest
    doc_key TEXT NOT NULL,                 -- canonical URL when known, else the source key
    text_hash TEXT NOT NULL,               -- content identity: copies share it
    title TEXT NOT NULL DEFAULT '',
    date TEXT NOT NULL DEFAULT '',         -- ISO yyyy-mm-dd of the article or the document itself
    date_source TEXT NOT NULL DEFAULT '',
    outlet TEXT NOT NULL DEFAULT '',
    url TEXT NOT NULL DEFAULT '',
    province TEXT NOT NULL DEFAULT 'unknown',
    province_2025 TEXT NOT NULL DEFAULT '',
    doc_type TEXT NOT NULL DEFAULT '',
    doc_number TEXT NOT NULL DEFAULT '',
    issuer TEXT NOT NULL DEFAULT '',
    signer TEXT NOT NULL DEFAULT '',
    abstract TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL DEFAULT '',
    recipients TEXT NOT NULL DEFAULT '',
    signature TEXT NOT NULL DEFAULT '',
    byline TEXT NOT NULL DEFAULT '',
    format TEXT NOT NULL DEFAULT '',
    fields_json TEXT NOT NULL DEFAULT '{}',     -- everything the source said, as found
    provenance_json TEXT NOT NULL DEFAULT '{}', -- encoding, extractor, OCR …
    text TEXT NOT NULL,                    -- the clean text paragraphs point into
    created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS versions_document ON versions(document_id);
CREATE INDEX IF NOT EXISTS versions_pending ON versions(born_gen) WHERE born_gen IS NULL;
CREATE INDEX IF NOT EXISTS versions_text_hash ON versions(text_hash);
CREATE INDEX IF NOT EXISTS versions_doc_key ON versions(doc_key);
CREATE INDEX IF NOT EXISTS versions_number ON versions(doc_number);
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY,
    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,              -- 0 = title unit, 1.. = body paragraphs in order
    kind TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,            -- hash of the passage as embedded: the cache key
    page INTEGER,                          -- page of a paged source (PDF), else NULL
    ocr INTEGER NOT NULL DEFAULT 0,        -- 1: recognised from a scan (OCR)
    UNIQUE (version_id, ordinal)
);
CREATE INDEX IF NOT EXISTS paragraphs_hash ON paragraphs(content_hash);
CREATE TABLE IF NOT EXISTS refs (
    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, number TEXT NOT NULL, symbol TEXT NOT NULL,
    issuer_level TEXT NOT NULL, issuer TEXT NOT NULL, date TEXT NOT NULL, raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refs_symbol ON refs(symbol);
CREATE INDEX IF NOT EXISTS refs_version ON refs(version_id);
CREATE TABLE IF NOT EXISTS abbreviations (
    version_id INTEGER NOT NULL REFERENCES versions(id) ON DELETE CASCADE,
    abbr TEXT NOT NULL, expansion TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS abbreviations_version ON abbreviations(version_id);
CREATE TABLE IF NOT EXISTS ingest_runs (
    id INTEGER PRIMARY KEY, started_at TEXT NOT NULL, finished_at TEXT,
    paths TEXT NOT NULL, counts_json TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS ingest_errors (
    run_id INTEGER NOT NULL REFERENCES ingest_runs(id) ON DELETE CASCADE,
    source_key TEXT NOT NULL, reason TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    content_hash TEXT NOT NULL, encoder TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (content_hash, encoder)
);
CREATE TABLE IF NOT EXISTS generations (
    id INTEGER PRIMARY KEY,                -- the generation number
    published_at TEXT NOT NULL,
    manifest_json TEXT NOT NULL            -- the generation's manifest, as written in its folder
);
"""

# Metadata columns of a version, in Metadata's attribute names.
DOC_COLUMNS = ("title", "date", "date_source", "outlet", "url", "province", "province_2025",
               "doc_type", "doc_number", "issuer", "signer", "abstract", "category")


class SchemaError(VankienError):
    """The knowledge base was written by an incompatible version of vankien."""


def now() -> str:
    """Current UTC time, ISO 8601, second precision."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sha256(text: str) -> str:
    """Hex SHA-256 of a string's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def visible(alias: str = "v", param: str = ":gen") -> str:
    """SQL condition: version `alias` is visible in the generation bound to `param`."""
    return (f"({alias}.born_gen IS NOT NULL AND {alias}.born_gen <= {param}"
            f" AND ({alias}.died_gen IS NULL OR {alias}.died_gen > {param}))")


def connect(kb_dir: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed, unless read-only) the knowledge base's SQLite file."""
    kb_dir = Path(kb_dir)
    path = kb_dir / DB_NAME
    if readonly:
        if not path.exists():
            raise KnowledgeBaseNotFound(t("error.no_kb", kb=kb_dir))
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        kb_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")   # WAL + NORMAL: durable at checkpoints, never corrupt
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=10000")
    if not readonly:
        _init_schema(conn)
    _check_version(conn)
    return conn


def _init_schema(conn: sqlite3.Connection) -> None:
    found = _schema_version(conn)
    if found is not None and found != SCHEMA_VERSION:
        return          # _check_version explains; never write into a store of another layout
    conn.executescript(SCHEMA)      # idempotent (IF NOT EXISTS); executescript commits by itself
    with transaction(conn):
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('generation', '0')")


def _schema_version(conn: sqlite3.Connection) -> int | None:
    has_meta = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='meta'").fetchone()
    if not has_meta:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    return int(row[0]) if row else None


def _check_version(conn: sqlite3.Connection) -> None:
    found = _schema_version(conn)
    if found != SCHEMA_VERSION:
        raise SchemaError(t("error.schema", found=found or "none", needed=SCHEMA_VERSION))


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception (the connection is in autocommit)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def get_meta(conn: sqlite3.Connection, key: str, default: str = "") -> str:
    """Read one value from the meta table."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Write one value to the meta table (inside the caller's transaction)."""
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                 "ON CONFLICT(key) DO UPDATE SET value=excluded.value", (key, value))


def current_generation(conn: sqlite3.Connection) -> int:
    """Number of the published generation (0: nothing published yet)."""
    return int(get_meta(conn, "generation", "0") or 0)


# ---- writing documents -----------------------------------------------------------------

def find_document(conn: sqlite3.Connection, source_key: str) -> sqlite3.Row | None:
    """The document row of an input, or None."""
    return conn.execute("SELECT * FROM documents WHERE source_key=?", (source_key,)).fetchone()


def add_document(conn: sqlite3.Connection, source_key: str, source_path: str, row: int | None,
                 root: str, raw_hash: str, pipeline: str) -> int:
    """Insert the identity row of a new input; returns its id."""
    stamp = now()
    cur = conn.execute(
        "INSERT INTO documents(source_key, source_path, row, root, raw_hash, pipeline, created_at, seen_at)"
        " VALUES (?,?,?,?,?,?,?,?)", (source_key, source_path, row, root, raw_hash, pipeline, stamp, stamp))
    return cur.lastrowid


def mark_seen(conn: sqlite3.Connection, doc_id: int, *, raw_hash: str, pipeline: str,
              source_key: str | None = None, source_path: str | None = None, root: str | None = None) -> None:
    """Record that the input was read (again), and where it now lives if it moved."""
    conn.execute("UPDATE documents SET raw_hash=?, pipeline=?, seen_at=?,"
                 " source_key=COALESCE(?, source_key), source_path=COALESCE(?, source_path),"
                 " root=COALESCE(?, root) WHERE id=?",
                 (raw_hash, pipeline, now(), source_key, source_path, root, doc_id))


def write_version(conn: sqlite3.Connection, doc_id: int, doc_key: str, text_hash: str, digest: str,
                  meta: Metadata, text: str, extra: dict, paragraphs: list[Paragraph]) -> int:
    """Write a new pending version of a document and make it the document's current one.

    A previous version that was never published is deleted (nobody could see it); a
    published one stays visible until the next generation is published.
    """
    values = {c: getattr(meta, c) for c in DOC_COLUMNS}
    values.update(document_id=doc_id, doc_key=doc_key, text_hash=text_hash, digest=digest, text=text,
                  created_at=now(), recipients=extra.get("recipients", ""),
                  signature=extra.get("signature", ""), byline=extra.get("byline", ""),
                  format=extra.get("format", ""),
                  fields_json=json.dumps(extra.get("fields", {}), ensure_ascii=False, sort_keys=True),
                  provenance_json=json.dumps(extra.get("provenance", {}), ensure_ascii=False, sort_keys=True))
    cols = list(values)
    conn.execute("DELETE FROM versions WHERE document_id=? AND born_gen IS NULL", (doc_id,))
    cur = conn.execute(f"INSERT INTO versions({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                       [values[c] for c in cols])
    version_id = cur.lastrowid
    _write_children(conn, version_id, meta, paragraphs)
    conn.execute("UPDATE documents SET current_version=? WHERE id=?", (version_id, doc_id))
    return version_id


def _write_children(conn: sqlite3.Connection, version_id: int, meta: Metadata,
                    paragraphs: list[Paragraph]) -> None:
    conn.executemany(
        "INSERT INTO paragraphs(version_id, ordinal, kind, start, end, heading, text, content_hash, page, ocr)"
        " VALUES (?,?,?,?,?,?,?,?,?,?)",
        [(version_id, p.ordinal, p.kind, p.start, p.end, p.heading, p.text,
          sha256(passage_text(meta.title, p)), p.page, int(p.ocr)) for p in paragraphs])
    conn.executemany(
        "INSERT INTO refs(version_id, kind, number, symbol, issuer_level, issuer, date, raw)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [(version_id, r.kind, r.number, r.symbol, r.issuer_level, r.issuer, r.date, r.raw)
         for r in meta.references])
    conn.executemany("INSERT INTO abbreviations(version_id, abbr, expansion) VALUES (?,?,?)",
                     [(version_id, a, e) for a, e in meta.abbreviations.items()])


def current_digest(conn: sqlite3.Connection, doc_id: int) -> str:
    """Digest of the document's current version ("" if it has none)."""
    row = conn.execute("SELECT v.digest FROM documents d JOIN versions v ON v.id = d.current_version"
                       " WHERE d.id=?", (doc_id,)).fetchone()
    return row[0] if row else ""


def has_pending(conn: sqlite3.Connection) -> bool:
    """True if some change waits for the next generation (new versions or removals)."""
    row = conn.execute(
        "SELECT EXISTS(SELECT 1 FROM versions WHERE born_gen IS NULL)"
        " OR EXISTS(SELECT 1 FROM versions v JOIN documents d ON d.id = v.document_id"
        " WHERE v.born_gen IS NOT NULL AND v.died_gen IS NULL"
        " AND (d.current_version IS NULL OR d.current_version <> v.id))").fetchone()
    return bool(row[0])
