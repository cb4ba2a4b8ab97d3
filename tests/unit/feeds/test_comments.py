"""feeds.comments: every comment an entry, RFC 4685 threading, removed ones left out."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from urllib.parse import quote, urlsplit

import feedparser
import pytest
from comments.render import ThreadView
from comments.thread import build_thread
from feeds.comments import (
    _TAG_AS_IS,
    attach_comment_feed_urls,
    comment_items,
    discussion_bytes,
    discussion_feeds,
    latest_comments_feed,
)
from feeds.site import FeedJob, write_job
from lxml import etree
from sitekit import feedwriter, leanfeed
from sitekit.cache import value_digest
from sitekit.feedwriter import TAG_SAFE, order_items
from unit.feeds.fakes import BERLIN, comment, post, site, with_thread
from unit.sitekit.test_feedwriter_differential import assert_same_feed, xss_payloads

SETTINGS = {
    "COMMENTS_FEED_ATOM": "feeds/comments/{slug}.atom.xml",
    "COMMENTS_FEED_RSS": "feeds/comments/{slug}.rss.xml",
    "COMMENTS_FEED_ALL_ATOM": "feeds/comments.atom.xml",
    "COMMENTS_FEED_ALL_RSS": "feeds/comments.rss.xml",
    "COMMENTS_FEED_ALL_MAX_ITEMS": 3,
}
THR = "{http://purl.org/syndication/thread/1.0}"
ATOM = "{http://www.w3.org/2005/Atom}"


def chain(n: int) -> list:
    """A reply chain n deep: c0 <- c1 <- c2 ..."""
    return [comment(f"c{i}", i, parent=f"c{i - 1}" if i else None) for i in range(n)]


def test_every_comment_is_an_entry_with_stable_id_and_permalink() -> None:
    s = site()
    content = with_thread(post(), [*chain(3), comment("other", 10)])
    items = comment_items(s, content)
    assert {i.id for i in items} == {
        f"tag:diskurs.example.org,2017:comment/social-media-im-silo/{c}"
        for c in ("c0", "c1", "c2", "other")
    }
    assert {i.link for i in items} == {
        f"https://diskurs.example.org/2017/social-media-im-silo/#comment-{c}"
        for c in ("c0", "c1", "c2", "other")
    }
    assert comment_items(s, content) == items  # same ids, same order: a second build


def test_in_reply_to_names_the_parent_or_the_post() -> None:
    s = site()
    content = with_thread(post(), chain(8), depth=3)  # deeper replies are flattened
    items = {i.id.rsplit("/", 1)[1]: i for i in comment_items(s, content)}
    post_id = s.post_id(content)
    assert items["c0"].in_reply_to.ref == post_id
    assert (
        items["c0"].in_reply_to.href
        == "https://diskurs.example.org/2017/social-media-im-silo/"
    )
    for i in range(1, 8):
        reply = items[f"c{i}"].in_reply_to
        assert reply.ref == items[f"c{i - 1}"].id
        assert reply.href.endswith(f"#comment-c{i - 1}")


def test_removed_comments_are_not_entries_and_replies_climb_past_them() -> None:
    s = site()
    comments = [
        comment("a", 0),
        comment("gone", 1, parent="a", status="removed", author="", body=""),
        comment("b", 2, parent="gone"),
    ]
    content = with_thread(post(), comments)
    items = {i.id.rsplit("/", 1)[1]: i for i in comment_items(s, content)}
    assert set(items) == {"a", "b"}
    assert items["b"].in_reply_to.ref == items["a"].id


def test_body_comes_from_comment_html_and_is_sanitized_again() -> None:
    s = site()
    content = with_thread(post(), [comment("a", 0)])
    content.comment_html = {
        "a": '<p onclick="x()">hi <a href="/rel">r</a><script>bad()</script></p>'
    }
    [item] = comment_items(s, content)
    assert "onclick" not in item.content_html and "script" not in item.content_html
    assert 'href="https://diskurs.example.org/rel"' in item.content_html


def test_author_uri_only_for_web_urls() -> None:
    s = site()
    content = with_thread(
        post(),
        [
            comment("a", 0, website="https://ada.example/"),
            comment("b", 1, website="javascript:alert(1)"),
            comment("c", 2, website="data:text/html,x"),
        ],
    )
    uris = {i.id[-1]: i.author_uri for i in comment_items(s, content)}
    assert uris == {"a": "https://ada.example/", "b": None, "c": None}


def test_author_uri_is_any_http_url_with_a_host() -> None:
    """The plain URLs taken without urlsplit are among those it would take."""
    from feeds.comments import _web_uri

    def by_urlsplit(url: str) -> str | None:
        try:
            parts = urlsplit(url.strip())
        except ValueError:
            return None
        ok = parts.scheme in ("http", "https") and parts.netloc
        return url.strip() if ok else None

    urls = [
        f"{scheme}{host}{rest}"
        for scheme in ("http://", "https://", "HTTP://", "ftp://", "https:", "//")
        for host in ("ada.example", "a.b:8080", "[::1]", "[x", "ä.example", "", " ")
        for rest in ("", "/", "/p?q=1#f", " ", "\t", "/a b", "?", "#")
    ]
    assert all(_web_uri(url) == by_urlsplit(url) for url in urls)
    assert sum(_web_uri(url) is not None for url in urls) > 50


def test_entry_titles_follow_the_post_language() -> None:
    s = site()
    de = comment_items(s, with_thread(post(), [comment("a", 0)]))[0]
    en = comment_items(
        s, with_thread(post(lang="en", title="Silo"), [comment("a", 0)])
    )[0]
    assert de.title == "Kommentar von Person a zu „Social Media im Silo“"
    assert en.title == "Comment by Person a on “Silo”"
    assert (de.language, en.language) == ("de", "en")


def test_off_gets_no_feed_urls_and_pages_default_to_off() -> None:
    on, off = post("on"), post("off", metadata={"comments": "off"})
    page = post("ueber")
    attach_comment_feed_urls([on, off], SETTINGS, default_mode="open")
    attach_comment_feed_urls([page], SETTINGS, default_mode="off")
    assert on.comment_feed_atom_url == "feeds/comments/on.atom.xml"
    assert on.comment_feed_rss_url == "feeds/comments/on.rss.xml"
    assert off.comment_feed_atom_url is None and off.comment_feed_rss_url is None
    assert page.comment_feed_atom_url is None


def test_feeds_written_parse_and_site_wide_is_newest_first(tmp_path: Path) -> None:
    s = site(tmp_path)
    first = with_thread(post("eins"), chain(3))
    second = with_thread(
        post("zwei", url="2018/zwei/"), [comment("z", 100), comment("y", 50)]
    )
    translation = with_thread(post("eins", lang="en", url="en/2017/eins/"), chain(3))
    closed = with_thread(
        post("drei", url="2018/drei/"), [comment("q", 5)], mode="closed"
    )
    off = with_thread(post("vier", url="2018/vier/"), [comment("r", 6)], mode="off")
    contents = [first, second, translation, closed, off]
    attach_comment_feed_urls(contents, SETTINGS, default_mode="open")
    jobs = list(discussion_feeds(s, contents, SETTINGS))
    assert sorted(j.atom_path for j in jobs) == [
        "feeds/comments/drei.atom.xml",
        "feeds/comments/eins.atom.xml",
        "feeds/comments/zwei.atom.xml",
    ]
    latest = latest_comments_feed(s, jobs, SETTINGS)
    for job in [*jobs, latest]:
        write_job(s, job)
    for rel in [*(j.atom_path for j in jobs), *(j.rss_path for j in jobs)]:
        parsed = feedparser.parse((tmp_path / rel).read_bytes())
        assert not parsed.bozo
    eins = feedparser.parse((tmp_path / "feeds/comments/eins.atom.xml").read_bytes())
    assert len(eins.entries) == 3
    everything = etree.parse(str(tmp_path / "feeds/comments.atom.xml")).getroot()
    dates = everything.xpath(
        "//a:entry/a:published/text()", namespaces={"a": ATOM[1:-1]}
    )
    assert len(dates) == 3 and dates == sorted(dates, reverse=True)
    ids = everything.xpath("//a:entry/a:id/text()", namespaces={"a": ATOM[1:-1]})
    assert ids[0].endswith("comment/zwei/z") and len(set(ids)) == 3
    assert not (tmp_path / "feeds/comments/vier.atom.xml").exists()


def test_latest_feed_holds_exactly_the_newest_of_all_comments() -> None:
    """Made from the newest comments only, it equals ordering every comment."""
    s = site()
    same = 30  # several comments at one minute: ties at the cut
    first = with_thread(
        post("eins"), [comment(f"e{i}", min(i, same)) for i in range(40)]
    )
    second = with_thread(
        post("zwei", url="2018/zwei/"),
        [comment(f"z{i}", min(i * 2, same), parent=None) for i in range(25)]
        + [comment("gone", 99, status="removed", author="", body="")],
    )
    translation = with_thread(
        post("eins", lang="en", url="en/2017/eins/"), list(first.thread.comments)
    )
    contents = [first, second, translation]
    settings = {**SETTINGS, "COMMENTS_FEED_ATOM": "c/{slug}-{lang}.atom.xml"}
    attach_comment_feed_urls(contents, settings, default_mode="open")
    jobs = list(discussion_feeds(s, contents, settings))
    assert len(jobs) == 3  # the translation has a feed of its own
    everything: dict[str, object] = {}
    for content in contents:
        for item in comment_items(s, content):
            everything.setdefault(item.id, item)
    for limit in (0, 1, 3, 10, 31, 64, 65, 200, None):
        latest = latest_comments_feed(
            s, jobs, {**settings, "COMMENTS_FEED_ALL_MAX_ITEMS": limit}
        )
        assert latest is not None
        assert list(latest.items) == order_items(everything.values(), limit), limit


def test_a_discussion_feed_is_stamped_by_what_its_entries_are_made_from() -> None:
    s = site()

    def job_digest(content: object) -> bytes | None:
        attach_comment_feed_urls([content], SETTINGS, default_mode="open")
        [job] = discussion_feeds(s, [content], SETTINGS)
        return value_digest(job.stamp_value())

    def make(**changes: object) -> object:
        comments = [comment("a", 0), comment("b", 1, parent="a")]
        if "body" in changes:
            comments[1] = comment("b", 1, parent="a", body=changes.pop("body"))
        content = with_thread(post(**changes), comments)
        return content

    base = job_digest(make())
    assert base is not None and job_digest(make()) == base  # a second build
    assert job_digest(make(body="Anders")) != base
    assert job_digest(make(title="Neuer Titel")) != base
    assert job_digest(make(url="2019/anders/")) != base
    flat = make()
    flat.thread, _ = build_thread(list(flat.thread.comments), depth=1)
    assert job_digest(flat) != base  # the reply now answers the post
    edited_html = make()
    edited_html.comment_html = {**edited_html.comment_html, "a": "<p>neu</p>"}
    assert job_digest(edited_html) != base


def test_the_comments_plugins_thread_digest_stands_for_the_thread() -> None:
    """A post the comments plugin decorated carries an exact digest of its
    comment attributes; the stamp takes it instead of digesting every comment."""
    s = site()

    def job_of(content: object) -> FeedJob:
        attach_comment_feed_urls([content], SETTINGS, default_mode="open")
        [job] = discussion_feeds(s, [content], SETTINGS)
        return job

    def decorated(body: str, digest: str, **changes: object) -> object:
        content = with_thread(post(**changes), [comment("a", 0, body=body)])
        content.comment_views = ThreadView(  # type: ignore[attr-defined]
            content.thread, content.comment_html, "de", BERLIN, digest
        )
        return content

    one = job_of(decorated("Eins", "d1"))
    assert one.key is not None and "d1" in one.key
    assert value_digest(one.stamp_value()) == value_digest(
        job_of(decorated("Zwei", "d1")).stamp_value()
    )  # the plugin says the comments are equal: they are not digested again
    assert value_digest(one.stamp_value()) != value_digest(
        job_of(decorated("Eins", "d2")).stamp_value()
    )
    assert value_digest(one.stamp_value()) != value_digest(
        job_of(decorated("Eins", "d1", title="Anders")).stamp_value()
    )
    assert [i.content_html.strip() for i in one.items] == ["<p>Eins</p>"]


def test_comment_feeds_take_the_lean_writer_and_write_what_feedgen_would() -> None:
    s = site()
    hostile = xss_payloads()[:40]
    thread = [*chain(4), comment("x", 9, author=hostile[0], body="\n\n".join(hostile))]
    contents = [
        with_thread(post("eins", title=f"Titel {hostile[1]}"), thread),
        with_thread(post("leer", url="2018/leer/"), []),
    ]
    attach_comment_feed_urls(contents, SETTINGS, default_mode="open")
    jobs = list(discussion_feeds(s, contents, SETTINGS))
    latest = latest_comments_feed(s, jobs, SETTINGS)
    assert latest is not None and latest.writer is leanfeed.feed_bytes
    assert [job.writer for job in jobs] == [leanfeed.feed_bytes] * 2
    # A thread with replies and hostile text, an empty one, the newest comments.
    for job in [*jobs, latest]:
        assert_same_feed(job.spec, job.items, job.max_items)
    assert len(latest.items) == 3
    # The writer is part of the stamp: a switch of writers rewrites the files.
    job = jobs[0]
    other = replace(job, writer=feedwriter.feed_bytes)
    assert value_digest(job.stamp_value()) != value_digest(other.stamp_value())


def test_discussion_bytes_are_the_lean_writers_bytes_of_the_items() -> None:
    """The direct writer skips the item objects, never a byte of the feed."""
    s = site()
    hostile = xss_payloads()
    zones = [
        BERLIN,
        timezone(timedelta(hours=-3, minutes=-30)),
        timezone(timedelta(minutes=19, seconds=32)),
        UTC,
    ]
    thread = [
        *chain(6),
        comment("gone", 7, parent="c2", status="removed", author="", body=""),
        comment("orphan", 8, parent="gone"),
        comment("tie-b", 9),
        comment("tie-a", 9),  # equal dates: ordered by id, as order_items does
        comment("x y/ä", 10, website="https://ada.example/?a=1&b=<2>"),
        comment("js", 11, website="javascript:alert(1)"),
        # No name, no text; an id that must be quoted and escaped.
        comment("anon", 11, parent="x y/ä", author=" \t", body="  "),
        comment("a&b'c", 11, parent="anon", website="http://x.example/?q=1&r=2"),
        *(
            comment(f"h{n}", 12 + n, author=text, body=text, website=text)
            for n, text in enumerate(hostile[:60])
        ),
        *(
            comment(f"z{n}", 80 + n, date=datetime(2017, 5, 3, 9, n, tzinfo=zone))
            for n, zone in enumerate(zones)
        ),
    ]
    contents = [
        with_thread(post("eins", title=f"Titel {hostile[1]}"), thread),
        with_thread(
            post("zwei", url="2018/zwei/", lang="en", title="{author} \0"), chain(3)
        ),
        with_thread(post("leer", url="2018/leer/"), []),
    ]
    contents[0].comment_html["c1"] = '<p onclick="x()">a <a href="/rel">b</a></p>'
    del contents[0].comment_html["c3"]  # rendered here from the body
    attach_comment_feed_urls(contents, SETTINGS, default_mode="open")
    for limit in (None, 0, 1, 5, 500):
        jobs = list(
            discussion_feeds(
                s, contents, {**SETTINGS, "COMMENTS_FEED_MAX_ITEMS": limit}
            )
        )
        assert len(jobs) == 3 and all(j.direct is discussion_bytes for j in jobs)
        for job in jobs:
            direct = job.direct(job.spec, job.source, job.max_items)
            assert direct == leanfeed.feed_bytes(job.spec, job.items, job.max_items)
    assert len(jobs[0].items) > 70


def test_entry_ids_quote_only_what_quote_would() -> None:
    """A comment id taken as it is into its entry id is one ``quote`` keeps."""
    for code in [*range(0x3000), 0xFFFD, 0x1F600]:
        char = chr(code)
        kept = quote(char, safe=TAG_SAFE) == char
        assert bool(_TAG_AS_IS.fullmatch(char)) == kept, hex(code)


def test_discussion_bytes_refuse_what_the_writers_refuse() -> None:
    s = site()
    naive = comment("a", 0, date=datetime(2017, 5, 3, 9, 0))  # noqa: DTZ001
    content = with_thread(post(), [naive])
    attach_comment_feed_urls([content], SETTINGS, default_mode="open")
    [job] = discussion_feeds(s, [content], SETTINGS)
    with pytest.raises(ValueError, match="time zone"):
        discussion_bytes(job.spec, job.source)
    with pytest.raises(ValueError, match="no title"):
        discussion_bytes(replace(job.spec, title="\x00"), job.source)


def test_stamps_are_plain_digests_and_follow_every_field() -> None:
    """A decorated post's stamp is a digest of strings (no pickling), equal in
    two builds, and changes with the post's fields, the thread key and the spec."""
    s = site()

    def stamp(digest: str = "d1", **changes: object) -> bytes | None:
        content = with_thread(post(**changes), [comment("a", 0)])
        content.comment_views = ThreadView(  # type: ignore[attr-defined]
            content.thread, content.comment_html, "de", BERLIN, digest
        )
        attach_comment_feed_urls([content], SETTINGS, default_mode="open")
        [job] = discussion_feeds(s, [content], SETTINGS)
        assert job.stamp() != value_digest(job.stamp_value())  # the cheap kind
        return job.stamp()

    base = stamp()
    assert base is not None and stamp() == base
    changed = [
        stamp("d2"),
        stamp(title="Anders"),
        stamp(url="2019/anders/"),
        stamp(lang="en"),
        stamp(date=datetime(2018, 1, 1, tzinfo=BERLIN)),
    ]
    assert base not in changed and len(set(changed)) == len(changed)


