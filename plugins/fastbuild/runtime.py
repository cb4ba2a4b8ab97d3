"""One build's fast-build state: the settings read, the worker pool, the page stamps.

It lives in Pelican's settings under ``FASTBUILD_STATE`` (as the problem log
does), because readers, generators and the writer all see the settings and
nothing else in common. Pelican pickles its settings into its content cache,
so this object pickles as an empty one.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import importlib
import json
import logging
import os
import time
from pathlib import Path
from typing import Any

from pelican.readers import MarkdownReader
from sitekit.cache import (
    ACTIVE,
    FOLDER,
    MISSING,
    REGISTRY_KEY,
    SETTLE_NS,
    CacheRegistry,
    ContentCache,
    PendingSave,
    cache_for,
    registry_for,
    run_in_child,
)
from sitekit.contentlists import ARTICLE_LISTS, contents_of

from . import tracking
from .fingerprint import Fingerprinter
from .folders import FolderMaker
from .pool import Pool
from .reader import render_file
from .settings import WHERE_KEYS, FastBuildSettings
from .stamps import PageStamps, build_code_version, stamps_version

logger = logging.getLogger(__name__)

#: Pelican's own cache files (reader and generator layer), by generator.
PELICAN_CACHES = (
    "ArticlesGenerator-Readers",
    "PagesGenerator-Readers",
    "ArticlesGenerator",
    "PagesGenerator",
)


def _resolve(name: str, setting: str = "FASTBUILD_PRECOMPUTE") -> Any:
    """``package.module.function`` to the function (a setting names it)."""
    module, _, attr = name.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise ValueError(
            f"{setting} names {name!r}, which cannot be imported ({exc})"
        ) from exc


def _comments_enabled(settings: dict[str, Any]) -> bool:
    return any(
        str(p) in ("comments.plugin", "comments") for p in settings.get("PLUGINS") or ()
    )


def prefetch_thread(
    settings: dict[str, Any], folder: str, version: str, timezone: Any
) -> dict[str, Any]:
    """Check and render one thread folder: its cache entries by key (two, small).

    The folder's thread, body HTML and problems, and the stamp that finds them
    without reading the folder again (``comments.folder``).
    """
    from comments.build import CommentSettings
    from comments.folder import folder_entries

    depth = CommentSettings.from_settings(settings).depth
    return folder_entries(Path(folder), version, timezone, depth)


def _kept_digest(
    known: ContentCache | None, filename: str, st: os.stat_result, stamp: Any
) -> Any:
    """``stamp(filename)``, or the digest kept for a file with this very stat.

    Kept only for a file that had settled when it was read (``SETTLE_NS``).
    """
    signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    if known is not None:
        kept = known.get(filename)
        if (
            isinstance(kept, tuple)
            and len(kept) == 2
            and kept[0] == signature
            and isinstance(kept[1], str)
        ):
            try:
                return bytes.fromhex(kept[1])
            except ValueError:
                pass
    settled = max(st.st_mtime_ns, st.st_ctime_ns) <= time.time_ns() - SETTLE_NS
    digest = stamp(filename)
    if known is not None and settled and isinstance(digest, bytes) and digest:
        known.put(filename, (signature, digest.hex()))
    return digest


def _keep_listing(generator: Any, paths: Any, excludes: Any, files: set[str]) -> None:
    """The generator's later listings of the same folders are this one.

    ``queue_markdown`` lists a generator's files when it is made; Pelican
    lists them again when it reads them, and the site check once more (a walk
    of every post and an ignore-pattern match per file: ~15 ms each at 1,000
    posts). A generator lives for one run, which reads one snapshot of its
    folders. Any other call walks the folders as before.
    """
    if "get_files" in vars(generator):
        return  # someone else's method on this generator: left alone
    original = generator.get_files
    paths = list(paths) if isinstance(paths, list) else paths  # as asked now
    excludes = list(excludes) if isinstance(excludes, list) else excludes

    def get_files(asked: Any, exclude: Any = None, extensions: Any = None) -> set[str]:
        if asked == paths and exclude == excludes and extensions is None:
            return set(files)
        return original(asked, exclude, extensions)

    generator.get_files = get_files


def _idle_cache(owner: Any) -> bool:
    """A Pelican cache layer that this build neither stores in nor loaded.

    Pelican caches at one layer (``CONTENT_CACHING_LAYER``, the reader by
    default); the other layer's cacher still stamps (stats, hashes) every
    file it is asked about, and was saved (a child forked) for nothing.
    """
    return (
        getattr(owner, "_cache_data_policy", True) is False
        and getattr(owner, "_cache", None) == {}
        and callable(getattr(owner, "get_cached_data", None))
    )


def _skip_idle_cache(owner: Any) -> None:
    """Its lookups miss without stamping the file, its stores and save do nothing.

    Exactly what Pelican's own methods return for a cache that is empty and
    stores nothing (a missing entry never equals a file's stamp).
    """
    if getattr(owner, "_fastbuild_idle", False):
        return

    def get_cached_data(filename: str, default: Any = None) -> Any:
        return default

    def cache_data(filename: str, data: Any) -> None:
        return None

    def save_cache() -> None:
        return None

    owner.get_cached_data = get_cached_data
    owner.cache_data = cache_data
    owner.save_cache = save_cache
    owner._fastbuild_idle = True


class Runtime:
    """Per-build state; ``begin`` starts a build, ``end`` finishes it."""

    def __init__(self) -> None:
        self.config: FastBuildSettings | None = None
        self.settings: dict[str, Any] = {}
        self.pool: Pool | None = None
        self.stamps: PageStamps | None = None
        self.code: str = ""
        self.reader_version: str | None = None
        self.queued = 0
        self._hooked: ContentCache | None = None
        self.precompute: tuple[Any, ...] = ()
        #: Caches a child is still writing (see ``finish_saving``).
        self.saving: PendingSave | None = None
        #: Tracked attribute -> function giving an exact key of its value.
        self.keys: dict[str, Any] = {}
        #: What this run did, written to ``CACHE_PATH/diskurs/last-build.json``.
        self.stats: dict[str, Any] = {}
        #: Source file digests of this run (see ``memo_file_stamps``).
        self.file_stamps: dict[tuple[Any, ...], Any] = {}
        #: This process's Markdown instances, reused file after file (``reader``).
        self.markdown: Any = None
        #: The collector is paused while a rebuild reads (see ``pause_collector``).
        self.gc_paused = False
        #: The child making a first build's output folders (``folders``).
        self.folders = FolderMaker()
        #: The post pages' Jinja environment (``templates.compile_theme``).
        self.article_env: Any = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (Runtime, ())

    @property
    def workers(self) -> int:
        return self.config.workers if self.config else 0

    @property
    def parallel_write(self) -> bool:
        return bool(
            self.config and self.config.parallel_write and self.config.workers > 0
        )

    def cache_dir(self) -> Path | None:
        if not (self.config and self.config.cache):
            return None
        return Path(str(self.settings.get("CACHE_PATH") or "cache")) / FOLDER

    def _key_functions(self, settings: dict[str, Any]) -> dict[str, Any]:
        """``FASTBUILD_TRACKED_KEYS`` resolved; the default only with its plugin on."""
        assert self.config is not None
        explicit = "FASTBUILD_TRACKED_KEYS" in settings
        loaded = {
            str(getattr(p, "__name__", p)).split(".")[0]
            for p in settings.get("PLUGINS") or ()
        }
        keys = {}
        for attr, name in self.config.keys.items():
            if not explicit and name.split(".")[0] not in loaded:
                continue  # the default names a plugin this build does not run
            try:
                keys[attr] = _resolve(name, "FASTBUILD_TRACKED_KEYS")
            except ValueError:
                if explicit:
                    raise
                # An older plugin without the key: its values are digested.
                logger.debug("fastbuild: %s not found; digesting %s", name, attr)
        return keys

    # -- lifecycle -----------------------------------------------------------
    def configure(self, settings: dict[str, Any]) -> None:
        """At ``initialized``: read the settings, guard Pelican's reader cache."""
        self.settings = settings
        self.config = FastBuildSettings.from_settings(settings)
        tracking.quick_static_links()
        self.code = build_code_version(settings.get("PLUGINS") or ())
        self.precompute = tuple(_resolve(name) for name in self.config.precompute)
        self.keys = self._key_functions(settings)
        if self.config.cache:
            self._guard_pelican_cache()
            self._cache_templates()

    def begin(self, output_path: str) -> None:
        """At the start of each run (``pelican -r`` runs many with one settings)."""
        self._restore_collector()  # a run that failed before ``end``
        self.end_pool()
        self.finish_saving()
        self.queued = 0
        self.file_stamps.clear()
        self.stats = {
            "files_by_workers": 0,
            "files_here": 0,
            "pages_deferred": 0,
            "render_processes": 1,
        }
        registry = self.settings.get(REGISTRY_KEY)
        if isinstance(registry, CacheRegistry):
            registry.new_run()
        # text_memo functions (pull-quotes, feeds) remember their results in our caches.
        ACTIVE.set(registry_for(self.settings))
        self.stamps = None
        if self.config and self.config.selective_write and self.config.cache:
            # Not in the registry: saved once, when every page was checked.
            cache = ContentCache(
                "pages",
                stamps_version(self.code, output_path),
                self.cache_dir(),
                ("fastbuild",),
                load=bool(self.settings.get("LOAD_CONTENT_CACHE", True)),
            )
            self.stamps = PageStamps(
                self.settings,
                output_path,
                self.config.runtime_keys,
                cache,
                self.code,
                self.keys,
            )
            if len(cache):
                self.pause_collector()

    def pause_collector(self) -> None:
        """A rebuild reads with the cyclic collector off, until ``resume_collector``.

        Pelican hands back every post from its cache and our caches every
        thread: hundreds of thousands of objects that live to the end, which
        the collector walked again and again (a quarter of a rebuild's CPU at
        1,000 posts), finding next to no garbage. Only when this output was
        built before with this code (its page stamps load), and only with
        workers: a rebuild that finds many files to render resumes it at once
        (``_many``), as a cold build keeps it on (its garbage is tens of MB).
        """
        if self.workers > 0 and gc.isenabled():
            gc.disable()
            self.gc_paused = True

    def resume_collector(self) -> None:
        """Reading is over (or turned out big): the collector runs again.

        What was read is frozen first: it lives to the end of the build, and
        the collector's first passes would walk all of it for nothing.
        """
        if self.gc_paused:
            self.gc_paused = False
            gc.freeze()
            gc.enable()

    def _restore_collector(self) -> None:
        """As before the run: on, and what it read collectable by a next run."""
        if self.gc_paused:
            self.gc_paused = False
            gc.enable()
        gc.unfreeze()

    def _many(self, todo: int) -> None:
        """Many files to render or read: not a small rebuild, so collect."""
        if self.gc_paused and self.config and todo >= self.config.min_files:
            self.resume_collector()

    def queue_markdown(self, generator: Any, paths_key: str, excludes_key: str) -> None:
        """Queue a generator's Markdown files that Pelican's cache does not hold."""
        if not self.config or self.config.workers <= 0:
            return
        settings = generator.settings
        paths, exclude = settings[paths_key], settings[excludes_key]
        files = generator.get_files(paths, exclude=exclude)
        _keep_listing(generator, paths, exclude, files)
        todo = []
        for rel in files:
            if rel.rsplit(".", 1)[-1] not in MarkdownReader.file_extensions:
                continue
            path = os.path.abspath(os.path.join(generator.path, rel))
            if generator.readers.get_cached_data(path, None) is not None:
                continue  # Pelican's reader cache has it: nothing to render
            todo.append(path)
        self._many(self.queued + len(todo))
        if self.pool is None and self.queued + len(todo) < self.config.min_files:
            return
        if self.pool is None:
            self.pool = Pool(self.settings, self.config.pool_workers)
        # Workers start at the end; Pelican reads from the front.
        for path in reversed(todo):
            self.pool.submit(("md", path), render_file, path, self.precompute)
        self.queued += len(todo)

    def queue_comments(self) -> None:
        """Queue every thread folder with a file the comment cache does not hold.

        The comments plugin asks its cache for each file; a miss on a queued
        folder takes the folder's result from the pool (or computes it here,
        if no worker has started it), so the plugin itself stays serial.
        With no Markdown to render (Pelican's cache holds every post, the
        comment cache is cold), the pool is made for the threads alone and
        started now: nothing else would start it before they are needed.
        """
        if not self.config or self.config.workers <= 0:
            return
        if not _comments_enabled(self.settings):
            return
        from comments.build import build_state

        state = build_state(self.settings)
        if state.cache is None:
            return
        if self.pool is None and state.scan_in_child():
            return  # taken when the posts are read (``prioritize_threads``)
        self._queue_threads(state, state.folders_to_prefetch())

    def _queue_threads(self, state: Any, todo: list[str]) -> None:
        """Queue the thread folders the comment cache cannot serve (``todo``)."""
        cache, tz = state.cache, state.settings.timezone
        self._many(len(todo))
        if not todo:
            return
        if self.pool is None:
            if len(todo) < self.config.min_files:
                return
            self.pool = Pool(self.settings, self.config.pool_workers)
        pool = self.pool
        for folder in reversed(todo):
            pool.submit(
                ("comments", folder), prefetch_thread, folder, cache.version, tz
            )
        if not self.queued:
            pool.start()

        def prefetched(key: str, folder: str) -> Any:
            """A queued folder's entries (the comments plugin adopts them)."""
            job = ("comments", folder)
            if not pool.has(job):
                return MISSING
            return pool.take(job, prefetch_thread, folder, cache.version, tz)

        cache.prefetched = prefetched
        self._hooked = cache

    def prioritize_threads(self, generator: Any) -> None:
        """Workers take the threads the comments plugin asks for last first.

        The posts are read and ordered now: the comments plugin decorates
        them in this order, taking each thread from the pool or making it
        itself. Workers going the same way would make it wait on every one.
        """
        if not _comments_enabled(self.settings):
            return
        from comments.build import build_state

        state = build_state(self.settings)
        todo = state.take_scan()  # the folder scan forked by ``queue_comments``
        if todo is not None:
            if self.pool is None:
                self._queue_threads(state, todo)
            else:  # workers already forked: the comments plugin makes them
                self._many(len(todo))
        pool = self.pool
        if pool is None:
            return
        cache, root, tz = state.cache, state.settings.path, state.settings.timezone
        if cache is None:
            return
        # A dict keeps the first place of each folder (translations share one).
        needed = dict.fromkeys(
            str(root / str(getattr(content, "slug", "")))
            for content in contents_of(generator, ARTICLE_LISTS)
        )
        order = reversed(list(needed))  # pages' threads (needed later still) stay first
        pool.reorder(
            [(("comments", f), prefetch_thread, (f, cache.version, tz)) for f in order]
        )

    def finish_saving(self) -> None:
        """Wait for the child writing the caches (saved here if it failed)."""
        saving, self.saving = self.saving, None
        if saving is not None:
            saving.finish()

    def end_pool(self) -> None:
        hooked = self._hooked
        if hooked is not None:
            hooked.prefetched = None
            self._hooked = None
        if self.pool is not None:
            logger.info(
                "fastbuild: %d files rendered by workers, %d here",
                self.pool.done_there,
                self.pool.done_here,
            )
            self.stats["files_by_workers"] += self.pool.done_there
            self.stats["files_here"] += self.pool.done_here
            self.pool.shutdown()
            self.pool = None

    # -- Pelican's content cache ---------------------------------------------
    def memo_file_stamps(self, owner: Any) -> None:
        """Hash each source file once per run, not four times; once at all
        while its stat is unchanged.

        With ``CHECK_MODIFIED_METHOD`` a hash, Pelican's generator and reader
        caches each read and hash a post when they look it up and again when
        they store it (4,012 hashes at 1,000 posts). The digest is kept for
        this run by the file's path and stat (mtime_ns, size, inode): a file
        changed since is hashed again. Between runs it is kept as git's index
        keeps one, with the file's size, modification and change time (ns) and
        inode: a file whose stat is unchanged is not read again (a rebuild
        read and hashed every post).
        """
        stamp = getattr(owner, "_filestamp_func", None)
        method = (self.settings or getattr(owner, "settings", {})).get(
            "CHECK_MODIFIED_METHOD"
        )
        if stamp is None or method == "mtime" or getattr(stamp, "_fastbuild", False):
            return
        memo = self.file_stamps
        known = (
            cache_for(self.settings, "file-digests", str(method))
            if self.settings and self.config and self.config.cache
            else None
        )

        def memo_stamp(filename: str, stamp: Any = stamp) -> Any:
            st = os.stat(filename)
            key = (method, filename, st.st_mtime_ns, st.st_size, st.st_ino)
            digest = memo.get(key)
            if digest is None:
                digest = memo[key] = _kept_digest(known, filename, st, stamp)
            return digest

        memo_stamp._fastbuild = True  # type: ignore[attr-defined]
        owner._filestamp_func = memo_stamp

    def lean_cache_saves(self, generator: Any) -> None:
        """Pelican pickles the settings into its cache (tags hold them): not our state.

        Plugins keep one build's state in the settings (problem log, theme
        state, comment threads); some of it cannot be pickled, and none of it
        belongs in a cache. It is set aside while Pelican saves. And Pelican
        writes its whole cache again after every build: a build that read
        every file from it (a new comment) does not.
        """
        keys = self.config.runtime_keys if self.config else ()
        settings = generator.settings
        for owner in (generator, getattr(generator, "readers", None)):
            if owner is not None:
                self.memo_file_stamps(owner)
            if owner is not None and _idle_cache(owner):
                _skip_idle_cache(owner)
                continue
            save = getattr(owner, "save_cache", None)
            if owner is None or save is None or getattr(save, "_fastbuild", False):
                continue
            added: list[bool] = []  # something read anew was cached
            cache_data = owner.cache_data

            def noting_cache_data(
                filename: str,
                data: Any,
                cache_data: Any = cache_data,
                added: list[bool] = added,
            ) -> None:
                added.append(True)
                cache_data(filename, data)

            def lean_save(save: Any = save, added: list[bool] = added) -> None:
                if not added:
                    return  # the file on disk holds exactly this cache
                added.clear()
                aside = {
                    k: settings.pop(k)
                    for k in list(settings)
                    if k in keys or (k.startswith("_") and k != "__builtins__")
                }
                try:
                    # Pickled in a child: this process keeps no copies (see
                    # sitekit.cache.run_in_child); here again if that failed.
                    if not run_in_child(save):
                        save()
                finally:
                    settings.update(aside)

            lean_save._fastbuild = True  # type: ignore[attr-defined]
            owner.cache_data = noting_cache_data
            owner.save_cache = lean_save

    def _guard_pelican_cache(self) -> None:
        """Drop Pelican's content cache when code or settings changed since it was made.

        Pelican checks only each source file's stamp: after a change to a
        Markdown extension, a plugin or a setting it would hand back HTML made
        by the old code. The version of what made it is kept next to it.
        """
        fp = Fingerprinter(lambda obj: None)
        keys = (*(self.config.runtime_keys if self.config else ()), *WHERE_KEYS)
        relevant = {
            k: v
            for k, v in self.settings.items()
            if k not in keys and not k.startswith("_")
        }
        h = hashlib.blake2b(digest_size=16)
        h.update(self.code.encode())
        h.update(fp.digest(relevant))
        if fp.unstable:
            # A setting we cannot digest: never trust the old cache.
            h.update(os.urandom(16))
        self.reader_version = h.hexdigest()
        stamp = self._version_file()
        try:
            old = stamp.read_text(encoding="ascii").strip()
        except OSError:
            old = None
        if old != self.reader_version:
            cache_path = Path(str(self.settings.get("CACHE_PATH") or "cache"))
            for name in PELICAN_CACHES:
                with contextlib.suppress(OSError):
                    (cache_path / name).unlink()
            if old is not None:
                logger.info(
                    "fastbuild: code or settings changed; Pelican's cache is rebuilt"
                )

    def _cache_templates(self) -> None:
        """Keep compiled templates between builds (Jinja checks each one's source).

        Pelican gives every generator a new Jinja environment in every build,
        so each template was compiled several times per build; on a small
        site that was most of a rebuild.
        """
        directory = self.cache_dir()
        env = self.settings.get("JINJA_ENVIRONMENT")
        if directory is None or not isinstance(env, dict) or "bytecode_cache" in env:
            return
        from jinja2 import FileSystemBytecodeCache

        folder = directory / "jinja"
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:
            return
        env["bytecode_cache"] = FileSystemBytecodeCache(str(folder))

    def _version_file(self) -> Path:
        return (
            Path(str(self.settings.get("CACHE_PATH") or "cache"))
            / FOLDER
            / "pelican-cache.version"
        )

    def end(self) -> None:
        """The run is over: nothing memoizes into this build's caches any more."""
        self._restore_collector()
        self.end_pool()
        self.finish_saving()
        self.article_env = None
        ACTIVE.set(None)
        directory = self.cache_dir()
        if directory is None:
            return
        registry = self.settings.get(REGISTRY_KEY)
        if isinstance(registry, CacheRegistry):
            self.stats["caches"] = {
                name: {"hits": c.hits, "misses": c.misses}
                for name, c in registry.caches.items()
            }
        if self.stamps is not None:
            self.stats.update(
                pages_rendered=self.stamps.rendered, pages_skipped=self.stamps.skipped
            )
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / "last-build.json").write_text(
                json.dumps(self.stats, indent=1), encoding="utf-8"
            )
        except OSError as exc:
            logger.debug("fastbuild: cannot write build stats (%s)", exc)

    def save_reader_version(self) -> None:
        """After Pelican saved its cache: record what made it."""
        if self.reader_version is None:
            return
        path = self._version_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(self.reader_version + "\n", encoding="ascii")
        except OSError as exc:
            logger.warning("fastbuild: cannot write %s (%s)", path, exc)
