"""Fault injection for the crash tests: kill this process at a named point, on request.

`checkpoint(name)` does nothing unless the environment variable VANKIEN_FAULT names that
point (optionally `name@N`: at its N-th pass). The kill test (tests/test_crash_recovery.py)
sets it to stop a real `vankien` run exactly inside ingest, embedding, generation writing
and publication — moments a random timer would rarely hit — and then checks that a re-run
gives the same knowledge base as an uninterrupted one.
"""
from __future__ import annotations

import os
import signal

_passes: dict[str, int] = {}


def checkpoint(name: str) -> None:
    """SIGKILL this process if VANKIEN_FAULT asks for it at this point (and this pass)."""
    wanted = os.environ.get("VANKIEN_FAULT")
    if not wanted:
        return
    point, _, nth = wanted.partition("@")
    if point != name:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
