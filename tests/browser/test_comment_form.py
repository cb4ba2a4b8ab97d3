"""End to end on loopback: a reader answers a comment through the real form in
Chromium, the intake pushes a branch to a bare repository, a moderator approves
it with `invoke comments.approve`, the site is rebuilt, and the comment is on
the page under its parent. Also: the form without JavaScript, axe in light and
dark, and the zero-server path."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from service.intake_fixtures import (
    branch_names,
    free_port,
    git,
    make_site_repo,
    run_invoke,
    start_service,
    wait_healthy,
)
from support.browser import serve_directory, watch_page
from support.site import BuiltSite, build_site

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
SLUG = "kommentare-per-pull-request"


def post_path(site: BuiltSite) -> str:
    """Where the post with open comments is in a build (``2017/<slug>/``)."""
    for path in site.html_files():
        if path.parent.name == SLUG:
            return path.relative_to(site.output).as_posix().removesuffix("index.html")
    pytest.fail(f"no page for {SLUG}")


@dataclass
class Setup:
    remote: Path
    work: Path
    output: Path
    site_url: str
    intake_url: str
    tmp: Path

    def build(self) -> BuiltSite:
        site = build_site(
            self.tmp,
            content=self.work / "content",
            output=self.output,
            settings={"COMMENTS_INTAKE_URL": self.intake_url + "/comments"},
        )
        assert site.returncode == 0, site.log
        return site

    def post_url(self) -> str:
        """Build the site; the address of the post with the form."""
        return self.site_url + post_path(self.build())

    def remote_branches(self) -> list[str]:
        return branch_names(self.remote)

    def comment_file(self, branch: str) -> str:
        """The comment file a branch on the remote adds (named like the branch)."""
        name = branch.rsplit("/", 1)[1]
        return git(self.remote, "show", f"{branch}:content/comments/{SLUG}/{name}.yaml")


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[Setup]:
    repo = make_site_repo(
        tmp_path, content=ROOT / "content", user=("Sami Yilmaz", "sami@example.org")
    )
    remote, work = repo.remote, repo.work
    output = tmp_path / "output"
    output.mkdir()
    port = free_port()
    with serve_directory(output) as site_url:
        origin = site_url.rstrip("/")
        proc = start_service(
            work,
            tmp_path / "spool.sqlite3",
            port,
            "--allow-origin",
            origin,
            log=tmp_path / "intake.log",
        )
        try:
            intake = f"http://127.0.0.1:{port}"
            wait_healthy(intake)
            yield Setup(remote, work, output, site_url, intake, tmp_path)
        finally:
            proc.kill()
            proc.wait(10)


def wait_for_branch(setup: Setup, count: int, timeout: float = 30.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        branches = setup.remote_branches()
        if len(branches) >= count:
            return branches
        time.sleep(0.2)
    pytest.fail(
        f"no branch appeared; intake log:\n{(setup.tmp / 'intake.log').read_text()}"
    )


def test_reply_through_the_form_is_approved_and_published(
    chromium: Any, setup: Setup
) -> None:
    url = setup.post_url()
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        seen = watch_page(page, setup.site_url)
        page.goto(url, wait_until="load")
        # Reading the page asks nothing of the intake service (or any other host).
        assert not [r for r in seen["foreign_requests"] if setup.intake_url in r]
        reply = page.locator("a.comment-reply[data-reply-to]").first
        parent_id = reply.get_attribute("data-reply-to")
        reply.click()
        # The form now sits under the comment it answers, with the parent chosen.
        assert (
            page.evaluate(
                "document.getElementById('comment-respond').closest('li.comment').id"
            )
            == f"comment-{parent_id}"
        )
        assert page.locator("#comment-parent").input_value() == parent_id
        assert page.evaluate("document.activeElement.id") == "comment-body"
        page.fill("#comment-author", "Lea Sommer")
        page.fill(
            "#comment-body", "Genau *das* habe ich auch erlebt.\n\nZweiter Absatz."
        )
        page.check("#comment-consent")
        # The draft is kept while the reader writes.
        draft = page.evaluate(f"localStorage.getItem('diskurs-draft:{SLUG}')")
        assert "Lea Sommer" in draft
        page.click("#comment-form button[type=submit]")
        status = page.locator("#comment-form-status.form-status-success")
        status.wait_for(timeout=15_000)
        assert "Moderation" in status.inner_text()
        assert "Genau *das*" in status.inner_text()
        assert page.evaluate(f"localStorage.getItem('diskurs-draft:{SLUG}')") is None
        assert seen["console_errors"] == [], seen["console_errors"]
        assert seen["dialogs"] == []
        # Only the intake was asked (preflight and post), nothing else.
        others = [
            r for r in seen["foreign_requests"] if not r.startswith(setup.intake_url)
        ]
        assert others == []
    finally:
        context.close()

    (branch,) = wait_for_branch(setup, 1)
    comment_id = branch.rsplit("/", 1)[1]
    text = setup.comment_file(branch)
    assert "Lea Sommer" in text and f'parent: "{parent_id}"' in text

    proc = run_invoke("comments.approve", comment_id, cwd=setup.work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert setup.remote_branches() == []
    assert (setup.work / "content" / "comments" / SLUG / f"{comment_id}.yaml").is_file()

    site = setup.build()
    soup = site.page(post_path(site))
    new = soup.select_one(f"li#comment-{parent_id} li#comment-{comment_id}")
    assert new is not None, "the approved comment is not under its parent"
    assert new.select_one(".comment-content em").get_text() == "das"
    assert "Lea Sommer" in new.select_one(".comment-author").get_text()


def test_form_without_javascript_posts_and_shows_the_receipt(
    chromium: Any, setup: Setup
) -> None:
    url = setup.post_url()
    context = chromium.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        options = page.locator("#comment-parent option")
        parent_id = options.nth(1).get_attribute("value")
        page.select_option("#comment-parent", parent_id)
        page.fill("#comment-author", "Ohne Skript")
        page.fill("#comment-body", "Geht auch ohne JavaScript.")
        page.check("#comment-consent")
        with page.expect_navigation():
            page.click("#comment-form button[type=submit]")
        assert page.url.startswith(setup.intake_url + "/comments/")
        assert "wartet auf Moderation" in page.inner_text("main")
        assert "Geht auch ohne JavaScript." in page.inner_text("main")
        back = page.locator("a", has_text="Zurück zum Beitrag")
        assert back.count() == 0 or back.get_attribute("href").startswith(
            setup.site_url
        )
    finally:
        context.close()
    (branch,) = wait_for_branch(setup, 1)
    assert f'parent: "{parent_id}"' in setup.comment_file(branch)


def test_rejection_in_place_names_the_field(chromium: Any, setup: Setup) -> None:
    url = setup.post_url()
    context = chromium.new_context()
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.fill("#comment-author", "Link Freund")
        page.fill(
            "#comment-body",
            "https://a.example https://b.example https://c.example https://d.example",
        )
        page.check("#comment-consent")
        page.click("#comment-form button[type=submit]")
        page.locator("#comment-form-status.form-status-error").wait_for(timeout=15_000)
        assert page.locator("#comment-body").get_attribute("aria-invalid") == "true"
        assert "Links" in page.locator("#comment-body-error").inner_text()
        assert page.evaluate("document.activeElement.id") == "comment-body"
        # The text is still there to fix and send again.
        assert "https://d.example" in page.locator("#comment-body").input_value()
    finally:
        context.close()
    assert setup.remote_branches() == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_form_passes_axe(
    chromium: Any, setup: Setup, axe_report: Callable[..., str], scheme: str
) -> None:
    url = setup.post_url()
    context = chromium.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        page.emulate_media(color_scheme=scheme)
        page.locator("a.comment-reply").first.click()  # the form in its moved place
        report = axe_report(page, f"comment-form-{scheme}", "#comment-respond")
        assert not report, report
    finally:
        context.close()


def test_zero_server_path_links_carry_the_comment(
    chromium: Any, tmp_path: Path
) -> None:
    out = tmp_path / "output"
    site = build_site(
        tmp_path,
        output=out,
        settings={
            "COMMENTS_INTAKE_URL": "",
            "COMMENTS_FORGE_NEW_FILE_URL": "https://forge.example/you/blog/new/main",
            "COMMENTS_MAIL": "kommentare@example.org",
        },
    )
    assert site.returncode == 0, site.log
    rel = post_path(site)
    soup = site.page(rel)
    assert soup.select_one("form#comment-form") is None
    forge = soup.select_one("a.comment-send-forge")["href"]
    query = parse_qs(urlsplit(forge).query)
    assert query["filename"][0].startswith(f"content/comments/{SLUG}/")
    assert "author:" in query["value"][0] and "body: |" in query["value"][0]
    assert soup.select_one("a.comment-send-mail")["href"].startswith(
        "mailto:kommentare@example.org?"
    )
    with serve_directory(out) as base:
        context = chromium.new_context()
        try:
            page = context.new_page()
            seen = watch_page(page, base)
            page.goto(base + rel, wait_until="load")
            cancel = page.locator(".comment-cancel-reply")
            # "Cancel reply" only while a reply is chosen: a class that sets
            # display must not show an element the script keeps hidden.
            assert cancel.count() == 1 and cancel.is_hidden()
            page.locator("a.comment-reply").first.click()
            assert cancel.is_visible()
            cancel.click()
            assert cancel.is_hidden()
            page.locator("a.comment-reply").first.click()
            page.fill("#comment-author", "Ada Nowak")
            page.fill("#comment-body", "Per Pull-Request, bitte.")
            href = page.locator("a.comment-send-forge").get_attribute("href")
            query = parse_qs(urlsplit(href).query)
            assert query["filename"][0].endswith(".yaml")
            value = query["value"][0]
            assert (
                'author: "Ada Nowak"' in value and "  Per Pull-Request, bitte." in value
            )
            assert "parent:" in value
            mail = page.locator("a.comment-send-mail").get_attribute("href")
            assert "Per%20Pull-Request" in mail
            assert seen["console_errors"] == [] and seen["foreign_requests"] == []
        finally:
            context.close()
