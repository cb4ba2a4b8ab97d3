"""Two builds sharing a cache folder: the second waits for the first, then builds."""

from __future__ import annotations

import time
from pathlib import Path

from support.locks import free, holder
from support.site import build_site


def test_a_build_waits_while_another_holds_the_cache_folder(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = holder(cache, 2.0)  # another build, two seconds from its end
    try:
        started = time.monotonic()
        site = build_site(tmp_path, settings={"CACHE_PATH": str(cache)})
        took = time.monotonic() - started
    finally:
        first.wait(timeout=60)
    assert site.returncode == 0, site.log
    assert "another build is using the cache folder" in site.log
    assert took >= 1.5, took
    assert site.exists("index.html")
    assert free(cache), (
        "a finished build (and its cache-saving child) let go of the lock"
    )


def test_an_ordinary_build_neither_waits_nor_keeps_the_lock(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    site = build_site(tmp_path, settings={"CACHE_PATH": str(cache)})
    assert site.returncode == 0, site.log
    assert "another build is using" not in site.log
    deadline = time.monotonic() + 30  # the cache-saving child may still be at work
    while not free(cache) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert free(cache)
