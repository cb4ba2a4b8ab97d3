"""schema.org JSON-LD for reading-list items and list pages.

Search engines and citation tools read these; the types follow the item's kind.
Only checked values go in, and ``description`` is the note as plain text.
"""

from __future__ import annotations

import html
import re
from typing import Any

from sitekit.markup import render_markdown

from .model import Item, ReadingList

#: schema.org type per item kind; ``link`` has no narrower type than CreativeWork.
TYPES = {
    "book": "Book",
    "article": "Article",
    "video": "VideoObject",
    "podcast": "PodcastEpisode",
    "link": "CreativeWork",
}
CONTEXT = "https://schema.org"

_TAG = re.compile(r"<[^>]*>")


def html_text(markup: str) -> str:
    """Sanitized HTML as plain text: tags removed, entities decoded, spaces folded."""
    return " ".join(html.unescape(_TAG.sub(" ", markup)).split())


def note_text(note: str) -> str:
    """The note's Markdown as plain text."""
    return html_text(render_markdown(note))


def item_jsonld(item: Item, page_url: str | None = None) -> dict[str, Any]:
    """One item as a schema.org CreativeWork subtype (page_url: its list anchor)."""
    data: dict[str, Any] = {
        "@type": TYPES.get(item.kind, "CreativeWork"),
        "name": item.title,
    }
    if page_url:
        data["@id"] = page_url
    if item.authors:
        data["author"] = [{"@type": "Person", "name": name} for name in item.authors]
    if item.year is not None:
        data["datePublished"] = str(item.year)
    if item.isbn and item.kind == "book":
        data["isbn"] = item.isbn
    if item.url:
        data["url"] = item.url
    if item.note:
        data["description"] = note_text(item.note)
    return data


def list_jsonld(
    rlist: ReadingList,
    page_url: str,
    item_url: dict[str, str] | None = None,
    description: str = "",
) -> dict[str, Any]:
    """The list page as an ItemList of ListItems, in the list's order."""
    item_url = item_url or {}
    data: dict[str, Any] = {
        "@context": CONTEXT,
        "@type": "ItemList",
        "name": rlist.title,
        "url": page_url,
        "numberOfItems": len(rlist.items),
        "itemListOrder": "https://schema.org/ItemListUnordered",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": position,
                "item": item_jsonld(item, item_url.get(item.key)),
            }
            for position, item in enumerate(rlist.items, start=1)
        ],
    }
    if description:
        data["description"] = description
    return data


def index_jsonld(
    lists: list[ReadingList], page_url: str, list_urls: dict[str, str], name: str
) -> dict[str, Any]:
    """The index page: an ItemList of the lists themselves."""
    return {
        "@context": CONTEXT,
        "@type": "ItemList",
        "name": name,
        "url": page_url,
        "numberOfItems": len(lists),
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": n,
                "url": list_urls[r.slug],
                "name": r.title,
            }
            for n, r in enumerate(lists, start=1)
        ],
    }
