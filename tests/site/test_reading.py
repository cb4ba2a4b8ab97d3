"""Reading lists on the built site: pages, anchors, backlinks, JSON-LD, feed, errors."""

from __future__ import annotations

import json
import posixpath
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from support.site import BuiltSite, build_site, copy_content

ROOT = Path(__file__).resolve().parents[2]
FLAGSHIP = "2017/social-media-im-silo/"
LISTS = {
    "fuer-social-media-teams": ["silo-und-schwarm", "zuhoeren-lernen"],
    "moderation": ["moderation-als-handwerk"],
}
RECOMMENDED = {  # post page → keys its Reading: header names
    FLAGSHIP: ["silo-und-schwarm", "zuhoeren-lernen"],
    "en/" + FLAGSHIP: ["silo-und-schwarm", "zuhoeren-lernen"],
    "2024/kommentare-per-pull-request/": ["moderation-als-handwerk"],
    "en/2024/notes-from-a-small-conference/": ["plain-text-forever"],
}
TYPES = {
    "book": "Book",
    "article": "Article",
    "video": "VideoObject",
    "podcast": "PodcastEpisode",
    "link": "CreativeWork",
}


def resolve(page_rel: str, href: str) -> tuple[str, str]:
    """A relative href on page_rel as (site path, fragment)."""
    parts = urlsplit(href)
    assert not parts.scheme and not parts.netloc, href
    base = page_rel if page_rel.endswith("/") else posixpath.dirname(page_rel) + "/"
    path = (
        posixpath.normpath(posixpath.join(base, parts.path)) if parts.path else page_rel
    )
    path = "" if path == "." else path.lstrip("/")
    return (path + "/" if parts.path.endswith("/") and path else path), parts.fragment


def jsonld(page: BeautifulSoup) -> list[dict]:
    return [
        json.loads(s.string)
        for s in page.find_all("script", type="application/ld+json")
    ]


def list_files() -> list[str]:
    return sorted(p.stem for p in (ROOT / "content" / "reading").glob("*.yaml"))


def test_a_page_per_list_and_an_index(sample_site: BuiltSite) -> None:
    slugs = list_files()
    assert set(LISTS) <= set(slugs)
    index = sample_site.page("reading/")
    linked = {
        resolve("reading/", a["href"])[0]
        for a in index.select(".reading-index-list h2 a")
    }
    assert linked == {f"reading/{slug}/" for slug in slugs}
    for slug in slugs:
        assert sample_site.exists(f"reading/{slug}/")
    assert index.html["lang"] == "de"
    assert index.find("h1").get_text(strip=True) == "Leselisten"


def test_every_item_has_its_anchor(sample_site: BuiltSite) -> None:
    for slug, keys in LISTS.items():
        page = sample_site.page(f"reading/{slug}/")
        ids = [li["id"] for li in page.select("li.reading-item")]
        assert set(keys) <= set(ids)
        assert len(ids) == len(set(ids))


def test_box_after_the_text_links_to_each_item(sample_site: BuiltSite) -> None:
    for post, keys in RECOMMENDED.items():
        page = sample_site.page(post)
        box = page.select_one("aside.reading-box")
        assert box is not None, post
        # After the post's text.
        prose = page.select_one(".prose")
        assert prose is not None and prose in box.find_all_previous()
        targets = [
            resolve(post, a["href"]) for a in box.select(".reading-item-title a")
        ]
        assert [key for _, key in targets] == keys
        for path, key in targets:
            assert (
                sample_site.page(path).find(id=key, class_="reading-item") is not None
            ), (path, key)


def test_box_shows_title_authors_year_kind_link_and_note(
    sample_site: BuiltSite,
) -> None:
    box = sample_site.page(FLAGSHIP).select_one("aside.reading-box")
    book = box.select("li.reading-item")[0]
    text = " ".join(book.get_text(" ").split())
    assert "Silo und Schwarm" in text
    assert "Marlene Kuhnt" in text
    assert "2016" in text
    assert book.select_one(".reading-item-kind").get_text(strip=True) == "Buch"
    assert book.select_one(".reading-item-note em") is not None  # Markdown rendered
    assert (
        book.select_one('.reading-item-link a[href^="https://example.org/"]')
        is not None
    )
    assert box.find("h2").get_text(strip=True) == "Zum Weiterlesen"
    english = sample_site.page("en/" + FLAGSHIP).select_one("aside.reading-box")
    assert english.find("h2").get_text(strip=True) == "Further reading"
    assert english.select_one(".reading-item-kind").get_text(strip=True) == "Book"


def test_backlinks_name_every_recommending_post(sample_site: BuiltSite) -> None:
    expected: dict[str, set[str]] = {}
    for post, keys in RECOMMENDED.items():
        for key in keys:
            expected.setdefault(key, set()).add(post)
    found: dict[str, set[str]] = {}
    for slug in list_files():
        rel = f"reading/{slug}/"
        for li in sample_site.page(rel).select("li.reading-item"):
            links = li.select(".reading-item-backlinks a")
            found[li["id"]] = {resolve(rel, a["href"])[0] for a in links}
            if links:
                label = li.select_one(".reading-item-backlinks").get_text(
                    " ", strip=True
                )
                page_lang = sample_site.page(rel).html["lang"]
                assert label.startswith(
                    "Empfohlen in" if page_lang == "de" else "Recommended in"
                )
    for key, posts in expected.items():
        assert found[key] == posts, key
    assert found["leitplanken-vorlage"] == set()  # recommended nowhere
    for posts in found.values():
        for post in posts:
            assert sample_site.exists(post)


