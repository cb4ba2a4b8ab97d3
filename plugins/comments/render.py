"""What a comment needs on a page besides its fields: body HTML, plain text, dates.

Pure functions, no Pelican: bodies are rendered once per comment file (in a
worker, cached), the rest when a page is rendered: ``ThreadView.rows`` gives
the template one flat row per comment, so a page of 10,000 comments costs no
macro recursion and nothing is kept once the page is written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from html import unescape
from typing import Any

from markupsafe import Markup
from sitekit.i18n import (
    DATETIME_PATTERNS,
    PatternFormatter,
    isodate,
    localdatetime,
)
from sitekit.markup import render_markdown

from .avatar import avatar_svg
from .model import Comment
from .thread import Thread, ThreadNode

#: Tags of sanitized HTML (nh3 writes lower-case names and quotes every
#: attribute value with "); block elements end a line of plain text.
_BLOCK_TAG = re.compile(
    r'</?(?:p|li|pre|blockquote|br|hr|ol|ul)(?=[\s/>])(?:[^>"]|"[^"]*")*>'
)
_TAG = re.compile(r'</?[a-zA-Z][a-zA-Z0-9]*(?:[^>"]|"[^"]*")*>')


def render_body(comment: Comment) -> str:
    """Sanitized HTML of one body; the one place bodies are rendered.

    sitekit.markup (cmark or markdown-it-py, then nh3): linear in the body's
    length. The build caches it per thread folder (``folder.ThreadData``).
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


def plain_text(html: str) -> str:
    """The text of body HTML for JSON-LD and summaries: tags gone, paragraphs kept.

    Only for sanitized HTML (``render_body``): its tags are well formed, so a
    regular expression finds them; entities are decoded once, at the end.
    """
    text = _TAG.sub("", _BLOCK_TAG.sub("\n", html))
    # Block tags leave runs of empty lines: folded only the lines with text.
    lines = filter(None, unescape(text).split("\n"))
    return "\n".join(line for line in map(_fold, lines) if line)


def _fold(line: str) -> str:
    """``" ".join(line.split())``, without splitting a line that needs none.

    Every whitespace character but the ASCII space is not printable, so a
    printable line without doubled, leading or trailing spaces is folded
    already: most lines of most comments (a page renders 20 or more).
    """
    if line.isprintable() and "  " not in line and line[:1] != " " != line[-1:]:
        return line
    return " ".join(line.split())


# -- dates ----------------------------------------------------------------------


class DateFormatter(PatternFormatter):
    """``sitekit.i18n.localdatetime`` for one language, parsed once (see
    ``sitekit.i18n.PatternFormatter``): a thread's dates cost a few dictionary
    lookups each and read exactly as Babel writes them."""

    def __init__(self, lang: str) -> None:
        super().__init__(
            lang,
            DATETIME_PATTERNS.get(lang.replace("-", "_").split("_")[0].lower()),
            lambda moment: localdatetime(moment, lang),
        )


@lru_cache(maxsize=16)
def date_formatter(lang: str) -> DateFormatter:
    """One formatter per language (it holds the Babel texts it asked for)."""
    return DateFormatter(lang)


def format_when(moment: datetime, lang: str, timezone: tzinfo) -> tuple[str, str]:
    """``(datetime attribute, localized date and time)`` in the site's time zone.

    A comment written at 07:12 UTC reads "3. Mai 2017 um 09:12 Uhr" on a
    site in Europe/Berlin, the way the post's own dates read.
    """
    local = moment.astimezone(timezone)
    return isodate(local), date_formatter(lang)(local)


@lru_cache(maxsize=4096)
def avatar(name: str) -> Markup:
    """The avatar of a display name: one SVG string per name, however many comments."""
    return avatar_svg(name)


# -- per page -------------------------------------------------------------------


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
    out: dict[str, CommentView] = {}
    for c in comments:
        iso, when = format_when(c.date, lang, timezone)
        out[c.id] = CommentView(avatar(c.author), iso, when)
    return out


@dataclass(frozen=True, slots=True)
class CommentRow:
    """One comment where the discussion's flat loop prints it.

    The thread is a tree of ``<li>`` in ``<ol>``; the template walks it as a
    list: after a comment with replies it opens their ``<ol>`` (``opens``),
    after any other it closes its ``<li>`` and then ``closes`` lists with the
    ``<li>`` that holds each.
    """

    comment: Comment
    depth: int
    reply_to: Comment | None  # set where the reply is shown flattened
    html: str  # sanitized body HTML
    avatar: Markup
    datetime: str
    when: str
    opens: bool
    closes: int


class ThreadView:
    """A thread as one page language shows it; computed when a page asks.

    Nothing is kept: the rows of a page exist while it renders (in a forked
    page writer, when fastbuild writes in parallel), so 20,000 comments are
    never held as views next to the thread.
    """

    __slots__ = ("_by_id", "digest", "html", "lang", "thread", "timezone")

    def __init__(
        self,
        thread: Thread,
        html: Mapping[str, str],
        lang: str,
        timezone: tzinfo,
        digest: str = "",
    ) -> None:
        self.thread = thread
        self.html = html
        self.lang = lang
        self.timezone = timezone
        #: An exact key of the page's comment attributes (``build.comment_digest``).
        self.digest = digest
        self._by_id: dict[str, Comment] | None = None  # made on the first lookup

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.thread, self.html, self.lang, self.timezone, self.digest)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.thread, self.html, self.lang, self.timezone, self.digest = state
        self._by_id = None

    def __getitem__(self, cid: str) -> CommentView:
        """The view of one comment by id (KeyError for one not in the thread)."""
        if self._by_id is None:
            self._by_id = {c.id: c for c in self.thread.comments}
        c = self._by_id[cid]
        iso, when = format_when(c.date, self.lang, self.timezone)
        return CommentView(avatar(c.author), iso, when)

    def __len__(self) -> int:
        return len(self.thread.comments)

    @property
    def rows(self) -> list[CommentRow]:
        """Every shown comment in page order, with what the loop opens and closes."""
        fmt = date_formatter(self.lang)
        zone = self.timezone
        html = self.html
        found = getattr(html, "unpacked", None)  # a PackedHtml: its dict, once
        if found is not None:
            html = found()
        nodes = list(_preorder(self.thread.roots))
        rows: list[CommentRow] = []
        for i, node in enumerate(nodes):
            c = node.comment
            nxt = nodes[i + 1].depth if i + 1 < len(nodes) else 1
            local = c.date.astimezone(zone)
            rows.append(
                CommentRow(
                    comment=c,
                    depth=node.depth,
                    reply_to=node.reply_to,
                    html=html.get(c.id, ""),
                    avatar=avatar(c.author),
                    datetime=isodate(local),
                    when=fmt(local),
                    opens=bool(node.replies),
                    closes=0 if node.replies else node.depth - nxt,
                )
            )
        return rows


def _preorder(roots: tuple[ThreadNode, ...]) -> Iterator[ThreadNode]:
    """The nodes in the order the page shows them, without recursion."""
    stack = list(reversed(roots))
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.replies))
