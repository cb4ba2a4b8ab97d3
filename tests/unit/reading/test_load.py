"""Every rule of a reading-list file: a problem naming file, line, field and key."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from textwrap import dedent

import pytest
from reading.load import load_list, load_lists
from sitekit.problems import Problem

GOOD_ITEM = """\
  - key: silo-und-schwarm
    kind: book
    title: Silo und Schwarm
    authors: [Marlene Kuhnt]
    year: 2016
    isbn: 978-3-948075-12-5
    url: https://example.org/silo
    note: Ein *gutes* Buch.
    added: 2017-05-03
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(dedent(text), encoding="utf-8")
    return path


def one_problem(path: Path) -> Problem:
    _, problems = load_list(path)
    assert len(problems) == 1, problems
    return problems[0]


def test_good_list(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "teams.yaml",
        "title: Für Teams\ndescription: Hallo\nitems:\n" + GOOD_ITEM,
    )
    rlist, problems = load_list(path)
    assert problems == []
    assert rlist is not None
    assert (rlist.slug, rlist.title, rlist.description, rlist.lang) == (
        "teams",
        "Für Teams",
        "Hallo",
        None,
    )
    (item,) = rlist.items
    assert item.key == "silo-und-schwarm"
    assert item.kind == "book"
    assert item.authors == ("Marlene Kuhnt",)
    assert item.year == 2016
    assert item.isbn == "9783948075125"
    assert item.url == "https://example.org/silo"
    assert item.note == "Ein *gutes* Buch."
    assert item.added == date(2017, 5, 3)
    assert (item.list_slug, item.path, item.line) == ("teams", str(path), 4)


def test_added_defaults_to_the_files_date(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "l.yaml",
        "title: L\nitems:\n  - key: a\n    kind: link\n    title: A\n",
    )
    rlist, _ = load_list(path, default_added=lambda p: date(2020, 1, 2))
    assert rlist is not None and rlist.items[0].added == date(2020, 1, 2)


ITEM_CASES = [
    # (lines after "- key: k" on line 6, field, line, message part)
    (
        "    kind: book\n    title: T\n    colour: red\n",
        "colour",
        9,
        "item 'k': unknown field 'colour'",
    ),
    ("    title: T\n", "kind", 6, "item 'k': 'kind' is missing"),
    ("    kind: novel\n    title: T\n", "kind", 7, "item 'k': unknown kind 'novel'"),
    ("    kind: book\n", "title", 6, "item 'k': 'title' is missing"),
    ("    kind: book\n    title: ''\n", "title", 8, "item 'k': 'title' is missing"),
    (
        "    kind: book\n    title: T\n    authors: Marlene Kuhnt\n",
        "authors",
        9,
        "item 'k': 'authors' must be a list of names",
    ),
    (
        "    kind: book\n    title: T\n    authors: [A, [B]]\n",
        "authors",
        9,
        "item 'k': each author must be a name",
    ),
    (
        "    kind: book\n    title: T\n    year: 2016.5\n",
        "year",
        9,
        "item 'k': the year must be a whole number, not '2016.5'",
    ),
    (
        "    kind: book\n    title: T\n    year: [2016]\n",
        "year",
        9,
        "item 'k': the year must be a whole number",
    ),
    (
        "    kind: book\n    title: T\n    isbn: 978-3-948075-12-4\n",
        "isbn",
        9,
        "item 'k': '978-3-948075-12-4' is not a valid ISBN-10 or ISBN-13 (check digit)",
    ),
    (
        "    kind: book\n    title: T\n    url: javascript:alert(1)\n",
        "url",
        9,
        "item 'k': the URL 'javascript:alert(1)' must start with http:// or https://",
    ),
    (
        "    kind: book\n    title: T\n    url: ftp://example.org/x\n",
        "url",
        9,
        "must start with http:// or https://",
    ),
    (
        "    kind: book\n    title: T\n    url: https://\n",
        "url",
        9,
        "must start with http:// or https://",
    ),
    (
        "    kind: book\n    title: T\n    note: [a]\n",
        "note",
        9,
        "item 'k': 'note' must be text",
    ),
    (
        "    kind: book\n    title: T\n    added: 3.5.2017\n",
        "added",
        9,
        "item 'k': 'added' must be a date like 2017-05-03, not '3.5.2017'",
    ),
    (
        "    kind: book\n    title: T\n    added: 2017-02-30\n",
        "added",
        9,
        "'added' must be a date",
    ),
]


@pytest.mark.parametrize(("rest", "field", "line", "message"), ITEM_CASES)
def test_item_rules(
    tmp_path: Path, rest: str, field: str, line: int, message: str
) -> None:
    path = write(
        tmp_path,
        "liste.yaml",
        "title: L\nitems:\n  - key: ok\n    kind: link\n    title: OK\n"
        "  - key: k\n" + rest,
    )
    rlist, problems = load_list(path)
    assert len(problems) == 1, problems
    (problem,) = problems
    assert (problem.path, problem.line, problem.field) == (str(path), line, field)
    assert message in problem.message
    # The broken item is left out, the good one stays.
    assert rlist is not None and [i.key for i in rlist.items] == ["ok"]


def test_formatted_problem_names_file_line_and_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "liste.yaml",
        "title: L\nitems:\n  - key: k\n    kind: book\n    title: T\n    isbn: 123\n",
    )
    text = one_problem(path).format(tmp_path)
    assert text.startswith("liste.yaml:6: isbn: item 'k': '123' is not a valid ISBN")


