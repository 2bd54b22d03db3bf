"""Read and prepare input files in supervised child processes, each document within a budget.

A crafted file can make parsing slow in code that cannot be interrupted (a regex in C, lxml
on a pathological page) or make it allocate without bound. So reading and preparing run in
worker processes, and the parent enforces the budget from outside:

- time: each document (a whole file, or one row of a CSV/JSONL file) must arrive within
  `Budget.seconds` of the previous one; a worker that overruns is killed and restarted, the
  document is reported as one error line, and a tabular file resumes at its next row;
- memory: each worker runs under an address-space limit (`Budget.memory_mb`), so a
  runaway allocation becomes a MemoryError (one error line) instead of starving the machine;
- size: files over `Budget.max_file_mb` are refused before they are read (see readers).

Results come back in input order whatever the number of workers, so a run assigns the same
document ids as a sequential one.
"""
from __future__ import annotations

import multiprocessing
import os
import resource
import time
from collections import deque
from dataclasses import dataclass, field
from multiprocessing.connection import wait
from typing import Iterable, Iterator

from .model import RawDocument, ReadError
from .prepare import Prepared, prepare
from .readers import InputFile, ReadOptions, read_input


MAX_OVERRUNS = 3        # rows of one tabular file over budget before the rest of it is skipped


@dataclass
class Budget:
    """Limits for one ingest run (the defaults suit files of up to tens of MB)."""

    seconds: float = 120.0      # per document; a 40 MB text page prepares in ~20 s on these machines
    memory_mb: int = 4096       # address space of one worker process
    max_file_mb: float = 100.0  # larger files are refused unread


@dataclass
class Unchanged:
    """An input whose bytes and pipeline version match what the store already holds."""

    input_key: str
    source_path: str


@dataclass
class FileResult:
    """Everything one input file produced, in order."""

    input: InputFile
    items: list[Prepared | Unchanged | ReadError] = field(default_factory=list)
    overruns: int = 0
    started: float = 0.0        # monotonic time the file was first handed to a worker
    seconds: float = 0.0        # wall time from then until its last item
    worker_rss_mb: float = 0.0  # peak resident memory of the worker process after this file


def _limit_memory(megabytes: int) -> None:
    limit = megabytes * 2**20
    try:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ValueError, OSError):
        pass    # the platform refuses: the time budget still applies


def _process(item, known: dict[str, str]):
    """Prepare one raw document, or say it is unchanged; any failure becomes a ReadError."""
    if isinstance(item, ReadError):
        return item
    if known.get(item.input_key) == item.raw_hash:
        return Unchanged(item.input_key, item.source_key)
    try:
        return prepare(item)
    except MemoryError:
        return ReadError(item.source_key, f"over the memory budget while processing ({_mb()} MB limit)")
    except RecursionError:
        return ReadError(item.source_key, "document structure nested too deeply")
    except Exception as exc:  # noqa: BLE001 - one bad document must not stop the batch; it is reported
        return ReadError(item.source_key, f"{type(exc).__name__}: {exc}")


def _mb() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return soft // 2**20 if soft > 0 else 0


