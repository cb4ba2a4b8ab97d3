"""Every feed of the site goes through here: one description, an Atom and an RSS file.

The documents are written as text by this module, not built as element trees:
a site writes two feeds per discussion, thousands per build, and a tree per
entry cost more than everything else the feeds do. So every feed agrees on
what matters, and it is kept small enough to check by eye: timezone-aware
dates (never the build time, which would change feeds on every build), newest
entries first, stable ``tag:`` ids, text that is valid XML (controls and
non-characters removed, ``&``, ``<``, ``>`` and quotes escaped), and the
comment extensions WordPress writes: RFC 4685 threading (``thr:``),
``wfw:commentRss``, ``slash:comments`` and ``dc:creator``/``dc:language`` for
RSS. The layout is feedgen's, element for element, so readers see what they saw.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

ATOM_NS = "http://www.w3.org/2005/Atom"
THR_NS = "http://purl.org/syndication/thread/1.0"
WFW_NS = "http://wellformedweb.org/CommentAPI/"
SLASH_NS = "http://purl.org/rss/1.0/modules/slash/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
GENERATOR = "Diskurs (Pelican)"
RSS_DOCS = "http://www.rssboard.org/rss-specification"

# What no feed may carry, in one pass: characters XML 1.0 cannot hold at all
# (C0 controls but tab/newline/return, surrogates, U+FFFE/U+FFFF), and DEL and
# the C1 controls (valid XML, but feed validators reject them).
_NOT_XML = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """Text that any XML 1.0 document can carry: controls and non-characters removed."""
    return _NOT_XML.sub("", text)


def tag_uri(domain: str, date: datetime, specific: str) -> str:
    """A stable ``tag:`` URI (RFC 4151) from a domain, a year and a path-like name.

    The year comes from the item (never the build time), so the id of an entry
    is the same in every build; ``specific`` is percent-encoded where RFC 4151
    does not allow a character.
    """
    name = quote(specific, safe="/:;,._-~!$&'()*+=@?")
    return f"tag:{domain.lower()},{date.year:04d}:{name}"


def domain_of(url: str) -> str:
    """The host part of an absolute URL, for tag URIs."""
    host = urlsplit(url).hostname
    if not host:
        raise ValueError(f"feed base URL {url!r} has no host; give an absolute URL")
    return host


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a feed pair is about; both files share it, only the self URL differs."""

    id: str  # stable tag: URI of the feed
    title: str
    link: str  # absolute URL of the HTML page the feed follows
    atom_url: str  # absolute URL where the Atom file is served
    rss_url: str  # absolute URL where the RSS file is served
    language: str  # BCP 47, e.g. "de"
    subtitle: str = ""
    updated: datetime | None = None  # default: newest item, then 1970 (never "now")
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ReplyTo:
    """RFC 4685 ``thr:in-reply-to``: the entry id answered and its web page."""

    ref: str
    href: str


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry (Atom) or item (RSS). HTML fields must already be safe and absolute."""

    id: str  # stable tag: URI
    title: str
    link: str  # absolute permalink
    published: datetime  # timezone-aware
    updated: datetime | None = None  # default: published
    author: str | None = None
    author_uri: str | None = None  # Atom author <uri> (an http/https URL)
    content_html: str = ""
    summary_html: str = ""
    categories: tuple[str, ...] = ()
    language: str | None = None  # xml:lang of the entry, dc:language of the item
    in_reply_to: ReplyTo | None = None
    comments_url: str | None = None  # RSS <comments>: the page's comment section
    comment_feed_url: str | None = None  # wfw:commentRss (the RSS comment feed)
    replies_url: str | None = None  # Atom link rel="replies" (the Atom comment feed)
    comment_count: int | None = None  # slash:comments and thr:count


def _aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{what} {value!r} has no time zone; feeds need aware datetimes"
        )
    return value


def order_items(
    items: Iterable[FeedItem], max_items: int | None = None
) -> list[FeedItem]:
    """Newest first (by published date, then id: ties stay stable), cut to max_items."""
    ordered = sorted(items, key=lambda i: (i.published, i.id), reverse=True)
    return ordered if max_items is None else ordered[: max(0, max_items)]


def _updated(spec: FeedSpec, items: Sequence[FeedItem]) -> datetime:
    if spec.updated is not None:
        return _aware(spec.updated, "feed updated")
    dates = [i.updated or i.published for i in items]
    return max(dates) if dates else datetime(1970, 1, 1, tzinfo=UTC)


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
    """An attribute value in double quotes: also quotes and whitespace escaped
    (a parser would turn a raw tab or newline in an attribute into a space)."""
    return (
        _text(value).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")
    )


def _open(name: str, attrs: dict[str, str | None]) -> str:
    """A start tag without its ``>``; attributes whose value is None are left out.

    An underscore in a key stands for a prefix's colon (``xml_lang``: ``xml:lang``).
    """
    parts = [name]
    for key, value in attrs.items():
        if value is not None:
            parts.append(f'{key.replace("_", ":")}="{_attr(value)}"')
    return "<" + " ".join(parts)


def _tag(name: str, **attrs: str | None) -> str:
    """An empty element."""
    return _open(name, attrs) + "/>"


def _element(name: str, text: str, **attrs: str | None) -> str:
    """An element holding text."""
    return f"{_open(name, attrs)}>{_text(text)}</{name}>"


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


def rfc3339(value: datetime) -> str:
    """An Atom date."""
    return value.isoformat()


# -- the two documents --------------------------------------------------------------

_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>"


def _checked(items: Iterable[FeedItem], max_items: int | None) -> list[FeedItem]:
    chosen = order_items(items, max_items)
    for item in chosen:
        _aware(item.published, "published")
        if item.updated is not None:
            _aware(item.updated, "updated")
    return chosen


def _title(item: FeedItem) -> str:
    return xml_text(item.title) or item.link


def _summary(item: FeedItem) -> str:
    """The summary, unless it only repeats the content."""
    return item.summary_html if item.summary_html != item.content_html else ""


def _author(item: FeedItem) -> tuple[str, str]:
    """Name and web address; empty when nothing XML can carry is left of them."""
    return xml_text(item.author or ""), xml_text(item.author_uri or "")


def _terms(item: FeedItem) -> list[str]:
    return [term for term in item.categories if xml_text(term)]


def _atom_entry(item: FeedItem) -> list[str]:
    language = item.language or None
    lines = [
        "  " + _open("entry", {"xml_lang": language}) + ">",
        "    " + _element("id", item.id),
        "    " + _element("title", _title(item)),
        "    " + _element("updated", rfc3339(item.updated or item.published)),
    ]
    author, uri = _author(item)
    if author:
        lines += ["    <author>", "      " + _element("name", author)]
        if uri:
            lines.append("      " + _element("uri", uri))
        lines.append("    </author>")
    if item.content_html:
        lines.append("    " + _element("content", item.content_html, type="html"))
    lines.append(
        "    "
        + _tag(
            "link",
            href=item.link,
            rel="alternate",
            type="text/html",
            hreflang=language,
        )
    )
    if _summary(item):
        lines.append("    " + _element("summary", _summary(item), type="html"))
    lines += ["    " + _tag("category", term=term) for term in _terms(item)]
    lines.append("    " + _element("published", rfc3339(item.published)))
    if item.in_reply_to is not None:
        lines.append(
            "    "
            + _tag(
                "thr:in-reply-to",
                ref=item.in_reply_to.ref,
                href=item.in_reply_to.href,
                type="text/html",
            )
        )
    count = None if item.comment_count is None else str(item.comment_count)
    for href, kind in ((item.replies_url, ATOM_TYPE), (item.comments_url, "text/html")):
        if href is not None:
            lines.append(
                "    "
                + _tag("link", rel="replies", type=kind, href=href, thr_count=count)
            )
    if count is not None:
        lines.append("    " + _element("thr:total", count))
    lines.append("  </entry>")
    return lines


def atom_document(spec: FeedSpec, items: Sequence[FeedItem], updated: datetime) -> str:
    """The Atom feed of ``items`` (already chosen and ordered)."""
    lines = [
        _DECLARATION,
        _open(
            "feed", {"xmlns": ATOM_NS, "xmlns_thr": THR_NS, "xml_lang": spec.language}
        )
        + ">",
        "  " + _element("id", spec.id),
        "  " + _element("title", spec.title),
        "  " + _element("updated", rfc3339(updated)),
    ]
    if xml_text(spec.author or ""):
        lines += ["  <author>", "    " + _element("name", spec.author), "  </author>"]
    lines += [
        "  " + _tag("link", href=spec.atom_url, rel="self", type=ATOM_TYPE),
        "  "
        + _tag(
            "link",
            href=spec.link,
            rel="alternate",
            type="text/html",
            hreflang=spec.language,
        ),
        "  " + _element("generator", GENERATOR),
        "  " + _element("subtitle", spec.subtitle or spec.title),
    ]
    for item in items:
        lines += _atom_entry(item)
    lines.append("</feed>")
    return "\n".join(lines) + "\n"


def _rss_item(item: FeedItem) -> list[str]:
    lines = [
        "    <item>",
        "      " + _element("title", _title(item)),
        "      " + _element("link", item.link),
    ]
    summary = _summary(item)
    if summary and item.content_html:
        lines += [
            "      " + _element("description", summary),
            "      " + _element("content:encoded", item.content_html),
        ]
    elif summary or item.content_html:
        lines.append("      " + _element("description", summary or item.content_html))
    lines.append("      " + _element("guid", item.id, isPermaLink="false"))
    lines += ["      " + _element("category", term) for term in _terms(item)]
    if item.comments_url:
        lines.append("      " + _element("comments", item.comments_url))
    lines.append("      " + _element("pubDate", rfc822(item.published)))
    author, _ = _author(item)
    if author:
        lines.append("      " + _element("dc:creator", author))
    if item.language:
        lines.append("      " + _element("dc:language", item.language))
    if item.in_reply_to is not None:
        lines.append(
            "      "
            + _tag(
                "thr:in-reply-to",
                ref=item.in_reply_to.ref,
                href=item.in_reply_to.href,
                type="text/html",
            )
        )
    if item.comment_feed_url is not None:
        lines.append("      " + _element("wfw:commentRss", item.comment_feed_url))
    if item.comment_count is not None:
        lines.append("      " + _element("slash:comments", str(item.comment_count)))
    lines.append("    </item>")
    return lines


def rss_document(spec: FeedSpec, items: Sequence[FeedItem], updated: datetime) -> str:
    """The RSS 2.0 feed of ``items`` (already chosen and ordered)."""
    namespaces = " ".join(
        f'xmlns:{prefix}="{uri}"'
        for prefix, uri in (
            ("atom", ATOM_NS),
            ("content", CONTENT_NS),
            ("dc", DC_NS),
            ("slash", SLASH_NS),
            ("thr", THR_NS),
            ("wfw", WFW_NS),
        )
    )
    lines = [
        _DECLARATION,
        f'<rss {namespaces} version="2.0">',
        "  <channel>",
        "    " + _element("title", spec.title),
        "    " + _element("link", spec.link),
        "    " + _element("description", spec.subtitle or spec.title),
        "    " + _tag("atom:link", href=spec.rss_url, rel="self", type=RSS_TYPE),
        "    " + _element("docs", RSS_DOCS),
        "    " + _element("generator", GENERATOR),
        "    " + _element("language", spec.language),
        "    " + _element("lastBuildDate", rfc822(updated)),
    ]
    for item in items:
        lines += _rss_item(item)
    lines += ["  </channel>", "</rss>"]
    return "\n".join(lines) + "\n"


def feed_bytes(
    spec: FeedSpec, items: Iterable[FeedItem], max_items: int | None = None
) -> tuple[bytes, bytes]:
    """(Atom, RSS) documents of one description, as UTF-8 bytes."""
    chosen = _checked(items, max_items)
    updated = _updated(spec, chosen)
    return (
        atom_document(spec, chosen, updated).encode("utf-8"),
        rss_document(spec, chosen, updated).encode("utf-8"),
    )


def write_feed_pair(
    spec: FeedSpec,
    items: Iterable[FeedItem],
    atom_path: Path,
    rss_path: Path,
    max_items: int | None = None,
) -> None:
    """Write the Atom and the RSS file of one feed (folders are created)."""
    atom, rss = feed_bytes(spec, items, max_items)
    for path, data in ((atom_path, atom), (rss_path, rss)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
