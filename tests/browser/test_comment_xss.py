"""Hostile comments in Chromium: load the pages, click every link in the discussion.

The same hostile site as tests/site/test_comments_xss.py (915 corpus payloads and
our Markdown vectors in bodies, author names and websites). No dialog may open,
no console message may appear (a payload script or a CSP refusal of one would
log), and no Content-Security-Policy violation may be reported. Requests to other
hosts are answered with 204 No Content, so clicking a reader's link keeps the page.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest
from support.browser import serve_directory
from support.site import ROOT, BuiltSite, build_site, copy_content

sys.path.insert(0, str(ROOT / "tests" / "data" / "comments"))
from xss import write_xss_threads

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Links are clicked in the page, in batches, with a pause so that a
#: javascript: URL gets its turn before the next click replaces it.
BATCH = 150
CLICK_ALL = """
async ([selector, start, count]) => {
  const all = Array.from(document.querySelectorAll(selector));
  const links = all.slice(start, start + count);
  for (const a of links) {
    a.click();
    await new Promise((r) => setTimeout(r, 3));
  }
  await new Promise((r) => setTimeout(r, 50));
  return links.length;
}
"""
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
  (e) => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""
#: A click on an ordinary http(s) or mail link that leaves the page can run
#: nothing on it; its default action is cancelled after every handler on the
#: link had its turn, so the test stays on the page. javascript:, data: and
#: any other scheme, and links within the page, are followed for real.
KEEP_PAGE = """
window.addEventListener("click", (e) => {
  const a = e.target.closest && e.target.closest("a[href]");
  if (!a) return;
  const ordinary = ["http:", "https:", "mailto:"].includes(a.protocol);
  const samePage = a.href.split("#")[0] === location.href.split("#")[0] && a.hash;
  if (ordinary && !samePage) e.preventDefault();
}, false);
"""
#: Links that carry what a reader wrote: in bodies and on names. Every one is clicked.
READER_LINKS = "#comments .comment-content a, #comments .comment-author a"
#: Our own in-page links (permalink, reply, in reply to), built from checked ids
#: (the static test asserts their shape). Each click scrolls a page of a thousand
#: comments, so a sample of each kind is clicked.
OWN_LINKS = (
    "#comments a.u-url",
    "#comments a.comment-reply",
    "#comments .comment-in-reply-to a",
)
SAMPLE = 60


@pytest.fixture(scope="module")
def hostile_site(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[str, dict[str, str]]]:
    tmp = tmp_path_factory.mktemp("xss-browser")
    content = copy_content(tmp)
    pages = write_xss_threads(content)
    site: BuiltSite = build_site(tmp, content=content)
    assert site.returncode == 0, site.log[-3000:]
    with serve_directory(site.output) as base_url:
        yield base_url, pages


def watched_page(chromium: Any, base_url: str) -> tuple[Any, Any, dict[str, list[str]]]:
    # Reduced motion: no smooth scrolling to each anchor clicked on a long page.
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900}, reduced_motion="reduce"
    )
    seen: dict[str, list[str]] = {"console": [], "dialogs": [], "errors": []}

    def route(route: Any) -> None:
        if route.request.url.startswith(base_url):
            route.continue_()
        else:
            route.fulfill(status=204, body="")

    context.route("**/*", route)
    context.add_init_script(WATCH_CSP)
    context.add_init_script(KEEP_PAGE)
    page = context.new_page()
    page.on("console", lambda msg: seen["console"].append(f"{msg.type}: {msg.text}"))
    page.on("pageerror", lambda exc: seen["errors"].append(str(exc)))

    def on_dialog(dialog: Any) -> None:
        seen["dialogs"].append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    return context, page, seen


def click_every_link(page: Any, url: str, selector: str) -> int:
    """Click each link matching ``selector``; reload when a click left the page."""
    page.goto(url, wait_until="load")
    total = page.locator(selector).count()
    start = 0
    while start < total:
        try:
            start += page.evaluate(CLICK_ALL, [selector, start, BATCH]) or BATCH
        except Exception:
            start += BATCH
        if page.url.split("#")[0] != url.split("#")[0]:
            page.goto(url, wait_until="load")
    return total


@pytest.mark.parametrize("slug", ["xss-bodies", "xss-authors", "xss-websites"])
def test_no_payload_runs_in_chromium(
    chromium: Any, hostile_site: tuple[str, dict[str, str]], slug: str
) -> None:
    base_url, pages = hostile_site
    url = base_url + pages[slug]
    context, page, seen = watched_page(chromium, base_url)
    try:
        clicked = click_every_link(page, url, READER_LINKS)
        if slug != "xss-bodies":  # every name links to its website there
            assert clicked > 900
        for selector in OWN_LINKS:
            page.evaluate(CLICK_ALL, [selector, 0, SAMPLE])
        page.wait_for_timeout(300)
        violations = page.evaluate("window.__cspViolations")
        assert seen["dialogs"] == []
        assert seen["console"] == []
        assert seen["errors"] == []
        assert violations == []
    finally:
        context.close()


def test_the_harness_sees_a_payload_that_runs(
    chromium: Any, hostile_site: tuple[str, dict[str, str]]
) -> None:
    base_url, _ = hostile_site
    context, page, seen = watched_page(chromium, base_url)
    try:
        page.set_content(
            '<div id="comments"><ol class="comment-list"><li>'
            '<div class="comment-content">'
            '<a href="https://example.org/">ok</a> <a href="javascript:alert(1)">x</a>'
            '<a href="#x" onclick="console.log(2)">y</a></div></li></ol></div>'
        )
        page.evaluate(CLICK_ALL, [READER_LINKS, 0, BATCH])
        page.wait_for_timeout(200)
        assert seen["dialogs"] == ["alert: 1"]
        assert seen["console"] == ["log: 2"]
    finally:
        context.close()
