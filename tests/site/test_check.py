"""`invoke check` lists every broken post at once; the default build still renders the rest."""

from __future__ import annotations

from html import escape
import json
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest

from support.site import ROOT, build_site, copy_content

BROKEN = {
    "kaputtes-datum.md": (
        "Title: Ein kaputtes Datum\nAuthor: Katrin Albers\nDate: 2024-13-45\nLang: de\n\nText.\n",
        r"content/posts/kaputtes-datum\.md:3: date: '2024-13-45' is not a date",
    ),
    "vielleicht.md": (
        "Title: Vielleicht offen\nDate: 2024-05-03 10:00\nComments: maybe\n\nText.\n",
        r"content/posts/vielleicht\.md:3: comments: unknown value 'maybe'",
    ),
    "abgeschnitten.md": (
        "Title: Abgeschnitten\nDate: 2024-05-04 10:00\nDieser Satz hat keinen Doppelpunkt\n"
        "Tags: Kaputt\nLang: de\n\nText.\n",
        r"content/posts/abgeschnitten\.md:3: header: the line 'Dieser Satz hat keinen "
        r"Doppelpunkt' has no 'Key: value' form",
    ),
    "toter-link.md": (
        "Title: Toter Link\nDate: 2024-05-05 10:00\n\nSiehe [dort]({filename}gibt-es-nicht.md).\n",
        r"content/posts/toter-link\.md:0: link: Unable to find 'gibt-es-nicht\.md'",
    ),
}
PROBLEM_LINE = re.compile(r"^content/\S+:\d+: [\w-]+: .+$", re.MULTILINE)


def run_check(content: Path) -> subprocess.CompletedProcess[str]:
    """`invoke check`, run as a user runs it (from the repository, in a child process)."""
    return subprocess.run(
        [sys.executable, "-m", "invoke", "check", "--content", str(content)],
        cwd=ROOT, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUTF8": "1"},
    )


def headers(posts: Path) -> dict[str, dict[str, str]]:
    """Title, Slug and Lang of each post file, read from its header."""
    result = {}
    for path in sorted(posts.glob("*.md")):
        fields = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        result[path.name] = fields
    return result


@pytest.fixture(scope="module")
def broken_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    content = copy_content(tmp_path_factory.mktemp("broken"))
    for name, (text, _) in BROKEN.items():
        (content / "posts" / name).write_text(text, encoding="utf-8")
    return content


def test_the_sample_content_passes_the_check() -> None:
    result = run_check(ROOT / "content")
    assert result.returncode == 0, result.stdout + result.stderr
    assert not PROBLEM_LINE.findall(result.stdout + result.stderr)


def test_check_fails_and_lists_every_broken_post_at_once(broken_content: Path) -> None:
    result = run_check(broken_content)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for name, (_, pattern) in BROKEN.items():
        assert re.search("^" + pattern, output, re.MULTILINE), f"{name} not reported:\n{output}"
    reported = {line.split(":")[0] for line in PROBLEM_LINE.findall(output)}
    assert reported == {f"content/posts/{name}" for name in BROKEN}, output
    assert "Traceback" not in output


def test_the_strict_pelican_call_exits_non_zero(broken_content: Path, tmp_path: Path) -> None:
    site = build_site(tmp_path, content=broken_content, strict=True)
    assert site.returncode == 1, site.log
    assert re.search("^" + BROKEN["kaputtes-datum.md"][1], site.log, re.MULTILINE)


def test_the_default_build_exits_zero_and_renders_every_other_post(
    broken_content: Path, tmp_path: Path
) -> None:
    site = build_site(tmp_path, content=broken_content)
    assert site.returncode == 0, site.log
    pages = {path: path.read_text(encoding="utf-8") for path in site.html_files()}
    good = {
        name: fields for name, fields in headers(broken_content / "posts").items()
        if name not in BROKEN
    }
    assert len(good) >= 5
    for name, fields in good.items():
        slug, title = fields["slug"], escape(fields["title"], quote=False)
        rendered = [p for p, text in pages.items() if p.parent.name == slug and title in text]
        assert rendered, f"{name} ({slug}) was not rendered"
    # The post whose date is broken is the one left out.
    assert not [p for p in pages if p.parent.name == "kaputtes-datum"]
    assert "content problem" in site.log


def test_a_rebuild_replays_kept_problems_and_checks_changed_files(tmp_path: Path) -> None:
    """Header checks are kept by file content: a rebuild still reports every
    problem (a strict build still fails), and a fixed or newly broken file,
    or a setting that changes the verdict, is checked again."""
    content = copy_content(tmp_path)
    post = content / "posts" / "kaputtes-datum.md"
    post.write_text(BROKEN["kaputtes-datum.md"][0], encoding="utf-8")
    cache = tmp_path / "cache"
    settings = {"CACHE_PATH": str(cache)}
    markdown = len(list((content / "posts").glob("*.md")))

    def build(strict: bool = True, **extra: object) -> tuple[int, str, dict[str, int]]:
        site = build_site(tmp_path, content=content, settings={**settings, **extra},
                          strict=strict)
        stats = json.loads((cache / "diskurs" / "last-build.json").read_text())
        return site.returncode, site.log, stats["caches"]["sitecheck-headers"]

    code, log, _ = build(strict=False)
    assert code == 0 and "content problem" in log, log
    code, log, counts = build()
    assert code == 1, log
    assert re.search("^" + BROKEN["kaputtes-datum.md"][1], log, re.MULTILINE), log
    assert counts["misses"] == 0 and counts["hits"] >= markdown, counts  # replayed

    post.write_text(BROKEN["kaputtes-datum.md"][0].replace("2024-13-45", "2024-12-05"),
                    encoding="utf-8")
    code, log, counts = build()
    assert code == 0, log
    assert counts["misses"] == 1, counts

    post.write_text(BROKEN["vielleicht.md"][0], encoding="utf-8")
    code, log, _ = build()
    assert code == 1
    assert re.search(r"^content/posts/kaputtes-datum\.md:3: comments: unknown value 'maybe'",
                     log, re.MULTILINE), log

    # No title: a problem, unless the file name gives one (a setting).
    post.write_text("Date: 2024-05-03 10:00\n\nText.\n", encoding="utf-8")
    code, log, _ = build()
    assert code == 1 and "has no title" in log, log
    code, log, _ = build(FILENAME_METADATA=r"(?P<title>.*)")
    assert code == 0, log
    code, log, _ = build()
    assert code == 1 and "has no title" in log, log
