"""The text of the files an import writes, and writing them without churn.

Posts and pages become Pelican sources (Markdown with a metadata header, or
HTML with ``<meta>`` tags when Markdown would lose something); comments become
one YAML file each in the format of CONTENT-FORMATS.md. Every string in the
YAML is quoted (or a literal block), so ``NO``, ``007`` and dates stay text for
any YAML reader, not only ours. A file is written only when its text changed,
and a file someone edited after the import is kept unless asked otherwise.
"""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import yaml

#: Order of the keys in a comment file: identity, then who, when, what.
COMMENT_KEYS = ("id", "parent", "author", "role", "date", "website", "body")


@dataclass(frozen=True, slots=True)
class Source:
    """What Pelican needs to read one post or page."""

    title: str
    date: datetime
    author: str
    slug: str
    body: str
    markup: str  # "markdown" or "html"
    category: str = ""
    tags: tuple[str, ...] = ()
    lang: str = ""
    status: str = ""  # "" (published) or "draft"
    comments: str = ""  # "", "open", "closed" or "off"
    summary: str = ""

    def metadata(self) -> list[tuple[str, str]]:
        """Header fields in the order an author writes them; empty ones left out."""
        fields = [
            ("Title", self.title),
            ("Date", self.date.isoformat()),
            ("Author", self.author),
            ("Category", self.category),
            ("Tags", ", ".join(self.tags)),
            ("Slug", self.slug),
            ("Lang", self.lang),
            ("Status", self.status),
            ("Comments", self.comments),
            ("Summary", self.summary),
        ]
        return [(k, _one_line(v)) for k, v in fields if v]


def _one_line(value: str) -> str:
    """A header value on one line: a newline would end Pelican's header early."""
    return " ".join(value.split())


def source_text(source: Source) -> str:
    """The file text for a post or page, in its markup."""
    if source.markup == "html":
        return _html_text(source)
    header = "".join(f"{key}: {value}\n" for key, value in source.metadata())
    body = source.body.strip("\n")
    return header + "\n" + (body + "\n" if body else "")


def _html_text(source: Source) -> str:
    # The title goes into a <meta> too: Pelican keeps entities of a <title>
    # element as written ("A &amp; B"), but unescapes attribute values, so a
    # meta title reads back exactly like a Markdown "Title:" header.
    metas = "".join(
        f'    <meta name="{key.lower()}" content="{html.escape(value)}">\n'
        for key, value in source.metadata()
    )
    return (
        "<html>\n  <head>\n"
        f"{metas}"
        "  </head>\n  <body>\n"
        f"{source.body.strip(chr(10))}\n"
        "  </body>\n</html>\n"
    )


def source_suffix(markup: str) -> str:
    return ".html" if markup == "html" else ".md"


#: libyaml's emitter where PyYAML has it (the same text, several times faster).
_SafeDumper: type = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


class _QuotingDumper(_SafeDumper):
    """Every string double-quoted, or a literal block when it spans lines."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # PyYAML falls back to double quotes where a literal block cannot hold the
    # text exactly (trailing spaces, control characters), so this never lies.
    style = "|" if "\n" in value.rstrip("\n") else '"'
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class _Key(str):
    """A mapping key: always one of COMMENT_KEYS, so it is written plain."""


def _represent_key(dumper: yaml.SafeDumper, value: _Key) -> yaml.ScalarNode:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="")


_QuotingDumper.add_representer(str, _represent_str)
_QuotingDumper.add_representer(_Key, _represent_key)


def comment_yaml(fields: Mapping[str, str]) -> str:
    """One comment as YAML, keys in ``COMMENT_KEYS`` order, every value quoted."""
    unknown = set(fields) - set(COMMENT_KEYS)
    if unknown:
        raise KeyError(f"not comment fields: {', '.join(sorted(unknown))}")
    ordered = {_Key(k): fields[k] for k in COMMENT_KEYS if fields.get(k)}
    text: str = yaml.dump(
        ordered,
        Dumper=_QuotingDumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1_000_000,  # no folding: a moderator reads and diffs these by line
    )
    return text


@dataclass(frozen=True, slots=True)
class Planned:
    """A file the import wants to exist, relative to the output folder."""

    path: str
    text: str
    kind: str  # "post", "page" or "comment"


#: Outcomes of writing one planned file.
CREATED, UNCHANGED, KEPT, OVERWRITTEN = "created", "unchanged", "kept", "overwritten"


def outcome(root: Path, planned: Planned, *, overwrite: bool) -> str:
    """What writing ``planned`` would do, without doing it."""
    target = root / planned.path
    try:
        current = target.read_text(encoding="utf-8")
    except FileNotFoundError:
        return CREATED
    except (OSError, UnicodeDecodeError):
        return OVERWRITTEN if overwrite else KEPT
    if current == planned.text:
        return UNCHANGED
    return OVERWRITTEN if overwrite else KEPT


def write(root: Path, planned: Planned, *, overwrite: bool) -> str:
    """Write one file if new (or changed, with ``overwrite``); returns the outcome."""
    result = outcome(root, planned, overwrite=overwrite)
    if result in (CREATED, OVERWRITTEN):
        write_atomic(root / planned.path, planned.text)
    return result


def write_atomic(target: Path, text: str) -> None:
    """Write UTF-8 text via a temporary file: a crash never leaves half a file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".import-", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
