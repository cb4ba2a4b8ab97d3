"""Build a site for real into a temporary folder and read what it wrote.

Builds run in a subprocess (``python -m pelican``), as a user runs them: Pelican's
signals are process-global, so in-process builds would leak plugin receivers
and memoized content from one test into the next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import json
import os
from pathlib import Path
import shutil
import subprocess
import sys
from typing import Any

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[2]
SHARED = ROOT.parent / "shared"


@dataclass
class BuiltSite:
    """The output folder of one build, its exit code and its log."""

    output: Path
    returncode: int
    log: str
    content: Path
    _soups: dict[Path, BeautifulSoup] = field(default_factory=dict)

    def path(self, rel: str) -> Path:
        """A file of the output; ``2017/x/`` means ``2017/x/index.html``."""
        rel = rel.lstrip("/")
        p = self.output / rel
        if rel == "" or rel.endswith("/") or p.is_dir():
            p = p / "index.html"
        return p

    def exists(self, rel: str) -> bool:
        return self.path(rel).is_file()

    def text(self, rel: str) -> str:
        return self.path(rel).read_text(encoding="utf-8")

    def page(self, rel: str) -> BeautifulSoup:
        """The parsed HTML of one page (cached per build)."""
        p = self.path(rel)
        if p not in self._soups:
            self._soups[p] = BeautifulSoup(p.read_text(encoding="utf-8"), "html.parser")
        return self._soups[p]

    def feed(self, rel: str) -> Any:
        """A feed parsed with feedparser (bozo set when it is not well-formed)."""
        import feedparser

        return feedparser.parse(self.path(rel).read_bytes())

    def html_files(self) -> list[Path]:
        return sorted(self.output.rglob("*.html"))


def copy_content(dest: Path) -> Path:
    """A private copy of the sample content that a test may change."""
    target = dest / "content"
    shutil.copytree(ROOT / "content", target)
    return target


def build_site(
    tmp_path: Path,
    *,
    config: str = "pelicanconf.py",
    content: Path | None = None,
    settings: dict[str, Any] | None = None,
    strict: bool = False,
    extra_args: list[str] | None = None,
    output: Path | None = None,
    env: dict[str, str] | None = None,
) -> BuiltSite:
    """Run Pelican on ``content`` (default: the sample content) into tmp_path/output."""
    out = output or tmp_path / "output"
    overrides = dict(settings or {})
    if strict:
        overrides["CONTENT_STRICT"] = True
    overrides.setdefault("CACHE_PATH", str(tmp_path / "cache"))
    cmd = [
        sys.executable, "-m", "pelican", str(content or ROOT / "content"),
        "-s", str(ROOT / config), "-o", str(out), "--log-handler", "plain",
    ]
    if overrides:
        cmd += ["-e", *(f"{k}={json.dumps(v)}" for k, v in overrides.items())]
    cmd += extra_args or []
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONUTF8": "1", **(env or {})},
    )
    return BuiltSite(out, proc.returncode, proc.stdout + proc.stderr, content or ROOT / "content")
