"""build_thread: order, nesting, display depth, broken comments, counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from comments import EMPTY, Broken, Comment, ThreadNode, build_thread

T0 = datetime(2017, 5, 3, 9, 0, tzinfo=UTC)


def c(cid: str, parent: str | None = None, minute: int = 0, **kw: object) -> Comment:
    return Comment(
        id=cid,
        author=str(kw.pop("author", cid.upper())),
        date=T0 + timedelta(minutes=minute),
        body=f"Text von {cid}",
        path=f"{cid}.yaml",
        line=1,
        parent=parent,
        **kw,  # type: ignore[arg-type]
    )


def shape(nodes: tuple[ThreadNode, ...]) -> list[object]:
    """Nested ids, with '>x' marking a flattened reply to x."""
    out: list[object] = []
    for n in nodes:
        label = n.comment.id + (f">{n.reply_to.id}" if n.reply_to else "")
        out.append([label, shape(n.replies)] if n.replies else label)
    return out


def test_siblings_oldest_first_ties_by_id() -> None:
    thread, problems = build_thread(
        [
            c("b", minute=5),
            c("a", minute=5),
            c("z", minute=1),
            c("r", "b", 9),
            c("q", "b", 7),
        ]
    )
    assert problems == []
    assert shape(thread.roots) == ["z", "a", ["b", ["q", "r"]]]
    assert [x.id for x in thread.comments] == ["z", "a", "b", "q", "r"]


def test_order_compares_instants_not_wall_clock() -> None:
    early = c("early")
    late = Comment(
        "late",
        "L",
        datetime(2017, 5, 3, 10, 30, tzinfo=timezone(timedelta(hours=2))),
        "x",
        "l.yaml",
    )
    # 10:30+02:00 is 08:30 UTC, earlier than 09:00 UTC.
    thread, _ = build_thread([early, late])
    assert shape(thread.roots) == ["late", "early"]


def chain(n: int) -> list[Comment]:
    return [c(f"c{i}", f"c{i - 1}" if i else None, i) for i in range(n)]


def test_depth_limit_flattens_with_reply_to() -> None:
    thread, problems = build_thread(chain(8), depth=3)
    assert problems == []
    assert shape(thread.roots) == [
        ["c0", [["c1", ["c2", "c3>c2", "c4>c3", "c5>c4", "c6>c5", "c7>c6"]]]]
    ]
    depths = {n.comment.id: n.depth for n in _walk(thread.roots)}
    assert max(depths.values()) == 3


def test_replies_at_the_deepest_level_follow_their_branch_in_date_order() -> None:
    items = [
        c("a"),
        c("b", "a", 1),
        c("x", "b", 2),
        c("y", "b", 3),
        c("x1", "x", 6),
        c("y1", "y", 4),
    ]
    thread, _ = build_thread(items, depth=3)
    assert shape(thread.roots) == [["a", [["b", ["x", "x1>x", "y", "y1>y"]]]]]


def test_depth_one_is_flat() -> None:
    thread, _ = build_thread(chain(3), depth=1)
    assert shape(thread.roots) == ["c0", "c1>c0", "c2>c1"]


@pytest.mark.parametrize(("asked", "used"), [(0, 1), (-3, 1), (99, 10)])
def test_depth_is_clamped(asked: int, used: int) -> None:
    thread, _ = build_thread(chain(20), depth=asked)
    assert max(n.depth for n in _walk(thread.roots)) == used


def test_nested_up_to_the_default_depth_of_five() -> None:
    thread, _ = build_thread(chain(5))
    assert all(n.reply_to is None for n in _walk(thread.roots))
    assert max(n.depth for n in _walk(thread.roots)) == 5


def test_a_broken_comments_replies_take_its_place() -> None:
    items = [c("a"), c("d", "b", 3), c("e", "d", 4), c("f", "a", 1)]
    thread, problems = build_thread(items, [Broken("b", "a", "b.yaml")])
    assert problems == []
    assert shape(thread.roots) == [["a", ["f", ["d", ["e"]]]]]


def test_replies_go_to_the_top_when_no_ancestor_is_left() -> None:
    items = [c("d", "b", 3), c("e", "d", 1)]
    thread, _ = build_thread(
        items, [Broken("b", "a", "b.yaml"), Broken("a", None, "a.yaml")]
    )
    assert shape(thread.roots) == [["d", ["e"]]]


def test_a_missing_parent_is_an_error_and_its_replies_move_up() -> None:
    thread, problems = build_thread([c("o", "nobody"), c("r", "o", 1), c("s")])
    assert [(p.path, p.field) for p in problems] == [("o.yaml", "parent")]
    assert "nobody" in problems[0].message
    assert shape(thread.roots) == ["s", "r"]


def test_every_member_of_a_cycle_is_an_error() -> None:
    items = [c("a", "c"), c("b", "a", 1), c("c", "b", 2), c("d", "a", 3), c("e")]
    thread, problems = build_thread(items)
    assert sorted(p.path for p in problems) == ["a.yaml", "b.yaml", "c.yaml"]
    assert shape(thread.roots) == ["e", "d"]


def test_a_cycle_through_a_broken_comment() -> None:
    items = [c("a", "b"), c("r", "b", 5)]
    thread, problems = build_thread(items, [Broken("b", "a", "b.yaml")])
    assert [p.path for p in problems] == ["a.yaml"]
    assert shape(thread.roots) == ["r"]


def test_a_self_loop_among_broken_comments_does_not_hang() -> None:
    thread, _ = build_thread([c("r", "b")], [Broken("b", "b", "b.yaml")])
    assert shape(thread.roots) == ["r"]


def test_counts_leave_out_removed_placeholders() -> None:
    items = [c("a"), c("b", "a", 1, status="removed", author=""), c("x", "b", 2)]
    thread, _ = build_thread(items)
    assert thread.count == 2
    assert len(thread) == 3
    assert [x.id for x in thread.published] == ["a", "x"]
    assert thread.newest is not None and thread.newest.id == "x"
    assert shape(thread.roots) == [["a", [["b", ["x"]]]]]


def test_empty() -> None:
    thread, problems = build_thread([])
    assert (
        thread == EMPTY and problems == [] and EMPTY.newest is None and EMPTY.count == 0
    )


def test_a_chain_of_5000_is_threaded_without_deep_recursion() -> None:
    thread, problems = build_thread(chain(5000))
    assert problems == []
    nodes = list(_walk(thread.roots))
    assert len(nodes) == 5000 and thread.count == 5000
    assert max(n.depth for n in nodes) == 5
    deepest = [n for n in nodes if n.reply_to is not None]
    assert len(deepest) == 4995
    assert all(n.reply_to.id == f"c{int(n.comment.id[1:]) - 1}" for n in deepest)  # type: ignore[union-attr]


def test_a_broad_thread_of_5000() -> None:
    items = [c(f"t{i}", None, i) for i in range(2500)] + [
        c(f"r{i}", f"t{i}", 3000 + i) for i in range(2500)
    ]
    thread, _ = build_thread(items)
    assert len(thread.roots) == 2500 and all(len(n.replies) == 1 for n in thread.roots)


def _walk(nodes: tuple[ThreadNode, ...]):  # type: ignore[no-untyped-def]
    stack = list(nodes)
    while stack:
        n = stack.pop()
        yield n
        stack.extend(n.replies)
