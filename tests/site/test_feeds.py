"""Every feed of a real build: valid, complete, stable, threaded, and harmless.

Runs on both configurations: pelicanconf (empty SITEURL, so feeds fall back to
the local server's address) and publishconf (absolute SITEURL).
"""

from __future__ import annotations

import re
import runpy
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser
import pytest
import yaml
from bs4 import BeautifulSoup
from lxml import etree
from pelican.utils import slugify
from support.site import ROOT, BuiltSite, build_site, copy_content
from unit.feeds.hostile import COMMENT_TAGS, payloads, unsafe_markup

NS = {
    "a": "http://www.w3.org/2005/Atom",
    "thr": "http://purl.org/syndication/thread/1.0",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "dc": "http://purl.org/dc/elements/1.1/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
BASES = {
    "pelicanconf.py": "http://127.0.0.1:8000",
    "publishconf.py": "https://diskurs.example.org",
}
CONFIG = runpy.run_path(str(ROOT / "pelicanconf.py"))


@pytest.fixture(params=["pelicanconf.py", "publishconf.py"])
def built(request: pytest.FixtureRequest) -> tuple[BuiltSite, str]:
    name = "sample_site" if request.param == "pelicanconf.py" else "published_site"
    return request.getfixturevalue(name), BASES[request.param]


# -- reading the output ------------------------------------------------------


def xml(site: BuiltSite, rel: str) -> Any:
    return etree.fromstring(site.path(rel).read_bytes())


def feed_paths(site: BuiltSite) -> list[str]:
    return sorted(
        str(p.relative_to(site.output)) for p in (site.output / "feeds").rglob("*.xml")
    )


def header(path: Path) -> dict[str, str]:
    """A post's metadata header (Key: value lines up to the first blank line)."""
    meta = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            break
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    return meta


def published_posts(site: BuiltSite) -> list[dict[str, str]]:
    posts = [header(p) for p in sorted((site.content / "posts").glob("*.md"))]
    return [p for p in posts if p.get("status", "published") == "published"]


def key_of(link: str, lang: str) -> tuple[str, str]:
    """(slug, language) of a post's URL, e.g. /en/2017/x/ -> (x, en)."""
    return urlsplit(link).path.strip("/").split("/")[-1], lang


def atom_entries(root: Any) -> list[Any]:
    return root.findall("a:entry", NS)


def entry_link(entry: Any) -> str:
    return entry.xpath("a:link[@rel='alternate']/@href", namespaces=NS)[0]


def page_of(site: BuiltSite, base: str, url: str) -> BeautifulSoup:
    return site.page(urlsplit(url).path[len(urlsplit(base).path) :])


def shown_count(page: BeautifulSoup) -> int:
    title = page.select_one("#comments-title")
    numbers = re.findall(r"\d+", title.get_text()) if title else []
    return int(numbers[0]) if numbers else 0


# -- every feed --------------------------------------------------------------


def test_every_feed_parses_and_is_absolute(built: tuple[BuiltSite, str]) -> None:
    site, base = built
    paths = feed_paths(site)
    assert {
        "feeds/all.atom.xml",
        "feeds/all.rss.xml",
        "feeds/comments.atom.xml",
        "feeds/comments.rss.xml",
    } <= set(paths)
    for rel in paths:
        parsed = site.feed(rel)
        assert not parsed.bozo, (rel, parsed.get("bozo_exception"))
        root = xml(site, rel)
        ours = root.xpath(
            "//a:link/@href | //channel/link/text() | //item/link/text()"
            " | //item/comments/text() | //wfw:commentRss/text()"
            " | //thr:in-reply-to/@href",
            namespaces=NS,
        )
        assert ours, rel
        assert [u for u in ours if not u.startswith(base + "/")] == [], rel
        html = root.xpath(
            "//*[local-name()='content' or local-name()='description'"
            " or local-name()='summary' or local-name()='encoded']/text()"
        )
        for body in html:
            for tag in BeautifulSoup(body, "html.parser").find_all(True):
                for attr in ("href", "src"):
                    if tag.get(attr):
                        assert urlsplit(tag[attr]).scheme, (rel, tag[attr])


def test_all_feeds_carry_every_published_post_with_its_language(
    built: tuple[BuiltSite, str],
) -> None:
    site, base = built
    expected = {
        (p["slug"], p.get("lang", CONFIG["DEFAULT_LANG"]))
        for p in published_posts(site)
    }
    assert len(expected) >= 5 and {lang for _, lang in expected} >= {"de", "en"}
    atom = atom_entries(xml(site, "feeds/all.atom.xml"))
    assert {key_of(entry_link(e), e.get(XML_LANG)) for e in atom} == expected
    rss = xml(site, "feeds/all.rss.xml").findall("channel/item")
    assert {
        key_of(i.findtext("link"), i.findtext("dc:language", namespaces=NS))
        for i in rss
    } == expected
    for entry in atom:  # the entry's language is the page's
        page = page_of(site, base, entry_link(entry))
        assert page.html["lang"] == entry.get(XML_LANG)
    published = [e.findtext("a:published", namespaces=NS) for e in atom]
    assert [datetime.fromisoformat(p) for p in published] == sorted(
        (datetime.fromisoformat(p) for p in published), reverse=True
    )


def test_category_feeds_carry_exactly_their_category(
    built: tuple[BuiltSite, str],
) -> None:
    site, _ = built
    by_category: dict[str, set[tuple[str, str]]] = {}
    for p in published_posts(site):
        slug = slugify(p["category"], regex_subs=CONFIG["SLUG_REGEX_SUBSTITUTIONS"])
        by_category.setdefault(slug, set()).add((p["slug"], p.get("lang", "de")))
    assert len(by_category) >= 2
    for slug, expected in by_category.items():
        atom = atom_entries(xml(site, CONFIG["FEEDS_CATEGORY_ATOM"].format(slug=slug)))
        assert {key_of(entry_link(e), e.get(XML_LANG)) for e in atom} == expected
        rss = site.feed(CONFIG["FEEDS_CATEGORY_RSS"].format(slug=slug))
        assert len(rss.entries) == len(expected)


def test_posts_link_their_discussion_like_wordpress(
    built: tuple[BuiltSite, str],
) -> None:
    site, base = built
    items = xml(site, "feeds/all.rss.xml").findall("channel/item")
    entries = {entry_link(e): e for e in atom_entries(xml(site, "feeds/all.atom.xml"))}
    with_comments = 0
    for item in items:
        link = item.findtext("link")
        page = page_of(site, base, link)
        entry = entries[link]
        if page.select_one("#comments") is None:  # Comments: off
            assert item.find("comments") is None
            assert item.find("wfw:commentRss", NS) is None
            assert item.find("slash:comments", NS) is None
            assert not entry.xpath("a:link[@rel='replies'] | thr:*", namespaces=NS)
            continue
        with_comments += 1
        assert item.findtext("comments") == link + "#comments"
        comment_feed = item.findtext("wfw:commentRss", namespaces=NS)
        assert comment_feed.startswith(base + "/")
        assert site.exists(comment_feed[len(base) + 1 :]), comment_feed
        count = int(item.findtext("slash:comments", namespaces=NS))
        assert count == shown_count(page)
        replies = entry.xpath(
            "a:link[@rel='replies' and @type='application/atom+xml']", namespaces=NS
        )
        assert len(replies) == 1
        assert replies[0].get(f"{{{NS['thr']}}}count") == str(count)
        assert site.exists(replies[0].get("href")[len(base) + 1 :])
    assert with_comments >= 3
    parsed = site.feed("feeds/all.rss.xml")
    assert any(int(e.get("slash_comments", 0)) > 0 for e in parsed.entries)


# -- comment feeds -------------------------------------------------------------


def discussions(site: BuiltSite, base: str) -> list[tuple[str, BeautifulSoup, Any]]:
    """(page path, page, Atom comment feed) for each page that links a comment feed."""
    out = []
    for html in site.html_files():
        rel = html.relative_to(site.output).as_posix()
        page = site.page(rel)
        link = page.find(
            "link",
            rel="alternate",
            type="application/atom+xml",
            href=re.compile(r"comments/[^/]+\.atom\.xml$"),
        )
        if link is None:
            continue
        feed_url = urljoin(f"{base}/{rel}", link["href"])
        assert feed_url.startswith(base + "/"), feed_url
        out.append((rel, page, xml(site, feed_url[len(base) + 1 :])))
    return out


def test_comment_feeds_carry_every_comment_threaded(
    built: tuple[BuiltSite, str],
) -> None:
    site, base = built
    found = discussions(site, base)
    assert len(found) >= 3
    total = 0
    for rel, page, root in found:
        entries = atom_entries(root)
        shown = {
            li["id"][len("comment-") :]: li for li in page.select("li.comment[id]")
        }
        removed = {cid for cid, li in shown.items() if "comment-removed" in li["class"]}
        by_fragment = {entry_link(e).rsplit("#comment-", 1)[1]: e for e in entries}
        assert set(by_fragment) == set(shown) - removed, rel
        ids = {e.findtext("a:id", namespaces=NS) for e in entries}
        assert len(ids) == len(entries)
        post_url = root.xpath("a:link[@rel='alternate']/@href", namespaces=NS)[0]
        post_url = post_url.split("#")[0]
        for cid, entry in by_fragment.items():
            reply = entry.find("thr:in-reply-to", NS)
            assert reply is not None, cid
            href = reply.get("href")
            if "#comment-" in href:
                parent = href.rsplit("#comment-", 1)[1]
                assert reply.get("ref") == by_fragment[parent].findtext(
                    "a:id", namespaces=NS
                )
                assert reply.get("ref") in ids
                container = shown[cid].find_parent("li", class_="comment")
                flattened = "comment-flattened" in shown[cid]["class"]
                if container is not None and not flattened:
                    assert container["id"] == f"comment-{parent}"
            else:  # top level, or every ancestor removed: answers the post
                assert href == post_url
                assert reply.get("ref").endswith(urlsplit(post_url).path)
                container = shown[cid].find_parent("li", class_="comment")
                assert container is None or "comment-removed" in container["class"]
        total += len(entries)
        rss = site.feed(rel_feed(root, base))
        assert not rss.bozo and len(rss.entries) == len(entries)
    assert total >= 20


def rel_feed(atom_root: Any, base: str) -> str:
    self_url = atom_root.xpath("a:link[@rel='self']/@href", namespaces=NS)[0]
    return self_url[len(base) + 1 :].replace(".atom.xml", ".rss.xml")


def test_site_wide_comment_feed_is_newest_first(built: tuple[BuiltSite, str]) -> None:
    site, _ = built
    entries = atom_entries(xml(site, CONFIG["COMMENTS_FEED_ALL_ATOM"]))
    assert 20 <= len(entries) <= CONFIG["COMMENTS_FEED_ALL_MAX_ITEMS"]
    dates = [
        datetime.fromisoformat(e.findtext("a:published", namespaces=NS))
        for e in entries
    ]
    assert dates == sorted(dates, reverse=True)
    slugs = {
        e.findtext("a:id", namespaces=NS).split(":comment/")[1].split("/")[0]
        for e in entries
    }
    assert len(slugs) >= 3
    rss = site.feed(CONFIG["COMMENTS_FEED_ALL_RSS"])
    assert [e.id for e in rss.entries] == [
        e.findtext("a:id", namespaces=NS) for e in entries
    ]


def test_feeds_are_identical_in_a_second_build(
    tmp_path: Path, sample_site: BuiltSite
) -> None:
    again = build_site(tmp_path)
    assert again.returncode == 0, again.log
    paths = feed_paths(sample_site)
    assert feed_paths(again) == paths
    for rel in paths:
        assert again.path(rel).read_bytes() == sample_site.path(rel).read_bytes(), rel


def test_entry_ids_are_stable_tag_uris(built: tuple[BuiltSite, str]) -> None:
    site, base = built
    domain = urlsplit(base).hostname
    for rel in feed_paths(site):
        if not rel.endswith(".atom.xml") or "reading" in rel:
            continue
        for entry in atom_entries(xml(site, rel)):
            assert re.fullmatch(
                rf"tag:{re.escape(domain)},\d{{4}}:\S+",
                entry.findtext("a:id", namespaces=NS),
            ), rel


# -- hostile comments ------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The sample site plus a thread with every XSS payload as body, author, website."""
    tmp = tmp_path_factory.mktemp("hostile-feeds")
    content = copy_content(tmp)
    start = datetime(2024, 6, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    records = []
    for n, line in enumerate(payloads()):
        when = start + timedelta(minutes=4 * n)
        records += [
            {
                "id": f"b{n}",
                "author": "Ada Nowak",
                "date": when.isoformat(),
                "body": line,
            },
            {
                "id": f"a{n}",
                "parent": f"b{n}",
                "author": line.strip()[:100] or "x",
                "date": (when + timedelta(minutes=1)).isoformat(),
                "body": "Name",
            },
            {
                "id": f"w{n}",
                "parent": f"a{n}",
                "author": "Jonas Brehm",
                "website": line,
                "date": (when + timedelta(minutes=2)).isoformat(),
                "body": "Website",
            },
            {
                "id": f"u{n}",
                "author": "Jonas Brehm",
                "website": "https://evil.example/" + line,
                "date": (when + timedelta(minutes=3)).isoformat(),
                "body": line[::-1],
            },
        ]
    folder = content / "comments" / "kommentare-per-pull-request"
    (folder / "hostile.yaml").write_text(
        yaml.safe_dump(records, allow_unicode=True, width=10_000, sort_keys=False),
        encoding="utf-8",
    )
    site = build_site(tmp, content=content)
    assert site.returncode == 0, site.log[-3000:]
    return site


@pytest.mark.parametrize(
    "rel",
    [
        "feeds/comments/kommentare-per-pull-request.atom.xml",
        "feeds/comments/kommentare-per-pull-request.rss.xml",
        "feeds/comments.atom.xml",
        "feeds/comments.rss.xml",
    ],
)
def test_hostile_comments_leave_feeds_well_formed_and_harmless(
    hostile_site: BuiltSite,
    rel: str,
) -> None:
    data = hostile_site.path(rel).read_bytes()
    root = etree.fromstring(data)  # strict XML parser: raises if not well-formed
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    if "kommentare-per-pull-request" in rel:
        assert len(parsed.entries) >= 2 * len(payloads())
    bodies = root.xpath(
        "//*[local-name()='content' or local-name()='description'"
        " or local-name()='summary']/text()"
    )
    assert len(bodies) >= len(parsed.entries)
    problems = sorted({p for body in bodies for p in unsafe_markup(body, COMMENT_TAGS)})
    assert problems == []
    for entry in parsed.entries:
        detail = entry.get("author_detail") or {}
        if detail.get("href"):
            assert urlsplit(detail["href"]).scheme in ("http", "https")


# -- two writers, one feed --------------------------------------------------------


def entry_reading(entry: Any) -> list[tuple[Any, ...]]:
    """An entry's elements as an XML parser reads them (its own tail aside)."""
    return [(entry.tag, sorted(entry.attrib.items()), entry.text)] + [
        (el.tag, sorted(el.attrib.items()), el.text, el.tail)
        for el in entry.iterdescendants()
    ]


def read_entries(data: bytes, kind: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Entries by id, as lxml and as feedparser read them."""
    entry, key = ("a:entry", "a:id") if kind == "ATOM" else ("channel/item", "guid")
    root = etree.fromstring(data)
    elements = {e.findtext(key, namespaces=NS): e for e in root.iterfind(entry, NS)}
    parsed = {e.id: dict(e) for e in feedparser.parse(data).entries}
    assert list(elements) == list(parsed)
    return elements, parsed


def assert_entries_read_alike(site: BuiltSite, kind: str) -> int:
    """The newest comments, written by feedgen, read as their discussions' feeds
    (the lean writer) have them: same elements, same feedparser values."""
    data = site.path(CONFIG[f"COMMENTS_FEED_ALL_{kind}"]).read_bytes()
    theirs, theirs_parsed = read_entries(data, kind)
    discussions: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for entry_id, entry in theirs.items():
        slug = entry_id.split(":comment/")[1].split("/")[0]
        if slug not in discussions:
            rel = CONFIG[f"COMMENTS_FEED_{kind}"].format(slug=slug)
            discussions[slug] = read_entries(site.path(rel).read_bytes(), kind)
        ours, ours_parsed = discussions[slug]
        assert entry_reading(ours[entry_id]) == entry_reading(entry), entry_id
        assert ours_parsed[entry_id] == theirs_parsed[entry_id], entry_id
    return len(theirs)


@pytest.mark.parametrize("kind", ["ATOM", "RSS"])
def test_discussion_feeds_write_what_feedgen_writes(
    built: tuple[BuiltSite, str], hostile_site: BuiltSite, kind: str
) -> None:
    site, _ = built
    assert assert_entries_read_alike(site, kind) >= 20
    assert assert_entries_read_alike(hostile_site, kind) == 50


def test_no_feeds_when_the_plugin_is_off(tmp_path: Path) -> None:
    plugins = [p for p in CONFIG["PLUGINS"] if p != "feeds.plugin"]
    site = build_site(tmp_path, settings={"PLUGINS": plugins})
    assert site.returncode == 0, site.log
    assert not site.exists("feeds/all.atom.xml")
    assert not site.exists("feeds/comments.atom.xml")
    assert not (site.output / "feeds" / "comments").exists()
    article = site.page("2017/social-media-im-silo/")
    assert not article.find("link", href=re.compile(r"comments/.+\.atom\.xml"))


def test_a_post_with_a_control_character_reference_in_a_link_builds(
    tmp_path: Path,
) -> None:
    """A character reference XML cannot carry, in an attribute the feeds make
    absolute, once stopped the build (lxml refuses such a value)."""
    content = copy_content(tmp_path)
    post = content / "posts" / "redaktionsplan-ohne-stress.md"
    post.write_text(
        post.read_text(encoding="utf-8")
        + '\n\n<p><a href="/archiv/&#1;" title="Steuer&#14;zeichen">Archiv</a></p>\n',
        encoding="utf-8",
    )
    site = build_site(tmp_path, content=content)
    assert site.returncode == 0, site.log[-3000:]
    data = site.path("feeds/all.atom.xml").read_bytes()
    etree.fromstring(data)  # well-formed XML
    entry = next(
        e
        for e in feedparser.parse(data).entries
        if "redaktionsplan-ohne-stress" in e.link
    )
    html = entry.content[0].value
    assert 'href="http' in html and "/archiv/" in html
    assert 'title="Steuerzeichen"' in html
