"""Pull-quote figures found in HTML by a scan of its tags, without a parser.

Parsing every post with BeautifulSoup to find its pull-quotes cost a fifth of a
cold build. The HTML comes from Python-Markdown and our extension, whose tags
have a plain, well-formed serialization, so a scan of the tags finds each
figure, its quote and its caption as spans of the text. The scan reads a tag
only where html.parser (BeautifulSoup's parser, the reference) would read the
same tag: any ``<`` that does not open a plain tag or comment, a raw-text
element (``script``, ``style``…), an unknown character reference, tags that
do not nest inside a figure, or a figure of another shape than
``blockquote`` + optional ``figcaption`` raises ``UnknownShape``, and the
caller falls back to the parser (see feedtext.py). It never guesses.
"""

from __future__ import annotations

import html.entities
import re
from dataclasses import dataclass

CLASSNAME = "pullquote"
CLASSNAME_EXCERPT = "excerpt"

_WS = r"[ \t\n\r\f]"  # HTML's whitespace; ``\s`` would also take U+00A0
_NAME = r"[a-zA-Z][a-zA-Z0-9:_.-]*"
# One attribute; a value holds no < or > (Python-Markdown escapes both).
_ATTR = (
    rf"{_WS}+[a-zA-Z_:][a-zA-Z0-9_:.-]*"
    rf"(?:{_WS}*={_WS}*(?:\"[^\"<>]*\"|'[^'<>]*'|[^\s\"'=<>`]+))?"
)
# A comment with no <, > or -- inside: every parser ends it at the same -->.
_COMMENT = r"<!--(?!-?>)(?:(?!--)[^<>])*-->"
_TOKEN = re.compile(
    rf"(?P<comment>{_COMMENT})"
    rf"|</(?P<end>{_NAME}){_WS}*>"
    rf"|<(?P<start>{_NAME})(?P<attrs>(?:{_ATTR})*){_WS}*(?P<slash>/?)>"
)
#: The same tokens without groups, to split text from them.
_SPLIT = re.compile(rf"{_COMMENT}|</{_NAME}{_WS}*>|<{_NAME}(?:{_ATTR})*{_WS}*/?>")
#: Elements whose content is text to some version of html.parser, not tags,
#: or whose text BeautifulSoup leaves out of ``get_text`` (ruby, template).
_SPECIAL = (
    r"(?i:script|style|textarea|title|xmp|iframe|noembed|noframes|noscript"
    r"|plaintext|rt|rp|template)[ \t\n\r\f/>]"
)
#: A ``<`` that opens no plain tag or comment (stray, bogus, doctype, CDATA),
#: or opens one of the special elements above: one pass over the text.
_BAD = re.compile(
    rf"<(?!{_COMMENT[1:]}|/{_NAME}{_WS}*>"
    rf"|(?!{_SPECIAL}){_NAME}(?:{_ATTR})*{_WS}*/?>)"
)
_FIGURE_OPEN = re.compile(r"<figure(?=[ \t\n\r\f/>])", re.IGNORECASE)
_ATTR_PARTS = re.compile(
    rf"{_WS}+([^ \t\n\r\f=/>]+)"
    rf"(?:{_WS}*={_WS}*(?:\"([^\"]*)\"|'([^']*)'|([^\s\"'=<>`]+)))?"
)
_REF = re.compile(r"&(?:#([0-9]{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]*));")
_AMP_NOT_REF = re.compile(
    r"&(?!#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[a-zA-Z][a-zA-Z0-9]*;)"
)
#: Elements BeautifulSoup closes at once (its ``empty_element_tags``; a test
#: keeps the two lists equal).
VOID = frozenset(
    (
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "keygen",
        "link",
        "menuitem",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "basefont",
        "bgsound",
        "command",
        "frame",
        "image",
        "isindex",
        "nextid",
        "spacer",
    )
)

#: A span of an element: start of its start tag, start and end of its content,
#: end of its end tag.
Span = tuple[int, int, int, int]


class UnknownShape(ValueError):
    """HTML the scan cannot read exactly as the parser would: use the parser."""


@dataclass(frozen=True, slots=True)
class Figure:
    """One ``figure.pullquote``: where it is, and its parts (standalone only)."""

    start: int
    end: int
    excerpt: bool
    quote: Span | None
    caption: Span | None
    children: tuple[Figure, ...]  # pull-quotes inside this one, in order


def find_figures(html: str) -> tuple[Figure, ...]:
    """The outermost pull-quote figures of ``html``, in document order."""
    if _FIGURE_OPEN.search(html) is None:
        return ()
    check_tags(html)
    figures: list[Figure] = []
    position = 0
    while (found := _FIGURE_OPEN.search(html, position)) is not None:
        tag = _TOKEN.match(html, found.start())
        assert tag is not None  # check_tags: every < opens a token
        kind = _kind(tag)
        if kind is None:
            position = tag.end()
            continue
        figure = _close(html, tag, kind)
        figures.append(figure)
        position = figure.end
    return tuple(figures)


def check_tags(html: str) -> None:
    """Raise ``UnknownShape`` unless every ``<`` opens a plain tag or comment.

    Plain: no ``script``, ``style`` or other element whose content is not tags.
    """
    if _BAD.search(html) is not None:
        raise UnknownShape("a '<' that opens no plain tag or comment, or raw text")


