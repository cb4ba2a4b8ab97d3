"""Pelican's writer, writing only pages whose inputs changed, on every core.

Pelican 4.12 renders and writes every page on every build (``WRITE_SELECTED``
is gone). This writer keeps Pelican's own ``write_file`` (pagination, paths,
the overwrite rules, the ``content_written`` signal) and changes only what
happens to each page's template: a page whose stamp (``stamps``) is unchanged
and whose file is still ours is not rendered and not touched; the others are
rendered, either at once or, with ``FASTBUILD_PARALLEL_WRITE``, collected and
rendered by forked processes when the generator is done: short-lived children
of a few hundred pages each, two at a time, while this process waits (Python
writes reference counts as it reads, so every object a process touches is a
page copied; a child that ends frees its copies, a waiting parent makes none).
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import select
import traceback
from dataclasses import dataclass, field
from typing import Any

from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer
from sitekit.problems import Problem, problem_log

from .reader import RUNTIME_KEY
from .stamps import PageStamps, _reference
from .tracking import RECORDING

logger = logging.getLogger(__name__)

#: Chunks per forked renderer: more, shorter-lived children hold fewer page
#: copies at once; each fork of a big build costs a few milliseconds.
CHUNKS_PER_PROCESS = 8


@dataclass
class _Job:
    """One page to render: what ``_write_file`` would have rendered and written."""

    path: str
    rel: str
    template: Any
    localcontext: dict[str, Any]
    context: dict[str, Any]
    stamp: bytes | None


@dataclass
class _Done:
    """What a forked renderer reports for its pages."""

    reads: dict[int, list[tuple[str, str, bytes]] | None] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    records: list[tuple[str, int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class _StampedTemplate:
    """Stands in for a page's template inside Pelican's ``write_file``."""

    def __init__(
        self, template: Any, writer: FastWriter, context: dict[str, Any]
    ) -> None:
        self._template = template
        self._writer = writer
        self._context = context

    def __getattr__(self, name: str) -> Any:
        return getattr(self._template, name)

    def render(self, localcontext: dict[str, Any]) -> str:
        return self._writer._render(self._template, localcontext, self._context)


class FastWriter(Writer):
    """Skips unchanged pages; renders the rest here or in forked processes."""

    def __init__(
        self, output_path: str, settings: dict[str, Any] | None = None
    ) -> None:
        super().__init__(output_path, settings=settings)
        self.runtime = self.settings.get(RUNTIME_KEY)
        self._quiet: set[str] = (
            set()
        )  # paths whose write is a no-op (skipped or deferred)
        self._just_rendered: list[
            tuple[str, str, bytes | None, set[tuple[Any, str]]]
        ] = []
        self._jobs: list[_Job] = []

    # -- Pelican's hooks -----------------------------------------------------
    def write_file(
        self,
        name: Any,
        template: Any,
        context: dict[str, Any],
        *args: Any,
        **kwargs: Any,
    ) -> Any:
        if not name:
            return super().write_file(name, template, context, *args, **kwargs)
        try:
            return super().write_file(
                name,
                _StampedTemplate(template, self, context),
                context,
                *args,
                **kwargs,
            )
        finally:
            self._record_rendered()

    def _open_w(self, filename: str, encoding: str, override: bool = False) -> Any:
        if filename not in self._quiet:
            return super()._open_w(filename, encoding, override)
        self._quiet.discard(filename)
        # Pelican's bookkeeping of written files, without opening (truncating) ours.
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time'
                )
            return open(os.devnull, "w", encoding=encoding)
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written '
                "to it previously"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        return open(os.devnull, "w", encoding=encoding)

    # -- one page ------------------------------------------------------------
    @property
    def _stamps(self) -> PageStamps | None:
        return getattr(self.runtime, "stamps", None)

    def _render(
        self, template: Any, localcontext: dict[str, Any], context: dict[str, Any]
    ) -> str:
        rel = str(localcontext.get("output_file") or "")
        path = sanitised_join(self.output_path, rel)
        stamps = self._stamps
        stamp = None
        if stamps is not None:
            stamp = stamps.stamp(template, localcontext, context)
            if stamps.unchanged(rel, path, stamp):
                self._quiet.add(path)
                return ""
        if getattr(self.runtime, "parallel_write", False):
            # _write_file set context["localsiteurl"] for this page just now;
            # the job sets it again right before it renders.
            self._jobs.append(_Job(path, rel, template, localcontext, context, stamp))
            self._quiet.add(path)
            return ""
        reads: set[tuple[Any, str]] = set()
        token = RECORDING.set(reads)
        try:
            output = template.render(localcontext)
        finally:
            RECORDING.reset(token)
        self._just_rendered.append((rel, path, stamp, reads))
        return str(output)

    def _record_rendered(self) -> None:
        stamps = self._stamps
        done, self._just_rendered = self._just_rendered, []
        if stamps is None:
            return
        for rel, path, stamp, reads in done:
            if stamp is not None:
                stamps.record(rel, path, stamp, reads)

    # -- deferred pages ------------------------------------------------------
    def flush(self) -> None:
        """Render and write every collected page, on as many processes as allowed."""
        jobs, self._jobs = self._jobs, []
        if not jobs:
            return
        workers = int(getattr(self.runtime, "workers", 0) or 0)
        config = getattr(self.runtime, "config", None)
        per_process = config.min_pages if config else 24
        # This process waits while the children work: it touches nothing, so
        # the pages they share stay shared.
        processes = min(workers, len(jobs) // per_process)
        results: dict[int, list[tuple[str, str, bytes]] | None] = {}
        if processes < 2:
            processes = 1
            for i, job in enumerate(jobs):
                results[i] = _render_job(job, self._stamps)
        else:
            # Short-lived children: each one's copies of the pages it touched
            # are freed when it is done, so the tree never holds them all.
            chunk = max(per_process, -(-len(jobs) // (processes * CHUNKS_PER_PROCESS)))
            results = self._render_forked(jobs, processes, chunk)
        logger.info(
            "fastbuild: %d pages rendered in %d processes", len(jobs), processes
        )
        stats = getattr(self.runtime, "stats", None)
        if stats is not None:
            stats["pages_deferred"] += len(jobs)
            stats["render_processes"] = max(stats["render_processes"], processes)
        stamps = self._stamps
        if stamps is not None:
            for i, job in enumerate(jobs):
                reads = results.get(i)
                if job.stamp is not None and reads is not None:
                    stamps.record_digests(job.rel, job.path, job.stamp, reads)

    def _render_forked(
        self, jobs: list[_Job], processes: int, chunk: int
    ) -> dict[int, Any]:
        """Children render ``chunk`` pages each, ``processes`` at a time.

        Results come home in chunk order (logs, problems), whatever order the
        children finish in; a chunk whose child failed is rendered here.
        """
        chunks = [
            list(range(a, min(a + chunk, len(jobs))))
            for a in range(0, len(jobs), chunk)
        ]
        done: dict[int, _Done | None] = {}
        running: dict[int, tuple[int, int, bytearray]] = {}  # pipe -> pid, chunk, data
        gc.collect()
        gc.freeze()  # children touch fewer pages: the collector leaves old objects be
        try:
            started = 0
            while started < len(chunks) or running:
                while started < len(chunks) and len(running) < processes:
                    read_fd, write_fd = os.pipe()
                    pid = os.fork()
                    if pid == 0:  # the child: render, report, leave without cleanup
                        os.close(read_fd)
                        _child(
                            jobs, chunks[started], write_fd, self.settings, self._stamps
                        )
                    os.close(write_fd)
                    running[read_fd] = (pid, started, bytearray())
                    started += 1
                ready, _, _ = select.select(list(running), [], [])
                for fd in ready:
                    pid, index, data = running[fd]
                    block = os.read(fd, 1 << 16)
                    if block:
                        data += block
                        continue
                    os.close(fd)
                    del running[fd]
                    _, status = os.waitpid(pid, 0)
                    done[index] = _unpickle_done(data, status)
        finally:
            gc.unfreeze()
        results: dict[int, Any] = {}
        for index, share in enumerate(chunks):
            report = done.get(index)
            if report is None:
                logger.warning(
                    "fastbuild: a page renderer failed; rendering its %d pages here",
                    len(share),
                )
                for i in share:
                    results[i] = _render_job(jobs[i], self._stamps)
                continue
            for name, level, message in report.records:
                logging.getLogger(name).log(level, "%s", message)
            if report.problems:
                problem_log(self.settings).extend(report.problems)
            for i in share:
                if i in report.failed:
                    logger.debug(
                        "fastbuild: %s failed in a child: %s",
                        jobs[i].rel,
                        report.failed[i],
                    )
                    # Raises here, with the real traceback.
                    results[i] = _render_job(jobs[i], self._stamps)
                else:
                    results[i] = report.reads.get(i)
        return results


def _unpickle_done(data: bytes | bytearray, status: int) -> _Done | None:
    if not data or os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        done = pickle.loads(data)  # noqa: S301 - our own child, through a pipe
    except Exception:
        return None
    return done if isinstance(done, _Done) else None


def _render_job(
    job: _Job, stamps: PageStamps | None
) -> list[tuple[str, str, bytes]] | None:
    """Render and write one page exactly as Pelican's ``_write_file`` does."""
    if job.localcontext.get("localsiteurl"):
        job.context["localsiteurl"] = job.localcontext["localsiteurl"]
    reads: set[tuple[Any, str]] = set()
    token = RECORDING.set(reads)
    try:
        output = job.template.render(job.localcontext)
    finally:
        RECORDING.reset(token)
    os.makedirs(os.path.dirname(job.path), exist_ok=True)
    with open(job.path, "w", encoding="utf-8") as fh:
        fh.write(output)
    out: list[tuple[str, str, bytes]] = []
    for obj, name in reads:
        ref = _reference(obj)
        if ref is None or "?" in ref or stamps is None:
            return None
        out.append((ref, name, stamps.read_digest(obj, name)))
    return out


class _ChildLog(logging.Handler):
    def __init__(self, done: _Done) -> None:
        super().__init__(logging.DEBUG)
        self.done = done

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "sitekit.problems":
            self.done.records.append((record.name, record.levelno, record.getMessage()))


def _child(
    jobs: list[_Job],
    share: list[int],
    write_fd: int,
    settings: dict[str, Any],
    stamps: PageStamps | None,
) -> None:
    """A forked renderer: never returns, never runs the parent's exit handlers."""
    code = 1
    try:
        # The collector stays on: the parent's objects are frozen, so it
        # walks only what this child makes (a page's cyclic garbage).
        done = _Done()
        root = logging.getLogger()
        level = root.getEffectiveLevel()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        root.addHandler(_ChildLog(done))
        root.setLevel(level)
        log = problem_log(settings)
        before = len(log.problems)
        for i in share:
            try:
                done.reads[i] = _render_job(jobs[i], stamps)
            except Exception:
                done.failed[i] = traceback.format_exc()
        done.problems = log.problems[before:]
        data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        code = 0
    finally:
        os._exit(code)
