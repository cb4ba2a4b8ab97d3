"""check_comment: each field read as the text written, each rule a located problem."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from comments import Broken, Comment, check_comment, check_url, parse_date
from comments.check import MAX_AUTHOR, MAX_BODY
from sitekit.yamlfile import read_text

BERLIN = ZoneInfo("Europe/Berlin")
GOOD = "author: Ada Nowak\ndate: 2017-05-03T09:12:00+02:00\nbody: Hallo.\n"


def check(text: str, **kw: object) -> tuple[object, list]:  # type: ignore[type-arg]
    kw.setdefault("default_id", "c1")
    return check_comment(read_text(text), path="x.yaml", timezone=BERLIN, **kw)  # type: ignore[arg-type]


def problems_of(text: str, **kw: object) -> list[tuple[int | None, str]]:
    _, problems = check(text, **kw)
    return [(p.line, p.field) for p in problems]


def test_a_good_comment() -> None:
    item, problems = check(GOOD)
    assert problems == []
    assert isinstance(item, Comment)
    assert (item.id, item.author, item.body, item.line) == (
        "c1",
        "Ada Nowak",
        "Hallo.",
        1,
    )
    assert item.date == datetime(2017, 5, 3, 9, 12, tzinfo=timezone(timedelta(hours=2)))


@pytest.mark.parametrize(
    ("yaml", "field", "value"),
    [
        ("author: NO\n", "author", "NO"),
        ("author: yes\n", "author", "yes"),
        ("author: 1:20\n", "author", "1:20"),
        ("author: 0x1F\n", "author", "0x1F"),
        ("author: null\n", "author", None),
        ("id: 007\n", "id", "007"),
        ("id: 1e3\n", "id", "1e3"),
    ],
)
def test_fields_keep_the_text_written(yaml: str, field: str, value: str | None) -> None:
    base = {k: v for k, v in (ln.split(": ", 1) for ln in GOOD.splitlines())}
    key, written = yaml.strip().split(": ", 1)
    base[key] = written
    text = "".join(f"{k}: {v}\n" for k, v in base.items())
    item, problems = check(text)
    if value is None:
        assert [(p.field) for p in problems] == ["author"]
        return
    assert problems == []
    assert getattr(item, field) == value


def test_a_quoted_date_is_a_date() -> None:
    item, problems = check('author: A\ndate: "2017-05-03T09:12:00+02:00"\nbody: x\n')
    assert problems == []
    assert isinstance(item, Comment)
    assert item.date.isoformat() == "2017-05-03T09:12:00+02:00"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2017-05-03T09:12:00", datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)),
        ("2017-05-03 09:12", datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)),
        ("2017-05-03", datetime(2017, 5, 3, tzinfo=BERLIN)),
        (
            "2017-01-03T09:12:00",
            datetime(2017, 1, 3, 9, 12, tzinfo=BERLIN),
        ),  # winter time
        ("2017-05-03T07:12:00Z", datetime(2017, 5, 3, 7, 12, tzinfo=UTC)),
        ("20170503T071200Z", datetime(2017, 5, 3, 7, 12, tzinfo=UTC)),
    ],
)
def test_dates(written: str, expected: datetime) -> None:
    parsed = parse_date(written, BERLIN)
    assert parsed == expected
    assert parsed.utcoffset() == expected.utcoffset()


def test_a_naive_date_is_read_in_the_site_timezone() -> None:
    item, _ = check("author: A\ndate: 2017-05-03T09:12\nbody: x\n")
    assert isinstance(item, Comment)
    assert item.date.utcoffset() == timedelta(hours=2)
    winter, _ = check("author: A\ndate: 2017-12-03T09:12\nbody: x\n")
    assert isinstance(winter, Comment)
    assert winter.date.utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    "bad", ["2017-13-45", "gestern", "3.5.2017", "2017-05-03T25:00", "1"]
)
def test_bad_dates(bad: str) -> None:
    item, problems = check(f"author: A\nbody: x\ndate: {bad}\n")
    assert isinstance(item, Broken)
    assert [(p.line, p.field) for p in problems] == [(3, "date")]
    assert bad in problems[0].message


def test_missing_fields_point_at_the_comment() -> None:
    assert problems_of("# a comment\nid: x\n") == [
        (2, "author"),
        (2, "date"),
        (2, "body"),
    ]


def test_unknown_fields_each_at_their_line() -> None:
    assert problems_of(GOOD + "email: a@b.c\nip: 1.2.3.4\n") == [
        (4, "email"),
        (5, "ip"),
    ]


def test_an_unknown_field_with_a_huge_name_is_quoted_short() -> None:
    _, problems = check(GOOD + "x" * 1000 + ": 1\n")
    (p,) = problems
    assert len(p.format()) < 300


def test_limits_name_the_numbers() -> None:
    name = "A" * (MAX_AUTHOR + 1)
    _, problems = check(f"author: {name}\ndate: 2017-05-03\nbody: x\n")
    (p,) = problems
    assert (p.line, p.field) == (1, "author")
    assert str(MAX_AUTHOR + 1) in p.message and str(MAX_AUTHOR) in p.message
    _, problems = check(f"author: A\ndate: 2017-05-03\nbody: {'b' * (MAX_BODY + 1)}\n")
    (p,) = problems
    assert (p.line, p.field) == (3, "body")
    assert str(MAX_BODY) in p.message
    item, problems = check(
        f"author: {'A' * MAX_AUTHOR}\ndate: 2017-05-03\nbody: {'b' * MAX_BODY}\n"
    )
    assert problems == [] and isinstance(item, Comment)


def test_the_author_is_plain_text() -> None:
    item, _ = check(
        'author: "  Ada \\t\\n Nowak\\u0007 \\u202eevil "\ndate: 2017-05-03\nbody: x\n'
    )
    assert isinstance(item, Comment)
    assert item.author == "Ada Nowak evil"


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.org/",
        "//example.org/",
        "example.org",
        "https://",
        "http://exa mple.org/",
        "https://x.org/\x07",
        "vbscript:msgbox(1)",
        " javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "https:///x",
        "https://" + "a" * 3000 + ".org/",
    ],
)
def test_websites_that_are_refused(url: str) -> None:
    assert check_url(url.strip()) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/",
        "http://example.org/a?b=c#d",
        "HTTPS://EXAMPLE.ORG",
        "https://xn--bcher-kva.example/",
    ],
)
def test_websites_that_are_accepted(url: str) -> None:
    assert check_url(url) is None


def test_website_problem_at_its_line() -> None:
    item, problems = check(GOOD + "website: javascript:alert(1)\n")
    assert isinstance(item, Broken)
    assert [(p.line, p.field) for p in problems] == [(4, "website")]


def test_roles() -> None:
    item, problems = check(GOOD + "role: author\n")
    assert problems == [] and isinstance(item, Comment) and item.role == "author"
    assert problems_of(GOOD + "role: Admin\n") == [(4, "role")]
    assert problems_of(GOOD + "role: moderator\n", allow_role=False) == [(4, "role")]


def test_ids() -> None:
    assert problems_of("id: a b\n" + GOOD) == [(1, "id")]
    assert problems_of("id:\n" + GOOD) == [(1, "id")]
    assert problems_of("id: " + "a" * 101 + "\n" + GOOD) == [(1, "id")]
    assert problems_of(GOOD, default_id=None) == [(1, "id")]
    assert problems_of(GOOD, default_id="kein gültiger name") == [(1, "id")]
    item, _ = check("id: a." + "b" * 98 + "\n" + GOOD)
    assert isinstance(item, Comment)


def test_parents() -> None:
    item, problems = check(GOOD + "parent: c0\n")
    assert problems == [] and isinstance(item, Comment)
    assert (item.parent, item.parent_line) == ("c0", 4)
    assert problems_of(GOOD + "parent: c1\n") == [(4, "parent")]  # itself
    assert problems_of(GOOD + "parent: 'a b'\n") == [(4, "parent")]
    item, problems = check(GOOD + "parent:\n")
    assert problems == [] and isinstance(item, Comment) and item.parent is None


def test_a_broken_comment_keeps_its_id_and_parent_so_replies_can_move_up() -> None:
    item, problems = check("parent: p\nauthor: A\ndate: nie\nbody: x\n")
    assert item == Broken("c1", "p", "x.yaml", 1)
    assert problems


def test_no_id_no_broken() -> None:
    item, problems = check("id: a b\nauthor: A\n")
    assert item is None and problems


def test_a_removed_comment_needs_no_author_or_body() -> None:
    item, problems = check("status: removed\ndate: 2017-05-03\n")
    assert problems == []
    assert (
        isinstance(item, Comment)
        and item.removed
        and item.author == ""
        and item.body == ""
    )
    assert problems_of("status: hidden\n" + GOOD) == [(1, "status")]


def test_fields_must_be_text() -> None:
    assert problems_of("author:\n  first: Ada\ndate: 2017-05-03\nbody: x\n") == [
        (1, "author")
    ]
    assert problems_of("author: A\ndate: [2017]\nbody: x\n") == [(2, "date")]
    assert problems_of("author: A\ndate: 2017-05-03\nbody:\n  - a\n  - b\n") == [
        (3, "body")
    ]


def test_every_problem_is_reported_not_just_the_first() -> None:
    found = problems_of(
        "id: '?'\nauthor: ''\ndate: nie\nbody: ''\nwebsite: ftp://x\nrole: boss\nx: 1\n"
    )
    assert [f for _, f in found] == [
        "x",
        "id",
        "author",
        "date",
        "body",
        "website",
        "role",
    ]
