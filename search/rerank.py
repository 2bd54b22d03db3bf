"""Optional cross-encoder reranking of the head of a result set, through sentence-transformers.

A cross-encoder reads the query and a passage together and scores the pair; it is slower
than the retrievers (one model call per passage) but often orders the top better. No
Vietnamese cross-encoder is packaged, so this is off unless the user names a model they
have on disk (`vankien search --reranker PATH`, `SearchService(reranker=PATH)`). Models are
only ever loaded from local files: nothing is downloaded at run time.

Reranking reorders the passages inside the result set; it never adds or removes one (the
calibrated cut-off decides membership, measured without the reranker).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from vankien.errors import VankienError

DEPTH = 50              # passages of the head that are rescored
BATCH = 16


class RerankerError(VankienError):
    """The reranker cannot be loaded (no such local model, or sentence-transformers missing)."""


class Reranker:
    """A local cross-encoder model: `scores(query, passages)` → one relevance score each."""

    def __init__(self, model: str | Path, *, max_length: int = 512, device: str = "cpu"):
        try:
            from sentence_transformers import CrossEncoder
        except ImportError:
            raise RerankerError("sentence-transformers is not installed: pip install 'vankien[st]'") from None
        path = Path(model)
        if not path.exists():
            raise RerankerError(f"no local cross-encoder model at {model} (models are never downloaded)")
        try:
            self.model = CrossEncoder(str(path), max_length=max_length, device=device, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise RerankerError(f"cannot load the cross-encoder at {model}: {exc}") from None
        self.name = str(path)

    def scores(self, query: str, passages: list[str]) -> np.ndarray:
        """Relevance score of each passage for the query (higher is better)."""
        if not passages:
            return np.zeros(0, dtype=np.float32)
        out = self.model.predict([(query, p) for p in passages], batch_size=BATCH, show_progress_bar=False)
        out = np.asarray(out, dtype=np.float32)
        return out[:, -1] if out.ndim == 2 else out


def rerank(order: list[int], texts: dict[int, str], query: str, reranker: Reranker, depth: int = DEPTH) -> list[int]:
    """The ids with the first `depth` reordered by the cross-encoder (stable for ties); the
    rest keep their place after them."""
    head = [i for i in order[:depth] if i in texts]
    if len(head) < 2:
        return order
    scores = reranker.scores(query, [texts[i] for i in head])
    ranked = [head[j] for j in np.argsort(-scores, kind="stable")]
    rest = [i for i in order if i not in set(head)]
    return ranked + rest
