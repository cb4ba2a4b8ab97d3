"""HTML as a feed entry carries it: absolute links, no decorative excerpts, XML-safe.

A feed reader shows an entry far from the site, so every relative ``href`` or
``src`` must become absolute; it ignores CSS and ARIA, so a pull-quote excerpt
(a phrase repeated for the eye) is removed. Comment HTML is sanitized again
here: the comments plugin already did it, and the feed must not depend on that.

Post HTML is the author's: anything may be in it, so it is parsed (lxml), and
only for posts a feed lists. Comment HTML is nh3's output by the time links are
made absolute, so a parser per comment (a site has tens of thousands) would
only find what two regular expressions find in its serialization.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Callable
from urllib.parse import quote, urljoin

import lxml.html
from lxml import etree
from sitekit.cache import text_memo
from sitekit.feedwriter import is_xml_text, xml_text
from sitekit.markup import sanitize_html


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
    try:
        return lxml.html.fragment_fromstring(html, create_parent="div")
    except (etree.ParserError, ValueError, AssertionError):  # lxml asserts on 2 <body>s
        return lxml.html.document_fromstring(f"<html><body>{html}</body></html>").body


def _inner(root: lxml.html.HtmlElement) -> str:
    head = htmllib.escape(root.text or "", quote=False)
    return head + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in root
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
    root.make_links_absolute(
        base_url, resolve_base_href=False, handle_failures="discard"
    )
    for el in root.xpath("//*[@srcset]"):  # lxml leaves srcset alone
        el.set("srcset", _absolute_srcset(el.get("srcset", ""), base_url))
    # A character reference (``&#1;``) the parser decoded may be no XML.
    return xml_text(_inner(root))


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


def _absolute_href(match: re.Match[str], base_url: str) -> str:
    """One attribute of a link, its ``href`` resolved as lxml resolves it."""
    if match[1].lower() != "href" or match[2] is None:
        return match[0]
    try:
        url = urljoin(base_url, htmllib.unescape(match[2]).strip())
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


def comment_html(html: str, base_url: str) -> str:
    """A reader's comment HTML for a feed: sanitized, then made absolute.

    XML can carry the text as it is (``xml_text`` leaves it so: links are
    written percent-encoded, the parser's output is cleaned), so a feed
    writer only escapes it (``leanfeed.escape_text``).
    """
    # Nothing may be removed from sanitized HTML: ``java\x85script:`` is a
    # harmless relative URL to the sanitizer (and to browsers), and would
    # become ``javascript:`` without the C1 control. So when the sanitizer's
    # output holds what XML cannot carry (from the input, or decoded from a
    # character reference), it is removed and the rest sanitized again; its
    # output holds no references but &amp; &lt; &gt; &quot; &nbsp;, so that
    # ends it. Ordinary text is scanned once, as before.
    html = sanitize_html(html)
    for _ in range(3):
        if is_xml_text(html):
            return absolute_links(html, base_url) if html.strip() else ""
        html = sanitize_html(xml_text(html))
    return htmllib.escape(xml_text(html), quote=False)  # never reached: as text
