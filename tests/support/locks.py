"""Another build holding a cache folder's build lock, played by a small process."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fastbuild import lock
from sitekit.cache import FOLDER

#: Holds the lock file given as argv[1] for argv[2] seconds, says when it has it.
HOLDER = """
import fcntl, sys, time
f = open(sys.argv[1], "ab")
fcntl.flock(f, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""

#: Exit code 0 if the lock file given as argv[1] is free now, 1 if held.
PROBE = """
import fcntl, sys
f = open(sys.argv[1], "ab")
try:
    fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
except BlockingIOError:
    sys.exit(1)
"""


def lock_file(cache: Path) -> Path:
    return cache / FOLDER / lock.NAME


def free(cache: Path) -> bool:
    probe = subprocess.run(
        [sys.executable, "-c", PROBE, str(lock_file(cache))], timeout=30
    )
    return probe.returncode == 0


def holder(cache: Path, seconds: float) -> subprocess.Popen[str]:
    lock_file(cache).parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(lock_file(cache)), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "held"
    return process
