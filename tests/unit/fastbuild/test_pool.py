"""fastbuild.pool: results, log lines and problems as a serial build has them."""

from __future__ import annotations

import logging
import os
import signal
import time
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


def where(settings: dict[str, Any], parent: int) -> str:
    """Dies in a worker (a crash, or the kernel's OOM killer); fine at home."""
    if os.getpid() != parent:
        os._exit(3)
    return "here"


def test_a_job_whose_worker_dies_is_done_here() -> None:
    pool = Pool({}, workers=1)
    try:
        pool.submit("x", where, os.getpid())
        assert pool.has("x")  # forks the worker
        time.sleep(1.0)  # it claims the job and dies
        assert pool.take("x", where, os.getpid()) == "here"
        assert (pool.done_here, pool.done_there) == (1, 0)
    finally:
        pool.shutdown()


def unpicklable(settings: dict[str, Any], n: int) -> Any:
    return (lambda: n) if os.getpid() != settings["parent"] else n


def test_a_result_that_cannot_travel_is_computed_here() -> None:
    pool = Pool({"parent": os.getpid()}, workers=1)
    try:
        for n in range(3):
            pool.submit(n, unpicklable, n)
        assert [pool.take(n, unpicklable, n) for n in range(3)] == [0, 1, 2]
    finally:
        pool.shutdown()


def test_jobs_queued_after_the_fork_and_reordered_jobs_give_every_result() -> None:
    settings: dict[str, Any] = {}
    pool = Pool(settings, workers=2)
    try:
        for n in reversed(range(40)):
            if n != 5:
                pool.submit(n, square, n)
        moved = pool.reorder([(n, square, (n,)) for n in range(20)])
        assert 0 <= moved <= 20
        pool.submit(100, square, 100)  # the workers never see it
        assert pool.has(100)
        here = pool.done_here
        assert pool.take(100, square, 100)[0] == 10_000
        assert pool.done_here == here + 1
        results = {n: pool.take(n, square, n)[0] for n in range(40) if n != 5}
    finally:
        pool.shutdown()
    assert results == {n: n * n for n in range(40) if n != 5}
    assert pool.done_here + pool.done_there == 40
    assert [p.message for p in problem_log(settings).problems] == ["three"]


def test_shutdown_stops_workers_busy_with_jobs_nobody_takes() -> None:
    pool = Pool({}, workers=2)
    for n in range(200):
        pool.submit(n, square, n)
    assert pool.take(199, square, 199)[0] == 199 * 199
    pool.shutdown()  # returns without doing the other 199
    assert not pool.has(0)


def slow(settings: dict[str, Any], n: int) -> int:
    time.sleep(0.05)
    return n


def test_a_worker_killed_while_holding_the_lock_does_not_hang_the_build() -> None:
    pool = Pool({}, workers=1)
    try:
        for n in range(20):
            pool.submit(n, slow, n)
        assert pool.has(0)  # forks the worker
        # As if the system killed it in the middle of claiming a job.
        assert pool._lock.acquire(timeout=5)
        os.kill(pool._pids[0], signal.SIGKILL)
        assert [pool.take(n, slow, n) for n in range(20)] == list(range(20))
        assert pool.done_here + pool.done_there == 20
    finally:
        pool.shutdown()
