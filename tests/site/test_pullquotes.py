"""Pull-quotes on the built site: markup, excerpts, summaries, feeds, the check."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from support.site import BuiltSite, build_site, copy_content

FLAGSHIP = "2017/social-media-im-silo/"
FOCUSABLE = [
    "a",
    "button",
    "input",
    "select",
    "textarea",
    "iframe",
    "audio",
    "video",
    "details",
    "summary",
]

# A post without a Summary header: Pelican summarises its first words, where an
# excerpt would be read twice. The second excerpt repeats nothing of the text.
PROBE = """\
Title: Zitate im Test
Date: 2024-11-02 10:00
Author: Katrin Albers
Slug: zitate-im-test
Lang: de
Category: Werkstatt

> [!PULLQUOTE excerpt]
> Kurze Sätze tragen weit.

Kurze Sätze tragen weit, lange Sätze tragen schwer an sich selbst.

> [!PULLQUOTE]
> Ein Blog ist ein Gespräch, das sich Zeit lässt.
> — Ada Nowak

Dazwischen steht noch ein wenig Text.

> [!PULLQUOTE excerpt]
> Dieser Satz steht nirgends im Text.
"""
PROBE_MISSING_LINE = 19  # the marker line of the second excerpt above

# A comment holding a tag: the tag scan (pullquotes.figures) leaves this post to
# the BeautifulSoup reference, whose results must reach feeds and summaries too.
PROBE_RAW = """\
Title: Rohes HTML im Test
Date: 2024-11-03 10:00
Author: Katrin Albers
Slug: rohes-html-im-test
Lang: de
Category: Werkstatt

<!-- Eine Notiz mit <b>Markup</b>: diesen Beitrag liest der Parser. -->

Wer zuhört, gewinnt Zeit für die zweite Frage.

> [!PULLQUOTE excerpt]
> gewinnt Zeit für die zweite Frage

