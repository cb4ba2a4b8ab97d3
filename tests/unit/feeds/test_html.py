"""feeds.html: links made absolute, reader HTML sanitized again."""

from __future__ import annotations

from feeds.html import absolute_html, comment_html, post_html

BASE = "https://diskurs.example.org/2017/post/"


def test_relative_links_and_sources_become_absolute() -> None:
    html = absolute_html(
        '<p><a href="/ueber/">a</a><a href="#x">b</a><img src="bild.png" '
        'srcset="k.png 1x, /g.png 2x"></p>',
        BASE,
    )
    assert 'href="https://diskurs.example.org/ueber/"' in html
    assert f'href="{BASE}#x"' in html
    assert f'src="{BASE}bild.png"' in html
    assert f'srcset="{BASE}k.png 1x, https://diskurs.example.org/g.png 2x"' in html


def test_text_before_the_first_tag_and_entities_survive() -> None:
    assert absolute_html("vorher &amp; <b>fett</b> nachher", BASE) == (
        "vorher &amp; <b>fett</b> nachher"
    )
    assert absolute_html("", BASE) == "" and absolute_html("\x00", BASE) == ""


def test_unparseable_urls_are_dropped() -> None:
    assert "href" not in absolute_html('<a href="http://[">x</a>', BASE)


def test_post_html_is_trusted_comment_html_is_not() -> None:
    raw = '<p style="color:red">x</p><iframe src="/v"></iframe>'
    assert "iframe" in post_html(raw, BASE)  # the author's own HTML
    cleaned = comment_html(raw + '<a href="javascript:alert(1)">y</a>', BASE)
    assert (
        "iframe" not in cleaned
        and "style" not in cleaned
        and "javascript" not in cleaned
    )
