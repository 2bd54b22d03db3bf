"""The user database: one SQLite file beside the knowledge base, versioned by ordered migrations.

Where: `<kb>.userdata.sqlite` next to the knowledge-base directory `<kb>/` (so deleting and
rebuilding `kb/` leaves it alone), or the path given by `--userdata` / `VANKIEN_USERDATA`.
It is created on the first write; reading a workspace that does not exist yet shows it empty.

Versions: `PRAGMA user_version` holds the number of migrations applied. Opening a file of an
older version applies the missing migrations in one transaction, after copying the file to
`<file>.v<N>.bak`; a file written by a newer vankien is refused, never rewritten.

Ownership: the collections and followed searches carry an `owner` column ("local" for the
single installation); items, and the per-search state, hang off those rows. Accounts later
mean deciding the owner per request, not reshaping data (README, "Workspace").
"""
from __future__ import annotations

import os
import secrets
import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from . import WorkspaceError

SUFFIX = ".userdata.sqlite"
ENV = "VANKIEN_USERDATA"
LOCAL_OWNER = "local"

# Ordered migrations: MIGRATIONS[i] brings a file from version i to version i + 1. Never edit
# one that has shipped: add the next one.
MIGRATIONS: tuple[str, ...] = (
    # 1: collections of passages, headings and notes
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE collections (
        id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL DEFAULT 'local',
        name TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX collections_owner ON collections(owner, updated_at);
    CREATE TABLE items (
        id INTEGER PRIMARY KEY,
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,             -- order in the collection, 0-based, no gaps
        kind TEXT NOT NULL CHECK (kind IN ('passage', 'heading')),
        title TEXT NOT NULL DEFAULT '',        -- a heading's text
        note TEXT NOT NULL DEFAULT '',         -- why this example
        -- the passage as it was when added (the knowledge base may change under it):
        document_id INTEGER,
        doc_key TEXT,                          -- the document's URL or source key: survives a rebuilt kb
        version_id INTEGER,
        paragraph_id INTEGER,                  -- as given, for reference only
        ordinal INTEGER,
        page INTEGER,
        section TEXT NOT NULL DEFAULT '',      -- the paragraph's heading in its document
        text TEXT,
        text_hash TEXT,
        citation TEXT,
        document_json TEXT,                    -- document fields: title, type, number, issuer, date …
        added_at TEXT NOT NULL
    );
    CREATE INDEX items_order ON items(collection_id, position);
    CREATE UNIQUE INDEX items_passage ON items(collection_id, doc_key, text_hash) WHERE kind = 'passage';
    CREATE INDEX items_lookup ON items(doc_key, text_hash);
    """,
    # 2: followed searches, and when this workspace first saw each document of the kb
    """
    CREATE TABLE follows (
        id INTEGER PRIMARY KEY,
        owner TEXT NOT NULL DEFAULT 'local',
        token TEXT NOT NULL UNIQUE,            -- unguessable: the feed address
        name TEXT NOT NULL,
        query TEXT NOT NULL,
        filters_json TEXT NOT NULL DEFAULT '{}',
        mode TEXT NOT NULL DEFAULT 'hybrid',
        created_at TEXT NOT NULL,
        created_mark INTEGER NOT NULL,         -- sightings mark when followed (the feed starts here)
        seen_at TEXT NOT NULL,
        seen_mark INTEGER NOT NULL             -- sightings mark at the last "seen"
    );
    CREATE UNIQUE INDEX follows_search ON follows(owner, query, filters_json, mode);
    CREATE TABLE sighting_marks (
        id INTEGER PRIMARY KEY,                -- grows with every new kb generation looked at
        generation TEXT NOT NULL,              -- '<number>:<published time>' of that generation
        at TEXT NOT NULL
    );
    CREATE TABLE sightings (
        doc_key TEXT PRIMARY KEY,              -- a document of the knowledge base …
        mark INTEGER NOT NULL,                 -- … first seen at this mark
        at TEXT NOT NULL
    );
    CREATE INDEX sightings_mark ON sightings(mark);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


class UserDataVersionError(WorkspaceError):
    """The user database was written by a newer vankien."""


def now() -> str:
    """Current UTC time, ISO 8601, second precision."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def userdata_path(kb_dir: Path | str, override: Path | str | None = None) -> Path:
    """The user database of a knowledge base: the override, else $VANKIEN_USERDATA, else
    `<kb>.userdata.sqlite` beside the knowledge-base directory."""
    chosen = override or os.environ.get(ENV)
    if chosen:
        return Path(chosen).expanduser().resolve()
    kb = Path(kb_dir).expanduser().resolve()
    return kb.with_name(kb.name + SUFFIX)


def connect(path: Path | str, *, create: bool = True) -> sqlite3.Connection | None:
    """Open the user database, migrating it to the current version; None if it does not
    exist and `create` is False (nothing is written then)."""
    path = Path(path)
    if not path.exists():
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=10000")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise UserDataVersionError(
                f"user database {path} has schema version {version}, this vankien knows up to {SCHEMA_VERSION}:"
                " upgrade vankien")
        if version < SCHEMA_VERSION:
            if version and not create:
                conn.close()            # upgrading is a write: leave the file alone for a reader
                return _read_old(path)
            conn.execute("PRAGMA journal_mode=WAL")
            migrate(conn, path=path)
        else:
            conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
    except BaseException:
        conn.close()
        raise
    return conn


def _read_old(path: Path) -> sqlite3.Connection:
    """A reader's view of an old-version file: an in-memory copy, migrated (the file is untouched)."""
    mem = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        src.backup(mem)
    finally:
        src.close()
    mem.row_factory = sqlite3.Row
    mem.execute("PRAGMA foreign_keys=ON")
    migrate(mem)
    return mem


def migrate(conn: sqlite3.Connection, *, target: int = SCHEMA_VERSION, path: Path | None = None) -> int:
    """Apply the migrations from the file's version up to `target`, in one transaction; a file
    that already had data is first copied to `<file>.v<N>.bak`. Returns the new version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= target:
        return version
    if path is not None and version > 0:
        backup = path.with_name(f"{path.name}.v{version}.bak")
        dest = sqlite3.connect(backup)
        try:
            conn.backup(dest)
        finally:
            dest.close()
    with transaction(conn):
        for number in range(version, target):
            for statement in _statements(MIGRATIONS[number]):
                conn.execute(statement)
        if version == 0:
            conn.execute("INSERT INTO meta(key, value) VALUES ('secret', ?), ('created_at', ?)",
                         (secrets.token_hex(32), now()))
        conn.execute(f"PRAGMA user_version = {int(target)}")
    return target


def _statements(script: str) -> list[str]:
    """The statements of a migration script (executescript would commit on its own)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    if buf.strip():
        raise ValueError(f"incomplete statement in a migration: {buf.strip()[:80]}")
    return out


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
    """One value of the meta table."""
    row = conn.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
    return row[0] if row else default


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Write one value of the meta table."""
    conn.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                 (key, value))
