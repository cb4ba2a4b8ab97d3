"""The Pelican glue: one run's comments never leak into the next run."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from comments.build import STATE_KEY, build_state
from comments.plugin import start_run


def test_each_run_starts_with_no_threads(tmp_path: Path) -> None:
    # `pelican -r` keeps one settings dict for every run of the process.
    settings = {"PATH": str(tmp_path), "PLUGINS": ["comments.plugin"]}
    first = build_state(settings)
    first.threads["p"] = first.thread_of("p")
    start_run(SimpleNamespace(settings=settings))
    assert STATE_KEY not in settings
    second = build_state(settings)
    assert second is not first and second.threads == {}
    start_run(SimpleNamespace(settings={}))  # nothing to reset: no error
