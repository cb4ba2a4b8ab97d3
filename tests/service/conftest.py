"""Fixtures for the intake service: a bare remote, a site clone with a few posts
and a thread, a spool in tmp_path, and a TestClient over a fresh app."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from intake.config import IntakeSettings, RateLimit
from service.intake_fixtures import (
    SITE_ORIGIN,
    SiteRepo,
    make_site_repo,
    service_client,
)
from starlette.testclient import TestClient


@pytest.fixture
def site_repo(tmp_path: Path) -> SiteRepo:
    return make_site_repo(tmp_path)


@pytest.fixture
def settings(tmp_path: Path, site_repo: SiteRepo) -> IntakeSettings:
    return IntakeSettings(
        repo=site_repo.work,
        remote="origin",
        spool=tmp_path / "spool" / "spool.sqlite3",
        site_url=SITE_ORIGIN,
        rate_address=RateLimit(1000, 60),
        rate_post=RateLimit(1000, 60),
        worker=False,
        retry_base_seconds=0.01,
    )


@pytest.fixture
def client(settings: IntakeSettings) -> Iterator[TestClient]:
    with service_client(settings) as c:
        yield c
