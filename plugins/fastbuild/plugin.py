"""Pelican glue for fast builds: worker pool, tracked reads, selective writer, caches.

Each receiver does one step of a build (see ``runtime.Runtime``); every one
first checks that this plugin is on for the build that sent the signal,
because signals are process-global.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import logging
from collections.abc import Sequence
from typing import Any

from pelican import signals
from pelican.generators import ArticlesGenerator, StaticGenerator
from pelican.readers import MarkdownReader
from pelican.utils import sanitised_join
from sitekit.cache import REGISTRY_KEY, CacheRegistry, save_caches

from . import lock, tracking
from .fingerprint import IdentityList
from .folders import FolderMaker, planned_folders
from .reader import RUNTIME_KEY, PooledMarkdownReader
from .runtime import Runtime
from .templates import compile_theme, template_names
from .writer import FastWriter

logger = logging.getLogger(__name__)

NAMES = ("fastbuild.plugin", "fastbuild")


def _runtime(settings: dict[str, Any]) -> Runtime | None:
    if not any(str(p) in NAMES for p in settings.get("PLUGINS") or ()):
        return None
    runtime = settings.get(RUNTIME_KEY)
    return runtime if isinstance(runtime, Runtime) and runtime.config else None


def on_initialized(pelican: Any) -> None:
    """Read the settings once; make the often-changing attributes tracked."""
    settings = pelican.settings
    if not any(str(p) in NAMES for p in settings.get("PLUGINS") or ()):
        return
    runtime = Runtime()
    settings[RUNTIME_KEY] = runtime
    runtime.configure(settings)
    tracking.memoize_urls()
    if runtime.config and runtime.config.selective_write:
        tracking.install(runtime.config.tracked)


def on_run(pelican: Any) -> None:
    """``get_generators`` opens every run: a fresh pool and fresh page stamps."""
    runtime = _runtime(pelican.settings)
    if runtime is not None:
        if runtime.config.cache:
            lock.take(pelican, str(pelican.settings["CACHE_PATH"]))
        tracking.URLS.set(None)
        runtime.begin(pelican.output_path)


def on_readers_init(readers: Any) -> None:
    """Markdown goes through the pooled reader (Pelican's own when no pool runs)."""
    if _runtime(readers.settings) is None:
        return
    for ext in MarkdownReader.file_extensions:
        if readers.reader_classes.get(ext) is MarkdownReader:
            readers.reader_classes[ext] = PooledMarkdownReader


def on_article_generator_init(generator: Any) -> None:
    """Queue every post the moment its generator exists, before it reads any."""
    runtime = _runtime(generator.settings)
    if runtime is not None:
        runtime.article_env = generator.env
        runtime.lean_cache_saves(generator)
        runtime.queue_markdown(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")
        runtime.queue_comments()


def on_static_generator_init(generator: Any) -> None:
    """Every generator exists and has queued its files: fork the workers now.

    Left to the first file read, they would start after what other plugins
    do before it (the site check reads every post's header), with the second
    core idle meanwhile.
    """
    runtime = _runtime(generator.settings)
    if runtime is not None and runtime.pool is not None:
        runtime.pool.start()
        if runtime.article_env is not None:
            # The other core reads posts now: this one compiles the theme.
            compile_theme(runtime.article_env, template_names(generator.settings))


def on_article_generator_pretaxonomy(generator: Any) -> None:
    """Posts read and ordered: the pool does the threads needed last first,
    and a first build's post folders are made meanwhile, long before Pelican
    writes into them (made as it writes, the child's and Pelican's ``mkdir``
    calls contended for the same folders)."""
    runtime = _runtime(generator.settings)
    if runtime is not None:
        # Posts are read: their URLs no longer change (see tracking.memoize_urls).
        tracking.URLS.set({})
        runtime.prioritize_threads(generator)
        if runtime.parallel_write:
            assert runtime.config is not None
            runtime.folders.start(
                planned_folders(generator), at_least=runtime.config.min_files
            )


def on_page_generator_init(generator: Any) -> None:
    runtime = _runtime(generator.settings)
    if runtime is not None:
        runtime.lean_cache_saves(generator)
        runtime.queue_markdown(generator, "PAGE_PATHS", "PAGE_EXCLUDES")


def on_all_generators_finalized(generators: Sequence[Any]) -> None:
    """Everything is read: stop the workers, save the caches, set up page flushing."""
    settings = next((g.settings for g in generators if hasattr(g, "settings")), None)
    runtime = _runtime(settings) if settings is not None else None
    if runtime is None:
        return
    runtime.end_pool()
    runtime.resume_collector()
    for generator in generators:
        if isinstance(generator, ArticlesGenerator):
            _fast_membership(generator)
    if runtime.stamps is not None:
        runtime.stamps.derive_pages_of(generators)
    # Before writing: a failed write keeps them. Pickled in a child, so this
    # process (and the page renderers forked from it) keeps no copies; it
    # writes while Pelican hands us the first pages (not waited for here: the
    # other core was idle for that long), finished before they render.
    runtime.saving = save_caches(runtime.settings, in_child=True, wait=False)
    if runtime.parallel_write:
        writing = [g for g in generators if hasattr(g, "generate_output")]
        for generator in writing:
            _flush_after(generator, runtime.folders, last=generator is writing[-1])


def _by_identity(items: Any) -> bool:
    return type(items) is list and all(
        type(item).__eq__ is object.__eq__ for item in items
    )


def _fast_membership(generator: Any) -> None:
    """Give Pelican's per-tag, -category and -author post lists a set lookup.

    Its tag, category and author pages test every post of the site against
    each such list (``article in articles``): 66 ms of list scans at 1,000
    posts and 60 tags, in every build.
    """
    tags = getattr(generator, "tags", None)
    if isinstance(tags, dict):
        for tag, posts in tags.items():
            if _by_identity(posts):
                tags[tag] = IdentityList(posts)
    for name in ("categories", "authors"):
        pairs = getattr(generator, name, None)
        if not isinstance(pairs, list):
            continue
        for i, pair in enumerate(pairs):
            if type(pair) is tuple and len(pair) == 2 and _by_identity(pair[1]):
                pairs[i] = (pair[0], IdentityList(pair[1]))


def _flush_after(generator: Any, folders: FolderMaker, *, last: bool) -> None:
    """Pages collected while a generator wrote start rendering when it is done.

    They render while the next generators work (the feeds); the last one
    waits for them, so that every page is written before ``finalized``.
    """
    original = generator.generate_output

    def generate_output(writer: Any) -> None:
        if not isinstance(writer, FastWriter):
            original(writer)
            return
        try:
            if isinstance(generator, StaticGenerator):
                # A static file copied over a page must land after the page.
                writer.join_if_writes(_static_paths(generator))
            original(writer)
            runtime = _runtime(generator.settings)
            if runtime is not None:
                runtime.finish_saving()  # no renderer forked while it writes
            folders.finish()
            writer.flush()
        except BaseException:
            writer.abandon()  # no renderer outlives a failed build
            folders.finish()
            raise
        if last:
            writer.join()

    generator.generate_output = generate_output


def _static_paths(generator: Any) -> list[str]:
    out = []
    for sc in getattr(generator, "staticfiles", ()):
        save_as = getattr(sc, "save_as", None)
        if save_as:
            with contextlib.suppress(RuntimeError):
                out.append(sanitised_join(generator.output_path, save_as))
    return out


def get_writer(pelican: Any) -> type[FastWriter] | None:
    runtime = _runtime(pelican.settings)
    if runtime is None or (runtime.stamps is None and not runtime.parallel_write):
        return None
    return FastWriter


def on_finalized(pelican: Any) -> None:
    """Remove pages of content that is gone, keep the stamps and the caches."""
    runtime = _runtime(pelican.settings)
    if runtime is None:
        return
    stamps = runtime.stamps
    registry = runtime.settings.get(REGISTRY_KEY)
    removed = 0
    if stamps is not None:
        removed += stamps.remove_orphans()
    if isinstance(registry, CacheRegistry) and runtime.config and runtime.config.cache:
        removed += registry.remove_orphans()
    if stamps is not None:
        logger.info(
            "fastbuild: %d pages rendered, %d unchanged skipped, %d files removed",
            stamps.rendered,
            stamps.skipped,
            removed,
        )
    runtime.stats["files_removed"] = removed
    runtime.finish_saving()
    save_caches(
        runtime.settings,
        in_child=True,
        also=[stamps.cache] if stamps is not None else [],
    )
    runtime.save_reader_version()
    runtime.end()
    tracking.URLS.set(None)
    lock.give_back(pelican)  # the child saving the caches holds it until done


def _quick_exit() -> None:
    """At interpreter exit, the collector leaves the build's objects alone.

    Python collects garbage once more while it shuts down, walking every one
    of a big build's objects (a few hundred milliseconds on a rebuild); the
    process ends anyway, and objects outside cycles are still freed.
    """
    gc.disable()
    gc.freeze()


def register() -> None:
    """Connect the receivers (module level: blinker keeps weak references)."""
    atexit.unregister(_quick_exit)  # once, however often Pelican registers us
    atexit.register(_quick_exit)
    signals.initialized.connect(on_initialized)
    signals.get_generators.connect(on_run)
    signals.readers_init.connect(on_readers_init)
    signals.article_generator_init.connect(on_article_generator_init)
    signals.article_generator_pretaxonomy.connect(on_article_generator_pretaxonomy)
    signals.page_generator_init.connect(on_page_generator_init)
    signals.static_generator_init.connect(on_static_generator_init)
    signals.all_generators_finalized.connect(on_all_generators_finalized)
    signals.get_writer.connect(get_writer)
    signals.finalized.connect(on_finalized)
