"""The lean feed writer: Atom and RSS as text, for every feed of the feeds plugin.

A build writes an Atom and an RSS file for every discussion (per post), a
thousand pairs on a large site, and feedgen's element tree per entry makes a
pair three to five times as slow as writing text. This module writes the
same two documents as ``sitekit.feedwriter`` (feedgen, the writer of record)
with string joins: element for element
in feedgen's order and pretty-printed layout, every value made XML-safe and
escaped exactly once. It takes the same ``FeedSpec`` and ``FeedItem``s and
must give the same feed: tests/unit/sitekit/test_feedwriter_differential.py
writes ordinary, empty, threaded and hostile feeds with both writers and
compares what feedparser and an XML parser read from each.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
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


def escape_text(value: str) -> str:
    """Element text of text XML can carry already (``xml_text`` leaves it as
    it is): markup characters escaped (a CR as a reference, so that parsers
    do not fold it into the line end)."""
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#13;")
    )


def element_text(value: str) -> str:
    """Element text: XML-safe, markup characters escaped."""
    return escape_text(xml_text(value))


#: Text an attribute carries as it is: XML characters (as ``xml_text`` keeps
#: them) but the markup characters, quotes, tab, newline and return. Names,
#: ids and URLs nearly always are such text: one match instead of eight passes.
_ATTRIBUTE_AS_IS = re.compile(
    "[\x20\x21\x23-\x25\x27-\x3b\x3d\x3f-\x7e"
    "\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*"
)


def attr_text(value: str) -> str:
    """Text fit for an attribute in double quotes, and so for element text too:
    quotes escaped, and tabs and newlines, which a parser turns into spaces."""
    if _ATTRIBUTE_AS_IS.fullmatch(value):
        return value
    return (
        element_text(value)
        .replace('"', "&quot;")
        .replace("\t", "&#9;")
        .replace("\n", "&#10;")
    )


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = (
    "Jan", "Feb", "Mar", "Apr", "May", "Jun",
    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
)  # fmt: skip


def rfc822(value: datetime, iso: str = "") -> str:
    """An RSS date (RFC 822 with a four-digit year), in English whatever the locale.

    The zone is written from the offset in whole minutes (``strftime``, a
    third of the cost of an entry's dates, only for an offset with seconds).
    ``iso``, when the caller has it, is ``value.isoformat()``: in its usual
    form (no fraction of a second, an offset in whole minutes) the date is
    cut from it, its numbers already written.
    """
    if len(iso) == 25:  # YYYY-MM-DDTHH:MM:SS+HH:MM
        return (
            f"{_DAYS[value.weekday()]}, {iso[8:10]} {_MONTHS[int(iso[5:7]) - 1]} "
            f"{iso[:4]} {iso[11:19]} {iso[19:22]}{iso[23:]}"
        )
    offset = value.utcoffset()
    day = f"{_DAYS[value.weekday()]}, {value.day:02d} {_MONTHS[value.month - 1]}"
    if offset is None or offset.microseconds or offset.seconds % 60:
        return f"{day} {value.year:04d} {value:%H:%M:%S %z}"
    minutes = offset.days * 1440 + offset.seconds // 60
    hours, minutes = divmod(abs(minutes), 60)
    sign = "-" if offset.days < 0 else "+"
    return (
        f"{day} {value.year:04d} {value.hour:02d}:{value.minute:02d}:"
        f"{value.second:02d} {sign}{hours:02d}{minutes:02d}"
    )


# -- the two documents --------------------------------------------------------------
#
# Written line by line as feedgen laid them out (with lxml's pretty printing).
# Every value goes through attr_text or element_text exactly once, before entry_texts or
# in the feed's head; nothing else reaches the text unescaped but our own constants.

_DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>"


def _namespaces(*pairs: tuple[str, str]) -> str:
    return " ".join(f'xmlns:{prefix}="{uri}"' for prefix, uri in pairs)


# The declarations feedgen writes, in its order: our extension's, then its own.
_EXTENSION_NAMESPACES = _namespaces(
    ("thr", THR_NS), ("wfw", WFW_NS), ("slash", SLASH_NS), ("dc", DC_NS)
)
_RSS_NAMESPACES = _namespaces(("atom", ATOM_NS), ("content", CONTENT_NS))


def entry_texts(
    *,
    id: str,
    title: str,
    link: str,
    updated: str,
    published: str,
    pub_date: str,
    language: str = "",
    author: str = "",
    author_uri: str = "",
    content: str = "",
    summary: str = "",
    terms: Sequence[str] = (),
    reply: str = "",
    replies: str = "",
    comments: str = "",
    comment_feed: str = "",
    count: str = "",
) -> tuple[str, str]:
    """The Atom entry and the RSS item of one entry, from values already
    escaped ("" = left out): ``content`` and ``summary`` with ``element_text``,
    every other value with ``attr_text``, ``reply`` the attributes of thr:in-reply-to,
    dates as their texts (``updated``/``published`` ISO, ``pub_date`` RFC 822).

    Both documents are made from one escaping of each value; a caller that
    shares values between entries (a discussion's page, its language)
    escapes them once for all.
    """
    lang = f' xml:lang="{language}"' if language else ""
    hreflang = f' hreflang="{language}"' if language else ""
    atom = [
        f"  <entry{lang}>\n"
        f"    <id>{id}</id>\n"
        f"    <title>{title}</title>\n"
        f"    <updated>{updated}</updated>\n"
    ]
    rss = [f"    <item>\n      <title>{title}</title>\n      <link>{link}</link>\n"]
    if author:
        uri = f"      <uri>{author_uri}</uri>\n" if author_uri else ""
        atom.append(f"    <author>\n      <name>{author}</name>\n{uri}    </author>\n")
    if content:
        atom.append(f'    <content type="html">{content}</content>\n')
    atom.append(
        f'    <link href="{link}" rel="alternate" type="text/html"{hreflang}/>\n'
    )
    if summary:
        atom.append(f'    <summary type="html">{summary}</summary>\n')
    if summary and content:
        rss.append(
            f"      <description>{summary}</description>\n"
            f"      <content:encoded>{content}</content:encoded>\n"
        )
    elif summary or content:
        rss.append(f"      <description>{summary or content}</description>\n")
    rss.append(f'      <guid isPermaLink="false">{id}</guid>\n')
    for term in terms:
        atom.append(f'    <category term="{term}"/>\n')
        rss.append(f"      <category>{term}</category>\n")
    atom.append(f"    <published>{published}</published>\n")
    if comments:
        rss.append(f"      <comments>{comments}</comments>\n")
    rss.append(f"      <pubDate>{pub_date}</pubDate>\n")
    if author:
        rss.append(f"      <dc:creator>{author}</dc:creator>\n")
    if language:
        rss.append(f"      <dc:language>{language}</dc:language>\n")
    if reply:
        atom.append(f"    <thr:in-reply-to {reply}/>\n")
        rss.append(f"      <thr:in-reply-to {reply}/>\n")
    count_attr = f' thr:count="{count}"' if count else ""
    for href, kind in ((replies, ATOM_TYPE), (comments, "text/html")):
        if href:
            atom.append(
                f'    <link rel="replies" type="{kind}" href="{href}"{count_attr}/>\n'
            )
    if count:
        atom.append(f"    <thr:total>{count}</thr:total>\n")
    if comment_feed:
        rss.append(f"      <wfw:commentRss>{comment_feed}</wfw:commentRss>\n")
    if count:
        rss.append(f"      <slash:comments>{count}</slash:comments>\n")
    atom.append("  </entry>\n")
    rss.append("    </item>\n")
    return "".join(atom), "".join(rss)


def reply_attributes(ref: str, href: str) -> str:
    """The attributes of ``thr:in-reply-to`` (values not yet escaped)."""
    return f'ref="{attr_text(ref)}" href="{attr_text(href)}" type="text/html"'


def item_texts(item: FeedItem) -> tuple[str, str]:
    """The Atom entry and the RSS item of one ``FeedItem``, every value escaped once."""
    reply = item.in_reply_to
    summary = item.summary_html if item.summary_html != item.content_html else ""
    published = item.published.isoformat()
    return entry_texts(
        id=attr_text(item.id),
        title=attr_text(xml_text(item.title) or item.link),  # as feedgen's
        link=attr_text(item.link),
        updated=item.updated.isoformat() if item.updated else published,
        published=published,
        pub_date=rfc822(item.published),
        language=attr_text(item.language or ""),
        author=attr_text(item.author or ""),
        author_uri=attr_text(item.author_uri or ""),
        content=element_text(item.content_html),
        summary=element_text(summary),
        terms=tuple(t for t in map(attr_text, item.categories) if t),
        reply=reply_attributes(reply.ref, reply.href) if reply is not None else "",
        replies=attr_text(item.replies_url or ""),
        comments=attr_text(item.comments_url or ""),
        comment_feed=attr_text(item.comment_feed_url or ""),
        count="" if item.comment_count is None else str(item.comment_count),
    )


def _head(spec: FeedSpec) -> dict[str, str]:
    """The feed's own values, escaped."""
    return {
        "id": attr_text(spec.id),
        "title": attr_text(spec.title),
        # RSS needs a description.
        "subtitle": attr_text(xml_text(spec.subtitle) or spec.title),
        "link": attr_text(spec.link),
        "atom_url": attr_text(spec.atom_url),
        "rss_url": attr_text(spec.rss_url),
        "language": attr_text(spec.language),
        "author": attr_text(spec.author or ""),
    }


def _frame(spec: FeedSpec, updated: datetime) -> tuple[str, str, str, str]:
    """What the Atom and the RSS document hold before and after the entries."""
    h = _head(spec)
    author = (
        f"  <author>\n    <name>{h['author']}</name>\n  </author>\n"
        if h["author"]
        else ""
    )
    lang = f' xml:lang="{h["language"]}"' if h["language"] else ""
    hreflang = f' hreflang="{h["language"]}"' if h["language"] else ""
    atom = (
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
    rss = (
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
    return atom, "</feed>\n", rss, "  </channel>\n</rss>\n"


def documents(
    spec: FeedSpec, entries: Iterable[tuple[str, str]], updated: datetime
) -> tuple[bytes, bytes]:
    """(Atom, RSS) documents of ``entries`` (``entry_texts`` pairs, already
    chosen and ordered), as UTF-8 bytes (as feedgen's)."""
    atom_head, atom_tail, rss_head, rss_tail = _frame(spec, updated)
    atom, rss = [atom_head], [rss_head]
    for entry, item in entries:
        atom.append(entry)
        rss.append(item)
    atom.append(atom_tail)
    rss.append(rss_tail)
    return "".join(atom).encode("utf-8"), "".join(rss).encode("utf-8")


def encoded_documents(
    spec: FeedSpec, atom: Sequence[bytes], rss: Sequence[bytes], updated: datetime
) -> tuple[bytes, bytes]:
    """``documents`` of entries given as UTF-8 bytes, the Atom entries' and
    the RSS items' (each may be in several pieces): a caller that writes one
    long text into both documents, a comment's body, encodes it once."""
    atom_head, atom_tail, rss_head, rss_tail = _frame(spec, updated)
    return (
        b"".join((atom_head.encode("utf-8"), *atom, atom_tail.encode("utf-8"))),
        b"".join((rss_head.encode("utf-8"), *rss, rss_tail.encode("utf-8"))),
    )


def feed_bytes(
    spec: FeedSpec, items: Iterable[FeedItem], max_items: int | None = None
) -> tuple[bytes, bytes]:
    """(Atom, RSS) documents of one description, as UTF-8 bytes (as feedgen's)."""
    chosen, updated = prepare(spec, items, max_items)
    return documents(spec, map(item_texts, chosen), updated)
