"""The accepted paths: form post → receipt, JSON → 202, and what the worker pushes."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bs4 import BeautifulSoup
from comments.load import load_file
from comments.model import Comment
from intake.config import IntakeSettings
from intake.worker import Worker
from service.intake_fixtures import (
    SITE_HEADERS,
    SiteRepo,
    branch_names,
    drain,
    form,
    git,
    service_client,
    submit,
)
from starlette.testclient import TestClient

ID = re.compile(r"\d{8}T\d{6}Z-[a-z0-9]{4}")


def requeue(client: TestClient, entry_id: str) -> None:
    """Put a pushed entry back in the queue, as a crash before the bookkeeping would."""
    client.app.state.service.spool._db.execute(
        "UPDATE submission SET state='queued' WHERE id=?", (entry_id,)
    )


def test_form_post_redirects_to_a_receipt_that_shows_the_comment(
    client: TestClient,
) -> None:
    answer = client.post(
        "/comments", data=form(), headers=SITE_HEADERS, follow_redirects=False
    )
    assert answer.status_code == 303
    location = answer.headers["location"]
    assert re.search(
        r"/comments/\d{8}T\d{6}Z-[a-z0-9]{4}/receipt\?t=[0-9a-f]{32}$", location
    )
    page = client.get(location)
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.html["lang"] == "de"
    assert "Moderation" in soup.find(class_="intake-status").get_text()
    assert soup.find(class_="intake-preview").find("em").get_text() == "guter"
    assert "Jonas Brehm" in soup.get_text()
    assert "Ein offener Beitrag" in soup.get_text()
    assert "script-src" not in page.headers["content-security-policy"]


def test_receipt_needs_its_token(client: TestClient) -> None:
    location = client.post(
        "/comments", data=form(), headers=SITE_HEADERS, follow_redirects=False
    ).headers["location"]
    forged = location.split("?t=")[0] + "?t=" + "0" * 32
    assert client.get(forged).status_code == 404


def test_receipt_in_english_for_an_english_form(client: TestClient) -> None:
    page = client.post("/comments", data=form(lang="en"), headers=SITE_HEADERS)
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.html["lang"] == "en"
    assert "awaits moderation" in soup.get_text()


def test_json_post_answers_202_with_id_and_branch(client: TestClient) -> None:
    answer = client.post("/comments", json=form(), headers=SITE_HEADERS)
    assert answer.status_code == 202
    body = answer.json()
    assert set(body) == {"id", "branch"}
    assert ID.fullmatch(body["id"])
    assert body["branch"] == f"comments/offener-beitrag/{body['id']}"


def test_worker_pushes_one_branch_with_one_file_per_submission(
    client: TestClient, site_repo: SiteRepo, tmp_path: Path
) -> None:
    ids = [
        submit(
            client,
            email="leser@example.org",
            parent="brehm-1",
            website="https://ada.example/",
        ),
        submit(client, author="Ada Nowak"),
    ]
    drain(client)
    branches = site_repo.remote_branches()
    assert sorted(branches) == sorted(f"comments/offener-beitrag/{i}" for i in ids)
    for comment_id in ids:
        branch = f"comments/offener-beitrag/{comment_id}"
        path = f"content/comments/offener-beitrag/{comment_id}.yaml"
        assert site_repo.files_in(branch) == [path]
        text = site_repo.show(branch, path)
        assert "leser@example.org" not in text and "email" not in text
        assert "role" not in text
        file = tmp_path / f"{comment_id}.yaml"
        file.write_text(text + "\n", encoding="utf-8")
        loaded = load_file(
            file, client.app.state.service.settings.zone, allow_role=False
        )
        assert loaded.problems == []
        (comment,) = loaded.comments
        assert isinstance(comment, Comment)
        assert comment.id == comment_id
        assert comment.body.rstrip() == form()["body"]
    first = load_file(
        tmp_path / f"{ids[0]}.yaml", client.app.state.service.settings.zone
    )
    assert first.comments[0].parent == "brehm-1"
    assert first.comments[0].website == "https://ada.example/"
    # The email never entered the repository, not even in a commit message.
    assert "leser@example.org" not in git(site_repo.remote, "log", "--all", "-p")


def test_worker_is_idempotent_and_never_touches_the_working_tree(
    client: TestClient, site_repo: SiteRepo
) -> None:
    before = git(site_repo.work, "status", "--porcelain", "--ignored")
    submit(client)
    drain(client)
    first = site_repo.remote_branches()
    drain(client)
    service = client.app.state.service
    # A crash after the push but before the bookkeeping: the entry is queued again.
    entry = service.spool.all_entries()[0]
    requeue(client, entry.id)
    Worker(service.settings, service.spool).drain()
    assert site_repo.remote_branches() == first
    assert service.spool.get(entry.id).state == "pushed"
    assert git(site_repo.work, "status", "--porcelain", "--ignored") == before


def test_retry_after_losing_the_private_clone_reuses_the_branch(
    client: TestClient, site_repo: SiteRepo, settings: IntakeSettings
) -> None:
    submit(client)
    drain(client)
    first = site_repo.remote_branches()
    service = client.app.state.service
    entry = service.spool.all_entries()[0]
    shutil.rmtree(settings.git_dir)
    requeue(client, entry.id)
    # A new base on main makes the rebuilt commit differ; the push is refused and
    # the remote branch with the same file counts as done.
    (site_repo.work / "content" / "neu.txt").write_text("x", encoding="utf-8")
    git(site_repo.work, "add", "-A")
    git(site_repo.work, "commit", "-qm", "x")
    git(site_repo.work, "push", "-q", "origin", "main")
    Worker(settings, service.spool).drain()
    assert site_repo.remote_branches() == first
    assert service.spool.get(entry.id).state == "pushed"


def test_push_failure_is_retried_with_backoff(
    settings: IntakeSettings, site_repo: SiteRepo, tmp_path: Path
) -> None:
    broken = settings.with_overrides(
        remote=str(tmp_path / "missing.git"), retry_base_seconds=60.0
    )
    with service_client(broken) as c:
        submit(c)
        service = c.app.state.service
        service.worker.run_once()
        (entry,) = service.spool.all_entries()
        assert entry.state == "queued" and entry.attempts == 1 and entry.last_error
        assert service.spool.due(10) == []  # backing off
        # The remote comes back: the same entry goes out, on its fixed branch.
        git(tmp_path, "clone", "-q", "--bare", str(site_repo.remote), "missing.git")
        service.spool._db.execute("UPDATE submission SET next_try = 0")
        service.worker.run_once()
        assert service.spool.get(entry.id).state == "pushed"
    assert branch_names(tmp_path / "missing.git") == [entry.branch]


def test_idempotency_key_returns_the_same_submission(client: TestClient) -> None:
    headers = {**SITE_HEADERS, "Idempotency-Key": "reader-draft-0001"}
    first = client.post("/comments", json=form(), headers=headers).json()
    second = client.post("/comments", json=form(), headers=headers).json()
    assert first == second
    assert len(client.app.state.service.spool.all_entries()) == 1


def test_health_reports_the_queue(client: TestClient) -> None:
    submit(client)
    assert client.get("/health").json()["queued"] == 1
    drain(client)
    assert client.get("/health").json()["pushed"] == 1