STAMP_SCRIPT = """
import sys
sys.path[:0] = [PLUGINS, TESTS]
from datetime import datetime
from zoneinfo import ZoneInfo
from comments.render import ThreadView
from feeds.comments import attach_comment_feed_urls, discussion_feeds
from feeds.comments import latest_comments_feed
from feeds.posts import all_posts_feed
from unit.feeds.fakes import comment, post, site, with_thread
berlin = ZoneInfo("Europe/Berlin")
s = site()
content = with_thread(post(date=datetime(2017, 5, 3, tzinfo=berlin)), [comment("a", 0)])
content.comment_views = ThreadView(
    content.thread, content.comment_html, "de", berlin, "d1"
)
attach_comment_feed_urls([content], SETTINGS, default_mode="open")
jobs = list(discussion_feeds(s, [content], SETTINGS))
jobs.append(latest_comments_feed(s, jobs, SETTINGS))
jobs.append(all_posts_feed(s, [content], {"FEEDS_ALL_ATOM": "all.atom.xml"}))
print(" ".join(job.stamp().hex() for job in jobs))
"""


def test_stamps_are_the_same_in_another_process_with_another_hash_seed() -> None:
    """A rebuild compares stamps taken by another process: they must not
    depend on the process (hash seed, object addresses)."""
    tests = Path(__file__).resolve().parents[2]
    script = (
        STAMP_SCRIPT.replace("PLUGINS", repr(str(tests.parent / "plugins")))
        .replace("TESTS", repr(str(tests)))
        .replace("SETTINGS", repr(SETTINGS))
    )
    outputs = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.add(out.stdout.strip())
    [line] = outputs
    stamps = line.split()
    assert len(stamps) == 3 and all(s.startswith("72") for s in stamps)  # b"r": repr


