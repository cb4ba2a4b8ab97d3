"""Hostile comments are harmless in the built HTML: every corpus payload, every field.

The payloads (915 corpus lines plus our Markdown vectors) go into bodies,
author names and websites (see tests/data/comments/xss.py); the site is built
once and every page is parsed. Feeds are checked by the feeds tests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from support.site import ROOT, BuiltSite, build_site, copy_content

sys.path.insert(0, str(ROOT / "tests" / "data" / "comments"))
from comments import build_thread, load_thread
from xss import MARKDOWN_VECTORS, corpus_payloads, problems_in, write_xss_threads

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def xss_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[BuiltSite, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("xss")
    content = copy_content(tmp)
    pages = write_xss_threads(content)
    site = build_site(tmp, content=content)
    assert site.returncode == 0, site.log[-3000:]
    return site, pages


def shown(site: BuiltSite, slug: str) -> dict[str, Any]:
    """What the comment model accepts from the generated files (id → Comment)."""
    loaded = load_thread(Path(site.content) / "comments" / slug, BERLIN)
    thread, _ = build_thread(loaded.comments, loaded.broken)
    return {c.id: c for c in thread.comments}


def test_the_corpus_is_all_there() -> None:
    assert len(corpus_payloads()) == 915
    assert len(MARKDOWN_VECTORS) > 50


def test_every_page_is_harmless(xss_site: tuple[BuiltSite, dict[str, str]]) -> None:
    site, _ = xss_site
    found: dict[str, list[str]] = {}
    for path in site.html_files():
        problems = list(problems_in(path.read_text(encoding="utf-8")))
        if problems:
            found[str(path.relative_to(site.output))] = problems[:20]
    assert found == {}


def test_the_payloads_are_on_the_pages(
    xss_site: tuple[BuiltSite, dict[str, str]],
) -> None:
    site, pages = xss_site
    total = len(corpus_payloads()) + len(MARKDOWN_VECTORS)
    bodies = site.page(pages["xss-bodies"]).select("#comments li.comment")
    assert len(bodies) == total  # no body is too long or empty: all are shown
    authors = shown(site, "xss-authors")
    assert len(authors) > 0.95 * total
    websites = shown(site, "xss-websites")
    assert len([c for c in websites if c.startswith("w")]) > 0.95 * total


def test_hostile_names_are_printed_as_text(
    xss_site: tuple[BuiltSite, dict[str, str]],
) -> None:
    site, pages = xss_site
    accepted = shown(site, "xss-authors")
    soup = site.page(pages["xss-authors"])
    assert {
        li["id"].removeprefix("comment-") for li in soup.select("li.comment")
    } == set(accepted)
    by_id = {t["id"]: t for t in soup.select("li.comment")}
    for cid, comment in accepted.items():
        name = by_id[f"comment-{cid}"].select_one(".p-author")
        assert name.get_text() == comment.author, cid
    (posting,) = [
        json.loads(s.string)
        for s in soup.find_all("script", type="application/ld+json")
        if json.loads(s.string).get("@type") == "BlogPosting"
    ]
    names = {c["author"]["name"] for c in posting["comment"]}
    assert names == {c.author for c in accepted.values()}


def test_hostile_websites_stay_inside_their_href(
    xss_site: tuple[BuiltSite, dict[str, str]],
) -> None:
    site, pages = xss_site
    accepted = shown(site, "xss-websites")
    soup = site.page(pages["xss-websites"])
    by_id = {t["id"]: t for t in soup.select("li.comment")}
    for cid, comment in accepted.items():
        link = by_id[f"comment-{cid}"].select_one("a.p-author")
        assert link["href"] == comment.website, cid
        assert link["href"].startswith(("https://", "http://"))
    # Raw payloads as websites are refused by the check (a few corpus lines are URLs).
    raw = [c for c in accepted if c.startswith("r")]
    assert all(
        accepted[c].website.lower().startswith(("http://", "https://")) for c in raw
    )


LIST = "<div id='comments'><ol class='comment-list'><li>{}</li></ol></div>"


def test_the_harness_catches_what_it_looks_for() -> None:
    bad = [
        LIST.format("<a href='javascript:alert(1)'>x</a>"),
        "<p onclick='x'>",
        "<script>alert(1)</script>",
        "<a href=' jav&#x09;ascript:alert(1)'>x</a>",
        "<div id='comments'><iframe></iframe></div>",
        "<div id='comments'><p style='x'></p></div>",
        "<script type='application/ld+json'>{\"a\": </script>",
        LIST.format("<a href='https://x.org/'>x</a>"),
        LIST.format("<a href='#x\" onclick'>x</a>"),
    ]
    for html in bad:
        assert list(problems_in(html)), html
    assert (
        list(problems_in("<p>ok</p><script type='application/ld+json'>{}</script>"))
        == []
    )
