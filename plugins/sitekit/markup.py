"""Reader-written Markdown to safe HTML: render in linear time, then sanitize.

Python-Markdown passes raw HTML, ``javascript:`` links and ``{: onclick}``
attribute lists, and is quadratic on unclosed brackets, so reader text goes
through markdown-it-py in CommonMark mode with HTML off, and the result through
nh3 (Ammonia) with a small allowlist. Images are not rendered: a comment must
never make the reader's browser fetch from another host.
"""

from __future__ import annotations

from functools import lru_cache
import re

from markdown_it import MarkdownIt
import nh3

#: Tags a comment or note may contain after sanitizing.
ALLOWED_TAGS = frozenset(
    {"p", "br", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li", "hr"}
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Every link in reader text: no ranking credit, no window.opener.
LINK_REL = "nofollow ugc noopener"

# C0 controls other than tab, newline and carriage return make feeds invalid XML.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")
    return md


@lru_cache(maxsize=1)
def _cleaner() -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(ALLOWED_TAGS),
        attributes={k: set(v) for k, v in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
    )


def strip_controls(text: str) -> str:
    """Remove control characters that no page or feed may carry."""
    return _CONTROL.sub("", text)


def sanitize_html(html: str) -> str:
    """Reduce any HTML to the allowlist; the one gate before a page or a feed."""
    return str(_cleaner().clean(strip_controls(html)))


def render_markdown(text: str) -> str:
    """Render reader Markdown to sanitized HTML (CommonMark, no raw HTML, no images)."""
    return sanitize_html(_renderer().render(strip_controls(text)))


def plain_text(text: str) -> str:
    """Text for plain fields (names, titles): controls removed, whitespace folded."""
    return " ".join(strip_controls(text).split())
