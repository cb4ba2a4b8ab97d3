"""The theme on the real sample site: language, dates, head metadata, root files.

Both configurations are built once per session (conftest); the published one
has an absolute SITEURL, so canonical URLs, Open Graph and the sitemap's
locations are checked there, and their absence is checked on the local one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
import re
import struct
from xml.etree import ElementTree as ET

from bs4 import BeautifulSoup
import pytest

from support.site import BuiltSite

SITEURL = os.environ.get("SITEURL", "https://diskurs.example.org").rstrip("/")
FLAGSHIP_DE = "2017/social-media-im-silo/"
FLAGSHIP_EN = "en/2017/social-media-im-silo/"
CONFERENCE_EN = "en/2024/notes-from-a-small-conference/"
NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "x": "http://www.w3.org/1999/xhtml",
}


def rel(site: BuiltSite, path: Path) -> str:
    return path.relative_to(site.output).as_posix()


def soups(site: BuiltSite) -> list[tuple[str, BeautifulSoup]]:
    return [(rel(site, p), site.page(rel(site, p))) for p in site.html_files()]


def jsonld(soup: BeautifulSoup) -> list[dict[str, object]]:
    return [
        json.loads(s.string or "")
        for s in soup.find_all("script", type="application/ld+json")
    ]


def content_pages(site: BuiltSite) -> list[tuple[str, BeautifulSoup]]:
    """Every post and page of the build, found by its Open Graph type."""
    return [
        (name, soup)
        for name, soup in soups(site)
        if soup.find("meta", property="og:type", content=("article", "website"))
    ]


# --- Language ---------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    ["", FLAGSHIP_DE, "2024/kommentare-per-pull-request/", "datenschutz/", "archiv/"],
)
def test_german_pages_are_german(sample_site: BuiltSite, page: str) -> None:
    soup = sample_site.page(page)
    assert soup.html["lang"] == "de"
    assert soup.select_one("a.skip-link").get_text(strip=True) == "Zum Inhalt springen"
    assert soup.select_one(".site-nav a").get_text(strip=True) == "Beiträge"


@pytest.mark.parametrize("page", [FLAGSHIP_EN, CONFERENCE_EN])
def test_english_posts_have_english_ui_on_the_german_site(
    sample_site: BuiltSite, page: str
) -> None:
    soup = sample_site.page(page)
    assert soup.html["lang"] == "en"
    assert soup.select_one("a.skip-link").get_text(strip=True) == "Skip to content"
    assert soup.select_one(".site-nav a").get_text(strip=True) == "Posts"
    # Site-wide German text on an English page is marked as German.
    assert soup.select_one(".site-tagline")["lang"] == "de"


def test_english_dates_on_english_posts(sample_site: BuiltSite) -> None:
    time = sample_site.page(FLAGSHIP_EN).select_one(".post-header time")
    assert time.get_text(strip=True) == "May 3, 2017"
    assert time["datetime"].startswith("2017-05-03T07:30")
    conference = sample_site.page(CONFERENCE_EN).select_one(".post-header time")
    assert conference.get_text(strip=True) == "October 5, 2024"


def test_german_dates_on_german_posts(sample_site: BuiltSite) -> None:
    time = sample_site.page(FLAGSHIP_DE).select_one(".post-header time")
    assert time.get_text(strip=True) == "3. Mai 2017"
    march = sample_site.page("2024/kommentare-per-pull-request/").select_one(
        ".post-header time"
    )
    assert march.get_text(strip=True) == "14. März 2024"


def test_english_entries_on_the_german_home_page_are_marked(
    sample_site: BuiltSite,
) -> None:
    titles = {
        a.get_text(strip=True): a.find_parent("h2")
        for a in sample_site.page("").select(".entry-title a")
    }
    assert titles["Notes from a small conference"]["lang"] == "en"
    assert not titles["Redaktionsplan ohne Stress"].has_attr("lang")


def test_translations_link_each_other_visibly(sample_site: BuiltSite) -> None:
    de = sample_site.page(FLAGSHIP_DE).select_one(".translations a")
    en = sample_site.page(FLAGSHIP_EN).select_one(".translations a")
    assert (de["hreflang"], de.get_text(strip=True)) == ("en", "English")
    assert (en["hreflang"], en.get_text(strip=True)) == ("de", "Deutsch")


# --- Page structure -----------------------------------------------------------


def test_every_page_has_a_skip_link_to_main(sample_site: BuiltSite) -> None:
    for name, soup in soups(sample_site):
        skip = soup.select_one("body > a.skip-link")
        assert skip is not None, name
        target = soup.find(id=skip["href"].removeprefix("#"))
        assert target is not None and target.name == "main", name
        assert len(soup.find_all("main")) == 1, name


def test_every_page_links_the_one_hashed_stylesheet(sample_site: BuiltSite) -> None:
    found = set()
    for name, soup in soups(sample_site):
        sheets = soup.find_all("link", rel="stylesheet")
        assert len(sheets) == 1, name
        href = sheets[0]["href"]
        assert re.search(r"theme/css/site\.[0-9a-f]{12}\.css$", href), href
        found.add((Path(name).parent / href).as_posix())
    assert len({Path(os.path.normpath(f)) for f in found}) == 1
    path = sample_site.output / os.path.normpath(found.pop())
    css = path.read_text(encoding="utf-8")
    assert (
        "prefers-color-scheme: dark" in css
        and "@media print" in css
        and ".highlight" in css
    )


def test_no_inline_styles_or_scripts_and_a_strict_policy(
    sample_site: BuiltSite,
) -> None:
    for name, soup in soups(sample_site):
        csp = soup.find("meta", attrs={"http-equiv": "Content-Security-Policy"})
        assert csp is not None, name
        policy = csp["content"]
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, name
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, name
        # The policy must come before anything it governs.
        assert (
            soup.head.find(["link", "script", "style"]).sourceline > csp.sourceline
        ), name
        assert soup.find(style=True) is None, name
        assert soup.find("style") is None, name
        for script in soup.find_all("script"):
            assert script.get("src") or script.get("type") == "application/ld+json", (
                name
            )


def test_navigation_marks_the_current_page(sample_site: BuiltSite) -> None:
    current = sample_site.page("").select(".site-nav [aria-current]")
    assert [a.get_text(strip=True) for a in current] == ["Beiträge"]
    assert [
        a.get_text(strip=True)
        for a in sample_site.page("archiv/").select("[aria-current]")
    ] == ["Archiv"]
    assert sample_site.page(FLAGSHIP_DE).select("[aria-current]") == []


def test_footer_links_impressum_and_datenschutz(sample_site: BuiltSite) -> None:
    for page in ("", FLAGSHIP_EN, "404.html"):
        links = {
            a.get_text(strip=True): a["href"]
            for a in sample_site.page(page).select("footer a")
        }
        assert links["Impressum"].endswith("impressum/")
        assert links["Datenschutz"].endswith("datenschutz/")


def test_home_and_archive_show_comment_counts(sample_site: BuiltSite) -> None:
    home = sample_site.page("")
    entry = next(e for e in home.select(".entry") if "Redaktionsplan" in e.get_text())
    assert re.fullmatch(
        r"\d+ Kommentare?", entry.select_one(".comment-count").get_text(strip=True)
    )
    # Comments: off — no count at all.
    conference = next(
        e for e in home.select(".entry") if "small conference" in e.get_text()
    )
    assert conference.select_one(".comment-count") is None
    archive = sample_site.page("archiv/")
    assert len(archive.select(".post-list li")) == len(home.select(".entry"))
    assert archive.select(".post-list .comment-count")


def test_images_in_content_have_size_and_alt(sample_site: BuiltSite) -> None:
    images = [
        img for _, soup in soups(sample_site) for img in soup.select(".prose img")
    ]
    assert len(images) >= 4
    for img in images:
        assert img.get("alt", "").strip(), img
        assert int(img["width"]) > 0 and int(img["height"]) > 0, img


def test_code_blocks_are_highlighted_and_keyboard_scrollable(
    sample_site: BuiltSite,
) -> None:
    soup = sample_site.page("2024/kommentare-per-pull-request/")
    blocks = soup.select("div.highlight pre")
    assert len(blocks) >= 2
    assert all(pre.get("tabindex") == "0" for pre in blocks)
    assert soup.select(
        "div.highlight pre span.nt, div.highlight pre span.l"
    )  # YAML tokens


def test_the_style_guide_shows_every_component(sample_site: BuiltSite) -> None:
    prose = sample_site.page("styleguide/").select_one(".prose")
    for selector in (
        "h2",
        "h3",
        "h4",
        "a",
        "em",
        "strong",
        "code",
        "ul ul",
        "ol",
        "table",
        "div.highlight",
        "figure figcaption",
        "blockquote",
        "dl dt",
        "kbd",
        ".footnote",
    ):
        assert prose.select_one(selector) is not None, selector


def test_404_page_exists_and_is_not_listed(published_site: BuiltSite) -> None:
    soup = published_site.page("404.html")
    assert soup.h1.get_text(strip=True) == "Seite nicht gefunden"
    # Served at any path: its links must be absolute in production.
    assert soup.find("link", rel="stylesheet")["href"].startswith(SITEURL)
    assert b"404" not in published_site.path("sitemap.xml").read_bytes()


# --- Head metadata ------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [FLAGSHIP_DE, FLAGSHIP_EN, "2024/kommentare-per-pull-request/", CONFERENCE_EN],
)
def test_published_articles_have_canonical_open_graph_and_jsonld(
    published_site: BuiltSite, page: str
) -> None:
    soup = published_site.page(page)
    url = f"{SITEURL}/{page}"
    assert soup.find("link", rel="canonical")["href"] == url
    og = {m["property"]: m["content"] for m in soup.find_all("meta", property=True)}
    assert og["og:url"] == url
    assert og["og:type"] == "article"
    assert og["og:title"] == soup.h1.get_text(strip=True)
    assert og["og:locale"] == {"de": "de_DE", "en": "en_US"}[soup.html["lang"]]
    assert (
        og["article:published_time"] == soup.select_one(".post-header time")["datetime"]
    )
    [data] = [d for d in jsonld(soup) if d.get("@type") == "BlogPosting"]
    assert data["@context"] == "https://schema.org"
    assert data["headline"] == soup.h1.get_text(strip=True)
    assert data["url"] == url
    assert data["inLanguage"] == soup.html["lang"]
    assert data["author"] == {"@type": "Person", "name": "Katrin Albers"}
    assert data["datePublished"] == og["article:published_time"]


def test_jsonld_carries_the_comments(published_site: BuiltSite) -> None:
    [data] = jsonld(published_site.page(FLAGSHIP_DE))
    count = data.get("commentCount")
    assert isinstance(count, int) and count > 0
    assert isinstance(data.get("comment"), list) and data["comment"]


def test_jsonld_cites_the_reading_tips(published_site: BuiltSite) -> None:
    [data] = jsonld(published_site.page(FLAGSHIP_DE))
    box = published_site.page(FLAGSHIP_DE).select(".reading-box a[href*='#']")
    cited = {c.get("name") for c in data.get("citation", [])}
    assert len(cited) >= 2
    assert {a.get_text(strip=True) for a in box} & cited


def test_jsonld_in_the_built_pages_cannot_close_its_element(
    published_site: BuiltSite,
) -> None:
    for name, soup in soups(published_site):
        for script in soup.find_all("script", type="application/ld+json"):
            text = script.string or ""
            assert "<" not in text and ">" not in text, name


def test_local_build_omits_canonical_and_og_url(sample_site: BuiltSite) -> None:
    soup = sample_site.page(FLAGSHIP_DE)
    assert soup.find("link", rel="canonical") is None
    assert soup.find("meta", property="og:url") is None
    [data] = jsonld(soup)
    assert "url" not in data
    assert soup.find("meta", property="og:title") is not None


def test_hreflang_pairs_point_at_each_other(published_site: BuiltSite) -> None:
    def alternates(page: str) -> dict[str, str]:
        soup = published_site.page(page)
        return {
            link["hreflang"]: link["href"]
            for link in soup.find_all("link", rel="alternate", hreflang=True)
        }

    de, en = alternates(FLAGSHIP_DE), alternates(FLAGSHIP_EN)
    expected = {
        "de": f"{SITEURL}/{FLAGSHIP_DE}",
        "en": f"{SITEURL}/{FLAGSHIP_EN}",
        "x-default": f"{SITEURL}/{FLAGSHIP_DE}",
    }
    assert de == expected
    assert en == expected
    assert alternates("2024/kommentare-per-pull-request/") == {}


def test_feeds_are_announced_in_the_head(published_site: BuiltSite) -> None:
    head = published_site.page("").head
    types = {
        link["type"]: link["href"]
        for link in head.find_all("link", rel="alternate", type=True)
    }
    assert types["application/atom+xml"] == f"{SITEURL}/feeds/all.atom.xml"
    assert types["application/rss+xml"] == f"{SITEURL}/feeds/all.rss.xml"


def test_articles_announce_their_comment_feeds_when_set(
    published_site: BuiltSite,
) -> None:
    links = published_site.page(FLAGSHIP_DE).head.find_all(
        "link", rel="alternate", type=True
    )
    comment_feeds = [
        link["href"] for link in links if "social-media-im-silo" in link["href"]
    ]
    if not comment_feeds:
        pytest.skip("the comments plugin sets no comment_feed_*_url here")
    assert all(href.startswith(SITEURL) for href in comment_feeds)


# --- Root files -----------------------------------------------------------------


def test_sitemap_lists_every_article_and_page(published_site: BuiltSite) -> None:
    root = ET.fromstring(published_site.path("sitemap.xml").read_bytes())  # noqa: S314 (our own output)
    urls = {u.find("s:loc", NS).text: u for u in root.findall("s:url", NS)}
    pages = content_pages(published_site)
    assert len(pages) >= 9
    for name, soup in pages:
        canonical = soup.find("link", rel="canonical")["href"]
        assert canonical in urls, name
        lastmod = urls[canonical].find("s:lastmod", NS)
        if re.search(r"/\d{4}/", canonical):  # a post: dated by its header
            assert lastmod is not None, name
        if lastmod is not None:  # a page without Date: its file's mtime is no date
            assert re.match(r"\d{4}-\d\d-\d\d", lastmod.text), name
    assert f"{SITEURL}/" in urls and f"{SITEURL}/archiv/" in urls
    modified = urls[f"{SITEURL}/{FLAGSHIP_DE}"].find("s:lastmod", NS).text
    assert modified.startswith("2017-05-10")
    links = {
        link.get("hreflang"): link.get("href")
        for link in urls[f"{SITEURL}/{FLAGSHIP_EN}"].findall("x:link", NS)
    }
    assert (
        links["de"] == f"{SITEURL}/{FLAGSHIP_DE}"
        and links["en"] == f"{SITEURL}/{FLAGSHIP_EN}"
    )


def test_robots_points_at_the_sitemap(
    published_site: BuiltSite, sample_site: BuiltSite
) -> None:
    robots = published_site.path("robots.txt").read_text(encoding="utf-8")
    assert "User-agent: *" in robots
    assert f"Sitemap: {SITEURL}/sitemap.xml" in robots
    assert "Sitemap:" not in sample_site.path("robots.txt").read_text(encoding="utf-8")


def test_favicons_exist_and_are_linked(sample_site: BuiltSite) -> None:
    ico = sample_site.path("favicon.ico").read_bytes()
    assert struct.unpack("<HHH", ico[:6]) == (0, 1, 1)
    assert ico[22:30] == b"\x89PNG\r\n\x1a\n"
    soup = sample_site.page("")
    icons = {
        link.get("type"): link["href"] for link in soup.find_all("link", rel="icon")
    }
    assert set(icons) == {"image/svg+xml", "image/png"}
    for href in icons.values():
        assert sample_site.exists(href.removeprefix("./")), href
    svg = sample_site.path(icons["image/svg+xml"].removeprefix("./")).read_text(
        encoding="utf-8"
    )
    assert svg.startswith("<svg") and "prefers-color-scheme" in svg


def test_pagination_and_intake_origin(tmp_path: Path) -> None:
    """One extra build: two posts a page, and a comment intake on another host."""
    from support.site import build_site

    intake = "https://comments.example.net:8443/comments"
    settings = {"DEFAULT_PAGINATION": 2, "COMMENTS_INTAKE_URL": intake}
    site = build_site(tmp_path, settings=settings)
    assert site.returncode == 0, site.log
    csp = site.page("").find("meta", attrs={"http-equiv": "Content-Security-Policy"})
    policy = dict(d.split(" ", 1) for d in csp["content"].split("; "))
    assert policy["form-action"] == "'self' https://comments.example.net:8443"
    assert policy["connect-src"] == "'self' https://comments.example.net:8443"
    assert policy["script-src"] == "'self'"
    first, second = site.page(""), site.page("seite/2/")
    assert first.find("a", rel="next")["href"].endswith("seite/2/")
    assert second.find("a", rel="prev")["href"] == "../../"
    assert first.find("a", rel="prev") is None and second.find("a", rel="next") is None
    assert (
        second.select_one(".pagination-status").get_text(strip=True) == "Seite 2 von 2"
    )
    titles = [
        a.get_text(strip=True)
        for page in (first, second)
        for a in page.select(".entry-title a")
    ]
    archive = [
        a.get_text(strip=True) for a in site.page("archiv/").select(".post-list a")
    ]
    assert sorted(titles) == sorted(archive) and len(titles) == 4


def test_titles_and_names_are_text_not_markup(tmp_path: Path) -> None:
    """Pelican's Jinja does not autoescape; the theme turns it on for every template."""
    from support.site import build_site, copy_content

    content = copy_content(tmp_path)
    title = "Angriff <script>alert(1)</script> & <b>Co</b>"
    (content / "posts" / "angriff.md").write_text(
        f"Title: {title}\nDate: 2024-11-01 10:00\nAuthor: Eve <img src=x onerror=alert(1)>\n"
        "Category: Werkstatt\nTags: <i>kursiv</i>\nSlug: angriff\n"
        "Summary: Kurz.\n\nText.\n",
        encoding="utf-8",
    )
    site = build_site(tmp_path, content=content)
    assert site.returncode == 0, site.log
    for page in ("2024/angriff/", "", "archiv/", "kategorie/werkstatt/"):
        soup = site.page(page)
        assert all(s.get("src") or s.get("type") for s in soup.find_all("script")), page
        assert soup.find("img", src="x") is None and soup.find("b") is None, page
        assert soup.find("i") is None, page
    post = site.page("2024/angriff/")
    assert post.h1.get_text() == title
    assert post.title.get_text().startswith(title)
    assert post.find("meta", property="og:title")["content"] == title
    [data] = jsonld(post)
    assert data["headline"] == title
    assert "Eve <img" in post.select_one(".post-author").get_text()
