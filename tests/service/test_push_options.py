"""GitLab opens a merge request from push options: the worker sends them, one push
per branch with its own title, to a bare repository that advertises push options
and records them in a hook (as GitLab's receive side would read them)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from intake.config import IntakeSettings
from service.intake_fixtures import SiteRepo, drain, git, service_client, submit
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


def record_pushes(remote: Path) -> None:
    """Install HOOK as the remote's pre-receive hook."""
    hook = remote / "hooks" / "pre-receive"
    hook.write_text(HOOK, encoding="utf-8")
    hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def recorded_pushes(remote: Path) -> list[dict]:
    """What HOOK wrote: one dict of options and refs per push."""
    text = (remote / "push-options.jsonl").read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def test_gitlab_push_options_reach_the_remote(
    site_repo: SiteRepo, settings: IntakeSettings
) -> None:
    remote = site_repo.remote
    git(remote, "config", "receive.advertisePushOptions", "true")
    record_pushes(remote)
    options = (
        "merge_request.create",
        "merge_request.target=main",
        "merge_request.remove_source_branch",
    )
    config = settings.with_overrides(push_options=options)
    with service_client(config) as client:
        ids = [submit(client, author=name) for name in ("Jonas Brehm", "Ada Nowak")]
        drain(client)
        entries = client.app.state.service.spool.all_entries()
    assert all(e.state == "pushed" for e in entries)
    pushes = recorded_pushes(remote)
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
    record_pushes(remote)
    for _ in range(3):
        submit(client)
    drain(client)
    pushes = recorded_pushes(remote)
    assert (
        len(pushes) == 1 and len(pushes[0]["refs"]) == 3 and pushes[0]["options"] == []
    )


def test_a_remote_without_push_option_support_fails_and_retries(
    site_repo: SiteRepo, settings: IntakeSettings, tmp_path: Path
) -> None:
    git(site_repo.remote, "config", "receive.advertisePushOptions", "false")
    config = settings.with_overrides(push_options=("merge_request.create",))
    with service_client(config) as client:
        submit(client)
        client.app.state.service.worker.run_once()
        (entry,) = client.app.state.service.spool.all_entries()
    assert entry.state == "queued" and entry.attempts == 1
    assert "push options" in (entry.last_error or "")
    assert site_repo.remote_branches() == {}
