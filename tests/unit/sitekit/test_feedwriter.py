"""sitekit.feedwriter and .leanfeed: one description, two valid feeds, stable.

Every test of a written feed runs with both writers (feedgen, the reference,
and the lean text writer of the discussion feeds); test_feedwriter_differential
compares the two directly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import feedparser
import pytest
from lxml import etree
from sitekit import feedwriter, leanfeed
from sitekit.feedwriter import (
    FeedItem,
    FeedSpec,
    FeedWriter,
    ReplyTo,
    order_items,
    tag_uri,
    write_feed_pair,
    xml_text,
)

BERLIN = timezone(timedelta(hours=2))
NS = {
    "a": "http://www.w3.org/2005/Atom",
    "thr": "http://purl.org/syndication/thread/1.0",
    "wfw": "http://wellformedweb.org/CommentAPI/",
    "slash": "http://purl.org/rss/1.0/modules/slash/",
    "dc": "http://purl.org/dc/elements/1.1/",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

SPEC = FeedSpec(
    id="tag:example.org,2017:feed/feeds/all.atom.xml",
    title="Diskurs",
    link="https://example.org/",
    atom_url="https://example.org/feeds/all.atom.xml",
    rss_url="https://example.org/feeds/all.rss.xml",
    language="de",
    subtitle="Ein Blog",
)


def post(n: int, **kw: object) -> FeedItem:
    fields: dict[str, object] = {
        "id": f"tag:example.org,2017:/2017/post-{n}/",
        "title": f"Beitrag {n}",
        "link": f"https://example.org/2017/post-{n}/",
        "published": datetime(2017, 5, n, 9, 0, tzinfo=BERLIN),
        "author": "Katrin Albers",
        "content_html": f"<p>Text {n} &amp; mehr</p>",
        "summary_html": f"<p>Kurz {n}</p>",
        "categories": ("Werkstatt", "Moderation"),
    }
    fields.update(kw)
    return FeedItem(**fields)  # type: ignore[arg-type]


@pytest.fixture(
    params=[feedwriter.feed_bytes, leanfeed.feed_bytes], ids=["feedgen", "lean"]
)
def feed_bytes(request: pytest.FixtureRequest) -> FeedWriter:
    """Each writer in turn."""
    return request.param  # type: ignore[no-any-return]


def parse(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def test_pair_parses_in_feedparser_and_keeps_newest_first(
    feed_bytes: FeedWriter,
) -> None:
    atom, rss = feed_bytes(SPEC, [post(1), post(3), post(2)])
    for data in (atom, rss):
        feed = feedparser.parse(data)
        assert not feed.bozo, feed.get("bozo_exception")
        assert [e.title for e in feed.entries] == [
            "Beitrag 3",
            "Beitrag 2",
            "Beitrag 1",
        ]
        assert [e.id for e in feed.entries] == [post(n).id for n in (3, 2, 1)]
    assert feedparser.parse(atom).version == "atom10"
    assert feedparser.parse(rss).version == "rss20"


def test_max_items_keeps_the_newest(feed_bytes: FeedWriter) -> None:
    atom, _ = feed_bytes(SPEC, [post(n) for n in range(1, 8)], max_items=3)
    ids = parse(atom).xpath("//a:entry/a:id/text()", namespaces=NS)
    assert ids == [post(n).id for n in (7, 6, 5)]


def test_order_is_stable_on_equal_dates() -> None:
    same = datetime(2017, 5, 3, tzinfo=UTC)
    items = [
        post(1, id="tag:x,2017:b", published=same),
        post(2, id="tag:x,2017:a", published=same),
    ]
    assert [i.id for i in order_items(items)] == [
        i.id for i in order_items(items[::-1])
    ]


def test_output_is_byte_identical_between_builds(feed_bytes: FeedWriter) -> None:
    assert feed_bytes(SPEC, [post(1), post(2)]) == feed_bytes(SPEC, [post(2), post(1)])


def test_feed_updated_is_the_newest_item_never_build_time(
    feed_bytes: FeedWriter,
) -> None:
    atom, rss = feed_bytes(
        SPEC, [post(1), post(4, updated=datetime(2018, 1, 1, tzinfo=UTC))]
    )
    assert (
        parse(atom).findtext("a:updated", namespaces=NS) == "2018-01-01T00:00:00+00:00"
    )
    assert (
        parse(rss).findtext("channel/lastBuildDate")
        == "Mon, 01 Jan 2018 00:00:00 +0000"
    )
    empty_atom, _ = feed_bytes(SPEC, [])
    assert (
        parse(empty_atom).findtext("a:updated", namespaces=NS).startswith("1970-01-01")
    )


def test_self_and_alternate_links(feed_bytes: FeedWriter) -> None:
    atom, rss = feed_bytes(SPEC, [post(1)])
    root = parse(atom)
    assert root.xpath("a:link[@rel='self']/@href", namespaces=NS) == [SPEC.atom_url]
    assert root.xpath("a:link[@rel='alternate']/@href", namespaces=NS) == [SPEC.link]
    assert root.get(XML_LANG) == "de"
    channel = parse(rss).find("channel")
    assert channel.findtext("link") == SPEC.link
    assert channel.xpath("a:link[@rel='self']/@href", namespaces=NS) == [SPEC.rss_url]
    assert channel.findtext("language") == "de"


def test_entry_content_summary_and_categories(feed_bytes: FeedWriter) -> None:
    atom, rss = feed_bytes(SPEC, [post(1)])
    entry = parse(atom).find("a:entry", NS)
    assert entry.find("a:content", NS).get("type") == "html"
    assert entry.findtext("a:content", namespaces=NS) == "<p>Text 1 &amp; mehr</p>"
    assert entry.findtext("a:summary", namespaces=NS) == "<p>Kurz 1</p>"
    assert entry.xpath("a:category/@term", namespaces=NS) == ["Werkstatt", "Moderation"]
    assert entry.xpath("a:link[@rel='alternate']/@href", namespaces=NS) == [
        post(1).link
    ]
    assert entry.findtext("a:author/a:name", namespaces=NS) == "Katrin Albers"
    item = parse(rss).find("channel/item")
    assert item.findtext("description") == "<p>Kurz 1</p>"
    assert item.findtext("content:encoded", namespaces=NS) == "<p>Text 1 &amp; mehr</p>"
    assert item.findtext("dc:creator", namespaces=NS) == "Katrin Albers"
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("guid") == post(1).id


def test_comment_extensions_on_a_post(feed_bytes: FeedWriter) -> None:
    item = post(
        1,
        comments_url="https://example.org/2017/post-1/#comments",
        comment_feed_url="https://example.org/feeds/comments/post-1.rss.xml",
        replies_url="https://example.org/feeds/comments/post-1.atom.xml",
        comment_count=4,
    )
    atom, rss = feed_bytes(SPEC, [item])
    entry = parse(atom).find("a:entry", NS)
    replies = entry.xpath("a:link[@rel='replies']", namespaces=NS)
    assert {(r.get("type"), r.get("href")) for r in replies} == {
        ("application/atom+xml", item.replies_url),
        ("text/html", item.comments_url),
    }
    assert {r.get(f"{{{NS['thr']}}}count") for r in replies} == {"4"}
    rss_item = parse(rss).find("channel/item")
    assert rss_item.findtext("comments") == item.comments_url
    assert rss_item.findtext("wfw:commentRss", namespaces=NS) == item.comment_feed_url
    assert rss_item.findtext("slash:comments", namespaces=NS) == "4"
    parsed = feedparser.parse(rss).entries[0]
    assert parsed.comments == item.comments_url
    assert parsed.wfw_commentrss == item.comment_feed_url
    assert parsed.slash_comments == "4"


def test_no_comment_elements_without_comment_data(feed_bytes: FeedWriter) -> None:
    atom, rss = feed_bytes(SPEC, [post(1)])
    for data in (atom, rss):
        root = parse(data)
        assert not root.xpath(
            "//a:link[@rel='replies'] | //thr:* | //wfw:* | //slash:*", namespaces=NS
        )
    assert parse(rss).find("channel/item/comments") is None


def test_threading_and_language(feed_bytes: FeedWriter) -> None:
    reply = FeedItem(
        id="tag:example.org,2017:comment/post-1/b",
        title="Antwort",
        link="https://example.org/2017/post-1/#comment-b",
        published=datetime(2017, 5, 4, tzinfo=BERLIN),
        author="Ada Nowak",
        author_uri="https://ada.example/",
        content_html="<p>Ja.</p>",
        language="en",
        in_reply_to=ReplyTo(
            "tag:example.org,2017:comment/post-1/a",
            "https://example.org/2017/post-1/#comment-a",
        ),
    )
    atom, rss = feed_bytes(SPEC, [reply])
    entry = parse(atom).find("a:entry", NS)
    assert entry.get(XML_LANG) == "en"
    thr = entry.find("thr:in-reply-to", NS)
    assert thr.get("ref") == reply.in_reply_to.ref
    assert thr.get("href") == reply.in_reply_to.href
    assert entry.findtext("a:author/a:uri", namespaces=NS) == "https://ada.example/"
    assert entry.xpath("a:link[@rel='alternate']/@hreflang", namespaces=NS) == ["en"]
    item = parse(rss).find("channel/item")
    assert item.findtext("dc:language", namespaces=NS) == "en"
    assert item.find("thr:in-reply-to", NS).get("ref") == reply.in_reply_to.ref
    assert not feedparser.parse(atom).bozo


def test_naive_datetimes_are_refused(feed_bytes: FeedWriter) -> None:
    with pytest.raises(ValueError, match="time zone"):
        feed_bytes(SPEC, [post(1, published=datetime(2017, 5, 1))])  # noqa: DTZ001


def test_control_characters_never_reach_the_xml(feed_bytes: FeedWriter) -> None:
    hostile = "".join(chr(c) for c in range(0x20)) + "\x7f\x85\ufffe\ud800 ok"
    atom, rss = feed_bytes(
        SPEC,
        [
            post(
                1,
                title=hostile,
                author=hostile,
                content_html=f"<p>{hostile}</p>",
                categories=(hostile,),
            )
        ],
    )
    for data in (atom, rss):
        assert not feedparser.parse(data).bozo
        text = data.decode("utf-8")
        assert not any(ch in text for ch in "\x00\x01\x08\x0b\x0c\x1f\x7f\x85\ufffe")
        assert "ok" in parse(data).xpath("string((//*[local-name()='title'])[2])")
    assert xml_text("a\tb\nc\rd\x00e") == "a\tb\nc\rde"


def test_tag_uri() -> None:
    when = datetime(2017, 5, 3, tzinfo=BERLIN)
    assert tag_uri("Example.ORG", when, "comment/slug/schock-1") == (
        "tag:example.org,2017:comment/slug/schock-1"
    )
    assert tag_uri("example.org", when, "a b<c>") == "tag:example.org,2017:a%20b%3Cc%3E"


def test_write_feed_pair_creates_folders(
    tmp_path: Path, feed_bytes: FeedWriter
) -> None:
    atom, rss = tmp_path / "a" / "x.atom.xml", tmp_path / "b" / "x.rss.xml"
    write_feed_pair(SPEC, [post(1)], atom, rss, writer=feed_bytes)
    assert (atom.read_bytes(), rss.read_bytes()) == feed_bytes(SPEC, [post(1)])


def test_rfc822_dates_in_every_offset() -> None:
    """The zone is written from the offset (strftime only with seconds in it)."""
    offsets = [timedelta(minutes=m) for m in range(-24 * 60 + 1, 24 * 60, 15)]
    offsets += [timedelta(hours=-3, minutes=-30), timedelta(seconds=-30)]
    offsets += [timedelta(minutes=19, seconds=32), timedelta(0)]
    for offset in offsets:
        zone = timezone(offset)
        for when in (
            datetime(2017, 1, 1, 0, 0, 7, tzinfo=zone),
            datetime(2024, 2, 29, 23, 59, tzinfo=zone),
        ):
            value = when
            day, month = ("Sun", "Jan") if when.month == 1 else ("Thu", "Feb")
            expected = f"{day}, {value:%d} {month} {value:%Y %H:%M:%S %z}"
            assert leanfeed.rfc822(value) == expected
            # Cut from the ISO text where it has its usual form; else as above.
            for moment in (value, value.replace(microsecond=250)):
                assert leanfeed.rfc822(moment, moment.isoformat()) == (
                    leanfeed.rfc822(moment)
                )
    assert leanfeed.rfc822(datetime(2017, 5, 3, 9, 5, tzinfo=BERLIN)) == (
        "Wed, 03 May 2017 09:05:00 +0200"
    )


def test_attribute_text_as_is_only_when_nothing_needs_escaping() -> None:
    def slow(value: str) -> str:
        return (
            xml_text(value)
            .replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("\r", "&#13;")
            .replace('"', "&quot;")
            .replace("\t", "&#9;")
            .replace("\n", "&#10;")
        )

    specials = "&<>\"'\t\n\r\x00\x1f\x7f\x85\x9f\xa0\ud800\ufffe\uffff\U0001f600 aZ"
    for a in specials:
        for b in specials:
            value = f"x{a}{b}y"
            assert leanfeed.attr_text(value) == slow(value), repr(value)
    plain = "Ada Nowak https://ada.example/?a=1;b=2#x 'Zitat' Grüße"
    assert leanfeed.attr_text(plain) is plain


def test_xml_text_keeps_exactly_the_characters_xml_and_validators_accept() -> None:
    """XML 1.0 Chars (tab, newline, return, U+0020..U+D7FF, U+E000..U+FFFD,
    U+10000..U+10FFFF) but DEL and the C1 controls."""

    def kept(c: int) -> bool:
        return (
            c in (0x9, 0xA, 0xD)
            or 0x20 <= c <= 0xD7FF
            or 0xE000 <= c <= 0xFFFD
            or 0x10000 <= c <= 0x10FFFF
        ) and not 0x7F <= c <= 0x9F

    everything = "".join(map(chr, range(0x110000)))
    assert xml_text(everything) == "".join(ch for ch in everything if kept(ord(ch)))
