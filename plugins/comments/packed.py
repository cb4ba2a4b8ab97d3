"""A post's thread and body HTML as the build hands them out: packed until read.

A build needs every thread's few facts (its count, whether it has comments,
its newest date, its key) for listings, feeds and page stamps, but the
comments themselves only where one page or one feed shows them. Kept as
objects, 20,000 comments cost the main process ~47 MB, and a rebuild would
unpickle every thread to learn its count. So a thread stays its cache entry's
bytes (``folder.ThreadData``), and ``PackedThread`` and ``PackedHtml`` stand
for ``Thread`` and the id-to-HTML dict: the facts are read from the entry,
anything else unpacks it (in a forked page writer, for the page it renders).
A page reads its thread several times in a row (rows, JSON-LD, form), so the
last few unpacked threads are kept (``RecentThreads``), never all of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from .folder import ThreadData
from .model import Comment
from .thread import Thread, ThreadNode


class RecentThreads:
    """The last few threads unpacked, by key (one build's, or one page writer's)."""

    __slots__ = ("_found", "size")

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self._found: dict[str, tuple[Thread, dict[str, str], str]] = {}

    def get(self, data: ThreadData) -> tuple[Thread, dict[str, str], str]:
        found = self._found.get(data.key)
        if found is None:
            found = data.unpack()
            if len(self._found) >= self.size:
                del self._found[next(iter(self._found))]  # the oldest
            self._found[data.key] = found
        return found


class PackedThread:
    """A ``Thread`` read from its packed entry: facts at once, comments when asked.

    Compares equal to the ``Thread`` it stands for; pickles as the entry.
    """

    __slots__ = ("_recent", "data")

    def __init__(self, data: ThreadData, recent: RecentThreads | None = None) -> None:
        self.data = data
        self._recent = recent if recent is not None else RecentThreads(1)

    def unpacked(self) -> Thread:
        return self._recent.get(self.data)[0]

    def json_template(self) -> str:
        """Its JSON-LD text, marked where the page URL goes (``jsonld``)."""
        return self._recent.get(self.data)[2]

    @property
    def roots(self) -> tuple[ThreadNode, ...]:
        return self.unpacked().roots

    @property
    def comments(self) -> tuple[Comment, ...]:
        return self.unpacked().comments

    @property
    def published(self) -> tuple[Comment, ...]:
        return self.unpacked().published

    @property
    def newest(self) -> Comment | None:
        return self.unpacked().newest

    @property
    def count(self) -> int:
        return self.data.count

    @property
    def newest_date(self) -> datetime | None:
        return self.data.newest

    def __len__(self) -> int:
        return self.data.size

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedThread):
            other = other.unpacked()
        if isinstance(other, Thread):
            return self.unpacked() == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.unpacked())

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedThread, (self.data,))

    def __repr__(self) -> str:
        return f"PackedThread({self.data.size} comments, key {self.data.key[:12]})"


class PackedHtml(Mapping[str, str]):
    """The thread's comment id to body HTML, unpacked when a body is read.

    Its length (one body per shown comment) is known without unpacking.
    """

    __slots__ = ("_recent", "data")

    def __init__(self, data: ThreadData, recent: RecentThreads | None = None) -> None:
        self.data = data
        self._recent = recent if recent is not None else RecentThreads(1)

    def unpacked(self) -> dict[str, str]:
        """The dict itself (a page's rows read every body: one lookup)."""
        return self._recent.get(self.data)[1]

    _html = unpacked

    def __getitem__(self, cid: str) -> str:
        return self._html()[cid]

    def get(self, cid: str, default: Any = None) -> Any:
        return self._html().get(cid, default)

    def __contains__(self, cid: object) -> bool:
        return cid in self._html()

    def __iter__(self) -> Iterator[str]:
        return iter(self._html())

    def __len__(self) -> int:
        return self.data.size

    def __reduce__(self) -> tuple[Any, ...]:
        return (PackedHtml, (self.data,))

    def __repr__(self) -> str:
        return f"PackedHtml({self.data.size} bodies, key {self.data.key[:12]})"
