"""sitekit.leanfeed against sitekit.feedwriter: the same description, the same feed.

feedgen (sitekit.feedwriter) is the reference; the lean text writer writes the
per-post discussion feeds and must give what feedgen gives for the same spec
and items. Both documents of each case are read by feedparser and by an XML
parser, and the readings must be equal: every element's name, attributes,
text and tail, the namespaces declared, and every value feedparser finds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import pytest
from lxml import etree
from sitekit import feedwriter, leanfeed
from sitekit.feedwriter import FeedItem, FeedSpec, ReplyTo

ROOT = Path(__file__).resolve().parents[3]
XSS = ROOT.parent / "shared" / "corpora" / "xss"

BERLIN = ZoneInfo("Europe/Berlin")
ZONES = (
    UTC,
    timezone(timedelta(hours=2)),
    timezone(timedelta(hours=-3, minutes=-30)),
    BERLIN,  # summer and winter offsets below
    ZoneInfo("America/St_Johns"),  # -02:30 / -03:30
    ZoneInfo("Asia/Kathmandu"),  # +05:45
    ZoneInfo("Pacific/Kiritimati"),  # +14:00
    ZoneInfo("Pacific/Pago_Pago"),  # -11:00
)

SPEC = FeedSpec(
    id="tag:example.org,2017:feed/feeds/comments/silo.atom.xml",
    title="Kommentare zu „Social Media im Silo“",
    link="https://example.org/2017/social-media-im-silo/#comments",
    atom_url="https://example.org/feeds/comments/silo.atom.xml",
    rss_url="https://example.org/feeds/comments/silo.rss.xml",
    language="de",
    subtitle="Diskurs",
    author="Katrin Albers",
)
PAGE = "https://example.org/2017/social-media-im-silo/"
POST_ID = "tag:example.org,2017:/2017/social-media-im-silo/"
WRITERS: tuple[Callable[..., tuple[bytes, bytes]], ...] = (
    feedwriter.feed_bytes,
    leanfeed.feed_bytes,
)

#: Every code point class the writers must drop or keep alike: C0 and C1
#: controls, DEL, surrogates, non-characters, tab/newline/return, line separators.
CONTROLS = (
    "".join(chr(c) for c in range(0x20))
    + "\x7f\x80\x85\x9f\ud800\udfff\ufffe\uffff\ufdd0\u2028\u2029\ufeff"
)
NON_ASCII = (
    "Grüße aus Köln – „Zitat“ ‚halb‘ «guillemets» ß ẞ · "  # noqa: RUF001 - on purpose
    "Ελληνικά Кириллица עברית العربية 中文 日本語 한국어 "
    "e\u0301 (combining) 👩\u200d👩\u200d👧 \U0001f600 \u00a0nbsp \u200bzwsp"
)


def xss_payloads() -> list[str]:
    """Every non-empty line of the XSS corpus (shared/corpora/xss)."""
    lines: list[str] = []
    for path in sorted(XSS.glob("*.txt")):
        text = path.read_text(encoding="utf-8", errors="replace")
        lines += [line for line in text.splitlines() if line.strip()]
    return lines


def comment(n: int, when: datetime, **kw: Any) -> FeedItem:
    """A comment entry as feeds.comments makes it."""
    fields: dict[str, Any] = {
        "id": f"tag:example.org,{when.year}:comment/social-media-im-silo/c{n}",
        "title": f"Kommentar von Ada Nowak zu „Social Media im Silo“ ({n})",
        "link": f"{PAGE}#comment-c{n}",
        "published": when,
        "author": "Ada Nowak",
        "author_uri": "https://ada.example/",
        "content_html": (
            f'<p>Antwort {n} &amp; <a href="{PAGE}" rel="nofollow">mehr</a></p>'
        ),
        "language": "de",
        "in_reply_to": ReplyTo(POST_ID, PAGE),
    }
    fields.update(kw)
    return FeedItem(**fields)


def post(n: int, when: datetime, **kw: Any) -> FeedItem:
    """A post entry as feeds.posts makes it: summary, terms and discussion links."""
    fields: dict[str, Any] = {
        "id": f"tag:example.org,{when.year}:/{when.year}/beitrag-{n}/",
        "title": f"Beitrag {n}",
        "link": f"https://example.org/{when.year}/beitrag-{n}/",
        "published": when,
        "author": "Katrin Albers",
        "content_html": f"<p>Langer Text {n}</p>\n<pre><code>a &lt; b</code></pre>",
        "summary_html": f"<p>Kurz {n}</p>",
        "categories": ("Werkstatt", "Moderation"),
        "language": "de",
        "comments_url": f"https://example.org/{when.year}/beitrag-{n}/#comments",
        "comment_feed_url": f"https://example.org/feeds/comments/beitrag-{n}.rss.xml",
        "replies_url": f"https://example.org/feeds/comments/beitrag-{n}.atom.xml",
        "comment_count": n % 3,
    }
    fields.update(kw)
    return FeedItem(**fields)


# -- what a reader sees ------------------------------------------------------------


def xml_reading(data: bytes) -> list[tuple[Any, ...]]:
    """Every element (name, attributes, text, tail) and the root's namespaces."""
    root = etree.fromstring(data)
    out: list[tuple[Any, ...]] = [("nsmap", sorted(root.nsmap.items(), key=str))]
    for el in root.iter():
        out.append((el.tag, sorted(el.attrib.items()), el.text, el.tail))
    return out


