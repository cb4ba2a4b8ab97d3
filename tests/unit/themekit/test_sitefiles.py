"""themekit.sitefiles: sitemap entries, sitemap.xml, robots.txt, favicon.ico."""

from __future__ import annotations

from dataclasses import dataclass, field
import datetime as dt
from pathlib import Path
import struct
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from themekit.sitefiles import SiteMap, entry_for, ico_from_png, robots_txt, sitemap_xml

ROOT = Path(__file__).resolve().parents[3]
UTC = dt.UTC
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "x": "http://www.w3.org/1999/xhtml",
}


@dataclass
class Post:
    url: str
    lang: str = "de"
    date: dt.datetime = dt.datetime(2017, 5, 3, tzinfo=UTC)
    modified: dt.datetime | None = None
    status: str = "published"
    translations: list[Any] = field(default_factory=list)


def test_article_entry_uses_modified_date_and_translations() -> None:
    de = Post("2017/silo/", modified=dt.datetime(2017, 5, 10, tzinfo=UTC))
    en = Post("en/2017/silo/", lang="en", translations=[de])
    de.translations = [en]
    entry = entry_for("2017/silo/index.html", {"article": de}, "de")
    assert entry is not None
    assert entry.url == "2017/silo/"
    assert entry.lastmod == dt.datetime(2017, 5, 10, tzinfo=UTC)
    assert ("en", "en/2017/silo/") in entry.alternates
    assert ("x-default", "2017/silo/") in entry.alternates


def test_index_pages_take_their_newest_post() -> None:
    posts = [
        Post("a/", date=dt.datetime(2018, 1, 1, tzinfo=UTC)),
        Post("b/", date=dt.datetime(2024, 3, 14, tzinfo=UTC)),
    ]
    entry = entry_for("kategorie/werkstatt/index.html", {"articles": posts}, "de")
    assert entry is not None and entry.lastmod == dt.datetime(2024, 3, 14, tzinfo=UTC)


@pytest.mark.parametrize(
    ("output_file", "context"),
    [
        ("404.html", {}),
        ("entwurf/x/index.html", {"article": Post("entwurf/x/", status="draft")}),
        ("geheim/index.html", {"page": Post("geheim/", status="hidden")}),
        ("feeds/all.atom.xml", {}),
    ],
)
def test_error_pages_drafts_and_hidden_are_not_listed(
    output_file: str, context: dict[str, Any]
) -> None:
    assert entry_for(output_file, context, "de") is None


def test_sitemap_xml_parses_with_absolute_locations() -> None:
    sitemap = SiteMap()
    de = Post("2017/silo/")
    en = Post("en/2017/silo/", lang="en", translations=[de])
    de.translations = [en]
    sitemap.record("2017/silo/index.html", {"article": de}, "de")
    sitemap.record("index.html", {"articles": [de]}, "de")
    sitemap.record("reading/index.html", {}, "de")
    root = ET.fromstring(sitemap_xml(sitemap.sorted(), "https://d.example"))  # noqa: S314 (our own output)
    locs = [e.text for e in root.findall("s:url/s:loc", NS)]
    assert locs == [
        "https://d.example/",
        "https://d.example/2017/silo/",
        "https://d.example/reading/",
    ]
    silo = root.findall("s:url", NS)[1]
    assert silo.find("s:lastmod", NS).text == "2017-05-03T00:00:00+00:00"
    links = {
        link.get("hreflang"): link.get("href") for link in silo.findall("x:link", NS)
    }
    assert links == {
        "de": "https://d.example/2017/silo/",
        "en": "https://d.example/en/2017/silo/",
        "x-default": "https://d.example/2017/silo/",
    }
    assert root.findall("s:url", NS)[2].find("s:lastmod", NS) is None


def test_sitemap_without_siteurl_uses_site_relative_paths() -> None:
    sitemap = SiteMap()
    sitemap.record("index.html", {}, "de")
    sitemap.record("archiv/index.html", {}, "de")
    root = ET.fromstring(sitemap_xml(sitemap.sorted(), ""))  # noqa: S314 (our own output)
    assert [e.text for e in root.findall("s:url/s:loc", NS)] == ["./", "archiv/"]


def test_robots_names_the_sitemap_only_when_absolute() -> None:
    assert "Sitemap: https://d.example/sitemap.xml" in robots_txt("https://d.example/")
    assert "Sitemap" not in robots_txt("")
    assert robots_txt("").startswith("User-agent: *\nDisallow:\n")


def test_ico_wraps_the_theme_png() -> None:
    png = (ROOT / "theme/static/favicon-32.png").read_bytes()
    ico = ico_from_png(png)
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    width, height, _, _, planes, bpp, size, offset = struct.unpack(
        "<BBBBHHII", ico[6:22]
    )
    assert (reserved, kind, count) == (0, 1, 1)
    assert (width, height, planes, bpp) == (32, 32, 1, 32)
    assert ico[offset : offset + size] == png


def test_ico_refuses_what_is_not_a_png() -> None:
    with pytest.raises(ValueError, match="not a PNG"):
        ico_from_png(b"GIF89a" + bytes(30))


class CountingList(list[Any]):
    """A post list that counts how often it is walked."""

    walks = 0

    def __iter__(self) -> Any:
        self.walks += 1
        return super().__iter__()


def test_pages_of_one_listing_scan_their_post_list_once() -> None:
    posts = CountingList(
        [
            Post("a/", date=dt.datetime(2018, 1, 1, tzinfo=UTC)),
            Post("b/", date=dt.datetime(2024, 3, 14, tzinfo=UTC)),
        ]
    )
    sitemap = SiteMap()
    for rel in ("index.html", "page/2/index.html", "page/3/index.html"):
        sitemap.record(rel, {"articles": posts}, "de")
    assert posts.walks == 1
    assert {e.lastmod for e in sitemap.entries.values()} == {
        dt.datetime(2024, 3, 14, tzinfo=UTC)
    }
    other = CountingList([Post("c/", date=dt.datetime(2019, 5, 1, tzinfo=UTC))])
    sitemap.record("tag/x/index.html", {"articles": other}, "de")
    assert sitemap.entries["tag/x/"].lastmod == dt.datetime(2019, 5, 1, tzinfo=UTC)
