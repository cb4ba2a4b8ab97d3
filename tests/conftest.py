"""Fixtures for every test level: the sample site built once per session."""

from __future__ import annotations

import os
from pathlib import Path
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from support.site import BuiltSite, build_site  # noqa: E402


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The sample content built with pelicanconf.py (local settings)."""
    site = build_site(tmp_path_factory.mktemp("sample"))
    assert site.returncode == 0, site.log
    return site


@pytest.fixture(scope="session")
def published_site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The sample content built with publishconf.py (production settings)."""
    site = build_site(tmp_path_factory.mktemp("published"), config="publishconf.py")
    assert site.returncode == 0, site.log
    return site


def require_browser() -> bool:
    """True when CI demands browser tests (a missing Chromium is then a failure)."""
    return os.environ.get("DISKURS_REQUIRE_BROWSER") == "1"
