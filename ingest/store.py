"""The knowledge base's SQLite store: documents, their sources, paragraphs, references, abbreviations.

One file, `kb.sqlite`, in the knowledge-base directory. Each document is written in one
transaction, so a run killed at any point (even `kill -9`) leaves the store consistent and a
re-run finishes the job. WAL mode lets readers (the web app) work while an ingest writes.
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .model import Metadata, Paragraph
from .paragraphs import passage_text

SCHEMA_VERSION = 1
DB_NAME = "kb.sqlite"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    id INTEGER PRIMARY KEY,
    doc_key TEXT NOT NULL UNIQUE,          -- URL when the source gives one, else the source path
    text_hash TEXT NOT NULL,               -- identity of the clean content, for duplicate detection
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
    fields_json TEXT NOT NULL DEFAULT '{}', -- everything the source said, as found
    text TEXT NOT NULL,                    -- the clean text paragraphs point into
    updated_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_text_hash ON documents(text_hash);
CREATE INDEX IF NOT EXISTS documents_province ON documents(province);
CREATE INDEX IF NOT EXISTS documents_type ON documents(doc_type);
CREATE INDEX IF NOT EXISTS documents_date ON documents(date);
CREATE TABLE IF NOT EXISTS sources (
    source_key TEXT PRIMARY KEY,           -- path relative to the ingested root, '#row' for rows
    source_path TEXT NOT NULL,
    row INTEGER,
    root TEXT NOT NULL DEFAULT '',
    raw_hash TEXT NOT NULL,
    pipeline TEXT NOT NULL DEFAULT '',     -- pipeline version that processed it
    url TEXT NOT NULL DEFAULT '',
    outlet TEXT NOT NULL DEFAULT '',
    document_id INTEGER REFERENCES documents(id) ON DELETE CASCADE,
    seen_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sources_document ON sources(document_id);
CREATE TABLE IF NOT EXISTS paragraphs (
    id INTEGER PRIMARY KEY,
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,              -- 0 = title unit, 1.. = body paragraphs in order
    kind TEXT NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    heading TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,            -- hash of the passage as embedded: the cache key
    UNIQUE (document_id, ordinal)
);
CREATE INDEX IF NOT EXISTS paragraphs_hash ON paragraphs(content_hash);
CREATE TABLE IF NOT EXISTS refs (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    kind TEXT NOT NULL, number TEXT NOT NULL, symbol TEXT NOT NULL,
    issuer_level TEXT NOT NULL, issuer TEXT NOT NULL, date TEXT NOT NULL, raw TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS refs_symbol ON refs(symbol);
CREATE INDEX IF NOT EXISTS refs_document ON refs(document_id);
CREATE TABLE IF NOT EXISTS abbreviations (
    document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    abbr TEXT NOT NULL, expansion TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS abbreviations_abbr ON abbreviations(abbr);
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
"""

DOC_COLUMNS = ("title", "date", "date_source", "outlet", "url", "province", "province_2025",
               "doc_type", "doc_number", "issuer", "signer", "abstract", "category")


class SchemaError(RuntimeError):
    """The knowledge base was written by an incompatible version of vankien."""


def now() -> str:
    """Current UTC time, ISO 8601, second precision."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def sha256(text: str) -> str:
    """Hex SHA-256 of a string's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def connect(kb_dir: Path | str, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed, unless read-only) the knowledge base's SQLite file."""
    kb_dir = Path(kb_dir)
    path = kb_dir / DB_NAME
    if readonly:
        if not path.exists():
            raise FileNotFoundError(f"no knowledge base at {kb_dir} (run 'vankien ingest' first)")
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
    else:
        kb_dir.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False)
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
    with conn:
        conn.executescript(SCHEMA)
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
                     (str(SCHEMA_VERSION),))
        conn.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('content_version', '0')")


def _check_version(conn: sqlite3.Connection) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    if row is None or int(row[0]) != SCHEMA_VERSION:
        found = row[0] if row else "none"
        raise SchemaError(f"knowledge base schema version {found}, this vankien needs {SCHEMA_VERSION}:"
                          " re-ingest into a new --kb directory")


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any exception."""
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


