"""Read a WordPress export (WXR 1.1/1.2) into plain, typed records.

Nothing here decides what gets imported; it only reads the file faithfully and
safely. An export is untrusted input: it is parsed with entity expansion, DTD
loading and network access switched off, and a file that declares a DOCTYPE at
all is refused, since WordPress never writes one and the only reason to add one
is an entity attack (billion laughs, external entities).
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import unquote

from lxml import etree

#: Namespaces of the parts of WXR that never change between versions.
DC = "http://purl.org/dc/elements/1.1/"
CONTENT = "http://purl.org/rss/1.0/modules/content/"
#: WordPress exports say ``http://`` when self-hosted and ``https://`` on
#: WordPress.com; versions 1.0 to 1.2 share the element names we read.
WP_NAMESPACE = re.compile(r"^https?://wordpress\.org/export/1\.[0-2]/$")

#: "0000-00-00 00:00:00" is WordPress for "no date" (drafts have no GMT date).
_ZERO_DATE = "0000-00-00 00:00:00"
#: Real UTC offsets lie between -12:00 and +14:00; anything else is a broken pair.
_MAX_OFFSET = timedelta(hours=14)


_DOCTYPE_REFUSED = (
    "the file declares a DOCTYPE; WordPress exports never do, and entity "
    "declarations are how XML bombs and file or network reads work, so it is "
    "refused (export the site again, or remove the DOCTYPE)"
)


class WxrError(ValueError):
    """The file is not a WordPress export we can read safely."""


@dataclass(frozen=True, slots=True)
class WpComment:
    """One ``wp:comment`` as exported, e-mail and IP already left behind."""

    comment_id: str
    parent_id: str  # "0" for a top-level comment
    author: str
    url: str
    date: datetime | None  # aware; from comment_date_gmt, else local time
    content: str  # raw HTML as WordPress stored it
    approved: str  # "1", "0", "spam", "trash"
    kind: str  # "comment", "pingback", "trackback" or another type
    user_id: str  # "0" for a guest


@dataclass(frozen=True, slots=True)
class WpItem:
    """One ``<item>``: a post, page, attachment, menu item or another type."""

    post_id: str
    post_type: str
    status: str
    title: str
    name: str  # the slug as WordPress keeps it (may be percent-encoded or empty)
    link: str
    date: datetime | None  # aware
    creator: str  # the author's login
    content: str
    excerpt: str
    categories: tuple[str, ...]
    tags: tuple[str, ...]
    comment_status: str
    password: str
    comments: tuple[WpComment, ...]


@dataclass(frozen=True, slots=True)
class WpSite:
    """The whole export: channel facts, authors by login, and every item."""

    title: str
    language: str
    link: str
    wxr_version: str
    namespace: str
    authors: dict[str, tuple[str, str]]  # login -> (display name, author id)
    items: tuple[WpItem, ...]


def safe_parser() -> etree.XMLParser:
    """An lxml parser that never expands entities, loads a DTD or opens a socket."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        dtd_validation=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
        strip_cdata=True,
    )


