"""WordPress HTML to Markdown, and the check that says when not to convert.

Bodies are first made into the HTML WordPress showed (``wpautop.prepare``),
then converted with markdownify. A post is written as Markdown only when
rendering that Markdown again (with the site's Markdown extensions) gives back
the same text, links, images and structure; otherwise its HTML is kept as a
``.html`` source, because a readable Markdown file that silently lost a table
cell, an inline style or an embed would be worse than HTML that is faithful.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import markdown
from bs4.element import Tag
from lxml import html as lxml_html
from lxml.html import HtmlElement
from markdownify import MarkdownConverter

from .wpautop import prepare, shortcodes_in

#: The Markdown extensions that shape structure on the site (pelicanconf's
#: MARKDOWN minus codehilite, which changes only the code's markup, and meta).
ROUND_TRIP_EXTENSIONS = ("markdown.extensions.extra",)
#: Tags Markdown (with "extra") can express; any other tag keeps a post in HTML.
#: Not sitekit.markup.ALLOWED_TAGS on purpose: that is what a reader may write
#: in a comment (no headings, images or tables); this is what an author's post
#: can hold in Markdown, and neither list should move when the other does.
MARKDOWN_TAGS = frozenset(
    {"p", "br", "hr", "blockquote", "pre", "code", "ul", "ol", "li"}
    | {"a", "em", "strong", "span", "img"}
    | {"h1", "h2", "h3", "h4", "h5", "h6"}
    | {"table", "thead", "tbody", "tr", "th", "td"}  # "extra": tables
    | {"dl", "dt", "dd"}  # "extra": definition lists
)
_SAME_TAG = {"b": "strong", "i": "em"}
#: lxml's HTML parser for markdownify: the tree a browser builds, several times
#: faster than html.parser, which matters with tens of thousands of comments.
_PARSER = "lxml"
_MEDIA_TAGS = ("img", "iframe", "video", "audio", "source", "embed", "object")
#: Attributes Markdown can write, per tag; any other attribute (style, id,
#: cite, colspan …) is content Markdown would lose.
_MARKDOWN_ATTRS = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
}
#: Attributes that belonged to the old WordPress theme and mean nothing here.
_THEME_ATTRS = frozenset(
    [
        "class",
        "width",
        "height",
        "srcset",
        "sizes",
        "loading",
        "decoding",
        "target",
        "rel",
        "border",
        "data-id",
        "data-link",
        "data-full-url",
    ]
)


@dataclass(frozen=True, slots=True)
class Body:
    """A converted body: Markdown, or the original HTML and why it was kept."""

    markup: str  # "markdown" or "html"
    text: str
    reason: str = ""  # why the HTML was kept
    shortcodes: tuple[str, ...] = ()  # WordPress shortcodes left in the text
    media: tuple[Media, ...] = ()  # images and embeds, for the report


@dataclass(frozen=True, slots=True)
class Media:
    """An image or embed of a body: where it loads from, and its alt text."""

    tag: str  # img, iframe, video, audio, source, embed, object
    src: str
    alt: str | None  # None where the tag has no alt attribute at all

    @property
    def host(self) -> str:
        """The other host this loads from, or '' for a relative address."""
        parts = urlsplit(self.src)
        return parts.hostname or "" if parts.scheme in {"http", "https", ""} else ""


def media_in(source: str) -> tuple[Media, ...]:
    """Everything in the HTML that a browser would load: the site's own or not."""
    out = []
    for el in _fragment(source).iter(*_MEDIA_TAGS):
        src = el.get("src") or el.get("data") or ""
        if src:
            out.append(Media(str(el.tag), src, el.get("alt")))
    return tuple(out)


class _Converter(MarkdownConverter):
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
        result: str = super().convert_br(el, text, parent_tags)  # type: ignore[misc]
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


def _markdownify(source: str, *, escape_misc: bool, comment: bool = False) -> str:
    converter = (_CommentConverter if comment else _Converter)(
        bs4_options=_PARSER,
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
    lines = [
        line.rstrip() if not line.endswith("  ") else line for line in text.split("\n")
    ]
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
    media = media_in(prepared)
    reason = unsupported(prepared)
    if not reason:
        for escape_misc in (False, True):
            text = _markdownify(prepared, escape_misc=escape_misc)
            reason = differs(prepared, render(text))
            if not reason:
                return Body("markdown", text, shortcodes=found, media=media)
    return Body("html", prepared + "\n", reason=reason, shortcodes=found, media=media)


def render(text: str) -> str:
    """Markdown to HTML the way the site's reader structures it."""
    rendered: str = markdown.markdown(
        text, extensions=list(ROUND_TRIP_EXTENSIONS), output_format="html"
    )
    return rendered


def unsupported(source: str) -> str:
    """Why Markdown cannot hold this HTML (a tag or attribute), or ''."""
    for el in _fragment(source).iterdescendants():
        if not isinstance(el.tag, str):
            continue  # an HTML comment: dropped either way
        if _SAME_TAG.get(el.tag, el.tag) not in MARKDOWN_TAGS:
            return f"<{el.tag}> has no Markdown form"
        allowed = _MARKDOWN_ATTRS.get(el.tag, set())
        for attr in el.attrib:
            if attr not in allowed and attr not in _THEME_ATTRS:
                return f'the attribute {attr}="…" on <{el.tag}> has no Markdown form'
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
    root = _fragment(source)
    tags: list[tuple[str, ...]] = []
    for el in root.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        name = _SAME_TAG.get(el.tag, el.tag)
        if name in {"span", "thead", "tbody"} or _wraps_only(el):
            continue
        if name == "p" and len(el) == 0 and not el.text_content().strip():
            continue  # WordPress's "&nbsp;" spacer paragraphs hold nothing
        key: tuple[str, ...] = (name,)
        inner = _only_child(el)
        if name in {"em", "strong"} and inner is not None and _wraps_only(inner):
            key = ("em+strong",)
        elif name == "a":
            key = (name, el.get("href", ""), el.get("title", ""))
        elif name == "img":
            key = (name, el.get("src", ""), el.get("alt", ""))
        elif name == "ol":
            key = (name, el.get("start", "1"))
        tags.append(key)
    text = " ".join("".join(root.itertext()).replace("\xa0", " ").split())
    return _Signature(text, tuple(tags))


def _only_child(el: HtmlElement) -> HtmlElement | None:
    """The one child element of ``el`` when there is no text beside it."""
    if len(el) != 1 or (el.text or "").strip() or (el[0].tail or "").strip():
        return None
    child = el[0]
    return child if isinstance(child.tag, str) else None


def _wraps_only(el: HtmlElement) -> bool:
    """True for the inner half of pairs that mean one thing either way round.

    ``<pre><code>`` is how Markdown writes ``<pre>``; ``<em><strong>`` and
    ``<strong><em>`` are the same emphasis. The inner tag is not counted.
    """
    parent = el.getparent()
    if parent is None:
        return False
    if _only_child(parent) is not el:
        return False
    pair = (_SAME_TAG.get(parent.tag, parent.tag), _SAME_TAG.get(el.tag, el.tag))
    return pair in {("pre", "code"), ("em", "strong"), ("strong", "em")}


def _fragment(source: str) -> HtmlElement:
    """An HTML fragment as one tree, parsed like a browser would (lxml)."""
    return lxml_html.fragment_fromstring(source, create_parent="div")


def _first_difference(a: str, b: str) -> str:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            start, end = max(0, i - 20), i + 20
            return f"…{a[start:end]!r} becomes …{b[start:end]!r}"
    return f"{len(a)} characters become {len(b)}"