def test_english_list_page_is_english(sample_site: BuiltSite) -> None:
    page = sample_site.page("reading/tools-and-archives/")
    assert page.html["lang"] == "en"
    assert "Recommended in" in page.get_text()
    assert (
        page.select_one("#plain-text-forever .reading-item-kind").get_text(strip=True)
        == "Video"
    )


def test_list_pages_carry_itemlist_jsonld(sample_site: BuiltSite) -> None:
    for slug in list_files():
        page = sample_site.page(f"reading/{slug}/")
        (data,) = [d for d in jsonld(page) if d.get("@type") == "ItemList"]
        assert data["@context"] == "https://schema.org"
        elements = data["itemListElement"]
        ids = [li["id"] for li in page.select("li.reading-item")]
        assert [e["position"] for e in elements] == list(range(1, len(ids) + 1))
        assert data["numberOfItems"] == len(ids)
        for element, li in zip(elements, page.select("li.reading-item"), strict=True):
            kind = next(
                c for c in li["class"] if c.startswith("reading-item-")
            ).removeprefix("reading-item-")
            assert element["@type"] == "ListItem"
            assert element["item"]["@type"] == TYPES[kind]
            assert element["item"]["name"] == li.select_one(
                ".reading-item-title"
            ).get_text(strip=True)
    silo = next(
        e["item"]
        for e in jsonld(sample_site.page("reading/fuer-social-media-teams/"))[0][
            "itemListElement"
        ]
        if e["item"]["name"].startswith("Silo und Schwarm")
    )
    assert silo["isbn"] == "9783948075125"
    assert silo["author"] == [{"@type": "Person", "name": "Marlene Kuhnt"}]
    assert "Leitplanken" in silo["description"] and "<" not in silo["description"]


def test_published_jsonld_ids_are_absolute_anchors(published_site: BuiltSite) -> None:
    page = published_site.page("reading/fuer-social-media-teams/")
    (data,) = jsonld(page)
    assert urlsplit(data["url"]).scheme == "https"
    first = data["itemListElement"][0]["item"]
    assert first["@id"].endswith("/reading/fuer-social-media-teams/#silo-und-schwarm")


def test_index_carries_itemlist_jsonld(sample_site: BuiltSite) -> None:
    (data,) = jsonld(sample_site.page("reading/"))
    assert data["@type"] == "ItemList"
    assert data["numberOfItems"] == len(list_files())


@pytest.mark.parametrize("path", ["feeds/reading.atom.xml", "feeds/reading.rss.xml"])
def test_reading_feed_parses_and_links_each_item(
    sample_site: BuiltSite, path: str
) -> None:
    feed = sample_site.feed(path)
    assert not feed.bozo, feed.get("bozo_exception")
    keys = {urlsplit(e.link).fragment for e in feed.entries}
    assert {
        "silo-und-schwarm",
        "zuhoeren-lernen",
        "moderation-als-handwerk",
        "plain-text-forever",
    } <= keys
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)  # newest first
    newest = feed.entries[0]
    assert urlsplit(newest.link).path.startswith("/reading/")
    ids = [e.id for e in feed.entries]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("tag:") for i in ids)


def test_reading_feed_is_announced_on_the_index(sample_site: BuiltSite) -> None:
    index = sample_site.page("reading/")
    hrefs = {
        resolve("reading/", a["href"])[0] for a in index.select(".reading-index-feed a")
    }
    assert hrefs == {"feeds/reading.atom.xml", "feeds/reading.rss.xml"}


# -- Errors: a broken list and a post naming unknown keys ------------------------------

BROKEN_LIST = """\
title: Kaputt <script>alert(1)</script>
items:
  - key: gut-und-sicher
    kind: article
    title: "Ein <script>alert(1)</script> Titel"
    authors: ["<b>Eva</b>"]
    note: "Mit [Link](javascript:alert(1)) und <img src=x onerror=alert(1)>"
  - key: falsche-isbn
    kind: book
    title: Falsche ISBN
    isbn: 978-3-948075-12-4
  - key: silo-und-schwarm
    kind: book
    title: Doppelt
  - key: ohne-titel
    kind: podcast
  - key: schlechte-url
    kind: link
    title: Schlechte URL
    url: javascript:alert(1)
"""


