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
            title=_attr(xml_text(item.title) or item.link),
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
        "subtitle": _attr(spec.subtitle or spec.title),  # RSS needs a description
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
    head = (
        f"{_DECLARATION}\n"
        f'<feed xmlns="{ATOM_NS}" xmlns:thr="{THR_NS}" xml:lang="{h["language"]}">\n'
        f"  <id>{h['id']}</id>\n"
        f"  <title>{h['title']}</title>\n"
        f"  <updated>{updated.isoformat()}</updated>\n"
        f"{author}"
        f'  <link href="{h["atom_url"]}" rel="self" type="{ATOM_TYPE}"/>\n'
        f'  <link href="{h["link"]}" rel="alternate" type="text/html"'
        f' hreflang="{h["language"]}"/>\n'
        f"  <generator>{GENERATOR}</generator>\n"
        f"  <subtitle>{h['subtitle']}</subtitle>\n"
    )
    return head + "".join(map(_atom_entry, entries)) + "</feed>\n"


_RSS_NAMESPACES = " ".join(
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


def rss_document(spec: FeedSpec, entries: Sequence[_Escaped], updated: datetime) -> str:
    """The RSS 2.0 feed of ``entries`` (already chosen, ordered and escaped)."""
    h = _head(spec)
    head = (
        f"{_DECLARATION}\n"
        f'<rss {_RSS_NAMESPACES} version="2.0">\n'
        "  <channel>\n"
        f"    <title>{h['title']}</title>\n"
        f"    <link>{h['link']}</link>\n"
        f"    <description>{h['subtitle']}</description>\n"
        f'    <atom:link href="{h["rss_url"]}" rel="self" type="{RSS_TYPE}"/>\n'
        f"    <docs>{RSS_DOCS}</docs>\n"
        f"    <generator>{GENERATOR}</generator>\n"
        f"    <language>{h['language']}</language>\n"
        f"    <lastBuildDate>{rfc822(updated)}</lastBuildDate>\n"
    )
    return head + "".join(map(_rss_item, entries)) + "  </channel>\n</rss>\n"


def feed_bytes(
    spec: FeedSpec, items: Iterable[FeedItem], max_items: int | None = None
) -> tuple[bytes, bytes]:
    """(Atom, RSS) documents of one description, as UTF-8 bytes."""
    chosen = order_items(items, max_items)
    for item in chosen:
        _aware(item.published, "published")
        if item.updated is not None:
            _aware(item.updated, "updated")
    updated = _updated(spec, chosen)
    entries = [_Escaped.of(item) for item in chosen]
    return (
        atom_document(spec, entries, updated).encode("utf-8"),
        rss_document(spec, entries, updated).encode("utf-8"),
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
