"""Helpers shared by the service, browser and load tests: a small site in git
(bare remote + working clone), a valid form post, the app under a test client,
the real service on loopback, and the project's invoke tasks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from intake.cli import command

if TYPE_CHECKING:
    from intake.config import IntakeSettings
    from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]
SITE_ORIGIN = "https://blog.example.org"
#: Where the test client pretends the service runs (its own origin).
SERVICE_URL = "https://comments.example.org"
#: What a browser on the site sends with a post.
SITE_HEADERS = {"Origin": SITE_ORIGIN}

POSTS = {
    "offen.md": """\
        Title: Ein offener Beitrag
        Date: 2017-05-01 10:00
        Slug: offener-beitrag
        Lang: de

        Text.
        """,
    "offen-en.md": """\
        Title: An open post
        Date: 2017-05-01 10:00
        Slug: offener-beitrag
        Lang: en

        Text.
        """,
    "zu.md": """\
        Title: Geschlossen
        Date: 2017-05-02 10:00
        Slug: geschlossener-beitrag
        Comments: closed

        Text.
        """,
    "aus.md": """\
        Title: Ohne Kommentare
        Date: 2017-05-03 10:00
        Slug: ohne-kommentare
        Comments: off

        Text.
        """,
    "entwurf.md": """\
        Title: Entwurf
        Date: 2017-05-04 10:00
        Slug: entwurf
        Status: draft

        Text.
        """,
}

THREAD = """\
- id: brehm-1
  author: Jonas Brehm
  date: 2017-05-01T12:00:00+02:00
  body: Erster Kommentar.
- id: nowak-1
  parent: brehm-1
  author: Ada Nowak
  date: 2017-05-01T13:00:00+02:00
  body: Eine Antwort.
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def branch_names(repo: Path, under: str = "refs/heads/comments/") -> list[str]:
    """The branches below ``under`` in ``repo``, without ``refs/heads/``."""
    return git(repo, "for-each-ref", "--format=%(refname:strip=2)", under).split()


@dataclass
class SiteRepo:
    """A bare remote and a working clone of a small site."""

    remote: Path
    work: Path

    def remote_branches(self) -> dict[str, str]:
        out = git(
            self.remote,
            "for-each-ref",
            "--format=%(refname:strip=2) %(objectname)",
            "refs/heads/comments/",
        )
        return dict(line.split(" ", 1) for line in out.splitlines() if line)

    def show(self, rev: str, path: str) -> str:
        return git(self.remote, "show", f"{rev}:{path}")

    def files_in(self, branch: str) -> list[str]:
        """What ``branch`` changes on the remote, against main."""
        out = git(self.remote, "diff", "--name-only", f"main...{branch}")
        return out.splitlines()


def make_site_repo(
    root: Path,
    content: Path | None = None,
    user: tuple[str, str] = ("Katrin Albers", "katrin@example.org"),
) -> SiteRepo:
    """``root``/remote.git and a clone ``root``/site that has pushed one commit.

    The commit holds the small sample above, or a copy of ``content``.
    """
    remote = root / "remote.git"
    work = root / "site"
    subprocess.run(
        ["git", "init", "--quiet", "--bare", "-b", "main", str(remote)], check=True
    )
    subprocess.run(["git", "init", "--quiet", "-b", "main", str(work)], check=True)
    git(work, "config", "user.name", user[0])
    git(work, "config", "user.email", user[1])
    if content is not None:
        shutil.copytree(content, work / "content")
    else:
        posts = work / "content" / "posts"
        posts.mkdir(parents=True)
        for name, text in POSTS.items():
            (posts / name).write_text(textwrap.dedent(text), encoding="utf-8")
        thread = work / "content" / "comments" / "offener-beitrag"
        thread.mkdir(parents=True)
        (thread / "thread.yaml").write_text(THREAD, encoding="utf-8")
    git(work, "add", "-A")
    git(work, "commit", "--quiet", "-m", "Sample site")
    git(work, "remote", "add", "origin", str(remote))
    git(work, "push", "--quiet", "origin", "main")
    return SiteRepo(remote, work)