@pytest.mark.parametrize(
    ("key_line", "message"),
    [
        (
            "  - key: Silo_Und\n",
            "item 'Silo_Und': the key must be 1 to 100 of a-z, 0-9 and '-'",
        ),
        ("  - key: " + "a" * 101 + "\n", "the key must be 1 to 100"),
        ("  - kind: book\n", "item on line 3: 'key' is missing"),
    ],
)
def test_key_rules(tmp_path: Path, key_line: str, message: str) -> None:
    body = (
        key_line
        + ("    kind: book\n" if "kind" not in key_line else "")
        + "    title: T\n"
    )
    path = write(tmp_path, "liste.yaml", "title: L\nitems:\n" + body)
    problem = one_problem(path)
    assert problem.field == "key"
    assert problem.line == 3
    assert message in problem.message


def test_list_level_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path, "liste.yaml", "beschreibung: x\nitems: nope\nlang: Deutsch\n"
    )
    rlist, problems = load_list(path)
    found = {(p.field, p.line, p.message) for p in problems}
    assert ("beschreibung", 1, "list 'liste': unknown field 'beschreibung'") in found
    assert ("title", 1, "list 'liste': 'title' is missing") in found
    assert ("items", 2, "list 'liste': 'items' must be a list of items") in found
    assert ("lang", 3, "list 'liste': 'Deutsch' is not a language code") in found
    assert rlist is not None and rlist.items == ()


def test_missing_items_and_non_mapping_item(tmp_path: Path) -> None:
    assert (
        one_problem(write(tmp_path, "a.yaml", "title: A\n")).message
        == "list 'a': 'items' is missing"
    )
    problem = one_problem(
        write(tmp_path, "b.yaml", "title: B\nitems:\n  - just text\n")
    )
    assert (problem.field, problem.line) == ("items", 3)
    assert "each item must be a mapping" in problem.message


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("- a\n- b\n", 1, "a reading list must be a mapping"),
        ("title: A\ntitle: B\nitems: []\n", 2, "duplicate key 'title'"),
        (
            "title: !!python/object:os.system x\nitems: []\n",
            1,
            "YAML tags are not allowed",
        ),
        ("title: &a A\nitems: []\n", 1, "YAML anchors and aliases are not allowed"),
        ("title: [\n", 2, "not valid YAML"),
        ("# nothing\n", None, "the file is empty"),
    ],
)
def test_broken_files(
    tmp_path: Path, text: str, line: int | None, message: str
) -> None:
    path = write(tmp_path, "kaputt.yaml", text)
    rlist, problems = load_list(path)
    assert rlist is None
    (problem,) = problems
    assert (problem.path, problem.field, problem.line) == (str(path), "file", line)
    assert message in problem.message


def test_file_name_must_be_a_slug(tmp_path: Path) -> None:
    path = write(tmp_path, "Für Teams.yaml", "title: A\nitems: []\n")
    rlist, problems = load_list(path)
    assert rlist is None
    assert problems[0].field == "file"
    assert "cannot be a page address" in problems[0].message


def test_duplicate_keys_across_lists_later_file_is_the_error(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "title: A\nitems:\n" + GOOD_ITEM)
    second = write(
        tmp_path,
        "b.yaml",
        "title: B\nitems:\n  - key: other\n    kind: link\n    title: O\n" + GOOD_ITEM,
    )
    loaded = load_lists(tmp_path)
    (problem,) = loaded.problems
    assert (problem.path, problem.line, problem.field) == (str(second), 6, "key")
    assert (
        problem.message
        == "item 'silo-und-schwarm': the key is already used in a.yaml (line 3)"
    )
    assert [i.key for i in loaded.lists[1].items] == ["other"]
    assert loaded.items()["silo-und-schwarm"].list_slug == "a"


def test_duplicate_key_within_one_list(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "title: A\nitems:\n" + GOOD_ITEM + GOOD_ITEM)
    loaded = load_lists(tmp_path)
    (problem,) = loaded.problems
    assert problem.line == 12
    assert "already used in a.yaml (line 3)" in problem.message


def test_broken_keys_are_remembered(tmp_path: Path) -> None:
    write(
        tmp_path,
        "a.yaml",
        "title: A\nitems:\n  - key: kaputt\n    kind: book\n    title: T\n"
        "    isbn: 1\n",
    )
    loaded = load_lists(tmp_path)
    assert loaded.broken_keys == {"kaputt"}
    assert loaded.items() == {}


def test_hidden_and_other_files_are_ignored(tmp_path: Path) -> None:
    write(tmp_path, ".entwurf.yaml", "kaputt: [")
    write(tmp_path, "notiz.txt", "kaputt: [")
    write(tmp_path, "a.yml", "title: A\nitems: []\n")
    loaded = load_lists(tmp_path)
    assert [r.slug for r in loaded.lists] == ["a"]
    assert loaded.problems == []
    assert load_lists(tmp_path / "missing").lists == []


def test_sample_lists_load_cleanly() -> None:
    folder = Path(__file__).resolve().parents[3] / "content" / "reading"
    loaded = load_lists(folder)
    assert loaded.problems == []
    keys = loaded.items()
    for key, kind in [
        ("silo-und-schwarm", "book"),
        ("zuhoeren-lernen", "article"),
        ("moderation-als-handwerk", "podcast"),
        ("plain-text-forever", "video"),
    ]:
        assert keys[key].kind == kind
    assert {r.slug for r in loaded.lists} >= {"fuer-social-media-teams", "moderation"}
