"""Every internal link, stylesheet, script, image, favicon and feed link resolves.

Checked on the sample site built with both configurations: relative URLs are
resolved against the page's own URL (as a browser does), absolute ones against
SITEURL, and a ``#fragment`` must be an id on the page it points to.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urljoin, urlsplit
import xml.etree.ElementTree as ET

from bs4 import BeautifulSoup
import pytest

from support.refs import is_internal, page_refs, site_base, target
from support.site import BuiltSite

#: publishconf.py reads SITEURL from the environment, with this default.
SITEURL_PUBLISHED = os.environ.get("SITEURL", "https://diskurs.example.org")


@pytest.fixture(params=["sample_site", "published_site"])
def site(request: pytest.FixtureRequest) -> tuple[BuiltSite, str]:
    built: BuiltSite = request.getfixturevalue(request.param)
    base = site_base(SITEURL_PUBLISHED if request.param == "published_site" else "")
    return built, base


def ids_of(path: Path, cache: dict[Path, set[str]]) -> set[str]:
    if path not in cache:
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        found = {str(tag["id"]) for tag in soup.find_all(id=True)}
        found |= {str(tag["name"]) for tag in soup.find_all("a", attrs={"name": True})}
        cache[path] = found
    return cache[path]


def test_the_build_has_pages(site: tuple[BuiltSite, str]) -> None:
    built, _ = site
    assert len(built.html_files()) >= 10


def test_every_internal_reference_resolves(site: tuple[BuiltSite, str]) -> None:
    built, base = site
    broken: list[str] = []
    checked = 0
    ids: dict[Path, set[str]] = {}
    for file in built.html_files():
        rel = file.relative_to(built.output).as_posix()
        for ref in page_refs(built.page(rel), rel, base):
            if not is_internal(ref.absolute, base) or ref.element.startswith("form["):
                continue
            checked += 1
            path = target(built.output, ref.absolute, base)
            if not path.is_file():
                broken.append(f"{rel}: {ref.element} {ref.url!r} -> missing {path.relative_to(built.output)}")
                continue
            fragment = urlsplit(ref.absolute).fragment
            if fragment and path.suffix == ".html" and fragment not in ids_of(path, ids):
                broken.append(f"{rel}: {ref.element} {ref.url!r} -> no id {fragment!r} on that page")
    assert checked > 50
    unique = sorted(set(broken))
    assert not unique, f"{len(unique)} broken internal references:\n" + "\n".join(unique[:40])


def test_every_page_loads_a_stylesheet_and_a_favicon_that_exist(site: tuple[BuiltSite, str]) -> None:
    built, base = site
    for file in built.html_files():
        rel = file.relative_to(built.output).as_posix()
        refs = list(page_refs(built.page(rel), rel, base))
        soup = built.page(rel)
        sheets = [r for r in refs if r.element == "link[rel=fetch]" and r.absolute.split("?")[0].endswith(".css")]
        assert sheets, f"{rel} has no stylesheet"
        icons = [link for link in soup.find_all("link", href=True)
                 if "icon" in [r.lower() for r in link.get("rel") or []]]
        assert icons, f"{rel} has no favicon link"


def test_feed_links_point_to_feeds_that_exist(site: tuple[BuiltSite, str]) -> None:
    built, base = site
    home = built.page("index.html")
    feeds = home.find_all("link", rel="alternate", type=["application/atom+xml", "application/rss+xml"])
    assert {str(f["type"]) for f in feeds} == {"application/atom+xml", "application/rss+xml"}
    for feed in feeds:
        path = target(built.output, urljoin(urljoin(base, "index.html"), str(feed["href"])), base)
        assert path.is_file(), f"{feed['href']} does not exist"
        ET.parse(path)  # well-formed XML


def test_sitemap_lists_only_pages_that_exist(published_site: BuiltSite) -> None:
    sitemap = published_site.output / "sitemap.xml"
    assert sitemap.is_file()
    locs = [el.text or "" for el in ET.parse(sitemap).iter() if el.tag.endswith("}loc") or el.tag == "loc"]
    assert len(locs) >= 5
    base = site_base(SITEURL_PUBLISHED)
    missing = [loc for loc in locs if not target(published_site.output, loc, base).is_file()]
    assert not missing, missing
