"""sitecheck.capture: Pelican's log lines about content files become problems."""

from __future__ import annotations

from collections.abc import Iterator
import logging
from pathlib import Path

import pytest

from sitecheck.capture import ProblemCapture
from sitekit.problems import Problem


@pytest.fixture
def content(tmp_path: Path) -> Path:
    (tmp_path / "posts").mkdir()
    for name in ("a.md", "b.md", "c.md"):
        (tmp_path / "posts" / name).write_text("Title: x\n", encoding="utf-8")
    return tmp_path


@pytest.fixture
def captured(content: Path) -> Iterator[tuple[ProblemCapture, list[Problem], logging.Logger]]:
    found: list[Problem] = []
    handler = ProblemCapture(str(content), found.append)
    logger = logging.getLogger("pelican.test_capture")
    logger.addHandler(handler)
    logger.propagate = False
    yield handler, found, logger
    logger.removeHandler(handler)


def test_could_not_process_keeps_the_reason_and_the_file(captured, content: Path) -> None:
    _, found, logger = captured
    try:
        raise ValueError("'2024-13-45' is not a valid date")
    except ValueError:
        logger.exception("Could not process %s", "posts/a.md", exc_info=False)
    assert found == [Problem(
        str(content / "posts" / "a.md"), None, "file",
        "Could not process posts/a.md: ValueError: '2024-13-45' is not a valid date",
    )]


def test_a_file_our_header_check_explained_is_not_reported_twice(captured, content: Path) -> None:
    handler, found, logger = captured
    handler.explain([Problem(str(content / "posts" / "b.md"), 3, "date", "not a date"),
                     Problem(str(content / "posts" / "c.md"), 2, "lang", "not a code")])
    logger.error("Could not process %s", "posts/b.md")
    logger.error("Could not process %s", "posts/c.md")  # a Lang problem does not explain this
    assert [p.path for p in found] == [str(content / "posts" / "c.md")]


class FakeContent:
    def __init__(self, source_path: str) -> None:
        self.source_path = source_path

    def replace_links(self, logger: logging.Logger) -> None:
        logger.warning("Unable to find '%s', skipping url replacement.", "nope.md")


def test_the_file_is_found_on_the_stack_when_the_record_does_not_name_it(captured, content: Path) -> None:
    _, found, logger = captured
    FakeContent(str(content / "posts" / "a.md")).replace_links(logger)
    assert [(p.path, p.field, p.message) for p in found] == [
        (str(content / "posts" / "a.md"), "link", "Unable to find 'nope.md', skipping url replacement.")
    ]


def test_missing_properties_name_the_field_and_info_is_ignored(captured, content: Path) -> None:
    _, found, logger = captured
    logger.info("Writing %s", "posts/a.md")
    logger.error("Skipping %s: could not find information about '%s'", str(content / "posts" / "a.md"), "title")
    assert [(p.field, p.path) for p in found] == [("title", str(content / "posts" / "a.md"))]


def test_a_record_about_no_content_file_names_the_content_folder(captured, content: Path) -> None:
    _, found, logger = captured
    logger.warning("Something about %s", "/etc/passwd")
    assert [p.path for p in found] == [str(content)]
