"""Reading a thread folder: files in path order, one problem per broken file."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from comments import load_file, load_thread, records_of, thread_files

BERLIN = ZoneInfo("Europe/Berlin")
ONE = "author: {a}\ndate: 2017-05-03T09:12:00+02:00\nbody: Hallo.\n"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_thread_files_in_path_order_yaml_only(tmp_path: Path) -> None:
    for name in ("b.yml", "a.yaml", ".hidden.yaml", "notes.md", "c.yaml~", "B.yaml"):
        write(tmp_path, name, ONE.format(a="x"))
    (tmp_path / "sub.yaml").mkdir()
    assert [p.name for p in thread_files(tmp_path)] == ["B.yaml", "a.yaml", "b.yml"]


def test_a_single_comment_takes_its_file_name_as_id(tmp_path: Path) -> None:
    path = write(tmp_path, "20170503T071200Z-k3f9.yaml", ONE.format(a="Ada"))
    loaded = load_file(path, BERLIN)
    assert [c.id for c in loaded.comments] == ["20170503T071200Z-k3f9"]
    assert loaded.comments[0].path == str(path)


def test_a_list_file_with_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "thread.yaml",
        "# Kopf\n- id: a\n  author: A\n  date: 2017-05-03\n  body: x\n\n"
        "- id: b\n  parent: a\n  author: B\n  date: 2017-05-04\n  body: y\n",
    )
    records, problems = records_of(path)
    assert problems == []
    assert [(r.line, default) for r, default in records] == [(2, None), (7, None)]
    loaded = load_file(path, BERLIN)
    assert [(c.id, c.line, c.parent, c.parent_line) for c in loaded.comments] == [
        ("a", 2, None, 2),
        ("b", 7, "a", 8),
    ]


def test_both_forms_in_one_folder(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", ONE.format(a="A"))
    write(
        tmp_path,
        "thread.yaml",
        "- id: t1\n  parent: a\n  author: T\n"
        "  date: 2017-05-03T10:00:00+02:00\n  body: y\n",
    )
    loaded = load_thread(tmp_path, BERLIN)
    assert loaded.problems == []
    assert sorted(c.id for c in loaded.comments) == ["a", "t1"]


def test_a_broken_file_never_hides_the_others(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", ONE.format(a="A"))
    (tmp_path / "b.yaml").write_bytes(b"\x00\xff")
    write(tmp_path, "c.yaml", "author: [\n")
    write(tmp_path, "d.yaml", ONE.format(a="D"))
    loaded = load_thread(tmp_path, BERLIN)
    assert [c.id for c in loaded.comments] == ["a", "d"]
    assert [(Path(p.path).name, p.field) for p in loaded.problems] == [
        ("b.yaml", "file"),
        ("c.yaml", "file"),
    ]


def test_an_alias_bomb_is_refused_quickly(tmp_path: Path) -> None:
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]")
    write(tmp_path, "bomb.yaml", "\n".join(lines) + "\n")
    loaded = load_thread(tmp_path, BERLIN)
    assert loaded.comments == [] and [p.field for p in loaded.problems] == ["file"]
    assert "alias" in loaded.problems[0].message


def test_a_duplicate_id_names_the_first_place(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: x\n" + ONE.format(a="A"))
    write(tmp_path, "b.yaml", "- id: x\n  author: B\n  date: 2017-05-03\n  body: y\n")
    loaded = load_thread(tmp_path, BERLIN)
    (p,) = loaded.problems
    assert (Path(p.path).name, p.line, p.field) == ("b.yaml", 1, "id")
    assert "a.yaml:1" in p.message


def test_a_duplicate_of_a_broken_comment_is_still_a_duplicate(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "id: x\nauthor: A\ndate: nie\nbody: z\n")
    write(tmp_path, "b.yaml", "id: x\n" + ONE.format(a="B"))
    loaded = load_thread(tmp_path, BERLIN)
    assert [(Path(p.path).name, p.field) for p in loaded.problems] == [
        ("a.yaml", "date"),
        ("b.yaml", "id"),
    ]
    assert loaded.comments == [] and [b.id for b in loaded.broken] == ["x"]
