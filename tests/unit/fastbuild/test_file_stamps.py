"""fastbuild.runtime: a source file is hashed once per run, again when it changes."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Any

import fastbuild.runtime
import pytest
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


def cached_runtime(cache: Path) -> Runtime:
    from fastbuild.settings import FastBuildSettings

    rt = Runtime()
    rt.settings = {
        "CHECK_MODIFIED_METHOD": "sha256",
        "FASTBUILD_CACHE": True,
        "CACHE_PATH": str(cache),
    }
    rt.config = FastBuildSettings.from_settings(rt.settings)
    return rt


def test_a_file_with_the_same_stat_is_not_read_in_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sitekit.cache import save_caches

    monkeypatch.setattr(fastbuild.runtime, "SETTLE_NS", -(10**12))  # settled at once
    post = tmp_path / "post.md"
    post.write_text("Title: A\n\nText", encoding="utf-8")
    cache = tmp_path / "cache"
    calls: list[str] = []

    def build() -> bytes:
        rt = cached_runtime(cache)
        owner = Cacher(calls)
        rt.memo_file_stamps(owner)
        digest = owner._filestamp_func(str(post))
        save_caches(rt.settings)
        return digest  # type: ignore[no-any-return]

    first = build()
    assert first == hashlib.sha256(post.read_bytes()).digest()
    assert build() == first  # a new process, the same stat: not read
    assert calls == [str(post)]

    # The same size and mtime, other bytes: the change time gives it away.
    st = post.stat()
    post.write_text("Title: B\n\nText", encoding="utf-8")
    os.utime(post, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert post.stat().st_size == st.st_size
    assert build() == hashlib.sha256(post.read_bytes()).digest() != first
    assert len(calls) == 2


def test_a_file_changed_just_now_is_read_again_in_the_next_build(
    tmp_path: Path,
) -> None:
    """It may change again within one clock tick, size and times unchanged."""
    from sitekit.cache import save_caches

    post = tmp_path / "post.md"
    post.write_text("Title: A\n\nText", encoding="utf-8")
    cache = tmp_path / "cache"
    calls: list[str] = []
    for _ in range(2):
        rt = cached_runtime(cache)
        owner = Cacher(calls)
        rt.memo_file_stamps(owner)
        owner._filestamp_func(str(post))
        save_caches(rt.settings)
    assert calls == [str(post), str(post)]


def pelican_settings(cache: Path) -> dict[str, Any]:
    return {
        "CHECK_MODIFIED_METHOD": "sha256",
        "CACHE_PATH": str(cache),
        "GZIP_CACHE": False,
    }


def test_the_cache_layer_pelican_does_not_use_stamps_no_file(tmp_path: Path) -> None:
    """Pelican's other layer asked for a file stamped (hashed) it, then missed."""
    from pelican.cache import FileStampDataCacher

    post = tmp_path / "post.md"
    post.write_text("Title: A\n\nText", encoding="utf-8")
    settings = pelican_settings(tmp_path / "cache")
    rt = runtime()
    idle = FileStampDataCacher(settings, "Idle", False, False)
    used = FileStampDataCacher(settings, "Used", True, True)
    for owner in (idle, used):
        rt.lean_cache_saves(
            type("G", (), {"settings": settings, "readers": owner})()  # type: ignore[arg-type]
        )
    stamped: list[str] = []
    for owner in (idle, used):
        stamp = owner._filestamp_func
        owner._filestamp_func = lambda f, stamp=stamp: stamped.append(f) or stamp(f)
    # The idle layer: a miss, as Pelican's own lookup gives, without a stamp.
    assert idle.get_cached_data(str(post), "default") == "default"
    idle.cache_data(str(post), "data")
    assert idle.get_cached_data(str(post)) is None
    idle.save_cache()
    assert stamped == []
    assert not (tmp_path / "cache").exists()
    # The layer in use stamps, stores and saves as before.
    assert used.get_cached_data(str(post)) is None
    used.cache_data(str(post), "data")
    assert used.get_cached_data(str(post)) == "data"
    used.save_cache()
    assert (tmp_path / "cache" / "Used").is_file()
    assert stamped and set(stamped) == {str(post)}


def test_an_idle_layer_that_holds_entries_is_left_as_pelican_made_it(
    tmp_path: Path,
) -> None:
    """Not storing, yet loaded with entries (CACHE_CONTENT off, loading on): as is."""
    from pelican.cache import FileStampDataCacher

    settings = pelican_settings(tmp_path / "cache")
    owner = FileStampDataCacher(settings, "Loaded", False, False)
    owner._cache = {"post.md": (b"stamp", "data")}
    before = owner.get_cached_data
    fake = type("G", (), {"settings": settings, "readers": owner})()
    runtime().lean_cache_saves(fake)
    assert owner.get_cached_data.__func__ is before.__func__  # type: ignore[attr-defined]
    assert owner.get_cached_data("post.md", "default") == "default"  # stamp differs
