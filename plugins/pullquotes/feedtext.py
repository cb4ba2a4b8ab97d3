"""Pull-quotes outside the page: feeds and summaries, and the post's own text.

Feed readers and summaries drop CSS and ARIA, so an excerpt (a phrase repeated
for the eye) would read twice there. ``for_feed`` removes excerpts and turns
standalone pull-quotes into plain blockquotes; every writer of feed content and
summaries calls it. No Pelican here: the feeds plugin imports this module.
"""

from __future__ import annotations

import re
import unicodedata

from bs4 import BeautifulSoup, Tag
from sitekit.cache import text_memo

CLASSNAME = "pullquote"
CLASSNAME_EXCERPT = "excerpt"

# Everything that is not a letter, digit or symbol of the text itself; removing
# it makes the comparison insensitive to whitespace, markup and punctuation.
_NOISE = re.compile(
    r"[\s\u00ad\"'\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb\u2039\u203a]+"
)
#: An ellipsis in an excerpt stands for left-out words.
_GAP = re.compile(r"\u2026|\.\.\.|\[\u2026\]|\[\.\.\.\]")


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    if value is None:
        return []
    return value.split() if isinstance(value, str) else [str(v) for v in value]


def _pullquotes(soup: BeautifulSoup) -> list[Tag]:
    return [fig for fig in soup.find_all("figure") if CLASSNAME in _classes(fig)]


def _is_excerpt(figure: Tag) -> bool:
    return CLASSNAME_EXCERPT in _classes(figure)


@text_memo  # pure: remembered between builds by the HTML (fastbuild)
def for_feed(html: str) -> str:
    """The HTML as a feed or summary should carry it: no excerpts, plain blockquotes.

    A standalone pull-quote becomes ``<blockquote>`` with its attribution as the
    last paragraph. HTML without pull-quotes comes back unchanged.
    """
    if CLASSNAME not in html:
        return html
    soup = BeautifulSoup(html, "html.parser")
    figures = _pullquotes(soup)
    if not figures:
        return html
    for figure in figures:
        if _is_excerpt(figure):
            _drop(figure)
            continue
        quote = figure.find("blockquote")
        caption = figure.find("figcaption")
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


@text_memo  # pure: remembered between builds by the HTML (fastbuild)
def excerpt_phrases(html: str) -> list[str]:
    """The text of every excerpt, whitespace folded, in document order."""
    if CLASSNAME not in html:
        return []
    soup = BeautifulSoup(html, "html.parser")
    return [
        " ".join(fig.get_text("").split())
        for fig in _pullquotes(soup)
        if _is_excerpt(fig)
    ]


@text_memo  # pure: remembered between builds by the HTML (fastbuild)
def own_text(html: str) -> str:
    """The post's text without any pull-quote, for the excerpt check."""
    soup = BeautifulSoup(html, "html.parser")
    for figure in _pullquotes(soup):
        figure.decompose()
    return soup.get_text("")


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
