"""Combine ranked lists from the lexical and dense retrievers."""
from __future__ import annotations

import numpy as np

RRF_K = 60


def rrf(rankings: list[list[int]], weights: list[float] | None = None, k: int = RRF_K) -> dict[int, float]:
    """Reciprocal rank fusion: score(id) = Σ w / (k + rank). Robust to incomparable score scales."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[int, float] = {}
    for ranking, w in zip(rankings, weights):
        for rank, item in enumerate(ranking, start=1):
            fused[item] = fused.get(item, 0.0) + w / (k + rank)
    return fused


def normalized(scored: list[dict[int, float]], weights: list[float] | None = None) -> dict[int, float]:
    """Min-max normalise each list's scores to [0, 1], then take the weighted sum."""
    weights = weights or [1.0] * len(scored)
    fused: dict[int, float] = {}
    for scores, w in zip(scored, weights):
        if not scores:
            continue
        values = np.fromiter(scores.values(), dtype=np.float64)
        lo, span = values.min(), (values.max() - values.min()) or 1.0
        for item, s in scores.items():
            fused[item] = fused.get(item, 0.0) + w * (s - lo) / span
    return fused
