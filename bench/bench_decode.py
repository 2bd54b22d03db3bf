"""Decoding throughput of `decode_bytes`: MB/s for UTF-8 and for each legacy encoding.

Builds one large Vietnamese text from the corpus (repeated to --mb megabytes of UTF-8),
converts it into each encoding, and times `decode_bytes` on the whole file: detection
scores only a sample, so the cost should be one linear decoding pass.

    .venv/bin/python bench/bench_decode.py [--corpus ../shared/corpus] [--mb 40] [--runs 3]
"""
from __future__ import annotations

import argparse
import statistics
import time
import unicodedata
from pathlib import Path

from vankien.ingest import legacy_vn
from vankien.ingest.encodings import decode_bytes


def corpus_text(root: Path, megabytes: float) -> str:
    """The corpus's .txt files joined, repeated to about `megabytes` MB of UTF-8."""
    parts = [unicodedata.normalize("NFC", p.read_text(encoding="utf-8"))
             for p in sorted(root.rglob("*.txt"))]
    text = "\n\n".join(parts)
    repeat = max(1, round(megabytes * 1e6 / len(text.encode("utf-8"))))
    return "\n\n".join([text] * repeat)


def timed(raw: bytes, runs: int) -> tuple[float, str]:
    """Median seconds of `decode_bytes(raw)` and the encoding it found."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        decoded = decode_bytes(raw)
        times.append(time.perf_counter() - start)
    return statistics.median(times), decoded.encoding


def main() -> None:
    """Print MB/s per encoding."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path,
                        default=Path(__file__).resolve().parents[1].parent / "shared" / "corpus")
    parser.add_argument("--mb", type=float, default=40.0, help="size of the UTF-8 text in MB")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    text = corpus_text(args.corpus, args.mb)
    files = {"utf-8": text.encode("utf-8")}
    for codec in ("cp1258", "tcvn3", "vni", "viscii"):
        files[codec] = legacy_vn.encode(text, codec)
    print(f"{len(text) / 1e6:.1f} M characters of corpus text, median of {args.runs} runs")
    for codec, raw in files.items():
        seconds, found = timed(raw, args.runs)
        print(f"{codec:7} {len(raw) / 1e6:6.1f} MB  {seconds:6.2f} s  {len(raw) / 1e6 / seconds:7.1f} MB/s"
              f"  (detected {found})")


if __name__ == "__main__":
    main()
