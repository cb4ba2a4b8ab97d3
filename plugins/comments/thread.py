"""Parent links to an ordered tree: cycles, missing parents, display depth.

Runs in time linear in the number of comments (plus sorting siblings). A
comment in error is left out and its replies take its place; replies below the
display depth are shown at the deepest level and name the comment they answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sitekit.problems import Problem

from .model import Broken, Comment

DEFAULT_DEPTH = 5


@dataclass(frozen=True, slots=True)
class ThreadNode:
    """A comment in its display position."""

    comment: Comment
    replies: tuple[ThreadNode, ...]
    depth: int  # 1 for top level, at most the display depth
    reply_to: Comment | None = None  # set where the node is not nested under its parent


@dataclass(frozen=True, slots=True)
class Thread:
    """A post's discussion, ready to render."""

    roots: tuple[ThreadNode, ...]
    comments: tuple[Comment, ...]  # every shown comment, oldest first
    count: int  # comments shown, placeholders of removed comments not counted

    @property
    def newest(self) -> Comment | None:
        return self.comments[-1] if self.comments else None


EMPTY = Thread((), (), 0)


def _order(c: Comment) -> tuple[object, str]:
    return (c.date, c.id)


def build_thread(
    comments: Iterable[Comment],
    broken: Iterable[Broken] = (),
    *,
    depth: int = DEFAULT_DEPTH,
) -> tuple[Thread, list[Problem]]:
    """Thread the comments; problems for missing parents and for cycles."""
    depth = max(1, depth)
    by_id = {c.id: c for c in comments}
    broken_parent = {b.id: b.parent for b in broken if b.id not in by_id}
    problems: list[Problem] = []

    # Missing parents: a parent that neither exists nor was left out for errors.
    for c in list(by_id.values()):
        if c.parent is not None and c.parent not in by_id and c.parent not in broken_parent:
            problems.append(
                Problem(c.path, c.line, "parent", f"no comment with id '{c.parent}' in this thread",
                        "name the id of an existing comment, or remove 'parent'")
            )
            broken_parent[c.id] = None
            del by_id[c.id]

    # Cycles: walk each chain once, colouring nodes (0 new, 1 on the path, 2 done).
    state: dict[str, int] = {}
    in_cycle: set[str] = set()
    for start in by_id:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in by_id and state.get(node, 0) == 0:
            state[node] = 1
            path.append(node)
            node = by_id[node].parent
        if node is not None and state.get(node) == 1:
            in_cycle.update(path[path.index(node):])
        for n in path:
            state[n] = 2
    for cid in sorted(in_cycle):
        c = by_id.pop(cid)
        problems.append(
            Problem(c.path, c.line, "parent", f"comment '{cid}' is part of a reply cycle",
                    "one comment of the cycle must answer another comment or none")
        )
        broken_parent[cid] = None  # no ancestor is left for replies of a cycle

    def shown_parent(c: Comment) -> str | None:
        """The nearest ancestor still shown; broken ancestors give way."""
        parent = c.parent
        seen: set[str] = set()
        while parent is not None and parent not in by_id:
            if parent in seen:
                return None
            seen.add(parent)
            parent = broken_parent.get(parent)
        return parent

    children: dict[str | None, list[Comment]] = {}
    placed_parent: dict[str, str | None] = {}
    for c in by_id.values():
        p = shown_parent(c)
        placed_parent[c.id] = p
        children.setdefault(p, []).append(c)
    for siblings in children.values():
        siblings.sort(key=_order)

    def flattened(c: Comment) -> list[Comment]:
        """All descendants of c, oldest first, for display at the deepest level."""
        out: list[Comment] = []
        stack = list(children.get(c.id, ()))
        while stack:
            d = stack.pop()
            out.append(d)
            stack.extend(children.get(d.id, ()))
        out.sort(key=_order)
        return out

    def build(c: Comment, level: int, reply_to: Comment | None) -> list[ThreadNode]:
        if level < depth:
            kids = tuple(
                n for k in children.get(c.id, ()) for n in build(k, level + 1, None)
            )
            return [ThreadNode(c, kids, level, reply_to)]
        deeper = [
            ThreadNode(d, (), level, by_id[placed_parent[d.id]])  # type: ignore[index]
            for d in flattened(c)
        ]
        return [ThreadNode(c, (), level, reply_to), *deeper]

    # Build iteratively for the top levels would be possible; recursion depth is
    # bounded by the display depth, since deeper levels are flattened.
    roots = tuple(n for c in children.get(None, ()) for n in build(c, 1, None))
    shown = tuple(sorted(by_id.values(), key=_order))
    count = sum(1 for c in shown if not c.removed)
    return Thread(roots, shown, count), problems
