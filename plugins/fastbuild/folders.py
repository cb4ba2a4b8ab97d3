"""Output folders of a first build, made ahead by a forked child.

Pretty URLs give every post a folder of its own (``2019/slug/index.html``),
and Pelican makes each page's folder in the main process just before it hands
the page over: 1,681 ``mkdir`` calls at 1,000 posts, 0.8 s measured in a cold
build (the file system's journal makes each one take 0.1-0.5 ms here) while
the other core idles. A child makes the posts' folders as soon as the posts
are read, while the comment threads are attached (made while Pelican queued
the pages, the child's and Pelican's ``mkdir`` calls contended for the same
folders and took as long as before); Pelican's ``makedirs(exist_ok=True)``
then finds them made. Nothing depends on the child: a folder it has not
made yet is made by Pelican as before, and a failed fork only means no help.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable, Sequence
from typing import Any

from pelican.utils import sanitised_join

logger = logging.getLogger(__name__)

#: Post lists of the article generator whose pages Pelican always writes.
_POSTS = ("articles", "translations")


def _save_as(item: Any) -> str:
    save_as = getattr(item, "save_as", "")
    return save_as if isinstance(save_as, str) else ""


def planned_folders(generator: Any) -> list[str]:
    """Folders of the post pages, and of the tag, category and author pages
    once the generator has them, in write order."""
    items: list[Any] = []
    for name in _POSTS:
        items.extend(getattr(generator, name, ()) or ())
    items.extend(getattr(generator, "tags", {}) or {})
    for name in ("categories", "authors"):
        items.extend(pair[0] for pair in getattr(generator, name, ()) or ())
    out: dict[str, None] = {}
    for item in items:
        save_as = _save_as(item)
        if not save_as:
            continue
        try:
            path = sanitised_join(generator.output_path, save_as)
        except RuntimeError:
            continue  # Pelican refuses it too
        out[os.path.dirname(path)] = None
    return list(out)


class FolderMaker:
    """A forked child making folders while this process goes on."""

    def __init__(self) -> None:
        self.pid: int | None = None

    def start(self, folders: Sequence[str], *, at_least: int) -> bool:
        """Fork when this output lacks them (a first build) and there are many."""
        if len(folders) < at_least or os.path.isdir(folders[0]):
            return False
        try:
            pid = os.fork()
        except OSError as err:
            logger.debug("fastbuild: no folder maker (%s)", err)
            return False
        if pid == 0:  # the child: make them and leave without Python's exit
            status = 0
            try:
                _make(folders)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        self.pid = pid
        return True

    def finish(self) -> None:
        """Reap the child (it only makes folders Pelican makes anyway)."""
        pid, self.pid = self.pid, None
        if pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _make(folders: Iterable[str]) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            os.makedirs(folder, exist_ok=True)
