"""Forge-less moderation against bare repositories: pending, approve, reject,
stale, remove, and the pull-request review (preview, spam score, role)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from comments.load import load_thread
from comments.thread import build_thread
from intake.gitrepo import Git
from intake.moderation import (
    Branches,
    ModerationError,
    remove_comment,
    review_change,
    spam_rules,
)
from service.intake_fixtures import (
    SiteRepo,
    drain,
    git,
    invoke_task_names,
    run_invoke,
    submit,
)
from starlette.testclient import TestClient

ZONE = ZoneInfo("Europe/Berlin")
SLUG = "offener-beitrag"


def commit_comment(
    work: Path, name: str, text: str, branch: str = "", message: str = "x"
) -> str:
    """Commit ``text`` as the thread's ``name``.yaml on a new branch, left checked out.

    The branch is named as the intake names it unless ``branch`` is given.
    """
    branch = branch or f"comments/{SLUG}/{name}"
    git(work, "checkout", "-q", "-b", branch)
    (work / "content/comments" / SLUG / f"{name}.yaml").write_text(
        text, encoding="utf-8"
    )
    git(work, "add", "-A")
    git(work, "commit", "-qm", message)
    return branch


def test_pending_lists_branches_with_check_score_and_text(
    client: TestClient, site_repo: SiteRepo
) -> None:
    good = submit(client, body="Ein ruhiger Gedanke zum Text.")
    spam = submit(
        client, author="Cheap Casino", body="casino https://a.example https://b.example"
    )
    drain(client)
    items = {p.id: p for p in Branches(Git(site_repo.work)).pending(ZONE)}
    assert set(items) == {good, spam}
    (review,) = items[good].reviews
    assert review.ok and review.from_intake and review.score == 0
    assert review.comment.body.strip() == "Ein ruhiger Gedanke zum Text."
    (bad,) = items[spam].reviews
    assert bad.likely_spam
    assert {r.name for r in bad.rules} >= {"links", "word", "short-with-link"}


def test_approve_merges_into_main_and_deletes_the_branch(
    client: TestClient, site_repo: SiteRepo
) -> None:
    reply = submit(client, parent="nowak-1", body="Antwort auf die Antwort.")
    drain(client)
    branches = Branches(Git(site_repo.work))
    merged = branches.approve(reply, ZONE)
    assert merged == f"comments/offener-beitrag/{reply}"
    assert site_repo.remote_branches() == {}
    # main on the remote has the file; the moderator's checkout was fast-forwarded.
    path = f"content/comments/offener-beitrag/{reply}.yaml"
    assert "Antwort auf die Antwort." in site_repo.show("main", path)
    assert (site_repo.work / path).is_file()
    loaded = load_thread(site_repo.work / "content/comments/offener-beitrag", ZONE)
    thread, problems = build_thread(loaded.comments, loaded.broken)
    assert problems == [] and loaded.problems == []
    (root,) = thread.roots
    assert root.replies[0].replies[0].comment.id == reply


def test_reject_deletes_the_branch(client: TestClient, site_repo: SiteRepo) -> None:
    comment_id = submit(client)
    drain(client)
    assert Branches(Git(site_repo.work)).reject(comment_id).endswith(comment_id)
    assert site_repo.remote_branches() == {}
    with pytest.raises(ModerationError):
        Branches(Git(site_repo.work)).reject(comment_id)


def test_stale_lists_and_closes_old_branches(
    client: TestClient, site_repo: SiteRepo
) -> None:
    submit(client)
    drain(client)
    branches = Branches(Git(site_repo.work))
    assert branches.stale(30) == []
    old = branches.stale(0)
    assert len(old) == 1
    assert [b for b, _ in branches.stale(0, close=True)] == [b for b, _ in old]
    assert site_repo.remote_branches() == {}


def test_a_role_claimed_in_an_intake_file_fails_the_review(site_repo: SiteRepo) -> None:
    work = site_repo.work
    commit_comment(
        work,
        "20170503T071200Z-k3f9",
        "author: Katrin Albers\nrole: author\ndate: 2017-05-03T09:12:00+02:00\n"
        "body: Ich bin die Autorin, ehrlich.\n",
        message="forged badge",
    )
    (review,) = review_change(Git(work), "main", "HEAD", zone=ZONE)
    assert not review.ok
    assert any("role" in p for p in review.problems)
    # The same role written by a moderator in a hand-named file is fine.
    git(work, "checkout", "-q", "main")
    commit_comment(
        work,
        "albers-1",
        "author: Katrin Albers\nrole: author\ndate: 2017-05-03T09:12:00+02:00\n"
        "parent: brehm-1\nbody: Danke!\n",
        branch="moderator-reply",
        message="moderator reply",
    )
    (review,) = review_change(Git(work), "main", "HEAD", zone=ZONE)
    assert review.ok, review.problems


def test_approve_refuses_a_failing_comment(site_repo: SiteRepo) -> None:
    work = site_repo.work
    name = commit_comment(
        work,
        "20170503T071200Z-zz99",
        "author: X\nrole: moderator\ndate: 2017-05-03T09:12:00+02:00\nbody: hi\n",
    )
    git(work, "push", "-q", "origin", name)
    git(work, "checkout", "-q", "main")
    with pytest.raises(ModerationError, match="role"):
        Branches(Git(work)).approve("20170503T071200Z-zz99", ZONE)
    assert name in site_repo.remote_branches()


def test_local_mode_moderates_branches_of_the_repository_itself(
    client: TestClient, site_repo: SiteRepo, tmp_path: Path
) -> None:
    # The intake pushes into the site's own repository (remote ".").
    service = client.app.state.service
    service.worker.settings = service.settings.with_overrides(remote=".")
    local = type(service.worker)(
        service.settings.with_overrides(remote="."), service.spool
    )
    comment_id = submit(client)
    local.drain()
    branches = Branches(Git(site_repo.work), ".")
    assert [p.id for p in branches.pending(ZONE)] == [comment_id]
    branches.approve(comment_id, ZONE)
    assert (
        site_repo.work / f"content/comments/offener-beitrag/{comment_id}.yaml"
    ).is_file()
    assert branches.pending(ZONE) == []


def test_remove_keeps_the_thread_whole(site_repo: SiteRepo) -> None:
    folder = site_repo.work / "content/comments"
    # brehm-1 has a reply: it becomes a placeholder; nowak-1 has none: it goes.
    assert "placeholder" in remove_comment(folder, "brehm-1", ZONE)
    loaded = load_thread(folder / "offener-beitrag", ZONE)
    assert loaded.problems == []
    by_id = {c.id: c for c in loaded.comments}
    assert by_id["brehm-1"].removed and by_id["brehm-1"].author == ""
    assert (
        "Erster Kommentar" not in (folder / "offener-beitrag/thread.yaml").read_text()
    )
    assert by_id["nowak-1"].parent == "brehm-1"
    thread, problems = build_thread(loaded.comments, loaded.broken)
    assert problems == [] and thread.count == 1
    assert "deleted" in remove_comment(folder, "nowak-1", ZONE)
    loaded = load_thread(folder / "offener-beitrag", ZONE)
    assert [c.id for c in loaded.comments] == ["brehm-1"] and loaded.problems == []
    with pytest.raises(ModerationError):
        remove_comment(folder, "gibt-es-nicht", ZONE)


def test_spam_rules_name_what_they_saw() -> None:
    from datetime import datetime

    from comments.model import Comment

    calm = Comment(
        "a",
        "Ada Nowak",
        datetime(2017, 5, 3, tzinfo=ZONE),
        "Ich sehe das ähnlich, aus eigener Erfahrung.",
        "x.yaml",
    )
    assert spam_rules(calm) == []
    loud = Comment(
        "b",
        "www.cheap.example",
        datetime(2017, 5, 3, tzinfo=ZONE),
        "BUY NOW BUY NOW BUY NOW BUY NOW !!!!!!!!!!!!",
        "y.yaml",
        website="http://10.0.0.1/",
    )
    names = {
        r.name
        for r in spam_rules(
            loud, others=["buy now buy now   BUY NOW buy now !!!!!!!!!!!!"]
        )
    }
    assert names >= {"author-link", "shouting", "repeated", "website-ip", "duplicate"}


def test_invoke_lists_the_moderation_tasks() -> None:
    assert {
        "comments.pending",
        "comments.approve",
        "comments.reject",
        "comments.stale",
        "comments.remove",
        "comments.review",
        "intake",
    } <= invoke_task_names()


def test_invoke_review_fails_on_a_forged_role(
    site_repo: SiteRepo, tmp_path: Path
) -> None:
    work = site_repo.work
    commit_comment(
        work,
        "20170503T071200Z-k3f9",
        "author: Sami Yilmaz\nrole: moderator\ndate: 2017-05-03T09:12:00+02:00\n"
        "body: Hallo\n",
    )
    report = tmp_path / "report.md"
    proc = run_invoke(
        "comments.review", "--base", "main", "--report", str(report), cwd=work
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    text = report.read_text(encoding="utf-8")
    assert "fails" in text and "role" in text and "<blockquote>" in text
