"""Pelican glue for reading lists: a generator that loads, links posts, writes pages.

Our generator comes after the articles and pages generators (Pelican puts
plugin generators before the static one), so in its ``generate_context`` every
post is known, and it runs before any feed or page is written: the place to
resolve ``Reading:`` keys, set ``article.reading_items`` and build backlinks.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

from pelican import signals
from pelican.generators import Generator
from sitekit.problems import Problem, problem_log

from .feeds import write_reading_feed
from .load import load_lists
from .views import ItemView, ListView, PostRef, UrlScheme, index_view_jsonld, list_views

logger = logging.getLogger(__name__)

PLUGIN_NAME = "reading.plugin"
_HEADER = re.compile(r"^\s*reading\s*:", re.IGNORECASE)
#: Context groups that hold content (each item also carries its translations).
_PUBLISHED = ("articles", "hidden_articles", "pages", "hidden_pages")
_UNPUBLISHED = ("drafts", "draft_pages")


class ContentLike(Protocol):
    """What we use of Pelican's Article and Page."""

    source_path: str
    title: str
    url: str
    lang: str
    metadata: dict[str, Any]
    translations: list[Any]
    reading_items: list[ItemView]  # set by this plugin
    reading_jsonld: list[dict[str, Any]]  # set by this plugin


def _enabled(settings: dict[str, Any]) -> bool:
    # Signals are process-global: only act for builds that list this plugin.
    return PLUGIN_NAME in [str(p) for p in settings.get("PLUGINS") or []]


def reading_keys(content: ContentLike) -> list[str]:
    """The keys of a ``Reading:`` header, in order, without repeats."""
    raw = content.metadata.get("reading")
    if raw is None:
        return []
    if isinstance(raw, (list, tuple)):
        raw = ",".join(str(part) for part in raw)
    return list(dict.fromkeys(k.strip() for k in str(raw).split(",") if k.strip()))


def header_line(source_path: str) -> int | None:
    """The line of the ``Reading:`` header in a post's file."""
    try:
        lines = Path(source_path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            return None  # the metadata header ends at the first blank line
        if _HEADER.match(line):
            return number
    return None


def _contents(context: dict[str, Any], groups: Iterable[str]) -> Iterator[ContentLike]:
    seen: set[int] = set()
    for group in groups:
        for content in context.get(group) or ():
            for each in (content, *(getattr(content, "translations", None) or ())):
                if id(each) not in seen:
                    seen.add(id(each))
                    yield each


class ReadingGenerator(Generator):
    """Loads ``content/reading/*.yaml``; writes ``reading/<slug>/`` and ``reading/``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.views: list[ListView] = []
        self.scheme = UrlScheme(
            list_url=self.settings.get("READING_URL", "reading/{slug}/"),
            list_save_as=self.settings.get(
                "READING_SAVE_AS", "reading/{slug}/index.html"
            ),
            index_url=self.settings.get("READING_INDEX_URL", "reading/"),
            index_save_as=self.settings.get(
                "READING_INDEX_SAVE_AS", "reading/index.html"
            ),
            siteurl=str(self.settings.get("SITEURL") or ""),
        )

    def generate_context(self) -> None:
        if not _enabled(self.settings):
            return
        log = problem_log(self.settings)
        folder = Path(self.path) / str(self.settings.get("READING_PATH", "reading"))
        loaded = load_lists(folder)
        log.extend(loaded.problems)
        items = loaded.items()

        published = {id(c) for c in _contents(self.context, _PUBLISHED)}
        wanted: dict[int, list[str]] = {}
        backlinks: dict[str, list[PostRef]] = {}
        everything = list(_contents(self.context, _PUBLISHED + _UNPUBLISHED))
        for content in everything:
            keys = []
            ref: PostRef | None = None  # one per post: Pelican expands its URL per read
            for key in reading_keys(content):
                if key not in items:
                    log.add(self._unknown(content, key, loaded.broken_keys))
                    continue
                keys.append(key)
                if id(content) in published:
                    if ref is None:
                        ref = PostRef(
                            title=str(content.title),
                            url=str(content.url),
                            lang=str(getattr(content, "lang", "") or ""),
                        )
                    backlinks.setdefault(key, []).append(ref)
            wanted[id(content)] = keys

        default_lang = str(self.settings.get("DEFAULT_LANG", "en"))
        self.views = list_views(loaded.lists, self.scheme, default_lang, backlinks)
        by_key: dict[str, ItemView] = {i.key: i for v in self.views for i in v.items}
        for content in everything:
            chosen = [by_key[k] for k in wanted.get(id(content), [])]
            content.reading_items = chosen
            content.reading_jsonld = [item.jsonld for item in chosen]
        self.context["reading_lists"] = self.views
        self.context["reading_index_url"] = self.scheme.index_url

    def _unknown(self, content: ContentLike, key: str, broken: set[str]) -> Problem:
        if key in broken:
            message = f"the reading-list item '{key}' has errors and is left out"
            hint = "see the problems reported for content/reading"
        else:
            message = f"unknown reading-list key '{key}'"
            hint = "define it in content/reading/<list>.yaml, or check the spelling"
        return Problem(
            str(content.source_path),
            header_line(str(content.source_path)),
            "Reading",
            message,
            hint,
        )

    def generate_output(self, writer: Any) -> None:
        if not _enabled(self.settings):
            return
        relative = bool(self.settings.get("RELATIVE_URLS"))
        template = self.get_template("reading_list")
        for view in self.views:
            writer.write_file(
                view.save_as,
                template,
                self.context,
                relative_urls=relative,
                url=view.url,
                reading_list=view,
                ui_lang=view.lang,
                page_name="reading_list",
            )
        default_lang = str(self.settings.get("DEFAULT_LANG", "en"))
        writer.write_file(
            self.scheme.index_save_as,
            self.get_template("reading_index"),
            self.context,
            relative_urls=relative,
            url=self.scheme.index_url,
            ui_lang=default_lang,
            page_name="reading_index",
            reading_index_jsonld=index_view_jsonld(
                self.views, self.scheme, str(self.settings.get("READING_TITLE") or "")
            ),
        )
        write_reading_feed(
            self.settings, self.views, Path(self.output_path), self.scheme.index_url
        )


def get_generators(pelican: Any) -> type[Generator] | None:
    """Our generator, for builds that enable this plugin."""
    return ReadingGenerator if _enabled(pelican.settings) else None


def register() -> None:
    """Connect the receivers (module level: blinker holds them weakly)."""
    # get_generators: a generator of our own gets a Jinja env with the theme's
    # loader and filters, and runs after the article and page generators.
    signals.get_generators.connect(get_generators)
