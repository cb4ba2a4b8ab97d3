"""Hostile-safe YAML reading that keeps line numbers and the text as written.

Reader- and moderator-written YAML must never run code, explode in memory or
change meaning by YAML 1.1 magic (``NO`` as false, ``1:20`` as 80). So we do not
construct Python objects with PyYAML at all: we walk its parser *events* (the C
parser where available) and build plain ``str``/``list``/``dict`` values
ourselves, refusing tags, anchors, aliases, duplicate keys and several
documents. Every mapping remembers the line of each key for error messages.

Events rather than libyaml's composed node tree: a node does not tell whether it
carried an anchor, and with events each check stops at the first problem in
file order. PyYAML's own event objects are most of the remaining cost.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
)

try:  # libyaml is ten times faster; the pure parser gives the same events.
    from yaml._yaml import CParser as _Parser  # only the parser: no loader setup
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _Parser = yaml.SafeLoader  # type: ignore[assignment,misc]

#: Largest YAML file we read; a comment body is capped at 20,000 characters,
#: so this leaves room for list files with a few hundred comments.
MAX_BYTES = 5_000_000

#: Plain scalars that mean "no value" (an empty ``parent:`` for instance).
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})


class YamlMap(dict[str, "YamlValue"]):
    """A mapping that knows its own line and the line of every key."""

    line: int
    key_lines: dict[str, int]

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.key_lines = {}

    def line_of(self, key: str) -> int:
        """The line of ``key``, or of the mapping itself when the key is absent."""
        return self.key_lines.get(key, self.line)


class YamlList(list["YamlValue"]):
    """A sequence that knows its own line and the line of every item."""

    line: int
    item_lines: list[int]

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.item_lines = []


YamlValue = str | None | YamlMap | YamlList


class YamlError(Exception):
    """Why a file could not be read as our YAML, and where."""

    def __init__(self, line: int | None, message: str, hint: str = "") -> None:
        super().__init__(line, message, hint)
        self.line = line
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def read_path(path: str | Path, max_bytes: int = MAX_BYTES) -> YamlValue:
    """Read a YAML file from disk; ``YamlError`` for anything unsafe or broken."""
    return read_bytes(read_source(path, max_bytes), max_bytes)


def read_source(path: str | Path, max_bytes: int = MAX_BYTES) -> bytes:
    """The bytes of a file of at most ``max_bytes``; ``YamlError`` if it cannot be had.

    One ``open``, ``fstat`` and read on a raw file descriptor: a build reads
    thousands of small comment files, and ``Path.stat`` plus ``Path.read_bytes``
    cost two to three times as much (a second path lookup, a buffered file).
    Callers that digest a file parse the same bytes (``read_bytes``): one read.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError as exc:
        raise YamlError(None, f"cannot read the file: {exc.strerror}") from exc
    try:
        size = os.fstat(fd).st_size
        if size > max_bytes:
            raise YamlError(
                None,
                f"the file has {size} bytes, more than the limit of {max_bytes}",
                "split it into smaller files",
            )
        chunks: list[bytes] = []
        total = 0
        # Ask for one byte more than the size: a file that grew meanwhile is
        # read on (and refused by read_bytes if now too big); the empty read ends it.
        while total <= max_bytes:
            chunk = os.read(fd, max(size + 1 - total, 65536))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as exc:
        raise YamlError(None, f"cannot read the file: {exc.strerror}") from exc
    finally:
        os.close(fd)
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> YamlValue:
    """Decode UTF-8 text and parse it; binary and oversize input is refused."""
    if len(data) > max_bytes:
        raise YamlError(None, f"the file has {len(data)} bytes, more than {max_bytes}")
    if b"\x00" in data:
        raise YamlError(
            None, "this is a binary file, not YAML text", "save it as UTF-8 text"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(
            line, "the file is not valid UTF-8 text", "save it as UTF-8"
        ) from exc
    return read_text(text)


def read_text(text: str) -> YamlValue:
    """Parse one YAML document into str/None/YamlMap/YamlList, keeping lines."""
    first = text[:1]
    # Only a text that starts with a space, a line break or "#" can be empty;
    # the full test copies and splits the whole text, so most files skip it.
    if (not first or first == "#" or first.isspace()) and (
        not text.strip()
        or all(
            not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
        )
    ):
        raise YamlError(None, "the file is empty", "write at least one comment into it")
    simple = _read_simple(text)
    if simple is not None:
        return simple
    try:
        parser = _Parser(text)
        try:
            return _build(parser)
        finally:
            parser.dispose()
    except YamlError:
        raise
    except yaml.reader.ReaderError as exc:  # a control character: no mark
        # libyaml gives a byte offset, the pure parser a character offset; the
        # reader stops at the first such character, so find that one instead.
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        line = text[: max(text.find(chr(code)), 0)].count("\n") + 1
        raise YamlError(
            line,
            f"the file contains the control character #x{code:04x}",
            "remove it; write special characters in a quoted string with an escape",
        ) from exc
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "not valid YAML"
        raise YamlError(
            where, f"not valid YAML: {reason}", "check indentation and quoting"
        ) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise YamlError(None, f"not valid YAML: {exc}") from exc


#: A key line of the usual comment file (after its indentation): a plain key,
#: then nothing, a double-quoted text without escapes, ``|`` (a literal block
#: follows) or a plain text: a word character first, no ``#``, single spaces
#: between words, a ``:`` only before a character that is neither.
_SIMPLE_LINE = re.compile(
    r"([A-Za-z_][A-Za-z0-9_]{0,99}):"
    # (The plain text as runs between its ":" and " ": a run is one repeat of
    # a class, tested in one C loop, not a branch per character.)
    r'(?:( "[^"\\]*")|( \w[^\s:#]*(?:[: ](?=[^\s#])[^\s:#]*)*)|( \|))?'
)


def _read_simple(text: str) -> YamlMap | YamlList | None:
    """A file of the usual shape read without the parser; None for any other.

    Most comment files are one mapping of ``_SIMPLE_LINE`` lines with a
    literal ``body: |``, or a list of such mappings (``- id: ...``); their
    parser events cost three Python objects each. Only text whose meaning is
    plain is read here: printable characters (no tab, no line break but
    ``\n``, no control, no byte-order mark), the file ending in a line break,
    no comment, blank line (but in a block), document marker, deeper nesting
    or continued plain text, each block's first line indented and holding
    text, no duplicate key (the parser names it). Anything else the parser
    reads (and refuses) as before; the unit tests compare both on such files.
    """
    if not text.endswith("\n"):
        return None
    # Each line is tested printable where it is read (every line up to the
    # last with text is, or the text is refused): no copy of the whole text.
    lines = text.split("\n")
    end = len(lines)
    while end and not lines[end - 1]:
        end -= 1
    if not lines[0].startswith("- "):
        found, i = _simple_mapping(lines, 0, end, 0)
        return found
    top = YamlList(1)
    i = 0
    while i < end:
        if not lines[i].startswith("- "):
            return None
        item, i = _simple_mapping(lines, i, end, 2)
        if item is None:
            return None
        top.append(item)
        top.item_lines.append(item.line)
    return top


def _simple_mapping(
    lines: list[str], i: int, end: int, col: int
) -> tuple[YamlMap | None, int]:
    """The mapping whose keys stand at column ``col`` from line ``i`` (see above)."""
    found: YamlMap | None = None
    value: str | None
    match = _SIMPLE_LINE.fullmatch
    while i < end:
        line = lines[i]
        if found is not None and col:
            if line.startswith("- "):
                break  # the next list item
            if not line.startswith("  "):
                return None, i
        if not line.isprintable():
            return None, i
        m = match(line, col)  # from column col on, without a copy of the rest
        if m is None:
            return None, i
        key, quoted, plain, block = m.groups()
        if key in _NULLS:
            return None, i
        if found is None:
            found = YamlMap(i + 1)
        elif key in found:
            return None, i
        found.key_lines[key] = i + 1
        i += 1
        if quoted is not None:
            value = quoted[2:-1]
        elif plain is not None:
            value = plain[1:]
            if value in _NULLS:
                value = None
        elif block is None:
            value = None
        else:
            first = lines[i] if i < end else ""
            indent = len(first) - len(first.lstrip(" "))
            if indent <= col or indent == len(first):
                return None, i
            pad = " " * indent
            start = i
            while i < len(lines):
                line = lines[i]
                if line.startswith(pad):
                    if line[-1] == " " and not line.strip(" "):
                        return None, i  # spaces only: the parser decides
                    if not line.isprintable():
                        return None, i
                elif line:
                    break
                i += 1
            stop = i
            while stop > start and not lines[stop - 1]:
                stop -= 1  # trailing empty lines: one line break ends the text
            value = "\n".join([ln[indent:] for ln in lines[start:stop]]) + "\n"
        found[key] = value
    return found, i


def _line(event: yaml.Event) -> int:
    return int(event.start_mark.line) + 1


def _refuse_markup(event: yaml.Event) -> None:
    """Tags and anchors have no place in our files: they run code or build bombs."""
    if getattr(event, "anchor", None):
        raise YamlError(
            _line(event),
            f"YAML anchors and aliases are not allowed (&{event.anchor})",
            "write the value out in full",
        )
    tag = getattr(event, "tag", None)
    if tag is not None and tag != "!":
        raise YamlError(
            _line(event), f"YAML tags are not allowed ({tag})", "remove the tag"
        )


def _build(parser: Any) -> YamlValue:
    """Turn the event stream into values with an explicit stack (no recursion).

    One flat loop with the open collection and its pending key in locals: this
    runs for every event of every comment file, so it makes no call per event.
    A value is attached to its parent when it is complete (at its end event for
    a collection), and each check fails at the first event that breaks it, so
    an error always names the first problem in the file.
    """
    top = YamlList(0)  # holds the document's root value
    parent: YamlMap | YamlList = top  # the open collection
    key: str | None = None  # in a mapping: the key waiting for its value
    stack: list[tuple[YamlMap | YamlList, str | None]] = []
    documents = 0
    value: YamlValue
    for event in iter(parser.get_event, None):
        kind = event.__class__
        if kind is ScalarEvent:
            if event.anchor or (event.tag is not None and event.tag != "!"):
                _refuse_markup(event)
            value = event.value
            if event.implicit[0] and value in _NULLS:  # plain, unquoted
                value = None
            line = event.start_mark.line + 1
        elif kind is MappingEndEvent or kind is SequenceEndEvent:
            value = parent
            line = parent.line
            parent, key = stack.pop()
        elif kind is MappingStartEvent or kind is SequenceStartEvent:
            if event.anchor or (event.tag is not None and event.tag != "!"):
                _refuse_markup(event)
            stack.append((parent, key))
            line = event.start_mark.line + 1
            parent = YamlMap(line) if kind is MappingStartEvent else YamlList(line)
            key = None
            continue
        elif kind is AliasEvent:
            raise YamlError(
                _line(event),
                f"YAML anchors and aliases are not allowed (*{event.anchor})",
                "write the value out in full",
            )
        elif kind is DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlError(
                    _line(event),
                    "a file may hold only one YAML document",
                    "remove the '---' separator",
                )
            continue
        else:  # stream start and end, document end
            continue
        # A complete value: a list item (or the root), a mapping key or its value.
        if isinstance(parent, YamlList):
            parent.append(value)
            parent.item_lines.append(line)
        elif key is None:
            if not isinstance(value, str):
                raise YamlError(line, "a mapping key must be plain text")
            if value in parent:
                first = parent.key_lines[value]
                raise YamlError(
                    line,
                    f"duplicate key '{value}' (first on line {first})",
                    "keep only one",
                )
            key = value
            parent.key_lines[value] = line
        else:
            parent[key] = value
            key = None
    return top[0] if top else None
