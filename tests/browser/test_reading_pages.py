"""Pull-quotes and reading lists in Chromium: axe in light and dark, and the layout.

The flagship post carries both kinds of pull-quote and a reading box; a list page
and the index show the lists. Wide screens float a pull-quote into the right
margin, phones set it full width.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from support.browser import artifact_path, watch_page

pytestmark = pytest.mark.browser

SCHEMES = ("light", "dark")
PAGES = {
    "flagship": "2017/social-media-im-silo/",
    "flagship-en": "en/2017/social-media-im-silo/",
    "reading-list": "reading/fuer-social-media-teams/",
    "reading-list-en": "reading/tools-and-archives/",
    "reading-index": "reading/",
}


@pytest.fixture
def open_page(chromium: Any, served_site: str) -> Iterator[Any]:
    contexts: list[Any] = []

    def opener(
        rel: str, scheme: str = "light", width: int = 1280
    ) -> tuple[Any, dict[str, list[str]]]:
        context = chromium.new_context(
            viewport={"width": width, "height": 900}, color_scheme=scheme
        )
        contexts.append(context)
        page = context.new_page()
        seen = watch_page(page, served_site)
        response = page.goto(served_site + rel, wait_until="load")
        assert response is not None and response.status == 200, rel
        page.wait_for_load_state("networkidle")
        return page, seen

    yield opener
    for context in contexts:
        context.close()


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing(
    open_page: Any, axe_report: Callable[..., str], name: str, scheme: str
) -> None:
    page, seen = open_page(PAGES[name], scheme)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") is (
        scheme == "dark"
    )
    report = axe_report(page, f"{name}-{scheme}")
    assert not report, f"{name} ({scheme}):\n{report}"
    assert seen["console_errors"] == [] and seen["foreign_requests"] == []


def _box(page: Any, selector: str) -> dict[str, float]:
    box = page.locator(selector).first.bounding_box()
    assert box is not None, selector
    return box


def _pullquote_layout(
    page: Any,
) -> tuple[dict[str, float], dict[str, float], str]:
    """The flagship's pull-quote box, a paragraph's box, and the quote's float."""
    quote = "figure.pullquote:not(.excerpt)"
    floated = page.locator(quote).evaluate("e => getComputedStyle(e).float")
    return _box(page, quote), _box(page, ".prose > p"), floated


def test_pullquote_floats_into_the_margin_on_wide_screens(open_page: Any) -> None:
    page, _ = open_page(PAGES["flagship"], width=1280)
    quote, prose, floated = _pullquote_layout(page)
    assert floated == "right"
    assert quote["x"] + quote["width"] > prose["x"] + prose["width"] + 40  # hangs out
    assert quote["width"] < prose["width"] * 0.6
    assert quote["x"] + quote["width"] <= 1280  # but stays on screen
    page.screenshot(path=str(artifact_path("pullquote-1280.png")), full_page=True)


@pytest.mark.parametrize("width", [320, 375])
def test_pullquote_is_full_width_on_phones(open_page: Any, width: int) -> None:
    page, _ = open_page(PAGES["flagship"], width=width)
    quote, prose, floated = _pullquote_layout(page)
    assert floated == "none"
    assert abs(quote["width"] - prose["width"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(artifact_path(f"pullquote-{width}.png")), full_page=True)


def test_excerpt_is_not_in_the_accessibility_tree(open_page: Any) -> None:
    page, _ = open_page(PAGES["flagship"])
    snapshot = page.locator(
        ".prose"
    ).aria_snapshot()  # the post's text (comments may quote it)
    assert snapshot.count("Zuhören lässt sich nicht an eine Abteilung delegieren.") == 1
    assert "Henrike Paulsen" in snapshot  # the standalone quote is read


def test_box_link_lands_on_the_marked_item(open_page: Any) -> None:
    page, _ = open_page(PAGES["flagship"])
    page.locator("aside.reading-box .reading-item-title a").first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("/reading/fuer-social-media-teams/#silo-und-schwarm")
    target = page.locator("#silo-und-schwarm")
    assert target.evaluate("e => e.matches(':target')")
    assert target.evaluate("e => getComputedStyle(e).borderLeftStyle") == "solid"


@pytest.mark.parametrize("scheme", SCHEMES)
def test_list_page_screenshots(open_page: Any, scheme: str) -> None:
    for width in (375, 1280):
        page, seen = open_page(PAGES["reading-list"], scheme, width)
        path = artifact_path(f"reading-list-{width}-{scheme}.png")
        page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 5_000
        assert seen["console_errors"] == []
