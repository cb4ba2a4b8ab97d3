"""feeds.posts: full absolute content, summary, and where the discussion lives."""

from __future__ import annotations

from datetime import datetime

from feeds.posts import PostItems, all_posts_feed, category_feeds, post_item
from sitekit import leanfeed
from sitekit.feedwriter import order_items
from unit.feeds.fakes import BERLIN, Named, comment, post, site, with_thread
from unit.sitekit.test_feedwriter_differential import assert_same_feed

SETTINGS = {
    "FEEDS_ALL_ATOM": "feeds/all.atom.xml",
    "FEEDS_ALL_RSS": "feeds/all.rss.xml",
    "FEEDS_CATEGORY_ATOM": "feeds/{slug}.atom.xml",
    "FEEDS_CATEGORY_RSS": None,
    "FEEDS_MAX_ITEMS": 2,
}


def test_content_is_full_and_absolute() -> None:
    p = post(
        content='<p><a href="{siteurl}/ueber/">Über</a> <img src="../bild.png"></p>'
        '<figure class="pullquote excerpt" aria-hidden="true"><blockquote>'
        "<p>Zitat</p></blockquote></figure>"
    )
    item = post_item(site(), p)
    assert 'href="https://diskurs.example.org/ueber/"' in item.content_html
    assert 'src="https://diskurs.example.org/2017/bild.png"' in item.content_html
    assert "Zitat" not in item.content_html  # an excerpt would read twice
    assert item.summary_html == "<p>Kurz</p>"
    assert item.link == "https://diskurs.example.org/2017/social-media-im-silo/"
    assert item.id == "tag:diskurs.example.org,2017:/2017/social-media-im-silo/"
    assert item.categories == ("Strategie",)


def test_discussion_fields_unless_comments_off() -> None:
    p = with_thread(post(), [])
    p.comment_count = 4
    p.comment_feed_atom_url = "feeds/comments/x.atom.xml"
    p.comment_feed_rss_url = "feeds/comments/x.rss.xml"
    item = post_item(site(), p)
    assert item.comments_url == item.link + "#comments"
    assert item.comment_count == 4
    assert item.replies_url == "https://diskurs.example.org/feeds/comments/x.atom.xml"
    assert (
        item.comment_feed_url == "https://diskurs.example.org/feeds/comments/x.rss.xml"
    )
    p.comments_mode = "off"
    off = post_item(site(), p)
    assert (
        off.comments_url,
        off.comment_count,
        off.replies_url,
        off.comment_feed_url,
    ) == (None, None, None, None)


def test_category_feeds_carry_exactly_their_category_and_the_limit() -> None:
    s = site()
    werkstatt = Named("Werkstatt", "werkstatt", "kategorie/werkstatt/")
    posts = [
        post(
            f"p{i}",
            url=f"2017/p{i}/",
            date=datetime(2017, 5, 1 + i, tzinfo=BERLIN),
            category=werkstatt if i % 2 else None,
        )
        for i in range(6)
    ]
    posts[0].category = Named("Strategie", "strategie", "kategorie/strategie/")
    jobs = {j.atom_path: j for j in category_feeds(s, posts, SETTINGS)}
    assert set(jobs) == {"feeds/werkstatt.atom.xml", "feeds/strategie.atom.xml"}
    # p1, p3, p5 are Werkstatt posts; the limit (2) keeps the newest, newest first.
    assert [i.id for i in jobs["feeds/werkstatt.atom.xml"].items] == [
        post_item(s, posts[n]).id for n in (5, 3)
    ]
    assert [i.id for i in jobs["feeds/strategie.atom.xml"].items] == [
        post_item(s, posts[0]).id
    ]
    assert jobs["feeds/werkstatt.atom.xml"].rss_path is None
    assert jobs["feeds/werkstatt.atom.xml"].max_items == 2
    everything = all_posts_feed(s, posts, {**SETTINGS, "FEEDS_MAX_ITEMS": None})
    assert everything is not None and len(everything.items) == 6
    assert (
        all_posts_feed(s, [], {"FEEDS_ALL_ATOM": None, "FEEDS_ALL_RSS": None}) is None
    )


def test_items_are_made_only_for_listed_posts_and_once() -> None:
    s = site()
    posts = [
        post(f"p{i}", url=f"2017/p{i}/", date=datetime(2017, 5, 1 + i, tzinfo=BERLIN))
        for i in range(6)
    ]
    made: list[str] = []
    for p in posts:
        original = p.get_content

        def counted(siteurl: str, p=p, original=original) -> str:
            made.append(p.slug)
            return original(siteurl)

        p.get_content = counted  # type: ignore[method-assign]
    items = PostItems(s)
    everything = all_posts_feed(s, posts, SETTINGS, items)
    categories = list(category_feeds(s, posts, SETTINGS, items))
    assert everything is not None and len(categories) == 1
    # The same newest two in both feeds, each made once; no other post read.
    assert sorted(made) == ["p4", "p5"]
    assert [i.link for i in everything.items] == [
        f"https://diskurs.example.org/2017/p{n}/" for n in (5, 4)
    ]
    assert categories[0].items == everything.items


