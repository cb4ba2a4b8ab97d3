"""Fast builds give the very bytes of a plain build: parallel or serial, cold or quick.

Every test compares whole output trees, file by file and byte by byte: a build
with worker processes against one without, and a quick rebuild over the last
output (caches, page stamps, skipped pages) against a full build of the same
content into an empty folder, after each kind of change an author or a merge
makes. A rebuild that skipped a page it should have written shows up as a
difference here; one that rewrote everything shows up in the count of pages
it touched.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from support.site import ROOT, build_site, copy_content

pytestmark = pytest.mark.slow

#: The plugins of pelicanconf.py without fastbuild (the reference build).
PLAIN_PLUGINS = [
    "sitecheck.plugin",
    "themekit.plugin",
    "pullquotes.plugin",
    "reading.plugin",
    "comments.plugin",
    "feeds.plugin",
]


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def assert_same_tree(got: Path, want: Path, step: str) -> None:
    a, b = tree(got), tree(want)
    missing = sorted(set(b) - set(a))
    extra = sorted(set(a) - set(b))
    differ = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    assert not (missing or extra or differ), (
        f"{step}: output differs from a full build: missing {missing[:5]}, "
        f"extra {extra[:5]}, different {differ[:5]}"
    )


def folders(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_dir())


def stamps(root: Path) -> dict[str, int]:
    return {
        str(p.relative_to(root)): p.stat().st_mtime_ns for p in root.rglob("*.html")
    }


def touched(before: dict[str, int], root: Path) -> set[str]:
    after = stamps(root)
    return {k for k, v in after.items() if before.get(k) != v}


def test_parallel_build_is_byte_identical_to_serial_and_to_no_fastbuild(
    tmp_path: Path,
) -> None:
    serial = build_site(
        tmp_path / "serial",
        settings={"FASTBUILD_WORKERS": 0, "CACHE_PATH": str(tmp_path / "c-serial")},
    )
    parallel = build_site(
        tmp_path / "parallel",
        settings={
            "FASTBUILD_WORKERS": 2,
            "FASTBUILD_MIN_FILES": 1,
            "FASTBUILD_PARALLEL_WRITE": True,
            "FASTBUILD_MIN_PAGES_PER_PROCESS": 1,
            "CACHE_PATH": str(tmp_path / "c-parallel"),
        },
    )
    plain = build_site(
        tmp_path / "plain",
        settings={
            "PLUGINS": PLAIN_PLUGINS,
            "CACHE_CONTENT": False,
            "LOAD_CONTENT_CACHE": False,
            "CACHE_PATH": str(tmp_path / "c-plain"),
        },
    )
    for site in (serial, parallel, plain):
        assert site.returncode == 0, site.log
    # The pool and the forked page renderers really ran.
    stats = json.loads(
        (tmp_path / "c-parallel" / "diskurs" / "last-build.json").read_text()
    )
    markdown = len(list((ROOT / "content").rglob("*.md")))
    threads = len([p for p in (ROOT / "content" / "comments").iterdir() if p.is_dir()])
    assert stats["files_by_workers"] + stats["files_here"] == markdown + threads, stats
    assert stats["render_processes"] >= 2, stats
    assert stats["pages_deferred"] >= len(parallel.html_files()) // 2, stats
    assert_same_tree(parallel.output, serial.output, "parallel vs serial")
    assert_same_tree(serial.output, plain.output, "fastbuild vs no fastbuild")
    # The folders made ahead (fastbuild.folders) are those Pelican writes into.
    assert folders(parallel.output) == folders(plain.output)


def test_quick_rebuild_equals_full_build_after_each_change(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    theme = tmp_path / "theme"
    shutil.copytree(ROOT / "theme", theme)
    out, cache = tmp_path / "out", tmp_path / "cache"
    settings = {"THEME": str(theme), "CACHE_PATH": str(cache)}

    def rebuild(step: str) -> set[str]:
        before = stamps(out)
        site = build_site(tmp_path, content=content, output=out, settings=settings)
        assert site.returncode == 0, f"{step}: {site.log}"
        full_dir = tmp_path / f"full-{len(list(tmp_path.glob('full-*')))}"
        full = build_site(
            full_dir,
            content=content,
            settings={"THEME": str(theme), "CACHE_PATH": str(full_dir / "cache")},
        )
        assert full.returncode == 0, f"{step} (full build): {full.log}"
        assert_same_tree(out, full.output, step)
        return touched(before, out)

    first = build_site(tmp_path, content=content, output=out, settings=settings)
    assert first.returncode == 0, first.log
    pages = set(stamps(out))

    # Nothing changed: nothing is rendered again.
    assert rebuild("no change") == set()

    # A merged comment: its post's page changes, most pages do not.
    post_page = "2024/kommentare-per-pull-request/index.html"
    (
        content
        / "comments"
        / "kommentare-per-pull-request"
        / "20300101T090000Z-test.yaml"
    ).write_text(
        "author: Neue Leserin\ndate: 2030-01-01T10:00:00+01:00\n"
        "body: Frisch freigegeben, mit *Nachdruck*.\n",
        encoding="utf-8",
    )
    written = rebuild("new comment")
    assert post_page in written
    assert "Frisch freigegeben" in (out / post_page).read_text(encoding="utf-8")
    assert len(written) < len(pages) / 2, sorted(written)

    # A comment edited in place (same count, same file): its page changes, the
    # pages that show only the count do not have to (the count is unchanged).
    edited = sorted(
        (content / "comments" / "kommentare-per-pull-request").glob("*.yaml")
    )[0]
    text = edited.read_text(encoding="utf-8")
    assert "body: |\n" in text
    edited.write_text(
        text.replace("body: |\n", "body: |\n  Nachträglich korrigiert.\n", 1),
        encoding="utf-8",
    )
    written = rebuild("comment edited")
    assert post_page in written
    assert len(written) < len(pages) / 2, sorted(written)
    assert "Nachträglich korrigiert" in (out / post_page).read_text(encoding="utf-8")

    # A comment file deleted (a moderator removes it): never a stale page.
    thread = content / "comments" / "social-media-im-silo"
    victim = sorted(thread.glob("*.yaml"))[0]
    victim.unlink()
    written = rebuild("comment file deleted")
    assert "2017/social-media-im-silo/index.html" in written

    # A post edited.
    post = content / "posts" / "redaktionsplan-ohne-stress.md"
    post.write_text(
        post.read_text(encoding="utf-8") + "\nEin Absatz, später ergänzt.\n",
        encoding="utf-8",
    )
    written = rebuild("post edited")
    assert "2018/redaktionsplan-ohne-stress/index.html" in written

    # A template changed: every page that uses it.
    base = theme / "templates" / "base.html"
    text = base.read_text(encoding="utf-8")
    assert "</body>" in text
    base.write_text(
        text.replace("</body>", "<!-- geändert -->\n</body>", 1), encoding="utf-8"
    )
    written = rebuild("template changed")
    assert written == pages

    # A reading list changed: the pages showing its items.
    reading = sorted((content / "reading").glob("*.yaml"))[0]
    text = reading.read_text(encoding="utf-8")
    assert re.search(r"year: \d+", text)
    reading.write_text(
        re.sub(r"year: (\d+)", lambda m: f"year: {int(m[1]) - 1}", text, count=1),
        encoding="utf-8",
    )
    assert rebuild("reading list changed")

    # A post removed: its page goes, as it would from a full build into an empty folder.
    (content / "posts" / "notes-from-a-small-conference.md").unlink()
    shutil.rmtree(
        content / "comments" / "notes-from-a-small-conference", ignore_errors=True
    )
    rebuild("post removed")


def test_corrupt_caches_are_rebuilt_not_trusted(tmp_path: Path) -> None:
    out, cache = tmp_path / "out", tmp_path / "cache"
    settings = {"CACHE_PATH": str(cache)}
    first = build_site(tmp_path, output=out, settings=settings)
    assert first.returncode == 0, first.log
    reference = tree(out)
    files = sorted(
        p for p in (cache / "diskurs").iterdir() if p.suffix in (".base", ".log")
    )
    assert files, "the build saved no cache"
    for i, path in enumerate(files):
        data = bytearray(path.read_bytes())
        if i % 2:
            data[len(data) // 2] ^= 0xFF  # a flipped byte in the middle
        else:
            data = data[: len(data) * 2 // 3]  # cut short
        path.write_bytes(bytes(data))
    for name in ("ArticlesGenerator-Readers", "PagesGenerator-Readers"):
        if (cache / name).exists():
            (cache / name).write_bytes(b"not a pickle")
    # The output is removed too: every page must come from the content again.
    shutil.rmtree(out)
    again = build_site(tmp_path, output=out, settings=settings)
    assert again.returncode == 0, again.log
    # Byte for byte the first build: no comment lost, nothing stale.
    assert tree(out) == reference
    assert "rebuilding it from the content" in again.log or "is rewritten" in again.log


def test_pelican_reader_cache_is_dropped_when_settings_change(tmp_path: Path) -> None:
    """Pelican checks only a post's stamp; a changed Markdown setting must show."""
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = build_site(tmp_path, output=out, settings={"CACHE_PATH": str(cache)})
    assert first.returncode == 0, first.log
    assert (cache / "ArticlesGenerator-Readers").exists()
    before = tree(out)
    markdown = {
        "extension_configs": {
            "markdown.extensions.codehilite": {
                "css_class": "highlight",
                "guess_lang": False,
            },
            "markdown.extensions.extra": {},
            "markdown.extensions.meta": {},
            "markdown.extensions.toc": {"permalink": True},
        },
        "output_format": "html5",
    }
    changed = build_site(
        tmp_path, output=out, settings={"CACHE_PATH": str(cache), "MARKDOWN": markdown}
    )
    assert changed.returncode == 0, changed.log
    full = build_site(
        tmp_path / "full",
        settings={"CACHE_PATH": str(tmp_path / "full-cache"), "MARKDOWN": markdown},
    )
    assert full.returncode == 0, full.log
    assert_same_tree(out, full.output, "Markdown settings changed")
    assert tree(out) != before  # the setting did change the pages


def test_cache_lives_under_cache_path(tmp_path: Path) -> None:
    cache = tmp_path / "somewhere" / "cache"
    site = build_site(tmp_path, settings={"CACHE_PATH": str(cache)})
    assert site.returncode == 0, site.log
    names = os.listdir(cache / "diskurs")
    assert any(n.startswith("comments-") for n in names), names
    assert any(n.startswith("pages-") for n in names), names