def read_wxr(path: str | Path) -> WpSite:
    """Parse an export file; raises ``WxrError`` for anything unsafe or not WXR."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise WxrError(f"cannot read {path}: {exc.strerror}") from exc
    return parse_wxr(data)


def parse_wxr(data: bytes) -> WpSite:
    """Parse the bytes of an export (see ``read_wxr``)."""
    root_at = data.find(b"<rss")
    if b"<!DOCTYPE" in (data[:root_at] if root_at >= 0 else data):
        raise WxrError(_DOCTYPE_REFUSED)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise WxrError(f"not well-formed XML: {exc}") from exc
    docinfo = root.getroottree().docinfo
    if (
        docinfo.doctype
        or docinfo.internalDTD is not None
        or docinfo.externalDTD is not None
    ):
        raise WxrError(_DOCTYPE_REFUSED)
    namespace = _wp_namespace(root)
    channel = root.find("channel")
    if root.tag != "rss" or channel is None:
        raise WxrError("not a WordPress export: no <rss><channel>")
    ns = {
        "wp": namespace,
        "dc": DC,
        "content": CONTENT,
        "excerpt": namespace + "excerpt/",
    }

    text = _Fields(ns).text

    authors: dict[str, tuple[str, str]] = {}
    for author in channel.iterfind("wp:author", ns):
        login = text(author, "wp:author_login").strip()
        if login:
            display = html.unescape(text(author, "wp:author_display_name")).strip()
            authors[login] = (display or login, text(author, "wp:author_id").strip())

    items = tuple(_item(el, text, ns) for el in channel.iterfind("item"))
    return WpSite(
        title=html.unescape(text(channel, "title")).strip(),
        language=text(channel, "language").strip(),
        link=text(channel, "link").strip(),
        wxr_version=text(channel, "wp:wxr_version").strip(),
        namespace=namespace,
        authors=authors,
        items=items,
    )


def _wp_namespace(root: etree._Element) -> str:
    """The ``wp`` namespace this file uses, read from its own declarations."""
    candidates = {uri for uri in root.nsmap.values() if uri and WP_NAMESPACE.match(uri)}
    for el in root.iter():
        if len(candidates) > 0:
            break
        candidates.update(
            uri for uri in el.nsmap.values() if uri and WP_NAMESPACE.match(uri)
        )
    if not candidates:
        raise WxrError(
            "not a WordPress export: no namespace like http://wordpress.org/export/1.2/"
        )
    if len(candidates) > 1:
        raise WxrError(
            "the file mixes WXR namespaces: " + ", ".join(sorted(candidates))
        )
    return str(candidates.pop())


_Text = Callable[[etree._Element, str], str]


class _Fields:
    """Element text by namespaced path; CDATA and plain text read alike."""

    def __init__(self, ns: dict[str, str]) -> None:
        self.ns = ns

    def text(self, el: etree._Element, path: str) -> str:
        found = el.find(path, self.ns)
        return "".join(found.itertext()) if found is not None else ""


def _item(el: etree._Element, get: _Text, ns: dict[str, str]) -> WpItem:
    categories: list[str] = []
    tags: list[str] = []
    for cat in el.iterfind("category"):
        name = html.unescape("".join(cat.itertext())).strip()
        if not name:
            continue
        domain = cat.get("domain", "category")
        if domain == "category" and name not in categories:
            categories.append(name)
        elif domain == "post_tag" and name not in tags:
            tags.append(name)
    return WpItem(
        post_id=get(el, "wp:post_id").strip(),
        post_type=get(el, "wp:post_type").strip(),
        status=get(el, "wp:status").strip(),
        title=get(el, "title"),
        name=get(el, "wp:post_name").strip(),
        link=get(el, "link").strip(),
        date=wp_date(get(el, "wp:post_date"), get(el, "wp:post_date_gmt")),
        creator=get(el, "dc:creator").strip(),
        content=get(el, "content:encoded"),
        excerpt=get(el, "excerpt:encoded"),
        categories=tuple(categories),
        tags=tuple(tags),
        comment_status=get(el, "wp:comment_status").strip(),
        password=get(el, "wp:post_password"),
        comments=tuple(_comment(c, get) for c in el.iterfind("wp:comment", ns)),
    )


def _comment(el: etree._Element, get: _Text) -> WpComment:
    def field(name: str) -> str:
        return get(el, "wp:" + name)

    # Only the GMT date is unambiguous; without it, the local time (zone later).
    gmt = _naive(field("comment_date_gmt"))
    date = gmt.replace(tzinfo=UTC) if gmt else wp_date(field("comment_date"), "")
    return WpComment(
        comment_id=field("comment_id").strip(),
        parent_id=field("comment_parent").strip() or "0",
        author=field("comment_author"),
        url=field("comment_author_url").strip(),
        date=date,
        content=field("comment_content"),
        approved=field("comment_approved").strip(),
        kind=field("comment_type").strip() or "comment",
        user_id=field("comment_user_id").strip() or "0",
    )


def _naive(value: str) -> datetime | None:
    value = value.strip()
    if not value or value == _ZERO_DATE:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S")  # noqa: DTZ007 - zone added by caller
    except ValueError:
        return None


def wp_date(local: str, gmt: str) -> datetime | None:
    """The local time with the offset WordPress knew, from the local/GMT pair.

    WordPress stores both times; their difference is the site's offset at that
    moment (so summer and winter time come out right). Without a GMT time (a
    draft) the result is naive, and the caller supplies a zone.
    """
    here = _naive(local)
    there = _naive(gmt)
    if here is None:
        return there.replace(tzinfo=UTC) if there else None
    if there is None:
        return here  # naive: the caller decides the zone
    offset = here - there
    # Round to whole minutes: exports are per second, offsets are per minute.
    offset = timedelta(minutes=round(offset.total_seconds() / 60))
    if abs(offset) > _MAX_OFFSET:
        return there.replace(tzinfo=UTC)
    return here.replace(tzinfo=timezone(offset))


def plain(value: str) -> str:
    """HTML (titles, names) to one line of plain text: tags out, entities decoded."""
    no_tags = re.sub(r"<[^>]*>", "", value)
    return " ".join(html.unescape(no_tags).split())


def slug_of(name: str, fallback: str) -> str:
    """A file- and URL-safe slug from WordPress's post_name (decoded) or a fallback.

    WordPress percent-encodes non-ASCII slugs (``%ce%b5...``); we decode them
    and keep the letters, so an imported Greek page keeps its Greek address.
    """
    for candidate in (unquote(name), fallback):
        text = unicodedata.normalize("NFC", candidate).lower()
        text = re.sub(r"[^\w-]+", "-", text).replace("_", "-")
        text = re.sub(r"-{2,}", "-", text).strip("-")
        if text:
            return text[:100].rstrip("-")
    return ""
