"""Reading lists as values: a list of recommended items, each with a site-wide key.

Everything here is checked data (load.py does the checking); templates, JSON-LD
and feeds read only these types. No Pelican, no YAML.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

#: What an item may be (CONTENT-FORMATS.md, Reading lists).
KINDS = ("book", "article", "video", "podcast", "link")
#: Item keys: lowercase ASCII letters, digits and hyphens, as in a URL fragment.
KEY_RE = re.compile(r"[a-z0-9-]{1,100}")
KEY_MAX = 100

_ISBN_SEPARATORS = re.compile(r"[\s-]")


@dataclass(frozen=True, slots=True)
class Item:
    """One recommendation; ``note`` is the author's Markdown, rendered by the plugin."""

    key: str
    kind: str
    title: str
    list_slug: str
    path: str
    line: int
    authors: tuple[str, ...] = ()
    year: int | None = None
    isbn: str | None = None  # digits only (and a final X for ISBN-10)
    url: str | None = None
    note: str = ""
    added: date | None = None  # when it joined the list (for the feed)


@dataclass(frozen=True, slots=True)
class ReadingList:
    """One ``content/reading/<slug>.yaml`` file."""

    slug: str
    title: str
    path: str
    items: tuple[Item, ...] = ()
    description: str = ""  # Markdown
    lang: str | None = None  # None: the site's DEFAULT_LANG


def normalize_isbn(text: str) -> str:
    """The ISBN without spaces and hyphens, with an upper-case X."""
    return _ISBN_SEPARATORS.sub("", text).upper()


def isbn_valid(text: str) -> bool:
    """Whether text is an ISBN-10 or ISBN-13 with a correct check digit.

    ISBN-10: sum of digit x weight (10 down to 1) divisible by 11, X = 10 last.
    ISBN-13: weights 1,3,1,3,… and the sum divisible by 10 (EAN-13).
    """
    isbn = normalize_isbn(text)
    if re.fullmatch(r"\d{9}[\dX]", isbn):
        digits = [10 if c == "X" else int(c) for c in isbn]
        return (
            sum(d * w for d, w in zip(digits, range(10, 0, -1), strict=True)) % 11 == 0
        )
    if re.fullmatch(r"97[89]\d{10}", isbn):
        return sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(isbn)) % 10 == 0
    return False


def isbn13_check_digit(first12: str) -> str:
    """The check digit that completes twelve ISBN-13 digits (for tools and tests)."""
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return str((10 - total % 10) % 10)


def key_valid(key: str) -> bool:
    return KEY_RE.fullmatch(key) is not None