def _child_main(conn, options: ReadOptions, memory_mb: int) -> None:
    """Worker loop: receive (job, input, first item, known hashes); send each item, then 'end'."""
    _limit_memory(memory_mb)
    while True:
        job = conn.recv()
        if job is None:
            return
        job_id, inp, start, known = job
        index = -1
        try:
            for index, item in enumerate(read_input(inp, options)):
                if index >= start:
                    conn.send(("item", job_id, index, _process(item, known)))
        except MemoryError:
            conn.send(("item", job_id, index + 1, ReadError(inp.source_path, "over the memory budget while reading")))
        except Exception as exc:  # noqa: BLE001 - reported as the file's error, the batch goes on
            conn.send(("item", job_id, index + 1, ReadError(inp.source_path, f"{type(exc).__name__}: {exc}")))
        conn.send(("end", job_id, index + 1, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


class _Worker:
    """One child process and the job it is working on."""

    def __init__(self, ctx, options: ReadOptions, budget: Budget):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_child_main, args=(child, options, budget.memory_mb), daemon=True)
        self.process.start()
        child.close()
        self.job: int | None = None
        self.next_index = 0
        self.deadline = 0.0

    def assign(self, job_id: int, inp: InputFile, start: int, known: dict, seconds: float) -> None:
        self.job, self.next_index = job_id, start
        self.deadline = time.monotonic() + seconds
        self.conn.send((job_id, inp, start, known))

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.kill()


class WorkerPool:
    """Runs read+prepare for a stream of input files in `workers` child processes."""

    def __init__(self, budget: Budget, options: ReadOptions = ReadOptions(), workers: int | None = None):
        self.budget = budget
        self.options = options
        self.size = max(1, workers or min(2, os.cpu_count() or 1))
        # forkserver: children fork from a clean server process, not from a parent that may
        # hold OpenMP/faiss threads; preloading makes each fork cheap.
        self.ctx = multiprocessing.get_context("forkserver")
        self.ctx.set_forkserver_preload([__name__])

    def run(self, inputs: Iterable[InputFile], known) -> Iterator[FileResult]:
        """Yield one FileResult per input, in input order. `known(inp)` → {input_key: raw_hash}
        of what the store holds for that file (those come back as Unchanged)."""
        queue: deque[tuple[int, int]] = deque()     # (job id, first item index)
        results: dict[int, FileResult] = {}
        finished: set[int] = set()
        source = enumerate(inputs)
        workers = [_Worker(self.ctx, self.options, self.budget) for _ in range(self.size)]
        next_out, exhausted = 0, False
        try:
            while True:
                while len(queue) < 2 * self.size and not exhausted:
                    try:
                        job_id, inp = next(source)
                    except StopIteration:
                        exhausted = True
                        break
                    results[job_id] = FileResult(inp)
                    queue.append((job_id, 0))
                for i, w in enumerate(workers):
                    if w.job is None and queue:
                        job_id, start = queue.popleft()
                        inp = results[job_id].input
                        results[job_id].started = results[job_id].started or time.monotonic()
                        w.assign(job_id, inp, start, known(inp), self.budget.seconds)
                busy = [w for w in workers if w.job is not None]
                if not busy:
                    break
                timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
                ready = wait([w.conn for w in busy], timeout=timeout)
                for i, w in enumerate(workers):
                    if w.job is None:
                        continue
                    if w.conn in ready:
                        workers[i] = self._receive(w, results, finished, queue)
                    elif time.monotonic() >= w.deadline:
                        workers[i] = self._overrun(w, results, finished, queue, "over the time budget of "
                                                   f"{self.budget.seconds:g} s (--max-seconds)")
                while next_out in finished:
                    finished.discard(next_out)
                    done = results.pop(next_out)
                    yield done
                    next_out += 1
        finally:
            for w in workers:
                w.stop()

    def _receive(self, w: _Worker, results, finished, queue) -> _Worker:
        try:
            kind, job_id, index, payload = w.conn.recv()
        except (EOFError, OSError):
            code = w.process.exitcode
            return self._overrun(w, results, finished, queue,
                                 f"worker process died while reading (exit code {code})")
        if kind == "item":
            results[job_id].items.append(payload)
            w.next_index = index + 1
            w.deadline = time.monotonic() + self.budget.seconds
        else:
            results[job_id].worker_rss_mb = payload or 0.0
            self._finish(results[job_id], finished, job_id)
            w.job = None
        return w

    @staticmethod
    def _finish(result: FileResult, finished: set, job_id: int) -> None:
        result.seconds = time.monotonic() - result.started
        finished.add(job_id)

    def _overrun(self, w: _Worker, results, finished, queue, reason: str) -> _Worker:
        """Kill a stuck or dead worker, report the document it was on, resume after it."""
        job_id, index = w.job, w.next_index
        result = results[job_id]
        key = f"{result.input.source_path}#{index + 1}" if result.input.tabular else result.input.source_path
        result.items.append(ReadError(key, reason))
        result.overruns += 1
        w.kill()
        if result.input.tabular and result.overruns < MAX_OVERRUNS:
            queue.appendleft((job_id, index + 1))   # the rows after the bad one still count
        else:
            if result.input.tabular:
                result.items.append(ReadError(result.input.source_path, f"rest of the file skipped after "
                                              f"{MAX_OVERRUNS} rows over budget"))
            self._finish(result, finished, job_id)
        return _Worker(self.ctx, self.options, self.budget)
