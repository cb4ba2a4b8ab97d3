"""Pelican's Markdown reader, with the Markdown itself rendered in the worker pool.

Rendering Markdown (and Pygments for code) is most of a cold build. The worker
does what ``MarkdownReader.read`` does up to the metadata: ``convert`` and the
formatted fields (``summary``). The main process turns the raw metadata into
Pelican's values (dates, tags, authors), because those hold the settings and
must be built here. A file nobody queued, or every file without a pool, is
rendered the same way in the main process.

Pelican builds a fresh ``Markdown(**MARKDOWN)`` for every file: every
extension, processor and pattern made and then collected again, about a sixth
of the Markdown CPU of a generated post. Each process here keeps its instances
and ``reset()``s them between files, as Pelican itself does between a post's
text and its summary.
"""

from __future__ import annotations

import logging
from typing import Any

from markdown import Markdown
from pelican.readers import DUPLICATES_DEFINITIONS_ALLOWED, MarkdownReader
from pelican.utils import pelican_open
from pygments.formatter import Formatter
from pygments.formatters import get_formatter_by_name
from pygments.util import ClassNotFound

logger = logging.getLogger(__name__)

#: Settings key of the build's runtime (see ``runtime.Runtime``).
RUNTIME_KEY = "FASTBUILD_STATE"
#: Names that load Python-Markdown's codehilite extension.
CODEHILITE = ("markdown.extensions.codehilite", "codehilite")

Rendered = tuple[str, dict[str, list[str]], dict[str, str]]


class ReusedFormatters:
    """codehilite's ``pygments_formatter``: one Pygments formatter per set of options.

    codehilite makes a new formatter for every code block, and an
    ``HtmlFormatter`` builds its whole style table when it is made. A
    formatter keeps nothing from one ``highlight`` to the next but a memo of
    its span tags, so the one made first for the same options is reused.
    Made as codehilite makes it (by name, ``html`` if the name is unknown);
    options that do not hash (``hl_lines`` lists) get a new one each time.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self._made: dict[tuple[tuple[str, Any], ...], Formatter] = {}

    def __call__(self, lang_str: str = "", **options: Any) -> Formatter:
        # lang_str: codehilite passes it to a callable only; by name it is not given.
        key = tuple(sorted(options.items()))
        try:
            formatter = self._made.get(key)
        except TypeError:
            return self._make(options)
        if formatter is None:
            formatter = self._made[key] = self._make(options)
        return formatter

    def _make(self, options: dict[str, Any]) -> Formatter:
        try:
            return get_formatter_by_name(self.name, **options)
        except ClassNotFound:
            return get_formatter_by_name("html", **options)


def _markdown_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    """``MARKDOWN``, with codehilite given reused formatters where it names one."""
    kwargs = dict(config)
    configs = dict(kwargs.get("extension_configs") or {})
    loaded = [e for e in kwargs.get("extensions") or () if isinstance(e, str)]
    formatters: dict[str, ReusedFormatters] = {}
    for name in dict.fromkeys([*configs, *loaded]):
        if name not in CODEHILITE:
            continue
        options = dict(configs.get(name) or {})
        chosen = options.get("pygments_formatter", "html")
        if isinstance(chosen, str):
            options["pygments_formatter"] = formatters.setdefault(
                chosen, ReusedFormatters(chosen)
            )
            configs[name] = options
    if configs:
        kwargs["extension_configs"] = configs
    return kwargs


class MarkdownRenderer:
    """One process's Markdown instances, reset between files instead of made anew.

    ``reset()`` clears the state of the instance and of every extension that
    registers for it (footnotes, abbreviations, toc, meta, pull-quotes):
    tests/unit/fastbuild/test_reader_reuse.py renders documents in turn and
    compares each with a fresh instance's HTML. Formatted fields have their
    own instance without the ``meta`` preprocessor, which Pelican's reader
    removes before converting them. A conversion that fails drops the
    instances (their state is unknown); one asked for while another runs
    (a plugin reading a file from inside an extension) gets fresh ones.
    """

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self._kwargs = _markdown_kwargs(config)
        self._body: Markdown | None = None
        self._fields: Markdown | None = None
        self._busy = False

    def render(self, text: str, formatted_fields: Any) -> Rendered:
        """Content HTML, raw metadata and formatted fields of one document."""
        if self._busy:
            return MarkdownRenderer(self.config).render(text, formatted_fields)
        self._busy = True
        try:
            return self._render(text, formatted_fields)
        except BaseException:
            self._body = self._fields = None
            raise
        finally:
            self._busy = False

    def _render(self, text: str, formatted_fields: Any) -> Rendered:
        if self._body is None:
            self._body = Markdown(**self._kwargs)
        md = self._body.reset()
        content = md.convert(text)
        meta: dict[str, list[str]] = dict(getattr(md, "Meta", None) or {})
        formatted: dict[str, str] = {}
        if hasattr(md, "Meta"):
            for name, value in meta.items():
                if name.lower() in formatted_fields:
                    fields = self._fields_markdown().reset()
                    formatted[name] = fields.convert("\n".join(value))
        return content, meta, formatted

    def _fields_markdown(self) -> Markdown:
        if self._fields is None:
            self._fields = Markdown(**self._kwargs)
            self._fields.preprocessors.deregister("meta")
        return self._fields


def renderer_for(settings: dict[str, Any]) -> MarkdownRenderer:
    """This process's renderer for the build (kept by its runtime), else a new one."""
    runtime = settings.get(RUNTIME_KEY)
    renderer = getattr(runtime, "markdown", None)
    config = settings["MARKDOWN"]
    if isinstance(renderer, MarkdownRenderer) and renderer.config is config:
        return renderer
    renderer = MarkdownRenderer(config)
    if runtime is not None and hasattr(runtime, "markdown"):
        runtime.markdown = renderer
    return renderer


