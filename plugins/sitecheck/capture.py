"""Pelican's own warnings and errors about content files, kept as problems.

Pelican reports a file it could not read with a log line and goes on ("Could
not process posts/x.md", "Skipping ...: could not find information about
'title'", "Empty alt attribute for image ..."). Those lines scroll past; a
logging handler on the ``pelican`` logger turns each into a ``Problem`` so the
strict check lists them with everything else. No Pelican import: this only
reads log records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
import inspect
import logging
import os
import sys

from sitekit.problems import Problem

#: Our own fields that already explain why Pelican dropped a file.
EXPLAINING_FIELDS = frozenset({"header", "title", "date", "modified", "status", "file"})
#: How far up the call stack to look for the content object a record is about.
STACK_DEPTH = 12


class ProblemCapture(logging.Handler):
    """Turns WARNING+ records of Pelican's loggers into problems for one build.

    ``add`` records a problem. Files named in ``explained`` already have a
    precise problem from the header check (a bad date, a missing title), so
    Pelican's vaguer line about them ("Could not process") is dropped.
    """

    def __init__(self, content_path: str, add: Callable[[Problem], None]) -> None:
        super().__init__(level=logging.WARNING)
        self.content_path = os.path.abspath(content_path)
        self.explained: set[str] = set()
        self._add = add

    def explain(self, problems: Iterable[Problem]) -> None:
        """Note the files whose header problems make Pelican drop them."""
        for problem in problems:
            if problem.field in EXPLAINING_FIELDS:
                self.explained.add(os.path.normpath(os.path.abspath(problem.path)))

    def emit(self, record: logging.LogRecord) -> None:
        if record.name == "pelican" and record.levelno >= logging.CRITICAL:
            return  # Pelican's own report of a crashed build: not about content
        try:
            path = self._source_of(record) or self._source_on_stack()
            if path is not None and path in self.explained:
                return
            message = record.getMessage().strip().replace("\n", " ")
            active = sys.exc_info()[1]  # "Could not process" is logged inside except
            if active is not None and str(active) and str(active) not in message:
                message += f": {type(active).__name__}: {active}"
            field = _field_of(record)
            self._add(Problem(path or self.content_path, None, field, message))
        except Exception:  # a log handler must never break the build
            self.handleError(record)

    def _content_file(self, candidate: object) -> str | None:
        text = getattr(candidate, "source_path", candidate)
        if not isinstance(text, str) or not text or len(text) > 4096:
            return None
        full = text if os.path.isabs(text) else os.path.join(self.content_path, text)
        full = os.path.normpath(full)
        inside = os.path.commonpath([full, self.content_path]) == self.content_path
        return full if inside and os.path.isfile(full) else None

    def _source_of(self, record: logging.LogRecord) -> str | None:
        args = record.args if isinstance(record.args, tuple) else (record.args,)
        for arg in _flatten(args):
            found = self._content_file(arg)
            if found:
                return found
        return None

    def _source_on_stack(self) -> str | None:
        """The content object being processed, for records that do not name it.

        "Unable to find 'x', skipping url replacement." is logged from inside
        the Content object's link replacement, whose ``self`` knows the file.
        """
        frame = inspect.currentframe()
        try:
            for _ in range(STACK_DEPTH):
                if frame is None:
                    return None
                found = self._content_file(frame.f_locals.get("self"))
                if found:
                    return found
                frame = frame.f_back
            return None
        finally:
            del frame


def _flatten(args: Iterable[object]) -> Iterable[object]:
    for arg in args:
        if isinstance(arg, (list, tuple)):
            yield from arg
        else:
            yield arg


def _field_of(record: logging.LogRecord) -> str:
    """A short field name: the missing property, else the kind of trouble."""
    template = str(record.msg)
    if "could not find information about" in template and isinstance(record.args, tuple):
        return str(record.args[-1])
    if "alt attribute" in template:
        return "image"
    if "Unable to find" in template or "{attach}" in template or "{filename}" in template:
        return "link"
    if "status" in template.lower():
        return "status"
    return "file"
