"""Key pages in Chromium: no console error, no foreign request, no axe violation, light and dark.

Each page is loaded once per colour scheme at 1280 px, checked with axe, then
narrowed to 375 px and 320 px. Screenshots at 375 px and 1280 px wide are kept
in test-artifacts/ (taken before the assertions, so a failure has pictures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from support.browser import artifact_path, watch_page

pytestmark = pytest.mark.browser

PAGES = ("home", "article", "article-en", "styleguide")
SCHEMES = ("light", "dark")
SCREENSHOT_WIDTHS = (1280, 375)
NARROWEST = 320  # responsive from 320 px up


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_page_renders_cleanly_and_accessibly(
    chromium: Any,
    served_site: str,
    key_pages: dict[str, str],
    axe_report: Callable[..., str],
    name: str,
    scheme: str,
) -> None:
    url = served_site + key_pages[name]
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, color_scheme=scheme
    )
    try:
        page = context.new_page()
        seen = watch_page(page, served_site)
        response = page.goto(url, wait_until="load")
        assert response is not None and response.status == 200, url
        page.emulate_media(color_scheme=scheme)
        page.wait_for_load_state("networkidle")
        assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is (
            scheme == "dark"
        )

        report = axe_report(page, f"{name}-{scheme}")
        shots = []
        for width in SCREENSHOT_WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            path = artifact_path(f"{name}-{width}-{scheme}.png")
            page.screenshot(path=str(path), full_page=True)
            shots.append(path)
        page.set_viewport_size({"width": NARROWEST, "height": 900})
        scroll_width = page.evaluate("document.documentElement.scrollWidth")

        assert not report, f"{url} ({scheme}):\n{report}"
        assert page.title()
        assert seen["console_errors"] == [], seen["console_errors"]
        assert seen["foreign_requests"] == [], seen["foreign_requests"]
        assert seen["dialogs"] == []
        assert all(p.stat().st_size > 5_000 for p in shots)
        assert scroll_width <= NARROWEST, (
            f"{name} is {scroll_width} px wide at a {NARROWEST} px viewport"
        )
    finally:
        context.close()