def test_the_newest_posts_are_those_of_ordering_all_ties_included() -> None:
    s = site()
    day = [datetime(2017, 5, d, tzinfo=BERLIN) for d in (1, 2, 2, 2, 3, 3)]
    posts = [post(f"p{i}", url=f"2017/p{i}/", date=d) for i, d in enumerate(day)]
    every = order_items(post_item(s, p) for p in posts)
    for limit in (None, -1, 0, 1, 2, 3, 4, 5, 6, 7):
        assert list(PostItems(s).newest(posts, limit)) == (
            every if limit is None else every[: max(0, limit)]
        ), limit


def test_post_feeds_are_written_by_the_lean_writer_as_feedgen_would() -> None:
    s = site()
    posts = [
        with_thread(post(), [comment("a", 1)]),
        post("zwei", url="2018/zwei/", summary="<p>Text</p>", metadata={"tags": "x"}),
        post("drei", url="2018/drei/", content='<p><a href="/x">x</a> &amp; ü</p>'),
    ]
    posts[1].tags = [Named("Moderation", "moderation", "tag/moderation/")]
    posts[2].comments_mode = "off"  # type: ignore[attr-defined]
    jobs = [all_posts_feed(s, posts, SETTINGS), *category_feeds(s, posts, SETTINGS)]
    assert len(jobs) == 2
    for job in jobs:
        assert job is not None and job.writer is leanfeed.feed_bytes
        assert_same_feed(job.spec, job.items, job.max_items)
        assert len(job.items) == SETTINGS["FEEDS_MAX_ITEMS"]


def _stamp(posts: list, settings: dict | None = None) -> bytes:
    job = all_posts_feed(site(), posts, settings or SETTINGS)
    assert job is not None
    stamp = job.stamp()
    assert stamp is not None
    return stamp


def test_a_post_feed_is_stamped_without_making_its_items() -> None:
    """The ledger's stamp reads each chosen post, but makes no item (no HTML
    parsed) for a feed that is not written; items come when it is."""
    posts = [
        post(f"p{i}", url=f"2017/p{i}/", date=datetime(2017, 5, 1 + i, tzinfo=BERLIN))
        for i in range(4)
    ]
    items = PostItems(site())
    job = all_posts_feed(site(), posts, SETTINGS, items)
    assert job is not None and job.stamp() is not None
    assert items._items == {}  # what the test is about
    assert [i.link for i in job.items] == [
        f"https://diskurs.example.org/2017/p{n}/" for n in (3, 2)
    ]
    assert list(job.items) == list(PostItems(site()).newest(posts, 2))


def test_a_post_feed_stamp_changes_with_every_field_an_item_shows() -> None:
    """Equal stamps must mean equal items: each field post_item reads changes it."""

    def newest(**kw: object) -> list:
        old = post("alt", url="2017/alt/", date=datetime(2017, 5, 1, tzinfo=BERLIN))
        return [old, post(**kw)]

    base = _stamp(newest())
    assert _stamp(newest()) == base  # the same posts, the same stamp
    changes: list[dict[str, object]] = [
        {"title": "Anders"},
        {"url": "2017/anders/"},
        {"date": datetime(2017, 5, 3, 7, 31, tzinfo=BERLIN)},
        {"content": "<p>Text.</p>"},
        {"summary": "<p>Kürzer</p>"},
        {"lang": "en"},
        {"category": Named("Werkstatt", "werkstatt", "kategorie/werkstatt/")},
        {"tags": [Named("Silo", "silo", "tag/silo/")]},
        {"author": Named("Ada Nowak", "ada-nowak", "autor/ada-nowak/")},
        {"author": None},
        {"metadata": {"comments": "off"}},
    ]
    for change in changes:
        assert _stamp(newest(**change)) != base, change
    # Discussion fields: count and comment feed URLs.
    counted = newest()
    counted[1].comment_count = 3  # type: ignore[attr-defined]
    assert _stamp(counted) != base
    linked = newest()
    linked[1].comment_feed_atom_url = "2017/p/comments.atom.xml"  # type: ignore[attr-defined]
    assert _stamp(linked) != base
    # A post the feed does not list (limit 2 of 3) leaves it alone.
    older = post("uralt", url="2016/uralt/", date=datetime(2016, 1, 1, tzinfo=BERLIN))
    assert _stamp([*newest(), older]) == base
    assert _stamp([*newest(), older], {**SETTINGS, "FEEDS_MAX_ITEMS": 3}) != base


def test_equal_post_feed_stamps_write_equal_files() -> None:
    """The stamp stands for the items: made from equal stamps, the same bytes."""
    a = [
        post(),
        post("zwei", url="2018/zwei/", date=datetime(2018, 1, 1, tzinfo=BERLIN)),
    ]
    b = [
        post(),
        post("zwei", url="2018/zwei/", date=datetime(2018, 1, 1, tzinfo=BERLIN)),
    ]
    ja, jb = all_posts_feed(site(), a, SETTINGS), all_posts_feed(site(), b, SETTINGS)
    assert ja is not None and jb is not None and ja.stamp() == jb.stamp()
    assert ja.writer(ja.spec, ja.items, 2) == jb.writer(jb.spec, jb.items, 2)
