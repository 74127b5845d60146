"""Worker processes that read untrusted workbooks and may die without taking the collection with them.

:class:`WorkerPool` keeps ``jobs`` long-lived worker processes (reused across files: starting one per
file would cost more than reading the file). Each worker gets a few paths at a time over a pipe and
answers one ``(index, outcome)`` message per file. The parent waits on all pipes with a deadline:

* a worker whose pipe closes (a parser abort such as a Rust ``abort()``, a segfault, the kernel's OOM
  killer) → the file it was reading becomes :class:`~xlperf.collect.runner.FailedFile` ``crashed``;
* a worker still on one file after ``timeout`` seconds → killed, the file becomes ``too_slow``;
* a worker over its memory limit (``RLIMIT_AS``: its size at start plus ``memory_mb``) gets
  ``MemoryError`` (the file becomes ``out_of_memory``) or aborts (``crashed``).

Either way a fresh worker is started and the unanswered rest of that worker's paths is handed out
again. A worker is given its next paths while it works on its last one, so it never waits for the
parent. Workers end with the parent: ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` on Linux, and everywhere a
watchdog thread that exits when the parent process is gone; a worker idle on its pipe also ends when
the pipe closes.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

__all__ = ["WorkerPool"]

_BATCH = 4  # paths per message: few enough that a killed worker loses little, enough to keep it busy
_PR_SET_PDEATHSIG = 1
_WATCHDOG_SECONDS = 0.5


def _die_with_parent(parent: int) -> None:
    """End this process when ``parent`` ends (SIGKILL from the kernel on Linux; a watchdog thread)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(_WATCHDOG_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="xlperf-parent-watchdog", daemon=True).start()


def _limit_memory(extra_mb: int) -> None:
    """Cap this process's address space at its current size plus ``extra_mb`` (where supported)."""
    if extra_mb <= 0:
        return
    try:
        import resource

        with open("/proc/self/statm") as fh:
            current = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (ImportError, OSError, ValueError):
        return
    limit = current + extra_mb * 2**20
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _worker(conn: Connection, parent: int, memory_mb: int) -> None:
    """Worker main loop: read batches of (index, path), answer (index, outcome) per file."""
    import faulthandler

    from .runner import process_file

    faulthandler.disable()  # a parser abort is reported as this file's failure, not as a stack dump
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the parent's business
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent(parent)
    _limit_memory(memory_mb)
    while True:
        try:
            batch = conn.recv()
        except (EOFError, OSError):
            return
        if batch is None:
            return
        for index, path in batch:
            outcome = process_file(path)
            try:
                conn.send((index, outcome))
            except (BrokenPipeError, OSError):
                return


def _context() -> Any:
    """``fork`` where available (fast, and the workers inherit the imported modules), else ``spawn``."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods and sys.platform != "darwin" else "spawn")


class _Worker:
    """One worker process, its pipe, and the batch it is working on."""

    def __init__(self, memory_mb: int) -> None:
        ctx = _context()
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, os.getpid(), memory_mb), daemon=True,
                                   name="xlperf-collect-worker")
        self.process.start()
        child.close()
        self.batch: collections.deque[tuple[int, Path]] = collections.deque()
        self.since = 0.0

    def assign(self, batch: list[tuple[int, Path]]) -> None:
        """Queue more paths; the clock of the file in progress is not reset."""
        if not self.batch:
            self.since = time.monotonic()
        self.batch.extend(batch)
        self.conn.send(batch)

    def kill(self) -> None:
        """End the process now and release its pipe."""
        if self.process.is_alive():
            self.process.kill()
        self.process.join(5)
        self.conn.close()

    def stop(self) -> None:
        """Ask an idle worker to finish, then make sure it has."""
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(1)
        self.kill()


class WorkerPool:
    """``jobs`` reusable worker processes with a per-file time limit and a per-worker memory limit."""

    def __init__(self, jobs: int, timeout: float, memory_mb: int) -> None:
        self.jobs, self.timeout, self.memory_mb = max(1, jobs), timeout, memory_mb
        self.workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """End every worker (also on errors and interrupts)."""
        for worker in self.workers:
            if worker.batch:
                worker.kill()
            else:
                worker.stop()
        self.workers = []

    def run(self, files: Sequence[Path]) -> Iterator[tuple[int, Any]]:
        """Yield ``(index, outcome)`` for every file, in completion order."""
        from xlperf.safety import REASONS

        from .runner import FailedFile

        pending: collections.deque[tuple[int, Path]] = collections.deque(enumerate(files))
        remaining = len(files)
        while len(self.workers) < min(self.jobs, remaining):
            self.workers.append(_Worker(self.memory_mb))

        def replace(worker: _Worker, code: str, detail: str) -> Iterator[tuple[int, Any]]:
            index, path = worker.batch.popleft()
            pending.extendleft(reversed(worker.batch))  # the innocent rest goes to a fresh worker
            worker.batch.clear()
            worker.kill()
            self.workers[self.workers.index(worker)] = _Worker(self.memory_mb)
            yield index, FailedFile(str(path), REASONS[code], code, detail)

        while remaining:
            for worker in self.workers:
                if len(worker.batch) <= 1 and pending:  # the next batch waits in the pipe: no idle gap
                    worker.assign([pending.popleft() for _ in range(min(_BATCH, len(pending)))])
            busy = [w for w in self.workers if w.batch]
            now = time.monotonic()
            wait_for = max(0.0, min(w.since + self.timeout for w in busy) - now)
            ready = set(wait([w.conn for w in busy], timeout=wait_for + 0.01))
            for worker in busy:
                if worker.conn in ready:
                    try:
                        index, outcome = worker.conn.recv()
                    except (EOFError, OSError):
                        worker.process.join(1)
                        code = worker.process.exitcode
                        remaining -= 1
                        yield from replace(worker, "crashed", f"worker ended with exit code {code}")
                        continue
                    if worker.batch and worker.batch[0][0] == index:
                        worker.batch.popleft()
                    worker.since = time.monotonic()
                    remaining -= 1
                    yield index, outcome
                elif time.monotonic() - worker.since > self.timeout:
                    remaining -= 1
                    yield from replace(worker, "too_slow", f"no answer within {self.timeout:g} s")
