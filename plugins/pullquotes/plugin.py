"""Pelican glue for pull-quotes: the extension, the excerpt check, clean summaries.

Feeds are not touched here: the feeds plugin passes every post's content through
``pullquotes.feedtext.for_feed``. Summaries are memoized truncations of the
content, so we change what they are made from (the summary metadata) before
anything reads them.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from pelican import signals
from pelican.utils import (
    strip_toc_elements_from_html,
    truncate_html_paragraphs,
    truncate_html_words,
)
from sitekit.cache import text_memo
from sitekit.contentlists import ARTICLE_LISTS, PAGE_LISTS, contents_of
from sitekit.problems import Problem, problem_log

from .extension import MARKER_RE, PullQuoteExtension
from .feedtext import excerpt_phrases, for_feed, own_text, phrase_in_text

logger = logging.getLogger(__name__)

PLUGIN_NAME = "pullquotes.plugin"
#: A fenced code block opens or closes (the marker inside one is not a marker).
_FENCE = re.compile(r"^[ ]{0,3}(```|~~~)")


class ContentLike(Protocol):
    """What we use of Pelican's Article and Page."""

    source_path: str
    metadata: dict[str, Any]
    settings: dict[str, Any]
    _content: str


def _enabled(settings: dict[str, Any]) -> bool:
    # Signals are process-global: only act for builds that list this plugin.
    return PLUGIN_NAME in [str(p) for p in settings.get("PLUGINS") or []]


def add_extension(pelican: Any) -> None:
    """Append one extension instance to MARKDOWN (every reader gets it)."""
    settings = pelican.settings
    if not _enabled(settings) or not settings.get("PULLQUOTES_ENABLED", True):
        return
    markdown = settings.setdefault("MARKDOWN", {})
    extensions = markdown.setdefault("extensions", [])
    if not any(isinstance(ext, PullQuoteExtension) for ext in extensions):
        extensions.append(PullQuoteExtension())


def excerpt_lines(source_path: str) -> list[int]:
    """Line numbers of the excerpt markers in a Markdown file, outside code fences."""
    try:
        text = Path(source_path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return []
    lines: list[int] = []
    fenced = False
    for number, line in enumerate(text.splitlines(), start=1):
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if fenced:
            continue
        match = MARKER_RE.match(line)
        if match and match.group("excerpt"):
            lines.append(number)
    return lines


@text_memo  # pure: remembered between builds by the post's HTML (fastbuild)
def missing_excerpts(html: str) -> tuple[int, list[tuple[int, str]]]:
    """The number of excerpts, and ``(index, phrase)`` of those not in the text."""
    phrases = excerpt_phrases(html)
    if not phrases:
        return 0, []
    text = own_text(html)
    missing = [
        (index, phrase)
        for index, phrase in enumerate(phrases)
        if not phrase_in_text(phrase, text)
    ]
    return len(phrases), missing


def check_excerpts(content: ContentLike) -> list[Problem]:
    """Every excerpt whose phrase is not in the post's own text, as a problem."""
    count, missing = missing_excerpts(content._content or "")
    if not missing:
        return []
    # Only now read the source again: the HTML has no line numbers.
    lines = excerpt_lines(content.source_path)
    problems = []
    for index, phrase in missing:
        line = lines[index] if len(lines) == count else None
        shown = phrase if len(phrase) <= 60 else phrase[:57] + "..."
        problems.append(
            Problem(
                content.source_path,
                line,
                "PULLQUOTE excerpt",
                f"the excerpt '{shown}' is not in the post's text",
                "an excerpt repeats a phrase of the post; copy it from the text, "
                "or use [!PULLQUOTE] for a quotation of its own",
            )
        )
    return problems


def clean_summary(content: ContentLike) -> None:
    """Make the automatic summary from the content without excerpts.

    Runs before anything reads ``summary`` (which Pelican memoizes). An author's
    own ``Summary:`` is left alone. Setting the metadata is what an author's
    summary does too, so Pelican resolves its links the same way.
    """
    html = content._content or ""
    if "pullquote" not in html:
        return
    if "summary" in content.metadata and not getattr(
        content, "_pullquotes_summary", False
    ):
        return
    limits = _limits(content.settings)
    summary = summary_without_excerpts(html, limits)
    content.metadata["summary"] = summary
    content._summary = summary  # type: ignore[attr-defined]
    content._pullquotes_summary = True  # type: ignore[attr-defined]


def _limits(settings: dict[str, Any]) -> str:
    """The summary settings as the text ``summary_without_excerpts`` is keyed by."""
    return json.dumps(
        [
            settings.get("SUMMARY_MAX_PARAGRAPHS"),
            settings.get("SUMMARY_MAX_LENGTH"),
            settings.get("SUMMARY_END_SUFFIX", "…"),
        ]
    )


def precompute(html: str, settings: dict[str, Any]) -> None:
    """A fastbuild worker's share (``FASTBUILD_PRECOMPUTE``): this post's memos.

    Called by the worker that rendered the post's Markdown, with the same
    HTML; the results travel home as memo entries, and ``check_excerpts`` and
    ``clean_summary`` find them instead of parsing the post in the main
    process, which does every other step of a build's finalize phase alone.
    """
    if not _enabled(settings):
        return
    missing_excerpts(html)
    if "pullquote" in html:
        summary_without_excerpts(html, _limits(settings))


@text_memo  # pure: remembered between builds (a rebuild asks for every post)
def summary_without_excerpts(html: str, limits: str) -> str:
    """Pelican's automatic summary, made from the HTML without excerpts.

    ``limits``: JSON ``[SUMMARY_MAX_PARAGRAPHS, SUMMARY_MAX_LENGTH,
    SUMMARY_END_SUFFIX]`` (text, so the memo can key it).
    """
    max_paragraphs, max_length, suffix = json.loads(limits)
    source = for_feed(html)
    if max_paragraphs is not None:
        source = truncate_html_paragraphs(source, max_paragraphs)
    if max_length is not None:
        source = truncate_html_words(source, max_length, suffix)
    summary: str = strip_toc_elements_from_html(source)
    return summary


def _process(generator: Any, names: Iterable[str]) -> None:
    if not _enabled(generator.settings):
        return
    log = problem_log(generator.settings)
    for content in contents_of(generator, names):
        if not str(content.source_path).endswith(
            (".md", ".markdown", ".mkd", ".mdown")
        ):
            continue
        log.extend(check_excerpts(content))
        clean_summary(content)


def articles_finalized(generator: Any) -> None:
    """Check and clean every article (cache-safe: runs on each build)."""
    _process(generator, ARTICLE_LISTS)


def pages_finalized(generator: Any) -> None:
    """Check and clean every page."""
    _process(generator, PAGE_LISTS)


def register() -> None:
    """Connect the receivers (module level: blinker holds them weakly)."""
    # initialized: the one moment to change MARKDOWN before any reader exists.
    signals.initialized.connect(add_extension)
    # *_generator_finalized: after reading, before feeds and pages read summaries.
    signals.article_generator_finalized.connect(articles_finalized)
    signals.page_generator_finalized.connect(pages_finalized)