def feedparser_reading(data: bytes) -> dict[str, Any]:
    """What feedparser reads: version, namespaces, the feed and every entry."""
    parsed = feedparser.parse(data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {
        "version": parsed.version,
        "encoding": parsed.encoding,
        "namespaces": dict(parsed.namespaces),
        "feed": dict(parsed.feed),
        "entries": [dict(entry) for entry in parsed.entries],
    }


def assert_same_feed(
    spec: FeedSpec, items: Sequence[FeedItem], max_items: int | None = None
) -> tuple[bytes, bytes]:
    """Both writers' pairs read alike; the reference pair is returned."""
    reference = feedwriter.feed_bytes(spec, items, max_items)
    lean = leanfeed.feed_bytes(spec, items, max_items)
    for kind, ours, theirs in zip(("atom", "rss"), lean, reference, strict=True):
        assert xml_reading(ours) == xml_reading(theirs), kind
        assert feedparser_reading(ours) == feedparser_reading(theirs), kind
    return reference


# -- the cases ------------------------------------------------------------------------


def test_ordinary_discussion() -> None:
    start = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    items = [comment(n, start + timedelta(hours=n)) for n in range(1, 6)]
    atom, rss = assert_same_feed(SPEC, items)
    # The readings are not empty by accident: the entries are there, newest first.
    titles = [e.title for e in feedparser.parse(atom).entries]
    assert titles == [items[n].title for n in (4, 3, 2, 1, 0)]
    assert len(feedparser.parse(rss).entries) == 5


def test_ordinary_post_feed_with_discussion_links() -> None:
    start = datetime(2016, 12, 30, 22, 0, tzinfo=BERLIN)
    items = [post(n, start + timedelta(days=n)) for n in range(1, 8)]
    items.append(
        post(8, start, summary_html=items[0].content_html)
    )  # summary = content
    items.append(post(9, start, content_html=""))  # summary only
    items.append(post(10, start, content_html="", summary_html=""))  # neither
    site = replace(SPEC, subtitle="", author=None)  # description falls back to title
    assert_same_feed(site, items)
    assert_same_feed(site, items, max_items=3)


def test_empty_feed() -> None:
    assert_same_feed(SPEC, [])
    quiet = replace(SPEC, updated=datetime(2017, 5, 3, tzinfo=BERLIN), author=None)
    atom, _ = assert_same_feed(quiet, [])
    assert feedparser.parse(atom).feed.updated == "2017-05-03T00:00:00+02:00"


def test_replies_thread_in_reply_to() -> None:
    start = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    root = comment(1, start)
    items = [root]
    for n in range(2, 7):
        parent = items[-1] if n % 2 else root
        items.append(
            comment(
                n,
                start + timedelta(minutes=7 * n),
                in_reply_to=ReplyTo(parent.id, parent.link),
                author_uri=None if n % 3 else "http://site.example/~jonas?a=1&b=2",
                language="en" if n == 4 else "de",
            )
        )
    atom, rss = assert_same_feed(SPEC, items)
    thr = "{http://purl.org/syndication/thread/1.0}in-reply-to"
    refs = sorted(el.get("ref") for el in etree.fromstring(atom).iter(thr))
    assert refs == sorted([POST_ID] + [i.in_reply_to.ref for i in items[1:]])  # type: ignore[union-attr]
    assert len(list(etree.fromstring(rss).iter(thr))) == len(items)


def test_dates_in_several_zones() -> None:
    base = datetime(2017, 3, 26, 0, 30, tzinfo=UTC)  # Berlin changes to summer time
    items = []
    for n, zone in enumerate(ZONES * 2):
        when = (base + timedelta(hours=n * 17, microseconds=n * 1001)).astimezone(zone)
        updated = when + timedelta(days=200) if n % 4 == 0 else None
        items.append(comment(n, when, updated=updated))
    items.append(comment(90, datetime(1999, 12, 31, 23, 59, 59, tzinfo=ZONES[6])))
    items.append(comment(91, datetime(2024, 2, 29, 0, 0, tzinfo=ZONES[7])))
    assert_same_feed(SPEC, items)
    for zone in ZONES:  # the feed's own date, given, in each zone
        when = datetime(2017, 11, 5, 8, 0, tzinfo=UTC).astimezone(zone)
        assert_same_feed(replace(SPEC, updated=when), items[:3])


def test_equal_dates_keep_one_order() -> None:
    same = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    items = [comment(n, same) for n in (3, 1, 2)]
    assert_same_feed(SPEC, items)
    assert_same_feed(SPEC, items[::-1], max_items=2)


def hostile_items(texts: Sequence[str], start: datetime) -> Iterator[FeedItem]:
    """Each text in every field of an entry (a different one per field)."""
    k = len(texts)
    for n, text in enumerate(texts):
        other = texts[(n + 1) % k]
        yield FeedItem(
            id=f"tag:example.org,2017:comment/x/{text}",
            title=text,
            link=f"{PAGE}#{other}",
            published=start + timedelta(minutes=n),
            updated=start + timedelta(days=1, minutes=n) if n % 2 else None,
            author=other,
            author_uri=texts[(n + 2) % k],
            content_html=text,
            summary_html=other if n % 3 else "",
            categories=(text, other, ""),
            language=texts[(n + 3) % k] if n % 5 == 0 else "de",
            in_reply_to=ReplyTo(other, text) if n % 2 else ReplyTo(POST_ID, PAGE),
            comments_url=text if n % 4 == 0 else None,
            comment_feed_url=other if n % 4 == 1 else None,
            replies_url=texts[(n + 4) % k] if n % 4 == 2 else None,
            comment_count=n % 4 if n % 3 else None,
        )


def hostile_spec(text: str) -> FeedSpec:
    return replace(
        SPEC,
        title=text,
        subtitle=text[::-1],
        author=text,
        link=f"{PAGE}?q={text}",
        atom_url=f"{SPEC.atom_url}#{text}",
        rss_url=f"{SPEC.rss_url}#{text}",
    )


def chunks(texts: Sequence[str], size: int) -> list[Sequence[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


XSS_CHUNKS = chunks(xss_payloads(), 60)


def test_the_xss_corpus_is_there() -> None:
    # Without it the hostile cases below would test nothing.
    assert sum(map(len, XSS_CHUNKS)) > 500


@pytest.mark.parametrize("texts", XSS_CHUNKS, ids=lambda t: t[0][:20])
def test_xss_payloads_in_every_field(texts: Sequence[str]) -> None:
    start = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    items = list(hostile_items(texts, start))
    atom, rss = assert_same_feed(hostile_spec(texts[0]), items)
    # Markup in text stays text: no element of the payloads becomes one of the feed.
    names = {etree.QName(el).localname for el in etree.fromstring(atom).iter()}
    assert names <= {
        "feed", "id", "title", "updated", "author", "name", "uri", "link",
        "generator", "subtitle", "entry", "content", "summary", "category",
        "published", "in-reply-to", "total",
    }  # fmt: skip
    assert len(feedparser.parse(rss).entries) == len(items)


def test_control_characters() -> None:
    start = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    texts = [
        CONTROLS,
        f"vor{CONTROLS}nach",
        "\r\n\r\n",
        "\t<b>\ttab</b>\t",
        "a\rb\nc\r\nd",
        "\x00",  # nothing left after cleaning
        "ok",
    ]
    items = list(hostile_items(texts, start))
    atom, rss = assert_same_feed(hostile_spec(f"T{CONTROLS}"), items)
    for data in (atom, rss):
        text = data.decode("utf-8")
        assert not any(ch in text for ch in "\x00\x01\x08\x0b\x0c\x1f\x7f\x85\ufffe")


def test_non_ascii() -> None:
    start = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    words = NON_ASCII.split(" ")
    texts = [NON_ASCII, *words, f"<p>{NON_ASCII}</p>", "&amp; &lt;ü&gt; &#x1F600;"]
    items = list(hostile_items(texts, start))
    atom, _ = assert_same_feed(hostile_spec(NON_ASCII), items)
    assert "👩\u200d👩\u200d👧".encode() in atom  # UTF-8, not character references


def test_fields_left_empty_or_cleaned_away() -> None:
    start = datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    items = [
        comment(1, start, title="\x00\x1f", link=f"{PAGE}#c1\x0b"),  # title: link
        comment(2, start, author="\x7f", author_uri="", language=""),
        comment(3, start, author=None, in_reply_to=None, categories=("\x00", "")),
        comment(4, start, content_html="\ufffe", summary_html="<p>nur kurz</p>"),
        comment(5, start, comment_count=0, comments_url="", replies_url=PAGE),
    ]
    bare = replace(SPEC, language="", subtitle="\x01", author="\x02", updated=None)
    assert_same_feed(bare, items)
    assert_same_feed(replace(SPEC, subtitle=""), items[:2])


@pytest.mark.parametrize(
    ("spec", "item"),
    [
        (replace(SPEC, title="\x00"), None),
        (replace(SPEC, id=""), None),
        (replace(SPEC, link="\x1f"), None),
        (SPEC, {"id": "\x00"}),
        (SPEC, {"title": "", "link": "\x00"}),
    ],
)
def test_both_refuse_what_feedgen_cannot_write(
    spec: FeedSpec, item: dict[str, str] | None
) -> None:
    entry = comment(1, datetime(2017, 5, 3, tzinfo=UTC), **(item or {}))
    for writer in WRITERS:
        with pytest.raises(ValueError, match="feeds need them"):
            writer(spec, [entry])
    # The shared check says what feedgen itself would say, in one of the files.
    fg = feedwriter.build_feed(spec, [entry], entry.published)
    with pytest.raises(ValueError, match="Required fields not set"):
        fg.atom_str()
        fg.rss_str()


@pytest.mark.parametrize("writer", WRITERS, ids=("feedgen", "lean"))
def test_both_refuse_naive_datetimes(
    writer: Callable[..., tuple[bytes, bytes]],
) -> None:
    naive = datetime(2017, 5, 3, 9, 12)  # noqa: DTZ001
    with pytest.raises(ValueError, match="time zone"):
        writer(SPEC, [comment(1, naive)])
    with pytest.raises(ValueError, match="time zone"):
        writer(replace(SPEC, updated=naive), [])
