"""Workers take jobs from the back of the list while the build takes the front.

Pelican reads posts one after another in one process. The jobs (render one
post's Markdown, check and render one comment thread) are pure functions of a
file and the settings, so forked workers can do them while the main process
does its share: workers start at the end of the list, the main process at the
front, and whatever job the main process reaches first that no worker has
started, it does itself. Nothing waits on a worker that has not begun, and the
result is the same as a serial build.

The jobs are queued before the workers are forked (at the first ``has``,
``take`` or ``reorder``), so each worker finds the whole list in its own
memory: nothing about a job is pickled, and a worker claims its next job
itself, in a few shared words under one lock. A result is pickled into a file
of its own (in memory, on ``/dev/shm`` where there is one) and unpickled by
the main process when it takes the job. No thread of the main process hands
jobs out or reads results: with ``concurrent.futures`` two such threads
competed with the build for its interpreter lock (unpickling every result as
it came, needed yet or not), and a worker waited for them after every job.

What a job logs and every content problem it records are sent back with its
result and replayed in the main process, so a parallel build reports exactly
what a serial one does.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import mmap
import multiprocessing
import os
import pickle
import shutil
import signal
import sys
import tempfile
import weakref
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sitekit.cache import ACTIVE, dumps_records
from sitekit.problems import Problem, problem_log

logger = logging.getLogger(__name__)

#: Job states in the shared table; a worker's running job holds its number + 1.
_PENDING, _HERE, _DONE, _FAILED = 0, -1, -2, -3
#: How long the main process waits on a running job before it checks the worker.
_POLL_SECONDS = 0.5


@dataclass
class _Captured:
    """Log records and problems of one job, to be replayed by the main process."""

    records: list[tuple[str, int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    memos: list[tuple[str, str, tuple[str, ...], dict[str, Any]]] = field(
        default_factory=list
    )


class _CaptureHandler(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.out: _Captured | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if self.out is None or record.name == "sitekit.problems":
            return  # problems travel as values and are logged once, at home
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        self.out.records.append((record.name, record.levelno, message))


def _capture_logging(level: int) -> _CaptureHandler:
    """In a worker: log records are kept for the main process, not printed."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = _CaptureHandler()
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def _run_job(
    settings: dict[str, Any],
    handler: _CaptureHandler,
    fn: Callable[..., Any],
    args: tuple[Any, ...],
) -> tuple[Any, _Captured]:
    """A job in a worker: its result plus what it logged and found wrong."""
    log = problem_log(settings)
    before = len(log.problems)
    captured = _Captured()
    handler.out = captured
    try:
        result = fn(settings, *args)
    finally:
        handler.out = None
    captured.problems = log.problems[before:]
    registry = ACTIVE.get()
    if registry is not None:
        captured.memos = registry.take_new()
    return result, captured


def _result_dir() -> str:
    """Results go to memory-backed files where the system has them."""
    shm = "/dev/shm"  # noqa: S108  # only as the parent of a private mkdtemp folder
    base = shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None
    return tempfile.mkdtemp(prefix="diskurs-pool-", dir=base)


