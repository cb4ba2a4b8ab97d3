"""Invoke tasks for moderation (``comments.*``) and the local intake (``intake``).

Thin on purpose: the logic is in ``intake.moderation`` (tested against bare
repositories); the forge workflows call these same tasks.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from invoke.collection import Collection
from invoke.context import Context
from invoke.exceptions import Exit
from invoke.tasks import task

from .gitrepo import Git
from .moderation import (
    DEFAULT_SPAM_WORDS,
    Branches,
    ModerationError,
    remove_comment,
    report_markdown,
    review_change,
)


def _site(c: Any) -> dict[str, Any]:
    """The site's settings (pelicanconf.py in the current folder), if there."""
    from .config import load_settings_file

    path = Path(c.cwd) / "pelicanconf.py"
    if not path.is_file():
        return {}
    sys.path.insert(0, str(path.parent))
    return load_settings_file(path)


def _zone(c: Any) -> ZoneInfo:
    return ZoneInfo(str(_site(c).get("TIMEZONE", "Europe/Berlin")))


def _words(c: Any) -> tuple[str, ...]:
    return tuple(_site(c).get("INTAKE_SPAM_WORDS", DEFAULT_SPAM_WORDS))


def _branches(c: Any, remote: str, base: str) -> Branches:
    return Branches(Git(Path(c.cwd)), remote, base)


@task(
    help={
        "remote": "remote with the comment branches ('.' = this repository)",
        "base": "branch comments are merged into",
    }
)
def pending(c: Context, remote: str = "origin", base: str = "main") -> None:
    """List waiting comment branches with their check result, spam score and text."""
    items = _branches(c, remote, base).pending(_zone(c), _words(c))
    if not items:
        print("No comments wait for moderation.")
        return
    for item in items:
        print(f"== {item.id}  ({item.branch}, {item.age_days:.1f} days old)")
        for review in item.reviews:
            state = "passes" if review.ok else "FAILS"
            print(
                f"   check: {state}; spam score {review.score}"
                + (" (likely spam)" if review.likely_spam else "")
            )
            for rule in review.rules:
                print(f"   rule {rule.name} +{rule.points}: {rule.detail}")
            for problem in review.problems:
                print(f"   problem: {problem}")
            if review.comment is not None:
                c_ = review.comment
                print(
                    f"   {c_.author}"
                    + (f" (in reply to {c_.parent})" if c_.parent else "")
                )
                for line in c_.body.splitlines():
                    print(f"   | {line}")
    print(
        f"{len(items)} comment(s) waiting. Approve: invoke comments.approve ID; "
        "reject: invoke comments.reject ID"
    )


@task(
    help={
        "id": "comment id (or branch name)",
        "remote": "remote ('.' = this repository)",
        "base": "branch to merge into",
        "force": "merge even when the check fails",
    }
)
def approve(
    c: Context, id: str, remote: str = "origin", base: str = "main", force: bool = False
) -> None:
    """Merge one comment branch into the base branch and delete the branch."""
    try:
        branch = _branches(c, remote, base).approve(id, _zone(c), force=force)
    except ModerationError as exc:
        raise Exit(f"comments.approve: {exc}", code=1) from exc
    print(f"Approved {branch}: merged into {base}. Rebuild and publish the site.")


@task(
    help={
        "id": "comment id (or branch name)",
        "remote": "remote ('.' = this repository)",
    }
)
def reject(c: Context, id: str, remote: str = "origin") -> None:
    """Delete one comment branch without merging it."""
    try:
        branch = _branches(c, remote, "main").reject(id)
    except ModerationError as exc:
        raise Exit(f"comments.reject: {exc}", code=1) from exc
    print(f"Rejected {branch}: branch deleted.")


@task(
    help={
        "days": "age in days (default INTAKE_STALE_DAYS, else 30)",
        "close": "delete the stale branches",
        "remote": "remote ('.' = this repository)",
    }
)
def stale(
    c: Context, days: str | None = None, close: bool = False, remote: str = "origin"
) -> None:
    """List comment branches older than N days; with --close, delete them."""
    limit = float(days if days is not None else _site(c).get("INTAKE_STALE_DAYS", 30))
    old = _branches(c, remote, "main").stale(limit, close=close)
    for branch, age in old:
        print(f"{branch}  {age:.1f} days" + ("  (closed)" if close else ""))
    print(
        f"{len(old)} comment branch(es) older than {limit:g} days"
        + (" closed." if close else ".")
    )


@task(help={"id": "id of a published comment", "post": "post slug (optional)"})
def remove(c: Context, id: str, post: str = "") -> None:
    """Take a published comment down (with replies: a 'comment removed' placeholder)."""
    site = _site(c)
    folder = (
        Path(c.cwd)
        / str(site.get("PATH", "content"))
        / str(site.get("COMMENTS_PATH", "comments"))
    )
    try:
        print(remove_comment(folder, id, _zone(c), post or None))
    except ModerationError as exc:
        raise Exit(f"comments.remove: {exc}", code=1) from exc
    print("Commit the change to publish it.")


@task(
    help={
        "base": "base revision (e.g. origin/main)",
        "head": "head revision",
        "report": "write the Markdown report here (also $GITHUB_STEP_SUMMARY)",
    }
)
def review(
    c: Context, base: str = "origin/main", head: str = "HEAD", report: str = ""
) -> None:
    """Check a change's comment files: preview, spam score, no role from the intake."""
    reviews = review_change(
        Git(Path(c.cwd)), base, head, zone=_zone(c), words=_words(c)
    )
    text = report_markdown(reviews)
    print(text)
    targets = [report] if report else []
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        targets.append(os.environ["GITHUB_STEP_SUMMARY"])
    for target in targets:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(text)
    if any(not r.ok for r in reviews):
        raise Exit("comments.review: at least one comment fails its check", code=1)


@task(
    help={
        "port": "port on 127.0.0.1 (default 8001)",
        "remote": "where branches go (default: origin, else this repository itself)",
        "spool": "SQLite spool file",
    }
)
def intake(
    c: Context, port: int = 8001, remote: str = "", spool: str = ".intake/spool.sqlite3"
) -> None:
    """Run the comment intake on 127.0.0.1 over this site's git repository."""
    from .cli import command

    git = Git(Path(c.cwd))
    chosen = remote or ("origin" if "origin" in git.out("remote").split() else ".")
    cmd = command(".", chosen, port, spool)
    print(f"Intake on http://127.0.0.1:{port}/comments, branches go to {chosen!r}")
    c.run(" ".join(shlex.quote(p) for p in cmd), pty=False)


ns = Collection("comments")
ns.add_task(pending)
ns.add_task(approve)
ns.add_task(reject)
ns.add_task(stale)
ns.add_task(remove)
ns.add_task(review)
