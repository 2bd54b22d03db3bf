"""What goes into a new generation: a full rebuild, or the previous base plus a fresh delta.

An update of a large knowledge base must not rebuild everything: the new generation keeps
the previous generation's *base* segment as it is (its files are shared, not copied),
hides the base paragraphs that are no longer live with *tombstones*, and puts every live
paragraph the base does not hold into one small *delta* segment, rebuilt from scratch at
each update (so there is never more than one). The diacritics table is updated from the
previous one (new paragraphs added, removed ones taken away). When the delta or the
tombstones grow past a share of the base, the generation is *compacted*: everything is
rebuilt into a new base. A full build streams paragraphs and vectors from kb.sqlite in
chunks, so memory stays bounded whatever the size of the knowledge base.
"""
from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .ann import AUTO_THRESHOLD, BACKENDS, build_index, hnsw_params
from .diacritics import Restorer
from .generation import GenerationError, GenerationWriter, load_generation
from .lexical import LexicalIndex

log = logging.getLogger(__name__)

DELTA_MAX_ROWS = 50_000         # beyond this the delta's exact search and rebuild cost more than compaction
DELTA_MAX_FRACTION = 0.10       # … or beyond this share of the base
TOMBSTONE_MAX_FRACTION = 0.20   # dead rows the base may carry before it is rebuilt
READ_CHUNK = 50_000             # paragraphs read from kb.sqlite at a time
TEXT_SQL = ("SELECT p.id, p.heading, p.text, p.content_hash, v.document_id FROM paragraphs p"
            " JOIN versions v ON v.id = p.version_id")


def live_paragraphs(conn) -> tuple[np.ndarray, np.ndarray]:
    """(paragraph ids ascending, their document ids) of the documents' current versions."""
    ids, docs = [], []
    cur = conn.execute("SELECT p.id, v.document_id FROM documents d JOIN versions v ON v.id = d.current_version"
                       " JOIN paragraphs p ON p.version_id = v.id ORDER BY p.id")
    while rows := cur.fetchmany(READ_CHUNK):
        ids.append(np.array([r[0] for r in rows], dtype=np.int64))
        docs.append(np.array([r[1] for r in rows], dtype=np.int64))
    if not ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(ids), np.concatenate(docs)


def lexical_text(heading: str, text: str) -> str:
    """What BM25 indexes for a paragraph: its text, with its section heading when not inside it."""
    return text if not heading or heading in text else f"{heading}\n{text}"


def build(writer: GenerationWriter, conn, kb_dir: Path, fingerprint: str, previous: int, force_full: bool) -> dict:
    """Write the segments, tombstones and diacritics of the new generation; returns what it did."""
    ids, docs = live_paragraphs(conn)
    prev = None if force_full else _previous(kb_dir, previous, fingerprint)
    if prev is not None:
        base = prev.segments[0]
        tombstones = np.setdiff1d(base.rows, ids, assume_unique=True)
        delta = np.setdiff1d(ids, base.rows, assume_unique=True)
        if _fits(len(base.rows), len(delta), len(tombstones)):
            writer.reuse_segment(prev.manifest["segments"][0])
            if len(delta):
                _segment(writer, conn, "delta", delta, fingerprint)
            restorer = _updated_restorer(conn, prev, ids)
            return {"tombstones": tombstones, "restorer": restorer, "mode": "update",
                    "delta_rows": int(len(delta))}
    restorer = _segment(writer, conn, "base", ids, fingerprint, learn=True)
    return {"tombstones": np.zeros(0, np.int64), "restorer": restorer, "mode": "full", "delta_rows": 0}


def _previous(kb_dir: Path, number: int, fingerprint: str):
    """The previous generation, if an update can build on it (valid, same encoder)."""
    if number == 0:
        return None
    try:
        prev = load_generation(kb_dir, number)
    except GenerationError as exc:
        log.warning("%s: building the new generation from scratch", exc)
        return None
    return prev if prev.manifest.get("encoder_fingerprint") == fingerprint else None


