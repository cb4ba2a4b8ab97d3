"""Threads kept packed until shown: facts read without unpacking, values unchanged."""

from __future__ import annotations

import json
import os
import pickle
import tracemalloc
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from comments import folder
from comments.build import CommentsBuild, build_state
from comments.folder import ThreadData
from comments.jsonld import comment_json_template, comment_tree
from comments.model import Comment
from comments.packed import PackedHtml, PackedThread, RecentThreads
from comments.render import ThreadView
from comments.thread import Thread, build_thread
from sitekit.cache import CacheFormatError

BERLIN = timezone(timedelta(hours=2))


def comment(cid: str, minute: int, parent: str | None = None, **kw: Any) -> Comment:
    fields: dict[str, Any] = {
        "id": cid,
        "author": f"Person {cid}",
        "body": "",
        "date": datetime(2017, 5, 3, 9, 0, tzinfo=BERLIN) + timedelta(minutes=minute),
        "path": f"content/comments/p/{cid}.yaml",
        "parent": parent,
    }
    fields.update(kw)
    return Comment(**fields)


def sample(n: int = 5, removed_last: bool = True) -> tuple[Thread, dict[str, str]]:
    """A thread with replies; its newest comment removed (not what ``newest`` is)."""
    comments = [
        comment(f"c{i}", i, parent=f"c{i - 1}" if i % 2 else None) for i in range(n)
    ]
    if removed_last:
        comments.append(comment("gone", 99, status="removed", author=""))
    thread, problems = build_thread(comments)
    assert not problems
    return thread, {c.id: f"<p>Text {c.id}</p>" for c in thread.comments}


