"""Browser fixtures: one Chromium and one loopback server over the sample site per session."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from support.browser import artifact_path, launch_browser, serve_directory
from support.site import BuiltSite


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (skips, or fails in CI, when it is missing).

    Per module, not per session: Playwright's sync API keeps an event loop
    running while it is open, which would break asyncio.run() and other sync
    Playwright sessions in every later test.
    """
    with launch_browser() as browser:
        yield browser


@pytest.fixture(scope="module")
def axe_report() -> Callable[..., str]:
    """Run axe on a page: '' when it finds nothing, else its report.

    The report is also kept as test-artifacts/axe-<name>.txt for people to read.
    ``context`` limits the check to one part of the page (a CSS selector).
    """
    axe = Axe()

    def run(page: Any, name: str, context: str | None = None) -> str:
        results = axe.run(page, context=context)
        if not results.violations_count:
            return ""
        report = results.generate_report() or f"{results.violations_count} found"
        artifact_path(f"axe-{name}.txt").write_text(report, encoding="utf-8")
        return report

    return run


@pytest.fixture(scope="session")
def served_site(sample_site: BuiltSite) -> Iterator[str]:
    """The sample site (local settings, relative URLs) on http://127.0.0.1:<free port>/."""
    with serve_directory(sample_site.output) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def key_pages(sample_site: BuiltSite) -> dict[str, str]:
    """Name → URL path of the pages every browser test loads, found in the build."""

    def find(slug: str, lang: str) -> str:
        for path in sample_site.html_files():
            if path.parent.name == slug:
                rel = path.relative_to(sample_site.output).as_posix()
                html = sample_site.page(rel).html
                if html is not None and html.get("lang") == lang:
                    return rel.removesuffix("index.html")
        pytest.fail(f"no page for {slug} ({lang}) in the build")

    return {
        "home": "",
        "article": find("social-media-im-silo", "de"),
        "article-en": find("social-media-im-silo", "en"),
        "styleguide": find("styleguide", "de"),
    }
