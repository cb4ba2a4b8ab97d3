"""Reader-written Markdown to safe HTML: render in linear time, then sanitize.

Python-Markdown passes raw HTML, ``javascript:`` links and ``{: onclick}``
attribute lists, and is quadratic on unclosed brackets, so reader text goes
through markdown-it-py in CommonMark mode with HTML off, and the result through
nh3 (Ammonia) with a small allowlist. Images are not rendered: a comment must
never make the reader's browser fetch from another host.

markdown-it-py takes ~125 us for a typical comment, most of a cold build's
comment cost; cmark (the C reference implementation, via cmarkgfm) takes ~10 us.
The two differ at the edges (cmark-gfm implements CommonMark 0.29, markdown-it-py
0.31, and they treat raw HTML, images, unsafe links and deep nesting
differently), so cmark is only a fast path: it is used where its HTML is known
to equal markdown-it-py's after sanitizing, and markdown-it-py renders the rest
(see ``_fast_html``). The output is the same as with markdown-it-py alone: the
unit tests compare both over the XSS corpus, our Markdown vectors, generated
comments and seeded random Markdown.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Callable
from functools import lru_cache
from html import escape
from typing import TYPE_CHECKING, Any

import nh3

if TYPE_CHECKING:
    from markdown_it import MarkdownIt

#: Tags a comment or note may contain after sanitizing.
ALLOWED_TAGS = frozenset(
    {
        "p",
        "br",
        "a",
        "em",
        "strong",
        "code",
        "pre",
        "blockquote",
        "ul",
        "ol",
        "li",
        "hr",
    }
)
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Every link in reader text: no ranking credit, no window.opener.
LINK_REL = "nofollow ugc noopener"

# C0 controls other than tab, newline and carriage return make feeds invalid XML.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: What no XML text may carry (``sitekit.feedwriter.xml_text`` removes it too):
#: C0 controls but tab, newline and carriage return; DEL and the C1 controls
#: (valid XML, but feed validators reject them); surrogates; U+FFFE and U+FFFF.
#: Written as the characters to remove, not as the complement of those to keep:
#: the same set, and a third faster for the regular-expression engine to scan.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
#: In sanitized HTML (nh3's serialization: attributes in double quotes with
#: ``& " < >`` escaped, ``< > &`` escaped in text, ``rel`` last on links), a
#: ``<`` or ``&`` that starts nothing of this is not sanitizer output. A link's
#: target is http(s), mailto or relative (no ``:`` before ``/ ? #``).
_REFERENCE = r"&(?:amp|lt|gt|quot|nbsp);"
_VALUE = r'(?:[^"<>&]|' + _REFERENCE + r")*"
_NOT_SANITIZED = re.compile(
    r"<(?!/?(?:" + "|".join(sorted(ALLOWED_TAGS)) + r")>"
    r'|ol start="[0-9]+">'
    r'|a(?: title="' + _VALUE + r'")?'
    r'(?: href="(?:(?i:https?:|mailto:)|(?![^"/?#]*:))' + _VALUE + r'")?'
    r'(?: title="' + _VALUE + r'")?'
    r' rel="' + re.escape(LINK_REL) + r'">'
    r"|/a>)"
    r"|&(?!(?:amp|lt|gt|quot|nbsp);)"
)


@lru_cache(maxsize=1)
def _renderer() -> MarkdownIt:
    # Imported when first needed: cmark renders most text (a rebuild, none here).
    from markdown_it import MarkdownIt

    md = MarkdownIt(
        "commonmark", {"html": False, "linkify": False, "typographer": False}
    )
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


# -- the cmark fast path ------------------------------------------------------


def _load_cmark() -> tuple[Any, Callable[[int], None]] | None:
    """cmarkgfm's C library and the C ``free`` its results need, or None.

    cmarkgfm's own ``markdown_to_html`` never frees the string cmark returns
    (measured: 2 KB lost per call), so we call cmark and free it ourselves.
    Without either, markdown-it-py renders everything: slower, same output.
    """
    try:
        from cmarkgfm import _cmark  # type: ignore[import-untyped]  # no py.typed

        free = ctypes.CDLL(None).free
    except (ImportError, OSError, AttributeError, TypeError):
        return None
    free.argtypes = (ctypes.c_void_p,)
    free.restype = None
    return _cmark, free


_CMARK = _load_cmark()

#: Source that cmark reads differently, or that needs markdown-it-py's rules:
#: raw HTML and autolinks (``<``), images, link reference definitions (cmark
#: drops one with an unsafe URL, markdown-it-py shows it as text), entities
#: (0.29 and 0.31 differ on long numeric ones, see ``_ENTITY``), tabs, a
#: byte-order mark and a backslash before spaces. Substring tests: a regex is
#: slower here, and a test for two characters costs ten of one, so those run
#: only where one of their characters is in the text (``_slow_source``).
_SLOW_SOURCE = ("<", "![", "]:", "\t", "\ufeff", "\\ ")
_ENTITY = re.compile(r"&(?:#|[A-Za-z0-9]+;)")
#: A run of emphasis delimiters.
_RUN = re.compile(r"[*_]+")
_ASCII_PUNCT = frozenset("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
#: A list item that starts empty (cmark-gfm misreads one followed by a blank line).
_EMPTY_ITEM = re.compile(r" {0,3}(?:[-+*]|[0-9]{1,9}[.)])")
#: A line that starts with a space (a code span across it keeps it in markdown-it-py).
_INDENTED_LINE = re.compile(r"[\r\n] ")
#: Text directly followed by a code block: a tight list item, where
#: markdown-it-py writes no newline between them.
_TEXT_THEN_PRE = re.compile(r"[^>\n]\n<pre>")
_HREF = re.compile(r'href="([^"]*)"')
#: An image, a comment, or a hard break followed by a space: one search (the
#: "<" first finds it fast), not one substring test each.
_ODD_HTML = re.compile(r"<(?:img|!--|br />\n )")
#: Link targets both renderers write the same: http(s) or mailto, plain ASCII,
#: nothing to percent-encode or punycode (markdown-it-py does both differently).
#: The host a plain name or address with a port (markdown-it-py drops or
#: rewrites a target whose host is empty, holds a user part or odd characters).
_URL_CHAR = r"[A-Za-z0-9\-._~:/?#@!$&;'()*+,=]"
_HOST = r"https?://[A-Za-z0-9.-]+(?::[0-9]{1,5})?"
_PLAIN_HREF = re.compile(_HOST + r"(?:[/?#]" + _URL_CHAR + "*)?")
#: ... or an http(s) target with a plain host (name or address, a port) and
#: %-escapes after it: cmark writes a non-ASCII character of a path (``/für``)
#: as the upper-case escapes of its UTF-8 bytes, as markdown-it-py does, and
#: ``_escaped_letters`` lets through the ones that decode to letters and digits
#: only (markdown-it-py trims Unicode spaces at the end of a target, cmark
#: escapes them; a host it punycodes; a ``%`` of the source they treat apart).
#: No parentheses: the two read unbalanced ones in a target differently.
_ESCAPED_HREF = re.compile(
    _HOST + r"[/?#](?:[A-Za-z0-9\-._~:/?#@!$&;'*+,=]|%[0-9A-F]{2})*"
)
_ESCAPES = re.compile(r"(?:%[0-9A-F]{2})+")


def _escaped_letters(url: str) -> bool:
    """Whether every %-escape of a target is of a non-ASCII letter or digit."""
    for run in _ESCAPES.findall(url):
        try:
            text = bytes.fromhex(run.replace("%", "")).decode("utf-8")
        except UnicodeDecodeError:
            return False
        if not text.isalnum() or any(ch < "\x80" for ch in text):
            return False
    return True


#: A mail address target as both write it (markdown-it-py parses the others
#: as URLs: ``mailto:@x`` loses its ``@``).
_MAILTO = re.compile(r"mailto:[A-Za-z0-9._+-]+@[A-Za-z0-9.-]+")


def _same_href(url: str) -> bool:
    """Whether markdown-it-py writes this cmark link target alike.

    Not where a parenthesis is left open or closed first (cmark-gfm 0.29 and
    CommonMark 0.31 end such a target differently).
    """
    if url.startswith("mailto:"):
        return _MAILTO.fullmatch(url) is not None
    if ("(" in url or ")" in url) and not _balanced(url):
        return False
    if _PLAIN_HREF.fullmatch(url):
        return True
    return _ESCAPED_HREF.fullmatch(url) is not None and _escaped_letters(url)


def _balanced(url: str) -> bool:
    depth = 0
    for ch in url:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


_CONTAINER = re.compile(r"<(/?)(?:blockquote|ul|ol|li)\b")
#: markdown-it-py's commonmark preset stops at 20 nested block levels (each
#: list, item and quote is one); cmark does not stop. Well below that is safe.
_MAX_CONTAINERS = 12


def _cmark_html(text: str) -> str:
    """cmark's HTML (CommonMark, safe mode: no raw HTML, no unsafe URLs)."""
    assert _CMARK is not None
    cmark, free = _CMARK
    data = text.encode("utf-8")
    raw = cmark.lib.cmark_markdown_to_html(data, len(data), 0)
    try:
        return str(cmark.ffi.string(raw).decode("utf-8"))
    finally:
        free(int(cmark.ffi.cast("uintptr_t", raw)))


