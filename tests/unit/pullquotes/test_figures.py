"""The tag scan against the BeautifulSoup reference, over many kinds of HTML.

``feedtext`` answers from a scan of the tags and falls back to ``soup`` (the
parser) for HTML it cannot read exactly. Both must give the same results for
every input: the sample posts, generated benchmark posts, hand-written edge
cases, a few hundred seeded random documents and raw HTML of odd shapes.
Documents made only by Markdown must take the scan, never the fallback.
"""

from __future__ import annotations

import functools
import importlib.util
import random
import runpy
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import markdown
import pytest
from bs4 import BeautifulSoup
from bs4.builder import HTMLParserTreeBuilder
from pullquotes import feedtext, soup
from pullquotes.extension import PullQuoteExtension
from pullquotes.figures import VOID

ROOT = Path(__file__).resolve().parents[3]


@functools.cache
def markdown_settings() -> dict[str, Any]:
    return dict(runpy.run_path(str(ROOT / "pelicanconf.py"))["MARKDOWN"])


def md_to_html(source: str) -> str:
    """Markdown as the build renders it: pelicanconf's MARKDOWN plus our extension."""
    config = markdown_settings()
    extension_configs = config["extension_configs"]
    md = markdown.Markdown(
        extensions=[*extension_configs, PullQuoteExtension()],
        extension_configs=extension_configs,
        output_format=config.get("output_format", "html5"),
    )
    return md.convert(source)


def tree(html: str) -> str:
    """The html.parser tree, serialized, blank text between tags shortened.

    Parsed again until it stays the same: a stray end tag splits a blank in
    two, which the first parse keeps and the second shortens.
    """
    previous, current = html, str(BeautifulSoup(html, "html.parser"))
    while current != previous:
        previous, current = current, str(BeautifulSoup(current, "html.parser"))
    return current


def exact_tree(html: str) -> str:
    """The tree with every blank kept (inside <pre> the parser shortens none)."""
    return str(BeautifulSoup(f"<pre>{html}</pre>", "html.parser"))


def assert_same_as_reference(html: str) -> None:
    """Both paths give the same results, on the HTML and on its parsed form.

    The reference re-serializes the whole document, shortening every blank
    run between tags; the scan leaves the rest of the HTML as it was. So the
    outputs are compared as trees, and once more, blank for blank, on input
    that the parser has shortened already, which shows a blank left behind.
    """
    assert tree(feedtext.for_feed(html)) == tree(soup.for_feed(html))
    assert feedtext.excerpt_phrases(html) == soup.excerpt_phrases(html)
    assert feedtext.own_text(html).split() == soup.own_text(html).split()
    flat = tree(html)
    assert exact_tree(feedtext.for_feed(flat)) == exact_tree(soup.for_feed(flat))


def scans(html: str) -> bool:
    """Whether feedtext answers all three questions without the parser."""
    fallbacks: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        for name in ("for_feed", "excerpt_phrases", "own_text"):
            reference = getattr(soup, name)

            def counted(
                text: str, name: str = name, reference: object = reference
            ) -> object:
                fallbacks.append(name)
                return reference(text)  # type: ignore[operator]

            patch.setattr(soup, name, counted)
        feedtext.for_feed(html)
        feedtext.excerpt_phrases(html)
        feedtext.own_text(html)
    return not fallbacks


# -- inputs -------------------------------------------------------------------


def sample_posts() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "content").rglob("*.md"))


