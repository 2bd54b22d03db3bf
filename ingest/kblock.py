"""One writer at a time per knowledge base: an advisory lock file held by ingest and index runs.

Readers (the site, searches) never take it: they work on published generations. Two writers
would interleave their versions and generations; the second one waits for the first.
"""
from __future__ import annotations

import fcntl
import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from vankien.i18n import t

LOCK_NAME = ".write.lock"


@contextmanager
def write_lock(kb_dir: Path | str, *, report=None) -> Iterator[None]:
    """Hold the knowledge base's write lock for the duration of the block (waits if taken)."""
    kb_dir = Path(kb_dir)
    kb_dir.mkdir(parents=True, exist_ok=True)
    with open(kb_dir / LOCK_NAME, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "?"
            (report or (lambda line: print(line, file=sys.stderr)))(t("ingest.wait_lock", kb=kb_dir, pid=holder))
            fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