def _runs(text: str) -> list[tuple[int, int]]:
    """Where each run of ``*`` and ``_`` starts and ends, in order.

    ``_RUN.finditer`` tests every character against its class (10 ns each,
    7 us a comment); ``str.find`` skips to each mark (a comment has a few).
    """
    marks: list[int] = []
    for mark in "*_":
        i = text.find(mark)
        while i >= 0:
            marks.append(i)
            i = text.find(mark, i + 1)
    marks.sort()
    runs: list[tuple[int, int]] = []
    for i in marks:
        if runs and runs[-1][1] == i:
            runs[-1] = (runs[-1][0], i + 1)
        else:
            runs.append((i, i + 1))
    return runs


def _plain_emphasis(text: str) -> bool:
    """False for a ``*``/``_`` run that the two renderers may read differently.

    Next to non-ASCII punctuation or a symbol (CommonMark 0.31 counts symbols
    as punctuation, 0.29 does not), or one that can both open and close, as in
    "Leser*innen" (cmark 0.29 resolves some of those differently).
    """
    end = len(text)
    for start, stop in _runs(text):
        before = text[start - 1] if start else " "
        after = text[stop] if stop < end else " "
        for ch in (before, after):
            if not ch.isascii() and not ch.isalnum():
                return False
        if before.isalnum() and after.isalnum():
            return False
        if before in _ASCII_PUNCT and after in _ASCII_PUNCT:
            return False
    return True


