"""Crafted worst-case inputs: seconds per MB at several sizes, and peak memory of prepare().

Each crafted input (one long line, one long token, a long header value, odd whitespace,
degenerate reference/date/abbreviation runs, …) is read and prepared (clean → metadata →
paragraphs) at each size. Linear code shows a flat s/MB column; a quadratic one doubles
it with every doubling of the size. Then real text from the corpus, repeated to --mem-mb,
is prepared once under tracemalloc, and once in a fresh process for its RSS high-water mark.

    .venv/bin/python bench/bench_crafted.py [--sizes 0.25,0.5,1] [--mem-mb 20]
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import threading
import time
import tracemalloc
from pathlib import Path

from vankien.ingest.clean import clean_page
from vankien.ingest.paragraphs import split_paragraphs
from vankien.ingest.pipeline import prepare
from vankien.ingest.readers import detect_format, read_single
from vankien.ingest.read_tabular import sniff_delimiter
from vankien.search.query import parse_query

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
MB = 1_000_000


def _repeat(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit.encode()))


# name → (file extension, text of about `size` bytes)
CASES = {
    "sentences, one line": (".txt", lambda n: _repeat("Đây là một câu văn. ", n)),
    "one token": (".txt", lambda n: "Tiêu đề\n\nNgày 1/1/2020, a" + "." * n + "a"),
    "broken lines": (".txt", lambda n: "Mở đầu.\n\nabc\n" + _repeat("xyz\n", n)),
    "notice, long token": (".txt", lambda n: "THÔNG BÁO\nKẾT LUẬN\n\nNgày 1/1/2020, a" + "." * n + "a"),
    "notice, repeated run": (".txt", lambda n: "THÔNG BÁO\n" + "DÂN VẬN KHÉO " * 20 + "\n\nNgày 1. "
                             + _repeat("Dân Vận ", n)),
    "odd whitespace line": (".txt", lambda n: "Chủ nhật" + "\x0c" * n + "x\n\nNội dung."),
    "header value spaces": (".txt", lambda n: "# url = x\n# title = a" + " " * n + "b\n\nThân bài."),
    "yaml value spaces": (".md", lambda n: "---\ntitle: a" + " " * n + "b\n---\nThân bài."),
    "unclosed ---json": (".md", lambda n: "---json\n" + _repeat("\n---x ", n)),
    "Số 1- runs": (".txt", lambda n: _repeat("Số 1-", n)),
    "1/ runs": (".txt", lambda n: _repeat("1/", n)),
    "( runs": (".txt", lambda n: "(" * n),
    "date lines, then title": (".txt", lambda n: _repeat("01/01/2020\n", n // 2) + "Tiêu đề\n\n"
                               + _repeat("Năm 2019 có nhiều việc. ", n // 2)),
}
# Inputs that do not go through prepare().
OTHER = {
    "csv sniff of one header": lambda n: sniff_delimiter(_repeat("'a;", n) + "\n"),
    "query": lambda n: parse_query(_repeat("dân vận khéo ", n)),
}


def time_case(ext: str, make, size: int) -> float:
    """Seconds to read and prepare one crafted document of about `size` bytes."""
    text = make(size)
    start = time.perf_counter()
    prepare(read_single(detect_format(ext, text), "crafted" + ext, text, "0" * 64))
    return time.perf_counter() - start


def time_other(fn, size: int) -> float:
    start = time.perf_counter()
    fn(size)
    return time.perf_counter() - start


def real_text(size: int) -> str:
    """Real documents from the corpus (or the test seeds), concatenated and repeated to `size` bytes."""
    files = sorted(CORPUS.rglob("*.txt")) or sorted((ROOT / "tests" / "data").rglob("*.txt"))
    text = "\n\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    text = text * (size // len(text.encode()) + 1)
    return text.encode()[:size].decode("utf-8", "ignore")


def traced_peak(mb: float) -> dict:
    """tracemalloc peaks (bytes) of clean_page + split_paragraphs, and of prepare(), on real text."""
    text = real_text(int(mb * MB))
    out = {}
    for label, fn in (("clean+split", lambda: split_paragraphs(clean_page(text).text)),
                      ("prepare", lambda: prepare(read_single("text", "big.txt", text, "0" * 64)))):
        tracemalloc.start()
        start = time.perf_counter()
        fn()
        out[label] = (tracemalloc.get_traced_memory()[1], time.perf_counter() - start)
        tracemalloc.stop()
    return out


def rss_peak(mb: float) -> dict:
    """Peak RSS growth (bytes) over the RSS before read + prepare() on real text.

    Run in a fresh process: a thread samples the resident set every 5 ms while prepare()
    runs (ru_maxrss would still hold the peak of building the input).
    """
    text = real_text(int(mb * MB))
    before = _rss()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], _rss())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    prepare(read_single("text", "big.txt", text, "0" * 64))
    elapsed = time.perf_counter() - start
    done.set()
    sampler.join()
    return {"growth": max(peak[0], _rss()) - before, "seconds": elapsed}


def _rss() -> int:
    """Current resident set size in bytes (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def main() -> None:
    """Print the timing table, then the memory figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="0.25,0.5,1", help="input sizes in MB, comma-separated")
    parser.add_argument("--mem-mb", type=float, default=20.0, help="size of the real text for memory")
    parser.add_argument("--rss-only", type=float, help=argparse.SUPPRESS)   # child process mode
    args = parser.parse_args()
    if args.rss_only:
        print(json.dumps(rss_peak(args.rss_only)))
        return
    sizes = [float(s) for s in args.sizes.split(",")]
    print(f"{'crafted input':26}" + "".join(f"{s:>8g} MB  s/MB" for s in sizes))
    for name, (ext, make) in CASES.items():
        row = [time_case(ext, make, int(s * MB)) for s in sizes]
        print(f"{name:26}" + "".join(f"{t:8.2f}s {t / s:5.2f}" for t, s in zip(row, sizes)), flush=True)
    for name, fn in OTHER.items():
        row = [time_other(fn, int(s * MB)) for s in sizes]
        print(f"{name:26}" + "".join(f"{t:8.2f}s {t / s:5.2f}" for t, s in zip(row, sizes)), flush=True)

    mb = args.mem_mb
    print(f"\nreal corpus text repeated to {mb:g} MB (UTF-8 bytes):")
    for label, (peak, seconds) in traced_peak(mb).items():
        print(f"  {label:12} tracemalloc peak {peak / MB:7.0f} MB = {peak / (mb * MB):5.1f} MB per MB input"
              f"  ({seconds:.1f} s traced)")
    child = subprocess.run([sys.executable, __file__, "--rss-only", str(mb)], capture_output=True,
                           text=True, check=True)
    rss = json.loads(child.stdout)
    print(f"  {'prepare':12} peak RSS growth  {rss['growth'] / MB:7.0f} MB = "
          f"{rss['growth'] / (mb * MB):5.1f} MB per MB input  ({rss['seconds']:.1f} s, {mb / rss['seconds']:.1f} MB/s)")


if __name__ == "__main__":
    main()
