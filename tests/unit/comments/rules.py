"""The broken-thread corpus in tests/data/comments/rules (for unit and site tests)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
RULES = ROOT / "tests" / "data" / "comments" / "rules"
_EXPECT = re.compile(rb"^# expect: (\d+) (\S+)\s*$", re.MULTILINE)
_ID = re.compile(rb"^-? *id: *(\S+)\s*$", re.MULTILINE)


def cases() -> list[Path]:
    """Every rule folder, in name order."""
    return sorted(p for p in RULES.iterdir() if p.is_dir())


def expected(case: Path) -> set[tuple[str, int, str]]:
    """``(file name, line, field)`` of every problem the folder's files announce."""
    found: set[tuple[str, int, str]] = set()
    for path in sorted(case.iterdir()):
        for line, field in _EXPECT.findall(path.read_bytes()):
            found.add((path.name, int(line), field.decode()))
    return found


def ids(case: Path) -> set[str]:
    """Every comment id written in the folder (explicit ids and file names)."""
    out: set[str] = set()
    for path in case.iterdir():
        data = path.read_bytes()
        written = {m.decode("utf-8", "replace") for m in _ID.findall(data)}
        out |= written or {path.stem}
    return out
