"""The rules for a post's or page's metadata header, checked with line numbers.

Pelican reads a Markdown header with Python-Markdown's ``meta`` extension and
loses what the author meant without a word: a line without a colon silently
ends the header (the keys below it become body text), a date it cannot parse
only logs "Could not process", and an unknown ``Comments:`` value is taken as
is. This module reads the header the same way, but keeps every line number,
so that ``invoke check`` can say ``content/posts/x.md:3: date: ...``.

No Pelican import here: the date parser is passed in by the plugin (Pelican's
own ``get_date``), with a stand-in of the same semantics for tests and tools.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import datetime as dt
from functools import lru_cache
from pathlib import Path
import re

import dateutil.parser

from sitekit.problems import Problem

# The patterns of markdown.extensions.meta (Python-Markdown 3.x), which Pelican uses.
META_RE = re.compile(r"^[ ]{0,3}(?P<key>[A-Za-z0-9_-]+):\s*(?P<value>.*)")
META_MORE_RE = re.compile(r"^[ ]{4,}(?P<value>.*)")
BEGIN_RE = re.compile(r"^-{3}(\s.*)?")
END_RE = re.compile(r"^(-{3}|\.{3})(\s.*)?")

#: File endings Pelican's Markdown reader takes.
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mkd", ".mdown"})

COMMENT_MODES = ("open", "closed", "off")
#: Pelican's statuses; ``skip`` is its documented "do not process this file".
STATUSES = ("published", "draft", "hidden", "skip")
#: Keys that Pelican reads once: a second line is ignored with only a warning.
SINGLE_KEYS = frozenset(
    {"title", "date", "modified", "status", "category", "author", "slug", "lang",
     "save_as", "url", "comments", "summary"}
)
#: A BCP 47 language tag as Pelican's ``Lang:`` and HTML's ``lang`` need it.
LANG_RE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")

DateParser = Callable[[str], dt.datetime]


def parse_date(text: str) -> dt.datetime:
    """Read a date the way ``pelican.utils.get_date`` does (dateutil, today as default)."""
    text = re.sub(" +", " ", text)
    default = dt.datetime.now().replace(hour=0, minute=0, second=0, microsecond=0)  # noqa: DTZ005
    try:
        return dateutil.parser.parse(text, default=default)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{text!r} is not a valid date") from None


@dataclass(frozen=True, slots=True)
class Field:
    """One ``Key: value`` line of the header (continuation lines joined)."""

    key: str
    value: str
    line: int


@dataclass(frozen=True, slots=True)
class Header:
    """What the author wrote as header, and where Pelican stops reading it."""

    fields: tuple[Field, ...]
    #: Line of a line without a colon that ended the header before more keys.
    cut_line: int | None = None
    cut_text: str = ""
    #: Keys that Pelican never sees because they come after the cut.
    lost_keys: tuple[str, ...] = ()

    def first(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def read_header(text: str) -> Header:
    """Split the header off as the meta extension does, and look past a cut.

    The extension stops at the first line that is neither ``Key: value`` nor an
    indented continuation. If further ``Key: value`` lines follow before the
    first blank line, the author meant them as header: they are returned too,
    with the cut's line, so the check can name both.
    """
    lines = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    index = 1 if lines and BEGIN_RE.match(lines[0]) else 0
    fields: list[Field] = []
    key: str | None = None
    cut: int | None = None
    while index < len(lines):
        line = lines[index].expandtabs(4)
        if line.strip() == "" or END_RE.match(line):
            break
        match = META_RE.match(line)
        if match:
            key = match.group("key").lower().strip()
            fields.append(Field(key, match.group("value").strip(), index + 1))
        elif key and META_MORE_RE.match(line):
            last = fields[-1]
            joined = f"{last.value}\n{line.strip()}"
            fields[-1] = Field(last.key, joined, last.line)
        else:
            cut = index
            break
        index += 1
    if cut is None:
        return Header(tuple(fields))
    # Look on to the end of this block for keys the author still meant as header.
    later: list[Field] = []
    for offset, raw in enumerate(lines[cut + 1:], start=cut + 2):
        if raw.strip() == "" or END_RE.match(raw):
            break
        match = META_RE.match(raw.expandtabs(4))
        if match:
            later.append(Field(match.group("key").lower().strip(),
                               match.group("value").strip(), offset))
    if not later:  # the header simply ended and the text began: nothing is lost
        return Header(tuple(fields))
    return Header(
        tuple(fields + later),
        cut_line=cut + 1,
        cut_text=lines[cut].strip(),
        lost_keys=tuple(f.key for f in later),
    )


@lru_cache(maxsize=1)
def _known_languages() -> frozenset[str]:
    from babel.localedata import locale_identifiers

    return frozenset(ident.split("_")[0] for ident in locale_identifiers())


def check_lang(value: str) -> str | None:
    """Why ``value`` is not a language code, or None when it is one."""
    if not LANG_RE.fullmatch(value):
        return f"'{value[:40]}' is not a language code"
    if value.split("-")[0] not in _known_languages():
        return f"'{value[:40]}' names no known language"
    return None


def check_header(
    text: str,
    path: str,
    *,
    kind: str = "article",
    parse: DateParser = parse_date,
    title_from_path: bool = False,
) -> list[Problem]:
    """Every problem of one file's metadata header, in line order.

    ``kind`` is "article" or "page" (pages need no date); ``title_from_path``
    says the site's FILENAME_METADATA/PATH_METADATA supplies the title.
    """
    header = read_header(text)
    problems: list[Problem] = []

    def fail(line: int, field: str, message: str, hint: str = "") -> None:
        problems.append(Problem(path, line, field, message, hint))

    if header.cut_line is not None:
        lost = ", ".join(f"'{k.capitalize()}'" for k in header.lost_keys)
        fail(
            header.cut_line, "header",
            f"the line '{header.cut_text[:60]}' has no 'Key: value' form, so the "
            f"metadata header ends here and {lost} below it become body text",
            "write it as 'Key: value', indent it four spaces to continue the line "
            "above, or move it below the blank line that ends the header",
        )

    seen: dict[str, int] = {}
    for field in header.fields:
        if field.key in SINGLE_KEYS and field.key in seen:
            fail(field.line, field.key,
                 f"'{field.key.capitalize()}' is given twice (first on line "
                 f"{seen[field.key]}); Pelican uses the first",
                 "keep only one")
            continue
        seen.setdefault(field.key, field.line)
        value = field.value.strip()
        if field.key in ("date", "modified"):
            candidate = value.replace("_", " ") if field.key == "date" else value
            try:
                parse(candidate)
            except (TypeError, ValueError, OverflowError):
                fail(field.line, field.key, f"'{value[:60]}' is not a date",
                     "write it like 2024-05-03 09:12")
        elif field.key == "comments" and value not in COMMENT_MODES:
            fail(field.line, "comments", f"unknown value '{value[:40]}'",
                 "use open, closed or off")
        elif field.key == "status" and value not in STATUSES:
            fail(field.line, "status", f"unknown status '{value[:40]}'",
                 "use published, draft or hidden")
        elif field.key == "lang":
            reason = check_lang(value)
            if reason:
                fail(field.line, "lang", reason, "use a code like de or en")
        elif field.key == "title" and not value:
            fail(field.line, "title", "the title is empty", "write the title after 'Title:'")

    if not title_from_path and header.first("title") is None:
        fail(1, "title", f"the {kind} has no title", "add 'Title: ...' as the first line")
    return sorted(problems, key=Problem.sort_key)


def check_file(path: str | Path, **options: object) -> list[Problem]:
    """Check one Markdown file from disk; unreadable text is a problem too."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return [Problem(str(path), line, "file", "the file is not valid UTF-8 text",
                        "save it as UTF-8")]
    except OSError as exc:
        return [Problem(str(path), None, "file", f"cannot read the file: {exc.strerror}")]
    return check_header(text, str(path), **options)  # type: ignore[arg-type]
