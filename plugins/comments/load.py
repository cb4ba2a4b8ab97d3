"""Read one thread folder, ``content/comments/<post-slug>/``, into checked comments.

Each file is read in its own try: a broken file is a problem, never a crash,
and never hides the other files. Files are taken in path order, so that of two
comments with one id the later file is the one in error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path

from sitekit.problems import Problem
from sitekit.yamlfile import YamlError, YamlList, YamlMap, read_bytes, read_path

from .check import check_comment
from .model import Broken, Comment

SUFFIXES = (".yaml", ".yml")


@dataclass
class LoadedThread:
    """What a folder held: good comments, broken ones (by id) and the problems."""

    comments: list[Comment] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def thread_files(folder: Path) -> list[Path]:
    """The comment files of a thread folder in path order (hidden files skipped).

    ``os.scandir`` knows each entry's type from the directory listing, so a
    rebuild lists 12,000 comment files without a ``stat`` each.
    """
    with os.scandir(folder) as entries:
        names = sorted(
            e.name
            for e in entries
            if e.name.endswith(SUFFIXES) and not e.name.startswith(".") and e.is_file()
        )
    return [folder / name for name in names]


def _clamp(line: int | None, path: Path, data: bytes | None = None) -> int:
    """A line inside the file: 1 for file-wide problems (empty, binary), and the
    last line where the parser only noticed at the end (an unclosed bracket)."""
    if not line or line <= 1:
        return 1
    if data is None:
        try:
            data = path.read_bytes()
        except OSError:
            return line
    last = data.count(b"\n") + (not data.endswith(b"\n"))
    return min(line, max(last, 1))


def records_of(
    path: Path, data: bytes | None = None
) -> tuple[list[tuple[YamlMap, str | None]], list[Problem]]:
    """The comment mappings of one file, each with its default id, or its problem.

    ``data``: the file's bytes when the caller has read them already (the
    build reads each file once, for its digest and its comments).
    """
    where = str(path)
    try:
        root = read_path(path) if data is None else read_bytes(data)
    except YamlError as exc:
        return [], [
            Problem(where, _clamp(exc.line, path, data), "file", exc.message, exc.hint)
        ]
    if isinstance(root, YamlMap):
        return [(root, path.stem)], []
    if isinstance(root, YamlList):
        records: list[tuple[YamlMap, str | None]] = []
        problems: list[Problem] = []
        for item, line in zip(root, root.item_lines, strict=True):
            if isinstance(item, YamlMap):
                records.append((item, None))
            else:
                problems.append(
                    Problem(
                        where,
                        line,
                        "file",
                        "each list item must be a comment mapping",
                        "start each comment with '- id: ...'",
                    )
                )
        if not root:
            problems.append(
                Problem(
                    where,
                    root.line,
                    "file",
                    "the list holds no comments",
                    "add comments to it or delete the file",
                )
            )
        return records, problems
    return [], [
        Problem(
            where,
            1,
            "file",
            "the file must hold a comment mapping or a list of them",
            "see CONTENT-FORMATS.md, section Comments",
        )
    ]


def load_file(
    path: Path, timezone: tzinfo, *, allow_role: bool = True, data: bytes | None = None
) -> LoadedThread:
    """Check every comment of one file (no cross-file rules); ``data``: its bytes."""
    out = LoadedThread()
    records, out.problems = records_of(path, data)
    where = str(path)  # one string for every comment of a list file
    for record, default_id in records:
        item, problems = check_comment(
            record,
            path=where,
            timezone=timezone,
            default_id=default_id,
            allow_role=allow_role,
        )
        out.problems.extend(problems)
        if isinstance(item, Comment):
            out.comments.append(item)
        elif isinstance(item, Broken):
            out.broken.append(item)
    return out


def load_thread(
    folder: Path,
    timezone: tzinfo,
    files: list[Path] | None = None,
    load: Callable[[Path, tzinfo], LoadedThread] = load_file,
) -> LoadedThread:
    """Check every file of a thread folder and the rule that ids are unique.

    ``load`` checks one file; the build passes one that parses the bytes it
    read already for the folder's digest (``folder.compute``).
    """
    out = LoadedThread()
    first_seen: dict[str, Comment | Broken] = {}
    for path in files if files is not None else thread_files(folder):
        loaded = load(path, timezone)
        out.problems.extend(loaded.problems)
        # In file order, so that of two comments with one id the later is the error.
        items: list[Comment | Broken] = [*loaded.comments, *loaded.broken]
        items.sort(key=lambda i: i.line or 0)
        for item in items:
            first = first_seen.get(item.id)
            if first is not None:
                where = Path(first.path).name
                if first.line:
                    where = f"{where}:{first.line}"
                out.problems.append(
                    Problem(
                        str(path),
                        item.line,
                        "id",
                        f"duplicate id '{item.id}' (first in {where})",
                        "give this comment another id",
                    )
                )
                continue
            first_seen[item.id] = item
            if isinstance(item, Comment):
                out.comments.append(item)
            else:
                out.broken.append(item)
    return out