> [!PULLQUOTE]
> Moderation ist Gastfreundschaft.
> — Meike Leopold
"""


@pytest.fixture(scope="module")
def probe_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = copy_content(tmp_path_factory.mktemp("pq-content"))
    (content / "posts" / "zitate-im-test.md").write_text(PROBE, encoding="utf-8")
    (content / "posts" / "rohes-html-im-test.md").write_text(
        PROBE_RAW, encoding="utf-8"
    )
    return content


@pytest.fixture(scope="module")
def probe_site(
    tmp_path_factory: pytest.TempPathFactory, probe_content: Path
) -> BuiltSite:
    site = build_site(tmp_path_factory.mktemp("pq-site"), content=probe_content)
    assert site.returncode == 0, site.log
    return site


def test_standalone_pullquote_markup(sample_site: BuiltSite) -> None:
    page = sample_site.page(FLAGSHIP)
    figures = page.select("figure.pullquote:not(.excerpt)")
    assert len(figures) == 1
    figure = figures[0]
    assert figure.get("aria-hidden") is None
    children = [c.name for c in figure.children if c.name]
    assert children == ["blockquote", "figcaption"]
    assert "Ohren" in figure.blockquote.get_text()
    assert figure.figcaption.get_text(strip=True) == "— Henrike Paulsen"


def test_excerpt_is_hidden_and_inert(sample_site: BuiltSite) -> None:
    page = sample_site.page(FLAGSHIP)
    (excerpt,) = page.select("figure.pullquote.excerpt")
    assert excerpt["aria-hidden"] == "true"
    assert excerpt.find(FOCUSABLE) is None
    assert excerpt.find(attrs={"tabindex": True}) is None
    assert excerpt.find("figcaption") is None
    phrase = " ".join(excerpt.get_text().split())
    assert phrase == "Zuhören lässt sich nicht an eine Abteilung delegieren."
    # The phrase is in the text itself, outside the excerpt.
    prose = page.select_one(".prose") or page
    body = BeautifulSoup(str(prose), "html.parser")
    for fig in body.select("figure.pullquote"):
        fig.decompose()
    assert phrase in " ".join(body.get_text().split())


def test_english_translation_has_its_pullquotes(sample_site: BuiltSite) -> None:
    page = sample_site.page("en/" + FLAGSHIP)
    assert page.select_one("figure.pullquote:not(.excerpt) figcaption") is not None
    assert page.select_one('figure.pullquote.excerpt[aria-hidden="true"]') is not None


def _entry(feed: object, slug: str) -> object:
    matches = [
        e
        for e in feed.entries  # type: ignore[attr-defined]
        if urlsplit(e.link).path == f"/{slug}/"
    ]
    assert matches, f"no entry for {slug}"
    return matches[0]


@pytest.mark.parametrize(
    "path", ["feeds/all.atom.xml", "feeds/all.rss.xml", "feeds/strategie.atom.xml"]
)
def test_feeds_carry_no_excerpt_and_a_plain_blockquote(
    sample_site: BuiltSite, path: str
) -> None:
    feed = sample_site.feed(path)
    assert not feed.bozo, feed.get("bozo_exception")
    entry = _entry(feed, "2017/social-media-im-silo")
    html = entry.content[0].value if "content" in entry else entry.description
    assert "pullquote" not in html
    assert "aria-hidden" not in html
    assert "<figure" not in html
    # The phrase once (from the text), not twice.
    assert html.count("Zuhören lässt sich nicht an eine Abteilung delegieren.") == 1
    quote = BeautifulSoup(html, "html.parser").find("blockquote")
    assert quote is not None
    assert "Ohren" in quote.get_text()
    assert "— Henrike Paulsen" in quote.get_text()


def test_home_page_summary_has_no_excerpt(probe_site: BuiltSite) -> None:
    home = probe_site.page("")
    links = home.find_all("a", href=re.compile(r"2024/zitate-im-test/$"))
    assert links, "the probe post is not on the home page"
    text = home.get_text(" ")
    assert "Kurze Sätze tragen weit" in text  # from the paragraph
    assert text.count("Kurze Sätze tragen weit") == 1  # not from the excerpt
    assert "Dieser Satz steht nirgends" not in text
    assert not home.select("figure.pullquote.excerpt")


def test_summary_keeps_standalone_quote_as_blockquote(probe_site: BuiltSite) -> None:
    feed = probe_site.feed("feeds/all.atom.xml")
    entry = _entry(feed, "2024/zitate-im-test")
    summary = entry.summary
    assert "Kurze Sätze tragen weit" in summary
    assert summary.count("Kurze Sätze tragen weit") == 1
    assert "<figure" not in summary
    assert "<blockquote>" in summary and "Gespräch" in summary
    content = entry.content[0].value
    assert "Dieser Satz steht nirgends" not in content
    assert "<p>— Ada Nowak</p>" in content


def test_post_left_to_the_parser_is_cleaned_alike(probe_site: BuiltSite) -> None:
    page = probe_site.page("2024/rohes-html-im-test/")
    assert page.select_one("figure.pullquote.excerpt") is not None
    entry = _entry(probe_site.feed("feeds/all.atom.xml"), "2024/rohes-html-im-test")
    for html in (entry.content[0].value, entry.summary):
        assert "<figure" not in html
        assert html.count("gewinnt Zeit für die zweite Frage") == 1
        quote = BeautifulSoup(html, "html.parser").find("blockquote")
        assert quote is not None
        assert "— Meike Leopold" in quote.get_text()
    assert "rohes-html-im-test.md" not in probe_site.log  # its excerpt is found


def test_missing_excerpt_phrase_warns_with_file_and_line(probe_site: BuiltSite) -> None:
    expected = (
        f"content/posts/zitate-im-test.md:{PROBE_MISSING_LINE}: PULLQUOTE excerpt: "
        "the excerpt 'Dieser Satz steht nirgends im Text.' is not in the post's text"
    )
    assert expected in probe_site.log
    # The found excerpt is not reported, and the page is still written.
    assert "Kurze Sätze tragen weit.' is not" not in probe_site.log
    assert probe_site.exists("2024/zitate-im-test/")


def test_missing_excerpt_phrase_fails_strict(
    tmp_path: Path, probe_content: Path
) -> None:
    site = build_site(tmp_path, content=probe_content, strict=True)
    assert site.returncode != 0
    assert f"zitate-im-test.md:{PROBE_MISSING_LINE}: PULLQUOTE excerpt" in site.log
    # That excerpt is the only problem: the strict failure is ours.
    assert re.search(r"\b1 content problem", site.log), site.log[-2000:]


def test_sample_content_has_no_pullquote_problems(sample_site: BuiltSite) -> None:
    assert "PULLQUOTE excerpt" not in sample_site.log
