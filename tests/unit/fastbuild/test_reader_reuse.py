"""fastbuild.reader: one Markdown per process, reset between files, the same HTML.

Every document is rendered by one reused renderer in turn (each document,
then all of them again in reverse, so every document follows another) and
compared with Pelican's own reader, which builds a fresh ``Markdown`` per file.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from fastbuild.reader import (
    RUNTIME_KEY,
    MarkdownRenderer,
    PooledMarkdownReader,
    ReusedFormatters,
    renderer_for,
)
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from pelican.readers import MarkdownReader
from pelican.settings import read_settings
from pullquotes.plugin import add_extension
from pygments.formatters import HtmlFormatter
from support.site import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import bench_sitegen

#: Documents whose per-document state would leak into the next one if a reset
#: missed it: footnotes, abbreviations, reference links, repeated heading ids,
#: raw HTML (the stash), Markdown in HTML, pull-quote excerpts, summaries.
STATEFUL = {
    "footnotes.md": (
        "Title: Fußnoten\nSummary: Eine *Zusammenfassung* mit Fußnote[^s].\n\n"
        "Text[^1] und mehr[^zwei].\n\n[^1]: Erste.\n[^zwei]: Zweite.\n"
        "[^s]: Im Summary.\n"
    ),
    "abbr.md": (
        "Title: Abkürzungen\n\nDas HTML und die API.\n\n"
        "*[HTML]: Hypertext Markup Language\n*[API]: Programmierschnittstelle\n"
    ),
    "no-abbr.md": "Title: Ohne\n\nDas HTML und die API, ohne Erklärung [link][ref].\n",
    "references.md": (
        "Title: Verweise\n\nEin [Verweis][ref] und [noch einer][r2].\n\n"
        "[ref]: https://example.org/a\n[r2]: https://example.org/b 'Titel'\n"
    ),
    "headings.md": (
        "Title: Ids\n\n[TOC]\n\n# Kopf\n\n## Kopf\n\n## Kopf\n\n### Unter {#eigen}\n"
    ),
    "raw.md": (
        'Title: Roh\n\n<div class="box" markdown="1">\n*betont* im Kasten\n</div>\n\n'
        "<aside>roh</aside>\n\nEnde &amp; <b>fett</b>.\n"
    ),
    "pullquote.md": (
        "Title: Zitat\nSummary: Kurz.\n\nDer Satz steht im Text.\n\n"
        "> [!PULLQUOTE excerpt]\n> Der Satz steht im [Text](https://example.org).\n\n"
        "> [!PULLQUOTE]\n> Ein eigenes Zitat.\n> — Ada Nowak\n"
    ),
    "code.md": (
        'Title: Code\n\n```python hl_lines="2"\nx = 1\ny = 2\n```\n\n'
        "    :::bash\n    echo hallo\n\n```\nohne Sprache\n```\n"
    ),
    "empty.md": "",
    "no-meta.md": "Nur Text, *keine* Kopfzeilen.\n",
}


@pytest.fixture(scope="module")
def settings() -> dict[str, Any]:
    """MARKDOWN as a build has it (Pelican's reader defaults, pull-quotes)."""
    settings = read_settings(str(ROOT / "pelicanconf.py"))
    add_extension(SimpleNamespace(settings=settings))
    MarkdownReader(settings)  # adds meta and the configured extensions, as Pelican does
    return settings


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample posts and pages, generated bench posts, and the stateful ones."""
    root = tmp_path_factory.mktemp("docs")
    bench = bench_sitegen.generate(
        root / "bench",
        bench_sitegen.SiteSpec(posts=6, comments_per_post=0, with_comments=False),
    )
    for name, text in STATEFUL.items():
        (root / name).write_text(text, encoding="utf-8")
    found = [
        *sorted((ROOT / "content" / "posts").glob("*.md")),
        *sorted((ROOT / "content" / "pages").glob("*.md")),
        *sorted((bench / "posts").glob("*.md")),
        *sorted((bench / "pages").glob("*.md")),
        *(root / name for name in STATEFUL),
    ]
    assert len(found) >= len(STATEFUL) + 15
    return found


def pelican_read(settings: dict[str, Any], path: Path) -> tuple[str, dict[str, Any]]:
    """Pelican's own reader: a fresh Markdown for the file."""
    return MarkdownReader(settings).read(str(path))


def test_documents_in_turn_render_as_with_a_fresh_markdown(
    settings: dict[str, Any], documents: list[Path]
) -> None:
    renderer = MarkdownRenderer(settings["MARKDOWN"])
    fields = settings["FORMATTED_FIELDS"]
    expected = {path: pelican_read(settings, path) for path in documents}
    summaries = 0
    for path in [*documents, *reversed(documents), *documents]:
        content, meta, formatted = renderer.render(
            path.read_text(encoding="utf-8"), fields
        )
        want_content, want_meta = expected[path]
        assert content == want_content, path.name
        assert set(meta) == set(want_meta), path.name
        for name, html in formatted.items():
            assert html == want_meta[name], (path.name, name)
            summaries += 1
    assert summaries >= 3 * 10  # the sample posts, pages and two of ours have one
    # The documents that carry state did: footnotes, abbreviations, toc ids.
    html = {p.name: expected[p][0] for p in documents}
    assert 'id="fn:zwei"' in html["footnotes.md"]
    assert "<abbr" in html["abbr.md"] and "<abbr" not in html["no-abbr.md"]
    assert 'id="kopf_2"' in html["headings.md"]
    assert 'class="pullquote excerpt"' in html["pullquote.md"]


def test_reader_keeps_one_renderer_per_build(
    settings: dict[str, Any], documents: list[Path]
) -> None:
    """Without a pool, the main process reuses its renderer and reads as Pelican."""
    runtime = SimpleNamespace(pool=None, markdown=None)
    ours = dict(settings, **{RUNTIME_KEY: runtime})
    reader = PooledMarkdownReader(ours)
    first = None
    for path in documents[:8]:
        assert reader.read(str(path)) == pelican_read(settings, path), path.name
        first = first or runtime.markdown
        assert isinstance(first, MarkdownRenderer) and runtime.markdown is first
    # Other MARKDOWN settings (a new settings dict) get a renderer of their own.
    other = copy.copy(ours)
    other["MARKDOWN"] = dict(ours["MARKDOWN"])
    assert renderer_for(other) is not first and runtime.markdown is not first


class _Boom(BlockProcessor):
    """Fails inside a list item: the parser is left in its "list" state.

    ``Markdown.reset()`` does not reset the parser's state, and in that state
    the next document's paragraphs would lose their ``<p>``.
    """

    def test(self, parent: Any, block: str) -> bool:
        return block.strip() == "BOOM"

    def run(self, parent: Any, blocks: list[str]) -> None:
        raise RuntimeError("boom")


class _Nested(Preprocessor):
    """Renders another document with the same renderer while this one runs."""

    def __init__(self, md: Any, renderer: dict[str, Any]) -> None:
        super().__init__(md)
        self.holder = renderer

    def run(self, lines: list[str]) -> list[str]:
        if "NEST" in lines:
            inner = self.holder["renderer"].render("*innen*[^1]\n\n[^1]: x\n", ())
            self.holder["inner"] = inner[0]
        return lines


class _TestExtension(Extension):
    def __init__(self, holder: dict[str, Any]) -> None:
        super().__init__()
        self.holder = holder

    def extendMarkdown(self, md: Any) -> None:
        md.parser.blockprocessors.register(_Boom(md.parser), "boom", 100)
        md.preprocessors.register(_Nested(md, self.holder), "nested", 39)


def test_failed_and_nested_conversions_leave_no_state(
    settings: dict[str, Any],
) -> None:
    holder: dict[str, Any] = {}
    config = dict(settings["MARKDOWN"])
    config["extensions"] = [*config["extensions"], _TestExtension(holder)]
    renderer = MarkdownRenderer(config)
    holder["renderer"] = renderer
    fresh = MarkdownRenderer(config)
    text = STATEFUL["footnotes.md"]
    want = fresh.render(text, ("summary",))
    assert renderer.render(text, ("summary",)) == want
    with pytest.raises(RuntimeError):
        renderer.render("Text[^1]\n\n- BOOM\n\n[^1]: halb\n", ("summary",))
    assert renderer.render(text, ("summary",)) == want
    nested = renderer.render("NEST\n\n" + text, ("summary",))
    assert (
        holder["inner"]
        == MarkdownRenderer(config).render("*innen*[^1]\n\n[^1]: x\n", ())[0]
    )
    assert nested == MarkdownRenderer(config).render("NEST\n\n" + text, ("summary",))
    assert renderer.render(text, ("summary",)) == want


def test_formatters_are_made_once_per_options() -> None:
    formatters = ReusedFormatters("html")
    one = formatters(lang_str="language-python", cssclass="highlight", wrapcode=True)
    again = formatters(lang_str="language-bash", wrapcode=True, cssclass="highlight")
    assert isinstance(one, HtmlFormatter) and again is one
    assert formatters(cssclass="other", wrapcode=True) is not one
    # Options that do not hash are not remembered, and still honoured.
    lines = formatters(cssclass="highlight", hl_lines=[2])
    assert lines is not formatters(cssclass="highlight", hl_lines=[2])
    assert lines.hl_lines == {2}
    # An unknown name is html, as codehilite makes it.
    assert isinstance(ReusedFormatters("no-such-formatter")(), HtmlFormatter)


def test_codehilite_gets_reused_formatters_and_settings_stay_as_they_were(
    settings: dict[str, Any],
) -> None:
    config = settings["MARKDOWN"]
    before = (
        copy.deepcopy({k: v for k, v in config.items() if k != "extensions"}),
        list(config["extensions"]),
    )
    renderer = MarkdownRenderer(config)
    blocks = "\n\n".join(f"```python\nx = {n}\n```" for n in range(4))
    html = renderer.render(blocks + "\n\n    :::bash\n    echo\n", ())[0]
    assert html.count('class="highlight"') == 5
    chosen = renderer._kwargs["extension_configs"]["markdown.extensions.codehilite"]
    formatters = chosen["pygments_formatter"]
    assert isinstance(formatters, ReusedFormatters)
    assert len(formatters._made) == 1  # five blocks, one formatter
    # The build's settings are not changed (Pelican and our stamps digest them).
    assert (
        "pygments_formatter"
        not in config["extension_configs"]["markdown.extensions.codehilite"]
    )
    assert (
        {k: v for k, v in config.items() if k != "extensions"},
        list(config["extensions"]),
    ) == before