def text(html: str) -> str:
    """The text of HTML that passed ``check_tags``: no tags, no comments.

    A reference is resolved within its piece of text only, as the parser does.

    Whitespace may differ from BeautifulSoup's ``get_text``, which shortens
    runs of blanks between tags; callers fold whitespace anyway.
    """
    return "".join(unescape(piece) for piece in _SPLIT.split(html))


def unescape(value: str) -> str:
    """Character references resolved as BeautifulSoup resolves them.

    Only the plain forms (``&name;``, ``&#123;``, ``&#x1F;``) of named or
    ordinary characters: anything else is ``UnknownShape``.
    """
    if "&" not in value:
        return value
    if _AMP_NOT_REF.search(value) is not None:
        raise UnknownShape("an '&' that is not a plain character reference")
    return _REF.sub(_resolve, value)


def _resolve(match: re.Match[str]) -> str:
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = html.entities.html5.get(name + ";")
        if char is None:
            raise UnknownShape(f"unknown character reference &{name};")
        return char
    number = int(decimal, 10) if decimal is not None else int(hexadecimal, 16)
    # NUL, C1 controls (read as Windows-1252), surrogates and beyond Unicode
    # are resolved by special rules; they never come from Markdown.
    if (number < 0x20 and number not in (0x09, 0x0A, 0x0C)) or 0x7F <= number < 0xA0:
        raise UnknownShape(f"control character reference &#{number};")
    if 0xD800 <= number <= 0xDFFF or number > 0x10FFFF:
        raise UnknownShape(f"character reference &#{number}; outside Unicode")
    return chr(number)


def blank_after(html: str, end: int) -> int:
    """Where the blank text or comment right after a removed element ends.

    The reference removes the next sibling when it is a string that strips to
    nothing, and a comment is a string to it too.
    """
    following = html.find("<", end)
    if following < 0:
        following = len(html)
    if following > end:
        return following if not unescape(html[end:following]).strip() else end
    token = _TOKEN.match(html, end)
    if token is not None and token.group("end") is not None:
        # The parent's end (no sibling), or a stray one the parser skips.
        raise UnknownShape("an end tag right after a removed element")
    if token is None or token.group("comment") is None:
        return end
    return end if token.group("comment")[4:-3].strip() else token.end()


def _kind(tag: re.Match[str]) -> bool | None:
    """None for a tag that is no pull-quote figure, else whether an excerpt."""
    if (tag.group("start") or "").lower() != "figure":
        return None
    value = None
    for attr in _ATTR_PARTS.finditer(tag.group("attrs")):
        if attr.group(1).lower() == "class":  # the last one wins, as in the parser
            value = next((v for v in attr.groups()[1:] if v is not None), "")
    if value is None:
        return None
    if "&" in value:
        raise UnknownShape("a character reference in a figure's class")
    classes = value.split()
    if CLASSNAME not in classes:
        return None
    if tag.group("slash"):
        raise UnknownShape("an empty pull-quote figure")
    return CLASSNAME_EXCERPT in classes


@dataclass(slots=True)
class _Open:
    """An element open during the scan of one figure."""

    name: str
    start: int
    inner: int
    excerpt: bool | None = None  # None: not a pull-quote figure
    children: list[tuple[str, Span]] | None = None  # direct children (figures)
    nested: list[Figure] | None = None


def _close(html: str, tag: re.Match[str], excerpt: bool) -> Figure:
    """The figure opened by ``tag``, found by matching every tag up to its end."""
    stack = [_Open("figure", tag.start(), tag.end(), excerpt, [], [])]
    for token in _TOKEN.finditer(html, tag.end()):
        if token.group("comment") is not None:
            continue
        name = token.group("start")
        if name is not None:
            name = name.lower()
            kind = _kind(token) if name == "figure" else None
            if token.group("slash") or name in VOID:
                _child(
                    stack, name, (token.start(), token.end(), token.end(), token.end())
                )
                continue
            if kind is None:
                stack.append(_Open(name, token.start(), token.end()))
            else:
                stack.append(_Open(name, token.start(), token.end(), kind, [], []))
            continue
        name = token.group("end").lower()
        element = stack.pop()
        if element.name != name:
            raise UnknownShape(f"</{name}> closes <{element.name}>")
        span = (element.start, element.inner, token.start(), token.end())
        if stack:
            _child(stack, name, span)
        if element.excerpt is None:
            continue
        figure = _figure(element, span)
        if not stack:
            return figure
        owner = next(e for e in reversed(stack) if e.nested is not None)
        assert owner.nested is not None
        owner.nested.append(figure)
    raise UnknownShape("a pull-quote figure that is never closed")


def _child(stack: list[_Open], name: str, span: Span) -> None:
    """Note an element that sits directly in a figure."""
    parent = stack[-1]
    if parent.children is not None:
        parent.children.append((name, span))


def _figure(element: _Open, span: Span) -> Figure:
    assert element.children is not None and element.nested is not None
    quote = caption = None
    if not element.excerpt:
        names = [name for name, _ in element.children]
        if names not in (["blockquote"], ["blockquote", "figcaption"]):
            raise UnknownShape(f"a pull-quote figure holding {names}")
        quote = element.children[0][1]
        caption = element.children[1][1] if len(names) == 2 else None
    return Figure(
        span[0],
        span[3],
        bool(element.excerpt),
        quote,
        caption,
        tuple(element.nested),
    )
