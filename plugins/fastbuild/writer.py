"""Pelican's writer, writing only pages whose inputs changed, on every core.

Pelican 4.12 renders and writes every page on every build (``WRITE_SELECTED``
is gone). This writer keeps Pelican's own ``write_file`` (pagination, paths,
the overwrite rules, the ``content_written`` signal) and changes only what
happens to each page's template: a page whose stamp (``stamps``) is unchanged
and whose file is still ours is not rendered and not touched; the others are
rendered, either at once or, with ``FASTBUILD_PARALLEL_WRITE``, collected and
handed to forked processes when the generator is done (``flush``).

``flush`` returns at once: the rest of the build (other generators, the
feeds) goes on while the pages render, and ``join`` (before ``finalized``)
takes their results. One forked dispatcher per flush, which touches nothing
and so shares the build's memory with its renderers, forks short-lived
children of a few dozen pages each (Python writes reference counts as it
reads, so every object a process touches is a page copied; a child that ends
frees its copies). A token pipe shared by the dispatchers keeps the renderers
to ``workers - 1`` while this process works and ``workers`` once it waits.
The chunks of pages wait in a pipe of their numbers, from which a dispatcher
takes one with an atomic read. ``join`` stops the renderers after their page
and hands the pages left to a dispatcher forked then (``_restart``).
A page a child could not render is rendered here, with the real traceback.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import operator
import os
import pickle
import select
import struct
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from typing import Any

from pelican.utils import sanitised_join
from pelican.writers import FileOverwriteFailedError, Writer
from sitekit.cache import fork_piped
from sitekit.problems import Problem, problem_log

from .reader import RUNTIME_KEY
from .stamps import PageStamps, _reference
from .tracking import RECORDING

logger = logging.getLogger(__name__)

#: Chunks per forked renderer: more, shorter-lived children hold fewer page
#: copies at once; each fork of a big build costs a few milliseconds and
#: ~2,300 copy-on-write faults (1,000 posts: 4, 8, 16 -> 16, 21, 35 children,
#: 71k, 90k, 127k faults; CPU and peak PSS alike within the noise).
CHUNKS_PER_PROCESS = 8


def busy_renderers(workers: int) -> int:
    """Renderers while this process works too: one core stays ours."""
    return max(1, workers - 1)


@dataclass
class _Job:
    """One page to render: what ``_write_file`` would have rendered and written.

    With ``stamp_there`` the renderer computes the stamp (``stamp`` is None):
    a page no earlier build wrote. With ``shared``, ``localcontext`` holds
    only the page's own values and ``shared`` the rest (``local``).
    """

    path: str
    rel: str
    template: Any
    localcontext: dict[str, Any]
    context: dict[str, Any]
    stamp: bytes | None
    stamp_there: bool = False
    shared: dict[str, Any] | None = None

    def local(self) -> dict[str, Any]:
        """The page's whole local context, as Pelican made it (same key order)."""
        if self.shared is None:
            return self.localcontext
        local = self.shared.copy()
        local.update(self.localcontext)
        return local

    def get(self, key: str) -> Any:
        if self.shared is None or key in self.localcontext:
            return self.localcontext.get(key)
        return self.shared.get(key)


#: What a render reports: the page's stamp and its reads, digested (None:
#: a read we cannot name, never skip the page).
_Result = tuple[bytes | None, list[tuple[str, str, bytes]] | None]


@dataclass
class _Done:
    """What forked renderers report for the pages they rendered.

    Log records and problems carry their page's number: they are replayed
    in page order, however the pages were shared out.
    """

    results: dict[int, _Result] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    records: list[tuple[int, str, int, str]] = field(default_factory=list)
    problems: list[tuple[int, Problem]] = field(default_factory=list)

    def add(self, other: _Done) -> None:
        self.results.update(other.results)
        self.failed.update(other.failed)
        self.records.extend(other.records)
        self.problems.extend(other.problems)


#: What a dispatcher reports: its renderers' reports by chunk number (None:
#: that renderer failed).
_Report = dict[int, "_Done | None"]


@dataclass
class _Part:
    """A dispatcher rendering chunks of a batch's pages."""

    pid: int
    fd: int  # its report
    chunks: list[list[int]]  # page numbers
    claims: int | None  # the numbers of the chunks no renderer took yet
    stop: int | None  # a byte written here stops its renderers after their page


