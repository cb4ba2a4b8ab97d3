"""Run a command and measure it: wall time, CPU time, peak memory of its process tree.

A build forks workers, so the memory that matters is that of the whole tree at
its peak. We poll ``/proc`` every few milliseconds and sum, over the command
and all its descendants, both RSS (counts pages shared between a parent and
its forked children once per process: an upper bound) and PSS (shares each
page among the processes that map it: what the tree really occupies). PSS is
costly to read, so it is read only when it could be a new peak (see ``run``).
CPU time comes from ``wait4``'s rusage, which includes every waited descendant.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Measurement:
    wall: float  # seconds
    cpu: float  # user + system seconds of the whole tree
    peak_rss_mb: float  # peak of the summed RSS of the tree
    peak_pss_mb: float  # peak of the summed PSS of the tree
    returncode: int
    output: str


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tasks:
        try:
            text = Path(f"/proc/{pid}/task/{tid}/children").read_text()
        except OSError:
            continue
        out.extend(int(c) for c in text.split())
    return out


def _tree(pid: int) -> list[int]:
    seen = [pid]
    i = 0
    while i < len(seen):
        seen.extend(c for c in _children(seen[i]) if c not in seen)
        i += 1
    return seen


_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    """RSS of one process in kB from ``statm`` (cheap: no page walk); 0 when gone."""
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _memory_kb(pid: int) -> tuple[int, int]:
    """(RSS, PSS) of one process in kB; zeros when it is gone."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0, 0
    rss = pss = 0
    for line in text.splitlines():
        if line.startswith("Rss:"):
            rss = int(line.split()[1])
        elif line.startswith("Pss:"):
            pss = int(line.split()[1])
    return rss, pss


def run(
    cmd: list[str],
    *,
    cwd: str | os.PathLike[str] | None = None,
    env: dict[str, str] | None = None,
    interval: float = 0.01,
    pss_interval: float = 0.05,
    timeout: float = 3600,
) -> Measurement:
    """Run ``cmd`` to completion and measure it."""
    peak = [0, 0]
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )

    def poll() -> None:
        # smaps_rollup walks every page of a process (milliseconds for a big
        # one): read every 10 ms for a tree of big processes it takes a core
        # from the build it measures. PSS never exceeds RSS, so it is read
        # only while the tree's RSS (cheap, from statm) is above the highest
        # PSS so far, and then at most every pss_interval or on a new RSS high.
        last_pss_read = 0.0
        last_rss_read = 0
        while not done.is_set():
            pids = _tree(proc.pid)
            rss = sum(_rss_kb(pid) for pid in pids)
            peak[0] = max(peak[0], rss)
            now = time.perf_counter()
            if rss > peak[1] and (
                now - last_pss_read >= pss_interval or rss > last_rss_read * 1.05
            ):
                pss = sum(_memory_kb(pid)[1] for pid in pids)
                peak[1] = max(peak[1], pss)
                last_pss_read, last_rss_read = now, rss
            done.wait(interval)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    chunks: list[bytes] = []
    reader = threading.Thread(
        target=lambda: chunks.append(proc.stdout.read() if proc.stdout else b""),
        daemon=True,
    )
    reader.start()
    deadline = start + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            proc.kill()
        time.sleep(0.005)
    wall = time.perf_counter() - start
    done.set()
    watcher.join()
    reader.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measurement(
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss_mb=peak[0] / 1024,
        peak_pss_mb=peak[1] / 1024,
        returncode=proc.returncode,
        output=b"".join(chunks).decode("utf-8", "replace"),
    )
