"""Hostile-safe YAML reading that keeps line numbers and the text as written.

Reader- and moderator-written YAML must never run code, explode in memory or
change meaning by YAML 1.1 magic (``NO`` as false, ``1:20`` as 80). So we do not
construct Python objects with PyYAML at all: we walk its parser *events* (the C
parser where available) and build plain ``str``/``list``/``dict`` values
ourselves, refusing tags, anchors, aliases, duplicate keys and several
documents. Every mapping remembers the line of each key for error messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

import yaml

try:  # libyaml is ten times faster; the pure parser gives the same events.
    _Loader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

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


YamlValue = Union[str, None, YamlMap, YamlList]


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
    """Read a YAML file from disk; raises ``YamlError`` for anything unsafe or broken."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise YamlError(None, f"cannot read the file: {exc.strerror}") from exc
    if size > max_bytes:
        raise YamlError(
            None,
            f"the file has {size} bytes, more than the limit of {max_bytes}",
            "split it into smaller files",
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise YamlError(None, f"cannot read the file: {exc.strerror}") from exc
    return read_bytes(data, max_bytes)


def read_bytes(data: bytes, max_bytes: int = MAX_BYTES) -> YamlValue:
    """Decode UTF-8 text and parse it; binary and oversize input is refused."""
    if len(data) > max_bytes:
        raise YamlError(None, f"the file has {len(data)} bytes, more than {max_bytes}")
    if b"\x00" in data:
        raise YamlError(None, "this is a binary file, not YAML text", "save it as UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(line, "the file is not valid UTF-8 text", "save it as UTF-8") from exc
    return read_text(text)


def read_text(text: str) -> YamlValue:
    """Parse one YAML document into str/None/YamlMap/YamlList, keeping lines."""
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise YamlError(None, "the file is empty", "write at least one comment into it")
    try:
        events = yaml.parse(text, Loader=_Loader)
        return _build(events)
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
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or exc.context or "not valid YAML"
        raise YamlError(line, f"not valid YAML: {reason}", "check indentation and quoting") from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise YamlError(None, f"not valid YAML: {exc}") from exc


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


def _build(events: object) -> YamlValue:
    """Turn the event stream into values with an explicit stack (no recursion)."""
    stack: list[YamlMap | YamlList] = []
    pending_key: list[str | None] = []  # per open mapping: key waiting for its value
    root: YamlValue = None
    documents = 0

    def attach(value: YamlValue, line: int) -> None:
        nonlocal root
        if not stack:
            root = value
            return
        parent = stack[-1]
        if isinstance(parent, YamlList):
            parent.append(value)
            parent.item_lines.append(line)
            return
        key = pending_key[-1]
        if key is None:
            if not isinstance(value, str):
                raise YamlError(line, "a mapping key must be plain text")
            if value in parent:
                raise YamlError(
                    line,
                    f"duplicate key '{value}' (first on line {parent.key_lines[value]})",
                    "keep only one",
                )
            pending_key[-1] = value
            parent.key_lines[value] = line
            return
        parent[key] = value
        pending_key[-1] = None

    for event in events:  # type: ignore[attr-defined]
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise YamlError(_line(event), "a file may hold only one YAML document",
                                "remove the '---' separator")
        elif isinstance(event, yaml.AliasEvent):
            raise YamlError(
                _line(event),
                f"YAML anchors and aliases are not allowed (*{event.anchor})",
                "write the value out in full",
            )
        elif isinstance(event, yaml.ScalarEvent):
            _refuse_markup(event)
            value: str | None = event.value
            if event.implicit[0] and value in _NULLS:  # plain, unquoted
                value = None
            attach(value, _line(event))
        elif isinstance(event, yaml.MappingStartEvent):
            _refuse_markup(event)
            stack.append(YamlMap(_line(event)))
            pending_key.append(None)
        elif isinstance(event, yaml.SequenceStartEvent):
            _refuse_markup(event)
            stack.append(YamlList(_line(event)))
            pending_key.append(None)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node = stack.pop()
            pending_key.pop()
            attach(node, node.line)
    if documents > 1:  # pragma: no cover - raised above
        raise YamlError(None, "a file may hold only one YAML document")
    return root
