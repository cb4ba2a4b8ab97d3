"""The lean feed writer: Atom and RSS as text, for the thousand discussion feeds.

A build writes an Atom and an RSS file for every discussion (per post), a
thousand pairs on a large site, and feedgen's element tree per entry makes a
pair three to five times as slow as writing text. This module writes the
same two documents as ``sitekit.feedwriter`` (feedgen, the writer of record,
which writes the few site-wide feeds) with string joins: element for element
in feedgen's order and pretty-printed layout, every value made XML-safe and
escaped exactly once. It takes the same ``FeedSpec`` and ``FeedItem``s and
must give the same feed: tests/unit/sitekit/test_feedwriter_differential.py
writes ordinary, empty, threaded and hostile feeds with both writers and
compares what feedparser and an XML parser read from each.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from .feedwriter import (
    ATOM_NS,
    ATOM_TYPE,
    CONTENT_NS,
    DC_NS,
    GENERATOR,
    RSS_TYPE,
    SLASH_NS,
    THR_NS,
    WFW_NS,
    FeedItem,
    FeedSpec,
    prepare,
    xml_text,
)

RSS_DOCS = "http://www.rssboard.org/rss-specification"  # what feedgen writes

# -- text and dates as XML carries them ------------------------------------------


def _text(value: str) -> str:
    """Element text: XML-safe, markup characters escaped (a CR as a reference,
    so that parsers do not fold it into the line end)."""
    return (
        xml_text(value)
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


def _attr(value: str) -> str:
    """Text fit for an attribute in double quotes, and so for element text too:
    quotes escaped, and tabs and newlines, which a parser turns into spaces."""
    return (
        _text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    )


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def rfc822(value: datetime) -> str:
    """An RSS date (RFC 822 with a four-digit year), in English whatever the locale."""
    return (
        f"{_DAYS[value.weekday()]}, {value.day:02d} {_MONTHS[value.month - 1]} "
        f"{value.year:04d} {value:%H:%M:%S %z}"
    )


# -- the two documents --------------------------------------------------------------
#
# Written line by line as feedgen laid them out (with lxml's pretty printing).
# Every value goes through _attr or _text exactly once, in _Escaped or in the
# feed's head; nothing else reaches the text unescaped but our own constants.

_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>"


def _namespaces(*pairs: tuple[str, str]) -> str:
    return " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in pairs)


# The declarations feedgen writes, in its order: our extension's, then its own.
_EXTENSION_NAMESPACES = _namespaces(
    ("thr", THR_NS), ("wfw", WFW_NS), ("slash", SLASH_NS), ("dc", DC_NS)
)
_RSS_NAMESPACES = _namespaces(("atom", ATOM_NS), ("content", CONTENT_NS))


@dataclass(frozen=True, slots=True)
class _Escaped:
    """One item's values, escaped once for both documents ("" = left out)."""

    item: FeedItem
    id: str
    title: str
    link: str
    language: str
    author: str
    author_uri: str
    content: str  # element text only
    summary: str  # element text only; "" when it repeats the content
    terms: tuple[str, ...]
    reply: str  # the attributes of thr:in-reply-to
    replies: str  # Atom comment feed
    comments: str  # the page's comment section
    comment_feed: str  # RSS comment feed
    count: str

    @classmethod
    def of(cls, item: FeedItem) -> _Escaped:
        reply = item.in_reply_to
        summary = item.summary_html if item.summary_html != item.content_html else ""
        return cls(
            item=item,
            id=_attr(item.id),
            title=_attr(xml_text(item.title) or item.link),  # as feedgen's
            link=_attr(item.link),
            language=_attr(item.language or ""),
            author=_attr(item.author or ""),
            author_uri=_attr(item.author_uri or ""),
            content=_text(item.content_html),
            summary=_text(summary),
            terms=tuple(t for t in map(_attr, item.categories) if t),
            reply=(
                f'ref="{_attr(reply.ref)}" href="{_attr(reply.href)}" type="text/html"'
                if reply is not None
                else ""
            ),
            replies=_attr(item.replies_url or ""),
            comments=_attr(item.comments_url or ""),
            comment_feed=_attr(item.comment_feed_url or ""),
            count="" if item.comment_count is None else str(item.comment_count),
        )


def _atom_entry(e: _Escaped) -> str:
    item = e.item
    lang = f' xml:lang="{e.language}"' if e.language else ""
    hreflang = f' hreflang="{e.language}"' if e.language else ""
    out = [
        f"  <entry{lang}>\n"
        f"    <id>{e.id}</id>\n"
        f"    <title>{e.title}</title>\n"
        f"    <updated>{(item.updated or item.published).isoformat()}</updated>\n"
    ]
    if e.author:
        uri = f"      <uri>{e.author_uri}</uri>\n" if e.author_uri else ""
        out.append(f"    <author>\n      <name>{e.author}</name>\n{uri}    </author>\n")
    if e.content:
        out.append(f'    <content type="html">{e.content}</content>\n')
    out.append(
        f'    <link href="{e.link}" rel="alternate" type="text/html"{hreflang}/>\n'
    )
    if e.summary:
        out.append(f'    <summary type="html">{e.summary}</summary>\n')
    out += [f'    <category term="{term}"/>\n' for term in e.terms]
    out.append(f"    <published>{item.published.isoformat()}</published>\n")
    if e.reply:
        out.append(f"    <thr:in-reply-to {e.reply}/>\n")
    count = f' thr:count="{e.count}"' if e.count else ""
    for href, kind in ((e.replies, ATOM_TYPE), (e.comments, "text/html")):
        if href:
            out.append(
                f'    <link rel="replies" type="{kind}" href="{href}"{count}/>\n'
            )
    if e.count:
        out.append(f"    <thr:total>{e.count}</thr:total>\n")
    out.append("  </entry>\n")
    return "".join(out)


