"""Reader Markdown: the cmark fast path renders exactly what markdown-it-py renders.

``render_markdown`` takes cmark where its HTML is known to equal markdown-it-py's
(see sitekit.markup); these tests hold it to that over hostile and ordinary text,
and check the contract itself: no raw HTML, no images, no unsafe links.
"""

from __future__ import annotations

import random
import re
import resource
import sys
import time

import pytest
from bs4 import BeautifulSoup
from sitekit import markup
from sitekit.feedwriter import is_xml_text, xml_text
from sitekit.markup import (
    is_sanitized,
    render_markdown,
    render_markdown_it,
    sanitize_html,
    strip_controls,
)
from support.site import ROOT

sys.path.insert(0, str(ROOT / "tests" / "data" / "comments"))
sys.path.insert(0, str(ROOT / "tests" / "bench"))
import bench_sitegen
from xss import BAD_SCHEMES, MARKDOWN_VECTORS, corpus_payloads

#: Pieces of Markdown that decide how text is parsed, with prose, German and
#: non-ASCII text, links of every kind, and line breaks of every kind.
PIECES = [
    *("*", "_", "**", "__", "***", "[", "]", "(", ")", "!", "`", "``", "\\", "#"),
    *("-", "+", "1.", "2)", "> ", "\n", "\n\n", " ", "  ", "    ", "a", "b", "Wort"),
    *("ä", "Ö", "ß", "🙂", "€", ":", ".", "?", "{", "}", "^", "$", ";", ",", "@"),
    *("http://x.org/", "https://ex.org/a?b=c&d=1", "mailto:a@b.de", "javascript:"),
    *("data:", "data:image/png,", '"', "'", "=", "~", "|", "---", "===", "```"),
    *("~~~", "%", "%41", "\r\n", "\r", "[a]", "(https://x.org/a_b*c)", "(foo)"),
    *("(<x>)", "(/rel)", "https://bücher.de/", "HTTP://EX.ORG", "\\*", "\\_"),
    *("\\[", "\\\n", "  \n", "+ ", "* ", "- ", "1. ", "<", ">", "&amp;", "&#42;"),
    *("\t", "[a]: /u", "Leser*innen", "**fett**", "*kursiv*", "[Link](https://x.org/)"),
]


