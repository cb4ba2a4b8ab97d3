"""Bodies, plain text, dates and avatars: what the templates print."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup
from comments import Comment
from comments.avatar import TONES, avatar_svg, initials, tone
from comments.render import format_when, plain_text, render_bodies, views

BERLIN = ZoneInfo("Europe/Berlin")
T = datetime(2017, 5, 3, 7, 12, tzinfo=UTC)


def c(cid: str, body: str = "x", **kw: object) -> Comment:
    return Comment(cid, str(kw.pop("author", "Ada Nowak")), T, body, "p", **kw)  # type: ignore[arg-type]


def test_bodies_are_rendered_and_sanitized() -> None:
    html = render_bodies(
        [
            c("a", "Hallo *Welt*\n\n[Link](https://example.org/)"),
            c("b", "[x](javascript:alert(1)) <script>alert(1)</script>"),
            c("r", "geheim", status="removed"),
        ]
    )
    assert "<em>Welt</em>" in html["a"]
    assert 'rel="nofollow ugc noopener"' in html["a"]
    assert "javascript:" not in html["b"].replace("[x](javascript:", "")
    assert "<script" not in html["b"]
    assert html["r"] == ""


def test_rendering_is_linear_in_length() -> None:
    # Unclosed brackets made Python-Markdown quadratic; 20,000 of them must be quick.
    start = time.perf_counter()
    render_bodies(
        [c("a", "[" * 20_000), c("b", "> " * 5_000 + "x"), c("c", "*a " * 6000)]
    )
    assert time.perf_counter() - start < 5


def test_plain_text_keeps_paragraphs() -> None:
    html = (
        "<p>Erster   Absatz mit <a href='x'>Link</a>.</p>"
        "<ul><li>eins</li><li>zwei &amp; drei</li></ul><p>Ende</p>"
    )
    assert plain_text(html) == "Erster Absatz mit Link.\neins\nzwei & drei\nEnde"
    assert plain_text("") == ""


def test_dates_in_the_site_zone_and_language() -> None:
    assert format_when(T, "de", BERLIN) == (
        "2017-05-03T09:12:00+02:00",
        "3. Mai 2017 um 09:12 Uhr",
    )
    iso, text = format_when(T, "en", BERLIN)
    assert iso == "2017-05-03T09:12:00+02:00"
    assert text.startswith("May 3, 2017") and "9:12" in text


def test_views_share_one_avatar_per_author() -> None:
    out = views([c("a"), c("b"), c("k", author="Katrin Albers")], "de", BERLIN)
    assert out["a"].avatar is out["b"].avatar
    assert out["a"].avatar != out["k"].avatar
    assert out["k"].when == "3. Mai 2017 um 09:12 Uhr"


@pytest.mark.parametrize(
    ("name", "letters"),
    [
        ("Katrin Albers", "KA"),
        ("Jonas Brehm", "JB"),
        ("Ada", "A"),
        ("jonas von der brehm", "JB"),
        ("Ölaf Überall", "ÖÜ"),
        ("ßabine", "S"),
        ("42 Sami", "S"),
        ("🙂", ""),
        ("", ""),
        ("Ana-María O'Neil", "AO"),
        ("李 小龍", "李小"),
    ],
)
def test_initials(name: str, letters: str) -> None:
    assert initials(name) == letters


def test_avatars_are_deterministic_decorative_and_style_free() -> None:
    for name in ("Katrin Albers", "🙂", "<script>alert(1)</script>", "Ada & Co"):
        svg = avatar_svg(name)
        assert svg == avatar_svg(name)
        soup = BeautifulSoup(str(svg), "html.parser")
        root = soup.find("svg")
        assert root is not None and root["aria-hidden"] == "true"
        assert not soup.find(attrs={"style": True}) and not soup.find("style")
        assert not soup.find("script")
        assert not any(
            a.startswith("on") for tag in soup.find_all(True) for a in tag.attrs
        )
        assert re.fullmatch(r"comment-avatar avatar-tone-\d", " ".join(root["class"]))
    assert ">AC</text>" in str(avatar_svg("Ada & Co"))
    identicon = BeautifulSoup(str(avatar_svg("🙂")), "html.parser")
    assert identicon.find_all("rect") and not identicon.find("text")


def test_tones_spread() -> None:
    names = [f"Leserin {i}" for i in range(200)]
    assert len({tone(n) for n in names}) == TONES


@pytest.mark.parametrize("lang", ["de", "en", "de-AT", "en_GB", "fr", "xx"])
def test_date_formatter_reads_as_babel_writes(lang: str) -> None:
    from datetime import timedelta

    from comments.render import DateFormatter
    from sitekit.i18n import localdatetime

    fmt = DateFormatter(lang)
    # Our patterns show the day, then the time: each half is kept apart.
    assert (fmt.split is not None) == (lang[:2] in ("de", "en"))
    moment = datetime(2016, 12, 31, 22, 59, tzinfo=BERLIN)
    for _ in range(600):  # every hour, minute, month and both halves of a day
        moment += timedelta(hours=13, minutes=37)
        assert fmt(moment) == localdatetime(moment, lang), moment
    for _ in range(100):  # the same days and times again: from the halves kept
        moment -= timedelta(hours=13, minutes=37)
        assert fmt(moment) == localdatetime(moment, lang), moment


def test_rows_rebuild_the_nested_tree() -> None:
    from datetime import timedelta

    from bs4 import BeautifulSoup
    from comments import build_thread
    from comments.render import ThreadView

    def at(i: int) -> datetime:
        return T + timedelta(minutes=i)

    items = [
        Comment("a", "A", at(0), "x", "p"),
        Comment("b", "B", at(1), "x", "p", parent="a"),
        Comment("c", "C", at(2), "x", "p", parent="b"),
        Comment("d", "D", at(3), "x", "p", parent="c"),  # below depth 3: flattened
        Comment("e", "E", at(4), "x", "p", parent="a"),
        Comment("f", "F", at(5), "x", "p"),
        Comment("g", "G", at(6), "", "p", parent="f", status="removed"),
        Comment("h", "H", at(7), "x", "p", parent="g"),
    ]
    thread, _ = build_thread(items, depth=3)
    rows = ThreadView(thread, {}, "de", BERLIN).rows
    assert [r.comment.id for r in rows] == list("abcdefgh")
    html = ['<ol class="l">']
    for row in rows:
        html.append(f'<li id="{row.comment.id}">')
        html.append(
            '<ol class="l">' if row.opens else "</li>" + "</ol></li>" * row.closes
        )
    html.append("</ol>")
    soup = BeautifulSoup("".join(html), "html.parser")

    def parent(cid: str) -> str | None:
        li = soup.find(id=cid).find_parent("li")
        return li["id"] if li else None

    assert {cid: parent(cid) for cid in "abcdefgh"} == {
        "a": None, "b": "a", "c": "b", "d": "b", "e": "a",
        "f": None, "g": "f", "h": "g",
    }  # fmt: skip
    d = next(r for r in rows if r.comment.id == "d")
    assert d.reply_to is not None and d.reply_to.id == "c" and d.depth == 3
    assert rows[0].when == "3. Mai 2017 um 09:12 Uhr"
    assert rows[0].datetime.endswith("+02:00")
    assert rows[0].avatar is rows[0].avatar and "avatar-tone" in rows[0].avatar


def test_plain_text_folds_every_kind_of_whitespace_as_split_does() -> None:
    """Lines that need no folding are kept as they are: the result equals
    folding every line with ``str.split`` (the reference), for every
    whitespace character, rendered bodies and seeded random text."""
    import random
    from html import unescape

    from comments.render import _BLOCK_TAG, _TAG

    def reference(html: str) -> str:
        text = unescape(_TAG.sub("", _BLOCK_TAG.sub("\n", html)))
        lines = (" ".join(line.split()) for line in text.split("\n"))
        return "\n".join(line for line in lines if line)

    spaces = [ch for ch in map(chr, range(0x110000)) if ch.isspace()]
    pieces = [*spaces, "a", "ä", " ", "  ", "<p>", "</p>", "<br>", "&nbsp;", "&#10;"]
    pieces += ["&#x85;", "\u200b", "\x00", "Wort und Wort", "<li>x</li>"]
    rng = random.Random(7)  # noqa: S311 - reproducible test input
    samples = [f"<p>a{ch}b {ch}</p>{ch}c" for ch in spaces]
    samples += [
        "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        for _ in range(20_000)
    ]
    samples += render_bodies(
        c(str(i), text) for i, text in enumerate(["Ein  Satz\n\n  zwei", "x\u00a0y"])
    ).values()
    for html in samples:
        assert plain_text(html) == reference(html), repr(html)
