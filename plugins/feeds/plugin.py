"""Pelican glue for feeds: every feed of the site, written after all content is known.

Pelican writes its own feeds (feedgenerator) before any page and before plugins
can add comments to them, so they are switched off (``FEED_* = None``) and this
plugin writes all feeds: with feedgen (sitekit.feedwriter), and the many
per-post comment feeds with sitekit.leanfeed (see feeds.comments). A generator
of ours, returned from ``get_generators``, writes them in ``generate_output``:
by then every generator's context is final, comment threads included.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.generators import ArticlesGenerator, PagesGenerator
from sitekit.cache import output_ledger

from .comments import attach_comment_feed_urls, discussion_feeds, latest_comments_feed
from .posts import PostItems, all_posts_feed, category_feeds
from .site import ContentLike, FeedJob, FeedSite, write_job

logger = logging.getLogger(__name__)

PLUGIN_NAMES = ("feeds.plugin", "feeds")


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

    def generate_output(self, writer: Any) -> None:
        site = FeedSite.from_settings(
            self.settings, self.output_path, (p.date for p in self.posts)
        )
        written: set[str] = set()
        count = 0
        # Unchanged feeds are not written again; a gone post's feeds are
        # removed (fastbuild).
        ledger = output_ledger(self.settings, "feeds", self.output_path)
        for job in self.jobs(site):
            clash = written.intersection(job.paths)
            if clash:
                logger.warning(
                    "Skipping feed %s: its path is already used by another feed; "
                    "change FEEDS_CATEGORY_*/COMMENTS_FEED_* or the slug",
                    ", ".join(sorted(clash)),
                )
                continue
            written.update(job.paths)
            stamp = job.stamp()
            if not ledger.unchanged(job.paths, stamp):
                write_job(site, job)
                ledger.record(job.paths, stamp)
            count += len(job.paths)
        logger.info("Feeds: wrote %d files for %s", count, site.base_url)


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
