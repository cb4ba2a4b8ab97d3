"""Pelican glue for feeds: every feed of the site, written after all content is known.

Pelican writes its own feeds (feedgenerator) before any page and before plugins
can add comments to them, so they are switched off (``FEED_* = None``) and this
plugin writes all feeds, with sitekit.leanfeed (text, tested against feedgen;
the many per-post comment feeds straight from their threads, see
feeds.comments). A generator
of ours, returned from ``get_generators``, writes them in ``generate_output``:
by then every generator's context is final, comment threads included.

On a rebuild (the ledger knows the feeds of an earlier build here) the feeds
are made in a forked child that starts when the pages start: they need the
same final context and nothing the pages write, and the page writing keeps
this process busy while another core is idle. The child hands back what the
ledger and the text caches learnt; if it fails, the feeds are made here.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from sitekit.cache import OutputLedger, output_ledger, registry_for

from .comments import attach_comment_feed_urls, discussion_feeds, latest_comments_feed
from .posts import PostItems, all_posts_feed, category_feeds
from .site import ContentLike, FeedJob, FeedSite, write_job

logger = logging.getLogger(__name__)

PLUGIN_NAMES = ("feeds.plugin", "feeds")
#: How often the page writer may refresh its renderers while feeds are made
#: (see ``fastbuild.writer.FastWriter.refresh``; each costs this process a
#: renderer's current page, a few milliseconds).
REFRESH_SECONDS = 0.4


def _enabled(settings: dict[str, Any]) -> bool:
    """Signals are process-global: act only for builds that list this plugin."""
    return any(str(name) in PLUGIN_NAMES for name in settings.get("PLUGINS") or ())


def _unique(*groups: Sequence[Any]) -> list[Any]:
    seen: set[int] = set()
    out = []
    for group in groups:
        for item in group:
            if id(item) not in seen:
                seen.add(id(item))
                out.append(item)
    return out


@dataclass
class _Outcome:
    """What making the feeds did, as the child reports it to this process."""

    base_url: str = ""
    count: int = 0  # feed files of this build, written or unchanged
    clashes: list[str] = field(default_factory=list)  # paths of skipped feeds
    written: list[tuple[tuple[str, ...], bytes | None]] = field(default_factory=list)
    visited: set[str] = field(default_factory=set)
    skipped: int = 0
    new_entries: list[Any] = field(default_factory=list)  # CacheRegistry.take_new


class _Child:
    """A forked child making the feeds; ``outcome`` waits for it (None: it failed)."""

    def __init__(self, pid: int, path: str) -> None:
        self.pid = pid
        self.path = path

    def outcome(self) -> _Outcome | None:
        try:
            _, status = os.waitpid(self.pid, 0)
            if os.waitstatus_to_exitcode(status) != 0:
                return None
            with open(self.path, "rb") as fh:
                # Our own child's, in a file only this user may read (mkstemp).
                got = pickle.load(fh)  # noqa: S301
            return got if isinstance(got, _Outcome) else None
        except (OSError, EOFError, pickle.UnpicklingError):
            return None
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self.path)


def _cores() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class FeedsGenerator:
    """Writes every feed; Pelican calls it like its own generators."""

    def __init__(
        self,
        context: dict[str, Any],
        settings: dict[str, Any],
        path: str,
        theme: str,
        output_path: str,
        **_: Any,
    ) -> None:
        self.context = context
        self.settings = settings
        self.output_path = Path(output_path)
        self.posts: list[ContentLike] = []
        self.pages: list[ContentLike] = []
        self._child: _Child | None = None

    def generate_context(self) -> None:
        """Nothing to read: the content comes from the other generators."""

    def collect(
        self, articles: ArticlesGenerator | None, pages: PagesGenerator | None
    ) -> None:
        """Take published posts and pages, translations included; link their feeds."""
        if articles is not None:
            self.posts = _unique(articles.articles, articles.translations)
        if pages is not None:
            self.pages = _unique(pages.pages, pages.translations)
        attach_comment_feed_urls(self.posts, self.settings, default_mode="open")
        attach_comment_feed_urls(self.pages, self.settings, default_mode="off")
        if articles is not None and self._early_worthwhile():
            self._start_with(articles)

    def _ledger(self) -> OutputLedger:
        return output_ledger(self.settings, "feeds", self.output_path)

    def _early_worthwhile(self) -> bool:
        """A core to spare, and one process not asked for."""
        return (
            hasattr(os, "fork")
            and self.settings.get("FASTBUILD_WORKERS") != 0
            and _cores() > 1
        )

    def _start_with(self, generator: Any) -> None:
        """Start the child when ``generator`` starts writing (links are final then)."""
        original = generator.generate_output
        started: list[bool] = []

        def generate_output(writer: Any) -> None:
            if not started:
                started.append(True)
                self._child = self._fork()
            original(writer)

        generator.generate_output = generate_output

    def _fork(self) -> _Child | None:
        """The child making the feeds, on a rebuild only (a first build's
        feeds are most of its work at the end: the pages' renderers have the
        cores then). The ledger is opened only now: a cache opened before the
        caches' first save would be saved with no entry in use, i.e. empty."""
        if len(self._ledger().cache) == 0:
            return None
        fd, path = tempfile.mkstemp(prefix="diskurs-feeds-")
        os.close(fd)
        parent = os.getpid()
        gc.freeze()  # the child's collector leaves the inherited objects alone
        try:
            pid = os.fork()
        except OSError:
            gc.unfreeze()
            os.unlink(path)
            return None
        if pid == 0:  # the child: no logging (a lock may be held), no cleanup
            code = 1
            try:
                outcome = self._make(self._ledger())
                if os.getpid() != parent:
                    outcome.new_entries = registry_for(self.settings).take_new()
                with open(path, "wb") as fh:
                    pickle.dump(outcome, fh, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        gc.unfreeze()
        return _Child(pid, path)

    def jobs(self, site: FeedSite) -> list[FeedJob]:
        """Every feed, site-wide ones first: they win a path clash with a category.

        Cheap: post items only for posts a feed lists, comment items only for
        the newest comments; a discussion's entries are made when it is written.
        """
        items = PostItems(site)
        discussions = list(
            discussion_feeds(site, [*self.posts, *self.pages], self.settings)
        )
        site_wide = [
            all_posts_feed(site, self.posts, self.settings, items),
            latest_comments_feed(site, discussions, self.settings),
        ]
        return [
            *(job for job in site_wide if job is not None),
            *discussions,
            *category_feeds(site, self.posts, self.settings, items),
        ]

    def _make(
        self, ledger: OutputLedger, refresh: Callable[[], None] | None = None
    ) -> _Outcome:
        """Write every feed that changed; unchanged feeds are not written again
        (a gone post's feeds are removed by fastbuild). ``refresh`` (the page
        writer's) is called every ``REFRESH_SECONDS`` while feeds are written."""
        site = FeedSite.from_settings(
            self.settings, self.output_path, (p.date for p in self.posts)
        )
        outcome = _Outcome(base_url=site.base_url)
        written: set[str] = set()
        due = time.monotonic() + REFRESH_SECONDS
        for job in self.jobs(site):
            if refresh is not None and time.monotonic() >= due:
                refresh()
                due = time.monotonic() + REFRESH_SECONDS
            clash = written.intersection(job.paths)
            if clash:
                outcome.clashes.append(", ".join(sorted(clash)))
                continue
            written.update(job.paths)
            stamp = job.stamp()
            if not ledger.unchanged(job.paths, stamp):
                write_job(site, job)
                ledger.record(job.paths, stamp)
                outcome.written.append((tuple(job.paths), stamp))
            outcome.count += len(job.paths)
        outcome.visited = ledger.visited
        outcome.skipped = ledger.skipped
        return outcome

    def generate_output(self, writer: Any) -> None:
        ledger = self._ledger()
        child, self._child = self._child, None
        outcome = child.outcome() if child is not None else None
        if outcome is None:
            if child is not None:
                logger.debug("Feeds: the child making them failed; made here")
            outcome = self._make(ledger, getattr(writer, "refresh", None))
        else:
            # What the child's ledger and caches learnt, kept here.
            ledger.visited.update(outcome.visited)
            ledger.cache.touch(outcome.visited)
            ledger.skipped += outcome.skipped
            for rels, stamp in outcome.written:
                ledger.record(rels, stamp)
            registry_for(self.settings).add_new(outcome.new_entries)
        for clash in outcome.clashes:
            logger.warning(
                "Skipping feed %s: its path is already used by another feed; "
                "change FEEDS_CATEGORY_*/COMMENTS_FEED_* or the slug",
                clash,
            )
        logger.info("Feeds: wrote %d files for %s", outcome.count, outcome.base_url)


def get_generators(pelican: Any) -> type[FeedsGenerator] | None:
    # A generator of our own: its generate_output runs after every context is final.
    return FeedsGenerator if _enabled(pelican.settings) else None


def all_generators_finalized(generators: Sequence[Any]) -> None:
    # Before any page is written: the theme links the comment feeds.
    feeds = next((g for g in generators if isinstance(g, FeedsGenerator)), None)
    if feeds is None or not _enabled(feeds.settings):
        return
    feeds.collect(
        next((g for g in generators if isinstance(g, ArticlesGenerator)), None),
        next((g for g in generators if isinstance(g, PagesGenerator)), None),
    )


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.all_generators_finalized.connect(all_generators_finalized)
