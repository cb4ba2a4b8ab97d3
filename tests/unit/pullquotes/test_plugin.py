"""The pull-quote glue: excerpt lines in the source, the check, the clean summary."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import markdown
from pullquotes.extension import PullQuoteExtension
from pullquotes.plugin import check_excerpts, clean_summary, excerpt_lines

SOURCE = """Title: T

Ein Satz, der bleibt. Noch ein Satz.

```markdown
> [!PULLQUOTE excerpt]
> im Code: kein Marker
```

> [!PULLQUOTE excerpt]
> Ein Satz, der bleibt.

> [!PULLQUOTE Excerpt]
> Ein Satz, den es nicht gibt.
"""
SETTINGS = {"SUMMARY_MAX_LENGTH": 50, "SUMMARY_END_SUFFIX": "…"}


def content(tmp_path: Path, metadata: dict[str, str] | None = None) -> SimpleNamespace:
    path = tmp_path / "post.md"
    path.write_text(SOURCE, encoding="utf-8")
    md = markdown.Markdown(extensions=[PullQuoteExtension(), "fenced_code", "meta"])
    return SimpleNamespace(
        source_path=str(path),
        _content=md.convert(SOURCE),
        metadata=dict(metadata or {}),
        settings=SETTINGS,
    )


def test_excerpt_lines_skip_code_fences(tmp_path: Path) -> None:
    assert excerpt_lines(str(content(tmp_path).source_path)) == [10, 13]


def test_check_names_file_line_and_phrase(tmp_path: Path) -> None:
    post = content(tmp_path)
    (problem,) = check_excerpts(post)
    assert (problem.path, problem.line, problem.field) == (
        post.source_path,
        13,
        "PULLQUOTE excerpt",
    )
    assert "'Ein Satz, den es nicht gibt.'" in problem.message


def test_summary_is_made_without_excerpts(tmp_path: Path) -> None:
    post = content(tmp_path)
    clean_summary(post)
    assert post.metadata["summary"].count("Ein Satz, der bleibt.") == 1
    assert "figure" not in post.metadata["summary"]
    # Idempotent: a second run (another build over a cached object) redoes it.
    first = post.metadata["summary"]
    clean_summary(post)
    assert post.metadata["summary"] == first


def test_authors_summary_is_left_alone(tmp_path: Path) -> None:
    post = content(tmp_path, {"summary": "Von Hand."})
    clean_summary(post)
    assert post.metadata["summary"] == "Von Hand."
