"""Every rule of the comment contract, fed a bad file: path, line and field reported."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from comments import build_thread, load_thread
from rules import cases, expected, ids

BERLIN = ZoneInfo("Europe/Berlin")


def check(case: Path) -> tuple[set[str], list]:  # type: ignore[type-arg]
    loaded = load_thread(case, BERLIN)
    thread, problems = build_thread(loaded.comments, loaded.broken)
    return {c.id for c in thread.comments}, [*loaded.problems, *problems]


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_rule_reports_file_line_and_field(case: Path) -> None:
    _, problems = check(case)
    reported = {(Path(p.path).name, p.line, p.field) for p in problems}
    assert reported == expected(case)
    assert len(problems) == len(reported), "one problem per broken rule, no repeats"
    for p in problems:
        assert Path(p.path).parent == case
        assert p.message and p.hint, p
        # One line each, so `path:line: field: message` stays greppable.
        assert "\n" not in p.format(), p


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_only_the_broken_comments_are_left_out(case: Path) -> None:
    shown, _ = check(case)
    written = ids(case)
    assert {i for i in written if i.startswith("ok")} <= shown
    assert not {i for i in shown if i.startswith("bad")}


def test_every_rule_has_a_case() -> None:
    names = {c.name for c in cases()}
    for rule in (
        "unknown-key",
        "missing-author",
        "missing-date",
        "missing-body",
        "author-too-long",
        "body-too-long",
        "bad-id",
        "list-id-missing",
        "duplicate-across-files",
        "duplicate-in-list",
        "missing-parent",
        "cycle",
        "bad-date",
        "website-not-http",
        "bad-role",
        "alias",
        "tag",
        "duplicate-key",
        "not-yaml",
        "empty",
        "binary",
        "list-of-non-mappings",
    ):
        assert rule in names
    for case in cases():
        assert expected(case), f"{case.name} announces no problem"


def test_duplicate_keeps_the_earlier_file() -> None:
    loaded = load_thread(Path(cases()[0]).parent / "duplicate-across-files", BERLIN)
    (dup,) = [c for c in loaded.comments if c.id == "ok-dup"]
    assert dup.body == "Das Original."
    (problem,) = loaded.problems
    assert "a-first.yaml" in problem.message


def test_duplicate_in_a_list_keeps_the_earlier_item() -> None:
    loaded = load_thread(Path(cases()[0]).parent / "duplicate-in-list", BERLIN)
    (kept,) = loaded.comments
    assert kept.body == "Das Original."


def test_replies_of_a_cycle_move_to_the_top_level() -> None:
    loaded = load_thread(Path(cases()[0]).parent / "cycle", BERLIN)
    thread, _ = build_thread(loaded.comments, loaded.broken)
    assert [n.comment.id for n in thread.roots] == ["ok-outside"]
