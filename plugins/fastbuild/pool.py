"""Workers take jobs from the back of the list while the build takes the front.

Pelican reads posts one after another in one process. The jobs (render one
post's Markdown, check and render one comment thread) are pure functions of a
file and the settings, so forked workers can do them while the main process
does its share: workers start at the end of the list, the main process at the
front, and whatever job the main process reaches first that no worker has
started, it does itself (a future that can still be cancelled). Nothing waits
on a worker that has not begun, and the result is the same as a serial build.

Workers are forked once the settings are final, so they share the plugins,
the Markdown extensions and the settings without pickling any of it. What a
job logs and every content problem it records are sent back with its result
and replayed in the main process, so a parallel build reports exactly what a
serial one does.
"""

from __future__ import annotations

import concurrent.futures as cf
import gc
import logging
import multiprocessing
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from sitekit.cache import ACTIVE, CacheRegistry
from sitekit.problems import Problem, problem_log

logger = logging.getLogger(__name__)

#: What a worker process inherited from the build that forked it. A forked
#: process has one build, for its whole life; the main process never sets it.
_WORKER_SETTINGS: dict[str, Any] | None = None


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


def _init_worker(
    settings: dict[str, Any], level: int, registry: CacheRegistry | None
) -> None:
    """Runs once in each forked worker: capture logging instead of printing."""
    global _WORKER_SETTINGS
    _WORKER_SETTINGS = settings
    ACTIVE.set(registry)
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = _CaptureHandler()
    root.addHandler(handler)
    root.setLevel(level)
    settings["_FASTBUILD_CAPTURE"] = handler


def _run_job(fn: Callable[..., Any], args: tuple[Any, ...]) -> tuple[Any, _Captured]:
    """A job in a worker: its result plus what it logged and found wrong."""
    settings = _WORKER_SETTINGS
    assert settings is not None, "jobs run only in forked workers"
    handler: _CaptureHandler = settings["_FASTBUILD_CAPTURE"]
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


class Pool:
    """A fork-based pool with "the main process may do a job itself" semantics."""

    def __init__(self, settings: dict[str, Any], workers: int) -> None:
        self.settings = settings
        self.workers = workers
        self._futures: dict[Hashable, cf.Future[tuple[Any, _Captured]]] = {}
        self._executor: cf.ProcessPoolExecutor | None = None
        self.done_here = 0
        self.done_there = 0
        if workers > 0:
            problem_log(settings)  # the workers must share the build's log object
            self._executor = cf.ProcessPoolExecutor(
                max_workers=workers,
                mp_context=multiprocessing.get_context("fork"),
                initializer=_init_worker,
                initargs=(
                    settings,
                    logging.getLogger().getEffectiveLevel(),
                    ACTIVE.get(),
                ),
            )

    def submit(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> None:
        """Queue ``fn(settings, *args)``; submit the job the build needs last first."""
        if self._executor is None or key in self._futures:
            return
        first = not self._futures and not self.done_here + self.done_there
        try:
            if first:
                # The workers are forked now: frozen, the objects they inherit
                # are never walked by their collector (their pages stay shared).
                gc.freeze()
            try:
                self._futures[key] = self._executor.submit(_run_job, fn, args)
            finally:
                if first:
                    gc.unfreeze()
        except (
            RuntimeError,
            OSError,
        ) as exc:  # a broken pool: the build goes on serially
            logger.warning(
                "fastbuild: worker pool unavailable (%s); going on serially", exc
            )
            self.shutdown()

    def reorder(
        self, order: list[tuple[Hashable, Callable[..., Any], tuple[Any, ...]]]
    ) -> int:
        """Queue the jobs not started yet again, in ``order`` (first done first).

        Jobs are queued before anyone knows in which order the build will
        ask for them; once it is known, the workers should do first what
        the main process needs last. Started jobs stay; the number moved.
        """
        moved = []
        for key, fn, args in order:
            future = self._futures.get(key)
            if future is not None and future.cancel():
                del self._futures[key]
                moved.append((key, fn, args))
        for key, fn, args in moved:
            self.submit(key, fn, *args)
        return len(moved)

    def has(self, key: Hashable) -> bool:
        return key in self._futures

    def take(self, key: Hashable, fn: Callable[..., Any], *args: Any) -> Any:
        """Job ``key``'s result: from a worker, or computed here if none started it."""
        future = self._futures.pop(key, None)
        if future is not None and not future.cancel():
            try:
                result, captured = future.result()
            except Exception as exc:
                logger.debug(
                    "fastbuild: job %s failed in a worker (%s); rerunning it here",
                    key,
                    exc,
                )
            else:
                self.done_there += 1
                self._replay(captured)
                return result
        self.done_here += 1
        return fn(self.settings, *args)

    def _replay(self, captured: _Captured) -> None:
        for name, level, message in captured.records:
            logging.getLogger(name).log(level, "%s", message)
        if captured.problems:
            problem_log(self.settings).extend(captured.problems)
        registry = ACTIVE.get()
        if captured.memos and registry is not None:
            registry.add_new(captured.memos)

    def shutdown(self) -> None:
        """Stop the workers; jobs never taken are cancelled."""
        executor, self._executor = self._executor, None
        self._futures.clear()
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
