"""The pull-quote functions of feedtext.py done with BeautifulSoup: the reference.

Parsing is slow (it was a fifth of a cold build), so feedtext.py scans tags
instead and comes here only for HTML the scan does not read exactly (an
author's raw HTML of an unusual shape). The tests compare the two paths. The
results are remembered between builds by their HTML (``text_memo``); the
fastbuild workers fill that memory when they precompute feedtext's functions.
"""

from __future__ import annotations

from bs4 import BeautifulSoup, Tag
from sitekit.cache import text_memo

from .figures import CLASSNAME, CLASSNAME_EXCERPT


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def _pullquotes(soup: BeautifulSoup) -> list[Tag]:
    return [fig for fig in soup.find_all("figure") if CLASSNAME in _classes(fig)]


def _is_excerpt(figure: Tag) -> bool:
    return CLASSNAME_EXCERPT in _classes(figure)


@text_memo
def for_feed(html: str) -> str:
    """``feedtext.for_feed`` by a parser (the output is re-serialized)."""
    if CLASSNAME not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    figures = _pullquotes(soup)
    if not figures:
        return html
    for figure in figures:
        if figure.decomposed:  # inside an excerpt removed before
            continue
        if _is_excerpt(figure):
            _drop(figure)
            continue
        quote = figure.find("blockquote")
        # Its own caption: a pull-quote nested in the quote may have one too.
        caption = figure.find("figcaption", recursive=False)
        if quote is None:
            _drop(figure)
            continue
        if caption is not None:
            attribution = soup.new_tag("p")
            for child in list(caption.contents):
                attribution.append(child.extract())
            quote.append(attribution)
            quote.append("\n")
        figure.replace_with(quote.extract())
    return str(soup)


def _drop(tag: Tag) -> None:
    """Remove a tag and the newline after it, so no blank gap is left."""
    following = tag.next_sibling
    if isinstance(following, str) and not following.strip():
        following.extract()
    tag.decompose()


@text_memo
def excerpt_phrases(html: str) -> list[str]:
    """``feedtext.excerpt_phrases`` by a parser."""
    if CLASSNAME not in html:
        return []
    soup = BeautifulSoup(html, "html.parser")
    return [
        " ".join(fig.get_text("").split())
        for fig in _pullquotes(soup)
        if _is_excerpt(fig)
    ]


@text_memo
def own_text(html: str) -> str:
    """``feedtext.own_text`` by a parser."""
    soup = BeautifulSoup(html, "html.parser")
    for figure in _pullquotes(soup):
        if not figure.decomposed:  # a pull-quote inside one removed before
            figure.decompose()
    return soup.get_text("")
