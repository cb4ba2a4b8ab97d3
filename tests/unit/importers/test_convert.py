"""WordPress bodies to Markdown, and the round trip that decides when not to."""

from __future__ import annotations

from textwrap import dedent

import pytest
from importers.convert import Media, convert_body, differs, media_in, render
from importers.wpautop import prepare, shortcodes_in


def test_simple_posts_become_markdown() -> None:
    raw = dedent("""\
        Ein <strong>kurzer</strong> Text mit <a href="https://example.org/">Link</a>.

        <h2>Liste</h2>
        <ol><li>eins</li><li>zwei<ul><li>innen</li></ul></li></ol>
        """)
    body = convert_body(raw)
    assert body.markup == "markdown", body.reason
    assert "**kurzer**" in body.text
    assert "[Link](https://example.org/)" in body.text
    assert "## Liste" in body.text
    assert "1.  eins" in body.text and "    -   innen" in body.text
    assert differs(prepare(raw), render(body.text)) == ""


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ('<p style="text-align:center">Mitte</p>', "style"),
        ("<table><tr><td colspan='2'>x</td></tr></table>", "colspan"),
        ('<iframe src="https://video.example/1"></iframe>', "<iframe>"),
        ("H<sub>2</sub>O", "<sub>"),
        ('<blockquote cite="https://example.org">Zitat</blockquote>', "cite"),
        # Python-Markdown numbers every list from 1: the round trip notices.
        ('<ol start="3"><li>drei</li><li>vier</li></ol>', "structure"),
    ],
)
def test_html_that_markdown_cannot_hold_stays_html(raw: str, why: str) -> None:
    body = convert_body(raw)
    assert body.markup == "html"
    assert why in body.reason
    assert prepare(raw) in body.text


def test_text_that_markdown_would_reinterpret_is_escaped_or_kept() -> None:
    # A line that looks like a list, emphasis markers and a backtick: the
    # round trip must give the same words back, whichever form is chosen.
    raw = "1986. Ein Jahr\n\n*Sternchen* und _Unterstriche_ und ein ` Backtick"
    body = convert_body(raw)
    if body.markup == "markdown":
        assert differs(prepare(raw), render(body.text)) == ""
    else:
        assert body.reason


def test_shortcodes_left_in_the_text_are_named() -> None:
    body = convert_body('[gallery columns="2"]\n\nText [audio src="x.mp3"]')
    assert body.shortcodes == ("gallery", "audio")
    assert shortcodes_in("[caption] is gone, [code] is not") == ("code",)


def test_empty_body_is_empty_markdown() -> None:
    body = convert_body("")
    assert body.markup == "markdown" and body.text == ""


def test_media_knows_its_host_and_alt() -> None:
    found = media_in(
        '<img src="https://a.example/x.png" alt="X"><img src="y.png">'
        '<video src="//b.example/v.mp4"></video><object data="data:,x"></object>'
    )
    assert found == (
        Media("img", "https://a.example/x.png", "X"),
        Media("img", "y.png", None),
        Media("video", "//b.example/v.mp4", None),
        Media("object", "data:,x", None),
    )
    assert [m.host for m in found] == ["a.example", "", "b.example", ""]
