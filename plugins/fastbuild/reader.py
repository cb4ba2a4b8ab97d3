"""Pelican's Markdown reader, with the Markdown itself rendered in the worker pool.

Rendering Markdown (and Pygments for code) is most of a cold build. The worker
does exactly what ``MarkdownReader.read`` does up to the metadata: a fresh
``Markdown(**MARKDOWN)`` per file, ``convert``, and the formatted fields
(``summary``). The main process turns the raw metadata into Pelican's values
(dates, tags, authors), because those hold the settings and must be built
here. Without a pool, or for a file nobody queued, it is Pelican's reader.
"""

from __future__ import annotations

import logging
from typing import Any

from markdown import Markdown
from pelican.readers import DUPLICATES_DEFINITIONS_ALLOWED, MarkdownReader
from pelican.utils import pelican_open

logger = logging.getLogger(__name__)

#: Settings key of the build's runtime (see ``runtime.Runtime``).
RUNTIME_KEY = "FASTBUILD_STATE"

Rendered = tuple[str, dict[str, list[str]], dict[str, str]]


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
    md = Markdown(**settings["MARKDOWN"])
    with pelican_open(path) as text:
        content = md.convert(text)
    meta: dict[str, list[str]] = dict(getattr(md, "Meta", None) or {})
    formatted: dict[str, str] = {}
    if hasattr(md, "Meta"):
        formatted_fields = settings["FORMATTED_FIELDS"]
        md.preprocessors.deregister("meta")
        for name, value in meta.items():
            if name.lower() in formatted_fields:
                md.reset()
                formatted[name] = md.convert("\n".join(value))
    for fn in precompute:
        fn(content, settings)
    return content, meta, formatted


class PooledMarkdownReader(MarkdownReader):
    """Takes a file's rendering from the pool when a worker has it, else renders it."""

    def read(self, source_path: str) -> tuple[str, dict[str, Any]]:
        runtime = self.settings.get(RUNTIME_KEY)
        pool = getattr(runtime, "pool", None)
        if pool is None or not pool.has(("md", source_path)):
            return super().read(source_path)
        content, meta, formatted = pool.take(
            ("md", source_path), render_file, source_path, ()
        )
        self._source_path = source_path
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