def random_markdown(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test input
    return [
        "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 40)))
        for _ in range(count)
    ]


def generated_comments(count: int) -> list[str]:
    words = bench_sitegen._Words(random.Random(5))  # noqa: S311 - test input
    return [bench_sitegen._comment_body(words) for _ in range(count)]


def differences(texts: list[str]) -> list[tuple[str, str, str]]:
    return [
        (t, new, old)
        for t in texts
        if (new := render_markdown(t)) != (old := render_markdown_it(t))
    ]


def fast_share(texts: list[str]) -> float:
    fast = sum(markup._fast_html(strip_controls(t)) is not None for t in texts)
    return fast / len(texts)


def test_hostile_text_renders_as_markdown_it_does() -> None:
    texts = corpus_payloads() + MARKDOWN_VECTORS
    assert differences(texts) == []


def test_ordinary_comments_render_as_markdown_it_does_and_take_the_fast_path() -> None:
    texts = [
        *generated_comments(1500),
        "Danke für den *Beitrag*!\n\n> Zitat\n\nSiehe [hier](https://example.org/a?b=1).",
        "Drei Punkte:\n\n- eins\n- **zwei**\n- drei\n\n1. a\n2. b\n",
        "Code: `x = 1` und\n\n```\nprint(1)\n```\n",
        "Leser*innen und Autor*innen",
        "Ein Absatz  \nmit Zeilenumbruch\\\nund noch einer.",
    ]
    assert differences(texts) == []
    assert fast_share(texts) > 0.9  # the fast path is really taken


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_markdown_renders_as_markdown_it_does(seed: int) -> None:
    texts = random_markdown(6000, seed)
    found = differences(texts)
    assert found == [], found[:3]
    assert fast_share(texts) > 0.1  # both paths are exercised


def test_runs_of_emphasis_marks_are_found_as_the_pattern_finds_them() -> None:
    rng = random.Random(6)  # noqa: S311 - reproducible test input
    pieces = ["*", "_", "**", "a", " ", "ä", "!", "\n"]
    texts = ["".join(rng.choices(pieces, k=rng.randint(0, 12))) for _ in range(20000)]
    for text in texts + random_markdown(2000, 6):
        assert markup._runs(text) == [m.span() for m in markup._RUN.finditer(text)]


def test_the_slow_source_test_finds_exactly_the_slow_substrings() -> None:
    """``_slow_source`` tests a pair only where one of its characters is: the
    same answer as a substring test of each."""
    pieces = [*markup._SLOW_SOURCE, "!", "[", "]", ":", "\\", " ", "a", "ü", "\ufeff"]
    rng = random.Random(4)  # noqa: S311 - reproducible test input
    texts = ["".join(rng.choices(pieces, k=rng.randint(0, 6))) for _ in range(20000)]
    for text in texts + random_markdown(2000, 4):
        expected = any(s in text for s in markup._SLOW_SOURCE)
        assert markup._slow_source(text) is expected, text


#: Link targets with non-ASCII text, %-escapes, odd hosts and Unicode spaces
#: (cmark escapes what markdown-it-py trims or punycodes).
URL_PIECES = [
    *("ä", "ö", "ß", "é", "€", "🙂", "Ⅻ", "²", "ǅ", "\u0301", "\u200b", "\u00ad"),
    *("\u00a0", "\u2028", "\u3000", "%", "%4", "%41", "%C3", "%c3", "%C3%BC", "/"),
    *("?", "#", "[", "]", "|", "{", "^", "`", "\\", ";", "'", "@", ":", "x"),
    *(".", "org"),
    *("&", "=", "~", "*", "_", "(", ")", " ", ":8080"),
]


@pytest.mark.parametrize("seed", [1, 2])
def test_link_targets_with_non_ascii_text_render_as_markdown_it_does(seed: int) -> None:
    rng = random.Random(seed)  # noqa: S311 - reproducible test input
    starts = ("https://", "http://", "mailto:", "https://x.org/", "https://bücher.de/")
    forms = ("Vor [L](%s) nach", '[L](%s "t")', "[L]( %s )", "<%s>", "[L](%s)")
    texts = [
        rng.choice(forms)
        % (rng.choice(starts) + "".join(rng.choices(URL_PIECES, k=rng.randint(0, 10))))
        for _ in range(4000)
    ]
    found = differences(texts)
    assert found == [], found[:3]


def test_a_link_to_a_path_with_umlauts_takes_the_fast_path() -> None:
    for text in (
        "Siehe [hier](https://example.org/für/Bücher?q=Öl#Maß).",
        "[a](http://x.org:8080/ö) und [b](https://x.org/%C3%BC)",
    ):
        assert markup._fast_html(text) is not None
        assert render_markdown(text) == render_markdown_it(text)
    for text in (
        "[a](https://bücher.de/x)",  # a host markdown-it-py punycodes
        "[a](https://x.org/a\u00a0)",  # a space markdown-it-py trims
        "[a](https://x.org/a%zz)",  # a % markdown-it-py escapes
        "[a](https://x.org/€)",  # not a letter: left to markdown-it-py
        '[a](https://x.org/ä( "t")',  # a parenthesis left open
        "[a](https://@x.org/)",  # an empty user part
        "[a](mailto:@x.org)",
    ):
        assert markup._fast_html(text) is None
        assert render_markdown(text) == render_markdown_it(text)


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "[x](data:text/html,hi)",
        "[x](data:image/png,abc)",
        "[x](vbscript:msgbox(1))",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "<javascript:alert(1)>",
        "[x](JAVASCRIPT:alert(1))",
    ],
)
def test_unsafe_links_never_become_links(text: str) -> None:
    soup = BeautifulSoup(render_markdown(text), "html.parser")
    for a in soup.find_all("a"):
        href = str(a.get("href", "")).strip().lower()
        assert not href.startswith(BAD_SCHEMES)
    assert render_markdown(text) == render_markdown_it(text)


def test_no_raw_html_and_no_images() -> None:
    html = render_markdown("<b>fett</b> ![Bild](https://evil.example/x.png)")
    soup = BeautifulSoup(html, "html.parser")
    assert soup.find("b") is None and soup.find("img") is None
    assert "&lt;b&gt;fett&lt;/b&gt;" in html
    assert (
        '!<a href="https://evil.example/x.png"' in html
    )  # a link, as markdown-it-py did


def test_links_get_rel_and_deep_nesting_is_bounded() -> None:
    assert 'rel="nofollow ugc noopener"' in render_markdown("[a](https://x.org/)")
    for text in ("> " * 50 + "tief", "- " * 50 + "Liste", "1. " * 30 + "x"):
        assert render_markdown(text) == render_markdown_it(text)


def test_cmark_results_are_freed() -> None:
    body = "Ein *Kommentar* mit [Link](https://example.org/) und `Code`.\n\n" * 30
    markup._cmark_html(body)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(20_000):  # ~50 MB if each result leaked
        markup._cmark_html(body)
    grown_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    assert grown_kb < 10_000


def test_fast_path_is_fast() -> None:
    texts = generated_comments(300)
    start = time.perf_counter()
    for t in texts:
        markup._fast_html(t)
    fast = time.perf_counter() - start
    start = time.perf_counter()
    for t in texts:
        markup._renderer().render(t)
    slow = time.perf_counter() - start
    assert fast < slow / 2


