"""wpautop's paragraph rules, captions and block-editor comments."""

from __future__ import annotations

from importers.wpautop import autop, prepare


def test_blank_lines_become_paragraphs_and_single_newlines_breaks() -> None:
    assert autop("Eins\nzwei\n\nDrei") == "<p>Eins<br />\nzwei</p>\n<p>Drei</p>"


def test_block_tags_are_not_wrapped_and_pre_is_left_alone() -> None:
    html = autop(
        "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>\n<pre>x\n\ny</pre>\nEnde"
    )
    assert "<p><ul>" not in html and "<p><li>" not in html and "</li></p>" not in html
    assert "<pre>x\n\ny</pre>" in html
    assert html.endswith("<p>Ende</p>")


def test_blockquote_text_gets_its_paragraph_inside() -> None:
    assert (
        autop("<blockquote>Stay hungry.</blockquote>")
        == "<blockquote><p>Stay hungry.</p></blockquote>"
    )


def test_caption_shortcode_becomes_a_figure() -> None:
    raw = (
        '[caption id="a1" align="alignright" width="300"]'
        '<a href="/b.jpg"><img src="/b.jpg" alt="Bild" /></a> Ein Bild[/caption]'
    )
    html = "".join(prepare(raw).split("\n"))
    assert html == (
        '<figure><a href="/b.jpg"><img src="/b.jpg" alt="Bild" /></a>'
        "<figcaption>Ein Bild</figcaption></figure>"
    )


def test_block_editor_comments_are_dropped() -> None:
    assert (
        prepare("<!-- wp:paragraph -->\n<p>Text</p>\n<!-- /wp:paragraph -->")
        == "<p>Text</p>"
    )