def bench_module() -> object:
    spec = importlib.util.spec_from_file_location(
        "bench_sitegen_for_pullquotes", ROOT / "tests" / "bench" / "bench_sitegen.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


EDGE_CASES = {
    "no pull-quote": "Nur Text mit *Betonung*.\n",
    "excerpt with link, raw HTML and entities": (
        "Ein Satz mit [Link](https://example.org/?a=1&b=2) & <b>fett</b>.\n\n"
        "> [!PULLQUOTE excerpt]\n"
        "> Ein Satz mit [Link](https://example.org/) &amp; <b>fett</b>\n"
        "> &nbsp;&#8212;&#x2014;\n"
    ),
    "attribution with markup": (
        "Text.\n\n> [!PULLQUOTE]\n> Zitat.\n"
        "> — *Ada* [Nowak](https://example.org) &amp; Co.\n"
    ),
    "attribution with two hyphens": "> [!PULLQUOTE]\n> Zitat.\n> -- Jonas Brehm\n",
    "two pull-quotes": (
        "> [!PULLQUOTE]\n> Eins.\n> — A\n\nMitte.\n\n> [!PULLQUOTE]\n> Zwei.\n"
    ),
    "pull-quote at start and excerpt at end": (
        "> [!PULLQUOTE]\n> Am Anfang.\n\nDazwischen ein Satz.\n\n"
        "> [!PULLQUOTE excerpt]\n> ein Satz"
    ),
    "excerpt at start": "> [!PULLQUOTE excerpt]\n> Am Anfang\n\nAm Anfang war Text.\n",
    "code blocks mentioning pullquote": (
        '```html\n<figure class="pullquote"><blockquote>x</blockquote></figure>\n'
        "```\n\n"
        "    > [!PULLQUOTE excerpt]\n    > eingerückt\n\n"
        'Inline `<figure class="pullquote excerpt">` und pullquote.\n\n'
        '> [!PULLQUOTE]\n> ```\n> <figure class="pullquote">\n> ```\n'
    ),
    "nested pull-quotes": (
        "Vorher.\n\n> [!PULLQUOTE]\n> Außen.\n>\n> > [!PULLQUOTE excerpt]\n> > Vorher\n"
        ">\n> > [!PULLQUOTE]\n> > Innen\n> > — Innen\n>\n> — Außen\n\n"
        "> [!PULLQUOTE excerpt]\n> Vorher\n>\n> > [!PULLQUOTE]\n> > drin\n\nEnde.\n"
    ),
    "pull-quote in a list and in a quote": (
        "- Punkt\n\n    > [!PULLQUOTE]\n    > In der Liste.\n    > — L\n\n"
        "> Ein Zitat.\n>\n> > [!PULLQUOTE excerpt]\n> > Ein Zitat\n"
    ),
    "multi-paragraph quote with a list": (
        "> [!PULLQUOTE]\n> Absatz eins.\n>\n> - a\n> - b\n>\n> Absatz zwei.\n> — Wer\n"
    ),
    "html comment next to an excerpt": (
        "Satz.\n\n> [!PULLQUOTE excerpt]\n> Satz\n"
        "<!-- PELICAN_END_SUMMARY -->\n\nMehr.\n"
    ),
    "footnotes and tables": (
        "Satz[^1].\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n"
        "> [!PULLQUOTE excerpt]\n> Satz\n\n[^1]: Fußnote &amp; mehr.\n"
    ),
    "raw block figure in Markdown": (
        '<figure class="pullquote">\n<blockquote><p>Roh.</p></blockquote>\n'
        "<figcaption>— Roh</figcaption>\n</figure>\n\nText.\n"
    ),
}

#: HTML no Markdown wrote, and whether the scan must take it (else: fallback).
RAW_HTML = {
    "figure of another class": (
        True,
        '<figure class="wide"><img src="a.png"></figure>',
    ),
    "upper case tags, attributes reordered": (
        True,
        '<FIGURE data-x="1" class="quote pullquote"><BlockQuote id="q"><p>A</p>'
        "</BlockQuote><FigCaption>— B</FigCaption></FIGURE><p>C</p>",
    ),
    "excerpt with text and blank entity after it": (
        True,
        '<p>a</p><figure class="pullquote excerpt"><blockquote>a</blockquote>'
        "</figure> &#32;\n<p>b</p>",
    ),
    "excerpt followed by a blank comment": (
        True,
        '<figure class="pullquote excerpt"><blockquote>x</blockquote></figure>'
        "<!-- --><p>x</p>",
    ),
    "excerpt followed by a comment with text": (
        True,
        '<figure class="pullquote excerpt"><blockquote>x</blockquote></figure>'
        "<!-- keep --><p>x</p>",
    ),
    "stray end tag right after an excerpt": (
        False,
        '<figure class="pullquote excerpt"><blockquote>x</blockquote></figure>'
        "</blockquote>\n<p>y</p>",
    ),
    "comment inside a figure": (
        True,
        '<figure class="pullquote"><!-- c --><blockquote><p>x</p></blockquote>'
        "<figcaption>— y</figcaption></figure>",
    ),
    "text beside the quote": (
        True,
        '<figure class="pullquote">lose text<blockquote><p>x</p></blockquote></figure>',
    ),
    "figcaption first": (
        False,
        '<figure class="pullquote"><figcaption>— y</figcaption><blockquote>x'
        "</blockquote></figure>",
    ),
    "no blockquote": (False, '<figure class="pullquote"><p>nur</p></figure><p>x</p>'),
    "quote inside a div": (
        False,
        '<figure class="pullquote"><div><blockquote>x</blockquote></div></figure>',
    ),
    "unclosed figure": (False, '<figure class="pullquote"><blockquote>x</blockquote>'),
    "stray end tag inside": (
        False,
        '<div><figure class="pullquote"><blockquote>x</div></blockquote></figure>',
    ),
    "figure in an attribute": (
        False,
        '<p title="<figure class=&quot;pullquote&quot;>">t</p>'
        '<figure class="pullquote"><blockquote>q</blockquote></figure>',
    ),
    "figure in a script": (
        False,
        '<script>document.write("<figure class=pullquote>")</script>'
        '<figure class="pullquote excerpt"><blockquote>q</blockquote></figure>',
    ),
    "comment holding a figure": (
        False,
        '<!-- <figure class="pullquote"> --><figure class="pullquote excerpt">'
        "<blockquote>q</blockquote></figure>",
    ),
    "bare ampersand in an excerpt": (
        False,
        '<figure class="pullquote excerpt"><blockquote>A & B</blockquote></figure>',
    ),
    "unknown entity": (
        False,
        '<figure class="pullquote excerpt"><blockquote>&bogus;</blockquote></figure>',
    ),
    # No pull-quote to the cheap test for the word (nor was it before the scan).
    "entity in the class": (
        False,
        '<figure class="pull&#113;uote excerpt"><blockquote>x</blockquote></figure>',
    ),
    "duplicate class attribute": (
        True,
        '<figure class="pullquote" class="pullquote excerpt"><blockquote>x'
        "</blockquote></figure><p>y</p>",
    ),
    "unquoted class": (
        True,
        "<figure class=pullquote><blockquote>x</blockquote><figcaption>— y"
        "</figcaption></figure>",
    ),
    "self-closed pull-quote figure": (False, '<figure class="pullquote"/><p>x</p>'),
    "void and self-closed elements inside": (
        True,
        '<figure class="pullquote"><blockquote><p>a<br>b<br/>c<span/>'
        '<img alt="x" src="y"></p></blockquote><figcaption>— z<br></figcaption>'
        "</figure>",
    ),
    "end tag of a void element": (
        False,
        '<figure class="pullquote"><blockquote>a<br></br></blockquote></figure>',
    ),
    "doctype and cdata": (
        False,
        '<!DOCTYPE html><figure class="pullquote"><blockquote>x</blockquote></figure>',
    ),
    "ruby in an excerpt": (
        False,
        '<figure class="pullquote excerpt"><blockquote><ruby>漢<rt>kan</rt>'
        "</ruby></blockquote></figure>",
    ),
    "control character reference": (
        False,
        '<figure class="pullquote excerpt"><blockquote>&#150;</blockquote></figure>',
    ),
    # No figure at all: html.parser names this tag "figure\xa0class=…".
    "non-breaking space inside a tag": (
        False,
        '<figure\xa0class="pullquote"><blockquote>x</blockquote></figure>',
    ),
}

_WORDS = (
    "Zuhören",
    "Gespräch",
    "Beitrag",
    "Moderation",
    "Antwort",
    "Frage",
    "Netz",
    "Leser",
    "Blog",
    "Satz",
    "Stimme",
    "Zeit",
    "Ruhe",
    "Text",
    "Schwarm",
    "Silo",
    "Straße",
    "Öffentlichkeit",
)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(3, 9))]
    extras = [
        "*betont*",
        "**stark**",
        "`code`",
        "[Link](https://example.org/a?b=1&c=2)",
        "&amp;",
        "&nbsp;",
        "&#8212;",
        "&mdash;",
        "„Zitat“",
        "<span>roh</span>",
        '<abbr title="a &amp; b">AB</abbr>',
        "a < b > c",
        "AT&T",
        "pullquote",
    ]
    for _ in range(rng.randint(0, 3)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(extras))
    return " ".join(words) + "."


