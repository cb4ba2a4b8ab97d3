"""The Pelican glue's pure parts: the ``Reading:`` header, its line, the walk."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from reading.plugin import _contents, header_line, reading_keys


def post(reading: object = None, **extra: object) -> SimpleNamespace:
    metadata = {} if reading is None else {"reading": reading}
    return SimpleNamespace(metadata=metadata, translations=[], **extra)


def test_keys_in_order_without_repeats_or_blanks() -> None:
    assert reading_keys(post(" a, b ,, a,c ")) == ["a", "b", "c"]
    assert reading_keys(post(["a", "b, c"])) == ["a", "b", "c"]
    assert reading_keys(post()) == []


def test_header_line(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text("Title: T\nDate: 2024-01-01\nreading: a\n\nReading: b\n", "utf-8")
    assert header_line(str(path)) == 3
    path.write_text("Title: T\n\nReading: not a header\n", "utf-8")
    assert header_line(str(path)) is None
    assert header_line(str(tmp_path / "missing.md")) is None


def test_contents_walk_translations_once() -> None:
    en = post(lang="en")
    de = post(lang="de")
    de.translations = [en]
    context = {"articles": [de], "hidden_articles": [en], "pages": None}
    assert list(_contents(context, ("articles", "hidden_articles", "pages"))) == [
        de,
        en,
    ]
