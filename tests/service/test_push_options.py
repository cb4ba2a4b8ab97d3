"""GitLab opens a merge request from push options: the worker sends them, one push
per branch with its own title, to a bare repository that advertises push options
and records them in a hook (as GitLab's receive side would read them)."""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

from intake.app import create_app
from intake.config import IntakeSettings
from service.intake_fixtures import SITE_ORIGIN, SiteRepo, form
from starlette.testclient import TestClient

HOOK = """#!/usr/bin/env python3
# Record the push options and refs of each push, one JSON line per push.
import json, os, sys
count = int(os.environ.get("GIT_PUSH_OPTION_COUNT", "0"))
refs = [line.split()[2] for line in sys.stdin.read().splitlines() if line.strip()]
with open(os.path.join(os.environ["GIT_DIR"], "push-options.jsonl"), "a") as out:
    out.write(json.dumps({"options": [os.environ[f"GIT_PUSH_OPTION_{i}"] for i in range(count)],
                          "refs": refs}) + "\\n")
"""


def test_gitlab_push_options_reach_the_remote(
    site_repo: SiteRepo, settings: IntakeSettings
) -> None:
    remote = site_repo.remote
    subprocess.run(
        ["git", "config", "receive.advertisePushOptions", "true"],
        cwd=remote,
        check=True,
    )
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(HOOK, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    options = (
        "merge_request.create",
        "merge_request.target=main",
        "merge_request.remove_source_branch",
    )
    config = settings.with_overrides(push_options=options)
    with TestClient(
        create_app(config), base_url="https://comments.example.org"
    ) as client:
        ids = [
            client.post(
                "/comments", json=form(author=name), headers={"Origin": SITE_ORIGIN}
            ).json()["id"]
            for name in ("Jonas Brehm", "Ada Nowak")
        ]
        client.app.state.service.worker.drain()
        entries = client.app.state.service.spool.all_entries()
    assert all(e.state == "pushed" for e in entries)
    pushes = [
        json.loads(line)
        for line in (remote / "push-options.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    assert len(pushes) == 2  # one push per branch: GitLab reads options per push
    by_ref = {p["refs"][0]: p["options"] for p in pushes}
    for comment_id, name in zip(ids, ("Jonas Brehm", "Ada Nowak"), strict=True):
        got = by_ref[f"refs/heads/comments/offener-beitrag/{comment_id}"]
        assert got[:3] == list(options)
        assert got[3] == f"merge_request.title=Comment by {name} on offener-beitrag"


def test_without_push_options_one_push_carries_all_branches(
    site_repo: SiteRepo, client: TestClient
) -> None:
    remote = site_repo.remote
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(HOOK, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR)
    for _ in range(3):
        client.post("/comments", json=form(), headers={"Origin": SITE_ORIGIN})
    client.app.state.service.worker.drain()
    pushes = [
        json.loads(line)
        for line in (remote / "push-options.jsonl")
        .read_text(encoding="utf-8")
        .splitlines()
    ]
    assert (
        len(pushes) == 1 and len(pushes[0]["refs"]) == 3 and pushes[0]["options"] == []
    )


def test_a_remote_without_push_option_support_fails_and_retries(
    site_repo: SiteRepo, settings: IntakeSettings, tmp_path: Path
) -> None:
    subprocess.run(
        ["git", "config", "receive.advertisePushOptions", "false"],
        cwd=site_repo.remote,
        check=True,
    )
    config = settings.with_overrides(push_options=("merge_request.create",))
    with TestClient(
        create_app(config), base_url="https://comments.example.org"
    ) as client:
        client.post("/comments", json=form(), headers={"Origin": SITE_ORIGIN})
        client.app.state.service.worker.run_once()
        (entry,) = client.app.state.service.spool.all_entries()
    assert entry.state == "queued" and entry.attempts == 1
    assert "push options" in (entry.last_error or "")
    assert site_repo.remote_branches() == {}
