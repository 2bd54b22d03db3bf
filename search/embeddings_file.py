"""Share embeddings without re-embedding: export a knowledge base's vectors, import them into another.

The file (`.npz`) holds the passages' content hashes (the embedding-cache key: sha256 of the
text as embedded), their float32 vectors, and the encoder's info and fingerprint. Import
checks before it writes anything: the encoder must be the one the receiving knowledge
base uses (vectors of another model are not comparable: those passages are simply
embedded again at the next index run), every vector must be finite and unit length, and a
sample of passages is re-embedded here and must match the file (cosine ≥ 0.999), so a
stale or forged file cannot slip wrong vectors into the cache.

The bundled sample corpus ships such a file (`corpus/sample/vankien-embeddings.npz`), so a
first `make run` indexes in seconds instead of embedding for minutes.
"""
from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from vankien.errors import VankienError
from vankien.ingest import store
from vankien.ingest.model import Paragraph
from vankien.ingest.paragraphs import passage_text

from .encoders import Encoder

FILE_NAME = "vankien-embeddings.npz"
VERIFY_SAMPLE = 6
MIN_COSINE = 0.999
NORM_TOLERANCE = 1e-3


class EmbeddingsFileError(VankienError):
    """An embeddings file that cannot be used (unreadable, other encoder, failed verification)."""


@dataclass
class ImportResult:
    """What an import did."""

    imported: int
    known: int
    skipped: int


def export_embeddings(conn, encoder: Encoder, path: Path) -> int:
    """Write the cached vectors of the knowledge base's paragraphs for `encoder`; returns the count."""
    fp = encoder.fingerprint()
    rows = conn.execute(
        "SELECT DISTINCT e.content_hash, e.vector FROM paragraphs p JOIN embeddings e"
        " ON e.content_hash = p.content_hash AND e.encoder = ? ORDER BY e.content_hash", (fp,)).fetchall()
    hashes = np.array([r[0] for r in rows], dtype="S64")
    vectors = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1) \
        if rows else np.zeros((0, encoder.dim), np.float32)
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with open(tmp, "wb") as f:
        np.savez_compressed(f, hashes=hashes, vectors=vectors, fingerprint=np.array(fp),
                            info=np.array(json.dumps(encoder.info(), sort_keys=True)))
    tmp.replace(path)
    return len(rows)


def read_embeddings(path: Path) -> tuple[str, dict, np.ndarray, np.ndarray]:
    """(fingerprint, encoder info, hashes, vectors) of a file; EmbeddingsFileError if unreadable."""
    try:
        with np.load(path, allow_pickle=False) as data:
            return (str(data["fingerprint"]), json.loads(str(data["info"])),
                    data["hashes"].astype(str), np.asarray(data["vectors"], dtype=np.float32))
    except (OSError, KeyError, ValueError) as exc:
        raise EmbeddingsFileError(f"{path}: not a vankien embeddings file ({exc})") from None


def import_embeddings(conn, encoder: Encoder, path: Path, verify: bool = True) -> ImportResult:
    """Add a file's vectors to the cache for the passages the knowledge base holds (after checks)."""
    fingerprint, info, hashes, vectors = read_embeddings(path)
    if fingerprint != encoder.fingerprint():
        raise EmbeddingsFileError(f"{path}: made with encoder {info.get('model')} ({fingerprint}), this knowledge"
                                  f" base uses {encoder.info().get('model')} ({encoder.fingerprint()}):"
                                  " nothing imported, the passages will be embedded")
    _check_vectors(path, hashes, vectors, encoder.dim)
    wanted = _passages(conn)
    cached = {r[0] for r in conn.execute("SELECT content_hash FROM embeddings WHERE encoder=?", (fingerprint,))}
    new = [i for i, h in enumerate(hashes) if h in wanted and h not in cached]
    if verify and new:
        _verify_sample(path, encoder, [(hashes[i], vectors[i], wanted[hashes[i]]) for i in new])
    with store.transaction(conn):
        conn.executemany("INSERT OR IGNORE INTO embeddings(content_hash, encoder, vector) VALUES (?,?,?)",
                         [(hashes[i], fingerprint, vectors[i].tobytes()) for i in new])
    known = sum(1 for h in hashes if h in wanted and h in cached)
    return ImportResult(imported=len(new), known=known, skipped=len(hashes) - len(new) - known)


def _check_vectors(path: Path, hashes: np.ndarray, vectors: np.ndarray, dim: int) -> None:
    if vectors.ndim != 2 or len(vectors) != len(hashes) or (len(vectors) and vectors.shape[1] != dim):
        raise EmbeddingsFileError(f"{path}: {len(hashes)} hashes and vectors of shape {vectors.shape}, expected"
                                  f" (n, {dim})")
    if not np.isfinite(vectors).all():
        raise EmbeddingsFileError(f"{path}: vectors with NaN or infinite values")
    norms = np.linalg.norm(vectors, axis=1)
    if len(norms) and np.abs(norms - 1).max() > NORM_TOLERANCE:
        raise EmbeddingsFileError(f"{path}: vectors are not unit length (max deviation {np.abs(norms - 1).max():.3g})")


def _passages(conn) -> dict[str, str]:
    """{content hash: text as embedded} of every paragraph in the store."""
    rows = conn.execute("SELECT p.content_hash, p.kind, p.heading, p.text, v.title FROM paragraphs p"
                        " JOIN versions v ON v.id = p.version_id")
    return {r[0]: passage_text(r[4], Paragraph(0, 0, 0, r[3], r[2], r[1])) for r in rows}


def _verify_sample(path: Path, encoder: Encoder, items: list[tuple[str, np.ndarray, str]]) -> None:
    """Re-embed a few passages here: the file's vectors must be what this encoder makes of them."""
    sample = random.Random(len(items)).sample(items, min(VERIFY_SAMPLE, len(items)))
    fresh = encoder.encode_passages([text for _, _, text in sample])
    for (h, vector, _), mine in zip(sample, fresh):
        cosine = float(np.dot(vector, mine))
        if cosine < MIN_COSINE:
            raise EmbeddingsFileError(f"{path}: the vector of passage {h[:12]}… does not match this encoder"
                                      f" (cosine {cosine:.4f}): nothing imported")
