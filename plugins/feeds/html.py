"""HTML as a feed entry carries it: absolute links, no decorative excerpts, XML-safe.

A feed reader shows an entry far from the site, so every relative ``href`` or
``src`` must become absolute; it ignores CSS and ARIA, so a pull-quote excerpt
(a phrase repeated for the eye) is removed. Comment HTML comes sanitized from
the comments plugin; the feed checks that it has the sanitizer's shape and
sanitizes anything that has not (``comment_html``).

Post HTML is the author's: anything may be in it, so it is parsed (lxml), and
only for posts a feed lists. Comment HTML is nh3's output by the time links are
made absolute, so a parser per comment (a site has tens of thousands) would
only find what two regular expressions find in its serialization.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin

from sitekit.cache import text_memo
from sitekit.feedwriter import is_xml_text, xml_text
from sitekit.markup import (
    ALLOWED_TAGS,
    LINK_REL,
    NOT_XML,
    is_sanitized,
    sanitize_html,
)

if TYPE_CHECKING:
    import lxml.html


def _drop_excerpts(html: str) -> str:
    """Fallback when the pull-quote plugin is absent: remove excerpt figures only."""
    if "excerpt" not in html:
        return html
    root = _fragment(html)
    for el in root.xpath(
        "//*[contains(concat(' ', normalize-space(@class), ' '), ' pullquote ')"
        " and contains(concat(' ', normalize-space(@class), ' '), ' excerpt ')]"
    ):
        el.drop_tree()
    return _inner(root)


def _feed_text() -> Callable[[str], str]:
    try:
        from pullquotes.feedtext import for_feed
    except ImportError:  # the pull-quote plugin is optional
        return _drop_excerpts
    return for_feed


def _fragment(html: str) -> lxml.html.HtmlElement:
    """A parent element holding the parsed fragment, even when it has <html>/<body>."""
    # Imported when a post is parsed: a rebuild parses in a child (feeds.plugin).
    import lxml.html
    from lxml import etree

    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):  # lxml asserts on 2 <body>s
        return lxml.html.document_fromstring(f"<html><body>{html}</body></html>").body


def _inner(root: lxml.html.HtmlElement) -> str:
    import lxml.html

    head = htmllib.escape(root.text or "", quote=False)
    return head + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
    )


def _may_link(root: lxml.html.HtmlElement) -> bool:
    """Whether lxml's ``make_links_absolute`` may find anything to rewrite in
    ``root``: an attribute but ``class`` and ``id`` (it reads the link
    attributes, ``style``; ``srcset`` is ours), or an element it reads apart
    from them (``object``, ``meta``, ``param``, ``style``) or ``base``,
    whose ``href`` it applies and removes even when told not to. A post's
    code blocks are hundreds of elements with a class only: walked in C,
    not by the rewrite's Python loop over every element."""
    return bool(_link_finder()(root))


@lru_cache(maxsize=1)
def _link_finder() -> Any:
    from lxml import etree

    return etree.XPath(
        "boolean(//@*[name() != 'class' and name() != 'id']"
        " | //object | //meta | //param | //style | //base)"
    )


def absolute_html(html: str, base_url: str) -> str:
    """Every link and source in ``html`` resolved against ``base_url``, as
    text that XML can carry (``xml_text`` leaves it as it is).

    URLs that cannot be parsed (``http://[``) are dropped rather than kept.
    """
    html = xml_text(html)
    if not html.strip():
        return ""
    root = _fragment(html)
    if "&#" in html:
        _xml_safe_attributes(root)
    if _may_link(root):  # else there is no link: the parse is written back
        root.make_links_absolute(
            base_url, resolve_base_href=False, handle_failures="discard"
        )
        for el in root.xpath("//*[@srcset]"):  # lxml leaves srcset alone
            el.set("srcset", _absolute_srcset(el.get("srcset", ""), base_url))
    # A character reference (``&#1;``) the parser decoded may be no XML; the
    # text is XML-safe, and so is what the parser makes of it without one.
    out = _inner(root)
    return xml_text(out) if "&#" in html else out


def _xml_safe_attributes(root: lxml.html.HtmlElement) -> None:
    """Attribute values XML can carry, before any is rewritten.

    A character reference (``src=" &#14; x"``) decodes into a character XML
    cannot carry, and lxml refuses to set an attribute to a value holding
    one: the link rewrite stopped the whole build on such a post. The values
    get what ``xml_text`` does to the finished text anyway.
    """
    from lxml import etree

    for element in root.iter(etree.Element):
        for name, value in element.attrib.items():
            if not is_xml_text(value):
                element.attrib[name] = xml_text(value)


def _absolute_srcset(srcset: str, base_url: str) -> str:
    candidates = []
    for candidate in srcset.split(","):
        parts = candidate.split()
        if not parts:
            continue
        try:
            parts[0] = urljoin(base_url, parts[0])
        except ValueError:
            continue
        candidates.append(" ".join(parts))
    return ", ".join(candidates)


@text_memo  # pure: remembered between builds by its arguments (fastbuild)
def post_html(html: str, base_url: str) -> str:
    """An author's post HTML for a feed (trusted: not sanitized, only made portable)."""
    return absolute_html(_feed_text()(xml_text(html)), base_url)


