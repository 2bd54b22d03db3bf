"""Ingest runs: plan the inputs → read and prepare them in workers → write versions to the store.

Every input (a file, or a row of a CSV/JSONL file) is its own document, identified by its
absolute path. Re-ingesting an input updates its document in place (a new version); an
input whose bytes and pipeline version are unchanged is skipped without being parsed; an
input whose processing gives the same output as before keeps its version. Inputs with
the same content (syndicated copies, a portal page and its CMS record) or the same URL
are separate documents, linked as copies and grouped at query time: no input's title,
date, outlet or province is ever dropped or overwritten by another's.

A file that moved (its old path is gone, its bytes are the same) keeps its document.

New versions are pending until the next index generation is published (search/indexer):
until then searches see the previous state, whole.
"""
from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from vankien import i18n
from vankien.faults import checkpoint
from vankien.i18n import t

from . import store
from .kblock import write_lock
from .model import ReadError
from .prepare import Prepared, prepare  # noqa: F401  (prepare is part of this module's API)
from .readers import InputFile, ReadOptions, plan_inputs
from .worker import Budget, Unchanged, WorkerPool

# Bump when cleaning/metadata/paragraph rules change: inputs are then re-processed even
# though their bytes did not change (their versions change only if the output does).
PIPELINE_VERSION = "4"
STATUSES = ("added", "updated", "unchanged", "moved")


@dataclass
class IngestSummary:
    """Counts of one ingest run; `errors` lists (source, reason) for every skipped input."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    moved: int = 0
    copies: int = 0             # added/updated documents that are copies of another one
    failed: int = 0
    paragraphs: int = 0
    elapsed: float = 0.0
    errors: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)
    slowest: tuple[float, str] = (0.0, "")     # (seconds, source) of the file that took longest
    worker_rss_mb: float = 0.0                  # peak resident memory of a reader worker

    @property
    def documents(self) -> int:
        """Inputs that are in the store after the run, whatever their status."""
        return self.added + self.updated + self.unchanged + self.moved

    def as_dict(self) -> dict:
        """JSON-ready counts."""
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged,
                "moved": self.moved, "copies": self.copies, "failed": self.failed,
                "paragraphs": self.paragraphs, "elapsed_s": round(self.elapsed, 3),
                "documents_per_s": round(self.documents / self.elapsed, 1) if self.elapsed else 0.0,
                "slowest_file": {"seconds": round(self.slowest[0], 3), "source": self.slowest[1]},
                "worker_peak_rss_mb": round(self.worker_rss_mb),
                "errors": [{"source": s, "reason": r} for s, r in self.errors],
                "warnings": [{"source": s, "note": n} for s, n in self.warnings]}


class Ingester:
    """Writes prepared documents into one knowledge base, one transaction each."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def known_hashes(self, inp: InputFile) -> dict[str, str]:
        """{input key: raw hash} of the inputs of this file already processed by this pipeline."""
        base = inp.path.as_posix()
        rows = self.conn.execute(
            "SELECT source_key, raw_hash FROM documents WHERE (source_key = ? OR source_key LIKE ? ESCAPE '\\')"
            " AND pipeline = ? AND current_version IS NOT NULL",
            (base, _like_prefix(base + "#"), PIPELINE_VERSION))
        return {r[0]: r[1] for r in rows}

    def write(self, p: Prepared, root: str) -> str:
        """Store one prepared document; returns its status (added/updated/unchanged/moved)."""
        with store.transaction(self.conn):
            doc = store.find_document(self.conn, p.input_key)
            status = "updated"
            if doc is None:
                doc = self._moved_from(p)
                status = "moved" if doc is not None else "added"
            if doc is None:
                doc_id = store.add_document(self.conn, p.input_key, p.source_path, p.row, root, p.raw_hash,
                                            PIPELINE_VERSION)
            else:
                doc_id = doc["id"]
                store.mark_seen(self.conn, doc_id, raw_hash=p.raw_hash, pipeline=PIPELINE_VERSION,
                                source_key=p.input_key, source_path=p.source_path, root=root)
                if store.current_digest(self.conn, doc_id) == p.digest:
                    return "unchanged" if status == "updated" else status
            store.write_version(self.conn, doc_id, p.doc_key, p.identity, p.digest, p.meta, p.text, p.extra,
                                p.paragraphs)
        return status

    def is_copy(self, p: Prepared) -> bool:
        """True if another document has the same content identity or the same URL."""
        row = self.conn.execute(
            "SELECT 1 FROM versions v JOIN documents d ON d.current_version = v.id"
            " WHERE (v.text_hash = ? OR (v.url <> '' AND v.url = ?)) AND d.source_key <> ? LIMIT 1",
            (p.identity, p.meta.url, p.input_key)).fetchone()
        return row is not None

    def _moved_from(self, p: Prepared) -> sqlite3.Row | None:
        """The document of this input's old location, if the input was moved unchanged.

        Same bytes (raw hash), same row number, and the old file no longer exists: the folder
        was moved or renamed, so the document (and its id) follows the input.
        """
        for row in self.conn.execute("SELECT * FROM documents WHERE raw_hash=? AND source_key<>?",
                                     (p.raw_hash, p.input_key)):
            old_path, _, _ = row["source_key"].partition("#")
            if row["row"] == p.row and not os.path.exists(old_path):
                return row
        return None

    def touch(self, input_key: str) -> None:
        """Record that an unchanged input was seen in this run."""
        self.conn.execute("UPDATE documents SET seen_at=? WHERE source_key=?", (store.now(), input_key))


