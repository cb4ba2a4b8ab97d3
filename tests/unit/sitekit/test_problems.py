"""sitekit.problems: formatting, de-duplication, order and the strict switch."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from sitekit.problems import (
    SETTINGS_KEY,
    ContentError,
    Problem,
    ProblemLog,
    problem_log,
    relative,
)


def test_format_is_path_line_field_message_hint(tmp_path: Path) -> None:
    path = tmp_path / "content" / "posts" / "x.md"
    problem = Problem(str(path), 3, "date", "'2024-13-45' is not a date", "write it like 2024-05-03")
    assert problem.format(tmp_path) == (
        "content/posts/x.md:3: date: '2024-13-45' is not a date (write it like 2024-05-03)"
    )
    assert problem.format() == f"{path}:3: date: '2024-13-45' is not a date (write it like 2024-05-03)"


def test_format_without_line_or_hint() -> None:
    assert Problem("a.yaml", None, "file", "the file is empty").format() == "a.yaml:0: file: the file is empty"


def test_problems_are_frozen_values() -> None:
    problem = Problem("a", 1, "f", "m")
    with pytest.raises(AttributeError):
        problem.line = 2  # type: ignore[misc]
    assert problem == Problem("a", 1, "f", "m")
    assert len({problem, Problem("a", 1, "f", "m")}) == 1


def test_log_keeps_each_problem_once_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    log = ProblemLog(root=None)
    problem = Problem("b.md", 2, "title", "the article has no title")
    with caplog.at_level(logging.WARNING, logger="sitekit.problems"):
        log.add(problem)
        log.add(problem)
        log.extend([problem, Problem("a.md", 1, "lang", "'xx' names no known language")])
    assert len(log) == 2
    assert [r.getMessage() for r in caplog.records] == [
        "b.md:2: title: the article has no title",
        "a.md:1: lang: 'xx' names no known language",
    ]


def test_report_is_sorted_by_path_then_line() -> None:
    log = ProblemLog()
    log.extend([
        Problem("b.md", 9, "date", "z"),
        Problem("a.md", 12, "lang", "y"),
        Problem("a.md", 3, "comments", "x"),
        Problem("a.md", None, "file", "w"),
    ])
    assert log.report() == [
        "a.md:0: file: w",
        "a.md:3: comments: x",
        "a.md:12: lang: y",
        "b.md:9: date: z",
    ]
    assert [p.line for p in log] == [None, 3, 12, 9]


def test_raise_if_strict_lists_every_problem() -> None:
    lenient = ProblemLog(strict=False)
    lenient.add(Problem("a.md", 1, "f", "m"))
    lenient.raise_if_strict()  # default mode: never raises

    strict = ProblemLog(strict=True)
    strict.raise_if_strict()  # nothing found: nothing raised
    strict.extend([Problem("b.md", 2, "g", "n"), Problem("a.md", 1, "f", "m")])
    with pytest.raises(ContentError) as info:
        strict.raise_if_strict()
    assert str(info.value) == "2 content problem(s):\na.md:1: f: m\nb.md:2: g: n"
    assert [p.path for p in info.value.problems] == ["a.md", "b.md"]


def test_problem_log_lives_in_the_settings(tmp_path: Path) -> None:
    settings: dict[str, object] = {"PATH": str(tmp_path / "content"), "CONTENT_STRICT": True}
    log = problem_log(settings)
    assert settings[SETTINGS_KEY] is log
    assert problem_log(settings) is log  # created once per build
    assert log.strict is True
    assert log.root == str(tmp_path)
    log.add(Problem(str(tmp_path / "content" / "posts" / "x.md"), 4, "comments", "unknown value 'maybe'"))
    assert log.report() == ["content/posts/x.md:4: comments: unknown value 'maybe'"]


def test_problem_log_defaults_to_lenient() -> None:
    settings: dict[str, object] = {}
    log = problem_log(settings)
    assert log.strict is False
    assert log.root is None


def test_relative_paths(tmp_path: Path) -> None:
    inside = tmp_path / "content" / "x.md"
    assert relative(inside, tmp_path) == "content/x.md"
    assert relative("/elsewhere/x.md", tmp_path) == "/elsewhere/x.md"
