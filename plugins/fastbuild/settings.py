"""The ``FASTBUILD_*`` settings, read and checked once per build."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Attributes the comments plugin sets on posts and pages that change with a
#: new comment; reads of these are recorded per page (see ``tracking``).
DEFAULT_TRACKED = (
    "thread",
    "comment_count",
    "comment_html",
    "comment_jsonld",
    "comment_views",
    "comments_mode",
    "comments_open",
)
#: Tracked attributes whose value has an exact, cheap key, and the function
#: (``module.function``, of the post) that gives it: the key is digested
#: instead of the value (``tracking.read_digest``). The comments plugin keys
#: all of its attributes by the thread's files.
DEFAULT_KEYS: dict[str, str] = dict.fromkeys(
    DEFAULT_TRACKED, "comments.build.comment_digest_of"
)
#: Settings that hold one build's runtime state, not configuration.
DEFAULT_RUNTIME_KEYS = (
    "FASTBUILD_STATE",
    "CONTENT_PROBLEMS",
    "THEMEKIT_STATE",
    "_COMMENTS_BUILD",
    "_DISKURS_CACHES",
    "PLUGINS",  # Pelican turns the list into names after loading; the code covers it
)
#: Settings that say where a build writes, not what: Pelican's content cache
#: made for one output folder serves another.
WHERE_KEYS = (
    "OUTPUT_PATH",
    "CACHE_PATH",
    "DELETE_OUTPUT_DIRECTORY",
    "OUTPUT_RETENTION",
    "BIND",
    "PORT",
)


class SettingsError(ValueError):
    """A ``FASTBUILD_*`` setting has a value the plugin cannot use."""


@dataclass(frozen=True, slots=True)
class FastBuildSettings:
    """What the plugin does in this build."""

    workers: int  # processes at work (this one too); 0 renders everything here
    min_files: int  # below this many files to render, forking costs more than it saves
    min_pages: int  # pages per forked renderer: fewer are not worth a fork
    selective_write: bool  # skip pages whose inputs are unchanged
    parallel_write: bool  # render the pages to write in forked processes too
    cache: (
        bool  # keep the caches between builds (sitekit.cache, Pelican's reader cache)
    )
    tracked: tuple[str, ...]
    #: tracked attribute -> "module.function" giving an exact key of its value
    keys: dict[str, str]
    runtime_keys: tuple[str, ...]
    #: "module.function" of (html, settings), calling a post's text_memo functions
    precompute: tuple[str, ...]

    @property
    def pool_workers(self) -> int:
        """Processes forked to read: the main process takes jobs too, on its own core.

        With one worker per core, a third process on two cores made every
        job about a tenth dearer (switches, cold caches: 6.3 against 5.7 ms
        a post) and slowed the main process, whose serial share sets the
        pace; it never waits on a job no worker started, so needs no spare.
        """
        return self.workers - 1 if self.workers > 1 else self.workers

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> FastBuildSettings:
        def flag(key: str, default: bool) -> bool:
            value = settings.get(key, default)
            if not isinstance(value, bool):
                raise SettingsError(f"{key} must be True or False, not {value!r}")
            return value

        def count(key: str, default: int) -> int:
            value = settings.get(key, default)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise SettingsError(f"{key} must be a whole number >= 0, not {value!r}")
            return value

        def names(key: str, default: tuple[str, ...]) -> tuple[str, ...]:
            value = settings.get(key, default)
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{key} must be a list of names, not {value!r}")
            return tuple(value)

        cores = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
        workers = settings.get("FASTBUILD_WORKERS")
        if workers is None:
            # One per core: the main process waits on them most of the time.
            workers = cores if cores > 1 else 0
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 0:
            raise SettingsError(
                f"FASTBUILD_WORKERS must be None or a number >= 0, not {workers!r}"
            )
        keys = settings.get("FASTBUILD_TRACKED_KEYS", DEFAULT_KEYS)
        if not isinstance(keys, Mapping) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in keys.items()
        ):
            raise SettingsError(
                "FASTBUILD_TRACKED_KEYS must map attribute names to "
                f"'module.function' names, not {keys!r}"
            )
        return cls(
            workers=workers,
            min_files=count("FASTBUILD_MIN_FILES", 24),
            # A fork of a big build and its page-table copy cost about 20 pages.
            min_pages=max(1, count("FASTBUILD_MIN_PAGES_PER_PROCESS", 24)),
            selective_write=flag("FASTBUILD_SELECTIVE_WRITE", True),
            parallel_write=flag("FASTBUILD_PARALLEL_WRITE", True),
            cache=flag("FASTBUILD_CACHE", False),
            tracked=names("FASTBUILD_TRACKED_ATTRIBUTES", DEFAULT_TRACKED),
            keys=dict(keys),
            runtime_keys=DEFAULT_RUNTIME_KEYS + names("FASTBUILD_RUNTIME_SETTINGS", ()),
            precompute=names("FASTBUILD_PRECOMPUTE", ()),
        )
