"""feeds.html: links made absolute, reader HTML sanitized again."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from html import escape
from urllib.parse import quote, unquote, urljoin, urlsplit

import lxml.html
import pytest
from feeds.html import (
    _URL_SAFE,
    PLAIN_URL,
    _fragment,
    _inner,
    _may_link,
    absolute_html,
    absolute_links,
    comment_html,
    plainly_sanitized,
    post_html,
)
from sitekit.feedwriter import xml_text
from sitekit.markup import is_sanitized, render_markdown, sanitize_html
from unit.feeds.hostile import payloads

BASE = "https://diskurs.example.org/2017/post/"


def test_relative_links_and_sources_become_absolute() -> None:
    html = absolute_html(
        '<p><a href="/ueber/">a</a><a href="#x">b</a><img src="bild.png" '
        'srcset="k.png 1x, /g.png 2x"></p>',
        BASE,
    )
    assert 'href="https://diskurs.example.org/ueber/"' in html
    assert f'href="{BASE}#x"' in html
    assert f'src="{BASE}bild.png"' in html
    assert f'srcset="{BASE}k.png 1x, https://diskurs.example.org/g.png 2x"' in html


def test_text_before_the_first_tag_and_entities_survive() -> None:
    assert absolute_html("vorher &amp; <b>fett</b> nachher", BASE) == (
        "vorher &amp; <b>fett</b> nachher"
    )
    assert absolute_html("", BASE) == "" and absolute_html("\x00", BASE) == ""
    # A reference the parser decodes into what XML cannot carry is removed.
    assert absolute_html("<p>a&#1;b&#x2;c&#65;</p>", BASE) == "<p>abcA</p>"


def test_unparseable_urls_are_dropped() -> None:
    assert "href" not in absolute_html('<a href="http://[">x</a>', BASE)


def test_post_html_is_trusted_comment_html_is_not() -> None:
    raw = '<p style="color:red">x</p><iframe src="/v"></iframe>'
    assert "iframe" in post_html(raw, BASE)  # the author's own HTML
    cleaned = comment_html(raw + '<a href="javascript:alert(1)">y</a>', BASE)
    assert (
        "iframe" not in cleaned
        and "style" not in cleaned
        and "javascript" not in cleaned
    )


def test_comment_links_are_made_absolute_without_a_parser() -> None:
    html = comment_html(
        '<p><a href="/ueber/" title="a &quot;b&quot; href=&quot;/x&quot;">a</a> '
        '<a title=\' href="/evil"\' href="../up?a=1&amp;b=2#f">b</a> '
        '<a href="mailto:ada@example.org">c</a> <a href="http://[">d</a> '
        'text href="/not-a-link" <a href="  leer zeichen ">e</a></p>',
        BASE,
    )
    assert 'href="https://diskurs.example.org/ueber/"' in html
    assert 'href="https://diskurs.example.org/2017/up?a=1&amp;b=2#f"' in html
    assert 'href="mailto:ada@example.org"' in html
    assert f'href="{BASE}leer%20zeichen"' in html
    assert 'text href="/not-a-link"' in html  # text is text, not a link
    assert "http://[" not in html
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    titles = [a.get("title") for a in root.iter("a")]
    assert titles[:2] == ['a "b" href="/x"', ' href="/evil"']
    assert all(urlsplit(a.get("href", "https://x")).scheme for a in root.iter("a"))


def test_links_agree_with_the_parser_on_the_xss_corpus() -> None:
    """The regex path and lxml give the same links for every payload (rendered
    as Markdown and as raw HTML); lxml keeps a few characters the regex path
    percent-encodes, which a browser reads the same."""
    for raw in [*payloads(), *(render_markdown(p) for p in payloads())]:
        sanitized = xml_text(sanitize_html(raw))
        fast = absolute_links(sanitized, BASE)
        slow = absolute_html(sanitized, BASE)
        assert _links(fast) == _links(slow), raw


def test_plain_absolute_urls_are_what_urljoin_gives() -> None:
    """The links written as they are (``PLAIN_URL``) are exactly those
    ``urljoin`` gives back unchanged, from an http and an https page alike;
    any other goes through ``urljoin``."""
    hosts = ["example.org", "EXAMPLE.org:8080", "a-b.c.d", "[::1]", "ä.example", ""]
    rests = [
        "", "/", "/für/", "/a/../b/./c", "/p;x=1", "/p?q=1&r=2", "/p?", "/p?#f",
        "/p#f", "/p#", "/p?q=#f#g", "/a b", "/a\tb", "/%41%zz", "?q", "#f",
        "/p?q;x", "/~u/@x:y", "/p?\u00e4=1#\u00fc", "//x", "/\u2028",
    ]  # fmt: skip
    urls = [  # as the link's value is taken: stripped
        f"{scheme}://{host}{rest}".strip()
        for scheme in ("http", "https", "HTTPS", "ftp")
        for host in hosts
        for rest in rests
    ]
    urls += ["https:/x", "https:x", "javascript:alert(1)", "//example.org/x", "/x"]
    taken = 0
    for base in (BASE, BASE.replace("https:", "http:")):
        for url in urls:
            try:
                joined = urljoin(base, url)
            except ValueError:
                joined = None
            if PLAIN_URL.fullmatch(url):
                taken += 1
                assert joined == url, url
            html = f'<p><a href="{escape(url)}" rel="nofollow">x</a></p>'
            if joined is None:
                assert absolute_links(html, base) == "<p>x</p>", url
            else:
                expected = escape(quote(joined, safe=_URL_SAFE))
                assert absolute_links(html, base) == (
                    f'<p><a href="{expected}" rel="nofollow">x</a></p>'
                ), url
    assert taken > 100


def test_html_not_shaped_like_nh3_output_goes_to_the_parser() -> None:
    assert absolute_links("<a href='rel'>x</a>", BASE) == f'<a href="{BASE}rel">x</a>'


def _links(html: str) -> list[tuple[str, str | None]]:
    if not html.strip():
        return []
    root = lxml.html.fragment_fromstring(html, create_parent="div")
    return [
        (a.text_content(), unquote(a.get("href")) if a.get("href") else None)
        for a in root.iter("a")
    ]


def test_comment_html_is_text_xml_carries_as_it_is() -> None:
    """Feed writers only escape comment HTML (no second xml_text pass), so it
    must hold no character XML cannot: neither raw nor decoded from a
    character reference, on the regex path or the parser's."""
    refs = [f"&#{n};" for n in (*range(0x20), 0x7F, 0x80, 0x85, 0x9F, 0xFFFE)]
    raws = [
        *payloads(),
        *(render_markdown(p) for p in payloads()),
        *(f"<p>a{r}b <a href='x{r}'>l{r}</a></p>" for r in refs),  # parser path
        *(f'<p>a{r}b <a href="x{r}">l{r}</a></p>' for r in refs),  # regex path
        "".join(chr(c) for c in range(0x20)) + "\x7f\x85\ufffe<p>x</p>",
    ]
    for raw in raws:
        html = comment_html(raw, BASE)
        assert xml_text(html) == html, raw


