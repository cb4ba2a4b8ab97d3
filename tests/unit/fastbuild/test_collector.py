"""fastbuild.runtime: a small rebuild reads with the cyclic collector paused."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest
from fastbuild.runtime import Runtime
from fastbuild.settings import FastBuildSettings


@pytest.fixture(autouse=True)
def _restore_collector() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    gc.unfreeze()
    if enabled:
        gc.enable()
    else:
        gc.disable()


def runtime(workers: int) -> Runtime:
    rt = Runtime()
    rt.config = FastBuildSettings.from_settings(
        {"FASTBUILD_WORKERS": workers, "FASTBUILD_MIN_FILES": 5}
    )
    return rt


def test_paused_until_reading_is_over_then_what_was_read_is_frozen() -> None:
    gc.enable()
    gc.unfreeze()
    rt = runtime(2)
    rt.pause_collector()
    assert not gc.isenabled()
    rt._many(4)  # a few files to render: still a small rebuild
    assert not gc.isenabled()
    read: list[list[int]] = [[] for _ in range(1000)]  # lives to the end, as posts do
    rt.resume_collector()
    assert gc.isenabled()
    assert gc.get_freeze_count() >= len(read)
    rt.end()
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_many_files_to_render_resume_it_at_once() -> None:
    gc.enable()
    rt = runtime(2)
    rt.pause_collector()
    rt._many(5)
    assert gc.isenabled() and not rt.gc_paused


def test_never_paused_without_workers_or_when_someone_turned_it_off() -> None:
    gc.enable()
    rt = runtime(0)
    rt.pause_collector()
    assert gc.isenabled() and not rt.gc_paused
    gc.disable()
    rt = runtime(2)
    rt.pause_collector()
    rt.resume_collector()
    rt.end()
    assert not gc.isenabled()  # not ours to turn on


def test_a_run_that_failed_while_paused_leaves_it_on_at_the_next_start(
    tmp_path: object,
) -> None:
    gc.enable()
    rt = runtime(2)
    rt.pause_collector()  # the run raised before all_generators_finalized
    rt.begin(str(tmp_path))  # FASTBUILD_CACHE is off: nothing to load, no pause
    assert gc.isenabled() and not rt.gc_paused
