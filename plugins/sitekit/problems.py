"""Content problems as values, collected for the whole site and reported at once.

Pelican logs a bad file and moves on, and its ``--fatal`` stops at the first
warning; neither can list every problem. Every plugin records a ``Problem`` here
instead, so ``invoke check`` can print them all as ``path:line: field: message``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

#: Settings key under which a build keeps its ``ProblemLog`` (set by ``sitecheck``).
SETTINGS_KEY = "CONTENT_PROBLEMS"
#: Settings key that turns a build strict (``invoke check`` sets it).
STRICT_KEY = "CONTENT_STRICT"


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one piece of content, and what to do about it."""

    path: str
    line: int | None
    field: str
    message: str
    hint: str = ""

    def format(self, root: str | os.PathLike[str] | None = None) -> str:
        """Render as ``path:line: field: message (hint)`` with a path relative to root."""
        path = self.path
        if root is not None:
            try:
                path = os.path.relpath(self.path, root)
            except ValueError:
                path = self.path
        where = f"{path}:{self.line}" if self.line else f"{path}:0"
        text = f"{where}: {self.field}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.path, self.line or 0, self.field, self.message)


class ContentError(RuntimeError):
    """Raised by a strict build that found problems; its text lists all of them."""

    def __init__(self, problems: list[Problem], root: str | None = None) -> None:
        self.problems = problems
        lines = [p.format(root) for p in problems]
        super().__init__(
            f"{len(problems)} content problem(s):\n" + "\n".join(lines)
        )


@dataclass
class ProblemLog:
    """The problems of one build; warns as they come, keeps them for the report."""

    strict: bool = False
    root: str | None = None
    problems: list[Problem] = field(default_factory=list)
    _seen: set[Problem] = field(default_factory=set)

    def add(self, problem: Problem) -> None:
        """Record a problem once, and log it as a warning right away."""
        if problem in self._seen:
            return
        self._seen.add(problem)
        self.problems.append(problem)
        logger.warning("%s", problem.format(self.root))

    def extend(self, problems: Iterable[Problem]) -> None:
        for problem in problems:
            self.add(problem)

    def __iter__(self) -> Iterator[Problem]:
        return iter(sorted(self.problems, key=Problem.sort_key))

    def __len__(self) -> int:
        return len(self.problems)

    def report(self) -> list[str]:
        """All problems, sorted by path and line, one formatted line each."""
        return [p.format(self.root) for p in self]

    def raise_if_strict(self) -> None:
        """In strict mode, fail with every problem listed; otherwise do nothing."""
        if self.strict and self.problems:
            raise ContentError(list(self), self.root)


def relative(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """A path relative to root when it lies below it, else the path as given."""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return str(path)


def problem_log(settings: dict[str, object]) -> ProblemLog:
    """The build's problem log, kept in its settings (created on first use)."""
    log = settings.get(SETTINGS_KEY)
    if not isinstance(log, ProblemLog):
        path = settings.get("PATH")
        log = ProblemLog(
            strict=bool(settings.get(STRICT_KEY)),
            root=str(Path(str(path)).parent) if path else None,
        )
        settings[SETTINGS_KEY] = log
    return log
