"""Pull-quotes outside the page: feeds and summaries, and the post's own text.

Feed readers and summaries drop CSS and ARIA, so an excerpt (a phrase repeated
for the eye) would read twice there. ``for_feed`` removes excerpts and turns
standalone pull-quotes into plain blockquotes; every writer of feed content and
summaries calls it. No Pelican here: the feeds plugin imports this module.

Every function works on the spans that ``figures.find_figures`` finds in the
HTML and leaves the rest of it byte for byte. HTML the scan cannot read
exactly goes to the BeautifulSoup reference in soup.py, imported only then.
"""

from __future__ import annotations

import re
import unicodedata

from .figures import (
    CLASSNAME,
    Figure,
    UnknownShape,
    blank_after,
    check_tags,
    find_figures,
    text,
)

# Everything that is not a letter, digit or symbol of the text itself; removing
# it makes the comparison insensitive to whitespace, markup and punctuation.
_NOISE = re.compile(
    r"[\s\u00ad\"'\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a]+"
)
#: An ellipsis in an excerpt stands for left-out words.
_GAP = re.compile(r"\u2026|\.\.\.|\[\u2026\]|\[\.\.\.\]")


def for_feed(html: str) -> str:
    """The HTML as a feed or summary should carry it: no excerpts, plain blockquotes.

    A standalone pull-quote becomes its ``<blockquote>`` with the attribution
    as the last paragraph; an excerpt goes, with the blank line after it.
    HTML without pull-quotes comes back unchanged.
    """
    if CLASSNAME not in html:
        return html
    try:
        figures = find_figures(html)
        if not figures:
            return html
        out: list[str] = []
        _write_for_feed(html, 0, len(html), figures, out)
    except UnknownShape:
        from . import soup

        return soup.for_feed(html)
    return "".join(out)


def _write_for_feed(
    html: str, start: int, end: int, figures: tuple[Figure, ...], out: list[str]
) -> None:
    """Append ``html[start:end]`` to ``out`` with its ``figures`` rewritten."""
    position = start
    for figure in figures:
        out.append(html[position : figure.start])
        if figure.excerpt:
            position = blank_after(html, figure.end)
            continue
        assert figure.quote is not None  # find_figures: a standalone has one
        tag_start, inner, inner_end, tag_end = figure.quote
        _write_for_feed(
            html, tag_start, inner_end, _within(figure, inner, inner_end), out
        )
        if figure.caption is not None:
            _, c_inner, c_end, _ = figure.caption
            out.append("<p>")
            _write_for_feed(html, c_inner, c_end, _within(figure, c_inner, c_end), out)
            out.append("</p>\n")
        out.append(html[inner_end:tag_end])
        position = figure.end
    out.append(html[position:end])


def _within(figure: Figure, start: int, end: int) -> tuple[Figure, ...]:
    return tuple(f for f in figure.children if start <= f.start and f.end <= end)


def _preorder(figures: tuple[Figure, ...]) -> list[Figure]:
    out: list[Figure] = []
    for figure in figures:
        out.append(figure)
        out.extend(_preorder(figure.children))
    return out


def excerpt_phrases(html: str) -> list[str]:
    """The text of every excerpt, whitespace folded, in document order."""
    if CLASSNAME not in html:
        return []
    try:
        return [
            " ".join(text(html[f.start : f.end]).split())
            for f in _preorder(find_figures(html))
            if f.excerpt
        ]
    except UnknownShape:
        from . import soup

        return soup.excerpt_phrases(html)


def own_text(html: str) -> str:
    """The post's text without any pull-quote, for the excerpt check.

    Runs of blanks between tags may differ from BeautifulSoup's ``get_text``;
    ``phrase_in_text`` ignores whitespace.
    """
    try:
        check_tags(html)
        position = 0
        parts: list[str] = []
        for figure in find_figures(html):
            parts.append(text(html[position : figure.start]))
            position = figure.end
        parts.append(text(html[position:]))
        return "".join(parts)
    except UnknownShape:
        from . import soup

        return soup.own_text(html)


def _fold(text: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", text)).casefold()


def phrase_in_text(phrase: str, text: str) -> bool:
    """Whether an excerpt repeats the text (whitespace, markup, case, quotes ignored).

    An ellipsis (``…`` or ``...``) in the phrase stands for left-out words: the
    parts must appear in order. Trailing sentence punctuation is ignored.
    """
    folded = _fold(text)
    position = 0
    parts = [_fold(part).strip(".,;:!?-\u2013\u2014") for part in _GAP.split(phrase)]
    parts = [part for part in parts if part]
    if not parts:
        return False
    for part in parts:
        found = folded.find(part, position)
        if found < 0:
            return False
        position = found + len(part)
    return True
