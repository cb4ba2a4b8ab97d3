"""Chromium and a loopback file server for browser tests.

Debian's chromium is driven by Playwright; Playwright's own browser download
does not work here. Where Chromium is missing a test skips with a reason,
unless DISKURS_REQUIRE_BROWSER=1 (set by .ci/run) turns the skip into a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import functools
import http.server
import os
from pathlib import Path
import shutil
import threading
from typing import Any

import pytest

CHROMIUM = os.environ.get("DISKURS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def chromium_or_skip() -> str:
    """The Chromium path, or skip (fail when browser tests are required)."""
    if Path(CHROMIUM).exists() or shutil.which(CHROMIUM):
        return CHROMIUM
    reason = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
    if os.environ.get("DISKURS_REQUIRE_BROWSER") == "1":
        pytest.fail(reason + " (browser tests are required here)")
    pytest.skip(reason)


@contextmanager
def launch_browser() -> Iterator[Any]:
    """A headless Chromium for the duration of the block."""
    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve a folder on 127.0.0.1 (a free port) and yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def watch_page(page: Any, base_url: str) -> dict[str, list[str]]:
    """Record console errors, dialogs and requests to other hosts on a page."""
    seen: dict[str, list[str]] = {"console_errors": [], "dialogs": [], "foreign_requests": []}
    page.on(
        "console",
        lambda msg: seen["console_errors"].append(msg.text) if msg.type == "error" else None,
    )
    page.on("pageerror", lambda exc: seen["console_errors"].append(str(exc)))

    def on_dialog(dialog: Any) -> None:
        seen["dialogs"].append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)

    def on_request(request: Any) -> None:
        url = request.url
        if not (url.startswith(base_url) or url.startswith(("data:", "about:", "blob:"))):
            seen["foreign_requests"].append(url)

    page.on("request", on_request)
    return seen


def artifact_path(name: str) -> Path:
    """Where a test keeps a screenshot or report for people to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
