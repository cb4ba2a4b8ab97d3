"""The live server's bookkeeping: which pages are out of date, which files changed."""

from __future__ import annotations

import os
import time
from pathlib import Path

from fastbuild.live import LivePages, instant_watcher


def test_a_page_served_before_the_last_rebuild_is_outdated() -> None:
    pages = LivePages()
    pages.served("/ueber/")
    pages.served("/")
    assert not pages.outdated("http://127.0.0.1:8000/ueber/")
    pages.rebuilt()
    assert pages.outdated("http://127.0.0.1:8000/ueber/")
    assert pages.outdated("http://127.0.0.1:8000/ueber/?x=1#kommentare")
    pages.served("/ueber/")
    assert not pages.outdated("http://127.0.0.1:8000/ueber/")
    assert pages.outdated("http://127.0.0.1:8000/")
    # A page this server never served is left alone (no reload loop on a URL
    # spelt differently from its request).
    assert not pages.outdated("http://127.0.0.1:8000/gibt-es-nicht/")


class Calls:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> None:
        self.count += 1


def watching(folder: Path) -> tuple[object, Calls]:
    watcher = instant_watcher([folder])
    calls = Calls()
    watcher.watch(f"{folder}/**/*", calls)
    return watcher, calls


def test_the_first_check_rebuilds_only_files_saved_after_the_watcher_was_made(
    tmp_path: Path,
) -> None:
    (tmp_path / "alt.md").write_text("alt", encoding="utf-8")
    old = time.time() - 60
    os.utime(tmp_path / "alt.md", (old, old))
    watcher, calls = watching(tmp_path)
    watcher.examine()  # type: ignore[attr-defined]
    assert calls.count == 0
    (tmp_path / "neu.md").write_text("während des ersten Builds", encoding="utf-8")
    watcher, calls = watching(tmp_path)
    os.utime(tmp_path / "neu.md")  # saved after the watcher was made
    watcher.examine()  # type: ignore[attr-defined]
    assert calls.count == 1


def test_a_save_with_the_same_file_time_but_another_size_is_a_change(
    tmp_path: Path,
) -> None:
    post = tmp_path / "post.md"
    post.write_text("", encoding="utf-8")  # caught between truncating and writing
    old = time.time() - 60
    os.utime(post, (old, old))
    watcher, calls = watching(tmp_path)
    watcher.examine()  # type: ignore[attr-defined]
    stamp = post.stat().st_mtime_ns
    post.write_text("Der ganze Text.", encoding="utf-8")
    os.utime(post, ns=(stamp, stamp))  # the same tick of the kernel's file clock
    watcher.examine()  # type: ignore[attr-defined]
    assert calls.count == 1
    watcher.examine()  # type: ignore[attr-defined]
    assert calls.count == 1  # nothing new


def test_a_file_moved_in_with_an_old_time_is_a_change(tmp_path: Path) -> None:
    (tmp_path / "posts").mkdir()
    watcher, calls = watching(tmp_path)
    watcher.examine()  # type: ignore[attr-defined]
    draft = tmp_path / "entwurf.md"
    draft.write_text("Title: Entwurf\n", encoding="utf-8")
    old = time.time() - 3600
    os.utime(draft, (old, old))
    draft.rename(tmp_path / "posts" / "entwurf.md")  # mv keeps the file's time
    watcher.examine()  # type: ignore[attr-defined]
    assert calls.count == 1
    (tmp_path / "posts" / "entwurf.md").unlink()
    watcher.examine()  # type: ignore[attr-defined]
    assert calls.count == 2  # a removal too