def run(paths: Iterable[Path], kb_dir: Path, *, manifest=None, column_map: dict | None = None,
        keep_comments: bool = False,
        progress: bool = True, report: Callable[[str], None] | None = None,
        budget: Budget | None = None, workers: int | None = None) -> IngestSummary:
    """Ingest files and directories into the knowledge base at `kb_dir`; never stops on bad input.

    Each bad file or row is reported with one `error: <source>: <reason>` line (and counted);
    each stored document that deserves a word ("converted from TCVN3", "truncated HTML")
    gets one `warning: <source>: <note>` line.
    """
    paths = [Path(p) for p in paths]
    report = report or (lambda line: print(line, file=sys.stderr))
    budget = budget or Budget()
    summary, started = IngestSummary(), time.perf_counter()
    with write_lock(kb_dir, report=report):
        conn = store.connect(kb_dir)
        try:
            run_id = _start_run(conn, paths)
            options = ReadOptions(column_map=column_map, keep_comments=keep_comments)
            _ingest_inputs(conn, run_id, paths, manifest, options, budget, workers, summary, report, progress)
            summary.elapsed = time.perf_counter() - started
            _finish_run(conn, run_id, summary)
        finally:
            conn.close()
    return summary


def _ingest_inputs(conn, run_id, paths, manifest, options, budget, workers, summary, report, progress):
    ingester = Ingester(conn)
    inputs = []
    for inp in plan_inputs(paths, manifest, max_bytes=int(budget.max_file_mb * 2**20)):
        if isinstance(inp, ReadError):
            _fail(conn, run_id, summary, inp.source_key, inp.reason, report)
        else:
            inputs.append(inp)
    bar = _bar(len(inputs), progress)
    pool = WorkerPool(budget, options, workers)
    for result in pool.run(inputs, ingester.known_hashes):
        summary.slowest = max(summary.slowest, (result.seconds, result.input.source_path))
        summary.worker_rss_mb = max(summary.worker_rss_mb, result.worker_rss_mb)
        for item in result.items:
            _record(conn, run_id, ingester, item, result.input.root, summary, report)
        if bar:
            bar.update(1)
    if bar:
        bar.close()


def _record(conn, run_id, ingester: Ingester, item, root: str, summary: IngestSummary, report) -> None:
    """Write one item of a file's results and count it."""
    if isinstance(item, ReadError):
        _fail(conn, run_id, summary, item.source_key, item.reason, report)
        return
    if isinstance(item, Unchanged):
        ingester.touch(item.input_key)
        summary.unchanged += 1
        return
    try:
        status = ingester.write(item, root)
    except sqlite3.Error as exc:
        _fail(conn, run_id, summary, item.source_path, f"{type(exc).__name__}: {exc}", report)
        return
    setattr(summary, status, getattr(summary, status) + 1)
    checkpoint("ingest.document")
    if status in ("added", "updated"):
        summary.paragraphs += len(item.paragraphs)
        summary.copies += ingester.is_copy(item)
        for note in item.notes:
            summary.warnings.append((_display_key(item), note))
            report(t("ingest.warning", source=_display_key(item), note=i18n.reason(note)))


def _display_key(p: Prepared) -> str:
    return p.source_path if p.row is None else f"{p.source_path}#{p.row}"


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc="ingest", unit="file", file=sys.stderr, dynamic_ncols=True)


def _fail(conn, run_id: int, summary: IngestSummary, source: str, reason: str, report) -> None:
    reason = " ".join(reason.split())
    summary.failed += 1
    summary.errors.append((source, reason))
    report(t("ingest.error", source=source, reason=i18n.reason(reason)))
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
