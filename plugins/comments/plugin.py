"""Pelican glue for comments: attach each post's thread, check every thread folder.

Threads are attached in ``*_generator_finalized``: after Pelican's content
cache was saved (so nothing stale is pickled) and before any feed or page is
written. Signals are process-global, so every receiver first checks that this
plugin is on for the build that sent it.
"""

from __future__ import annotations

from typing import Any

from pelican import signals  # type: ignore[import-untyped]  # no py.typed
from sitekit.contentlists import ARTICLE_LISTS, PAGE_LISTS, contents_of

from .build import STATE_KEY, build_state, decorate_all

NAME = "comments.plugin"


def _enabled(settings: dict[str, Any]) -> bool:
    plugins = settings.get("PLUGINS") or ()
    return any(str(p) in (NAME, "comments") for p in plugins)


def start_run(pelican: Any) -> None:
    """Each run starts with no threads loaded.

    ``pelican -r`` runs many builds with one settings dict: a ``CommentsBuild``
    left in it would serve the threads (and the clock) of the first run.
    ``get_generators`` opens every run, before any generator reads a file.
    """
    pelican.settings.pop(STATE_KEY, None)


def attach_to_articles(generator: Any) -> None:
    """Every article, translation, draft and hidden post gets its thread."""
    if not _enabled(generator.settings):
        return
    decorate_all(
        build_state(generator.settings),
        contents_of(generator, ARTICLE_LISTS),
        page=False,
    )


def attach_to_pages(generator: Any) -> None:
    """Pages carry threads too; their default is ``Comments: off``."""
    if not _enabled(generator.settings):
        return
    decorate_all(
        build_state(generator.settings),
        contents_of(generator, PAGE_LISTS),
        page=True,
    )


def report_orphans(generators: list[Any]) -> None:
    """Once every post and page is known: thread folders that belong to none."""
    settings = next((g.settings for g in generators if hasattr(g, "settings")), None)
    if settings is None or not _enabled(settings):
        return
    build_state(settings).report_orphans()


def register() -> None:
    """Connect the receivers (module level: blinker keeps weak references)."""
    signals.get_generators.connect(start_run)
    # Posts and pages are complete here, feeds and pages not yet written.
    signals.article_generator_finalized.connect(attach_to_articles)
    signals.page_generator_finalized.connect(attach_to_pages)
    # Only after both generators do we know every slug.
    signals.all_generators_finalized.connect(report_orphans)
