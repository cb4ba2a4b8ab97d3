"""sitecheck.header: the metadata rules, with the lines Pelican's reader would use."""

from __future__ import annotations

from pathlib import Path
import textwrap

from markdown import Markdown
from pelican.utils import get_date
import pytest

from sitecheck.header import check_file, check_header, parse_date, read_header


def problems(text: str, **options: object) -> list[str]:
    found = check_header(textwrap.dedent(text).lstrip("\n"), "x.md", **options)  # type: ignore[arg-type]
    return [p.format() for p in found]


def meta_keys(text: str) -> set[str]:
    md = Markdown(extensions=["meta"])
    md.convert(text)
    return set(md.Meta)  # type: ignore[attr-defined]


GOOD = """
    Title: Gut
    Date: 2024-05-03 09:12
    Lang: de
    Comments: closed
    Status: published

    Text.
"""


def test_a_good_header_has_no_problems() -> None:
    assert problems(GOOD) == []


def test_a_bad_date_names_its_line() -> None:
    assert problems("Title: T\nAuthor: A\nDate: 2024-13-45\n\nText.\n") == [
        "x.md:3: date: '2024-13-45' is not a date (write it like 2024-05-03 09:12)"
    ]


@pytest.mark.parametrize("value", ["2024-05-03", "2024-05-03 09:12", "2024-05-03_09:12", "3 May 2017", "2017-05-03T07:30:00+02:00"])
def test_dates_pelican_reads_are_accepted(value: str) -> None:
    assert problems(f"Title: T\nDate: {value}\n") == []


def test_the_date_rule_is_pelicans_own() -> None:
    for value in ["2024-05-03", "gestern", "2024-13-45", "32.1.2020", "1:20", ""]:
        try:
            get_date(value)
            pelican_ok = True
        except ValueError:
            pelican_ok = False
        assert (check_header(f"Title: T\nDate: {value}\n", "x.md", parse=get_date) == []) is pelican_ok, value
        assert (check_header(f"Title: T\nDate: {value}\n", "x.md", parse=parse_date) == []) is pelican_ok, value


def test_modified_is_checked_too() -> None:
    assert problems("Title: T\nModified: morgen\n") == [
        "x.md:2: modified: 'morgen' is not a date (write it like 2024-05-03 09:12)"
    ]


@pytest.mark.parametrize(("key", "value", "message"), [
    ("Comments", "maybe", "x.md:2: comments: unknown value 'maybe' (use open, closed or off)"),
    ("Comments", "Open", "x.md:2: comments: unknown value 'Open' (use open, closed or off)"),
    ("Status", "review", "x.md:2: status: unknown status 'review' (use published, draft or hidden)"),
    ("Lang", "deutsch", "x.md:2: lang: 'deutsch' is not a language code (use a code like de or en)"),
    ("Lang", "xq", "x.md:2: lang: 'xq' names no known language (use a code like de or en)"),
])
def test_unknown_values_for_known_keys(key: str, value: str, message: str) -> None:
    assert problems(f"Title: T\n{key}: {value}\n") == [message]


@pytest.mark.parametrize("lang", ["de", "en", "de-CH", "pt-BR", "fr"])
def test_language_codes(lang: str) -> None:
    assert problems(f"Title: T\nLang: {lang}\n") == []


def test_a_missing_title() -> None:
    assert problems("Date: 2024-05-03\n\nText.\n") == [
        "x.md:1: title: the article has no title (add 'Title: ...' as the first line)"
    ]
    assert problems("Date: 2024-05-03\n", title_from_path=True) == []
    assert problems("Title:\n") == ["x.md:1: title: the title is empty (write the title after 'Title:')"]


def test_a_header_cut_short_by_a_line_without_a_colon() -> None:
    text = "Title: T\nDies ist keine Metadatenzeile\nDate: 2024-05-04\nTags: a, b\n\nText.\n"
    # What Pelican's reader sees: the header ends at line 2.
    assert meta_keys(text) == {"title"}
    header = read_header(text)
    assert header.cut_line == 2
    assert header.lost_keys == ("date", "tags")
    assert problems(text) == [
        "x.md:2: header: the line 'Dies ist keine Metadatenzeile' has no 'Key: value' form, "
        "so the metadata header ends here and 'Date', 'Tags' below it become body text "
        "(write it as 'Key: value', indent it four spaces to continue the line above, "
        "or move it below the blank line that ends the header)"
    ]


def test_a_cut_before_the_title_does_not_also_claim_a_missing_title() -> None:
    found = problems("Ohne Doppelpunkt\nTitle: T\n\nText.\n")
    assert [line.split(": ")[0:2] for line in found] == [["x.md:1", "header"]]


def test_a_header_followed_by_text_without_blank_line_is_no_cut() -> None:
    # The text starts right after the header: nothing that looks like a key is lost.
    assert problems("Title: T\nDer Text beginnt hier.\nUnd geht weiter.\n") == []


def test_continuation_lines_and_yaml_fences_are_read_like_markdown_does() -> None:
    text = "---\nTitle: T\nSummary: Eine lange\n    Zusammenfassung\nDate: gestern\n---\n\nText.\n"
    assert meta_keys(text) == {"title", "summary", "date"}
    header = read_header(text)
    assert header.first("summary") is not None
    assert header.first("summary").value == "Eine lange\nZusammenfassung"  # type: ignore[union-attr]
    assert problems(text) == ["x.md:5: date: 'gestern' is not a date (write it like 2024-05-03 09:12)"]


def test_a_key_given_twice() -> None:
    assert problems("Title: T\nDate: 2024-05-03\nTitle: U\n") == [
        "x.md:3: title: 'Title' is given twice (first on line 1); Pelican uses the first (keep only one)"
    ]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    found = problems("Title: T\nLang: klingonisch\nComments: vielleicht\nDate: nie\n")
    assert [f.split(":")[1] for f in found] == ["2", "3", "4"]


def test_check_file_reads_from_disk(tmp_path: Path) -> None:
    path = tmp_path / "p.md"
    path.write_text("\ufeffTitle: T\nComments: maybe\n", encoding="utf-8")
    assert [p.line for p in check_file(path)] == [2]
    path.write_bytes(b"Title: T\nAuthor: J\xfcrgen\n")
    found = check_file(path)
    assert [(p.line, p.field, p.message) for p in found] == [(2, "file", "the file is not valid UTF-8 text")]