# -- sanitize_html: XML-safe by construction ------------------------------------

#: Every code point XML 1.0 cannot carry but tab, newline and CR are allowed.
NOT_XML = [
    *(c for c in range(0x20) if chr(c) not in "\t\n\r"),
    *range(0x7F, 0xA0),
    *range(0xD800, 0xE000),
    *(0xFFFE, 0xFFFF),
]
#: A link target whose scheme a removed character would complete.
_SCHEME_HREF = re.compile(r'href="\s*(?:javascript|vbscript|data):', re.IGNORECASE)


def _spellings(c: int) -> list[str]:
    """The character raw (surrogates included) and as character references."""
    return [chr(c), f"&#{c};", f"&#x{c:x};", f"&#X{c:X};", f"&#{c}", f"&#x{c:x}"]


def test_the_characters_removed_are_those_xml_cannot_carry() -> None:
    """The same set as sitekit.feedwriter.xml_text, over every code point."""
    every = "".join(map(chr, range(0x110000)))
    assert markup.NOT_XML.sub("", every) == xml_text(every)
    assert {c for c in range(0x110000) if not is_xml_text(chr(c))} == {
        *NOT_XML,
    }


def test_printable_text_holds_nothing_to_remove() -> None:
    """``_printable_lines`` (the scan that spares the regular expressions) is
    False for text with any character ``NOT_XML`` or ``strip_controls`` removes."""
    every = "".join(map(chr, range(0x110000)))
    for c in range(0x110000):
        ch = chr(c)
        if markup.NOT_XML.match(ch) or markup._CONTROL.match(ch):
            assert not markup._printable_lines(f"a\n{ch}b"), hex(c)
    assert markup._printable_lines("Zeile 1\n\nZeile „2“ 🙂\n")
    assert strip_controls(every) == markup._CONTROL.sub("", every)


def test_sanitized_html_is_xml_text_for_the_corpus_and_every_such_character() -> None:
    payloads = corpus_payloads()
    inputs = [*payloads, *MARKDOWN_VECTORS]
    for c in NOT_XML:
        for ch in _spellings(c):
            inputs += [
                f"<p>a{ch}b</p>",
                f'<a href="x{ch}y" title="t{ch}">l{ch}</a>',
                f"<a href='{ch}'>q</a>{ch}",
            ]
    for raw in inputs:
        html = sanitize_html(raw)
        assert is_xml_text(html), (raw, html)
        # One payload keeps a relative href with a ":" ("[a]java[b]script[c]:"),
        # which is_sanitized does not take on trust (a consumer sanitizes it).
        assert is_sanitized(html) or "[a]java" in raw, (raw, html)
    for text in [*payloads[:200], *MARKDOWN_VECTORS]:
        assert is_xml_text(render_markdown(text)), text


def test_a_removed_character_never_completes_a_scheme() -> None:
    """``java<C1>script:`` is relative to nh3: the character goes before nh3
    judges it (raw), or nh3's output is judged again (decoded reference)."""
    for c in NOT_XML:
        for ch in _spellings(c):
            for tag in (
                f'<a href="java{ch}script:alert(1)">x</a>',
                f'<a href="{ch}javascript:alert(1)">x</a>',
                f'<a href="data{ch}:text/html,x">x</a>',
                f'<p><a href="vbscript{ch}:x">y</a></p>',
            ):
                html = sanitize_html(tag)
                assert not _SCHEME_HREF.search(html), (tag, html)


def test_is_sanitized_rejects_what_the_sanitizer_would_change() -> None:
    """Whatever it accepts has no tag, attribute, scheme or reference nh3 drops."""
    for raw in [
        "<script>alert(1)</script>",
        '<a href="javascript:alert(1)" rel="nofollow ugc noopener">x</a>',
        '<a href=" javascript:x" rel="nofollow ugc noopener">x</a>',
        '<a href="java&#x9;script:x" rel="nofollow ugc noopener">x</a>',
        '<a href="java\tscript:x" rel="nofollow ugc noopener">x</a>',
        '<a href="/x">no rel</a>',
        '<a href="/x" onclick="y" rel="nofollow ugc noopener">x</a>',
        '<p class="x">',
        "<img src=x>",
        "<P>",
        "&#1;",
        "&#x3a;",
        "a\x85b",
        "\ud800",
        '<a href="x" rel="nofollow ugc noopener"\n>',
    ]:
        assert not is_sanitized(raw), raw
    for payload in corpus_payloads():
        if is_sanitized(payload):  # text only: nothing to run, as nh3 keeps it
            soup = BeautifulSoup(payload, "html.parser")
            assert soup.find() is None or {t.name for t in soup.find_all()} <= set(
                markup.ALLOWED_TAGS
            ), payload
