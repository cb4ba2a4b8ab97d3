"""sitekit.yamlfile against hostile input: every refusal names its line and reason."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sitekit.yamlfile import (
    MAX_BYTES,
    YamlError,
    YamlList,
    YamlMap,
    read_bytes,
    read_path,
    read_text,
)


def refused(text: str) -> YamlError:
    with pytest.raises(YamlError) as info:
        read_text(text)
    return info.value


def test_a_comment_keeps_text_and_key_lines() -> None:
    data = read_text(
        "author: Ada Nowak\ndate: 2017-05-03T09:12:00+02:00\nbody: |\n  Hallo\n  Welt\n"
    )
    assert isinstance(data, YamlMap)
    assert data == {
        "author": "Ada Nowak",
        "date": "2017-05-03T09:12:00+02:00",
        "body": "Hallo\nWelt\n",
    }
    assert data.line == 1
    assert (data.line_of("author"), data.line_of("date"), data.line_of("body")) == (
        1,
        2,
        3,
    )
    assert data.line_of("parent") == 1  # absent key: the mapping's own line


def test_a_list_keeps_item_lines() -> None:
    data = read_text("# thread\n- id: a\n  author: A\n- id: b\n  parent: a\n")
    assert isinstance(data, YamlList)
    assert data.item_lines == [2, 4]
    assert data[1].line_of("parent") == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("author: NO", "NO"),
        ("author: yes", "yes"),
        ("author: off", "off"),
        ("id: 007", "007"),
        ("id: 0x1F", "0x1F"),
        ("id: 1e3", "1e3"),
        ("date: 1:20", "1:20"),
        ("date: 2024-13-45", "2024-13-45"),
        ("date: 2024-01-02", "2024-01-02"),
        ("date: 2024-01-02 03:04:05", "2024-01-02 03:04:05"),
        ("id: " + "9" * 5000, "9" * 5000),
        ("author: 'null'", "null"),
        ('parent: ""', ""),
    ],
)
def test_scalars_stay_the_text_as_written(text: str, expected: str) -> None:
    data = read_text(text + "\n")
    assert isinstance(data, YamlMap)
    assert list(data.values()) == [expected]
    assert isinstance(expected, str)


@pytest.mark.parametrize(
    "text", ["parent:", "parent: ~", "parent: null", "parent: NULL"]
)
def test_plain_empty_values_are_none(text: str) -> None:
    assert read_text(text + "\n") == {"parent": None}


@pytest.mark.parametrize(
    "text",
    [
        "author: !!python/object/apply:os.system ['true']\n",
        "author: !!python/name:os.system\n",
        "body: !!binary aGVsbG8=\n",
        "tags: !!set {a, b}\n",
        "author: !custom value\n",
        "author: !!str 007\n",
    ],
)
def test_tags_are_refused_with_their_line(text: str) -> None:
    error = refused("id: x\n" + text)
    assert error.line == 2
    assert "tags are not allowed" in error.message
    assert error.hint == "remove the tag"


def test_an_anchor_is_refused_at_its_line() -> None:
    error = refused("id: x\nauthor: &who Ada\nbody: *who\n")
    assert error.line == 2
    assert error.message == "YAML anchors and aliases are not allowed (&who)"


def test_a_billion_laughs_bomb_is_refused_before_it_grows() -> None:
    levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[i]
        levels.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    started = time.perf_counter()
    error = refused("\n".join(levels) + "\n")
    assert time.perf_counter() - started < 1.0
    assert error.line == 1
    assert "anchors and aliases" in error.message


def test_a_merge_key_is_refused() -> None:
    error = refused("base: &b {author: A}\ncomment:\n  <<: *b\n")
    assert "anchors and aliases" in error.message


def test_a_duplicate_key_names_both_lines() -> None:
    error = refused("author: Ada\nbody: Hallo\nauthor: Mallory\n")
    assert error.line == 3
    assert error.message == "duplicate key 'author' (first on line 1)"


def test_a_duplicate_key_in_a_list_item_names_both_lines() -> None:
    error = refused("- id: a\n  author: A\n- id: b\n  body: x\n  body: y\n")
    assert error.line == 5
    assert error.message == "duplicate key 'body' (first on line 4)"


def test_the_same_key_in_two_items_is_fine() -> None:
    data = read_text("- id: a\n- id: b\n")
    assert data == [{"id": "a"}, {"id": "b"}]


def test_several_documents_are_refused_at_the_second() -> None:
    error = refused("author: A\n---\nauthor: B\n")
    assert error.line == 2
    assert error.message == "a file may hold only one YAML document"


def test_one_explicit_document_is_fine() -> None:
    assert read_text("---\nauthor: A\n...\n") == {"author": "A"}


@pytest.mark.parametrize("text", ["", "   \n\n", "# only a comment\n# and another\n"])
def test_an_empty_file_is_refused(text: str) -> None:
    error = refused(text)
    assert error.line is None
    assert error.message == "the file is empty"


def test_binary_input_is_refused() -> None:
    with pytest.raises(YamlError) as info:
        read_bytes(b"author: A\x00\x01\x02\n")
    assert info.value.message == "this is a binary file, not YAML text"


def test_invalid_utf8_names_its_line() -> None:
    with pytest.raises(YamlError) as info:
        read_bytes("author: A\nbody: Grüße\n".encode("latin-1"))
    assert info.value.line == 2
    assert info.value.message == "the file is not valid UTF-8 text"


def test_a_byte_order_mark_is_ignored() -> None:
    assert read_bytes(b"\xef\xbb\xbfauthor: A\n") == {"author": "A"}


def test_a_control_character_names_its_line() -> None:
    error = refused("author: Jürgen\nbody: hallo\x07welt\n")
    assert error.line == 2
    assert error.message == "the file contains the control character #x0007"


def test_deep_nesting_is_refused_without_a_crash() -> None:
    error = refused("a: " + "[" * 5000 + "]" * 5000 + "\n")
    assert "nesting depth" in error.message


def test_nesting_within_the_limit_is_read_without_recursion() -> None:
    depth = 500
    data = read_text("[" * depth + "x" + "]" * depth + "\n")
    for _ in range(depth):
        assert isinstance(data, list)
        data = data[0]
    assert data == "x"


def test_a_mapping_key_must_be_text() -> None:
    error = refused("? [a, b]\n: c\n")
    assert error.line == 1
    assert error.message == "a mapping key must be plain text"


def test_broken_syntax_names_its_line() -> None:
    error = refused("author: A\n  body: x\nc\n")
    assert error.line == 2
    assert (
        error.message
        == "not valid YAML: mapping values are not allowed in this context"
    )
    assert error.hint == "check indentation and quoting"


def test_oversize_input_is_refused_before_parsing(tmp_path: Path) -> None:
    with pytest.raises(YamlError) as info:
        read_bytes(b"body: " + b"x" * 200, max_bytes=100)
    assert "more than 100" in info.value.message
    big = tmp_path / "big.yaml"
    big.write_bytes(b"body: " + b"x" * 200)
    with pytest.raises(YamlError) as info:
        read_path(big, max_bytes=100)
    assert info.value.message == "the file has 206 bytes, more than the limit of 100"
    assert info.value.hint == "split it into smaller files"
    assert MAX_BYTES >= 1_000_000


def test_a_missing_file_is_a_yaml_error(tmp_path: Path) -> None:
    with pytest.raises(YamlError) as info:
        read_path(tmp_path / "nope.yaml")
    assert info.value.message.startswith("cannot read the file")


def test_read_path_reads_a_real_file(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("author: Ada\nbody: Hallo\n", encoding="utf-8")
    data = read_path(path)
    assert data == {"author": "Ada", "body": "Hallo"}
    assert str(YamlError(4, "x")) == "line 4: x"


def test_nested_collections_keep_their_place_and_lines() -> None:
    text = (
        "thread:\n"  # 1
        "  - id: a\n"  # 2
        "    tags: [x, y]\n"  # 3
        "    meta: {k: v}\n"  # 4
        "  - id: b\n"  # 5
        "after: z\n"  # 6
    )
    data = read_text(text)
    assert data == {
        "thread": [{"id": "a", "tags": ["x", "y"], "meta": {"k": "v"}}, {"id": "b"}],
        "after": "z",
    }
    thread = data["thread"]
    assert isinstance(thread, YamlList)
    assert (thread.line, thread.item_lines) == (2, [2, 5])
    first = thread[0]
    assert isinstance(first, YamlMap)
    assert first.key_lines == {"id": 2, "tags": 3, "meta": 4}
    assert (first["tags"].item_lines, first["meta"].line_of("k")) == ([3, 3], 4)
    assert data.line_of("after") == 6


def test_the_first_problem_in_the_file_is_the_one_named() -> None:
    error = refused("id: x\nauthor: !!str Ada\nbody: [unclosed\n")
    assert (error.line, error.message) == (
        2,
        "YAML tags are not allowed (tag:yaml.org,2002:str)",
    )
    error = refused("id: x\nid: y\nbody: !!str z\n")
    assert (error.line, error.message) == (2, "duplicate key 'id' (first on line 1)")


def test_a_duplicate_key_after_a_nested_mapping_is_found() -> None:
    error = refused("meta:\n  a: b\nbody: x\nmeta: c\n")
    assert (error.line, error.message) == (4, "duplicate key 'meta' (first on line 1)")


def test_a_collection_as_key_is_refused_at_the_key() -> None:
    error = refused("id: x\n? - a\n  - b\n: c\n")
    assert (error.line, error.message) == (2, "a mapping key must be plain text")
    error = refused("~: x\n")
    assert (error.line, error.message) == (1, "a mapping key must be plain text")


def test_an_unterminated_file_names_a_line() -> None:
    error = refused("id: x\nbody: [a,\n  b\n")
    assert error.line is not None and error.line >= 2
    assert error.message.startswith("not valid YAML: ")


def test_leading_blank_and_comment_lines_before_content_are_fine() -> None:
    data = read_text("\n# Kommentar\n   \nauthor: A\n")
    assert data == {"author": "A"}
    assert data.line_of("author") == 4


def test_a_directory_is_a_yaml_error(tmp_path: Path) -> None:
    with pytest.raises(YamlError) as info:
        read_path(tmp_path)
    assert info.value.message.startswith("cannot read the file")


def test_a_file_at_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    body = "x" * 300_000
    path.write_text(f"author: A\nbody: |\n  {body}\n", encoding="utf-8")
    size = path.stat().st_size
    assert read_path(path, max_bytes=size) == {"author": "A", "body": body + "\n"}
    with pytest.raises(YamlError) as info:
        read_path(path, max_bytes=size - 1)
    assert (
        info.value.message
        == f"the file has {size} bytes, more than the limit of {size - 1}"
    )
