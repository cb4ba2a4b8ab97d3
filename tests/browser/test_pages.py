"""Key pages in Chromium: no console error, no foreign request, no axe violation, light and dark.

Screenshots at 375 px and 1280 px wide are kept in test-artifacts/ for people
to look at (CI keeps the folder).
"""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
import pytest

from support.browser import artifact_path, watch_page

pytestmark = pytest.mark.browser

PAGES = ("home", "article", "article-en", "styleguide")
SCHEMES = ("light", "dark")
WIDTHS = (375, 1280)


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


def open_page(chromium: Any, url: str, base_url: str, scheme: str, width: int) -> tuple[Any, Any, dict[str, list[str]]]:
    context = chromium.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page = context.new_page()
    seen = watch_page(page, base_url)
    response = page.goto(url, wait_until="load")
    assert response is not None and response.status == 200, url
    page.emulate_media(color_scheme=scheme)
    page.wait_for_load_state("networkidle")
    return context, page, seen


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_page_is_clean_and_accessible(
    chromium: Any, served_site: str, key_pages: dict[str, str], axe: Axe, name: str, scheme: str
) -> None:
    url = served_site + key_pages[name]
    context, page, seen = open_page(chromium, url, served_site, scheme, 1280)
    try:
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is (scheme == "dark")
        assert page.title()
        results = axe.run(page)
        report = results.generate_report() if results.violations_count else ""
        if report:
            artifact_path(f"axe-{name}-{scheme}.txt").write_text(report, encoding="utf-8")
        assert results.violations_count == 0, f"{url} ({scheme}):\n{report}"
        assert seen["console_errors"] == [], seen["console_errors"]
        assert seen["foreign_requests"] == [], seen["foreign_requests"]
        assert seen["dialogs"] == []
    finally:
        context.close()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_screenshots(chromium: Any, served_site: str, key_pages: dict[str, str], name: str, width: int) -> None:
    for scheme in SCHEMES:
        context, page, seen = open_page(chromium, served_site + key_pages[name], served_site, scheme, width)
        try:
            path = artifact_path(f"{name}-{width}-{scheme}.png")
            page.screenshot(path=str(path), full_page=True)
            assert path.stat().st_size > 5_000
            assert seen["console_errors"] == [] and seen["foreign_requests"] == []
        finally:
            context.close()


@pytest.mark.parametrize("name", PAGES)
def test_nothing_overflows_at_320_px(chromium: Any, served_site: str, key_pages: dict[str, str], name: str) -> None:
    """Responsive from 320 px up: no horizontal scrolling on the narrowest phones."""
    context, page, _ = open_page(chromium, served_site + key_pages[name], served_site, "light", 320)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 320, f"{name} is {width} px wide at a 320 px viewport"
    finally:
        context.close()
