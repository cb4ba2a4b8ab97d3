"""Every feed of the site is described here; feedgen writes it, the writer of record.

One description (``FeedSpec`` and ``FeedItem``s) gives an Atom and an RSS
file. feedgen is configured in this module only, so that every feed agrees on
what matters: timezone-aware dates (feedgen fills a missing date with the
build time, which would make feeds change on every build), newest entries
first, stable ``tag:`` ids, text that is valid XML, and the comment extensions
that feedgen lacks: RFC 4685 threading (``thr:``), ``wfw:commentRss``,
``slash:comments`` and ``dc:creator``/``dc:language`` for RSS, as WordPress
writes them. The extensions are small classes with feedgen's extension hooks
(``extend_ns``, ``extend_atom``, ``extend_rss``), registered on every entry.

There are two writers of one description. feedgen (``feed_bytes`` here) is
the reference, and writes the reading lists' feed. Where feedgen costs three
to five times as much as writing text, a build writes with
``sitekit.leanfeed``, a text writer tested against this one (the same feed
in feedparser and in an XML parse, hostile text included): every feed of the
feeds plugin, a pair per discussion (a thousand on a large site), the posts'
and the newest comments' (``FeedJob.writer``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from sitekit.markup import NOT_XML

if TYPE_CHECKING:
    from feedgen.feed import FeedGenerator  # type: ignore[import-untyped]

ATOM_NS = "http://www.w3.org/2005/Atom"
THR_NS = "http://purl.org/syndication/thread/1.0"
WFW_NS = "http://wellformedweb.org/CommentAPI/"
SLASH_NS = "http://purl.org/rss/1.0/modules/slash/"
DC_NS = "http://purl.org/dc/elements/1.1/"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
ATOM_TYPE = "application/atom+xml"
RSS_TYPE = "application/rss+xml"
GENERATOR = "Diskurs (Pelican)"


def xml_text(text: str) -> str:
    """Text that any XML 1.0 document can carry: controls and non-characters removed."""
    return NOT_XML.sub("", text)


def is_xml_text(text: str) -> bool:
    """Whether ``xml_text`` would leave ``text`` as it is (one scan, no copy)."""
    return NOT_XML.search(text) is None


#: What a tag: URI's specific part keeps unquoted (quoting is per character).
TAG_SAFE = "/:;,._-~!$&'()*+=@?"


def tag_uri(domain: str, date: datetime, specific: str) -> str:
    """A stable ``tag:`` URI (RFC 4151) from a domain, a year and a path-like name.

    The year comes from the item (never the build time), so the id of an entry
    is the same in every build; ``specific`` is percent-encoded where RFC 4151
    does not allow a character.
    """
    name = quote(specific, safe=TAG_SAFE)
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


#: A writer: (spec, items, max_items) → (Atom, RSS) bytes. ``feed_bytes`` here
#: and ``sitekit.leanfeed.feed_bytes`` are the two; module-level functions, so
#: that a ledger digest can name the one a feed was written with.
FeedWriter = Callable[[FeedSpec, Iterable[FeedItem], int | None], tuple[bytes, bytes]]


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


def _required(what: str, **values: str) -> None:
    missing = [name for name, value in values.items() if not xml_text(value)]
    if missing:
        raise ValueError(f"{what} has no {', '.join(missing)}; feeds need them")


def prepare(
    spec: FeedSpec, items: Iterable[FeedItem], max_items: int | None = None
) -> tuple[list[FeedItem], datetime]:
    """The entries a feed shows (ordered, cut) and the feed's date, all checked.

    Both writers start here, so they refuse alike what feedgen refuses: a date
    without a zone, a feed without id, title or link, an entry without id or
    without both title and link.
    """
    _required("feed " + repr(spec.id), id=spec.id, title=spec.title, link=spec.link)
    chosen = order_items(items, max_items)
    for item in chosen:
        _required("entry " + repr(item.id), id=item.id, title=item.title + item.link)
        _aware(item.published, "published")
        if item.updated is not None:
            _aware(item.updated, "updated")
    if spec.updated is not None:
        updated = _aware(spec.updated, "feed updated")
    else:
        dates = [i.updated or i.published for i in chosen]
        updated = max(dates) if dates else datetime(1970, 1, 1, tzinfo=UTC)
    return chosen, updated


# -- feedgen ----------------------------------------------------------------------


def _sub(parent: Any, tag: str, text: str | None = None, **attrib: str) -> Any:
    from lxml import etree  # type: ignore[import-untyped]  # with feedgen, when used

    elem = etree.SubElement(parent, tag, attrib)
    if text is not None:
        elem.text = text
    return elem


def _in_reply_to(entry: Any, parent: Any) -> None:
    """RFC 4685's thr:in-reply-to, the same element in Atom and RSS."""
    _sub(
        entry,
        f"{{{THR_NS}}}in-reply-to",
        ref=parent.ref,
        href=parent.href,
        type="text/html",
    )