def form(**fields: str) -> dict[str, str]:
    """A valid form post with ``fields`` changed (an empty value drops the field)."""
    data = {
        "post": "offener-beitrag",
        "author": "Jonas Brehm",
        "body": "Ein *guter* Punkt.\n\nZweiter Absatz.",
        "consent": "yes",
        "lang": "de",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v != ""}


def service_client(settings: IntakeSettings, **options: Any) -> TestClient:
    """A TestClient over a fresh app; enter it (``with``) to run the lifespan."""
    from intake.app import create_app
    from starlette.testclient import TestClient

    return TestClient(create_app(settings), base_url=SERVICE_URL, **options)


def submit(client: TestClient, **fields: str) -> str:
    """POST ``form(**fields)`` as JSON from the site; the accepted comment's id."""
    answer = client.post("/comments", json=form(**fields), headers=SITE_HEADERS)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["id"])


def drain(client: TestClient) -> None:
    """Let the app's worker push everything that is due."""
    client.app.state.service.worker.drain()


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (the service binds it right after)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_service(
    repo: Path, spool: Path, port: int, *extra: str, log: Path | None = None
) -> subprocess.Popen[bytes]:
    """``comment-intake`` in a child process on 127.0.0.1 (stop it with .kill())."""
    cmd = command(repo, "origin", port, spool, "--log-level", "warning", *extra)
    out = log.open("ab") if log else subprocess.DEVNULL
    return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)


def wait_healthy(base: str, timeout: float = 30.0) -> dict:
    """Poll /health until the service answers; its JSON."""
    import time

    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            answer = httpx.get(base + "/health", timeout=2)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{base} did not start")
        time.sleep(0.1)


def run_invoke(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """``invoke`` with this project's tasks, run in ``cwd`` (a site clone).

    Output is captured; the GitHub step summary is left out so that a task run
    inside CI does not write into the job's summary.
    """
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_STEP_SUMMARY"}
    return subprocess.run(
        [sys.executable, "-m", "invoke", "-r", str(ROOT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**env, "PYTHONUTF8": "1"},
    )


def invoke_task_names() -> set[str]:
    """Every task ``invoke --list`` shows (``comments.approve``, ``build`` …).

    Names are indented by two spaces; wrapped help lines by more.
    """
    listed = run_invoke("--list")
    assert listed.returncode == 0, listed.stdout + listed.stderr
    return set(re.findall(r"^ {2}([\w.-]+)", listed.stdout, flags=re.M))


class LoopbackClient:
    """A keep-alive HTTP/1.1 connection for one load-generating thread.

    Plain ``http.client``: on two cores an asyncio HTTP client spends more CPU
    than the service it measures.
    """

    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.port = port
        self.timeout = timeout
        self._conn: object | None = None

    def post_json(
        self, path: str, payload: dict, headers: dict[str, str] | None = None
    ) -> tuple[int, dict]:
        """POST JSON; (status, JSON answer). Raises OSError when the service is down."""
        import http.client
        import json

        if self._conn is None:
            self._conn = http.client.HTTPConnection(
                "127.0.0.1", self.port, timeout=self.timeout
            )
        conn = self._conn
        try:
            conn.request(
                "POST",
                path,
                body=json.dumps(payload).encode(),  # type: ignore[attr-defined]
                headers={"Content-Type": "application/json", **(headers or {})},
            )
            answer = conn.getresponse()  # type: ignore[attr-defined]
            data = answer.read()
        except (OSError, http.client.HTTPException) as exc:
            conn.close()  # type: ignore[attr-defined]
            self._conn = None
            raise OSError(str(exc)) from exc
        return answer.status, json.loads(data) if data else {}
