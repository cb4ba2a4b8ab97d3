"""What ``invoke livereload`` needs to show an edit within a second.

Three delays stood between a save and the reloaded page: livereload polls the
files every 0.8 s, each rebuild starts a new Python that imports Pelican and
every plugin (half a second), and the reload itself was delayed. The watcher
here is told of a change by the kernel (inotify, through watchfiles, which
Pelican already depends on), and the rebuild runs in a forked copy of a
process that has already imported everything; with the caches that
pelicanconf turns on, the build itself then only renders the changed pages.
A change to plugin code needs fresh imports, so it gets a fresh Python.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sitekit.cache import code_version

logger = logging.getLogger(__name__)

#: Milliseconds watchfiles waits for more changes before reporting (an editor
#: may write a file in several steps); its default of 1.6 s is what we avoid.
DEBOUNCE_MS = 30
#: Least time between two browser reloads, in seconds (livereload's default: 3).
RELOAD_GAP_S = 0.3
#: Fallback poll of file times for changes inotify missed, in milliseconds.
POLL_FALLBACK_MS = 2000


def instant_watcher(roots: Iterable[str | os.PathLike[str]]) -> Any:
    """A livereload ``Watcher`` that checks its patterns when inotify reports."""
    import watchfiles
    from livereload.handlers import LiveReloadHandler
    from livereload.watcher import Watcher
    from tornado.ioloop import IOLoop, PeriodicCallback

    paths = [str(p) for p in roots if Path(p).exists()]
    # livereload sends no reload within 3 s of the last one (its guard against
    # a burst of polled changes); watchfiles already folds a burst into one
    # event and a rebuild runs before the reload, so an edit made a second
    # after the previous reload must reload too.
    LiveReloadHandler.DEFAULT_RELOAD_TIME = RELOAD_GAP_S

    class InstantWatcher(Watcher):  # type: ignore[misc]
        def start(self, callback: Any) -> bool:
            loop = IOLoop.current()

            def run() -> None:
                for _changes in watchfiles.watch(*paths, debounce=DEBOUNCE_MS, step=10):
                    loop.add_callback(callback)

            threading.Thread(target=run, name="fastbuild-watch", daemon=True).start()
            # As livereload's own inotify watcher does: a first check now takes
            # the server's start-up message and notes every file's time.
            loop.add_callback(callback)
            # A safety net: an edit made while inotify watches are still being set
            # up (a second or two after start on a busy machine) sends no event;
            # a slow poll of the file times still catches it.
            PeriodicCallback(callback, POLL_FALLBACK_MS).start()
            return True  # livereload's own 0.8 s polling stays off

    return InstantWatcher()


class Rebuilder:
    """Runs ``pelican`` for the live server: forked when it can, else a new Python."""

    def __init__(
        self,
        argv: Sequence[str],
        plugin_dirs: Iterable[str | os.PathLike[str]],
        cwd: str | os.PathLike[str],
    ) -> None:
        self.argv = list(argv)
        self.cwd = str(cwd)
        self.packages = sorted(
            p.name
            for d in plugin_dirs
            for p in Path(d).iterdir()
            if (p / "__init__.py").is_file()
        )
        self.can_fork = hasattr(os, "fork") and sys.platform.startswith("linux")
        self.code = self._code()
        if self.can_fork:
            self._preload()

    def _code(self) -> str:
        return code_version(*self.packages)

    def _preload(self) -> None:
        """Import Pelican and every plugin once; each forked build starts from here."""
        import pelican  # noqa: F401

        for name in self.packages:
            try:
                importlib.import_module(name)
                importlib.import_module(f"{name}.plugin")
            except ImportError:
                continue  # not a plugin package, or broken: the build will say so

    def __call__(self) -> int:
        code = self._code()
        if not self.can_fork or code != self.code:
            # Plugin code changed since this process imported it: a fresh Python.
            if code != self.code:
                logger.info("fastbuild: plugin code changed; building in a new process")
            return subprocess.call(
                [sys.executable, "-m", "pelican", *self.argv], cwd=self.cwd
            )
        pid = os.fork()
        if pid == 0:  # the child: a build with everything imported, then leave
            status = 1
            try:
                os.chdir(self.cwd)
                from pelican import main

                main(self.argv)
                status = 0
            except SystemExit as exc:
                status = exc.code if isinstance(exc.code, int) else 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(status)
        _, status = os.waitpid(pid, 0)
        return os.waitstatus_to_exitcode(status)