@dataclass
class _Batch:
    """The pages of one flush, being rendered by dispatchers' children."""

    jobs: list[_Job]
    processes: int
    least: int  # pages per renderer at least
    warm: int = 0  # pages of the flush rendered here before the fork
    parts: list[_Part] = field(default_factory=list)
    done: _Done = field(default_factory=_Done)
    lost: set[int] = field(default_factory=set)  # their renderer failed


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


class _Discard:
    """What Pelican writes a page we write elsewhere (or not at all) into.

    Cheaper than opening ``os.devnull`` for each of ~1,600 pages.
    """

    def __enter__(self) -> _Discard:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, text: str) -> int:
        return len(text)


_DISCARD = _Discard()


class FastWriter(Writer):
    """Skips unchanged pages; renders the rest here or in forked processes."""

    def __init__(
        self, output_path: str, settings: dict[str, Any] | None = None
    ) -> None:
        super().__init__(output_path, settings=settings)
        self.runtime = self.settings.get(RUNTIME_KEY)
        # Paths whose write is a no-op here: skipped (None) or deferred (the
        # job, kept only if Pelican's overwrite rules let the write happen).
        self._quiet: dict[str, _Job | None] = {}
        self._just_rendered: list[
            tuple[str, str, bytes | None, set[tuple[Any, str]]]
        ] = []
        self._jobs: list[_Job] = []
        self._batches: list[_Batch] = []
        self._pending: set[str] = set()  # paths the batches will write
        self._tokens: tuple[int, int] | None = None
        self._frozen = False
        # The context copy deferred pages share, its keys and values (``_split``).
        self._shared: tuple[dict[str, Any], list[str], list[Any]] | None = None

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
        job = self._quiet.pop(filename)
        # Pelican's bookkeeping of written files, without opening (truncating) ours.
        if filename in self._overridden_files:
            if override:
                raise FileOverwriteFailedError(
                    f'Failed to overwrite "{filename}" a second time'
                )
            # The page that overrode this path stays: this one is not written.
            return _DISCARD
        if filename in self._written_files and not override:
            raise FileOverwriteFailedError(
                f'Failed to overwrite "{filename}" as Pelican has already written '
                "to it previously"
            )
        if override:
            self._overridden_files.add(filename)
        self._written_files.add(filename)
        if job is not None:
            self._jobs.append(job)
        return _DISCARD

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
        parallel = bool(getattr(self.runtime, "parallel_write", False))
        stamp = None
        stamp_there = False
        if stamps is not None:
            if parallel and not stamps.has_record(rel):
                # Nothing to compare with (a cold build): the renderer stamps
                # the page. The digests every page shares are made here, once.
                stamps.site_digest(context)
                stamps.env_digest(getattr(template, "environment", None))
                stamps.visited.add(rel)
                stamp_there = True
            else:
                # Here, not in the renderers: forking them for the few pages
                # a rebuild writes cost more than the stamps (measured).
                stamp = stamps.stamp(template, localcontext, context)
                if stamps.unchanged(rel, path, stamp):
                    self._quiet[path] = None
                    return ""
        if parallel:
            # _write_file set context["localsiteurl"] for this page just now;
            # the job sets it again right before it renders.
            shared, own = self._split(context, localcontext)
            self._quiet[path] = _Job(
                path,
                rel,
                template,
                own,
                context,
                stamp,
                stamp_there=stamp_there,
                shared=shared,
            )
            return ""
        reads: set[tuple[Any, str]] = set()
        token = RECORDING.set(reads)
        try:
            output = template.render(localcontext)
        finally:
            RECORDING.reset(token)
        self._just_rendered.append((rel, path, stamp, reads))
        return str(output)

    def _split(
        self, context: dict[str, Any], localcontext: dict[str, Any]
    ) -> tuple[dict[str, Any] | None, dict[str, Any]]:
        """A deferred page's local context as one copy of the context that
        pages share, and the values this page has of its own.

        Pelican gives each page a copy of the whole context (200 settings and
        lists, 6 KB): 10 MB for 1,586 pages kept until they render, which
        every renderer was forked with. A page whose copy does not start with
        the shared one's keys and values starts a new shared copy.
        """
        keys = list(localcontext)
        values = list(localcontext.values())
        for _attempt in range(2):
            if self._shared is not None:
                shared, shared_keys, shared_values = self._shared
                n = len(shared_keys)
                if keys[:n] == shared_keys:
                    # Compared by identity, in C: the values this page changed.
                    changed = compress(
                        keys, map(operator.is_not, values, shared_values)
                    )
                    own = {key: localcontext[key] for key in changed}
                    own.update(zip(keys[n:], values[n:], strict=True))
                    return shared, own
            copy = context.copy()
            self._shared = (copy, list(copy), list(copy.values()))
        return None, localcontext

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
        """Start rendering every collected page; ``join`` takes the results.

        Too few pages for two forked renderers are rendered here and now.
        """
        jobs = _last_per_path(self._jobs)
        self._jobs = []
        self._shared = None
        if not jobs:
            return
        if self._pending.intersection(job.path for job in jobs):
            self.join()  # a page written again: the earlier write goes first
        else:
            # Between generators: this process wrote much of its memory since
            # the dispatchers were forked (see ``_restart``).
            self._restart(self._batches)
        workers = int(getattr(self.runtime, "workers", 0) or 0)
        config = getattr(self.runtime, "config", None)
        per_process = config.min_pages if config else 24
        processes = min(workers, len(jobs) // per_process)
        if processes < 2 or not hasattr(os, "fork"):
            for job in jobs:
                self._record(job, _render_job(job, self._stamps))
            self._count(len(jobs), 1)
            return
        warm = len(jobs)
        jobs = self._warm_up(jobs)
        warm -= len(jobs)
        if self._tokens is None:
            read_fd, write_fd = os.pipe()
            os.set_blocking(read_fd, False)
            os.write(write_fd, b"t" * busy_renderers(workers))
            self._tokens = (read_fd, write_fd)
        batch = _Batch(jobs, processes, per_process, warm)
        chunks = _chunks(len(jobs), processes, per_process)
        if not self._start(batch, chunks):
            for job in jobs:
                self._record(job, _render_job(job, self._stamps))
            self._count(warm + len(jobs), 1)
            return
        self._batches.append(batch)
        self._pending.update(job.path for job in jobs)

    def _start(self, batch: _Batch, chunks: list[list[int]]) -> bool:
        """Fork a dispatcher for ``chunks`` of the batch's pages; False if none."""
        opened: list[int] = []
        try:
            claims = _claim_pipe(range(len(chunks)))
            opened.append(claims)
            stop_read, stop_write = os.pipe()
            opened += (stop_read, stop_write)
            # Frozen until ``join``: the collector here leaves the objects the
            # children share alone (a full collection would copy every page).
            # No collection first: it walked every object of a big build (0.2 s).
            gc.freeze()
            self._frozen = True
            forked = fork_piped()
        except OSError:
            forked = None
        if forked is None:
            for fd in opened:
                os.close(fd)
            return False
        pid, fd = forked
        if pid == 0:  # the dispatcher: never returns
            assert self._tokens is not None
            _dispatch(
                batch.jobs,
                chunks,
                claims,
                stop_read,
                fd,
                self._tokens,
                self.settings,
                self._stamps,
            )
        os.close(stop_read)
        batch.parts.append(_Part(pid, fd, chunks, claims, stop_write))
        return True

    def refresh(self) -> None:
        """Hand the pages left to a dispatcher forked now (see ``_restart``).

        For a generator that writes much of this process's memory while the
        pages render (the feeds): called every so often, it keeps the
        dispatcher's copy of what was written since small.
        """
        if self._batches:
            self._restart(self._batches)

    def _restart(self, batches: list[_Batch]) -> None:
        """Stop the renderers after their page; the pages left to new dispatchers.

        The dispatcher of a flush was forked before this process made the
        feeds: every memory page this process has written since is held twice
        while that dispatcher lives (~20 MB at 1,000 posts). Forked now, a
        new one shares this process's memory as it is; the old ones end
        before it starts (a few milliseconds: their renderers' current page).
        """
        parts = [(batch, part) for batch in batches for part in batch.parts]
        for batch in batches:
            batch.parts = []
        for _, part in parts:
            _stop(part)
        for batch, part in parts:
            self._collect(batch, part)
        for batch in batches:
            self._resume(batch)

    def _resume(self, batch: _Batch) -> None:
        """A dispatcher for the batch's pages no renderer took."""
        done = batch.done
        left = [
            i
            for i in range(len(batch.jobs))
            if i not in done.results and i not in done.failed and i not in batch.lost
        ]
        if left:
            chunks = [
                [left[k] for k in share]
                for share in _chunks(len(left), batch.processes, batch.least)
            ]
            # Not started: its pages are rendered here by ``_take``.
            self._start(batch, chunks)

    def _collect(self, batch: _Batch, part: _Part) -> None:
        """A dispatcher's report, added to the batch's."""
        report = _read_report(part.pid, part.fd)
        if report is None:
            logger.warning("fastbuild: a page dispatcher failed")
            if self._tokens is not None:
                # It may have held tokens: the others must never wait for them.
                os.write(self._tokens[1], b"t" * batch.processes)
            return
        for number, done in report.items():
            if done is None:
                logger.warning(
                    "fastbuild: a page renderer failed; rendering its %d pages here",
                    len(part.chunks[number]),
                )
                batch.lost.update(part.chunks[number])
            else:
                batch.done.add(done)

    def join_if_writes(self, paths: Iterable[str]) -> None:
        """Join first when a page being rendered is about to be written over."""
        if self._pending and not self._pending.isdisjoint(paths):
            self.join()

    def join(self) -> None:
        """Wait for every flushed page: logs, problems, failures and stamps here."""
        batches, self._batches = self._batches, []
        self._pending = set()
        try:
            self._restart(batches)
            if batches and self._tokens is not None:
                os.write(self._tokens[1], b"t")  # this process waits now
            for batch in batches:
                parts, batch.parts = batch.parts, []
                for part in parts:
                    self._collect(batch, part)
        finally:
            self._release()
        for batch in batches:
            self._take(batch)

    def abandon(self) -> None:
        """The build failed: wait for the renderers, take nothing from them."""
        batches, self._batches = self._batches, []
        self._pending = set()
        for batch in batches:
            for part in batch.parts:
                _stop(part)
                os.close(part.fd)  # its report goes nowhere
        if self._tokens is not None:
            os.write(self._tokens[1], b"t")
        for batch in batches:
            for part in batch.parts:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(part.pid, 0)
        self._release()

    def _release(self) -> None:
        """No batch left: close the token pipe, let the collector walk again."""
        if self._tokens is not None:
            for fd in self._tokens:
                os.close(fd)
            self._tokens = None
        if self._frozen:
            gc.unfreeze()
            self._frozen = False

    def _take(self, batch: _Batch) -> None:
        """One batch's results, in page order; pages no child rendered, here."""
        jobs, done = batch.jobs, batch.done
        missing = sum(
            1
            for i in range(len(jobs))
            if i not in done.results and i not in done.failed and i not in batch.lost
        )
        if missing:
            logger.warning(
                "fastbuild: a page dispatcher failed; rendering its %d pages here",
                missing,
            )
        for _page, name, level, message in sorted(done.records, key=_first):
            logging.getLogger(name).log(level, "%s", message)
        if done.problems:
            problems = sorted(done.problems, key=_first)
            problem_log(self.settings).extend(problem for _, problem in problems)
        for i, job in enumerate(jobs):
            result = done.results.get(i)
            if result is not None:
                self._record(job, result)
                continue
            if i in done.failed:
                logger.debug(
                    "fastbuild: %s failed in a child: %s", job.rel, done.failed[i]
                )
            # Raises here, with the real traceback, if it fails again.
            self._record(job, _render_job(job, self._stamps))
        self._count(batch.warm + len(jobs), batch.processes)

    def _warm_up(self, jobs: list[_Job]) -> list[_Job]:
        """Render here the first page of each template and language; the rest.

        What a page's first render fills (included templates, Babel's locale
        data, date and URL memos) is then forked filled, not loaded again in
        every renderer: about a fifth of a short-lived renderer's work.
        """
        seen: set[tuple[Any, Any]] = set()
        rest = []
        for job in jobs:
            key = (getattr(job.template, "name", None), _lang_of(job))
            if key in seen:
                rest.append(job)
                continue
            seen.add(key)
            self._record(job, _render_job(job, self._stamps))
        return rest

    def _record(self, job: _Job, result: _Result) -> None:
        stamps = self._stamps
        stamp, reads = result
        stamp = job.stamp if stamp is None else stamp
        if stamps is not None and stamp is not None and reads is not None:
            stamps.record_digests(job.rel, job.path, stamp, reads)

    def _count(self, pages: int, processes: int) -> None:
        logger.info("fastbuild: %d pages rendered in %d processes", pages, processes)
        stats = getattr(self.runtime, "stats", None)
        if stats is not None:
            stats["pages_deferred"] += pages
            stats["render_processes"] = max(stats["render_processes"], processes)


def _chunks(count: int, processes: int, least: int) -> list[list[int]]:
    """Pages per renderer: even chunks, smaller towards the end.

    The last chunks shrink so that the renderers finish together (a core
    idle while the other renders a whole chunk is the build's tail).
    """
    chunk = max(least, -(-count // (processes * CHUNKS_PER_PROCESS)))
    out = []
    start = 0
    while start < count:
        size = min(chunk, max(least, (count - start) // (2 * processes)))
        out.append(list(range(start, min(start + size, count))))
        start += size
    return out


def _lang_of(job: _Job) -> Any:
    """The page's language, as far as its content says (None: the site's)."""
    for key in ("article", "page"):
        lang = getattr(job.get(key), "lang", None)
        if lang:
            return lang
    return None


def _last_per_path(jobs: list[_Job]) -> list[_Job]:
    """A path written twice (an overriding page) keeps its last write only."""
    by_path = {job.path: job for job in jobs}
    if len(by_path) == len(jobs):
        return jobs
    return [job for job in jobs if by_path[job.path] is job]


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def _claim_pipe(numbers: Iterable[int]) -> int:
    """A pipe holding chunk numbers, closed for writing: its read end.

    A 4-byte read takes one number, atomically between processes; an empty
    pipe reads as its end. At most a few hundred chunks: within the pipe's
    buffer (a full one raises here rather than blocking).
    """
    data = b"".join(struct.pack("i", n) for n in numbers)
    read_fd, write_fd = os.pipe()
    try:
        os.set_blocking(write_fd, False)
        if os.write(write_fd, data) != len(data):
            raise BlockingIOError("chunk numbers beyond the pipe's buffer")
    except OSError:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)
    return read_fd


def _claim(claims: int) -> int | None:
    """The next chunk number no renderer took; None when none is left."""
    data = os.read(claims, 4)
    return struct.unpack("i", data)[0] if len(data) == 4 else None


def _stop(part: _Part) -> None:
    """No renderer of ``part`` takes another chunk or starts another page."""
    if part.claims is not None:
        with contextlib.suppress(OSError):
            while os.read(part.claims, 1 << 16):
                pass  # the chunks left: nobody's now
        os.close(part.claims)
        part.claims = None
    if part.stop is not None:
        with contextlib.suppress(OSError):
            os.write(part.stop, b"s")
        os.close(part.stop)
        part.stop = None


def _stopped(stop: int | None) -> bool:
    return stop is not None and bool(select.select([stop], [], [], 0)[0])


def _read_report(pid: int, fd: int) -> _Report | None:
    """A dispatcher's report, read whole; None if it failed."""
    data = bytearray()
    try:
        while block := os.read(fd, 1 << 16):
            data += block
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    report = _child_answer(data, status)
    return report if isinstance(report, dict) else None


def _dispatch(
    jobs: list[_Job],
    chunks: list[list[int]],
    claims: int,
    stop: int,
    out_fd: int,
    tokens: tuple[int, int],
    settings: dict[str, Any],
    stamps: PageStamps | None,
) -> None:
    """A forked dispatcher: forks a renderer per chunk and token; never returns.

    It waits in ``select`` and touches nothing, so the memory it shares with
    the build stays shared with its renderers too. It takes chunks from
    ``claims`` until none is left there.
    """
    code = 1
    try:
        gc.disable()
        token_read, token_write = tokens
        done: _Report = {}
        running: dict[int, tuple[int, int, bytearray]] = {}  # pipe -> pid, chunk, data
        claiming = True
        while claiming or running:
            watch = list(running)
            if claiming:
                watch += (token_read, stop)
            ready, _, _ = select.select(watch, [], [])
            for fd in ready:
                if fd == stop:
                    claiming = False  # ``join`` took the chunks left
                    continue
                if fd == token_read:
                    try:
                        if not os.read(token_read, 1):
                            continue
                    except BlockingIOError:
                        continue  # another dispatcher took it
                    number = _claim(claims)
                    if number is None:
                        os.write(token_write, b"t")  # for another dispatcher
                        claiming = False
                        continue
                    read_fd, write_fd = os.pipe()
                    pid = os.fork()
                    if pid == 0:  # the renderer: render, report, leave without cleanup
                        os.close(read_fd)
                        os.close(out_fd)
                        _child(jobs, chunks[number], write_fd, settings, stamps, stop)
                    os.close(write_fd)
                    running[read_fd] = (pid, number, bytearray())
                    continue
                pid, index, data = running[fd]
                block = os.read(fd, 1 << 16)
                if block:
                    data += block
                    continue
                os.close(fd)
                del running[fd]
                _, status = os.waitpid(pid, 0)
                done[index] = _unpickle_done(data, status)
                # The renderer's token, whatever became of the renderer.
                os.write(token_write, b"t")
        report = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(out_fd, "wb") as fh:
            fh.write(report)
        code = 0
    finally:
        os._exit(code)


def _child_answer(data: bytes | bytearray, status: int) -> Any:
    """What a child pickled into its pipe; None if it failed or wrote nothing whole."""
    if not data or os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return pickle.loads(data)  # noqa: S301 - our own child, through a pipe
    except Exception:
        return None


def _unpickle_done(data: bytes | bytearray, status: int) -> _Done | None:
    done = _child_answer(data, status)
    return done if isinstance(done, _Done) else None


def _render_job(job: _Job, stamps: PageStamps | None) -> _Result:
    """Render and write one page exactly as Pelican's ``_write_file`` does."""
    local = job.local()
    if local.get("localsiteurl"):
        job.context["localsiteurl"] = local["localsiteurl"]
    stamp = job.stamp
    if job.stamp_there and stamps is not None:
        stamp = stamps.stamp(job.template, local, job.context)
    reads: set[tuple[Any, str]] = set()
    token = RECORDING.set(reads)
    try:
        output = job.template.render(local)
    finally:
        RECORDING.reset(token)
    os.makedirs(os.path.dirname(job.path), exist_ok=True)
    with open(job.path, "w", encoding="utf-8") as fh:
        fh.write(output)
    if stamps is None:
        return stamp, None
    out: list[tuple[str, str, bytes]] = []
    for obj, name in reads:
        ref = _reference(obj)
        if ref is None or "?" in ref:
            return stamp, None
        out.append((ref, name, stamps.read_digest(obj, name)))
    return stamp, out


class _ChildLog(logging.Handler):
    def __init__(self, done: _Done) -> None:
        super().__init__(logging.DEBUG)
        self.done = done
        self.page = -1

    def emit(self, record: logging.LogRecord) -> None:
        if record.name != "sitekit.problems":
            self.done.records.append(
                (self.page, record.name, record.levelno, record.getMessage())
            )


def _child(
    jobs: list[_Job],
    share: list[int],
    write_fd: int,
    settings: dict[str, Any],
    stamps: PageStamps | None,
    stop: int | None,
) -> None:
    """A forked renderer: never returns, never runs the parent's exit handlers.

    Asked to stop (``join``), it reports the pages it rendered so far.
    """
    code = 1
    try:
        # The collector stays on: the build's objects are frozen, so it
        # walks only what this child makes (a page's cyclic garbage).
        gc.enable()
        done = _Done()
        root = logging.getLogger()
        level = root.getEffectiveLevel()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        handler = _ChildLog(done)
        root.addHandler(handler)
        root.setLevel(level)
        log = problem_log(settings)
        for i in share:
            if _stopped(stop):
                break
            handler.page = i
            before = len(log.problems)
            try:
                done.results[i] = _render_job(jobs[i], stamps)
            except Exception:
                done.failed[i] = traceback.format_exc()
            done.problems.extend((i, problem) for problem in log.problems[before:])
        data = pickle.dumps(done, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as fh:
            fh.write(data)
        code = 0
    finally:
        os._exit(code)
