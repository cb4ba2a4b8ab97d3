"""Parent links to an ordered tree: cycles, missing parents, display depth.

Runs in time linear in the number of comments (plus sorting siblings), with no
recursion deeper than the display depth, so a 5,000-long reply chain is fine.
A comment in error is left out and its replies take its place; replies below
the display depth are shown at the deepest level and name the comment they
answer, as WordPress does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from sitekit.problems import Problem

from .model import Broken, Comment

#: WordPress's default display depth.
DEFAULT_DEPTH = 5
#: Deeper nesting is unreadable on any screen; recursion stays shallow.
MAX_DEPTH = 10


@dataclass(frozen=True, slots=True)
class ThreadNode:
    """A comment in its display position."""

    comment: Comment
    replies: tuple[ThreadNode, ...]
    depth: int  # 1 for top level, at most the display depth
    #: The comment this one answers, set only where the node is not shown
    #: inside its parent's element (flattened below the display depth).
    reply_to: Comment | None = None


@dataclass(frozen=True, slots=True)
class Thread:
    """A post's discussion, ready to render."""

    roots: tuple[ThreadNode, ...]
    #: Every shown comment, oldest first, placeholders of removed ones included.
    comments: tuple[Comment, ...]
    #: Comments shown, placeholders of removed comments not counted.
    count: int

    @property
    def published(self) -> tuple[Comment, ...]:
        """The shown comments that have text (no removed placeholders), oldest first."""
        return tuple(c for c in self.comments if not c.removed)

    @property
    def newest(self) -> Comment | None:
        """The newest comment with text, for "last comment" displays and feeds."""
        for c in reversed(self.comments):
            if not c.removed:
                return c
        return None

    @property
    def newest_date(self) -> datetime | None:
        """The date of ``newest`` (kept beside a packed thread: no comment read)."""
        newest = self.newest
        return newest.date if newest is not None else None

    def __len__(self) -> int:
        return len(self.comments)


EMPTY = Thread((), (), 0)


#: Oldest first, ties by id: ``(c.date, c.id)``, got in C (a sort asks once a comment).
_order = attrgetter("date", "id")


def build_thread(
    comments: Iterable[Comment],
    broken: Iterable[Broken] = (),
    *,
    depth: int = DEFAULT_DEPTH,
) -> tuple[Thread, list[Problem]]:
    """Thread the comments; problems for missing parents and for cycles.

    ``comments`` must have unique ids (``load_thread`` sees to that);
    ``broken`` are the comments left out for their own errors, known by id so
    that their replies move up into their place.
    """
    depth = min(max(1, depth), MAX_DEPTH)
    shown_by_id = {c.id: c for c in comments}
    # The parent link of every comment known by id, shown or broken.
    parent_of: dict[str, str | None] = {b.id: b.parent for b in broken}
    parent_of.update({cid: c.parent for cid, c in shown_by_id.items()})
    problems: list[Problem] = []

    def leave_out(c: Comment, message: str, hint: str) -> None:
        problems.append(
            Problem(c.path, c.parent_line or c.line, "parent", message, hint)
        )
        del shown_by_id[c.id]

    for c in list(shown_by_id.values()):
        if c.parent is not None and c.parent not in parent_of:
            leave_out(
                c,
                f"no comment with id '{c.parent}' in this thread",
                "name the id of an existing comment, or remove 'parent'",
            )
            parent_of[c.id] = None  # its replies move to the top level

    # Cycles over all known comments, broken ones included (a cycle through a
    # broken comment would otherwise make a shown comment its own ancestor).
    # Each chain is walked once: 1 = on the current path, 2 = done.
    state: dict[str, int] = {}
    in_cycle: list[str] = []
    for start in parent_of:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in state:
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            in_cycle.extend(path[path.index(node) :])
        for n in path:
            state[n] = 2
    for cid in sorted(in_cycle):
        parent_of[cid] = None  # no ancestor is left for replies of a cycle
        member = shown_by_id.get(cid)
        if member is not None:
            leave_out(
                member,
                f"comment '{cid}' is part of a reply cycle",
                "one comment of the cycle must answer another comment or none",
            )

    # The nearest shown ancestor: broken ancestors give way. Memoized, so
    # long chains of broken comments stay linear.
    resolved: dict[str, str | None] = {}

    def shown_parent(parent: str | None) -> str | None:
        chain: list[str] = []
        while parent is not None and parent not in shown_by_id:
            if parent in resolved:
                parent = resolved[parent]
                break
            chain.append(parent)
            parent = parent_of.get(parent)
        for p in chain:
            resolved[p] = parent
        return parent

    children: dict[str | None, list[Comment]] = {}
    for c in shown_by_id.values():
        children.setdefault(shown_parent(c.parent), []).append(c)
    for siblings in children.values():
        siblings.sort(key=_order)
    placed_under = {c.id: p for p, kids in children.items() for c in kids}

    def flattened(c: Comment) -> list[ThreadNode]:
        """Every descendant of c, oldest first, at the deepest level."""
        found: list[Comment] = []
        stack = list(children.get(c.id, ()))
        while stack:
            d = stack.pop()
            found.append(d)
            stack.extend(children.get(d.id, ()))
        found.sort(key=_order)
        return [
            ThreadNode(d, (), depth, shown_by_id[placed_under[d.id]])  # type: ignore[index]
            for d in found
        ]

    def build(c: Comment, level: int) -> list[ThreadNode]:
        if level < depth:
            kids = tuple(n for k in children.get(c.id, ()) for n in build(k, level + 1))
            return [ThreadNode(c, kids, level)]
        return [ThreadNode(c, (), level), *flattened(c)]

    roots = tuple(n for c in children.get(None, ()) for n in build(c, 1))
    shown = tuple(sorted(shown_by_id.values(), key=_order))
    count = sum(1 for c in shown if not c.removed)
    return Thread(roots, shown, count), problems
