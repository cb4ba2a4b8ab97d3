"""Files at the site's root that no template writes: sitemap, robots.txt, favicon.ico.

The sitemap lists what was actually written, so pages made by other plugins (the
reading lists) appear without this module knowing them. Each written page is
recorded as it is written; the files are produced once the build is done.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
import datetime as dt
import os
from pathlib import Path
import struct
from typing import Any
from xml.etree import ElementTree as ET

from sitekit.filedates import DATE_IS_FILE_TIME
from sitekit.i18n import isodate
from themekit.head import absolute_url, translation_links, url_of_output

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
#: Pages that are not content: listed nowhere.
SKIP_FILES = frozenset({"404.html"})
#: Content with these statuses is written but meant to stay unlisted.
SKIP_STATUSES = frozenset({"draft", "hidden"})


@dataclass(frozen=True, slots=True)
class Entry:
    """One ``<url>`` of the sitemap: a path below the site, when it last changed."""

    url: str
    lastmod: dt.datetime | dt.date | None = None
    alternates: tuple[tuple[str, str], ...] = ()


@dataclass
class SiteMap:
    """The pages written by one build (one object per run, kept in its context)."""

    entries: dict[str, Entry] = field(default_factory=dict)
    #: Newest date of each post list seen, by the list's id (the list is kept
    #: alive with it): the pages of one paginated listing share their list,
    #: and a site of 1,000 posts has hundreds of listing pages.
    _newest: dict[int, tuple[Sequence[Any], dt.datetime | None]] = field(
        default_factory=dict, repr=False
    )

    def record(
        self, output_file: str, context: Mapping[str, Any], default_lang: str
    ) -> None:
        """Note a written HTML file, unless it is an error page, a draft or hidden."""
        entry = entry_for(output_file, context, default_lang, self.newest)
        if entry is not None:
            self.entries[entry.url] = entry

    def newest(self, articles: Sequence[Any]) -> dt.datetime | None:
        """``newest(articles)``, once per list."""
        known = self._newest.get(id(articles))
        if known is None or known[0] is not articles:
            known = self._newest[id(articles)] = (articles, newest(articles))
        return known[1]

    def sorted(self) -> list[Entry]:
        return [self.entries[url] for url in sorted(self.entries)]


def _changed(content: Any) -> dt.datetime | None:
    """When the content last changed, as its author dated it (a date that is
    only the file's mtime says nothing: see ``sitekit.filedates``)."""
    modified = getattr(content, "modified", None)
    if modified:
        return modified
    if getattr(content, DATE_IS_FILE_TIME, False):
        return None
    return getattr(content, "date", None)


def newest(articles: Iterable[Any]) -> dt.datetime | None:
    """The latest change among posts (modified, else published), or None."""
    dates = [d for d in (_changed(a) for a in articles) if d is not None]
    return max(dates) if dates else None


def _has_url(content: Any) -> bool:
    # Pelican's ``url`` is a property that expands URL settings on every read
    # (~50 us): ask the class first, the object only when the class has none.
    return getattr(type(content), "url", None) is not None or hasattr(content, "url")


def entry_for(
    output_file: str,
    context: Mapping[str, Any],
    default_lang: str,
    newest_of: Callable[[Sequence[Any]], dt.datetime | None] = newest,
) -> Entry | None:
    """The sitemap entry for one written file, or None when it is not listed."""
    rel = output_file.replace(os.sep, "/").lstrip("/")
    if not rel.endswith(".html") or rel.rsplit("/", 1)[-1] in SKIP_FILES:
        return None
    content = context.get("article") or context.get("page")
    if content is not None and _has_url(content):
        if getattr(content, "status", "published") in SKIP_STATUSES:
            return None
        alternates = tuple(translation_links(content, default_lang))
        return Entry(url_of_output(rel), _changed(content), alternates)
    return Entry(url_of_output(rel), newest_of(context.get("articles") or []))


def sitemap_xml(entries: Iterable[Entry], siteurl: str | None) -> bytes:
    """``sitemap.xml`` with absolute locations when SITEURL is absolute.

    The protocol wants absolute URLs; a local build without SITEURL writes paths
    relative to the site root instead, which is what such a build can know.
    """
    ET.register_namespace("", SITEMAP_NS)
    ET.register_namespace("xhtml", XHTML_NS)
    root = ET.Element(f"{{{SITEMAP_NS}}}urlset")

    def loc(url: str) -> str:
        return absolute_url(siteurl, url) or url or "./"

    for entry in entries:
        node = ET.SubElement(root, f"{{{SITEMAP_NS}}}url")
        ET.SubElement(node, f"{{{SITEMAP_NS}}}loc").text = loc(entry.url)
        if entry.lastmod is not None:
            ET.SubElement(node, f"{{{SITEMAP_NS}}}lastmod").text = isodate(
                entry.lastmod
            )
        for lang, url in entry.alternates:
            ET.SubElement(
                node,
                f"{{{XHTML_NS}}}link",
                {"rel": "alternate", "hreflang": lang, "href": loc(url)},
            )
    ET.indent(root)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml + b"\n"


def robots_txt(siteurl: str | None) -> str:
    """Everything may be crawled; the sitemap is named when its URL is known."""
    lines = ["User-agent: *", "Disallow:"]
    sitemap = absolute_url(siteurl, "sitemap.xml")
    if sitemap:
        lines += ["", f"Sitemap: {sitemap}"]
    return "\n".join(lines) + "\n"


def ico_from_png(png: bytes) -> bytes:
    """A one-image ``.ico`` that embeds a PNG (read by every browser since 2007).

    Browsers and crawlers ask for ``/favicon.ico`` whatever the page links; the
    PNG is our own drawing, rendered once from the SVG favicon.
    """
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("favicon fallback is not a PNG file")
    width, height = struct.unpack(">II", png[16:24])
    # An ICO directory entry stores 256 as 0 and cannot hold larger sizes.
    if width > 256 or height > 256:
        raise ValueError(
            f"favicon PNG is {width}x{height}; at most 256x256 fits an .ico"
        )
    header = struct.pack("<HHH", 0, 1, 1)
    entry = struct.pack(
        "<BBBBHHII", width % 256, height % 256, 0, 0, 1, 32, len(png), 6 + 16
    )
    return header + entry + png


def write_text(path: Path, text: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