def bump_content_version(conn: sqlite3.Connection) -> None:
    """Mark the paragraphs as changed, so indexes built from an older version get rebuilt."""
    conn.execute("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key='content_version'")


def write_document(conn: sqlite3.Connection, doc_id: int | None, doc_key: str, text_hash: str,
                   meta: Metadata, text: str, extra: dict, paragraphs: list[Paragraph]) -> int:
    """Insert a new document (doc_id None) or replace an existing one's content; returns its id."""
    values = {c: getattr(meta, c) for c in DOC_COLUMNS}
    values.update(doc_key=doc_key, text_hash=text_hash, text=text, updated_at=now(),
                  recipients=extra.get("recipients", ""), signature=extra.get("signature", ""),
                  byline=extra.get("byline", ""), format=extra.get("format", ""),
                  fields_json=json.dumps(extra.get("fields", {}), ensure_ascii=False, sort_keys=True))
    cols = list(values)
    if doc_id is None:
        cur = conn.execute(f"INSERT INTO documents({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                           [values[c] for c in cols])
        doc_id = cur.lastrowid
    else:
        conn.execute(f"UPDATE documents SET {','.join(c + '=?' for c in cols)} WHERE id=?",
                     [values[c] for c in cols] + [doc_id])
        for table in ("paragraphs", "refs", "abbreviations"):
            conn.execute(f"DELETE FROM {table} WHERE document_id=?", (doc_id,))
    _write_children(conn, doc_id, meta, paragraphs)
    bump_content_version(conn)
    return doc_id


def _write_children(conn: sqlite3.Connection, doc_id: int, meta: Metadata,
                    paragraphs: list[Paragraph]) -> None:
    conn.executemany(
        "INSERT INTO paragraphs(document_id, ordinal, kind, start, end, heading, text, content_hash)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [(doc_id, p.ordinal, p.kind, p.start, p.end, p.heading, p.text, sha256(passage_text(meta.title, p)))
         for p in paragraphs])
    conn.executemany(
        "INSERT INTO refs(document_id, kind, number, symbol, issuer_level, issuer, date, raw)"
        " VALUES (?,?,?,?,?,?,?,?)",
        [(doc_id, r.kind, r.number, r.symbol, r.issuer_level, r.issuer, r.date, r.raw)
         for r in meta.references])
    conn.executemany("INSERT INTO abbreviations(document_id, abbr, expansion) VALUES (?,?,?)",
                     [(doc_id, a, e) for a, e in meta.abbreviations.items()])


def upsert_source(conn: sqlite3.Connection, source_key: str, source_path: str, row: int | None,
                  root: str, raw_hash: str, pipeline: str, url: str, outlet: str, doc_id: int) -> None:
    """Record that an input unit (file or row) holds a given document."""
    conn.execute(
        "INSERT INTO sources(source_key, source_path, row, root, raw_hash, pipeline, url, outlet, document_id,"
        " seen_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT(source_key) DO UPDATE SET"
        " source_path=excluded.source_path, row=excluded.row, root=excluded.root, raw_hash=excluded.raw_hash,"
        " pipeline=excluded.pipeline, url=excluded.url, outlet=excluded.outlet,"
        " document_id=excluded.document_id, seen_at=excluded.seen_at",
        (source_key, source_path, row, root, raw_hash, pipeline, url, outlet, doc_id, now()))


def delete_document_if_orphaned(conn: sqlite3.Connection, doc_id: int) -> bool:
    """Delete a document no source points to any more (its paragraphs go with it)."""
    if conn.execute("SELECT 1 FROM sources WHERE document_id=? LIMIT 1", (doc_id,)).fetchone():
        return False
    conn.execute("DELETE FROM documents WHERE id=?", (doc_id,))
    bump_content_version(conn)
    return True


