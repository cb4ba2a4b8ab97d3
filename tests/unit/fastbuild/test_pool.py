"""fastbuild.pool: results, log lines and problems as a serial build has them."""

from __future__ import annotations

import logging
import os
from typing import Any

import pytest
from fastbuild.pool import Pool
from sitekit.problems import Problem, problem_log

logger = logging.getLogger("fastbuild.test")


def square(settings: dict[str, Any], n: int) -> tuple[int, int]:
    if n == 3:
        logger.warning("three is odd, says pid %s", os.getpid())
        problem_log(settings).add(Problem("posts/three.md", 3, "body", "three"))
    if n == 5:
        raise ValueError("five is not allowed")
    return n * n, os.getpid()


def test_results_logs_and_problems_come_home(caplog: pytest.LogCaptureFixture) -> None:
    settings: dict[str, Any] = {}
    pool = Pool(settings, workers=2)
    try:
        for n in reversed(range(12)):
            if n != 5:
                pool.submit(n, square, n)
        with caplog.at_level(logging.WARNING):
            results = {n: pool.take(n, square, n) for n in range(12) if n != 5}
    finally:
        pool.shutdown()
    assert {n: r[0] for n, r in results.items()} == {
        n: n * n for n in range(12) if n != 5
    }
    assert pool.done_here + pool.done_there == 11
    assert "three is odd" in caplog.text
    problems = problem_log(settings).problems
    assert [p.message for p in problems] == [
        "three"
    ]  # once, though logged and recorded


def test_a_job_that_fails_in_a_worker_fails_here_with_its_own_error() -> None:
    settings: dict[str, Any] = {}
    pool = Pool(settings, workers=1)
    try:
        pool.submit(5, square, 5)
        with pytest.raises(ValueError, match="five is not allowed"):
            pool.take(5, square, 5)
    finally:
        pool.shutdown()


def test_without_workers_everything_runs_here() -> None:
    pool = Pool({}, workers=0)
    pool.submit(2, square, 2)
    assert not pool.has(2)
    assert pool.take(2, square, 2) == (4, os.getpid())