class _NoFeedExtension:
    """Feed-level half of our extension: only declares the namespaces."""

    def extend_ns(self) -> dict[str, str]:
        return {"thr": THR_NS, "wfw": WFW_NS, "slash": SLASH_NS, "dc": DC_NS}

    def extend_atom(self, feed: Any) -> Any:
        return feed

    def extend_rss(self, feed: Any) -> Any:
        return feed


class _CommentsEntryExtension:
    """Entry-level half: threading, comment links and counts, language, creator.

    feedgen instantiates it per entry; ``item`` is set right after.
    """

    item: FeedItem | None = None

    def extend_ns(self) -> dict[str, str]:
        return _NoFeedExtension().extend_ns()

    def extend_atom(self, entry: Any) -> Any:
        item = self.item
        if item is None:
            return entry
        # feedgen 1.0 drops rel/type/hreflang of entry links (its loop variable
        # shadows the link data), so the alternate link is completed here. Child
        # elements stay unqualified, like feedgen's, under the default Atom xmlns.
        for link in entry.findall("link"):
            if link.get("href") == item.link:
                link.set("rel", "alternate")
                link.set("type", "text/html")
                if item.language:
                    link.set("hreflang", item.language)
        if item.language:
            entry.set(XML_LANG, item.language)
        if item.in_reply_to is not None:
            _in_reply_to(entry, item.in_reply_to)
        count = (
            {}
            if item.comment_count is None
            else {f"{{{THR_NS}}}count": str(item.comment_count)}
        )
        for href, kind in (
            (item.replies_url, ATOM_TYPE),
            (item.comments_url, "text/html"),
        ):
            if href:
                _sub(entry, "link", rel="replies", type=kind, href=href, **count)
        if item.comment_count is not None:
            _sub(entry, f"{{{THR_NS}}}total", str(item.comment_count))
        return entry

    def extend_rss(self, entry: Any) -> Any:
        item = self.item
        if item is None:
            return entry
        if item.author:
            _sub(entry, f"{{{DC_NS}}}creator", item.author)
        if item.language:
            _sub(entry, f"{{{DC_NS}}}language", item.language)
        if item.in_reply_to is not None:
            _in_reply_to(entry, item.in_reply_to)
        if item.comment_feed_url:
            _sub(entry, f"{{{WFW_NS}}}commentRss", item.comment_feed_url)
        if item.comment_count is not None:
            _sub(entry, f"{{{SLASH_NS}}}comments", str(item.comment_count))
        return entry


def _clean(value: str | None) -> str | None:
    """XML-safe text, None for nothing (lxml refuses what XML cannot hold)."""
    return xml_text(value) or None if value else None


