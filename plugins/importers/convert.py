"""WordPress HTML to Markdown, and the check that says when not to convert.

WordPress stores post and comment bodies as "HTML with newlines": paragraphs
are blank lines, which ``wpautop`` turns into ``<p>`` only at display time, and
``[caption]`` shortcodes stand for figures. We do the same first, then convert
with markdownify. A post is written as Markdown only when rendering that
Markdown again (with the site's Markdown extensions) gives back the same text,
links, images and structure; otherwise its HTML is kept as a ``.html`` source,
because a readable Markdown file that silently lost a table cell, an inline
style or an embed would be worse than HTML that is faithful.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
import html
import re

from bs4 import BeautifulSoup, Comment, NavigableString, Tag
import markdown
from markdownify import MarkdownConverter

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
    r"<(pre|script|style|textarea|svg|math)\b.*?</\1>|<!--.*?-->", re.IGNORECASE | re.DOTALL
)
# Gutenberg's block delimiters are editor bookkeeping, not content.
_BLOCK_COMMENT = re.compile(r"<!--\s*/?wp:[^>]*?-->\n?", re.DOTALL)
_CAPTION = re.compile(r"\[(?:wp_)?caption([^\]]*)\](.*?)\[/(?:wp_)?caption\]", re.DOTALL)
_CAPTION_MEDIA = re.compile(
    r"^\s*((?:<a\b[^>]*>\s*)?<img\b[^>]*>(?:\s*</a>)?)(.*)$", re.DOTALL | re.IGNORECASE
)
_LONE_FIGURE = re.compile(r"<p>\s*(<figure>.*?</figure>)\s*</p>", re.DOTALL)
_CAPTION_ATTR = re.compile(r'\bcaption="([^"]*)"')
#: Shortcodes that need WordPress (or its plugins) to mean anything; we count
#: the ones left in the text so that the report can name them.
SHORTCODES = (
    "gallery", "embed", "audio", "video", "playlist", "code", "sourcecode",
    "youtube", "vimeo", "tweet", "twitter", "googlemaps", "soundcloud", "slideshow",
    "wpvideo", "contact-form",
)
_SHORTCODE = re.compile(r"\[(" + "|".join(SHORTCODES) + r")\b[^\]]*\]")

#: The Markdown extensions that shape structure on the site (pelicanconf's
#: MARKDOWN minus codehilite, which changes only the code's markup, and meta).
ROUND_TRIP_EXTENSIONS = ("markdown.extensions.extra",)
#: Tags Markdown (with "extra") can express; any other tag keeps a post in HTML.
MARKDOWN_TAGS = frozenset(
    "p br a em strong code pre blockquote ul ol li h1 h2 h3 h4 h5 h6 hr img "
    "table thead tbody tr th td dl dt dd span".split()
)
_SAME_TAG = {"b": "strong", "i": "em"}
#: Attributes that carry content; losing one of them keeps the post in HTML.
_CONTENT_ATTRS = {"href", "title", "src", "alt", "start", "id", "style", "align",
                  "colspan", "rowspan", "lang", "dir", "cite", "datetime"}
#: Attributes that belonged to the old WordPress theme and mean nothing here.
_THEME_ATTRS = {"class", "width", "height", "srcset", "sizes", "loading", "decoding",
                "target", "rel", "border", "data-id", "data-link", "data-full-url"}


@dataclass(frozen=True, slots=True)
class Body:
    """A converted body: Markdown, or the original HTML and why it was kept."""

    markup: str  # "markdown" or "html"
    text: str
    reason: str = ""  # why the HTML was kept
    shortcodes: tuple[str, ...] = ()  # WordPress shortcodes left in the text


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
        chunk + "\n" if re.fullmatch(r"\s*\x00\d+\x00\s*", chunk) else f"<p>{chunk}</p>\n"
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


class _Converter(MarkdownConverter):  # type: ignore[misc]
    """markdownify with Python-Markdown's expectations (4-space nested lists)."""

    def convert_li(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """A list item whose continuation lines are indented by four spaces.

        Python-Markdown reads nested blocks only at four spaces, where
        markdownify indents by the bullet's width ("- " is two).
        """
        text = (text or "").strip()
        if not text:
            return "\n"
        parent = el.parent
        if parent is not None and parent.name == "ol":
            start = str(parent.get("start") or "1")
            first = int(start) if start.isdigit() else 1
            bullet = f"{first + len(el.find_previous_siblings('li'))}."
        else:
            bullet = "-"
        bullet = bullet.ljust(3) + " "
        indent = " " * len(bullet)
        lines = text.split("\n")
        rest = [indent + line if line.strip() else "" for line in lines[1:]]
        return "\n".join([bullet + lines[0], *rest]) + "\n"

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "code" in parent_tags:
            return "\n"  # a code span keeps its line, not a Markdown line break
        result: str = super().convert_br(el, text, parent_tags)
        return result

    def convert_script(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return ""

    convert_style = convert_script


class _CommentConverter(_Converter):
    """For comments: images become links, since comments never show images."""

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        src = str(el.get("src") or "")
        alt = " ".join(str(el.get("alt") or "").split())
        if not src:
            return alt
        return f"[{alt}](<{src}>)" if alt else f"<{src}>"


def _markdownify(
    source: str, *, escape_misc: bool, comment: bool = False
) -> str:
    converter = (_CommentConverter if comment else _Converter)(
        heading_style="ATX",
        bullets="-",
        strong_em_symbol="*",
        code_language="",
        escape_asterisks=True,
        escape_underscores=True,
        escape_misc=escape_misc,
        # Python-Markdown knows only trailing spaces as a line break; comments
        # are CommonMark, where a backslash survives editors and YAML blocks.
        newline_style="BACKSLASH" if comment else "SPACES",
        table_infer_header=True,
    )
    text: str = converter.convert(source)
    lines = [line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


def to_markdown(source: str, *, escape_misc: bool = True, comment: bool = False) -> str:
    """HTML to Markdown without a round-trip check (callers check what they need)."""
    return _markdownify(source, escape_misc=escape_misc, comment=comment)


def convert_body(raw: str) -> Body:
    """A post or page body: Markdown when the round trip is faithful, else HTML."""
    prepared = prepare(raw)
    found = shortcodes_in(prepared)
    if not prepared.strip():
        return Body("markdown", "", shortcodes=found)
    reason = unsupported(prepared)
    if not reason:
        for escape_misc in (False, True):
            text = _markdownify(prepared, escape_misc=escape_misc)
            reason = differs(prepared, render(text))
            if not reason:
                return Body("markdown", text, shortcodes=found)
    return Body("html", prepared + "\n", reason=reason, shortcodes=found)


def render(text: str) -> str:
    """Markdown to HTML the way the site's reader structures it."""
    return markdown.markdown(text, extensions=list(ROUND_TRIP_EXTENSIONS), output_format="html")


def unsupported(source: str) -> str:
    """Why Markdown cannot hold this HTML (a tag or attribute), or ''."""
    soup = BeautifulSoup(source, "html.parser")
    for el in soup.find_all(True):
        name = _SAME_TAG.get(el.name, el.name)
        if name not in MARKDOWN_TAGS:
            return f"<{el.name}> has no Markdown form"
        for attr in el.attrs:
            if attr in _THEME_ATTRS or (attr == "href" and el.name == "a"):
                continue
            if attr in {"src", "alt", "title"} and el.name in {"img", "a"}:
                continue
            if attr == "start" and el.name == "ol":
                continue
            return f'the attribute {attr}="…" on <{el.name}> has no Markdown form'
        if el.name == "span" and el.attrs:
            return "<span> with attributes has no Markdown form"
    return ""


def differs(original: str, rendered: str) -> str:
    """What the rendered Markdown lost or changed against the original, or ''."""
    before, after = _signature(original), _signature(rendered)
    if before.text != after.text:
        return "the text would change: " + _first_difference(before.text, after.text)
    if before.tags != after.tags:
        lost = (Counter(before.tags) - Counter(after.tags)) or (
            Counter(after.tags) - Counter(before.tags)
        )
        return "the structure would change: " + ", ".join(sorted(map(str, lost))[:3])
    return ""


@dataclass(frozen=True, slots=True)
class _Signature:
    text: str
    tags: tuple[tuple[str, ...], ...]


def _signature(source: str) -> _Signature:
    soup = BeautifulSoup(source, "html.parser")
    words: list[str] = []
    tags: list[tuple[str, ...]] = []
    for node in soup.descendants:
        if isinstance(node, Comment):
            continue
        if isinstance(node, NavigableString):
            words.append(str(node))
        elif isinstance(node, Tag):
            name = _SAME_TAG.get(node.name, node.name)
            if name in {"span", "thead", "tbody"} or _wraps_only(node):
                continue
            if name == "p" and not node.find(True) and not node.get_text().strip():
                continue  # WordPress's "&nbsp;" spacer paragraphs hold nothing
            key: tuple[str, ...] = (name,)
            inner = _only_child(node)
            if name in {"em", "strong"} and inner is not None and _wraps_only(inner):
                key = ("em+strong",)
            elif name == "a":
                key = (name, str(node.get("href", "")), str(node.get("title", "")))
            elif name == "img":
                key = (name, str(node.get("src", "")), str(node.get("alt", "")))
            elif name == "ol":
                key = (name, str(node.get("start", "1")))
            tags.append(key)
    text = " ".join("".join(words).replace("\xa0", " ").split())
    return _Signature(text, tuple(tags))


def _only_child(node: Tag) -> Tag | None:
    kids = [k for k in node.children if not (isinstance(k, NavigableString) and not k.strip())]
    return kids[0] if len(kids) == 1 and isinstance(kids[0], Tag) else None


def _wraps_only(node: Tag) -> bool:
    """True for the inner half of pairs that mean one thing either way round.

    ``<pre><code>`` is how Markdown writes ``<pre>``; ``<em><strong>`` and
    ``<strong><em>`` are the same emphasis. The inner tag is not counted.
    """
    parent = node.parent
    if not isinstance(parent, Tag) or _only_child(parent) is not node:
        return False
    outer = _SAME_TAG.get(parent.name, parent.name)
    inner = _SAME_TAG.get(node.name, node.name)
    return (outer, inner) in {("pre", "code"), ("em", "strong"), ("strong", "em")}


def _first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return f"…{a[max(0, i - 20):i + 20]!r} becomes …{b[max(0, i - 20):i + 20]!r}"
    return f"{len(a)} characters become {len(b)}"


def counts(names: Iterable[str]) -> str:
    """``gallery×2, embed`` from a list of names."""
    return ", ".join(
        f"{name}×{n}" if n > 1 else name for name, n in sorted(Counter(names).items())
    )
