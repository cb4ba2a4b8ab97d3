"""Read ``content/reading/*.yaml`` into checked reading lists and problems.

Every rule of CONTENT-FORMATS.md (Reading lists) is a ``Problem`` naming the
file, the line, the field and the item's key. An item with any problem is left
out; the rest of its list still loads. Two extensions, documented in README:
an item may carry ``added: YYYY-MM-DD`` (when it joined the list, for the feed;
default: the file's modification date) and a list may carry ``lang: en``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sitekit.markup import plain_text
from sitekit.problems import Problem
from sitekit.yamlfile import YamlError, YamlList, YamlMap, YamlValue, read_path

from .model import (
    KEY_MAX,
    KINDS,
    Item,
    ReadingList,
    isbn_valid,
    key_valid,
    normalize_isbn,
)

SUFFIXES = (".yaml", ".yml")
LIST_FIELDS = ("title", "description", "items", "lang")
ITEM_FIELDS = (
    "key",
    "kind",
    "title",
    "authors",
    "year",
    "isbn",
    "url",
    "note",
    "added",
)
_LANG_RE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")
_YEAR_RE = re.compile(r"-?\d{1,4}")
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_FORMAT_HINT = "see CONTENT-FORMATS.md, section Reading lists"


@dataclass
class LoadedLists:
    """Every list that could be read (broken items left out) and every problem."""

    lists: list[ReadingList] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    broken_keys: set[str] = field(
        default_factory=set
    )  # items left out for their errors

    def items(self) -> dict[str, Item]:
        """All items by key (keys are unique across lists once loaded)."""
        return {item.key: item for rlist in self.lists for item in rlist.items}


def list_files(folder: Path) -> list[Path]:
    """The reading-list files of a folder in path order (hidden files skipped)."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in SUFFIXES and not p.name.startswith(".") and p.is_file()
    )


def file_date(path: Path) -> date:
    """The file's modification date: when an item has no ``added`` date."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).date()


class _Checker:
    """Collects the problems of one file; each check returns the clean value or None."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.problems: list[Problem] = []
        self.broken_keys: set[str] = set()

    def add(self, line: int | None, name: str, message: str, hint: str = "") -> None:
        self.problems.append(Problem(self.path, line, name, message, hint))

    def text(
        self, record: YamlMap, name: str, who: str, *, required: bool
    ) -> str | None:
        value = record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(
                    record.line_of(name),
                    name,
                    f"{who}: '{name}' is missing",
                    _FORMAT_HINT,
                )
            return None
        if not isinstance(value, str):
            self.add(record.line_of(name), name, f"{who}: '{name}' must be text")
            return None
        return value

    def unknown(self, record: YamlMap, allowed: tuple[str, ...], who: str) -> None:
        for key in record:
            if key not in allowed:
                self.add(
                    record.line_of(key),
                    key,
                    f"{who}: unknown field '{key}'",
                    "allowed: " + ", ".join(allowed),
                )


def _item(
    check: _Checker, record: YamlMap, line: int, slug: str, default_added: date
) -> Item | None:
    """One item mapping → Item, or None (with problems) when anything is wrong."""
    before = len(check.problems)
    key = check.text(record, "key", f"item on line {line}", required=True)
    who = f"item '{key}'" if key else f"item on line {line}"
    if key is not None and (len(key) > KEY_MAX or not key_valid(key)):
        check.add(
            record.line_of("key"),
            "key",
            f"{who}: the key must be 1 to {KEY_MAX} of a-z, 0-9 and '-'",
            "write it in lowercase, with hyphens for spaces",
        )
    check.unknown(record, ITEM_FIELDS, who)

    kind = check.text(record, "kind", who, required=True)
    if kind is not None and kind not in KINDS:
        check.add(
            record.line_of("kind"),
            "kind",
            f"{who}: unknown kind '{kind}'",
            "use one of: " + ", ".join(KINDS),
        )
    title = check.text(record, "title", who, required=True)
    title = plain_text(title) if title else None
    if title == "":
        check.add(record.line_of("title"), "title", f"{who}: 'title' is missing")

    authors: list[str] = []
    raw_authors = record.get("authors")
    if raw_authors is not None:
        if not isinstance(raw_authors, YamlList):
            check.add(
                record.line_of("authors"),
                "authors",
                f"{who}: 'authors' must be a list of names",
                "write authors: [First Author, Second Author]",
            )
        else:
            for name, name_line in zip(
                raw_authors, raw_authors.item_lines, strict=True
            ):
                if not isinstance(name, str) or not plain_text(name):
                    check.add(
                        name_line, "authors", f"{who}: each author must be a name"
                    )
                else:
                    authors.append(plain_text(name))

    year: int | None = None
    raw_year = record.get("year")
    if raw_year is not None:
        if isinstance(raw_year, str) and _YEAR_RE.fullmatch(raw_year.strip()):
            year = int(raw_year)
        else:
            check.add(
                record.line_of("year"),
                "year",
                f"{who}: the year must be a whole number, not '{_shown(raw_year)}'",
            )

    isbn = check.text(record, "isbn", who, required=False)
    if isbn is not None:
        if isbn_valid(isbn):
            isbn = normalize_isbn(isbn)
        else:
            check.add(
                record.line_of("isbn"),
                "isbn",
                f"{who}: '{isbn}' is not a valid ISBN-10 or ISBN-13 (check digit)",
                "copy the ISBN from the book's imprint page",
            )

    url = check.text(record, "url", who, required=False)
    if url is not None:
        url = url.strip()
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            check.add(
                record.line_of("url"),
                "url",
                f"{who}: the URL '{_shown(url)}' must start with http:// or https://",
            )

    note = check.text(record, "note", who, required=False) or ""

    added = default_added
    raw_added = check.text(record, "added", who, required=False)
    if raw_added is not None:
        try:
            if not _DATE_RE.fullmatch(raw_added.strip()):
                raise ValueError(raw_added)
            added = date.fromisoformat(raw_added.strip())
        except ValueError:
            check.add(
                record.line_of("added"),
                "added",
                f"{who}: 'added' must be a date like 2017-05-03, "
                f"not '{_shown(raw_added)}'",
            )

    if len(check.problems) > before or key is None or kind is None or title is None:
        if key is not None:
            check.broken_keys.add(key)
        return None
    return Item(
        key=key,
        kind=kind,
        title=title,
        list_slug=slug,
        path=check.path,
        line=line,
        authors=tuple(authors),
        year=year,
        isbn=isbn,
        url=url,
        note=note,
        added=added,
    )