class Pool:
    """A fork-based pool with "the main process may do a job itself" semantics.

    ``submit`` queues jobs (the one the build needs last first); the workers
    are forked when the build first asks for one. A job submitted after that
    is done by the main process when it is taken.
    """

    def __init__(self, settings: dict[str, Any], workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self._jobs: list[tuple[Hashable, Callable[..., Any], tuple[Any, ...]]] = []
        self._index: dict[Hashable, int] = {}  # queued, not taken yet
        self._pids: list[int] = []
        self._exited: set[int] = set()
        self._table: memoryview | None = None
        self._map: mmap.mmap | None = None
        self._lock: Any = None
        self._finished: Any = None  # released once per finished job
        self._dir: str | None = None
        self._cleanup: weakref.finalize | None = None
        self._started = False
        self._known = 0  # jobs queued before the workers were forked
        self.done_here = 0
        self.done_there = 0

    # -- the shared table: [cursor, stop, order[n], state[n]] ------------------
    def _order_at(self, pos: int) -> int:
        assert self._table is not None
        return int(self._table[2 + pos])

    def _state_of(self, job: int) -> int:
        assert self._table is not None
        return int(self._table[2 + self._known + job])

    def _set_state(self, job: int, state: int) -> None:
        assert self._table is not None
        self._table[2 + self._known + job] = state

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(settings, *args)``; submit the job the build needs last first."""
        if self.workers <= 0 or key in self._index:
            return
        self._index[key] = len(self._jobs)
        self._jobs.append((key, fn, args))

    def reorder(
        self, order: list[tuple[Hashable, Callable[..., Any], tuple[Any, ...]]]
    ) -> int:
        """Move the jobs in ``order`` that no one started to the end of the queue.

        Jobs are queued before anyone knows in which order the build will
        ask for them; once it is known, the workers should do first what
        the main process needs last. Returns the number moved.
        """
        self.start()
        if self._table is None:
            return 0
        n = self._known
        if not self._acquire():
            return 0
        try:
            cursor = int(self._table[0])
            rest = [self._order_at(pos) for pos in range(cursor, n)]
            open_jobs = {j for j in rest if self._state_of(j) == _PENDING}
            moved = list(
                dict.fromkeys(
                    j
                    for key, _fn, _args in order
                    if (j := self._index.get(key)) is not None and j in open_jobs
                )
            )
            chosen = set(moved)
            # Open jobs not moved, then the moved ones; started ones are skipped.
            new = [j for j in rest if j in open_jobs and j not in chosen] + moved
            new += [j for j in rest if j not in open_jobs]
            for offset, job in enumerate(new):
                self._table[2 + cursor + offset] = job
        finally:
            self._lock.release()
        return len(moved)

    def has(self, key: Hashable) -> bool:
        """Whether ``key`` is a queued job (the first question starts the workers)."""
        if key not in self._index:
            return False
        self.start()
        return True

    def start(self) -> None:
        """Fork the workers over the jobs queued so far (once)."""
        if self._started:
            return
        self._started = True
        if self.workers <= 0 or not self._jobs:
            return
        n = self._known = len(self._jobs)
        try:
            self._map = mmap.mmap(-1, 4 * (2 + 2 * n))
            self._table = memoryview(self._map).cast("i")
            for pos in range(n):
                self._table[2 + pos] = pos
            ctx = multiprocessing.get_context("fork")
            self._lock = ctx.Lock()
            self._finished = ctx.Semaphore(0)
            self._dir = _result_dir()
            # Removed at exit too, should the build stop before ``shutdown``.
            self._cleanup = weakref.finalize(self, shutil.rmtree, self._dir, True)
        except OSError as exc:
            logger.warning(
                "fastbuild: worker pool unavailable (%s); going on serially", exc
            )
            self._release()
            return
        problem_log(self.settings)  # the workers must share the build's log object
        level = logging.getLogger().getEffectiveLevel()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        # Frozen, the objects a worker inherits are never walked by its
        # collector (their pages stay shared with this process).
        gc.freeze()
        try:
            for number in range(self.workers):
                try:
                    pid = os.fork()
                except OSError as exc:
                    logger.warning("fastbuild: cannot fork a worker (%s)", exc)
                    break
                if pid == 0:
                    self._worker(number, level)  # never returns
                self._pids.append(pid)
        finally:
            gc.unfreeze()
        if not self._pids:
            self._release()

    def _worker(self, number: int, level: int) -> None:
        """A forked worker: claim jobs from the queue until none is left."""
        code = 0
        try:
            parent = os.getppid()
            handler = _capture_logging(level)
            table, lock, n = self._table, self._lock, self._known
            assert table is not None and self._dir is not None
            while os.getppid() == parent:
                job = -1
                with lock:
                    if table[1]:
                        break
                    cursor = int(table[0])
                    while cursor < n:
                        candidate = int(table[2 + cursor])
                        cursor += 1
                        if table[2 + n + candidate] == _PENDING:
                            table[2 + n + candidate] = number + 1
                            job = candidate
                            break
                    table[0] = cursor
                if job < 0:
                    break
                _key, fn, args = self._jobs[job]
                try:
                    outcome = _run_job(self.settings, handler, fn, args)
                    # Records (threads of comments) as their field values: the
                    # main process unpickles every result, and dataclasses'
                    # own __setstate__ looks up the fields for every object.
                    data = dumps_records(outcome)
                    state = _DONE
                except Exception as exc:  # the main process reruns it and sees why
                    data = pickle.dumps(repr(exc))
                    state = _FAILED
                with open(os.path.join(self._dir, str(job)), "wb") as out:
                    out.write(data)
                with lock:
                    table[2 + n + job] = state
                self._finished.release()
        except BaseException:
            code = 1
        finally:
            os._exit(code)

    def take(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> Any:
        """Job ``key``'s result: from a worker, or computed here if none started it."""
        job = self._index.pop(key, None)
        if job is not None:
            self.start()
        if job is not None and self._table is not None and job < self._known:
            if not self._acquire():
                state = _PENDING  # the pool was given up: done here
            else:
                try:
                    state = self._state_of(job)
                    if state == _PENDING:
                        self._set_state(job, _HERE)
                finally:
                    self._lock.release()
            if state != _PENDING:
                outcome = self._result(job, key)
                if outcome is not None:
                    result, captured = outcome
                    self.done_there += 1
                    self._replay(captured)
                    return result
        self.done_here += 1
        return fn(self.settings, *args)

    def _result(self, job: int, key: Hashable) -> tuple[Any, _Captured] | None:
        """Wait for a started job; None when it failed or its worker is gone."""
        assert self._dir is not None
        while True:
            state = self._state_of(job)
            if state in (_DONE, _FAILED):
                break
            if not self._finished.acquire(timeout=_POLL_SECONDS):
                pid = self._pids[state - 1] if state > 0 else None
                if pid is not None and not self._alive(pid):
                    logger.debug("fastbuild: the worker of job %s is gone", key)
                    return None
        path = os.path.join(self._dir, str(job))
        try:
            with open(path, "rb") as handle:
                data = handle.read()
            os.unlink(path)
            # Written by our own forked worker into our private (0700) folder.
            outcome = pickle.loads(data)  # noqa: S301
        except (OSError, pickle.PickleError, EOFError) as exc:
            logger.debug("fastbuild: result of job %s unreadable (%s)", key, exc)
            return None
        if state == _FAILED:
            logger.debug(
                "fastbuild: job %s failed in a worker (%s); rerunning it here",
                key,
                outcome,
            )
            return None
        return outcome  # type: ignore[no-any-return]

    def _acquire(self) -> bool:
        """Take the table's lock; False if a worker died holding it (pool given up).

        A worker holds the lock for a few microseconds; one killed in that
        moment (by the system, out of memory) would leave it taken for good.
        """
        while not self._lock.acquire(timeout=_POLL_SECONDS):
            if not all(self._alive(pid) for pid in self._pids):
                logger.warning("fastbuild: a worker died; going on without the pool")
                self.shutdown(keep_jobs=True)
                return False
        return True

    def _alive(self, pid: int) -> bool:
        if pid in self._exited:
            return False
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            self._exited.add(pid)
            return False
        return True

    def _replay(self, captured: _Captured) -> None:
        for name, level, message in captured.records:
            logging.getLogger(name).log(level, "%s", message)
        if captured.problems:
            problem_log(self.settings).extend(captured.problems)
        registry = ACTIVE.get()
        if captured.memos and registry is not None:
            registry.add_new(captured.memos)

    def shutdown(self, *, keep_jobs: bool = False) -> None:
        """Stop the workers; jobs never taken are dropped (kept: done here if taken)."""
        if not keep_jobs:
            self._index.clear()
        if self._table is not None:
            self._table[1] = 1  # no worker claims another job (read under its lock)
        for pid in self._pids:
            if pid in self._exited:
                continue
            # Still busy with a job nobody will take: not worth waiting for.
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            self._exited.add(pid)
        self._release()

    def _release(self) -> None:
        if self._table is not None:
            self._table.release()
            self._table = None
        if self._map is not None:
            self._map.close()
            self._map = None
        if self._cleanup is not None:
            self._cleanup()  # removes the results folder, once
            self._cleanup = None
        self._dir = None
        self._pids = []
