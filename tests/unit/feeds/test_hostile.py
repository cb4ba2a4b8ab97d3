"""The XSS corpus in comment bodies, author names and websites: feeds stay harmless."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from feeds.comments import (
    attach_comment_feed_urls,
    comment_items,
    discussion_feeds,
    latest_comments_feed,
)
from feeds.site import write_job
from lxml import etree
from unit.feeds.fakes import comment, post, site, with_thread
from unit.feeds.hostile import COMMENT_TAGS, payloads, unsafe_markup

SETTINGS = {
    "COMMENTS_FEED_ATOM": "c/{slug}.atom.xml",
    "COMMENTS_FEED_RSS": "c/{slug}.rss.xml",
    "COMMENTS_FEED_ALL_ATOM": "c/all.atom.xml",
    "COMMENTS_FEED_ALL_RSS": "c/all.rss.xml",
    "COMMENTS_FEED_ALL_MAX_ITEMS": 10_000,
}


def test_corpus_is_there() -> None:
    assert len(payloads()) > 800


def test_unsafe_markup_detects_what_it_should() -> None:
    assert unsafe_markup("<p>ok <a href='https://x'>x</a></p>", COMMENT_TAGS) == []
    for bad in (
        "<script>x</script>",
        "<p onclick=x>",
        "<a href=' jav&#x09;ascript:x'>",
        "<img src=data:x>",
        "<p style=x>",
        "<iframe>",
        "<svg><a href=javascript:x>",
    ):
        assert unsafe_markup(bad), bad


@pytest.fixture(scope="module")
def hostile_feeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hostile")
    lines = payloads()
    comments = []
    for n, line in enumerate(lines):
        comments.append(comment(f"b{n}", n, body=line))
        comments.append(comment(f"a{n}", n, parent=f"b{n}", author=line[:100]))
        comments.append(comment(f"w{n}", n, parent=f"a{n}", website=line))
    s = site(out)
    content = with_thread(post("boese"), comments)
    # The plugin's own rendering, and a worst case where comment_html held raw text.
    raw = with_thread(post("roh", url="2017/roh/"), comments[:300])
    raw.comment_html = {c.id: c.body for c in comments[:300]}
    attach_comment_feed_urls([content, raw], SETTINGS, default_mode="open")
    jobs = list(discussion_feeds(s, [content, raw], SETTINGS))
    for job in [*jobs, latest_comments_feed(s, jobs, SETTINGS)]:
        write_job(s, job)
    assert len(comment_items(s, content)) == 3 * len(lines)
    return out


@pytest.mark.parametrize(
    "name",
    [
        "boese.atom.xml",
        "boese.rss.xml",
        "roh.atom.xml",
        "roh.rss.xml",
        "all.atom.xml",
        "all.rss.xml",
    ],
)
def test_feeds_stay_well_formed_and_harmless(hostile_feeds: Path, name: str) -> None:
    data = (hostile_feeds / "c" / name).read_bytes()
    root = etree.fromstring(data)  # strict XML: raises when not well-formed
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries
    bodies = root.xpath(
        "//*[local-name()='content' or local-name()='summary'"
        " or local-name()='description'"
        " or local-name()='encoded']/text()"
    )
    if name.startswith("boese"):  # rendered Markdown is never empty
        assert len(bodies) >= len(parsed.entries)
    problems = {p for body in bodies for p in unsafe_markup(body, COMMENT_TAGS)}
    assert not problems
    uris = root.xpath("//*[local-name()='author']/*[local-name()='uri']/text()")
    assert all(u.startswith(("http://", "https://")) for u in uris)