def _shown(value: YamlValue) -> str:
    text = value if isinstance(value, str) else type(value).__name__
    return text if len(text) <= 60 else text[:57] + "..."


def load_list(
    path: Path, default_added: Callable[[Path], date] = file_date
) -> tuple[ReadingList | None, list[Problem]]:
    """Check one list file; broken items are left out, a broken file gives None."""
    rlist, check = _load_list(path, default_added)
    return rlist, check.problems


def _load_list(
    path: Path, default_added: Callable[[Path], date]
) -> tuple[ReadingList | None, _Checker]:
    check = _Checker(path)
    slug = path.stem
    if not key_valid(slug):
        check.add(
            None,
            "file",
            f"the file name '{path.name}' cannot be a page address",
            "name it with a-z, 0-9 and '-' only, e.g. fuer-teams.yaml",
        )
        return None, check
    try:
        root = read_path(path)
    except YamlError as exc:
        check.add(exc.line, "file", exc.message, exc.hint)
        return None, check
    if not isinstance(root, YamlMap):
        check.add(
            1,
            "file",
            "a reading list must be a mapping with title and items",
            _FORMAT_HINT,
        )
        return None, check
    who = f"list '{slug}'"
    check.unknown(root, LIST_FIELDS, who)
    title = check.text(root, "title", who, required=True)
    description = check.text(root, "description", who, required=False) or ""
    lang = check.text(root, "lang", who, required=False)
    if lang is not None and not _LANG_RE.fullmatch(lang):
        check.add(
            root.line_of("lang"),
            "lang",
            f"{who}: '{lang}' is not a language code",
            "use e.g. de or en",
        )
        lang = None

    items: list[Item] = []
    raw_items = root.get("items")
    if raw_items is None:
        check.add(
            root.line_of("items"), "items", f"{who}: 'items' is missing", _FORMAT_HINT
        )
    elif not isinstance(raw_items, YamlList):
        check.add(
            root.line_of("items"),
            "items",
            f"{who}: 'items' must be a list of items",
            "start each item with '- key: ...'",
        )
    else:
        added = default_added(path)
        for record, line in zip(raw_items, raw_items.item_lines, strict=True):
            if not isinstance(record, YamlMap):
                check.add(
                    line,
                    "items",
                    f"{who}: each item must be a mapping",
                    "start each item with '- key: ...'",
                )
                continue
            item = _item(check, record, record.line, slug, added)
            if item is not None:
                items.append(item)
    rlist = ReadingList(
        slug=slug,
        title=plain_text(title) if title else slug,
        path=str(path),
        items=tuple(items),
        description=description,
        lang=lang,
    )
    return rlist, check


def load_lists(
    folder: Path,
    files: list[Path] | None = None,
    default_added: Callable[[Path], date] = file_date,
) -> LoadedLists:
    """Every list of a folder; a key used twice is an error in the later file."""
    out = LoadedLists()
    first: dict[str, Item] = {}
    for path in files if files is not None else list_files(folder):
        rlist, check = _load_list(path, default_added)
        out.problems.extend(check.problems)
        out.broken_keys |= check.broken_keys
        if rlist is None:
            continue
        kept = []
        for item in rlist.items:
            earlier = first.get(item.key)
            if earlier is not None:
                out.problems.append(
                    Problem(
                        str(path),
                        item.line,
                        "key",
                        f"item '{item.key}': the key is already used in "
                        f"{Path(earlier.path).name} (line {earlier.line})",
                        "keys are unique across all reading lists; "
                        "give this item another key",
                    )
                )
                continue
            first[item.key] = item
            kept.append(item)
        out.lists.append(
            ReadingList(
                slug=rlist.slug,
                title=rlist.title,
                path=rlist.path,
                items=tuple(kept),
                description=rlist.description,
                lang=rlist.lang,
            )
        )
    return out
