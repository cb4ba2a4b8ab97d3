"""The one module that runs git: a thin typed wrapper over the git command line.

The worker builds comment branches in a private bare repository with
``git fast-import`` (one process for a whole batch, no work tree at all) and
pushes them in one ``git push``; the moderation tasks merge and delete branches
in a temporary work tree. The site's own working tree is never written by the
worker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

#: A git that waits for a terminal or an editor would hang a service.
_ENV = {
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_EDITOR": "true",
    "GIT_MERGE_AUTOEDIT": "no",
    "LC_ALL": "C",
}


class GitError(RuntimeError):
    """A git command failed; the message holds the command and git's own words."""


@dataclass(frozen=True, slots=True)
class NewBranch:
    """One comment branch to create: one file, one commit."""

    branch: str
    path: str
    content: str
    message: str
    timestamp: int  # UNIX seconds: the commit is the same for the same submission


@dataclass(frozen=True, slots=True)
class PushResult:
    ok: frozenset[str]  # branch names now on the remote
    failed: dict[str, str]  # branch name → git's reason


class Git:
    """Git commands in one repository (bare or with a work tree)."""

    def __init__(self, path: Path, *, timeout: float = 120.0) -> None:
        self.path = path
        self.timeout = timeout

    def run(
        self,
        *args: str,
        input: str | bytes | None = None,
        check: bool = True,
        env: dict[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        data = input.encode("utf-8") if isinstance(input, str) else input
        try:
            proc = subprocess.run(
                ["git", *args],
                cwd=self.path,
                input=data,
                capture_output=True,
                timeout=self.timeout,
                env={**os.environ, **_ENV, **(env or {})},
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise GitError(f"git {' '.join(args[:3])}: {exc}") from exc
        result = subprocess.CompletedProcess(
            proc.args,
            proc.returncode,
            proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace"),
        )
        if check and proc.returncode != 0:
            raise GitError(
                f"git {' '.join(args[:4])} failed ({proc.returncode}): "
                f"{result.stderr.strip()[-1500:]}"
            )
        return result

    def out(self, *args: str) -> str:
        return self.run(*args).stdout.strip()

    # --- the worker's side ----------------------------------------------------------

    def init_bare(self) -> None:
        """Create the private bare repository once."""
        if not (self.path / "HEAD").exists():
            self.path.mkdir(parents=True, exist_ok=True)
            self.run("init", "--quiet", "--bare")

    def remote_url(self, remote: str) -> str:
        """A remote name of this repository as its URL; a URL or path as given."""
        names = self.out("remote").split()
        if remote in names:
            url = self.out("remote", "get-url", remote)
        else:
            url = remote
        if "://" not in url and not url.startswith("git@"):
            candidate = (self.path / url) if not Path(url).is_absolute() else Path(url)
            if candidate.exists():
                url = str(candidate.resolve())
        return url

    def fetch_ref(self, source: str, ref: str, into: str) -> str | None:
        """Fetch ``ref`` from ``source`` into ``into``; its commit, or None if absent."""
        result = self.run(
            "fetch",
            "--quiet",
            "--no-tags",
            "--no-write-fetch-head",
            source,
            f"+{ref}:{into}",
            check=False,
        )
        if result.returncode != 0:
            return None
        return self.rev(into)

    def rev(self, ref: str) -> str | None:
        result = self.run(
            "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False
        )
        return result.stdout.strip() or None

    def branches(self, prefix: str = "comments/") -> dict[str, str]:
        """Local branches under ``prefix`` with their commits."""
        text = self.out(
            "for-each-ref",
            "--format=%(refname:strip=2) %(objectname)",
            f"refs/heads/{prefix}",
        )
        return dict(line.split(" ", 1) for line in text.splitlines() if line)

    def create_branches(
        self,
        branches: Sequence[NewBranch],
        base: str | None,
        committer: str,
        email: str,
    ) -> None:
        """Create every branch in one ``git fast-import`` run.

        Each commit is ``base`` plus one file. An existing branch is left as it is
        (fast-import refuses to move a branch that does not contain the new tip).
        """
        if not branches:
            return
        chunks: list[bytes] = []
        for item in branches:
            message = item.message.encode("utf-8")
            content = item.content.encode("utf-8")
            chunks.append(
                f"commit refs/heads/{item.branch}\n"
                f"committer {committer} <{email}> {item.timestamp} +0000\n".encode()
            )
            chunks.append(b"data %d\n" % len(message) + message + b"\n")
            if base:
                chunks.append(f"from {base}\n".encode())
            chunks.append(f"M 100644 inline {item.path}\n".encode())
            chunks.append(b"data %d\n" % len(content) + content + b"\n\n")
        chunks.append(b"done\n")
        self.run("fast-import", "--quiet", "--done", input=b"".join(chunks))

    def push(
        self, url: str, branches: Iterable[str], options: Sequence[str] = ()
    ) -> PushResult:
        """Push branches in one ``git push``; per-branch results via ``--porcelain``."""
        names = list(branches)
        if not names:
            return PushResult(frozenset(), {})
        args = ["push", "--porcelain"]
        for option in options:
            args += ["-o", option]
        args += [url, *(f"refs/heads/{n}:refs/heads/{n}" for n in names)]
        result = self.run(*args, check=False)
        ok: set[str] = set()
        failed: dict[str, str] = {}
        for line in result.stdout.splitlines():
            parts = line.split("\t")
            if len(parts) < 3 or ":" not in parts[1]:
                continue
            flag, refs, summary = parts[0], parts[1], parts[2]
            name = refs.split(":", 1)[1].removeprefix("refs/heads/")
            if name not in names:
                continue
            if flag in (" ", "*", "=", "+"):
                ok.add(name)
            else:
                failed[name] = summary
        reason = result.stderr.strip()[-500:] or "push failed"
        for name in names:
            if name not in ok and name not in failed:
                failed[name] = reason
        return PushResult(frozenset(ok), failed)

    def remote_blob(self, url: str, branch: str, path: str) -> str | None:
        """The text of ``path`` on a remote branch, or None (no branch, no file)."""
        commit = self.fetch_ref(url, f"refs/heads/{branch}", "refs/intake/check")
        if commit is None:
            return None
        result = self.run("show", f"{commit}:{path}", check=False)
        return result.stdout if result.returncode == 0 else None

    # --- the moderator's side ---------------------------------------------------

    def remote_branches(self, remote: str, prefix: str = "comments/") -> dict[str, str]:
        """Branches under ``prefix`` on a remote (as last fetched), with commits."""
        text = self.out(
            "for-each-ref",
            "--format=%(refname) %(objectname)",
            f"refs/remotes/{remote}/{prefix}",
        )
        start = len(f"refs/remotes/{remote}/")
        return {
            ref[start:]: sha
            for ref, sha in (ln.split(" ", 1) for ln in text.splitlines() if ln)
        }

    def fetch(self, remote: str) -> None:
        self.run("fetch", "--quiet", "--prune", "--no-tags", remote)

    def changed_files(self, base: str, head: str) -> list[tuple[str, str]]:
        """``(status, path)`` of each file a branch changes against its merge base."""
        text = self.out("diff", "--name-status", "--no-renames", f"{base}...{head}")
        rows = []
        for line in text.splitlines():
            status, _, path = line.partition("\t")
            rows.append((status[:1], path))
        return rows

    def show(self, rev: str, path: str) -> str | None:
        result = self.run("show", f"{rev}:{path}", check=False)
        return result.stdout if result.returncode == 0 else None

    def commit_time(self, rev: str) -> int:
        return int(self.out("log", "-1", "--format=%ct", rev))

    def list_tree(self, rev: str, folder: str) -> list[str]:
        """Paths of the files under ``folder`` in ``rev``."""
        text = self.out("ls-tree", "-r", "--name-only", rev, "--", folder)
        return [ln for ln in text.splitlines() if ln]

    def delete_remote_branch(self, remote: str, branch: str) -> None:
        self.run("push", "--quiet", remote, f":refs/heads/{branch}")
        self.run("update-ref", "-d", f"refs/remotes/{remote}/{branch}", check=False)

    def current_branch(self) -> str | None:
        result = self.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False)
        return result.stdout.strip() or None

    def is_clean(self) -> bool:
        return not self.out("status", "--porcelain", "--untracked-files=no")

    def in_worktree(self, rev: str) -> TempWorktree:
        """A detached temporary work tree at ``rev`` (removed when the block ends)."""
        return TempWorktree(self, rev)


class TempWorktree:
    """``git worktree add`` in a temporary folder: merges never touch your tree."""

    def __init__(self, repo: Git, rev: str) -> None:
        self.repo = repo
        self.rev = rev
        self._tmp = Path(tempfile.mkdtemp(prefix="diskurs-moderate-"))
        self.git = Git(self._tmp / "tree", timeout=repo.timeout)

    def __enter__(self) -> Git:
        self.repo.run(
            "worktree", "add", "--quiet", "--detach", str(self.git.path), self.rev
        )
        return self.git

    def __exit__(self, *exc: object) -> None:
        self.repo.run("worktree", "remove", "--force", str(self.git.path), check=False)
        shutil.rmtree(self._tmp, ignore_errors=True)
        self.repo.run("worktree", "prune", check=False)
