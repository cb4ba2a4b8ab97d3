"""feeds.plugin: while feeds are written, the page writer may refresh its renderers."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import feeds.plugin as plugin


class Ledger:
    """Every feed changed: all are written."""

    def __init__(self) -> None:
        self.visited: set[str] = set()
        self.skipped = 0
        self.recorded: list[Any] = []

    def unchanged(self, paths: Any, stamp: Any) -> bool:
        self.visited.update(paths)
        return False

    def record(self, paths: Any, stamp: Any) -> None:
        self.recorded.append(tuple(paths))


def generator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, feeds: int) -> Any:
    made = plugin.FeedsGenerator({}, {}, str(tmp_path), "", str(tmp_path))
    jobs = [
        SimpleNamespace(paths=[f"feeds/{n}.atom.xml"], stamp=lambda: b"s")
        for n in range(feeds)
    ]
    monkeypatch.setattr(made, "jobs", lambda site: jobs)
    monkeypatch.setattr(
        plugin.FeedSite, "from_settings", lambda *a: SimpleNamespace(base_url="b")
    )
    monkeypatch.setattr(plugin, "write_job", lambda site, job: None)
    return made


def test_the_writer_is_refreshed_every_so_often(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = generator(tmp_path, monkeypatch, 5)
    calls: list[int] = []
    monkeypatch.setattr(plugin, "REFRESH_SECONDS", 0.0)  # due before each feed
    outcome = made._make(Ledger(), lambda: calls.append(1))
    assert len(calls) == 5 and outcome.count == 5

    calls.clear()
    monkeypatch.setattr(plugin, "REFRESH_SECONDS", 3600.0)  # never due
    made._make(Ledger(), lambda: calls.append(1))
    assert calls == []


def test_feeds_are_made_without_a_writer_to_refresh(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = generator(tmp_path, monkeypatch, 3)
    monkeypatch.setattr(plugin, "REFRESH_SECONDS", 0.0)
    ledger = Ledger()
    assert made._make(ledger).count == 3  # the rebuild's forked child: no writer
    assert len(ledger.recorded) == 3
