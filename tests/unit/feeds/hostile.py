"""Hostile input for feed tests, and the check that nothing in a feed can run.

Shared by the unit tests of the comment feeds and the site build test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
from bs4 import BeautifulSoup
from sitekit.markup import ALLOWED_TAGS

ROOT = Path(__file__).resolve().parents[3]
CORPUS = ROOT.parent / "shared" / "corpora" / "xss"

#: Elements no feed entry may carry, whatever the source.
FORBIDDEN_TAGS = frozenset(
    {
        "script",
        "style",
        "iframe",
        "frame",
        "frameset",
        "object",
        "embed",
        "applet",
        "base",
        "form",
        "meta",
        "link",
        "svg",
        "math",
        "template",
        "noscript",
    }
)
#: What a sanitized comment may contain: the sanitizer's own allowlist, so the
#: check follows it; FORBIDDEN_TAGS above is the independent list of what must
#: never pass, whatever the allowlist says.
COMMENT_TAGS = ALLOWED_TAGS
URL_ATTRIBUTES = frozenset(
    {
        "href",
        "src",
        "action",
        "formaction",
        "xlink:href",
        "data",
        "poster",
        "background",
        "lowsrc",
        "dynsrc",
        "codebase",
        "cite",
        "srcset",
        "ping",
    }
)
_SPACE = re.compile(r"[\x00-\x20\x7f]+")
BAD_SCHEMES = ("javascript:", "data:", "vbscript:")


def payloads() -> list[str]:
    """Every non-empty line of every corpus file (the XSS corpus, ~900 payloads)."""
    lines: list[str] = []
    for path in sorted(CORPUS.glob("*.txt")):
        lines += [
            ln
            for ln in path.read_text(encoding="utf-8", errors="replace").splitlines()
            if ln.strip()
        ]
    return lines


def _elements(html: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Elements as two different HTML parsers see them."""
    for tag in BeautifulSoup(html, "html.parser").find_all(True):
        yield (
            tag.name.lower(),
            {
                k.lower(): " ".join(v) if isinstance(v, list) else str(v)
                for k, v in tag.attrs.items()
            },
        )
    if html.strip():
        root = lxml.html.fragment_fromstring(html, create_parent="div")
        for el in root.iter():
            if isinstance(el.tag, str) and el is not root:
                yield (
                    el.tag.lower(),
                    {str(k).lower(): str(v) for k, v in el.attrib.items()},
                )


def unsafe_markup(html: str, allowed_tags: frozenset[str] | None = None) -> list[str]:
    """What in ``html`` could run or load something: empty when it is harmless."""
    found = []
    for tag, attrs in _elements(html):
        if tag in FORBIDDEN_TAGS:
            found.append(f"<{tag}>")
        if allowed_tags is not None and tag not in allowed_tags:
            found.append(f"<{tag}> not allowed")
        for name, value in attrs.items():
            if name.startswith("on"):
                found.append(f"{tag}@{name}")
            if name == "style":
                found.append(f"{tag}@style")
            if name in URL_ATTRIBUTES:
                compact = _SPACE.sub("", value).lower()
                if any(scheme in compact for scheme in BAD_SCHEMES):
                    found.append(f"{tag}@{name}={value[:40]!r}")
    return found
