"""What the service knows of the site: which posts exist, which take comments, and
which comment ids each thread has (so a reply names a real parent).

Read from the site's working tree without Pelican: the metadata header of each
Markdown file and the thread folders, through the shared comment loader.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path

from comments.check import parse_date
from comments.load import load_thread

#: A slug as Pelican writes it with our substitutions; also safe as a path part.
SLUG = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*):\s*(.*)$")
MODES = ("open", "closed", "off")


@dataclass(frozen=True, slots=True)
class Post:
    """One post or page as far as comments go."""

    slug: str
    mode: str  # "open" | "closed" | "off"
    title: str  # of the first file (in path order)
    titles: tuple[tuple[str, str], ...]  # (lang, title) of files that name a Lang
    comment_ids: frozenset[str]

    @property
    def open(self) -> bool:
        return self.mode == "open"

    def title_in(self, lang: str | None) -> str:
        """The title of the translation in ``lang``, else the first file's."""
        return dict(self.titles).get(lang or "", self.title)


def read_header(path: Path) -> dict[str, str]:
    """Pelican's ``Key: value`` header of a Markdown file, keys lower-cased."""
    meta: dict[str, str] = {}
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle):
            if number > 200 or not line.strip():
                break
            match = _HEADER.match(line.rstrip("\n"))
            if not match:
                break
            meta[match.group(1).lower()] = match.group(2).strip()
    return meta


def _mode(meta: dict[str, str], default: str) -> str:
    mode = meta.get("comments", default).strip().lower()
    return mode if mode in MODES else default


def _closed_by_age(meta: dict[str, str], days: int | None, zone: tzinfo) -> bool:
    if days is None or "date" not in meta:
        return False
    try:
        date = parse_date(meta["date"].replace(" ", "T", 1), zone)
    except ValueError:
        return False
    return datetime.now(UTC) - date > timedelta(days=days)


def scan_posts(
    content: Path,
    comments_dir: Path,
    zone: tzinfo,
    close_after_days: int | None = None,
) -> dict[str, Post]:
    """Every post (``posts/``, default open) and page (``pages/``, default off).

    A slug shared by translations is one thread; the most restrictive mode of its
    files wins, so a closed original is not reopened by its translation. Drafts
    and hidden posts take no comments.
    """
    found: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for folder, default in (("posts", "open"), ("pages", "off")):
        base = content / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*.md")):
            meta = read_header(path)
            slug = meta.get("slug") or path.stem
            if not SLUG.fullmatch(slug):
                continue
            mode = _mode(meta, default)
            if meta.get("status", "published").lower() != "published":
                mode = "off"
            if mode == "open" and _closed_by_age(meta, close_after_days, zone):
                mode = "closed"
            found.setdefault(slug, []).append((mode, meta))
    posts: dict[str, Post] = {}
    for slug, versions in found.items():
        modes = {m for m, _ in versions}
        mode = next(m for m in ("off", "closed", "open") if m in modes)
        meta = versions[0][1]
        thread_dir = comments_dir / slug
        ids: frozenset[str] = frozenset()
        if thread_dir.is_dir():
            loaded = load_thread(thread_dir, zone)
            ids = frozenset(c.id for c in loaded.comments)
        titles = tuple(
            (m["lang"].lower(), m.get("title", slug))
            for _, m in versions
            if m.get("lang")
        )
        posts[slug] = Post(slug, mode, meta.get("title", slug), titles, ids)
    return posts


class SiteIndex:
    """The posts of the working tree, re-read at most every ``ttl`` seconds."""

    def __init__(
        self,
        content: Path,
        comments_dir: Path,
        zone: tzinfo,
        close_after_days: int | None = None,
        ttl: float = 5.0,
    ) -> None:
        self._args = (content, comments_dir, zone, close_after_days)
        self._ttl = ttl
        self._lock = threading.Lock()
        self._posts: dict[str, Post] = {}
        self._read_at = float("-inf")

    def posts(self) -> dict[str, Post]:
        """The current posts (blocking: call it from a worker thread)."""
        with self._lock:
            now = time.monotonic()
            if now - self._read_at >= self._ttl:
                self._posts = scan_posts(*self._args)
                self._read_at = now
            return self._posts

    def cached(self) -> dict[str, Post] | None:
        """The posts when the last read is still fresh (never blocks), else None."""
        if time.monotonic() - self._read_at < self._ttl and self._posts:
            return self._posts
        return None

    def get(self, slug: str) -> Post | None:
        return self.posts().get(slug)
