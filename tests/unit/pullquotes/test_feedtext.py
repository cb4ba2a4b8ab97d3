"""Pull-quotes in feeds and summaries, and the excerpt check's text comparison."""

from __future__ import annotations

import markdown
from pullquotes.extension import PullQuoteExtension
from pullquotes.feedtext import excerpt_phrases, for_feed, own_text, phrase_in_text

SOURCE = """Erster Absatz mit einem Satz, der sich lohnt.

> [!PULLQUOTE]
> Ein Zitat mit *Betonung*.
> — Carmen Hillebrand

> [!PULLQUOTE excerpt]
> einem Satz, der sich lohnt

Letzter Absatz.
"""


def page_html() -> str:
    return markdown.markdown(
        SOURCE, extensions=[PullQuoteExtension()], output_format="html5"
    )


def test_feed_drops_excerpts_and_keeps_standalone_as_blockquote() -> None:
    html = for_feed(page_html())
    assert "figure" not in html
    assert "aria-hidden" not in html
    assert "einem Satz, der sich lohnt" in html  # only from the first paragraph
    assert html.count("einem Satz, der sich lohnt") == 1
    assert (
        "<blockquote>\n<p>Ein Zitat mit <em>Betonung</em>.</p>\n"
        "<p>— Carmen Hillebrand</p>\n</blockquote>"
    ) in html
    assert html.startswith("<p>Erster Absatz")
    assert html.rstrip().endswith("<p>Letzter Absatz.</p>")


def test_feed_leaves_other_html_unchanged() -> None:
    html = (
        '<p>Kein <a href="x">Zitat</a>.</p>\n<figure><img alt="" src="a.png"></figure>'
    )
    assert for_feed(html) == html


def test_excerpt_phrases_and_own_text() -> None:
    html = page_html()
    assert excerpt_phrases(html) == ["einem Satz, der sich lohnt"]
    text = own_text(html)
    assert "Carmen" not in text
    assert "Erster Absatz" in text and "Letzter Absatz" in text


def test_phrase_comparison_ignores_whitespace_markup_case_and_quotes() -> None:
    text = own_text(
        "<p>Zuhören lässt sich <em>nicht</em>\n an eine „Abteilung“ delegieren.</p>"
    )
    assert phrase_in_text(
        "zuhören lässt sich nicht an eine Abteilung delegieren.", text
    )
    assert phrase_in_text("Zuhören … delegieren", text)
    assert not phrase_in_text("Sprechen lässt sich nicht delegieren", text)
    assert not phrase_in_text("delegieren … Zuhören", text)  # parts in order only
    assert not phrase_in_text("…", text)