@pytest.fixture(scope="module")
def broken_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = copy_content(tmp_path_factory.mktemp("reading-content"))
    (content / "reading" / "zz-kaputt.yaml").write_text(BROKEN_LIST, encoding="utf-8")
    post = content / "posts" / "kommentare-per-pull-request.md"
    text = post.read_text(encoding="utf-8")
    assert "Reading: moderation-als-handwerk\n" in text
    post.write_text(
        text.replace(
            "Reading: moderation-als-handwerk\n",
            "Reading: moderation-als-handwerk, gibt-es-nicht, falsche-isbn, "
            "gut-und-sicher\n",
        ),
        encoding="utf-8",
    )
    page = content / "pages" / "ueber.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "Lang: de\n", "Lang: de\nReading: leise-stimmen\n", 1
        ),
        encoding="utf-8",
    )
    return content


@pytest.fixture(scope="module")
def broken_site(
    tmp_path_factory: pytest.TempPathFactory, broken_content: Path
) -> BuiltSite:
    return build_site(tmp_path_factory.mktemp("reading-broken"), content=broken_content)


def _reading_line(content: Path) -> int:
    lines = (
        (content / "posts" / "kommentare-per-pull-request.md").read_text().splitlines()
    )
    return next(n for n, line in enumerate(lines, 1) if line.startswith("Reading:"))


EXPECTED = [
    "content/reading/zz-kaputt.yaml:11: isbn: item 'falsche-isbn': "
    "'978-3-948075-12-4' is not a "
    "valid ISBN-10 or ISBN-13 (check digit)",
    "content/reading/zz-kaputt.yaml:12: key: item 'silo-und-schwarm': "
    "the key is already used in "
    "fuer-social-media-teams.yaml",
    "content/reading/zz-kaputt.yaml:15: title: item 'ohne-titel': 'title' is missing",
    "content/reading/zz-kaputt.yaml:20: url: item 'schlechte-url': "
    "the URL 'javascript:alert(1)' "
    "must start with http:// or https://",
]


def test_default_build_warns_and_leaves_out_broken_items(
    broken_site: BuiltSite, broken_content: Path
) -> None:
    assert broken_site.returncode == 0, broken_site.log
    for line in EXPECTED:
        assert line in broken_site.log
    reading = _reading_line(broken_content)
    assert (
        f"content/posts/kommentare-per-pull-request.md:{reading}: Reading: unknown "
        "reading-list key 'gibt-es-nicht'"
    ) in broken_site.log
    assert (
        f"content/posts/kommentare-per-pull-request.md:{reading}: Reading: "
        "the reading-list "
        "item 'falsche-isbn' has errors and is left out"
    ) in broken_site.log
    page = broken_site.page("reading/zz-kaputt/")
    assert [li["id"] for li in page.select("li.reading-item")] == ["gut-und-sicher"]
    # The first silo-und-schwarm keeps its place and its backlinks.
    teams = broken_site.page("reading/fuer-social-media-teams/")
    assert teams.find(id="silo-und-schwarm").select(".reading-item-backlinks a")
    # The post shows what resolved, in order.
    box = broken_site.page("2024/kommentare-per-pull-request/").select_one(
        "aside.reading-box"
    )
    keys = [urlsplit(a["href"]).fragment for a in box.select(".reading-item-title a")]
    assert keys == ["moderation-als-handwerk", "gut-und-sicher"]


def test_reader_text_is_escaped_and_sanitized(broken_site: BuiltSite) -> None:
    for rel in ("reading/zz-kaputt/", "2024/kommentare-per-pull-request/", "reading/"):
        html = broken_site.text(rel)
        assert "<script>alert" not in html
        page = BeautifulSoup(html, "html.parser")
        for element in page.find_all(True):
            assert not [a for a in element.attrs if a.lower().startswith("on")], element
        for a in page.find_all("a", href=True):
            assert not a["href"].lower().startswith("javascript:"), rel
        for script in page.find_all("script"):
            if script.get("src"):  # the theme's own files only, nothing inline
                assert not urlsplit(script["src"]).netloc, rel
                assert not (script.string or "").strip(), rel
                continue
            assert script.get("type") == "application/ld+json", rel
            json.loads(script.string)
        assert page.find("b") is None
    item = broken_site.page("reading/zz-kaputt/").find(id="gut-und-sicher")
    assert (
        "Ein <script>alert(1)</script> Titel"
        in item.select_one(".reading-item-title").get_text()
    )
    assert item.select_one(".reading-item-note img") is None


def test_strict_build_fails_and_lists_every_problem(
    tmp_path: Path, broken_content: Path
) -> None:
    site = build_site(tmp_path, content=broken_content, strict=True)
    assert site.returncode != 0
    for line in EXPECTED:
        assert line in site.log
    assert "Reading: unknown reading-list key 'gibt-es-nicht'" in site.log
    assert (
        str(PurePosixPath("content/posts/kommentare-per-pull-request.md")) in site.log
    )


def test_a_page_may_recommend_too(broken_site: BuiltSite) -> None:
    box = broken_site.page("ueber/").select_one("aside.reading-box")
    assert box is not None
    (link,) = box.select(".reading-item-title a")
    assert resolve("ueber/", link["href"]) == ("reading/moderation/", "leise-stimmen")
    item = broken_site.page("reading/moderation/").find(id="leise-stimmen")
    backlinks = item.select(".reading-item-backlinks a")
    posts = [resolve("reading/moderation/", a["href"])[0] for a in backlinks]
    assert posts == ["ueber/"]