def _quote_lines(rng: random.Random, lines: list[str]) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in lines)


def _block(rng: random.Random, text_so_far: list[str]) -> str:
    kind = rng.choice(
        (
            "para",
            "para",
            "heading",
            "list",
            "code",
            "quote",
            "standalone",
            "standalone",
            "excerpt",
            "excerpt",
            "raw",
            "table",
            "comment",
        )
    )
    if kind == "para":
        text = " ".join(_sentence(rng) for _ in range(rng.randint(1, 3)))
        text_so_far.append(text)
        return text
    if kind == "heading":
        return "## " + _sentence(rng)
    if kind == "list":
        return "\n".join(f"- {_sentence(rng)}" for _ in range(rng.randint(2, 4)))
    if kind == "code":
        return '```\n> [!PULLQUOTE excerpt]\n<figure class="pullquote">&amp;\n```'
    if kind == "quote":
        return _quote_lines(rng, [_sentence(rng), "", _sentence(rng)])
    if kind == "table":
        return f"| a | b |\n|---|---|\n| {_sentence(rng)} | x |"
    if kind == "comment":
        return "<!-- PELICAN_END_SUMMARY -->"
    if kind == "raw":
        return rng.choice(
            (
                '<div class="note">\n<p>Roh &amp; echt.</p>\n</div>',
                '<figure class="pullquote">\n<blockquote>\n<p>Roh.</p>\n'
                "</blockquote>\n<figcaption>— R</figcaption>\n</figure>",
                '<figure aria-hidden="true" class="pullquote excerpt">\n'
                "<blockquote>\n<p>Roh</p>\n</blockquote>\n</figure>",
            )
        )
    lines = [_sentence(rng)]
    if rng.random() < 0.3:
        lines += ["", _sentence(rng)]
    if kind == "excerpt":
        if text_so_far and rng.random() < 0.7:
            words = rng.choice(text_so_far).split()
            start = rng.randrange(len(words))
            lines = [" ".join(words[start : start + rng.randint(1, 6)])]
        marker = rng.choice(("[!PULLQUOTE excerpt]", "[!pullquote Excerpt]"))
        return _quote_lines(rng, [marker, *lines])
    if rng.random() < 0.7:
        lines.append(
            rng.choice(("— ", "-- "))
            + rng.choice(
                ("Ada Nowak", "*Jonas* Brehm", "[Sami](https://x.org) &amp; Co")
            )
        )
    body = _quote_lines(rng, ["[!PULLQUOTE]", *lines])
    if rng.random() < 0.15:  # inside a list item
        body = "- Punkt\n\n" + "\n".join("    " + line for line in body.split("\n"))
    return body


