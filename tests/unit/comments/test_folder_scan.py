"""comments.build: a rebuild checks the thread folders' stamps in a forked child."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import comments.folder
import pytest
from comments.build import CommentsBuild
from sitekit.cache import save_caches
from unit.comments.test_folder import build, write


def counts(state: CommentsBuild, *slugs: str) -> list[int]:
    return [len(state.thread_of(s).unpack()[0].comments) for s in slugs]


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two threads, built once (files count as settled at once)."""
    monkeypatch.setattr(comments.folder, "SETTLE_NS", -(10**12))
    root = tmp_path / "content" / "comments"
    for slug in ("p", "q"):
        write(root / slug, 1)
    state, settings = build(tmp_path)
    assert counts(state, "p", "q") == [1, 1]
    save_caches(settings)
    return root


def test_the_child_finds_the_unchanged_folders_and_names_the_changed_one(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(site / "q", 2)  # a new comment
    state, _ = build(tmp_path)
    assert state.folders_to_prefetch() == [str(site / "q")]  # what a scan here says
    state, settings = build(tmp_path)
    assert state.scan_in_child()
    assert state.take_scan() == [str(site / "q")]
    # p is served by the keys the child found: no file of it is read again.
    read = comments.folder.read_sources
    monkeypatch.setattr(
        comments.folder,
        "read_sources",
        lambda version, folder, *a: (
            pytest.fail(f"{folder} read")
            if folder.name == "p"
            else read(version, folder, *a)
        ),
    )
    assert counts(state, "p", "q") == [1, 2]
    assert state.cache is not None and state.cache.hits == 1 and state.cache.misses == 1
    save_caches(settings)
    again, _ = build(tmp_path)  # the touched entries were kept
    assert again.folders_to_prefetch() == []


def test_a_child_that_fails_leaves_the_scan_to_this_process(
    tmp_path: Path, site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(site / "p", 2)

    def broken(self: CommentsBuild) -> Any:
        raise RuntimeError("the child fails")

    monkeypatch.setattr(CommentsBuild, "_stamp_scan", broken)
    state, _ = build(tmp_path)
    assert state.scan_in_child()
    assert state.take_scan() == [str(site / "p")]
    assert counts(state, "p", "q") == [2, 1]


def test_a_thread_asked_for_before_the_scan_is_taken_takes_it(
    tmp_path: Path, site: Path
) -> None:
    write(site / "p", 2)
    state, _ = build(tmp_path)
    assert state.scan_in_child()
    assert counts(state, "q", "p") == [1, 2]
    assert state.take_scan() is None  # taken already


def test_no_child_for_a_cold_cache(tmp_path: Path) -> None:
    write(tmp_path / "content" / "comments" / "p", 1)
    state, _ = build(tmp_path)
    assert not state.scan_in_child()
    assert state.take_scan() is None
