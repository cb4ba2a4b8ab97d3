"""The invoke tasks as a user runs them: listed, writing posts, serving, reloading, publishing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
import os
from pathlib import Path
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from sitecheck.header import check_file
from support.site import ROOT, build_site, copy_content

TASKS = ("build", "check", "clean", "lighthouse", "livereload", "new-post", "publish", "serve", "test")


def invoke(*args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "invoke", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONUTF8": "1", **(env or {})},
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback only
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8")


@contextmanager
def running(args: list[str], port: int, env: dict[str, str], wait: float = 240) -> Iterator[str]:
    """Start an invoke task that serves on 127.0.0.1:port; stop it (by its id) afterwards."""
    log = Path(env["DISKURS_OUTPUT"]).parent / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "invoke", *args, "--port", str(port)], cwd=ROOT,
            stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            env={**os.environ, "PYTHONUTF8": "1", **env},
        )
    try:
        deadline = time.monotonic() + wait
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the server stopped with {proc.returncode}:\n{log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"nothing listens on {port} after {wait} s:\n{log.read_text()}")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=15)


def test_invoke_list_explains_every_task() -> None:
    result = invoke("--list")
    assert result.returncode == 0, result.stderr
    listed = dict(re.findall(r"^  (\S+)\s+(\S.*)$", result.stdout, re.MULTILINE))
    for name in TASKS:
        assert name in listed, f"{name} missing from:\n{result.stdout}"
        assert len(listed[name]) > 10, f"{name} has no explanation"


def test_new_post_writes_a_checked_header_with_a_german_slug(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    result = invoke("new-post", "Grüße aus Köln: Straße & Fluss", "--content", str(content),
                    "--tags", "Reise, Köln")
    assert result.returncode == 0, result.stderr
    path = content / "posts" / "gruesse-aus-koeln-strasse-fluss.md"
    text = path.read_text(encoding="utf-8")
    header = dict(line.split(": ", 1) for line in text.split("\n\n")[0].splitlines())
    assert header["Title"] == "Grüße aus Köln: Straße & Fluss"
    assert header["Slug"] == "gruesse-aus-koeln-strasse-fluss"
    assert header["Lang"] == "de"
    assert header["Author"] == "Katrin Albers"
    assert header["Tags"] == "Reise, Köln"
    assert {"Date", "Category", "Summary"} <= header.keys()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", header["Date"])
    assert check_file(path) == []
    # Pelican reads it as written: a draft, built for preview only.
    site = build_site(tmp_path, content=content, strict=True)
    assert site.returncode == 0, site.log
    draft = site.page("entwurf/gruesse-aus-koeln-strasse-fluss/")
    assert draft.h1 is not None and "Grüße aus Köln: Straße & Fluss" in draft.h1.get_text()


def test_new_post_never_overwrites(tmp_path: Path) -> None:
    content = tmp_path / "content"
    assert invoke("new-post", "Zweimal", "--content", str(content)).returncode == 0
    path = content / "posts" / "zweimal.md"
    path.write_text("Title: Zweimal\n\nMein Text.\n", encoding="utf-8")
    again = invoke("new-post", "Zweimal", "--content", str(content))
    assert again.returncode != 0
    assert "exists already" in again.stdout + again.stderr
    assert path.read_text(encoding="utf-8") == "Title: Zweimal\n\nMein Text.\n"


def test_serve_builds_and_serves_on_loopback(tmp_path: Path) -> None:
    env = {"DISKURS_OUTPUT": str(tmp_path / "out")}
    with running(["serve"], free_port(), env) as base:
        status, home = fetch(base)
        assert status == 200
        assert "<html" in home and 'lang="de"' in home
        status, missing = fetch(base + "gibt-es-nicht/")
        assert status == 404
        assert missing == (tmp_path / "out" / "404.html").read_text(encoding="utf-8")


def test_livereload_injects_its_script_only_into_served_pages_and_rebuilds(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    port = free_port()
    env = {"DISKURS_OUTPUT": str(tmp_path / "out"), "DISKURS_CONTENT": str(content)}
    with running(["livereload"], port, env) as base:
        status, home = fetch(base)
        assert status == 200
        tag = f'<script src="/livereload.js?port={port}"></script>'
        assert tag in home
        assert "<script>" not in home.replace(tag, "")  # no inline script: the CSP forbids it
        on_disk = (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
        assert "livereload" not in on_disk
        status, script = fetch(base + "livereload.js")
        assert status == 200 and "LiveReload" in script

        page = content / "pages" / "ueber.md"
        page.write_text(page.read_text(encoding="utf-8") + "\nNeu: Hallo Livereload.\n", encoding="utf-8")
        deadline = time.monotonic() + 120
        while "Hallo Livereload" not in fetch(base + "ueber/")[1]:
            assert time.monotonic() < deadline, "the page was not rebuilt within 120 s"
            time.sleep(1)


def test_publish_dry_run_builds_for_production_and_prints_rsync(tmp_path: Path) -> None:
    out = tmp_path / "out"
    env = {"DISKURS_OUTPUT": str(out), "DISKURS_DEPLOY": "rsync",
           "DISKURS_SSH_TARGET": "www@example.org:/var/www/diskurs/"}
    result = invoke("publish", "--dry-run", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"^rsync -avz --delete .* www@example\.org:/var/www/diskurs/$", result.stdout, re.M)
    assert "https://diskurs.example.org/" in (out / "index.html").read_text(encoding="utf-8")


def test_publish_refuses_without_a_target(tmp_path: Path) -> None:
    env = {"DISKURS_OUTPUT": str(tmp_path / "out"), "DISKURS_DEPLOY": "rsync", "DISKURS_SSH_TARGET": ""}
    result = invoke("publish", env=env)
    assert result.returncode != 0
    assert "DISKURS_SSH_TARGET" in result.stdout + result.stderr


def test_publish_pushes_the_output_to_a_gh_pages_branch(tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    subprocess.run(["git", "init", "-q", "--bare", str(remote)], check=True)
    env = {"DISKURS_OUTPUT": str(tmp_path / "out"), "DISKURS_DEPLOY": "gh-pages",
           "DISKURS_GH_PAGES_REMOTE": str(remote)}
    result = invoke("publish", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    files = subprocess.run(["git", "-C", str(remote), "ls-tree", "-r", "--name-only", "gh-pages"],
                           capture_output=True, text=True, check=True).stdout.split()
    assert "index.html" in files and ".nojekyll" in files
    assert not (tmp_path / "out" / ".git").exists()


@pytest.mark.browser
def test_livereload_reloads_the_open_page_in_chromium(tmp_path: Path) -> None:
    """The injected script connects despite the pages' CSP, and every save reloads the page.

    Three saves: one with the page's socket connected; one the moment the page
    has reloaded (its new socket is still shaking hands, as it was when this
    test missed reloads under load); and one made while the page's script is
    held back until the rebuild is over, so the socket surely connects after the
    server sent its reload: the page must still be reloaded.
    """
    from playwright.sync_api import Error as PlaywrightError

    from support.browser import launch_browser, watch_page

    def body_text(page: object) -> str:
        try:
            return str(page.inner_text("body"))  # type: ignore[attr-defined]
        except PlaywrightError:  # the page is just navigating (reloading)
            return ""

    def shows(page: object, text: str, since: float, what: str) -> float:
        """Seconds from `since` until the page shows `text`."""
        deadline = since + 30
        while text not in body_text(page):
            assert time.monotonic() < deadline, f"{what}: the page did not show it within 30 s"
            page.wait_for_timeout(25)  # type: ignore[attr-defined]
        return time.monotonic() - since

    content = copy_content(tmp_path)
    source = content / "pages" / "ueber.md"
    built = tmp_path / "out" / "ueber" / "index.html"
    port = free_port()
    env = {"DISKURS_OUTPUT": str(tmp_path / "out"), "DISKURS_CONTENT": str(content)}

    def save(marker: str) -> float:
        source.write_text(source.read_text(encoding="utf-8") + f"\n{marker}\n", encoding="utf-8")
        return time.monotonic()

    with running(["livereload"], port, env) as base, launch_browser() as browser:
        page = browser.new_page()
        seen = watch_page(page, base)
        sockets: list[str] = []
        page.on("websocket", lambda ws: sockets.append(ws.url))
        page.goto(base + "ueber/", wait_until="load")
        deadline = time.monotonic() + 20
        while not sockets:
            assert time.monotonic() < deadline, "livereload.js opened no websocket"
            page.wait_for_timeout(100)

        times = {"connected": shows(page, "Im Browser neu geladen", save("Im Browser neu geladen"),
                                    "a save with the socket connected")}
        times["reconnecting"] = shows(page, "Gleich noch einmal", save("Gleich noch einmal"),
                                      "a save while the reloaded page connects")

        held: list[object] = []
        page.route("**/livereload.js*", lambda route: held.append(route))
        page.goto(base + "ueber/", wait_until="commit")  # served now, before the save below
        deadline = time.monotonic() + 20
        while not held:
            assert time.monotonic() < deadline, "the page asked for no livereload.js"
            page.wait_for_timeout(25)
        saved = save("Während das Skript wartete")
        while "Während das Skript wartete" not in built.read_text(encoding="utf-8"):
            assert time.monotonic() < saved + 30, "the page was not rebuilt within 30 s"
            time.sleep(0.05)
        assert fetch(base)[0] == 200  # answered after the rebuild: the server's reload went out
        released = time.monotonic()
        held[0].continue_()  # type: ignore[attr-defined]
        page.unroute("**/livereload.js*")
        times["late socket"] = shows(page, "Während das Skript wartete", released,
                                     "a page whose script connected after the rebuild")
        print("SAVE-TO-RELOAD " + ", ".join(f"{k}: {v:.2f} s" for k, v in times.items()))
        assert seen["console_errors"] == [] and seen["foreign_requests"] == []
