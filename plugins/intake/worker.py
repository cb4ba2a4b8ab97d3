"""Spool → branches: one file, one commit, one branch per submission, pushed.

The branch name comes from the spool row, so running a batch twice (after a
crash between commit and push, or between push and bookkeeping) creates
nothing new: an existing local branch is pushed as it is, and a branch the
remote already has with the same file counts as done.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass

import anyio

from .config import IntakeSettings
from .gitrepo import Git, GitError, NewBranch
from .spool import Entry, Spool

logger = logging.getLogger(__name__)

#: How often the base branch is fetched again, in seconds.
BASE_REFRESH = 60.0
BASE_REF = "refs/intake/base"


@dataclass
class _Base:
    commit: str | None = None
    fetched_at: float = float("-inf")


class Worker:
    """Turns due spool entries into pushed branches; blocking, batch by batch."""

    def __init__(self, settings: IntakeSettings, spool: Spool) -> None:
        self.settings = settings
        self.spool = spool
        self.git = Git(settings.git_dir)
        self.site = Git(settings.repo)
        self._base = _Base()
        self._lock = threading.Lock()  # one batch at a time

    def remote_url(self) -> str:
        return self.site.remote_url(self.settings.remote)

    def delay(self, attempts: int) -> float:
        """Exponential backoff with jitter, capped."""
        base = self.settings.retry_base_seconds * 2.0 ** min(attempts - 1, 20)
        return min(self.settings.retry_max_seconds, base) * random.uniform(0.8, 1.2)  # noqa: S311

    def base(self, url: str) -> str | None:
        """Where new branches start: the remote's base branch, else the site's HEAD."""
        now = time.monotonic()
        if self._base.commit and now - self._base.fetched_at < BASE_REFRESH:
            return self._base.commit
        branch = self.settings.base_branch
        commit = self.git.fetch_ref(url, f"refs/heads/{branch}", BASE_REF)
        if commit is None:
            commit = self.git.fetch_ref(str(self.settings.repo), "HEAD", BASE_REF)
        self._base = _Base(commit, now)
        return commit

    def run_once(self) -> int:
        """Process one batch of due entries; the number handled (pushed or failed)."""
        with self._lock:
            entries = self.spool.due(self.settings.worker_batch)
            if not entries:
                return 0
            try:
                self.git.init_bare()
                url = self.remote_url()
                base = self.base(url)
                self._create(entries, base)
            except GitError as exc:
                logger.warning(
                    "Could not prepare %d comment branches: %s", len(entries), exc
                )
                self.spool.mark_failed([e.id for e in entries], str(exc), self.delay)
                return len(entries)
            self._push(entries, url)
            return len(entries)

    def _create(self, entries: list[Entry], base: str | None) -> None:
        existing = self.git.branches()
        todo = [
            NewBranch(
                branch=e.branch,
                path=e.path,
                content=e.content,
                message=f"Comment by {e.author} on {e.slug}\n\nSubmitted through the comment "
                f"form; id {e.id}.\n",
                timestamp=int(e.received),
            )
            for e in entries
            if e.branch not in existing
        ]
        self.git.create_branches(
            todo, base, self.settings.committer, self.settings.committer_email
        )

    def _push(self, entries: list[Entry], url: str) -> None:
        by_branch = {e.branch: e for e in entries}
        options = self.settings.push_options
        if (
            options
        ):  # push options are per push: one push per branch, each with its title
            results = [
                self.git.push(
                    url, [e.branch], [*options, f"merge_request.title={title(e)}"]
                )
                for e in entries
            ]
        else:
            results = [self.git.push(url, list(by_branch))]
        done: list[str] = []
        for result in results:
            done.extend(by_branch[b].id for b in result.ok)
            for branch, reason in result.failed.items():
                entry = by_branch[branch]
                if self._already_there(url, entry):
                    done.append(entry.id)
                    continue
                logger.warning("Push of %s failed: %s", branch, reason)
                self.spool.mark_failed([entry.id], reason, self.delay)
        if done:
            self.spool.mark_pushed(done)

    def _already_there(self, url: str, entry: Entry) -> bool:
        """A rejected push whose branch holds our file already (a retry) is done."""
        try:
            return self.git.remote_blob(url, entry.branch, entry.path) == entry.content
        except GitError:
            return False

    def drain(self, timeout: float = 60.0) -> None:
        """Run batches until nothing is due (for tests and the command line)."""
        deadline = time.monotonic() + timeout
        while self.run_once() and time.monotonic() < deadline:
            pass

    async def run(self, stop: anyio.Event, poll: float = 0.2) -> None:
        """Loop in the app's lifespan; the blocking work runs in a thread."""
        while not stop.is_set():
            try:
                handled = await anyio.to_thread.run_sync(self.run_once)
            except Exception:  # keep the loop alive; the entry stays queued
                logger.exception("Comment worker batch failed")
                handled = 0
            if not handled:
                with anyio.move_on_after(poll):
                    await stop.wait()


def title(entry: Entry) -> str:
    """A pull or merge request title: one line, no option separators."""
    name = " ".join(entry.author.split())[:60]
    return f"Comment by {name} on {entry.slug}"