def _clean_item(item: FeedItem) -> FeedItem:
    """The same item with every text made XML-safe (an empty one left out)."""
    reply = item.in_reply_to
    return FeedItem(
        id=xml_text(item.id),
        title=xml_text(item.title) or xml_text(item.link),
        link=xml_text(item.link),
        published=item.published,
        updated=item.updated,
        author=_clean(item.author),
        author_uri=_clean(item.author_uri),
        content_html=xml_text(item.content_html),
        summary_html=xml_text(item.summary_html),
        categories=tuple(t for t in map(xml_text, item.categories) if t),
        language=_clean(item.language),
        in_reply_to=ReplyTo(xml_text(reply.ref), xml_text(reply.href))
        if reply
        else None,
        comments_url=_clean(item.comments_url),
        comment_feed_url=_clean(item.comment_feed_url),
        replies_url=_clean(item.replies_url),
        comment_count=item.comment_count,
    )


def build_feed(
    spec: FeedSpec, chosen: Sequence[FeedItem], updated: datetime
) -> FeedGenerator:
    """A configured FeedGenerator of the prepared entries (in order), extensions on."""
    # Imported when a feed is made: a rebuild makes its few in a child (feeds.plugin).
    from feedgen.feed import FeedGenerator

    fg = FeedGenerator()
    fg.register_extension("diskurs", _NoFeedExtension, _CommentsEntryExtension)
    fg.id(xml_text(spec.id))
    fg.title(xml_text(spec.title))
    fg.language(xml_text(spec.language))
    # RSS needs a description.
    fg.subtitle(xml_text(spec.subtitle) or xml_text(spec.title))
    fg.updated(updated)
    fg.lastBuildDate(updated)
    fg.generator(GENERATOR)
    if spec.author and xml_text(spec.author):
        fg.author(name=xml_text(spec.author))
    for raw in chosen:
        item = _clean_item(raw)
        fe = fg.add_entry(order="append")
        fe.diskurs.item = item
        fe.id(item.id)
        fe.guid(item.id, permalink=False)
        fe.title(item.title)
        fe.link(href=item.link, rel="alternate")
        fe.published(item.published)
        fe.updated(item.updated or item.published)
        if item.author:
            author = {"name": item.author}
            if item.author_uri:
                author["uri"] = item.author_uri
            # feedgen writes an RSS <author> only with an e-mail; dc:creator is ours.
            fe.author(author)
        if item.content_html:
            fe.content(item.content_html, type="html")
        if item.summary_html and item.summary_html != item.content_html:
            fe.summary(item.summary_html, type="html")
        for term in item.categories:
            fe.category(term=term)
        if item.comments_url:
            fe.comments(item.comments_url)
    return fg


def feed_bytes(
    spec: FeedSpec, items: Iterable[FeedItem], max_items: int | None = None
) -> tuple[bytes, bytes]:
    """(Atom, RSS) documents of one description, as UTF-8 bytes, written by feedgen.

    One FeedGenerator serves both files; only its links change in between.
    """
    chosen, updated = prepare(spec, items, max_items)
    fg = build_feed(spec, chosen, updated)
    link, language = xml_text(spec.link), xml_text(spec.language)
    documents = []
    for self_url, kind, write in (
        (spec.atom_url, ATOM_TYPE, fg.atom_str),
        (spec.rss_url, RSS_TYPE, fg.rss_str),
    ):
        # feedgen's RSS <link> is the last link added: self first, then the page.
        fg.link(href=xml_text(self_url), rel="self", type=kind, replace=True)
        fg.link(href=link, rel="alternate", type="text/html", hreflang=language)
        documents.append(write(pretty=True))
    return documents[0], documents[1]


def write_feed_pair(
    spec: FeedSpec,
    items: Iterable[FeedItem],
    atom_path: Path,
    rss_path: Path,
    max_items: int | None = None,
    writer: FeedWriter = feed_bytes,
) -> None:
    """Write the Atom and the RSS file of one feed (folders are created)."""
    atom, rss = writer(spec, items, max_items)
    for path, data in ((atom_path, atom), (rss_path, rss)):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
