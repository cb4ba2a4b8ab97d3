"""Which comments come along, where replies to skipped ones go, bad ones reported."""

from __future__ import annotations

import sys
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).parent))
from importers.threads import ThreadOptions, plan_thread
from importers.wordpress import parse_wxr
from sitekit.yamlfile import read_text
from wxr_samples import comment, export, item

BERLIN = ZoneInfo("Europe/Berlin")


def thread_of(*comments: str, options: ThreadOptions | None = None):  # type: ignore[no-untyped-def]
    site = parse_wxr(export(item(1, comments=comments)))
    return plan_thread(
        "hallo-welt", site.items[0].comments, options or ThreadOptions(BERLIN)
    )


def fields(result, cid: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    files = {f.path.rsplit("/", 1)[1]: f.text for f in result.files}
    return dict(read_text(files[f"wp-{cid}.yaml"]))  # type: ignore[arg-type]


def test_an_approved_comment_in_the_contract_format() -> None:
    result = thread_of(
        comment(
            5, url="https://ada.example/", content="<p>Gut &amp; <em>wichtig</em></p>"
        )
    )
    assert [f.path for f in result.files] == ["comments/hallo-welt/wp-5.yaml"]
    assert fields(result, "5") == {
        "id": "wp-5",
        "author": "Ada Nowak",
        "date": "2017-05-03T07:12:00+00:00",
        "website": "https://ada.example/",
        "body": "Gut & *wichtig*",
    }
    assert result.problems == [] and result.notes == []


def test_email_and_ip_never_reach_a_file() -> None:
    result = thread_of(
        comment(5, email="geheim@example.net", ip="2001:db8::77"),
        comment(6, parent=5, email="x@example.net", ip="198.51.100.4"),
    )
    text = "".join(f.text for f in result.files)
    for secret in (
        "geheim@example.net",
        "x@example.net",
        "2001:db8::77",
        "198.51.100.4",
    ):
        assert secret not in text


def test_only_http_websites_are_kept() -> None:
    result = thread_of(
        comment(5, url="javascript:alert(1)"), comment(6, url="ftp://x.example/")
    )
    assert "website" not in fields(result, "5") and "website" not in fields(result, "6")


def test_unapproved_spam_and_pings_are_skipped_and_counted() -> None:
    result = thread_of(
        comment(1),
        comment(2, approved="0"),
        comment(3, approved="spam"),
        comment(4, approved="trash"),
        comment(5, kind="pingback"),
        comment(6, kind="trackback"),
    )
    assert [f.path.rsplit("/", 1)[1] for f in result.files] == ["wp-1.yaml"]
    assert result.skipped == {
        "unapproved": 1,
        "spam": 1,
        "trash": 1,
        "pingback": 1,
        "trackback": 1,
    }


def test_pingbacks_come_along_when_asked() -> None:
    result = thread_of(
        comment(
            5,
            kind="pingback",
            author="Ping 1 &laquo; Blog",
            url="https://other.example/p",
            content="[...] Just a short one. [...]",
        ),
        options=ThreadOptions(BERLIN, include_pingbacks=True),
    )
    assert fields(result, "5")["author"] == "Ping 1 « Blog"
    assert fields(result, "5")["website"] == "https://other.example/p"


def test_a_long_ping_title_is_shortened_but_a_long_name_is_an_error() -> None:
    result = thread_of(
        comment(5, kind="trackback", author="Ping " + "lang " * 30),
        comment(6, author="Name " * 30),
        options=ThreadOptions(BERLIN, include_pingbacks=True),
    )
    author = fields(result, "5")["author"]
    assert len(author) == 100 and author.endswith("…")
    assert any("wp-5: the trackback's title was shortened" in n for n in result.notes)
    assert [(p.path, p.field) for p in result.problems] == [
        ("comments/hallo-welt/wp-6.yaml", "author")
    ]


def test_a_reply_to_a_skipped_comment_moves_up_and_is_reported() -> None:
    result = thread_of(
        comment(1),
        comment(2, parent=1, approved="0"),  # unapproved: stays behind
        comment(3, parent=2),  # its reply: now answers 1
        comment(4, approved="spam"),
        comment(5, parent=4),  # reply to top-level spam: top level
    )
    assert fields(result, "3")["parent"] == "wp-1"
    assert "parent" not in fields(result, "5")
    assert any(
        "wp-3 answered wp-2" in n and "now answers wp-1" in n for n in result.notes
    )
    assert any("wp-5 answered wp-4" in n and "top level" in n for n in result.notes)
    assert {c.id: c.parent for c in result.comments} == {
        "wp-1": None,
        "wp-3": "wp-1",
        "wp-5": None,
    }


def test_a_parent_missing_from_the_export_is_a_top_level_comment() -> None:
    result = thread_of(comment(7, parent=999))
    assert "parent" not in fields(result, "7")
    assert any("wp-999 (not in the export)" in n for n in result.notes)


def test_one_bad_comment_is_reported_and_the_others_are_written() -> None:
    result = thread_of(
        comment(1, content="   "),  # empty body: breaks the contract
        comment(2, parent=1, content="Antwort"),
        comment(3, author="x" * 150),  # author too long
        comment(4, content="Alles gut"),
    )
    written = sorted(f.path.rsplit("/", 1)[1] for f in result.files)
    assert written == ["wp-2.yaml", "wp-4.yaml"]
    assert {(p.path, p.field) for p in result.problems} == {
        ("comments/hallo-welt/wp-1.yaml", "body"),
        ("comments/hallo-welt/wp-3.yaml", "author"),
    }
    assert result.skipped["invalid"] == 2
    assert "parent" not in fields(result, "2")  # its parent is gone: top level
    assert any("wp-2 answered wp-1, which is invalid" in n for n in result.notes)


def test_a_reply_cycle_in_a_broken_export_cannot_hang_the_import() -> None:
    result = thread_of(comment(1, parent=2), comment(2, parent=1), comment(3, parent=1))
    assert all(p.field == "parent" for p in result.problems)
    assert [f.path.rsplit("/", 1)[1] for f in result.files] == ["wp-3.yaml"]
    assert "parent" not in fields(result, "3")


def test_role_author_only_for_the_posts_author_by_user_id() -> None:
    result = thread_of(
        comment(1, author="Katrin Albers", user_id=7),
        comment(2, author="Katrin Albers", user_id=0),  # a guest typing her name
        options=ThreadOptions(BERLIN, author_user_id="7"),
    )
    assert fields(result, "1")["role"] == "author"
    assert "role" not in fields(result, "2")


def test_missing_gmt_date_uses_the_given_zone_and_is_written_in_utc() -> None:
    result = thread_of(comment(1, date_gmt="0000-00-00 00:00:00"))
    assert fields(result, "1")["date"] == "2017-05-03T07:12:00+00:00"  # 09:12 in Berlin


def test_images_in_comments_become_links() -> None:
    result = thread_of(
        comment(
            1, content='Bild: <img src="https://img.example/a.jpg" alt="Ein Hafen" />'
        )
    )
    assert (
        fields(result, "1")["body"] == "Bild: [Ein Hafen](<https://img.example/a.jpg>)"
    )


def test_anonymous_commenters_get_a_name() -> None:
    result = thread_of(
        comment(1, author=""), options=ThreadOptions(BERLIN, anonymous="Gast")
    )
    assert fields(result, "1")["author"] == "Gast"


def test_a_duplicate_comment_id_keeps_the_first() -> None:
    result = thread_of(comment(1, content="Erster"), comment(1, content="Zweiter"))
    assert fields(result, "1")["body"] == "Erster"
    assert result.skipped == {"duplicate": 1}