_SCHEME_HREF = re.compile(r'href="(?:javascript|vbscript|data):', re.IGNORECASE)


def test_characters_xml_drops_never_join_a_scheme_after_sanitizing() -> None:
    """``java<C1>script:`` is a relative URL to the sanitizer; were the C1
    character removed after it, the feed would carry ``javascript:``."""
    hidden = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0), 0xFFFE, 0xFFFF)]
    hidden = [ch for ch in hidden if ch not in "\t\n\r"]
    hidden += [f"&#{ord(ch)};" for ch in hidden] + [f"&#x{ord(ch):x};" for ch in hidden]
    for ch in hidden:
        for tag in (
            f'<a href="java{ch}script:alert(1)">x</a>',
            f'<a href="{ch}javascript:alert(1)">x</a>',
            f'<a href="data{ch}:text/html,x">x</a>',
            f'<p><a href="vbscript{ch}:x">y</a></p>',
        ):
            html = comment_html(tag, BASE)
            assert not _SCHEME_HREF.search(html), (tag, html)


def test_sanitized_comment_html_is_not_sanitized_again(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The comments plugin's HTML has the sanitizer's shape: taken as it is;
    a value without that shape is sanitized here."""
    import feeds.html

    calls: list[str] = []

    def counting(html: str) -> str:
        calls.append(html)
        return sanitize_html(html)

    monkeypatch.setattr(feeds.html, "sanitize_html", counting)
    body = render_markdown("Ein [Link](/ueber/) & *mehr*.\n\n> zitiert")
    assert comment_html(body, BASE) == absolute_links(body, BASE)
    assert calls == []
    for raw in (
        '<a href="javascript:alert(1)">x</a>',
        "<p>a\x85b</p>",
        "<p onclick=x>",
    ):
        html = comment_html(raw, BASE)
        assert calls[-1] == raw and "javascript" not in html and "onclick" not in html
        assert xml_text(html) == html


def _always_rewritten(html: str, base_url: str) -> str:
    """absolute_html with the link check answering yes: every text rewritten."""
    import feeds.html

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(feeds.html, "_may_link", lambda root: True)
        return absolute_html(html, base_url)


def test_a_reference_xml_cannot_carry_in_an_attribute_is_dropped_not_fatal() -> None:
    """lxml refuses to set an attribute holding such a character, which a
    reference puts there: the rewrite stopped the build on such a post."""
    cases = {
        '<p><IMG SRC=" &#14; javascript:alert(1)"> x</p>': '<img src="javascript:',
        '<p><a href="/r&#1;x" title="t&#x1F;">l</a></p>': (
            '<a href="https://diskurs.example.org/rx" title="t">'
        ),
        '<img srcset="/a&#2;.png 1x, b.png 2x">': (
            'srcset="https://diskurs.example.org/a.png 1x, '
            'https://diskurs.example.org/2017/post/b.png 2x"'
        ),
    }
    for html, expected in cases.items():
        out = absolute_html(html, BASE)
        assert expected in out, out
        assert xml_text(out) == out


def _outcome(rewrite: Callable[[str, str], str], html: str) -> str | type:
    """The rewritten text, or the error (lxml refuses a control character
    that a reference put into an attribute it rewrites)."""
    try:
        return rewrite(html, BASE)
    except ValueError as error:
        return type(error)


def test_html_without_a_link_is_only_parsed_and_written() -> None:
    """HTML in which the check finds nothing to rewrite comes back as the full
    rewrite gives it; every kind of link lxml rewrites is found (a base
    element too: lxml applies and removes it even when told not to)."""
    linked = [
        '<base href="https://elsewhere.example/x/"><p><a href="y">a</a></p>',
        '<BASE HREF="/b/"><p>text</p>',
        '<object codebase="/c/" data="d.swf" classid="x"></object>',
        '<meta http-equiv="refresh" content="0; url=/weiter">',
        '<param valuetype="ref" value="/p">',
        "<style>p { background: url(/bg.png) } @import '/x.css';</style>",
        "<p style=\"background: url('/s.png')\">s</p>",
        '<form action="/f"><button formaction="/g">x</button></form>',
        '<q cite="/q">zitat</q><img dynsrc="/d" lowsrc="/l" longdesc="/ld">',
        '<svg><a xlink:href="/x">x</a></svg><img usemap="#m" src="i.png">',
        '<table background="/t.png"><tr><td>x</td></tr></table>',
        '<head profile="/p"></head><img srcset="a.png 1x">',
        '<a HREF="/gross">x</a><img SRC=/ohne>',
        "<a href>leer</a><img src>",
    ]
    plain = [
        "<p>Text mit <em>Betonung</em> &amp; Umlauten: äöü &lt;tag&gt;</p>",
        '<div class="highlight"><pre><span></span><code>x = 1</code></pre></div>',
        "<h2 id='k'>Kapitel</h2><ul><li>eins<li>zwei</ul><br/><hr>",
        "vorher <b>fett</b> nachher<!-- Kommentar --><p>offen",
        "<table><tr><th>a</th></tr></table>&nbsp;&#1;&#x85;",
    ]
    for html in [*linked, *plain, *payloads()]:
        assert _outcome(absolute_html, html) == _outcome(_always_rewritten, html), html
    for html in linked:  # each of them has something to rewrite
        assert absolute_html(html, BASE) != xml_text(_inner(_fragment(html))), html
    for html in plain:  # and these are written back without the rewrite
        assert not _may_link(_fragment(html)), html


def _mutations(html: str) -> Iterator[str]:
    """Small edits of sanitized HTML at and around its "<" and "&"."""
    for i, char in enumerate(html):
        if char in '<&>"':
            yield html[:i] + html[i + 1 :]  # removed
            for other in ("<", "&", '"', ">", " ", "x", "\x85", "\x00", "ä", "„"):
                yield html[:i] + other + html[i + 1 :]  # replaced
                yield html[:i] + other + html[i:]  # inserted


def test_plainly_sanitized_is_only_true_where_is_sanitized_is() -> None:
    """The cheap check never takes what the scan would refuse, and takes the
    usual comment (tags, web links, references, Latin-1 or wider text)."""
    usual = [
        render_markdown(text)
        for text in (
            "Ein *Kommentar* mit **Gewicht** & <Klammern> und `code`.",
            "- eins\n- zwei\n\n1. drei\n\n> zitiert\n\n---\n\n```\nx < y\n```",
            "Siehe [hier](https://example.org/?a=1&b=„2“) und <https://x.example>.",
            "Zeile  \nneue Zeile \u2013 mit Gedankenstrich… und 😀",
        )
    ]
    for html in usual:
        assert plainly_sanitized(html) and is_sanitized(html), html
    samples = [*usual, *(sanitize_html(p) for p in payloads()), *payloads()]
    samples += [m for html in usual for m in _mutations(html)]
    samples += [
        '<a title="t" href="https://x" rel="nofollow ugc noopener">x</a>',
        '<a href="mailto:a@b.example" rel="nofollow ugc noopener">x</a>',
        '<a href="/relativ" rel="nofollow ugc noopener">x</a>',
        '<a href="javascript:x" rel="nofollow ugc noopener">x</a>',
        '<a href="HTTPS://X" rel="nofollow ugc noopener">x</a>',
        '<ol start="3"><li>x</li></ol>',
        "<p>&amp &ampx; &#60; &lt;</p>",
    ]
    taken = 0
    for html in samples:
        if plainly_sanitized(html):
            taken += 1
            assert is_sanitized(html), html
    assert taken > len(usual) + 100  # the mutations and sanitized payloads pass too
