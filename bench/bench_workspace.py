"""Workspace costs on a real knowledge base: keeping passages, reordering, checking sources, the
Word handout and the exports at the largest collection size (1,000 entries), and the followed
searches' page (one search each).

    .venv/bin/python bench/bench_workspace.py --kb kb [--items 1000] [--follows 20]

Works in a temporary user database; the knowledge base is only read.
"""
from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from vankien.search.service import SearchService
from vankien.workspace import db, exports
from vankien.workspace import follows as follows_module
from vankien.workspace.collections import Collections
from vankien.workspace.follows import Follows
from vankien.workspace.handout import build_docx
from vankien.workspace.limits import MAX_ITEMS
from vankien.workspace.passages import check_all, snapshot_paragraph

QUERIES = ("dân vận khéo", "đối thoại với nhân dân", "quy chế dân chủ ở cơ sở", "tiếp xúc cử tri",
           "cải cách hành chính", "năm dân vận chính quyền", "mặt trận tổ quốc", "giám sát và phản biện xã hội")


def timed(call):
    """(result, seconds)."""
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=Path("kb"))
    parser.add_argument("--items", type=int, default=MAX_ITEMS - 10)
    parser.add_argument("--follows", type=int, default=20)
    args = parser.parse_args()
    service = SearchService.open(args.kb)
    pids = [r[0] for r in service.conn.execute(
        "SELECT p.id FROM documents d JOIN paragraphs p ON p.version_id = d.current_version"
        " WHERE p.kind = 'body' ORDER BY p.id LIMIT ?", (args.items,))]
    with tempfile.TemporaryDirectory() as tmp:
        conn = db.connect(Path(tmp) / "u.sqlite")
        store = Collections(conn)
        cid = store.create("Bench")["id"]
        adds = []
        for n, pid in enumerate(pids):
            if n % 50 == 0:
                store.add_heading(cid, f"Mục {n // 50 + 1}")
            passage, snap = timed(lambda: snapshot_paragraph(service, pid))
            _, add = timed(lambda: store.add_passage(cid, passage, "ghi chú"))
            adds.append(snap + add)
        entries = store.entries(cid)
        print(f"{len(pids)} passages + {len(entries) - len(pids)} headings from {args.kb}")
        print(f"keep one passage (snapshot + insert): median {statistics.median(adds) * 1000:.1f} ms,"
              f" max {max(adds) * 1000:.1f} ms")
        moves = [timed(lambda i=i: store.move_to(cid, entries[i]["id"], 0))[1] for i in range(0, len(entries), 50)]
        print(f"move one entry (renumbers all {len(entries)}): median {statistics.median(moves) * 1000:.1f} ms")
        checks, seconds = timed(lambda: check_all(service, entries))
        print(f"source check of the whole collection: {seconds * 1000:.0f} ms")
        body, seconds = timed(lambda: build_docx(store.get(cid), entries, checks))
        print(f".docx handout: {seconds:.2f} s, {len(body) / 1e6:.2f} MB")
        _, seconds = timed(lambda: exports.to_csv(exports.rows(entries, checks)))
        print(f"CSV export: {seconds * 1000:.0f} ms")
        _, seconds = timed(lambda: exports.print_html(store.get(cid), entries, checks))
        print(f"printable page: {seconds * 1000:.0f} ms")
        follows = Follows(conn, service)
        for i in range(args.follows):
            follows.create(QUERIES[i % len(QUERIES)], mode=("hybrid", "lexical", "dense")[i // len(QUERIES) % 3],
                           name=f"theo dõi {i}")
        service.search("dân vận")                       # load the encoder first
        follows_module._RANKED.clear()
        _, cold = timed(follows.list)
        _, warm = timed(follows.list)
        print(f"followed searches page, {args.follows} searches: {cold:.2f} s after a new generation,"
              f" {warm * 1000:.0f} ms again (results cached per generation)")
        conn.close()
    service.close()


if __name__ == "__main__":
    main()