# nh3 (html5ever) writes every start tag whole, every attribute value in double
# quotes with ``"``, ``<`` and ``>`` escaped, and ``<`` in text as ``&lt;``: so
# a link's start tag is exactly ``_LINK``, and attributes follow one another as
# ``_ATTRIBUTE`` matches, never starting inside a value.
_LINK = re.compile(r'<a(?:\s+[^\s"\'<>/=]+(?:="[^"]*")?)*\s*/?>')
_ATTRIBUTE = re.compile(r'\s+([^\s"\'<>/=]+)(?:="([^"]*)")?')
_LINK_START = re.compile(r"<a[\s/>]")
#: What a URL keeps as it is: reserved characters, and ``%`` of its escapes.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"


#: An absolute web URL that ``urljoin`` gives back as it is, whatever the
#: base: a lower-case scheme, a plain host and port, then a path without
#: parameters (``;``) and a query and fragment that are not empty; no space
#: or control character anywhere (``urlsplit`` would strip or drop them).
#: A reader's link nearly always is one: ``urlsplit`` and ``urlunsplit``
#: twice (half of a comment's feed entry) would write it again unchanged.
PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::[0-9]+)?"
    r"(?:/[^\x00-\x20\x7f?#;]*)?(?:\?[^\x00-\x20\x7f#]+)?(?:#[^\x00-\x20\x7f#]+)?"
)


def _absolute_href(match: re.Match[str], base_url: str) -> str:
    """One attribute of a link, its ``href`` resolved as lxml resolves it."""
    if match[1].lower() != "href" or match[2] is None:
        return match[0]
    url = htmllib.unescape(match[2]).strip()
    if not PLAIN_URL.fullmatch(url):
        try:
            url = urljoin(base_url, url)
        except ValueError:  # unparseable (``http://[``): dropped, as lxml drops it
            return ""
    # Spaces and non-ASCII percent-encoded, as lxml writes a link.
    return f' href="{htmllib.escape(quote(url, safe=_URL_SAFE))}"'


def absolute_links(sanitized: str, base_url: str) -> str:
    """``absolute_html`` for HTML as nh3 writes it, without parsing it.

    Should the serialization ever not be the one described above (a start tag
    the pattern does not take whole), the parser does the work instead.
    """
    if "<a" not in sanitized:
        return sanitized
    found = 0

    def link(match: re.Match[str]) -> str:
        nonlocal found
        found += 1
        return _ATTRIBUTE.sub(lambda a: _absolute_href(a, base_url), match[0])

    out = _LINK.sub(link, sanitized)
    if found != len(_LINK_START.findall(sanitized)):
        return absolute_html(sanitized, base_url)
    return out


#: What follows a "<" in the usual sanitized comment: a bare allowed tag,
#: opening or closing, or a web link as nh3 writes it (no title, an http(s)
#: target, the rel it adds). ``is_sanitized`` allows these and a few more.
_PLAIN_TAGS = tuple(f"{end}{tag}>" for tag in sorted(ALLOWED_TAGS) for end in ("", "/"))
_VALUE = r'(?:[^"<>&]|&(?:amp|lt|gt|quot|nbsp);)*'
_PLAIN_LINK = re.compile(
    r'a href="(?i:https?:)' + _VALUE + r'" rel="' + re.escape(LINK_REL) + r'">'
)
#: What follows an "&" in sanitized HTML: the references nh3 writes.
_REFERENCES = ("amp;", "lt;", "gt;", "quot;", "nbsp;")
#: The characters of ``NOT_XML`` that Latin-1 can encode, as its bytes.
_NOT_XML_LATIN1 = bytes(b for b in range(256) if NOT_XML.match(chr(b)))


def plainly_sanitized(html: str) -> bool:
    """A cheaper sufficient condition for ``is_sanitized``: True only for
    HTML that it holds for; False (ask it) for anything less usual.

    ``is_sanitized`` scans the text twice with regular expressions, a third
    of a discussion feed's time; this looks at each "<" and "&" only (the
    text split at them), and finds what XML cannot carry in Latin-1 text by
    deleting those bytes (a C loop). Tested against it: never True where it
    is False.
    """
    try:
        raw = html.encode("latin-1")
    except UnicodeEncodeError:
        if NOT_XML.search(html) is not None:
            return False
    else:
        if len(raw.translate(None, _NOT_XML_LATIN1)) != len(raw):
            return False
    tags = html.split("<")
    for i in range(1, len(tags)):
        piece = tags[i]
        if not piece.startswith(_PLAIN_TAGS) and _PLAIN_LINK.match(piece) is None:
            return False
    references = html.split("&")
    return all(references[i].startswith(_REFERENCES) for i in range(1, len(references)))


def comment_html(html: str, base_url: str) -> str:
    """A reader's comment HTML for a feed: sanitized, then made absolute.

    The comments plugin's HTML is ``sitekit.markup.sanitize_html``'s output,
    which XML can carry as it is. A value of that shape (``is_sanitized``:
    one scan for what XML cannot carry, one for any tag, attribute, link
    target or reference nh3 would not write) is taken as it is; any other is
    sanitized here. Links are then written percent-encoded (or by the parser,
    whose output is cleaned), so a feed writer only escapes the result
    (``leanfeed.escape_text``).
    """
    if not (plainly_sanitized(html) or is_sanitized(html)):
        html = sanitize_html(html)
    return "" if not html or html.isspace() else absolute_links(html, base_url)
