"""The thread as schema.org Comment objects."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from comments import Comment, build_thread
from comments.jsonld import comment_tree, count_comments
from comments.render import render_bodies

T0 = datetime(2017, 5, 3, 9, 0, tzinfo=UTC)


def c(cid: str, parent: str | None = None, minute: int = 0, **kw: object) -> Comment:
    return Comment(
        cid,
        str(kw.pop("author", "A " + cid)),
        T0 + timedelta(minutes=minute),
        str(kw.pop("body", f"Text *{cid}*")),
        "p",
        parent=parent,
        **kw,
    )  # type: ignore[arg-type]


def tree(items: list[Comment], depth: int = 5) -> list[dict]:  # type: ignore[type-arg]
    thread, _ = build_thread(items, depth=depth)
    return comment_tree(
        thread,
        lambda cid: f"https://x.org/p/#comment-{cid}",
        render_bodies(thread.comments),
    )


def test_objects_and_nesting() -> None:
    out = tree([c("a", website="https://a.example/"), c("b", "a", 1), c("z", None, 2)])
    assert [o["@id"] for o in out] == [
        "https://x.org/p/#comment-a",
        "https://x.org/p/#comment-z",
    ]
    a = out[0]
    assert a["@type"] == "Comment" and a["url"] == a["@id"]
    assert a["author"] == {
        "@type": "Person",
        "name": "A a",
        "url": "https://a.example/",
    }
    assert a["dateCreated"] == "2017-05-03T09:00:00+00:00"
    assert a["text"] == "Text a"
    assert [r["@id"] for r in a["comment"]] == ["https://x.org/p/#comment-b"]
    assert "comment" not in out[1] and "url" not in out[1]["author"]
    assert json.loads(json.dumps(out)) == out


def test_flattened_replies_name_their_parent() -> None:
    items = [c(f"c{i}", f"c{i - 1}" if i else None, i) for i in range(5)]
    out = tree(items, depth=2)
    level2 = out[0]["comment"]
    assert [o["@id"][-2:] for o in level2] == ["c1", "c2", "c3", "c4"]
    assert "parentItem" not in level2[0]
    assert level2[2]["parentItem"] == {"@id": "https://x.org/p/#comment-c2"}
    assert count_comments(out) == 5


def test_removed_comments_are_left_out_and_their_replies_move_up() -> None:
    out = tree(
        [c("a"), c("b", "a", 1, status="removed", author="", body=""), c("x", "b", 2)]
    )
    assert [o["@id"][-1] for o in out[0]["comment"]] == ["x"]
    assert count_comments(out) == 2


def test_hostile_text_stays_data() -> None:
    out = tree(
        [
            c(
                "a",
                author="</script><script>alert(1)</script>",
                body="<!-- x --> </script>",
            )
        ]
    )
    dumped = json.dumps(out)
    assert (
        json.loads(dumped)[0]["author"]["name"] == "</script><script>alert(1)</script>"
    )
    assert out[0]["text"] == "<!-- x --> </script>"


def test_lazy_objects_equal_the_tree() -> None:
    from comments.jsonld import ThreadJsonLd

    items = [
        c("a"),
        c("r", None, 1, status="removed", author="", body=""),
        c("b", "r", 2),
        c("d", "b", 3),
        c("e", "r", 4),
        c("z", None, 5),
    ]
    thread, _ = build_thread(items, depth=2)
    html = render_bodies(thread.comments)
    lazy = ThreadJsonLd(thread, "https://x.org/p/", html)
    eager = comment_tree(thread, lambda cid: f"https://x.org/p/#comment-{cid}", html)
    assert lazy == eager and list(lazy) == eager and len(lazy) == len(eager) == 5
    assert lazy[1]["@id"].endswith("#comment-b") and lazy[-1] == eager[-1]
    assert bool(lazy) and not ThreadJsonLd(build_thread([])[0], "x", {})
    assert json.loads(json.dumps(list(lazy))) == eager


def test_json_text_is_the_dump_of_the_objects_for_any_url() -> None:
    """The template kept in a packed thread gives ``json.dumps`` of the tree."""
    from comments.jsonld import URL_MARK, ThreadJsonLd, comment_json_template

    items = [
        c(
            "a",
            website='https://a.example/?q="x"&y=\\',
            author='Ä "quoted" \\ </script>',
        ),
        c("r", None, 1, status="removed", author="", body=""),
        c("b", "r", 2, body="Zeile 1\n\nZeile 2 <b>& \u2028 \x01"),
        c("d", "b", 3),
        c("e", "d", 4),
        c("f", "e", 5),
        c("z", None, 6),
    ]
    thread, _ = build_thread(items, depth=2)
    html = render_bodies(thread.comments)
    template = comment_json_template(thread, html)
    for page in ("", "2017/p/", 'https://x.org/ü/"a\\b"/\u2028</script>?a&b'):
        lazy = ThreadJsonLd(thread, page, html)
        dumped = json.dumps(list(lazy), ensure_ascii=False, separators=(",", ":"))
        assert lazy.json_text() == dumped
        url = json.dumps(page, ensure_ascii=False)[1:-1]
        assert template.replace(URL_MARK, url) == dumped
    # Two URLs a comment, one per flattened reply.
    assert template.count(URL_MARK) == 2 * 6 + 3
    empty = build_thread([])[0]
    assert ThreadJsonLd(empty, "x", {}).json_text() == "[]"
