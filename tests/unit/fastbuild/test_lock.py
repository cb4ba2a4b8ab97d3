"""fastbuild.lock: builds that share a cache folder run one after the other."""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastbuild import lock
from support.locks import free, holder, lock_file


def test_a_build_holds_the_lock_from_take_to_give_back(tmp_path: Path) -> None:
    build = SimpleNamespace()
    assert lock.take(build, str(tmp_path))
    assert lock_file(tmp_path).exists()
    assert not free(tmp_path)
    lock.give_back(build)
    assert free(tmp_path)
    lock.give_back(build)  # again: nothing held


def test_a_second_build_waits_for_the_first(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = holder(tmp_path, 1.0)
    try:
        started = time.monotonic()
        build = SimpleNamespace()
        with caplog.at_level(logging.WARNING, logger="fastbuild.lock"):
            assert lock.take(build, str(tmp_path), wait=30)
        waited = time.monotonic() - started
    finally:
        first.wait(timeout=30)
    assert waited >= 0.5, waited
    assert "another build is using the cache folder" in caplog.text
    assert first.returncode == 0  # it ended first, then we had the lock
    lock.give_back(build)


def test_a_build_stuck_too_long_is_not_waited_for_forever(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first = holder(tmp_path, 30)
    try:
        build = SimpleNamespace()
        with caplog.at_level(logging.WARNING, logger="fastbuild.lock"):
            assert not lock.take(build, str(tmp_path), wait=0.3)
        assert "still in use after" in caplog.text
        assert getattr(build, lock.ATTRIBUTE, None) is None
    finally:
        first.kill()
        first.wait(timeout=30)


def test_a_repeated_run_of_one_pelican_object_does_not_wait_for_itself(
    tmp_path: Path,
) -> None:
    build = SimpleNamespace()
    assert lock.take(build, str(tmp_path))
    held = getattr(build, lock.ATTRIBUTE)
    started = time.monotonic()
    assert lock.take(build, str(tmp_path), wait=5)  # an autoreload run after a failure
    assert time.monotonic() - started < 1
    assert getattr(build, lock.ATTRIBUTE) is held
    lock.give_back(build)
    assert free(tmp_path)


def test_a_forked_child_saving_caches_keeps_the_lock_until_it_ends(
    tmp_path: Path,
) -> None:
    build = SimpleNamespace()
    assert lock.take(build, str(tmp_path))
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: wait until told to end
        os.close(write)
        os.read(read, 1)
        os._exit(0)
    os.close(read)
    try:
        lock.give_back(build)  # the build ends; its child is still at work
        assert not free(tmp_path)
    finally:
        os.write(write, b"x")
        os.close(write)
        os.waitpid(pid, 0)
    assert free(tmp_path)


def test_no_lock_where_the_cache_folder_cannot_be_made(tmp_path: Path) -> None:
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the cache folder should be", encoding="utf-8")
    build = SimpleNamespace()
    assert not lock.take(build, str(blocker))
    assert getattr(build, lock.ATTRIBUTE, None) is None