def test_latest_feed_equals_ordering_every_comment_over_random_sites() -> None:
    """Threads walked from their newest comment only: the same entries as
    ordering every comment of the site, over many random sites (ties, removed
    comments, translations sharing a thread, every kind of limit)."""
    import random

    s = site()
    for seed in range(60):
        rnd = random.Random(seed)
        contents = []
        for p in range(rnd.randint(1, 8)):
            n = rnd.randint(0, 12)
            comments = [
                comment(f"k{p}-{i}", rnd.randint(0, 20))
                if rnd.random() > 0.2
                else comment(f"k{p}-{i}", rnd.randint(0, 20), status="removed",
                             author="", body="")
                for i in range(n)
            ]
            first = with_thread(post(f"p{p}", url=f"2017/p{p}/"), comments)
            contents.append(first)
            if rnd.random() < 0.3:
                contents.append(with_thread(
                    post(f"p{p}", lang="en", url=f"en/2017/p{p}/"),
                    list(first.thread.comments),
                ))
        settings = {**SETTINGS, "COMMENTS_FEED_ATOM": "c/{slug}-{lang}.atom.xml"}
        attach_comment_feed_urls(contents, settings, default_mode="open")
        jobs = list(discussion_feeds(s, contents, settings))
        everything: dict[str, object] = {}
        for content in contents:
            for item in comment_items(s, content):
                everything.setdefault(item.id, item)
        for limit in (0, 1, 2, 5, 17, None):
            latest = latest_comments_feed(
                s, jobs, {**settings, "COMMENTS_FEED_ALL_MAX_ITEMS": limit}
            )
            assert latest is not None
            assert list(latest.items) == order_items(everything.values(), limit), (
                seed, limit)
            assert (latest.spec.updated is None) == bool(everything), (seed, limit)