def render_file(
    settings: dict[str, Any], path: str, precompute: tuple[Any, ...] = ()
) -> Rendered:
    """Content HTML, raw metadata and formatted fields of one Markdown file.

    Mirrors ``MarkdownReader.read``/``_parse_metadata`` step by step, so the
    output is the serial reader's, byte for byte. ``precompute`` are
    functions ``fn(html, settings)`` calling the ``text_memo`` functions of
    the post's HTML that plugins call later (a worker fills their cache, the
    main process then finds the results).
    """
    with pelican_open(path) as text:
        rendered = renderer_for(settings).render(text, settings["FORMATTED_FIELDS"])
    for fn in precompute:
        fn(rendered[0], settings)
    return rendered


class PooledMarkdownReader(MarkdownReader):
    """Takes a file's rendering from the pool when a worker has it, else renders it."""

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        runtime = self.settings.get(RUNTIME_KEY)
        pool = getattr(runtime, "pool", None)
        key = ("md", source_path)
        self._source_path = source_path
        if pool is not None and pool.has(key):
            rendered = pool.take(key, render_file, source_path, ())
        else:
            rendered = render_file(self.settings, source_path)
        content, meta, formatted = rendered
        return content, self._metadata(meta, formatted)

    def _metadata(
        self, meta: dict[str, list[str]], formatted: dict[str, str]
    ) -> dict[str, Any]:
        """``MarkdownReader._parse_metadata``, the formatted fields already rendered."""
        formatted_fields = self.settings["FORMATTED_FIELDS"]
        output: dict[str, Any] = {}
        for name, value in meta.items():
            name_l = name.lower()
            if name_l in formatted_fields:
                output[name_l] = self.process_metadata(name_l, formatted[name])
            elif not DUPLICATES_DEFINITIONS_ALLOWED.get(name_l, True):
                if len(value) > 1:
                    logger.warning(
                        "Duplicate definition of `%s` for %s. Using first one.",
                        name_l,
                        self._source_path,
                    )
                output[name_l] = self.process_metadata(name_l, value[0])
            elif len(value) > 1:
                output[name_l] = self.process_metadata(name_l, value)
            else:
                output[name_l] = self.process_metadata(name_l, value[0])
        return output