def _slow_source(text: str) -> bool:
    """Whether ``text`` holds any of ``_SLOW_SOURCE``."""
    return (
        "<" in text
        or "\t" in text
        or "\ufeff" in text
        or ("[" in text and "![" in text)
        or ("]" in text and "]:" in text)
        or ("\\" in text and "\\ " in text)
    )


def _fast_html(text: str) -> str | None:
    """cmark's HTML where it equals markdown-it-py's after sanitizing, else None.

    Each rule below answers a difference found by comparing the two renderers
    (CommonMark spec examples, the XSS corpus, seeded random Markdown); a body
    that trips any rule is rendered by markdown-it-py. About 97 % of ordinary
    comments take this path.
    """
    if _CMARK is None or _slow_source(text):
        return None
    if "&" in text and _ENTITY.search(text):
        return None
    emphasis = "*" in text or "_" in text
    if emphasis and not _plain_emphasis(text):
        return None
    for line in text.splitlines():
        # At most 13 characters but trailing spaces (a long line is not copied).
        if len(line) <= 13 or line[-1] == " ":
            line = line.rstrip(" ")
            if len(line) <= 13 and _EMPTY_ITEM.fullmatch(line):
                return None
    if "`" in text and _INDENTED_LINE.search(text):
        return None  # a code span across lines: markdown-it-py keeps the indent
    if not text.endswith("\n") and ("```" in text or "~~~" in text):
        return None  # an unclosed fence at the very end keeps a newline in cmark
    try:
        html = _cmark_html(text)
    except UnicodeEncodeError:  # a lone surrogate
        return None
    # Every * and _ that is not in the output became emphasis: two per <em>,
    # four per <strong>. cmark-gfm prints no <strong> directly inside another.
    # (Without either in the text there is neither in the output, and no emphasis.)
    if emphasis:
        consumed = text.count("*") + text.count("_") - html.count("*") - html.count("_")
        if consumed != 2 * html.count("<em>") + 4 * html.count("<strong>"):
            return None
    if _ODD_HTML.search(html):
        return None
    if "<pre>" in html and _TEXT_THEN_PRE.search(html):
        return None
    if "href=" in html and not all(map(_same_href, _HREF.findall(html))):
        return None  # unsafe (cmark writes href=""), relative or encoded targets
    if html.count("<") >= 2 * _MAX_CONTAINERS:  # else too few tags to nest deep
        depth = deepest = 0
        for m in _CONTAINER.finditer(html):
            depth += -1 if m.group(1) else 1
            deepest = max(deepest, depth)
        if deepest >= _MAX_CONTAINERS:
            return None
    return html.replace("<blockquote>\n</blockquote>", "<blockquote></blockquote>")