@pytest.fixture
def unpacks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of the entries unpacked while a test runs."""
    seen: list[str] = []
    original = ThreadData.unpack

    def counted(self: ThreadData) -> tuple[Thread, dict[str, str], tuple[str, ...]]:
        seen.append(self.key)
        return original(self)

    monkeypatch.setattr(ThreadData, "unpack", counted)
    return seen


def test_facts_are_those_of_the_thread_and_read_without_unpacking(
    unpacks: list[str],
) -> None:
    thread, html = sample()
    data = ThreadData.pack(thread, html, "k")
    packed, bodies = PackedThread(data), PackedHtml(data)
    assert (packed.count, len(packed), bool(packed)) == (5, 6, True)
    assert thread.newest is not None and packed.newest_date == thread.newest.date
    assert thread.newest_date == thread.newest.date != thread.comments[-1].date
    assert len(bodies) == len(html) and bool(bodies)
    assert unpacks == []
    # Everything else is the thread's own.
    assert packed == thread and thread == packed and dict(bodies) == html
    assert packed.roots == thread.roots and packed.published == thread.published
    assert bodies.get("c1") == html["c1"] and bodies.get("nope") is None
    assert pickle.loads(pickle.dumps(packed)) == thread  # noqa: S301  # made here
    assert pickle.loads(pickle.dumps(bodies)) == html  # noqa: S301  # made here


def test_a_thread_without_text_has_no_newest_date() -> None:
    thread, html = sample(0)  # only a removed placeholder
    data = ThreadData.pack(thread, html, "k")
    assert (data.count, data.size, data.newest) == (0, 1, None)
    assert PackedThread(data).newest_date is None and thread.newest_date is None


def test_a_page_unpacks_its_thread_once_and_few_are_kept(unpacks: list[str]) -> None:
    recent = RecentThreads(size=2)
    datas = [ThreadData.pack(*sample(3), f"k{i}") for i in range(4)]
    packed = PackedThread(datas[0], recent)
    bodies = PackedHtml(datas[0], recent)
    view = ThreadView(packed, bodies, "de", BERLIN)
    _ = (view.rows, packed.comments, comment_tree(packed, str, bodies), bodies["c0"])
    assert unpacks == ["k0"]  # rows, JSON-LD, form and bodies: one unpacking
    for data in datas[1:]:
        _ = PackedThread(data, recent).roots
    assert len(recent._found) == 2  # never more than its size
    _ = packed.roots
    assert unpacks == ["k0", "k1", "k2", "k3", "k0"]  # k0 was let go


def test_a_packed_thread_loads_only_what_a_cache_may_hold() -> None:
    """Its bytes come from the cache file: a tampered one cannot run code."""
    evil = ThreadData(folder._pack(pickle.dumps((os.getcwd, {}))), "k", 1, 1, None)
    with pytest.raises(CacheFormatError):
        evil.unpack()
    odd = ThreadData(folder._pack(pickle.dumps(("no thread", {}))), "k", 1, 1, None)
    with pytest.raises(ValueError, match="packed thread"):
        odd.unpack()
    garbled = ThreadData(b"not compressed at all", "k", 1, 1, None)
    with pytest.raises(ValueError, match="not Zstandard data"):
        garbled.unpack()


def test_posts_get_packed_threads_and_listings_unpack_none(
    tmp_path: Path, unpacks: list[str]
) -> None:
    folder = tmp_path / "comments" / "p"
    folder.mkdir(parents=True)
    for i in range(3):
        (folder / f"c{i}.yaml").write_text(
            f"author: Leser {i}\ndate: 2017-05-0{i + 3}T09:00:00+02:00\n"
            f"body: Text {i}\n",
            encoding="utf-8",
        )
    state: CommentsBuild = build_state(
        {"PATH": str(tmp_path), "TIMEZONE": "Europe/Berlin", "DEFAULT_LANG": "de"}
    )

    class Post:
        slug, url, source_path, metadata = "p", "2017/p/", "p.md", {}

        def __init__(self, lang: str) -> None:
            self.lang = lang

    de, en = Post("de"), Post("en")
    for post in (de, en):
        state.decorate(post)
    thread: Any = de.thread  # type: ignore[attr-defined]
    assert isinstance(thread, PackedThread) and thread is en.thread  # type: ignore[attr-defined]
    # What listings, feeds of posts and page stamps read.
    assert de.comment_count == 3 and bool(de.comment_jsonld)  # type: ignore[attr-defined]
    assert len(de.comment_html) == 3 and len(thread) == 3  # type: ignore[attr-defined]
    assert unpacks == []
    thread_value, html, _ = state.thread_of("p").unpack()
    assert list(de.comment_jsonld) == comment_tree(  # type: ignore[attr-defined]
        thread_value, lambda cid: f"2017/p/#comment-{cid}", html
    )
    # Its JSON text comes from the template packed with the thread.
    assert de.comment_jsonld.json_text() == json.dumps(  # type: ignore[attr-defined]
        list(de.comment_jsonld),
        ensure_ascii=False,
        separators=(",", ":"),  # type: ignore[attr-defined]
    )
    assert thread.json_template() == comment_json_template(thread_value, html)
    assert [r.html for r in de.comment_views.rows] == [  # type: ignore[attr-defined]
        html[c.id] for c in thread_value.comments
    ]


def test_feeds_unpack_only_the_threads_of_the_newest_comments(
    unpacks: list[str],
) -> None:
    """Discussion feeds are keyed, sized and dated by facts; the site's newest
    comments read the threads that hold them, and the same entries come out."""
    from feeds.comments import (
        attach_comment_feed_urls,
        discussion_feeds,
        latest_comments_feed,
    )
    from sitekit.feedwriter import order_items
    from unit.feeds.fakes import comment as feed_comment
    from unit.feeds.fakes import post, site, with_thread

    s = site()
    settings = {
        "COMMENTS_FEED_ATOM": "c/{slug}.atom.xml",
        "COMMENTS_FEED_ALL_ATOM": "c.atom.xml",
        "COMMENTS_FEED_ALL_MAX_ITEMS": 5,
    }

    def contents(packed: bool) -> list[Any]:
        out = []
        for p in range(12):  # post p's comments at minutes 10p .. 10p+3
            c = with_thread(
                post(f"p{p}", url=f"2017/p{p}/"),
                [feed_comment(f"k{p}-{i}", 10 * p + i) for i in range(4)],
            )
            if packed:
                data = ThreadData.pack(c.thread, dict(c.comment_html), f"key-p{p}")
                c.thread, c.comment_html = PackedThread(data), PackedHtml(data)
            c.comment_views = ThreadView(c.thread, c.comment_html, "de", BERLIN, "d")
            out.append(c)
        attach_comment_feed_urls(out, settings, default_mode="open")
        return out

    plain_jobs = list(discussion_feeds(s, contents(False), settings))
    expected = latest_comments_feed(s, plain_jobs, settings)
    jobs = list(discussion_feeds(s, contents(True), settings))
    assert all(job.source.has_entries for job in jobs)
    assert unpacks == []
    latest = latest_comments_feed(s, jobs, settings)
    assert latest is not None and expected is not None
    assert (
        list(latest.items)
        == list(expected.items)
        == order_items([i for job in plain_jobs for i in job.make(job.source)], 5)
    )
    assert sorted(set(unpacks)) == ["key-p10", "key-p11"]  # the 5 newest


def test_a_thread_dated_in_the_sites_zone_unpacks() -> None:
    """A comment without an offset is dated in the site's ``ZoneInfo``."""
    berlin = ZoneInfo("Europe/Berlin")
    thread, html = sample(2)
    zoned = [replace(c, date=c.date.replace(tzinfo=berlin)) for c in thread.comments]
    thread, _ = build_thread(zoned)
    back, _, _ = ThreadData.pack(thread, html, "k").unpack()
    assert back == thread and back.comments[0].date.tzinfo is berlin


def test_a_packed_thread_holds_no_more_memory_than_its_bytes() -> None:
    """The compressor's worst-case buffer is not kept behind the packed bytes
    (it was: 37 MB held for 9 MB of packed threads at 1,000 posts)."""
    raw = pickle.dumps([f"Ein Kommentar, Nummer {i}" for i in range(2000)])
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        packed = folder._pack(raw)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert len(packed) < len(raw) / 4
    assert held < len(packed) + 1024
    assert folder._UNPACK(packed) == raw
