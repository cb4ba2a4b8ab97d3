"""Pelican glue for the site check: open the problem log, check headers, report.

Wiring (receivers live at module level because blinker holds them weakly):

| signal | receiver | why this signal |
|---|---|---|
| initialized | ``open_log`` | first plugin: every other plugin finds the log in the settings; the log handler sees all of Pelican's reading |
| article_generator_preread / page_generator_preread | ``check_articles`` / ``check_pages`` | the first one, before Pelican reads the generator's first file: the generator knows which files it will read, and the workers fastbuild forked on ``*_generator_init`` already render posts while this process checks headers |
| finalized | ``report`` | connected inside ``open_log``, i.e. after every other plugin's receivers, so it sees their problems too |

A file's problems are kept in a content-keyed cache (``sitekit.cache``): a
rebuild re-checks only files whose bytes changed, and replays the kept
problems of the others, so a strict build fails just as often.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import os
import re
import sys
from pathlib import Path
from typing import Any

from pelican import signals
from pelican.utils import get_date

from sitekit.cache import cache_for, code_version
from sitekit.problems import ProblemLog, problem_log

from .capture import ProblemCapture
from .header import MARKDOWN_SUFFIXES, check_file

logger = logging.getLogger(__name__)

#: The logger whose records (and its children's) become problems.
PELICAN_LOGGER = "pelican"


class StrictCheckFailed(SystemExit):
    """Ends a strict build with exit status 1 after the problems were printed.

    A ``SystemExit`` rather than an ``Exception``: Pelican's ``main`` would log
    any exception with a traceback (and wrap our list at 80 columns); this
    leaves the printed list as the last word and the exit code as the verdict.
    """

    def __init__(self, count: int) -> None:
        super().__init__(1)
        self.count = count


def _capture() -> ProblemCapture | None:
    for handler in logging.getLogger(PELICAN_LOGGER).handlers:
        if isinstance(handler, ProblemCapture):
            return handler
    return None


def _detach() -> None:
    pelican_logger = logging.getLogger(PELICAN_LOGGER)
    for handler in list(pelican_logger.handlers):
        if isinstance(handler, ProblemCapture):
            pelican_logger.removeHandler(handler)


def open_log(pelican: Any) -> None:
    """Create the build's problem log and start listening to Pelican's log."""
    log = problem_log(pelican.settings)
    _detach()  # a handler left by an earlier build in this process (autoreload)
    root = logging.getLogger()
    if not root.handlers and logging.lastResort is not None:
        # `--log-handler plain` installs no handler and relies on logging's last
        # resort, which is only used while no handler exists at all: keep it.
        root.addHandler(logging.lastResort)
    logging.getLogger(PELICAN_LOGGER).addHandler(
        ProblemCapture(str(pelican.settings["PATH"]), log.add)
    )
    signals.finalized.connect(report)


def _title_from_path(rel: str, settings: dict[str, Any]) -> bool:
    """Whether FILENAME_METADATA or PATH_METADATA gives this file its title."""
    stem = os.path.splitext(os.path.basename(rel))[0]
    for pattern, subject in (
        (settings.get("FILENAME_METADATA"), stem),
        (settings.get("PATH_METADATA"), rel),
    ):
        if pattern:
            match = re.match(pattern, subject)
            if match and match.groupdict().get("title"):
                return True
    return False


#: Name of the cache of each file's header problems.
CACHE_NAME = "sitecheck-headers"


@functools.cache
def _version() -> str:
    """The code that checks a header: this package, the problem type, the parsers."""
    return code_version(
        "sitecheck",
        "sitekit.problems",
        distributions=("pelican", "babel", "python-dateutil"),
    )


def _valid(value: Any) -> bool:
    return isinstance(value, tuple)


def _check(generator: Any, paths_key: str, excludes_key: str, kind: str) -> None:
    settings = generator.settings
    log = problem_log(settings)
    capture = _capture()
    cache = cache_for(
        settings, CACHE_NAME, _version(), allowed_modules=("sitekit.problems",)
    )
    # A date without a year or day is completed from today (Pelican's get_date):
    # the same bytes may parse tomorrow, so a day's checks hold for that day.
    today = dt.datetime.now().date().isoformat()  # noqa: DTZ005 - as get_date
    for rel in sorted(generator.get_files(settings[paths_key], exclude=settings[excludes_key])):
        if os.path.splitext(rel)[1].lower() not in MARKDOWN_SUFFIXES:
            continue
        from_path = _title_from_path(rel, settings)

        def check(path: Path, from_path: bool = from_path) -> tuple[Any, ...]:
            return tuple(
                check_file(path, kind=kind, parse=get_date, title_from_path=from_path)
            )

        problems = cache.memo(
            os.path.join(generator.path, rel),
            check,
            kind,
            "title-from-path" if from_path else "",
            today,
            check=_valid,
        )
        log.extend(problems)
        if capture is not None:
            capture.explain(problems)


#: Set on a generator whose files are checked (preread is sent once per file).
CHECKED_ATTRIBUTE = "_sitecheck_checked"


def _first_read(generator: Any) -> bool:
    if getattr(generator, CHECKED_ATTRIBUTE, False):
        return False
    setattr(generator, CHECKED_ATTRIBUTE, True)
    return True


def check_articles(generator: Any) -> None:
    """Check the header of every post before Pelican reads the first one."""
    if _first_read(generator):
        _check(generator, "ARTICLE_PATHS", "ARTICLE_EXCLUDES", "article")


def check_pages(generator: Any) -> None:
    """Check the header of every page before Pelican reads the first one."""
    if _first_read(generator):
        _check(generator, "PAGE_PATHS", "PAGE_EXCLUDES", "page")


def report(pelican: Any) -> None:
    """Strict: print every problem and fail. Default: one summary warning."""
    _detach()
    log: ProblemLog = problem_log(pelican.settings)
    if not log.problems:
        return
    if log.strict:
        sys.stdout.flush()
        print("\n".join(log.report()), file=sys.stderr, flush=True)
        print(
            f"{len(log)} content problem(s) found; this strict build fails.",
            file=sys.stderr,
            flush=True,
        )
        raise StrictCheckFailed(len(log))
    logger.warning(
        "%d content problem(s): the items in error were left out; "
        "`invoke check` lists them all and fails",
        len(log),
    )


def register() -> None:
    """Connect the receivers; ``report`` is connected by ``open_log``."""
    signals.initialized.connect(open_log)
    signals.article_generator_preread.connect(check_articles)
    signals.page_generator_preread.connect(check_pages)