def random_documents(count: int, seed: int = 20240601) -> Iterator[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test input
    for _ in range(count):
        text_so_far: list[str] = []
        yield "\n\n".join(_block(rng, text_so_far) for _ in range(rng.randint(1, 9)))


# -- tests --------------------------------------------------------------------


def test_void_elements_are_beautifulsoups() -> None:
    assert set(HTMLParserTreeBuilder.DEFAULT_EMPTY_ELEMENT_TAGS) == VOID


@pytest.mark.parametrize("path", sample_posts())
def test_sample_content(path: str) -> None:
    html = md_to_html((ROOT / path).read_text(encoding="utf-8"))
    assert scans(html)
    assert_same_as_reference(html)


def test_generated_benchmark_posts(tmp_path: Path) -> None:
    bench = bench_module()
    root = bench.generate(  # type: ignore[attr-defined]
        tmp_path / "site",
        bench.SiteSpec(posts=40, with_comments=False, words_per_post=300),  # type: ignore[attr-defined]
    )
    posts = sorted((root / "posts").glob("*.md"))
    assert len(posts) == 40
    for post in posts:
        html = md_to_html(post.read_text(encoding="utf-8"))
        assert "pullquote" in html
        assert scans(html), post.name
        assert_same_as_reference(html)
        assert "<figure" not in feedtext.for_feed(html)


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
def test_edge_cases(name: str) -> None:
    html = md_to_html(EDGE_CASES[name])
    assert scans(html)
    assert_same_as_reference(html)


def test_random_documents() -> None:
    used = 0
    for source in random_documents(200):
        html = md_to_html(source)
        assert scans(html), source
        assert_same_as_reference(html)
        used += "pullquote excerpt" in html and 'class="pullquote"' in html
    assert used > 25  # the documents do mix both kinds


#: Bits of markup, whole or broken, to drop into rendered posts at random.
_DEBRIS = (
    "</div>",
    "<div>",
    "<!-- x -->",
    "<!---->",
    "<!-- -->",
    "&",
    "&#32;",
    "&nbsp;",
    "&#150;",
    " ",
    "\n",
    "<br>",
    "</br>",
    "</p>",
    "<blockquote>",
    "</blockquote>",
    "<figcaption>",
    "</figcaption>",
    "</figure>",
    '<figure class="pullquote">',
    '<figure class="pullquote excerpt">',
    "<FIGURE class=pullquote>",
    "<span/>",
    "<pre>",
    "<",
    ">",
    '"',
    "<script>",
    "<rt>",
)


def test_damaged_html() -> None:
    """Raw HTML of any shape: the scan answers exactly, or leaves it to the parser."""
    rng = random.Random(7)  # noqa: S311 - reproducible test input
    for source in random_documents(40, seed=11):
        html = md_to_html(source)
        for _ in range(4):
            damaged = html
            for _ in range(rng.randint(1, 3)):
                at = rng.randrange(len(damaged) + 1)
                damaged = damaged[:at] + rng.choice(_DEBRIS) + damaged[at:]
            assert_same_as_reference(damaged)


@pytest.mark.parametrize("name", sorted(RAW_HTML))
def test_raw_html(name: str) -> None:
    scanned, html = RAW_HTML[name]
    assert scans(html) is scanned
    assert_same_as_reference(html)


def test_html_without_pullquotes_is_returned_unchanged() -> None:
    html = md_to_html("Text &nbsp;<br>\n\n```\npullquote\n```\n")
    assert feedtext.for_feed(html) is html


def test_rest_of_the_html_keeps_its_bytes() -> None:
    html = md_to_html(
        "Vorher&nbsp;<br> [L](a?b=1&c=2)\n\n"
        "> [!PULLQUOTE]\n> Z\n> — W\n\nNachher &amp;\n"
    )
    before, _, _ = html.partition("<figure")
    _, _, after = html.partition("</figure>")
    out = feedtext.for_feed(html)
    assert out.startswith(before) and out.endswith(after)
    assert "<blockquote>\n<p>Z</p>\n<p>— W</p>\n</blockquote>" in out
