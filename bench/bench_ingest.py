"""Ingest throughput on ../shared/corpus (no embeddings): documents/s and paragraphs/s.

Runs a fresh ingest into a temporary knowledge base several times and prints the medians,
then one re-run over the same knowledge base (everything unchanged).

    .venv/bin/python bench/bench_ingest.py [--corpus ../shared/corpus] [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
from pathlib import Path

from vankien.ingest import pipeline


def one_run(corpus: Path) -> tuple[pipeline.IngestSummary, pipeline.IngestSummary]:
    """A fresh ingest and an immediate re-run into a temporary knowledge base."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = pipeline.run([corpus], Path(tmp), progress=False, report=lambda _: None)
        again = pipeline.run([corpus], Path(tmp), progress=False, report=lambda _: None)
    return fresh, again


def main() -> None:
    """Print median throughput over the runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = [one_run(args.corpus) for _ in range(args.runs)]
    fresh = [r[0] for r in runs]
    again = [r[1] for r in runs]
    f = fresh[0]
    print(f"corpus {args.corpus}: {f.documents} inputs ({f.added} added, {f.copies} copies of others, "
          f"{f.failed} failed), {f.paragraphs} paragraphs")
    print(f"fresh ingest, median of {args.runs}: {statistics.median(r.elapsed for r in fresh):.2f} s, "
          f"{statistics.median(r.documents / r.elapsed for r in fresh):.0f} documents/s, "
          f"{statistics.median(r.paragraphs / r.elapsed for r in fresh):.0f} paragraphs/s")
    print(f"re-run (all unchanged), median: {statistics.median(r.elapsed for r in again):.2f} s, "
          f"{statistics.median(r.documents / r.elapsed for r in again):.0f} documents/s "
          f"({again[0].unchanged} unchanged)")


if __name__ == "__main__":
    main()
