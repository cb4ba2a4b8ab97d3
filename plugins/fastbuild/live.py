"""What ``invoke livereload`` needs to show every save within a second.

Three delays stood between a save and the reloaded page: livereload polls the
files every 0.8 s, each rebuild starts a new Python that imports Pelican and
every plugin (half a second), and the reload itself was delayed. The watcher
here is told of a change by the kernel (inotify, through watchfiles, which
Pelican already depends on), and the rebuild runs in a forked copy of a
process that has already imported everything; with the caches that
pelicanconf turns on, the build itself then only renders the changed pages.
A change to plugin code needs fresh imports, so it gets a fresh Python.

livereload tells only the browsers whose socket has finished its handshake
when a rebuild ends. A page that was still loading then, or whose script was
still connecting (a tenth of a second on a busy machine), never heard of the
rebuild and showed the old text until the next save. ``LivePages`` notes
which build each page was served from, and a socket that connects from an
older page is told to reload at once.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from stat import S_ISREG
from typing import Any
from urllib.parse import urlsplit

from sitekit.cache import code_version

logger = logging.getLogger(__name__)

#: Milliseconds watchfiles waits for more changes before reporting (an editor
#: may write a file in several steps); its default of 1.6 s is what we avoid.
DEBOUNCE_MS = 30
#: How long the watch thread waits before it says "watching" with no change
#: yet, in milliseconds: the first check of the files follows that.
READY_MS = 100
#: The kernel stamps files from a clock that may lag ``time.time()`` by a tick.
CLOCK_SLACK_S = 0.05


class LivePages:
    """Which build each page served by the live server came from.

    Keyed by the page's path, the one thing livereload.js reports of its page
    (the URL in its ``info`` message). A page this server never served is
    taken as current: reloading it could loop if its URL were spelt
    differently from the request.
    """

    def __init__(self) -> None:
        self.builds = 0
        self._served: dict[str, int] = {}

    def rebuilt(self) -> None:
        self.builds += 1

    def served(self, path: str) -> None:
        self._served[path] = self.builds

    def outdated(self, url: str) -> bool:
        return self._served.get(urlsplit(url).path, self.builds) < self.builds


def live_pages(port: int) -> LivePages:
    """Make livereload add its script as a file, and reload pages that connect late.

    Our pages carry a Content-Security-Policy without 'unsafe-inline', so the
    inline snippet livereload injects by default would be refused; the tag
    ``<script src="/livereload.js">`` is added instead, only to responses of
    this server (the built files are not touched).
    """
    import livereload.handlers as lh
    import livereload.server as lr

    pages = LivePages()
    tag = f'<script src="/livereload.js?port={port}"></script>'.encode()

    class ExternalScriptInjector(lr.LiveScriptInjector):  # type: ignore[misc, name-defined]
        def __init__(self, request: Any) -> None:
            super().__init__(request)
            self.script = tag  # over livereload's class attribute (the inline snippet)
            self.path = request.path

        def transform_first_chunk(self, status_code, headers, chunk, finishing):  # type: ignore[no-untyped-def]
            if status_code == 200 and "html" in headers.get("Content-Type", ""):
                # The file is read in this same step of the event loop, and a
                # rebuild runs on that loop: no build can fall in between.
                pages.served(self.path)
            return super().transform_first_chunk(status_code, headers, chunk, finishing)

    class LivePageHandler(lh.LiveReloadHandler):  # type: ignore[misc]
        # livereload sends no reload within 3 s of the last one (its guard against
        # a burst of polled changes); watchfiles already folds a burst into one
        # event, and a save a moment after the last reload must reload too.
        DEFAULT_RELOAD_TIME = 0

        def on_message(self, message: Any) -> None:
            super().on_message(message)
            info = json.loads(message)
            url = str(info.get("url", ""))
            if info.get("command") == "info" and pages.outdated(url):
                # On livereload's logger, which its server prints.
                lh.logger.info("Reload %s: served before a rebuild", url)
                self.send_message(
                    {
                        "command": "reload",
                        "path": urlsplit(url).path,
                        "liveCSS": False,
                        "liveImg": False,
                    }
                )

    lr.LiveScriptInjector = ExternalScriptInjector
    # Both modules name the handler class in their code (the server, and
    # /forcereload); they must share one class and its watcher.
    lr.LiveReloadHandler = lh.LiveReloadHandler = LivePageHandler
    return pages


def instant_watcher(roots: Iterable[str | os.PathLike[str]]) -> Any:
    """A livereload ``Watcher`` that checks its patterns when inotify reports.

    Make it before the first build: a file saved during that build is newer
    than the watcher and is rebuilt by the first check.
    """
    import watchfiles
    from livereload.watcher import Watcher
    from tornado.ioloop import IOLoop, PeriodicCallback

    paths = [str(p) for p in roots if Path(p).exists()]

    class InstantWatcher(Watcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.scanned = False  # has one check noted every file?

        def start(self, callback: Any) -> bool:
            loop = IOLoop.current()

            def run() -> None:
                ready = False
                batches = watchfiles.watch(
                    *paths,
                    debounce=DEBOUNCE_MS,
                    step=10,
                    rust_timeout=READY_MS,
                    yield_on_timeout=True,
                )
                try:
                    for changes in batches:
                        # The first yield comes once the inotify watches are set:
                        # a check then sees any save made before, none is lost.
                        if changes or not ready:
                            loop.add_callback(callback)
                        ready = True
                except Exception:
                    logger.exception("fastbuild: watching failed; polling the files")
                    loop.add_callback(lambda: PeriodicCallback(callback, 800).start())

            threading.Thread(target=run, name="fastbuild-watch", daemon=True).start()
            # As livereload's own inotify watcher does: this first call only
            # takes the server's start-up message.
            loop.add_callback(callback)
            return True  # livereload's own 0.8 s polling stays off

        def examine(self) -> Any:
            scans = not self._changes  # else this call only pops a queued message
            result = super().examine()
            self.scanned = self.scanned or scans
            return result

        def is_file_changed(self, path: str, ignore: Any = None) -> bool:
            """livereload's test, made sure: time *and size*, and new means new.

            Two writes within one tick of the kernel's file clock leave the
            same time (a save caught between truncating and writing); the size
            still tells them apart. Once the first check has noted every file,
            a file it did not see is new whatever its time (a post moved in
            keeps its old one, which livereload's ``mtime > start`` ignores).
            """
            if self.ignore(path) or (ignore and ignore(path)):
                return False
            try:
                stat = os.stat(path)
            except OSError:  # gone since the glob listed it: a removal
                return False
            if not S_ISREG(stat.st_mode):  # the glob lists folders too
                return False
            stamp = (stat.st_mtime_ns, stat.st_size)
            self._new_mtimes[path] = stamp
            known = self._task_mtimes.get(path)
            if known is None:
                changed = self.scanned or stat.st_mtime > self._start - CLOCK_SLACK_S
            else:
                changed = known != stamp
            if changed:
                self.filepath = path
            return bool(changed)

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
