"""Comment YAML every reader reads alike, sources Pelican reads back, no churn."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from comments.check import check_comment
from importers.writer import (
    CREATED,
    KEPT,
    OVERWRITTEN,
    UNCHANGED,
    Planned,
    Source,
    comment_yaml,
    source_text,
    write,
)
from pelican.readers import HTMLReader, MarkdownReader
from pelican.settings import DEFAULT_CONFIG
from sitekit.yamlfile import read_text

TRICKY = {
    "id": "007",
    "author": "NO",
    "date": "2017-05-03T07:12:00+00:00",
    "website": "https://example.org/~ada?x=1&y=2#top",
    "body": "yes\n\n- on\n- 1:20\n\n#nicht-kommentar: &anker *alias !!python/object\n",
}


def test_every_string_stays_text_for_any_yaml_reader() -> None:
    text = comment_yaml(TRICKY)
    # PyYAML's own YAML 1.1 resolver would turn unquoted NO into False, 007
    # into 7 and the date into a datetime; quoting keeps them strings.
    loaded = yaml.safe_load(text)
    assert loaded == TRICKY
    assert all(isinstance(v, str) for v in loaded.values())
    assert read_text(text) == TRICKY


def test_keys_come_in_a_fixed_order_and_empty_fields_are_left_out() -> None:
    text = comment_yaml(
        {"body": "b", "author": "a", "id": "x", "parent": "", "date": "d"}
    )
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "id",
        "author",
        "date",
        "body",
    ]


def test_multi_line_bodies_are_literal_blocks() -> None:
    text = comment_yaml({"id": "x", "author": "a", "date": "d", "body": "Eins\n\nZwei"})
    assert "body: |" in text
    assert read_text(text)["body"].rstrip("\n") == "Eins\n\nZwei"  # type: ignore[index]


def test_a_body_a_literal_block_cannot_hold_is_quoted_exactly() -> None:
    body = "Zeile mit Leerzeichen am Ende   \n\tTab\n\x85next"
    text = comment_yaml({"id": "x", "author": "a", "date": "d", "body": body})
    assert yaml.safe_load(text)["body"] == body


def test_unknown_fields_are_a_programming_error() -> None:
    with pytest.raises(KeyError, match="email"):
        comment_yaml({"id": "x", "email": "a@example.org"})


def test_the_written_comment_passes_the_contract() -> None:
    record = read_text(comment_yaml(TRICKY))
    comment, problems = check_comment(record, path="c/007.yaml", timezone=UTC)  # type: ignore[arg-type]
    assert problems == []
    assert comment is not None and comment.id == "007" and comment.author == "NO"


SOURCE = Source(
    title='A & B <em>"x"</em>',
    date=datetime(2013, 1, 11, 20, 22, 19, tzinfo=timezone(timedelta(hours=-7))),
    author="Γιάννης",
    slug="a-und-b",
    body="Text **fett**.\n",
    markup="markdown",
    category="Allgemein",
    tags=("eins", "zwei"),
    lang="en",
    status="draft",
    comments="closed",
)


@pytest.mark.parametrize("markup", ["markdown", "html"])
def test_pelican_reads_the_metadata_back(tmp_path: Path, markup: str) -> None:
    source = Source(
        **{
            **{f: getattr(SOURCE, f) for f in SOURCE.__slots__},
            "markup": markup,
            "body": "<p>Text</p>" if markup == "html" else SOURCE.body,
        }
    )
    path = tmp_path / ("post.html" if markup == "html" else "post.md")
    path.write_text(source_text(source), encoding="utf-8")
    settings = dict(DEFAULT_CONFIG)
    reader = HTMLReader(settings) if markup == "html" else MarkdownReader(settings)
    _content, meta = reader.read(str(path))
    assert meta["title"] == 'A & B <em>"x"</em>'
    assert meta["date"] == SOURCE.date
    assert str(meta["author"]) == "Γιάννης"
    assert str(meta["category"]) == "Allgemein"
    assert [str(t) for t in meta["tags"]] == ["eins", "zwei"]
    assert meta["slug"] == "a-und-b"
    assert meta["lang"] == "en"
    assert meta["status"] == "draft"
    assert meta["comments"] == "closed"


def test_header_values_stay_on_one_line() -> None:
    text = source_text(
        Source(
            title="Zwei\nZeilen",
            date=SOURCE.date,
            author="a",
            slug="s",
            body="Slug: nicht-im-kopf\n",
            markup="markdown",
        )
    )
    header, _, body = text.partition("\n\n")
    assert "Title: Zwei Zeilen" in header.splitlines()
    assert body == "Slug: nicht-im-kopf\n"


def test_write_outcomes(tmp_path: Path) -> None:
    planned = Planned("comments/x/wp-1.yaml", 'id: "wp-1"\n', "comment")
    assert write(tmp_path, planned, overwrite=False) == CREATED
    target = tmp_path / planned.path
    stamp = target.stat().st_mtime_ns
    assert write(tmp_path, planned, overwrite=False) == UNCHANGED
    assert target.stat().st_mtime_ns == stamp
    target.write_text("status: removed\n", encoding="utf-8")  # a moderator's edit
    assert write(tmp_path, planned, overwrite=False) == KEPT
    assert target.read_text(encoding="utf-8") == "status: removed\n"
    assert write(tmp_path, planned, overwrite=True) == OVERWRITTEN
    assert target.read_text(encoding="utf-8") == planned.text
    assert not list(target.parent.glob(".import-*"))
