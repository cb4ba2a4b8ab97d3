"""One build at a time per cache folder.

Two builds that share ``CACHE_PATH`` (``invoke livereload`` running while
``invoke build`` is started, say) read and write the same caches, page
stamps and ledgers of written files; one could remove a feed the other had
just written, or save stamps of pages it never wrote. A build holds an
exclusive ``flock`` on ``CACHE_PATH/diskurs/build.lock`` from its start to
its end, and a second build waits for it, saying so.

``flock`` belongs to the open file, which forked children share: the
workers, and the child that saves the caches after the build has ended, hold
it with the build, so the next build starts only once they are done. A
process that ends, however it ends, lets go of it. A build repeated on one
Pelican object (Pelican's autoreload) keeps the file it opened first, so a
build that failed halfway never makes the next one wait for itself.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from typing import IO, Any

from sitekit.cache import FOLDER

logger = logging.getLogger(__name__)

#: The lock file, under the cache folder.
NAME = "build.lock"
#: Where the open lock file is kept between a build's start and its end.
ATTRIBUTE = "_fastbuild_lock"
#: How long a build waits for another one before it goes on regardless
#: (a cold build of a large site takes minutes, a stuck one forever).
WAIT_SECONDS = 600.0
_POLL_SECONDS = 0.05


def take(pelican: Any, cache_path: str, *, wait: float = WAIT_SECONDS) -> bool:
    """Hold the cache folder's lock for this build; False if it cannot be had."""
    if getattr(pelican, ATTRIBUTE, None) is not None:
        return True  # this Pelican object's earlier run holds it
    folder = os.path.join(cache_path, FOLDER)
    try:
        os.makedirs(folder, exist_ok=True)
        file = open(os.path.join(folder, NAME), "ab")  # noqa: SIM115 - held to the end
    except OSError as err:
        logger.debug("fastbuild: no build lock in %s (%s)", folder, err)
        return False
    if not _locked(file, folder, wait):
        file.close()
        return False
    setattr(pelican, ATTRIBUTE, file)
    return True


def _locked(file: IO[bytes], folder: str, wait: float) -> bool:
    if _try_lock(file):
        return True
    logger.warning(
        "fastbuild: another build is using the cache folder %s; waiting for it "
        "to end (builds that share a cache folder run one after the other)",
        folder,
    )
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        time.sleep(_POLL_SECONDS)
        if _try_lock(file):
            return True
    logger.warning(
        "fastbuild: the cache folder %s was still in use after %.0f s; "
        "building without waiting longer",
        folder,
        wait,
    )
    return False


def _try_lock(file: IO[bytes]) -> bool:
    try:
        fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def give_back(pelican: Any) -> None:
    """This process is done with the lock (children still holding it keep it)."""
    file = getattr(pelican, ATTRIBUTE, None)
    if file is not None:
        setattr(pelican, ATTRIBUTE, None)
        file.close()
