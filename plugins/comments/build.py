"""One build's comments: settings, each thread loaded once, attributes per post.

Kept apart from ``plugin.py`` so that it can be tested without Pelican's
process-global signals: a post or page is anything with the few attributes
described by ``ContentLike``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitekit.cache import ContentCache, cache_for, code_version, fork_piped
from sitekit.problems import Problem, ProblemLog, problem_log

from .check import parse_date
from .folder import (
    ALLOWED_MODULES,
    FolderCache,
    Listing,
    ThreadData,
    listing,
    parts_digest,
)
from .jsonld import JsonObject, ThreadJsonLd
from .load import SUFFIXES, thread_files
from .packed import PackedHtml, PackedThread, RecentThreads
from .render import ThreadView
from .thread import DEFAULT_DEPTH, EMPTY, MAX_DEPTH

logger = logging.getLogger(__name__)

#: Values of the ``Comments:`` header.
MODES = ("open", "closed", "off")
#: Where the build keeps its ``CommentsBuild`` (one per Pelican run).
STATE_KEY = "_COMMENTS_BUILD"
#: The persistent cache of checked and rendered comment files (sitekit.cache).
CACHE_NAME = "comments"


def comment_cache(settings: dict[str, Any]) -> ContentCache:
    """The cache of checked comment files, keyed by bytes, code and time zone."""
    version = code_version(
        "comments",
        "sitekit",
        distributions=("markdown-it-py", "cmarkgfm", "nh3", "pyyaml", "babel"),
    )
    return cache_for(settings, CACHE_NAME, version, allowed_modules=ALLOWED_MODULES)


def _folder_name(root: Path, slug: str) -> str:
    """``str(root / slug)``, the name the folder scan and the pool key a thread
    folder by, without making a Path for each of a thousand posts."""
    base = str(root)
    if (
        base == "."
        or slug in (".", "")
        or os.sep in slug
        or (os.altsep and os.altsep in slug)
    ):
        return str(root / slug)  # Path normalizes these: let it
    return os.path.join(base, slug)


class SettingsError(ValueError):
    """A ``COMMENTS_*`` setting has a value the plugin cannot use."""


class ContentLike(Protocol):
    """What we read from a Pelican article or page."""

    slug: str
    lang: str
    url: str
    metadata: dict[str, Any]
    source_path: str


@dataclass(frozen=True, slots=True)
class CommentSettings:
    """The ``COMMENTS_*`` settings, checked once per build."""

    path: Path  # the folder that holds one folder per thread
    depth: int = DEFAULT_DEPTH
    close_after_days: int | None = None
    now: datetime | None = None  # None: the build's own clock
    timezone: tzinfo = UTC
    siteurl: str = ""
    default_lang: str = "en"

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> CommentSettings:
        """Read and check the settings; a bad value stops the build with its name."""

        def bad(key: str, message: str) -> None:
            raise SettingsError(f"{key} {message} (fix the settings file)")

        try:
            timezone: tzinfo = ZoneInfo(str(settings.get("TIMEZONE") or "UTC"))
        except (ZoneInfoNotFoundError, ValueError):
            timezone = ZoneInfo("UTC")  # Pelican itself complains about TIMEZONE
        depth = settings.get("COMMENTS_DISPLAY_DEPTH", DEFAULT_DEPTH)
        if (
            not isinstance(depth, int)
            or isinstance(depth, bool)
            or not 1 <= depth <= MAX_DEPTH
        ):
            bad(
                "COMMENTS_DISPLAY_DEPTH",
                f"must be a whole number from 1 to {MAX_DEPTH}, not {depth!r}",
            )
        days = settings.get("COMMENTS_CLOSE_AFTER_DAYS")
        if days is not None and (
            not isinstance(days, int) or isinstance(days, bool) or days < 0
        ):
            bad(
                "COMMENTS_CLOSE_AFTER_DAYS",
                f"must be None or a whole number of days >= 0, not {days!r}",
            )
        now_raw = settings.get("COMMENTS_NOW")
        now: datetime | None = None
        if isinstance(now_raw, datetime):
            now = now_raw if now_raw.tzinfo else now_raw.replace(tzinfo=timezone)
        elif isinstance(now_raw, str) and now_raw:
            try:
                now = parse_date(now_raw, timezone)
            except ValueError:
                bad("COMMENTS_NOW", f"'{now_raw}' is not an ISO 8601 date")
        elif now_raw is not None:
            bad("COMMENTS_NOW", f"must be an ISO 8601 date or None, not {now_raw!r}")
        content = Path(str(settings.get("PATH") or "content"))
        return cls(
            path=content / str(settings.get("COMMENTS_PATH") or "comments"),
            depth=depth,
            close_after_days=days,
            now=now,
            timezone=timezone,
            siteurl=str(settings.get("SITEURL") or "").rstrip("/"),
            default_lang=str(settings.get("DEFAULT_LANG") or "en"),
        )


#: The key of no thread: no folder, or ``Comments: off``.
NO_THREAD_KEY = parts_digest("no thread")
#: A post without a thread folder, or with ``Comments: off``.
NO_THREAD = ThreadData.pack(EMPTY, {}, NO_THREAD_KEY)


def no_thread() -> ThreadData:
    """A post without a thread folder, or with ``Comments: off``."""
    return NO_THREAD


@dataclass
class CommentsBuild:
    """Per-build state: settings, the threads loaded so far, the slugs seen."""

    settings: CommentSettings
    log: ProblemLog
    threads: dict[str, ThreadData] = field(default_factory=dict)
    slugs: set[str] = field(default_factory=set)
    started: datetime = field(default_factory=lambda: datetime.now().astimezone())
    cache: ContentCache | None = None
    #: Folder listings made by ``folders_to_prefetch``, used once by ``_load``.
    _listings: dict[str, Listing] = field(default_factory=dict)
    #: Threads ``folders_to_prefetch`` found by their stamps, for ``_load``.
    _found: dict[str, ThreadData] = field(default_factory=dict)
    #: Folders a forked scan found unchanged: their stamp's and thread's keys.
    _keys: dict[str, tuple[str, str]] = field(default_factory=dict)
    #: The forked scan still running (``scan_in_child``): its pid and pipe.
    _scan: tuple[int, int] | None = None
    _folder_cache: FolderCache | None = None
    #: The thread and HTML handed to posts, by thread key (translations share them).
    _shown: dict[str, tuple[Any, Mapping[str, str]]] = field(default_factory=dict)
    #: The threads a page or feed unpacked last (see ``packed``).
    _recent: RecentThreads = field(default_factory=RecentThreads)

    @property
    def now(self) -> datetime:
        return self.settings.now or self.started

    def thread_of(self, slug: str) -> ThreadData:
        """The thread of a slug, loaded, checked and threaded on first use."""
        data = self.threads.get(slug)
        if data is None:
            data = self._load(slug)
            self.threads[slug] = data
        return data

    def _folders(self) -> FolderCache:
        if self._folder_cache is None:
            self._folder_cache = FolderCache(
                self.cache, self.settings.timezone, self.settings.depth
            )
        return self._folder_cache

    def _load(self, slug: str) -> ThreadData:
        if not slug:
            return no_thread()
        name = _folder_name(self.settings.path, slug)
        # Found by its stamp before the pool started, or listed then.
        if self._scan is not None:
            self.take_scan()  # asked before the posts were read: here and now
        data = self._found.pop(name, None)
        keys = self._keys.pop(name, None)
        files = self._listings.pop(name, None)
        if data is None and keys is not None and self.cache is not None:
            got = self.cache.get(keys[1])
            if isinstance(got, ThreadData) and got.key == keys[1]:
                self.cache.hits += 1
                data = got
        if data is not None:  # the usual case on a rebuild: no Path made
            self.log.extend(data.problems)
            return data
        folders = self._folders()
        folder = Path(name)
        hook = self.cache.prefetched if self.cache is not None else None
        if data is None and hook is not None:
            # Queued for a worker (fastbuild's pool): its entries, else MISSING.
            entries = hook("", name)
            if isinstance(entries, dict):
                data = folders.adopt(entries)
        if data is None:
            files = files if files is not None else listing(folder)
            if files is None:
                return no_thread()
            data = folders.known(folder, files)
            if data is None:
                data = folders.load(folder, files)
        assert data is not None  # load computes what the cache does not hold
        self.log.extend(data.problems)
        return data

    def folders_to_prefetch(self) -> list[str]:
        """Thread folders the cache cannot serve, for a worker pool, in path order.

        With an empty cache that is every folder, listed by its worker. Else
        a folder whose stamp is unchanged is served without reading it, and
        the others are read and digested here (cheap next to checking and
        rendering them). Listings are kept for ``decorate``, which comes next.
        """
        root = self.settings.path
        try:
            with os.scandir(root) as entries:
                names = sorted(
                    e.name for e in entries if not e.name.startswith(".") and e.is_dir()
                )
        except OSError:
            return []
        if self.cache is None or len(self.cache) == 0:
            return [str(root / name) for name in names]
        folders = self._folders()
        todo: list[str] = []
        for name in names:
            folder = root / name
            files = listing(folder)
            if files is None:
                continue
            known = folders.known(folder, files)
            if known is not None:
                self._found[str(folder)] = known
                continue
            self._listings[str(folder)] = files
            if folders.load(folder, files, compute_missing=False) is None:
                todo.append(str(folder))
        return todo

    def _folder_names(self) -> list[str]:
        try:
            with os.scandir(self.settings.path) as entries:
                return sorted(
                    e.name for e in entries if not e.name.startswith(".") and e.is_dir()
                )
        except OSError:
            return []

    def _stamp_scan(self) -> tuple[dict[str, tuple[str, str]], list[str]]:
        """Each folder's stamp looked up (nothing unpickled, nothing stored):
        the unchanged ones with their stamp's and thread's keys, and the others.
        """
        cache, folders, root = self.cache, self._folders(), self.settings.path
        assert cache is not None
        known: dict[str, tuple[str, str]] = {}
        changed: list[str] = []
        for name in self._folder_names():
            folder = root / name
            files = listing(folder)
            if files is None:
                continue
            stamped = folders.stamped_key(folder, files)
            if stamped is not None and stamped[1] in cache:
                known[str(folder)] = stamped
            else:
                changed.append(str(folder))
        return known, changed

    def scan_in_child(self) -> bool:
        """Start the stamp checks of ``folders_to_prefetch`` on the other core.

        On a rebuild they are most of what this plugin does before the posts
        are read (a listing and a stat of every comment file), and nothing
        needs them until then: a forked child does them while Pelican reads
        the posts, and ``take_scan`` collects them. Only with a warm cache
        (a cold one is not stat'ed at all); False when no child was started.
        """
        if self.cache is None or len(self.cache) == 0 or not hasattr(os, "fork"):
            return False
        self._folders()  # made here, shared with the child
        forked = fork_piped()
        if forked is None:
            return False
        pid, fd = forked
        if pid == 0:  # the child: no logging (a lock may be held), no cleanup
            code = 1
            try:
                data = json.dumps(self._stamp_scan()).encode()
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                code = 0
            finally:
                os._exit(code)
        self._scan = (pid, fd)
        return True

    def take_scan(self) -> list[str] | None:
        """The forked scan's result, as ``folders_to_prefetch`` gives it; None
        when none was started. A child that failed: the scan is done here.
        """
        if self._scan is None:
            return None
        pid, fd = self._scan
        self._scan = None
        result: Any = None
        try:
            with os.fdopen(fd, "rb") as fh:
                raw = fh.read()
            # Complete JSON is the child's whole answer; a child cut short
            # leaves none (the status is not needed, and a worker pool's
            # reaping of any child may have taken it).
            result = json.loads(raw) if raw else None
        except (OSError, ValueError):
            result = None
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)
        if result is None:
            logger.debug("comments: the forked folder scan failed; scanning here")
            return self.folders_to_prefetch()
        known, changed = result
        assert self.cache is not None
        # Kept at the next save, as ``known`` keeps them by asking.
        self.cache.touch(k for pair in known.values() for k in pair)
        self._keys.update((k, (v[0], v[1])) for k, v in known.items())
        folders = self._folders()
        todo: list[str] = []
        for name in changed:
            folder = Path(name)
            files = listing(folder)
            if files is None:
                continue
            self._listings[name] = files
            if folders.load(folder, files, compute_missing=False) is None:
                todo.append(name)
        return todo

    def mode_of(self, content: ContentLike, *, page: bool) -> str:
        """open, closed or off: the header (pages default to off), then the age rule."""
        raw = content.metadata.get("comments")
        mode = (
            str(raw).strip().lower() if raw is not None else ("off" if page else "open")
        )
        if mode not in MODES:
            # The header rules are checked (and reported) by the sitecheck
            # plugin; here an unknown value neither hides a thread nor invites
            # new comments.
            mode = "closed"
        if mode == "open" and self.settings.close_after_days is not None:
            date = getattr(content, "date", None)
            if isinstance(date, datetime):
                if date.tzinfo is None:
                    date = date.replace(tzinfo=self.settings.timezone)
                if self.now >= date + timedelta(days=self.settings.close_after_days):
                    mode = "closed"
        return mode

    def decorate(self, content: ContentLike, *, page: bool = False) -> None:
        """Set the attributes the theme and the feeds read (see the README)."""
        self.slugs.add(content.slug)
        data = self.thread_of(content.slug)
        mode = self.mode_of(content, page=page)
        if mode == "off":
            data = no_thread()
        lang = getattr(content, "lang", None) or self.settings.default_lang
        page_url = (
            f"{self.settings.siteurl}/{content.url}"
            if self.settings.siteurl
            else content.url
        )
        thread, html = self.shown(data)
        attrs: dict[str, Any] = {
            "thread": thread,
            "comment_count": thread.count,
            "comments_mode": mode,
            "comments_open": mode == "open",
            "comment_html": html,
            # Both made when a page reads them, not here (see their classes).
            "comment_jsonld": ThreadJsonLd(thread, page_url, html) if thread else [],
            "comment_views": ThreadView(
                thread,
                html,
                lang,
                self.settings.timezone,
                comment_digest(data, mode, lang, page_url),
            ),
        }
        for name, value in attrs.items():
            setattr(content, name, value)

    def shown(self, data: ThreadData) -> tuple[Any, Mapping[str, str]]:
        """The ``thread`` and ``comment_html`` of posts showing ``data``, still packed.

        They behave like ``Thread`` and a dict (``packed``); a thread without
        comments is ``EMPTY`` itself, with a dict of its own.
        """
        if not data.size:
            return EMPTY, {}
        found = self._shown.get(data.key)
        if found is None:
            found = PackedThread(data, self._recent), PackedHtml(data, self._recent)
            self._shown[data.key] = found
        return found

    def report_orphans(self) -> None:
        """A thread folder whose slug no post or page has is an error naming it."""
        root = self.settings.path
        try:  # scandir knows each entry's type: no stat per thread folder
            with os.scandir(root) as found:
                entries = sorted(
                    (e.name, e.is_dir(), e.is_file())
                    for e in found
                    if not e.name.startswith(".")
                )
        except (FileNotFoundError, NotADirectoryError):
            return
        for name, is_dir, is_file in entries:
            entry = root / name
            if is_dir and name not in self.slugs:
                if not thread_files(entry):
                    continue  # an empty folder holds no comments to lose
                self.log.add(
                    Problem(
                        str(entry),
                        None,
                        "folder",
                        f"no post or page has the slug '{name}'",
                        "rename the folder to the slug of its post, or move its files",
                    )
                )
            elif is_file and os.path.splitext(name)[1] in SUFFIXES:
                self.log.add(
                    Problem(
                        str(entry),
                        None,
                        "folder",
                        "a comment file must lie in its post's folder",
                        f"move it to {root.name}/<post-slug>/",
                    )
                )


def comment_digest(data: ThreadData, mode: str, lang: str, page_url: str) -> str:
    """One digest of every comment attribute ``decorate`` sets on a post or page.

    ``thread``, ``comment_count``, ``comment_html``, ``comment_jsonld``,
    ``comment_views``, ``comments_mode`` and ``comments_open`` are made from
    the thread folder's files (``ThreadData.key``), the mode, the page
    language and URL, and nothing else (the code is in the files' keys): equal
    digests, equal values, so a page writer may compare this short text
    instead of digesting 20,000 comments. ``comment_digest_of`` reads it back.
    """
    return parts_digest(data.key, mode, lang, page_url)


def comment_digest_of(content: Any) -> str | None:
    """The ``comment_digest`` of a decorated post or page, None for any other.

    Kept in its ``comment_views`` (a tracked attribute, so the digest is no
    post data of its own) and read from the instance's dict, so asking is not
    a read that fastbuild's tracking records.
    """
    views = getattr(content, "__dict__", {}).get("comment_views")
    return (views.digest or None) if isinstance(views, ThreadView) else None


def build_state(settings: dict[str, Any]) -> CommentsBuild:
    """The build's ``CommentsBuild``, kept in its settings (created on first use)."""
    state = settings.get(STATE_KEY)
    if not isinstance(state, CommentsBuild):
        state = CommentsBuild(
            CommentSettings.from_settings(settings),
            problem_log(settings),
            cache=comment_cache(settings),
        )
        settings[STATE_KEY] = state
    return state


def decorate_all(
    state: CommentsBuild, contents: Iterable[ContentLike], *, page: bool
) -> None:
    """Decorate every post or page of one generator."""
    for content in contents:
        state.decorate(content, page=page)


__all__ = [
    "MODES",
    "CommentSettings",
    "CommentsBuild",
    "ContentLike",
    "JsonObject",
    "SettingsError",
    "ThreadData",
    "build_state",
    "comment_digest",
    "comment_digest_of",
    "decorate_all",
]
