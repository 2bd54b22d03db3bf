"""The hostile corpus of the reliability suite, ingested once: files, documents, errors, the slowest
file, and peak memory of the reader workers and of the writing process.

    .venv/bin/python bench/bench_hostile.py [--max-seconds 30] [--max-file-mb 2]
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    """Build the corpus in a temp folder, ingest it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-seconds", type=float, default=30)
    parser.add_argument("--max-file-mb", type=float, default=2)
    args = parser.parse_args()
    from hostile_corpus import build
    from vankien.ingest import pipeline
    from vankien.ingest.worker import Budget
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        expected = build(root, args.max_file_mb)
        files = sum(1 for p in root.rglob("*") if p.is_file())
        started = time.perf_counter()
        summary = pipeline.run([root], Path(tmp) / "kb", progress=False, report=lambda line: None,
                               budget=Budget(seconds=args.max_seconds, max_file_mb=args.max_file_mb))
        elapsed = time.perf_counter() - started
    children = summary.worker_rss_mb
    me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    good = len(expected.good)
    print(f"{files} files → {summary.documents} documents (expected {good}), {summary.failed} errors"
          f" (expected {len(expected.bad)}), {len(summary.warnings)} warnings; {elapsed:.1f} s in all;"
          f" slowest file {summary.slowest[0]:.2f} s ({summary.slowest[1]}) against a budget of"
          f" {args.max_seconds:g} s; peak RSS: reader workers {children:.0f} MB, writer {me:.0f} MB")
    for source, reason in summary.errors:
        print(f"  error: {source}: {reason}")


if __name__ == "__main__":
    main()
