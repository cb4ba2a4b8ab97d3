"""What the templates get: items with their rendered note, anchor URL and backlinks.

Templates hold no logic (STYLE.md), so everything a list page or a reading box
shows is prepared here: URLs, sanitized HTML of notes and descriptions, the
posts that recommend each item. No Pelican: the plugin hands in plain values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from sitekit.markup import render_markdown

from .jsonld import html_text, index_jsonld, item_jsonld, list_jsonld
from .model import Item, ReadingList


@dataclass(frozen=True, slots=True)
class PostRef:
    """A post that recommends an item: a backlink on the list page."""

    title: str
    url: str  # site-relative
    lang: str


@dataclass(frozen=True, slots=True)
class ItemView:
    """One item as shown in a reading box or on its list page."""

    key: str
    kind: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    isbn: str | None
    link: str | None  # the item's own URL (elsewhere)
    link_host: str  # what the link shows: "example.org"
    note_html: str  # sanitized
    added: date | None
    list_slug: str
    list_title: str
    url: str  # site-relative: its anchor on the list page
    recommended_in: tuple[PostRef, ...]
    jsonld: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ListView:
    """One reading-list page."""

    slug: str
    title: str
    lang: str
    url: str
    save_as: str
    description_html: str
    items: tuple[ItemView, ...]
    jsonld: dict[str, Any]


@dataclass(frozen=True, slots=True)
class UrlScheme:
    """Where list pages live (``READING_URL``, ``READING_SAVE_AS``), and the base."""

    list_url: str = "reading/{slug}/"
    list_save_as: str = "reading/{slug}/index.html"
    index_url: str = "reading/"
    index_save_as: str = "reading/index.html"
    siteurl: str = ""  # absolute base for JSON-LD ids; empty locally

    def absolute(self, rel: str) -> str | None:
        return f"{self.siteurl.rstrip('/')}/{rel.lstrip('/')}" if self.siteurl else None


def item_view(
    item: Item,
    rlist: ReadingList,
    scheme: UrlScheme,
    recommended_in: Sequence[PostRef] = (),
) -> ItemView:
    list_url = scheme.list_url.format(slug=rlist.slug)
    url = f"{list_url}#{item.key}"
    return ItemView(
        key=item.key,
        kind=item.kind,
        title=item.title,
        authors=item.authors,
        year=item.year,
        isbn=item.isbn,
        link=item.url,
        link_host=_host(item.url),
        note_html=render_markdown(item.note) if item.note else "",
        added=item.added,
        list_slug=rlist.slug,
        list_title=rlist.title,
        url=url,
        recommended_in=tuple(recommended_in),
        jsonld=item_jsonld(item, scheme.absolute(url)),
    )


def list_views(
    lists: Sequence[ReadingList],
    scheme: UrlScheme,
    default_lang: str,
    backlinks: Mapping[str, Sequence[PostRef]],
) -> list[ListView]:
    """Every list with its items' views, in file order."""
    views = []
    for rlist in lists:
        items = tuple(
            item_view(i, rlist, scheme, backlinks.get(i.key, ())) for i in rlist.items
        )
        url = scheme.list_url.format(slug=rlist.slug)
        description_html = (
            render_markdown(rlist.description) if rlist.description else ""
        )
        ids = {i.key: scheme.absolute(i.url) for i in items}
        views.append(
            ListView(
                slug=rlist.slug,
                title=rlist.title,
                lang=rlist.lang or default_lang,
                url=url,
                save_as=scheme.list_save_as.format(slug=rlist.slug),
                description_html=description_html,
                items=items,
                jsonld=_without_none(
                    list_jsonld(
                        rlist,
                        scheme.absolute(url) or "",
                        {k: v for k, v in ids.items() if v},
                        description=html_text(description_html),
                    )
                ),
            )
        )
    return views


def index_view_jsonld(
    views: Sequence[ListView], scheme: UrlScheme, name: str
) -> dict[str, Any]:
    urls = {v.slug: scheme.absolute(v.url) or v.url for v in views}
    lists = [ReadingList(slug=v.slug, title=v.title, path="") for v in views]
    return _without_none(
        index_jsonld(lists, scheme.absolute(scheme.index_url) or "", urls, name)
    )


def _host(url: str | None) -> str:
    if not url:
        return ""
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    """Drop empty ``url``s (a local build has no absolute base)."""
    return {k: v for k, v in data.items() if v not in ("", None)}
