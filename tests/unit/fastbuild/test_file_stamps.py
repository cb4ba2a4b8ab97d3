"""fastbuild.runtime: a source file is hashed once per run, again when it changes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

from fastbuild.runtime import Runtime


class Cacher:
    """What Pelican's FileStampDataCacher has: a per-instance stamp function."""

    def __init__(self, calls: list[str]) -> None:
        def stamp(filename: str) -> bytes:
            calls.append(filename)
            return hashlib.sha256(Path(filename).read_bytes()).digest()

        self._filestamp_func = stamp


def runtime(method: str = "sha256") -> Runtime:
    rt = Runtime()
    rt.settings = {"CHECK_MODIFIED_METHOD": method}
    return rt


def test_each_file_is_hashed_once_per_run(tmp_path: Path) -> None:
    post = tmp_path / "post.md"
    post.write_text("Title: A\n\nText", encoding="utf-8")
    calls: list[str] = []
    rt = runtime()
    owners: list[Any] = [Cacher(calls), Cacher(calls)]  # generator and its readers
    for owner in owners:
        rt.memo_file_stamps(owner)
        rt.memo_file_stamps(owner)  # hooked once
    digest = hashlib.sha256(post.read_bytes()).digest()
    for _ in range(2):
        for owner in owners:
            assert owner._filestamp_func(str(post)) == digest
    assert calls == [str(post)]

    # Changed (other size, other mtime): hashed again, the new digest.
    post.write_text("Title: A\n\nAnother text", encoding="utf-8")
    st = post.stat()
    os.utime(post, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert (
        owners[0]._filestamp_func(str(post))
        == hashlib.sha256(post.read_bytes()).digest()
    )
    assert len(calls) == 2

    # A new run starts afresh.
    rt.begin(str(tmp_path / "out"))
    try:
        owners[1]._filestamp_func(str(post))
    finally:
        rt.end()
    assert len(calls) == 3


def test_mtime_stamps_are_left_alone() -> None:
    owner = Cacher([])
    original = owner._filestamp_func
    runtime("mtime").memo_file_stamps(owner)
    assert owner._filestamp_func is original


def test_a_missing_file_still_fails_as_pelican_expects(tmp_path: Path) -> None:
    """Pelican catches OSError from the stamp function and logs a warning."""
    owner = Cacher([])
    runtime().memo_file_stamps(owner)
    try:
        owner._filestamp_func(str(tmp_path / "gone.md"))
    except OSError:
        pass
    else:
        raise AssertionError("no OSError for a missing file")