# -- public ---------------------------------------------------------------------


def _printable_lines(text: str) -> bool:
    """Whether every character but ``\\n`` is printable: then ``text`` holds
    nothing of ``NOT_XML`` or ``_CONTROL`` (controls, surrogates and
    noncharacters are none of them printable).

    One C loop at half the instructions of a character-class search, which
    tests each character against the class's table: most reader text is
    printable, and the regular expression runs only on the rest.
    """
    return text.replace("\n", "").isprintable()


def strip_controls(text: str) -> str:
    """Remove control characters that no page or feed may carry."""
    return text if _printable_lines(text) else _CONTROL.sub("", text)


def sanitize_html(html: str) -> str:
    """Reduce any HTML to the allowlist; the one gate before a page or a feed.

    The output is text XML 1.0 can carry (``is_sanitized`` holds for it), so a
    feed takes it as it is. What XML cannot carry is removed *before* nh3
    judges the HTML, never after: ``java\x85script:`` is a harmless relative
    URL to nh3 (and to browsers), and would become ``javascript:`` were the
    C1 control removed from nh3's output. nh3 decodes character references
    (``&#x81;``, ``&#1;``), so such a character can still come out; then that
    output is cleaned and sanitized again. Its only references are
    ``&amp; &lt; &gt; &quot; &nbsp;``, so the second round ends it.
    """
    if not _printable_lines(html):
        html = NOT_XML.sub("", html)
    out = str(_cleaner().clean(html))
    for _ in range(2):
        if _printable_lines(out) or NOT_XML.search(out) is None:
            return out
        out = str(_cleaner().clean(NOT_XML.sub("", out)))
    return escape(NOT_XML.sub("", out), quote=False)  # not reached: shown as text


def is_sanitized(html: str) -> bool:
    """Whether ``html`` has the shape of ``sanitize_html``'s output (cheap).

    For a consumer that relies on a value having been sanitized (the feeds
    take the comments plugin's HTML) and wants a check, not a second
    sanitizer: text XML can carry, only allowlisted tags written as nh3
    writes them, links with an allowed scheme or relative, references only
    of the five kinds nh3 writes. False for anything else (sanitize it then).
    """
    return NOT_XML.search(html) is None and _NOT_SANITIZED.search(html) is None


def render_markdown_it(text: str) -> str:
    """The reference rendering: markdown-it-py alone (tests compare against it)."""
    return sanitize_html(_renderer().render(strip_controls(text)))


def render_markdown(text: str) -> str:
    """Render reader Markdown to sanitized HTML (CommonMark, no raw HTML, no images)."""
    text = strip_controls(text)
    html = _fast_html(text)
    if html is None:
        html = _renderer().render(text)
    return sanitize_html(html)


def plain_text(text: str) -> str:
    """Text for plain fields (names, titles): controls removed, whitespace folded."""
    return " ".join(strip_controls(text).split())
