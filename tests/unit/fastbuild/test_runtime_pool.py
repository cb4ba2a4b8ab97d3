"""fastbuild.runtime: comment threads alone get the pool when no post is rendered."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.site import ROOT, build_site

pytestmark = pytest.mark.slow


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_a_cold_comment_cache_beside_a_warm_post_cache_uses_the_pool(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    settings = {
        "FASTBUILD_WORKERS": 2,
        "FASTBUILD_MIN_FILES": 1,
        "CACHE_PATH": str(cache),
    }
    first = build_site(tmp_path, settings=settings)
    assert first.returncode == 0, first.log
    want = files(first.output)
    dropped = list((cache / "diskurs").glob("comments-*"))
    assert dropped, "the comments plugin keeps no cache where it should"
    for path in dropped:
        path.unlink()

    again = build_site(tmp_path, settings=settings, output=first.output)
    assert again.returncode == 0, again.log
    stats = json.loads((cache / "diskurs" / "last-build.json").read_text())
    threads = [p for p in (ROOT / "content" / "comments").iterdir() if p.is_dir()]
    # Pelican's cache held every post: the pool had only the threads to do.
    assert stats["files_by_workers"] + stats["files_here"] == len(threads), stats
    assert files(first.output) == want
