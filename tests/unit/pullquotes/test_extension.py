"""The pull-quote extension: one contract case per test, Python-Markdown style."""

from __future__ import annotations

from textwrap import dedent

import markdown
from pullquotes.extension import PullQuoteExtension, makeExtension


def render(source: str, *extensions: object) -> str:
    md = markdown.Markdown(
        extensions=[*(extensions or [PullQuoteExtension()])], output_format="html5"
    )
    return md.convert(dedent(source).strip("\n"))


def assert_renders(source: str, expected: str, *extensions: object) -> None:
    """Render dedented Markdown and compare with the dedented HTML, exactly."""
    assert render(source, *extensions) == dedent(expected).strip("\n")


def test_attribution_with_em_dash() -> None:
    assert_renders(
        """
        > [!PULLQUOTE]
        > Diese neue Art der Kommunikation gehört in jeden Bereich.
        > — Carmen Hillebrand
        """,
        """
        <figure class="pullquote">
        <blockquote>
        <p>Diese neue Art der Kommunikation gehört in jeden Bereich.</p>
        </blockquote>
        <figcaption>— Carmen Hillebrand</figcaption>
        </figure>
        """,
    )


def test_attribution_with_two_hyphens() -> None:
    assert_renders(
        """
        > [!PULLQUOTE]
        > Wer zuhört, gewinnt.
        > -- Henrike Paulsen
        """,
        """
        <figure class="pullquote">
        <blockquote>
        <p>Wer zuhört, gewinnt.</p>
        </blockquote>
        <figcaption>— Henrike Paulsen</figcaption>
        </figure>
        """,
    )


def test_no_attribution_means_no_figcaption() -> None:
    assert_renders(
        """
        > [!PULLQUOTE]
        > Ein Satz ohne Quelle.
        """,
        """
        <figure class="pullquote">
        <blockquote>
        <p>Ein Satz ohne Quelle.</p>
        </blockquote>
        </figure>
        """,
    )


def test_three_hyphens_are_a_rule_not_an_attribution() -> None:
    html = render(
        """
        > [!PULLQUOTE]
        > Erster Teil.
        >
        > ---
        """
    )
    assert "<figcaption>" not in html
    assert "<hr>" in html


def test_a_lone_dash_line_is_text_not_an_attribution() -> None:
    html = render(
        """
        > [!PULLQUOTE]
        > — nur ein Gedankenstrich
        """
    )
    assert "<figcaption>" not in html
    assert "<p>— nur ein Gedankenstrich</p>" in html


def test_markdown_inside_keeps_working() -> None:
    assert_renders(
        """
        > [!PULLQUOTE]
        > Erst *zuhören*, dann **sprechen**,
        > und [nachlesen](https://example.org/a).
        >
        > Zweiter Absatz.
        > — Carmen *Hillebrand*
        """,
        """
        <figure class="pullquote">
        <blockquote>
        <p>Erst <em>zuhören</em>, dann <strong>sprechen</strong>,
        und <a href="https://example.org/a">nachlesen</a>.</p>
        <p>Zweiter Absatz.</p>
        </blockquote>
        <figcaption>— Carmen <em>Hillebrand</em></figcaption>
        </figure>
        """,
    )


def test_ordinary_blockquote_is_untouched() -> None:
    source = """
    > Ein ganz normales Zitat.
    > — mit Strich
    """
    assert render(source) == markdown.markdown(
        dedent(source).strip("\n"), output_format="html5"
    )
    assert "<figure" not in render(source)


def test_other_markers_are_untouched() -> None:
    assert_renders(
        """
        > [!NOTE]
        > Ein Hinweis.
        """,
        """
        <blockquote>
        <p>[!NOTE]
        Ein Hinweis.</p>
        </blockquote>
        """,
    )


def test_marker_inside_an_ordinary_quote_is_text() -> None:
    html = render(
        """
        > Erste Zeile.
        > [!PULLQUOTE]
        > Zweite Zeile.
        """
    )
    assert "<figure" not in html
    assert "[!PULLQUOTE]" in html


def test_paragraph_right_before_the_quote_stays_a_paragraph() -> None:
    assert_renders(
        """
        Davor.
        > [!PULLQUOTE]
        > Zitat.
        """,
        """
        <p>Davor.</p>
        <figure class="pullquote">
        <blockquote>
        <p>Zitat.</p>
        </blockquote>
        </figure>
        """,
    )


def test_excerpt_is_hidden_and_classed() -> None:
    assert_renders(
        """
        > [!PULLQUOTE excerpt]
        > Zuhören lässt sich nicht delegieren.
        """,
        """
        <figure aria-hidden="true" class="pullquote excerpt">
        <blockquote>
        <p>Zuhören lässt sich nicht delegieren.</p>
        </blockquote>
        </figure>
        """,
    )


def test_excerpt_holds_nothing_focusable() -> None:
    html = render(
        """
        > [!PULLQUOTE excerpt]
        > Ein [Link](https://example.org/x) und <a href="https://example.org/y">roh</a>
        > und <https://example.org/z>.
        """
    )
    assert "<a" not in html
    assert "href" not in html
    assert "Ein Link und roh\nund https://example.org/z." in html


def test_excerpt_with_attribution_keeps_it() -> None:
    html = render(
        """
        > [!PULLQUOTE excerpt]
        > Ein Satz.
        > — Katrin Albers
        """
    )
    assert '<figure aria-hidden="true" class="pullquote excerpt">' in html
    assert "<figcaption>— Katrin Albers</figcaption>" in html


def test_marker_is_case_insensitive() -> None:
    html = render(
        """
        > [!pullquote Excerpt]
        > Leise.
        """
    )
    assert 'class="pullquote excerpt"' in html


def test_quote_after_a_pullquote_is_a_new_ordinary_quote() -> None:
    assert_renders(
        """
        > [!PULLQUOTE]
        > Groß.

        > Normal.
        """,
        """
        <figure class="pullquote">
        <blockquote>
        <p>Groß.</p>
        </blockquote>
        </figure>
        <blockquote>
        <p>Normal.</p>
        </blockquote>
        """,
    )


def test_inside_a_list_item() -> None:
    html = render(
        """
        - Punkt

            > [!PULLQUOTE]
            > Im Listenpunkt.
        """
    )
    assert '<li>\n<p>Punkt</p>\n<figure class="pullquote">' in html


def test_excerpt_phrases_are_reset_per_document() -> None:
    ext = PullQuoteExtension()
    first = markdown.Markdown(extensions=[ext])
    first.convert("> [!PULLQUOTE excerpt]\n> Eins.")
    assert ext.excerpts == ["Eins."]
    # Pelican builds a new Markdown per file around the same extension instance.
    second = markdown.Markdown(extensions=[ext])
    second.convert("> [!PULLQUOTE excerpt]\n> Zwei.")
    assert ext.excerpts == ["Zwei."]
    second.reset()
    assert ext.excerpts == []


def test_works_with_extra_and_by_name() -> None:
    html = markdown.markdown(
        "> [!PULLQUOTE]\n> Mit *extra*.\n> -- Ada",
        extensions=["extra", "pullquotes.extension"],
        output_format="html5",
    )
    assert '<figure class="pullquote">' in html
    assert "<figcaption>— Ada</figcaption>" in html
    assert isinstance(makeExtension(), PullQuoteExtension)
