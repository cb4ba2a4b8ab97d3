"""The comment as the rest of the project sees it: checked, typed, immutable."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

#: Values of ``role`` that show a badge.
ROLES = ("author", "moderator")
#: Values of ``status``, our extension to the contract: a removed comment keeps
#: its place (and its replies) and shows "comment removed"; author and body
#: may then be left out.
STATUSES = ("removed",)


@dataclass(frozen=True, slots=True)
class Comment:
    """One approved comment of one thread, as read from a YAML file."""

    id: str
    author: str  # plain text, controls removed, whitespace folded; "" when removed
    date: datetime  # always timezone-aware
    #: Markdown source as written; render with sitekit.markup. A build's
    #: thread (``folder.ThreadData``) keeps it rendered instead, and "" here.
    body: str
    path: str
    line: int | None = None
    parent: str | None = None
    website: str | None = None
    role: str | None = None
    status: str | None = None
    #: Line of the ``parent:`` key, for thread-level problems (missing, cycle).
    parent_line: int | None = None

    @property
    def removed(self) -> bool:
        """True for a moderator's placeholder that keeps the thread whole."""
        return self.status == "removed"


@dataclass(frozen=True, slots=True)
class Broken:
    """A comment left out for its errors; its replies move up in its place."""

    id: str
    parent: str | None
    path: str
    line: int | None = None
