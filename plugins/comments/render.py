"""What a comment needs on a page besides its fields: body HTML, plain text, dates.

Pure functions, no Pelican: the plugin calls them once per thread (bodies) and
once per thread and language (dates), the templates only print the results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from html.parser import HTMLParser

from markupsafe import Markup
from sitekit.cache import text_memo
from sitekit.i18n import isodate, localdatetime
from sitekit.markup import render_markdown

from .avatar import avatar_svg
from .model import Comment

#: Elements after which plain text gets a line break (paragraphs, list items).
_BLOCKS = frozenset({"p", "li", "pre", "blockquote", "br", "hr", "ol", "ul"})


def render_body(comment: Comment) -> str:
    """Sanitized HTML of one body; the one place bodies are rendered.

    markdown-it-py then nh3 (``sitekit.markup``): linear in the body's length.
    A persistent cache keyed by the body text belongs here.
    """
    if comment.removed:
        return ""
    return render_markdown(comment.body)


def render_bodies(
    comments: Iterable[Comment], known: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Comment id to sanitized body HTML ("" for a removed comment).

    ``known`` maps body texts to HTML rendered earlier (the cache); any body
    not in it is rendered now.
    """
    known = known or {}
    return {
        c.id: known[c.body] if not c.removed and c.body in known else render_body(c)
        for c in comments
    }


class _TextOf(HTMLParser):
    """Collects the text of sanitized HTML, one line per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


@text_memo  # pure: remembered between builds by the HTML (fastbuild)
def plain_text(html: str) -> str:
    """The text of body HTML for JSON-LD and summaries: tags gone, paragraphs kept."""
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).split("\n"))
    return "\n".join(line for line in lines if line)


def format_when(moment: datetime, lang: str, timezone: tzinfo) -> tuple[str, str]:
    """``(datetime attribute, localized date and time)`` in the site's time zone.

    A comment written at 07:12 UTC reads "3. Mai 2017 um 09:12 Uhr" on a
    site in Europe/Berlin, the way the post's own dates read.
    """
    local = moment.astimezone(timezone)
    return isodate(local), localdatetime(local, lang)


@dataclass(frozen=True, slots=True)
class CommentView:
    """Per-language display data of one comment (fields come from the Comment)."""

    avatar: Markup
    datetime: str  # for <time datetime>
    when: str  # localized date and time


def views(
    comments: Iterable[Comment], lang: str, timezone: tzinfo
) -> dict[str, CommentView]:
    """Comment id to its avatar and localized date, for one page language."""
    avatars: dict[str, Markup] = {}
    out: dict[str, CommentView] = {}
    for c in comments:
        if c.author not in avatars:
            avatars[c.author] = avatar_svg(c.author)
        iso, when = format_when(c.date, lang, timezone)
        out[c.id] = CommentView(avatars[c.author], iso, when)
    return out