def _rss_item(e: _Escaped) -> str:
    out = [f"    <item>\n      <title>{e.title}</title>\n      <link>{e.link}</link>\n"]
    if e.summary and e.content:
        out.append(
            f"      <description>{e.summary}</description>\n"
            f"      <content:encoded>{e.content}</content:encoded>\n"
        )
    elif e.summary or e.content:
        out.append(f"      <description>{e.summary or e.content}</description>\n")
    out.append(f'      <guid isPermaLink="false">{e.id}</guid>\n')
    out += [f"      <category>{term}</category>\n" for term in e.terms]
    if e.comments:
        out.append(f"      <comments>{e.comments}</comments>\n")
    out.append(f"      <pubDate>{rfc822(e.item.published)}</pubDate>\n")
    if e.author:
        out.append(f"      <dc:creator>{e.author}</dc:creator>\n")
    if e.language:
        out.append(f"      <dc:language>{e.language}</dc:language>\n")
    if e.reply:
        out.append(f"      <thr:in-reply-to {e.reply}/>\n")
    if e.comment_feed:
        out.append(f"      <wfw:commentRss>{e.comment_feed}</wfw:commentRss>\n")
    if e.count:
        out.append(f"      <slash:comments>{e.count}</slash:comments>\n")
    out.append("    </item>\n")
    return "".join(out)


def _head(spec: FeedSpec) -> dict[str, str]:
    """The feed's own values, escaped."""
    return {
        "id": _attr(spec.id),
        "title": _attr(spec.title),
        # RSS needs a description.
        "subtitle": _attr(xml_text(spec.subtitle) or spec.title),
        "link": _attr(spec.link),
        "atom_url": _attr(spec.atom_url),
        "rss_url": _attr(spec.rss_url),
        "language": _attr(spec.language),
        "author": _attr(spec.author or ""),
    }


def atom_document(
    spec: FeedSpec, entries: Sequence[_Escaped], updated: datetime
) -> str:
    """The Atom feed of ``entries`` (already chosen, ordered and escaped)."""
    h = _head(spec)
    author = (
        f"  <author>\n    <name>{h['author']}</name>\n  </author>\n"
        if h["author"]
        else ""
    )
    lang = f' xml:lang="{h["language"]}"' if h["language"] else ""
    hreflang = f' hreflang="{h["language"]}"' if h["language"] else ""
    head = (
        f"{_DECLARATION}\n"
        f'<feed {_EXTENSION_NAMESPACES} xmlns="{ATOM_NS}"{lang}>\n'
        f"  <id>{h['id']}</id>\n"
        f"  <title>{h['title']}</title>\n"
        f"  <updated>{updated.isoformat()}</updated>\n"
        f"{author}"
        f'  <link href="{h["atom_url"]}" rel="self" type="{ATOM_TYPE}"/>\n'
        f'  <link href="{h["link"]}" rel="alternate" type="text/html"{hreflang}/>\n'
        f"  <generator>{GENERATOR}</generator>\n"
        f"  <subtitle>{h['subtitle']}</subtitle>\n"
    )
    return head + "".join(map(_atom_entry, entries)) + "</feed>\n"


def rss_document(spec: FeedSpec, entries: Sequence[_Escaped], updated: datetime) -> str:
    """The RSS 2.0 feed of ``entries`` (already chosen, ordered and escaped)."""
    h = _head(spec)
    head = (
        f"{_DECLARATION}\n"
        f'<rss {_EXTENSION_NAMESPACES} {_RSS_NAMESPACES} version="2.0">\n'
        "  <channel>\n"
        f"    <title>{h['title']}</title>\n"
        f"    <link>{h['link']}</link>\n"
        f"    <description>{h['subtitle']}</description>\n"
        f'    <atom:link href="{h["rss_url"]}" rel="self" type="{RSS_TYPE}"/>\n'
        f"    <docs>{RSS_DOCS}</docs>\n"
        f"    <generator>{GENERATOR}</generator>\n"
        + (f"    <language>{h['language']}</language>\n" if h["language"] else "")
        + f"    <lastBuildDate>{rfc822(updated)}</lastBuildDate>\n"
    )
    return head + "".join(map(_rss_item, entries)) + "  </channel>\n</rss>\n"


def feed_bytes(
    spec: FeedSpec, items: Iterable[FeedItem], max_items: int | None = None
) -> tuple[bytes, bytes]:
    """(Atom, RSS) documents of one description, as UTF-8 bytes (as feedgen's)."""
    chosen, updated = prepare(spec, items, max_items)
    entries = [_Escaped.of(item) for item in chosen]
    return (
        atom_document(spec, entries, updated).encode("utf-8"),
        rss_document(spec, entries, updated).encode("utf-8"),
    )