def _fits(base: int, delta: int, tombstones: int) -> bool:
    """True while an update is cheaper than compaction."""
    return (delta <= min(DELTA_MAX_ROWS, max(DELTA_MAX_FRACTION * base, 1000))
            and tombstones <= TOMBSTONE_MAX_FRACTION * base)


def _segment(writer: GenerationWriter, conn, name: str, ids: np.ndarray, fingerprint: str,
             learn: bool = False) -> Restorer | None:
    """Build one segment over the given paragraph ids (ascending), streaming from kb.sqlite."""
    seg_dir = writer.dir / name
    row_doc = np.zeros(len(ids), dtype=np.int64)
    restorer = Restorer.learn([]) if learn else None
    state = {"at": 0, "restorer": restorer}

    def texts():
        for chunk in _chunks(conn, ids):
            if learn:       # before yielding: the consumer may stop right after the last text
                state["restorer"] = state["restorer"].updated([r["text"] for r in chunk], [])
            for r in chunk:
                row_doc[state["at"]] = r["document_id"]
                state["at"] += 1
                yield lexical_text(r["heading"], r["text"])
    lexical = LexicalIndex.build(ids.tolist(), texts(), directory=seg_dir / "lexical")
    dense = _dense(conn, ids, fingerprint)
    writer.add_segment(name, ids, row_doc, lexical, dense)
    return state["restorer"]


def _chunks(conn, ids: np.ndarray):
    """Rows (id, heading, text, content_hash, document_id) for the ids, in id order, chunk by chunk."""
    for start in range(0, len(ids), READ_CHUNK):
        part = ids[start:start + READ_CHUNK].tolist()
        rows = {}
        for i in range(0, len(part), 900):
            sub = part[i:i + 900]
            rows.update((r["id"], r) for r in conn.execute(
                f"{TEXT_SQL} WHERE p.id IN ({','.join('?' * len(sub))})", sub))
        yield [rows[i] for i in part]


def _dense(conn, ids: np.ndarray, fingerprint: str):
    """The dense index over the ids' cached vectors, added chunk by chunk."""
    backend = "flat" if len(ids) < AUTO_THRESHOLD else "hnsw-sq8"
    params = hnsw_params(len(ids)) if backend != "flat" else {}
    index = None
    for chunk in _chunks(conn, ids):
        vectors = _vectors(conn, [r["content_hash"] for r in chunk], fingerprint)
        chunk_ids = np.array([r["id"] for r in chunk], dtype=np.int64)
        if index is None:
            index = BACKENDS[backend](vectors.shape[1], **params)
        index.add(chunk_ids, vectors)
    return index if index is not None else build_index(ids, np.zeros((0, 384), np.float32))


def _vectors(conn, hashes: list[str], fingerprint: str) -> np.ndarray:
    found = {}
    unique = sorted(set(hashes))
    for i in range(0, len(unique), 900):
        sub = unique[i:i + 900]
        found.update(conn.execute(
            f"SELECT content_hash, vector FROM embeddings WHERE encoder=? AND content_hash IN"
            f" ({','.join('?' * len(sub))})", [fingerprint, *sub]).fetchall())
    missing = [h for h in unique if h not in found]
    if missing:
        raise RuntimeError(f"{len(missing)} paragraphs have no embedding for encoder {fingerprint}")
    return np.frombuffer(b"".join(found[h] for h in hashes), dtype=np.float32).reshape(len(hashes), -1)


def _updated_restorer(conn, prev, live: np.ndarray) -> Restorer:
    """The previous diacritics table plus the paragraphs that became live, minus those that left."""
    before = np.concatenate([np.setdiff1d(prev.segments[0].rows, prev.tombstones, assume_unique=True),
                             *[s.rows for s in prev.segments[1:]]])
    before.sort()
    added = np.setdiff1d(live, before, assume_unique=True)
    removed = np.setdiff1d(before, live, assume_unique=True)
    texts = lambda ids: (r["text"] for chunk in _chunks(conn, ids) for r in chunk)  # noqa: E731
    return prev.restorer.updated(texts(added), texts(removed))
