"""Hostile discussions for the XSS tests, and the checks every built page must pass.

The payloads are the 915 lines of ../shared/corpora/xss/*.txt (PayloadsAllTheThings,
MIT; see that folder's README) and Markdown vectors of our own. They are placed in
comment bodies, author names and websites of generated list files (one post per
field), so a single build carries all of them. Used by
tests/site/test_comments_xss.py (parsing) and tests/browser/test_comment_xss.py
(Chromium).
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from bs4 import BeautifulSoup, Tag

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpora" / "xss"
#: Payloads per list file: big enough to keep the build fast, small enough to read.
PER_FILE = 100

#: Our own Markdown vectors: what a Markdown renderer (no sanitizer) lets through.
MARKDOWN_VECTORS = [
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](javascript&#58;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;avascript&#x3A;alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](java\tscript:alert(1))",
    "[x](java\x00script:alert(1))",
    "[x](java\x0bscript:alert(1))",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:image/svg+xml,<svg onload=alert(1)>)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    "[x][ref]\n\n[ref]: data:text/html,<script>alert(1)</script>",
    '[x][]\n\n[x]: javascript:alert(1) "t"',
    "<javascript:alert(1)>",
    "<data:text/html,<script>alert(1)</script>>",
    '<https://example.org/"onmouseover="alert(1)>',
    "<mailto:a@example.org?body=<script>alert(1)</script>>",
    "https://example.org/?a=<script>alert(1)</script>",
    'Absatz\n{: onclick="alert(1)"}',
    'Absatz {: .x #y onmouseover="alert(1)" }',
    "# Titel {: onclick=alert(1) }",
    "![bild](javascript:alert(1))",
    "![bild](https://evil.example/x.png)",
    '![bild](x" onerror="alert(1))',
    '[x](https://example.org/ "t\\" onmouseover=\\"alert(1)")',
    "[x](https://example.org/ 'a' onclick='alert(1)')",
    "[[[[x](javascript:alert(1))]]]]",
    "[x]([y](javascript:alert(1)))",
    '[x](javascript:alert(1)"onclick="alert(2))',
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "&#x3C;img src=x onerror=alert(1)&#x3E;",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="javascript:alert(1)">',
    "<style>*{display:none}</style>",
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<!--<img src=x onerror=alert(1)>-->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- [x](javascript:alert(1))\n  - <img src=x onerror=alert(1)>",
    "\x01\x02\x03\x07\x08\x0b\x0c\x0e\x1f\x7f Steuerzeichen \x1b[31m",
    "\u202eevil\u202c \u2066isolate\u2069 \u200bzero\u200dwidth",
    "＜script＞alert(1)＜/script＞",  # noqa: RUF001 - fullwidth look-alikes on purpose
    "\ufeff\ufffe\uffff Sonderzeichen",
    "[" * 8000,
    "![" * 4000,
    "> " * 1000 + "tief",
    "- " * 500 + "Liste",
    "*" * 5000 + "x" + "*" * 5000,
    "</script><script>alert(1)</script>",
    '"]}</script><script>alert(1)</script>',
    "<!--</script><script>alert(1)</script>-->",
]

#: URL attributes that can run script or load content when they hold a bad scheme.
URL_ATTRIBUTES = (
    "href",
    "src",
    "action",
    "formaction",
    "xlink:href",
    "srcset",
    "poster",
    "data",
    "background",
    "cite",
    "lowsrc",
    "dynsrc",
    "ping",
    "longdesc",
)
BAD_SCHEMES = ("javascript:", "vbscript:", "data:", "livescript:", "mocha:")
FORBIDDEN_TAGS = (
    "iframe",
    "object",
    "embed",
    "frame",
    "frameset",
    "applet",
    "base",
    "style",
    "img",
    "math",
    "template",
    "noscript",
    "form",
    "input",
    "textarea",
    "button",
    "link",
    "meta",
    "audio",
    "video",
    "source",
    "portal",
)
_SPACE_OR_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]+")
#: Our own in-page links: permalinks, "in reply to" and the reply link.
_OWN_ANCHOR = re.compile(r"#comment-(?:form|[A-Za-z0-9._-]{1,100})")


def corpus_payloads() -> list[str]:
    """Every non-empty line of the corpus files (LICENSE left out), in file order."""
    out: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        for raw in path.read_bytes().split(b"\n"):
            line = raw.rstrip(b"\r").decode("utf-8", errors="replace")
            if line.strip():
                out.append(line)
    return out


def _write_list(folder: Path, name: str, items: list[dict[str, str]]) -> None:
    for start in range(0, len(items), PER_FILE):
        text = yaml.safe_dump(
            items[start : start + PER_FILE],
            allow_unicode=True,
            sort_keys=False,
            width=1_000_000,
        )
        (folder / f"{name}-{start // PER_FILE:02d}.yaml").write_text(
            text, encoding="utf-8"
        )


def _date(i: int) -> str:
    return f"2024-01-{1 + i // 1440:02d}T{i // 60 % 24:02d}:{i % 60:02d}:00+01:00"


def _post(content: Path, slug: str, title: str) -> None:
    (content / "posts" / f"{slug}.md").write_text(
        textwrap.dedent(f"""\
            Title: {title}
            Date: 2024-01-01 08:00
            Author: Katrin Albers
            Category: Tests
            Slug: {slug}
            Lang: de
            Summary: Feindliche Kommentare für den XSS-Test.

            Unter diesem Beitrag stehen Kommentare voller Angriffe. Keiner darf wirken.
            """),
        encoding="utf-8",
    )


#: slug → what is hostile in its comments.
POSTS = {
    "xss-bodies": "Texte",
    "xss-authors": "Namen",
    "xss-websites": "Websites",
}


def write_xss_threads(content: Path) -> dict[str, str]:
    """Add one post per field with every payload in it; returns slug → page path."""
    payloads = corpus_payloads() + MARKDOWN_VECTORS
    for slug, title in POSTS.items():
        _post(content, slug, f"XSS: {title}")
        (content / "comments" / slug).mkdir()
    bodies, authors, websites = [], [], []
    for i, payload in enumerate(payloads):
        item = {
            "id": f"b{i}",
            "author": f"Leserin {i}",
            "date": _date(i),
            "body": payload,
        }
        if (
            i % 3
        ):  # two of three answer the one before: nesting and in-reply-to links too
            item["parent"] = f"b{i - 1}"
        bodies.append(item)
        authors.append(
            {
                "id": f"a{i}",
                "author": payload[:100],
                "date": _date(i),
                "body": f"Kommentar {i}",
                "website": "https://example.org/",
            }
        )
        squeezed = _SPACE_OR_CONTROL.sub("", payload)
        websites.append(
            {
                "id": f"w{i}",
                "author": f"Leser {i}",
                "date": _date(i),
                "body": payload[:200] or "x",
                "website": f"https://example.org/{squeezed}"[:2000],
            }
        )
        websites.append(
            {
                "id": f"r{i}",
                "author": f"Leser {i}",
                "date": _date(i),
                "body": "x",
                "website": payload.strip()[:2000] or "x",
            }
        )
    _write_list(content / "comments" / "xss-bodies", "bodies", bodies)
    _write_list(content / "comments" / "xss-authors", "authors", authors)
    _write_list(content / "comments" / "xss-websites", "websites", websites)
    return {slug: f"2024/{slug}/" for slug in POSTS}


def _clean_url(value: str) -> str:
    return _SPACE_OR_CONTROL.sub("", value).lower()


def problems_in(
    html: str, *, own_scripts: tuple[str, ...] = ("theme/",)
) -> Iterator[str]:
    """Everything on a page that a comment could have turned into running code.

    ``own_scripts``: path fragments of the site's own script files.
    """
    soup = BeautifulSoup(html, "html.parser")
    scripts = soup.find_all("script")
    raw_count = len(re.findall(r"<script\b", html, flags=re.IGNORECASE))
    if raw_count != len(scripts):
        yield f"{raw_count} '<script' in the text, {len(scripts)} script elements"
    for script in scripts:
        kind = (script.get("type") or "").strip().lower()
        src = script.get("src")
        if kind == "application/ld+json":
            try:
                json.loads(script.string or "")
            except ValueError as exc:
                yield f"JSON-LD does not parse: {exc}"
        elif (
            src
            and not _clean_url(src).startswith(("http:", "https:", "//"))
            and any(part in src for part in own_scripts)
        ):
            continue
        else:
            yield f"foreign script: {str(script)[:200]}"
    for tag in soup.find_all(True):
        for name, value in tag.attrs.items():
            lower = name.lower()
            if lower.startswith("on"):
                yield f"event handler {name} on <{tag.name}>"
            if lower in URL_ATTRIBUTES:
                text = " ".join(value) if isinstance(value, list) else str(value)
                if _clean_url(text).startswith(BAD_SCHEMES):
                    yield f"{name}={text[:80]!r} on <{tag.name}>"
    section = soup.find(id="comments")
    if section is not None:
        yield from _comment_problems(section)


def _comment_problems(section: Tag) -> Iterator[str]:
    """Inside the discussion: only our markup; links safe and marked as reader links."""
    for tag in section.find_all(True):
        if (
            tag.name in FORBIDDEN_TAGS
            and tag.find_parent(class_="comment-respond") is None
        ):
            yield f"<{tag.name}> in a comment: {str(tag)[:120]}"
        if tag.has_attr("style"):
            yield f"style attribute on <{tag.name}> in a comment"
        if tag.name == "svg" and "comment-avatar" not in (tag.get("class") or []):
            yield f"foreign <svg> in a comment: {str(tag)[:120]}"
    for link in section.select(".comment-list a"):
        href = str(link.get("href", ""))
        if href.startswith("#"):
            if not _OWN_ANCHOR.fullmatch(href):
                yield f"in-page link {href[:80]!r} in a comment"
            continue
        scheme = urlsplit(_SPACE_OR_CONTROL.sub("", href)).scheme.lower()
        if scheme not in ("", "http", "https", "mailto"):
            yield f"link to {href[:80]!r} in a comment"
        elif not {"nofollow", "ugc", "noopener"} <= set(link.get("rel") or []):
            yield f"reader link without rel=nofollow ugc noopener: {href[:80]!r}"
