"""A feed of newly added reading-list items (Atom and RSS), so readers can follow them.

Each item's date is the day it joined its list (``added``, else the file's
date), at midnight in the site's time zone; ids are ``tag:`` URIs of the item
key, so an item keeps its entry when its list or its text changes.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sitekit.cache import OutputLedger, output_ledger
from sitekit.feedwriter import FeedItem, FeedSpec, domain_of, feed_bytes, tag_uri

from .views import ItemView, ListView

#: Where feeds point when SITEURL is empty (local preview), as the feeds plugin does.
DEFAULT_LOCAL_URL = "http://127.0.0.1:8000"
_EPOCH = date(1970, 1, 1)


def base_url(settings: Mapping[str, Any]) -> str:
    """The absolute base of every feed URL (no trailing slash)."""
    return str(
        settings.get("FEED_DOMAIN")
        or settings.get("SITEURL")
        or settings.get("FEEDS_LOCAL_URL")
        or DEFAULT_LOCAL_URL
    ).rstrip("/")


def _when(day: date | None, zone: ZoneInfo) -> datetime:
    return datetime.combine(day or _EPOCH, time(0, 0), tzinfo=zone)


def _content(item: ItemView, absolute_url: str) -> str:
    """The entry text: who and when, the note, and where to find the work."""
    byline = ", ".join(item.authors)
    if item.year is not None:
        byline = f"{byline} ({item.year})" if byline else str(item.year)
    parts = []
    if byline:
        parts.append(f"<p>{html.escape(byline)}</p>")
    if item.note_html:
        parts.append(item.note_html)
    target = item.link or absolute_url
    parts.append(f'<p><a href="{html.escape(target)}">{html.escape(target)}</a></p>')
    return "\n".join(parts)


def feed_items(
    views: Sequence[ListView], base: str, domain: str, zone: ZoneInfo
) -> list[FeedItem]:
    """One entry per item of every list."""
    items = []
    for view in views:
        for item in view.items:
            link = f"{base}/{item.url}"
            published = _when(item.added, zone)
            items.append(
                FeedItem(
                    id=tag_uri(domain, published, f"reading/{item.key}"),
                    title=item.title,
                    link=link,
                    published=published,
                    author=", ".join(item.authors) or None,
                    content_html=_content(item, link),
                    categories=(view.title, item.kind),
                    language=view.lang,
                )
            )
    return items


def write_reading_feed(
    settings: Mapping[str, Any],
    views: Sequence[ListView],
    output_path: Path,
    index_url: str,
) -> list[Path]:
    """Write the Atom and RSS files named by READING_FEED_ATOM / _RSS (None: off)."""
    atom = settings.get("READING_FEED_ATOM")
    rss = settings.get("READING_FEED_RSS")
    if not (atom or rss):
        return []
    base = base_url(settings)
    domain = str(settings.get("FEEDS_ID_DOMAIN") or domain_of(base))
    zone = ZoneInfo(str(settings.get("TIMEZONE") or "UTC"))
    items = feed_items(views, base, domain, zone)
    first = str(atom or rss)
    site_name = str(settings.get("SITENAME", ""))
    title = str(settings.get("READING_FEED_TITLE") or "Reading recommendations")
    spec = FeedSpec(
        id=tag_uri(
            domain,
            min((i.published for i in items), default=_when(None, zone)),
            "feed/" + first.lstrip("/"),
        ),
        title=f"{site_name}: {title}" if site_name else title,
        link=f"{base}/{index_url.lstrip('/')}",
        atom_url=f"{base}/{str(atom or first).lstrip('/')}",
        rss_url=f"{base}/{str(rss or first).lstrip('/')}",
        language=str(settings.get("DEFAULT_LANG", "en")),
        subtitle=title,
        author=settings.get("AUTHOR") or None,
    )
    limit = settings.get("READING_FEED_MAX_ITEMS", settings.get("FEEDS_MAX_ITEMS"))
    # Written only when what it is made from changed (or the files on disk are
    # not the ones written): making it costs feedgen, every build.
    rels = [str(rel).lstrip("/") for rel in (atom, rss) if rel]
    owner = settings if isinstance(settings, dict) else dict(settings)
    ledger: OutputLedger = output_ledger(owner, "reading", output_path)
    stamp = ledger.stamp((spec, items, limit, bool(atom), bool(rss)))
    if ledger.unchanged(rels, stamp):
        return []
    atom_bytes, rss_bytes = feed_bytes(spec, items, limit)
    written = []
    for rel, data in ((atom, atom_bytes), (rss, rss_bytes)):
        if rel:
            path = Path(output_path) / str(rel).lstrip("/")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            written.append(path)
    ledger.record(rels, stamp)
    return written
