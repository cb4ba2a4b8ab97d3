"""What WordPress does to a stored body before showing it: paragraphs, captions.

WordPress stores post and comment bodies as "HTML with newlines": blank lines
become ``<p>`` and single newlines ``<br />`` only at display time
(``wpautop``), and ``[caption]`` shortcodes stand for figures. We apply the
same rules, re-implemented from their documented behaviour, so that the HTML
we convert is the HTML the blog's readers saw.
"""

from __future__ import annotations

import html
import re

# Block-level tags, as wpautop knows them: no <p> is wrapped around these.
_BLOCKS = (
    "table|thead|tfoot|caption|col|colgroup|tbody|tr|td|th|div|dl|dd|dt|ul|ol|li|pre"
    "|form|map|area|blockquote|address|math|style|p|h[1-6]|hr|fieldset|legend"
    "|section|article|aside|hgroup|header|footer|nav|figure|figcaption|details"
    "|menu|summary|iframe|video|audio|object|embed"
)
_OPEN_BLOCK = re.compile(rf"(<(?:{_BLOCKS})[\s/>])", re.IGNORECASE)
_CLOSE_BLOCK = re.compile(rf"(</(?:{_BLOCKS})>)", re.IGNORECASE)
#: wpautop's clean-up after wrapping every chunk in <p>, in its order: empty
#: paragraphs, a block tag alone in a paragraph, list items, blockquotes, and
#: finally any <p> directly before or </p> directly after a block tag.
_UNWRAP = [
    (re.compile(r"<p>\s*</p>\n?"), ""),
    (re.compile(r"<p>([^<]+)</(div|address|form)>"), r"<p>\1</p></\2>"),
    (re.compile(rf"<p>\s*(</?(?:{_BLOCKS})[^>]*>)\s*</p>", re.IGNORECASE), r"\1"),
    (re.compile(r"<p>(<li.+?)</p>", re.IGNORECASE), r"\1"),
    (re.compile(r"<p><blockquote([^>]*)>", re.IGNORECASE), r"<blockquote\1><p>"),
    (re.compile(r"</blockquote></p>", re.IGNORECASE), "</p></blockquote>"),
    (re.compile(rf"<p>\s*(</?(?:{_BLOCKS})[^>]*>)", re.IGNORECASE), r"\1"),
    (re.compile(rf"(</?(?:{_BLOCKS})[^>]*>)\s*</p>", re.IGNORECASE), r"\1"),
]
_BR_AFTER_BLOCK = re.compile(rf"(</?(?:{_BLOCKS})[^>]*>)\s*<br />", re.IGNORECASE)
_BR_BEFORE_BLOCK = re.compile(
    r"<br />(\s*</?(?:p|li|div|dl|dd|dt|th|pre|td|ul|ol|figure|figcaption)[^>]*>)",
    re.IGNORECASE,
)
# Content that wpautop must not touch: newlines inside these are meaningful.
_PROTECTED = re.compile(
    r"<(pre|script|style|textarea|svg|math)\b.*?</\1>|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)
# Gutenberg's block delimiters are editor bookkeeping, not content.
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->\n?", re.DOTALL)
_CAPTION = re.compile(
    r"\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]", re.DOTALL
)
_CAPTION_MEDIA = re.compile(
    r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL | re.IGNORECASE
)
_LONE_FIGURE = re.compile(r"<p>\s*(<figure>.*?</figure>)\s*</p>", re.DOTALL)
_CAPTION_ATTR = re.compile(r'\bcaption="([^"]*)"')
#: Shortcodes that need WordPress (or its plugins) to mean anything; we count
#: the ones left in the text so that the report can name them.
SHORTCODES = tuple(
    [
        "gallery",
        "embed",
        "audio",
        "video",
        "playlist",
        "code",
        "sourcecode",
        "youtube",
        "vimeo",
        "tweet",
        "twitter",
        "googlemaps",
        "soundcloud",
        "slideshow",
        "wpvideo",
        "contact-form",
    ]
)
_SHORTCODE = re.compile(r"\[(" + "|".join(SHORTCODES) + r")\b[^\]]*\]")


def prepare(raw: str) -> str:
    """WordPress's stored body to the HTML it would show (captions, paragraphs)."""
    text = _BLOCK_COMMENT.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    # As in WordPress, shortcodes expand after wpautop; a figure alone in a
    # paragraph then leaves the paragraph (WordPress's shortcode_unautop).
    text = _CAPTION.sub(_figure, autop(text))
    return _LONE_FIGURE.sub(r"\1", text)


def _figure(match: re.Match[str]) -> str:
    attrs, inner = match.group(1), match.group(2)
    media = _CAPTION_MEDIA.match(inner)
    if not media:
        return inner
    caption = re.sub(r"^(?:\s|<br />)+", "", media.group(2)).strip()
    if not caption:
        old = _CAPTION_ATTR.search(attrs)
        caption = html.unescape(old.group(1)) if old else ""
    figcaption = f"<figcaption>{caption}</figcaption>" if caption else ""
    return f"<figure>{media.group(1).strip()}{figcaption}</figure>"


def autop(text: str) -> str:
    """Blank lines to paragraphs and single newlines to ``<br />`` (wpautop's rules)."""
    if not text.strip():
        return ""
    saved: list[str] = []

    def protect(m: re.Match[str]) -> str:
        saved.append(m.group(0))
        mark = f"\x00{len(saved) - 1}\x00"
        return mark if m.group(0).startswith("<!--") else f"\n\n{mark}\n\n"

    text = _PROTECTED.sub(protect, text) + "\n"
    # A newline inside a tag is a space, not a line break.
    text = re.sub(r"<[^>]*>", lambda m: m.group(0).replace("\n", " "), text)
    text = re.sub(r"<br\s*/?>\s*<br\s*/?>", "\n\n", text, flags=re.IGNORECASE)
    text = _OPEN_BLOCK.sub(r"\n\n\1", text)
    text = _CLOSE_BLOCK.sub(r"\1\n\n", text)
    chunks = [c.strip("\n") for c in re.split(r"\n\s*\n", text) if c.strip()]
    text = "".join(
        chunk + "\n"
        if re.fullmatch(r"\s*\x00\d+\x00\s*", chunk)
        else f"<p>{chunk}</p>\n"
        for chunk in chunks
    )
    for pattern, replacement in _UNWRAP:
        text = pattern.sub(replacement, text)
    text = re.sub(r"(?<!<br />)\s*\n", "<br />\n", text)
    text = _BR_AFTER_BLOCK.sub(r"\1", text)
    text = _BR_BEFORE_BLOCK.sub(r"\1", text)
    text = re.sub(r"<br />\n(\s*\x00)", r"\n\1", text)
    text = re.sub(r"(\x00\d+\x00)<br />", r"\1", text)
    text = re.sub(r"\n</p>", "</p>", text)
    return re.sub(r"\x00(\d+)\x00", lambda m: saved[int(m.group(1))], text).strip()


def shortcodes_in(text: str) -> tuple[str, ...]:
    """Names of the WordPress shortcodes left in a body, in order of appearance."""
    return tuple(m.group(1) for m in _SHORTCODE.finditer(text))
