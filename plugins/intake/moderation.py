"""Moderation without a forge, and the checks a forge runs on a comment pull request.

Pending comments are branches ``comments/<slug>/<id>``. Each is reviewed with the
shared model against its thread, scored for spam with named rules, and then
merged (approve), deleted (reject) or closed when stale. A file written by the
intake may never claim a ``role``: a badge is never forged by typing a name.
The GitHub and GitLab jobs call the same functions through ``invoke``.
"""

from __future__ import annotations

import html
import ipaddress
import re
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from urllib.parse import urlsplit

from comments.load import load_thread
from comments.model import Comment
from comments.thread import build_thread
from sitekit.markup import render_markdown
from sitekit.yamlfile import YamlError, YamlList, YamlMap, read_path, read_text

from .gitrepo import Git, GitError
from .submission import count_links, yaml_quoted

#: File names the intake writes: ``20170503T071200Z-k3f9.yaml``.
INTAKE_FILE = re.compile(r"\d{8}T\d{6}Z-[a-z0-9]{4,12}\.ya?ml")
BRANCH = re.compile(r"comments/([a-z0-9][a-z0-9_-]{0,99})/([A-Za-z0-9._-]{1,100})")
#: A score from here on is flagged "likely spam" in reports.
SPAM_THRESHOLD = 3
DEFAULT_SPAM_WORDS = (
    "casino",
    "viagra",
    "cialis",
    "payday loan",
    "crypto signals",
    "backlinks",
    "seo services",
    "escort",
    "forex",
    "betting tips",
)


class ModerationError(RuntimeError):
    """A moderation step that cannot be done (unknown id, failed merge)."""


# --- spam score -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Rule:
    """One spam rule that fired: its name, its points, and why."""

    name: str
    points: int
    detail: str


def spam_rules(
    comment: Comment,
    words: Iterable[str] = DEFAULT_SPAM_WORDS,
    others: Iterable[str] = (),
) -> list[Rule]:
    """The rules a comment fires; the score is the sum of their points.

    Modelled on WordPress's hold rules (links, word list) plus a few patterns
    seen in comment spam; every rule says what it saw so a moderator can judge.
    """
    fired: list[Rule] = []
    body = comment.body
    links = count_links(body)
    if links >= 2:
        fired.append(Rule("links", links - 1, f"{links} links in the text"))
    if links and len(body.strip()) < 60:
        fired.append(Rule("short-with-link", 2, "a very short text with a link"))
    lowered = f"{comment.author}\n{body}".lower()
    for word in words:
        if word.lower() in lowered:
            fired.append(Rule("word", 2, f"contains '{word}'"))
    if re.search(r"(?i)https?://|www\.|\.(com|net|ru|xyz|top)\b", comment.author):
        fired.append(Rule("author-link", 3, "the name contains a web address"))
    letters = [ch for ch in body if ch.isalpha()]
    if len(letters) >= 20 and sum(ch.isupper() for ch in letters) > 0.6 * len(letters):
        fired.append(Rule("shouting", 1, "mostly capital letters"))
    if re.search(r"(.)\1{9,}", body):
        fired.append(Rule("repeated", 1, "one character repeated ten times or more"))
    if body.strip() and not letters:
        fired.append(Rule("no-words", 1, "no letters at all"))
    if comment.website:
        host = urlsplit(comment.website).hostname or ""
        try:
            ipaddress.ip_address(host)
            fired.append(Rule("website-ip", 1, "the website is a bare IP address"))
        except ValueError:
            pass
    normalized = " ".join(body.split()).lower()
    if normalized and any(" ".join(o.split()).lower() == normalized for o in others):
        fired.append(Rule("duplicate", 3, "the same text is already in this thread"))
    return fired


# --- review of one change ------------------------------------------------------------


@dataclass
class Review:
    """What a moderator needs to know about one comment file of a change."""

    path: str
    slug: str
    from_intake: bool
    comment: Comment | None = None
    problems: list[str] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)

    @property
    def score(self) -> int:
        return sum(r.points for r in self.rules)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def likely_spam(self) -> bool:
        return self.score >= SPAM_THRESHOLD


def _role_claims(text: str) -> bool:
    try:
        root = read_text(text)
    except YamlError:
        return False
    items = root if isinstance(root, YamlList) else [root]
    return any(isinstance(i, YamlMap) and "role" in i for i in items)


def review_tree(
    git: Git,
    rev: str,
    changed: Iterable[str],
    *,
    zone: tzinfo,
    comments_root: str = "content/comments",
    words: Iterable[str] = DEFAULT_SPAM_WORDS,
) -> list[Review]:
    """Check the changed comment files of ``rev`` within their whole thread."""
    by_slug: dict[str, list[str]] = {}
    for path in changed:
        rest = path.removeprefix(comments_root + "/")
        if rest == path or "/" not in rest or not path.endswith((".yaml", ".yml")):
            continue
        by_slug.setdefault(rest.split("/", 1)[0], []).append(path)
    reviews: list[Review] = []
    for slug, paths in sorted(by_slug.items()):
        folder = f"{comments_root}/{slug}"
        with tempfile.TemporaryDirectory(prefix="diskurs-review-") as tmp:
            local = Path(tmp) / slug
            local.mkdir()
            for path in git.list_tree(rev, folder):
                if path.count("/") == folder.count("/") + 1:
                    text = git.show(rev, path) or ""
                    (local / Path(path).name).write_text(text, encoding="utf-8")
            loaded = load_thread(local, zone)
            _, thread_problems = build_thread(loaded.comments, loaded.broken)
            problems = [*loaded.problems, *thread_problems]
            for path in sorted(paths):
                name = Path(path).name
                review = Review(path, slug, bool(INTAKE_FILE.fullmatch(name)))
                text = (
                    (local / name).read_text(encoding="utf-8")
                    if (local / name).exists()
                    else ""
                )
                for problem in problems:
                    if Path(problem.path).name == name:
                        review.problems.append(
                            problem.format().replace(str(local / name), path, 1)
                        )
                if review.from_intake and _role_claims(text):
                    review.problems.append(
                        f"{path}: role: a comment from the intake may not claim a badge "
                        "(only a moderator sets 'role' in the repository)"
                    )
                mine = [c for c in loaded.comments if Path(c.path).name == name]
                others = [c.body for c in loaded.comments if Path(c.path).name != name]
                if mine:
                    review.comment = mine[0]
                    review.rules = spam_rules(mine[0], words, others)
                reviews.append(review)
    return reviews


def review_change(
    git: Git,
    base: str,
    head: str,
    *,
    zone: tzinfo,
    comments_root: str = "content/comments",
    words: Iterable[str] = DEFAULT_SPAM_WORDS,
) -> list[Review]:
    """Review the comment files a change (``base...head``) adds or modifies."""
    changed = [p for status, p in git.changed_files(base, head) if status in "AMT"]
    return review_tree(
        git, head, changed, zone=zone, comments_root=comments_root, words=words
    )


def report_markdown(reviews: list[Review]) -> str:
    """The pull request comment: each comment as it will read, its score and rules."""
    if not reviews:
        return "### Comment check\n\nNo comment files in this change.\n"
    lines = ["### Comment check", ""]
    for review in reviews:
        verdict = "✅ passes" if review.ok else "❌ fails"
        spam = " · ⚠️ likely spam" if review.likely_spam else ""
        lines += [
            f"#### `{review.path}`",
            "",
            f"**{verdict}** · spam score **{review.score}**{spam}",
            "",
        ]
        if review.comment is not None:
            c = review.comment
            meta = (
                f"<strong>{_neutral(c.author)}</strong> on <code>{review.slug}</code>"
            )
            if c.parent:
                meta += f", in reply to <code>{_neutral(c.parent)}</code>"
            if c.website:
                meta += f", website <code>{_neutral(c.website)}</code>"
            lines += [
                meta,
                "",
                "<blockquote>",
                _neutral_html(render_markdown(c.body)),
                "</blockquote>",
                "",
            ]
        for rule in review.rules:
            lines.append(f"- spam rule `{rule.name}` (+{rule.points}): {rule.detail}")
        for problem in review.problems:
            lines.append(f"- problem: {_neutral(problem)}")
        lines.append("")
    return "\n".join(lines)


def _neutral(text: str) -> str:
    """Escape for the forge's Markdown and keep @mentions from pinging anyone."""
    return html.escape(text).replace("@", "@\u200b")


def _neutral_html(markup: str) -> str:
    return re.sub(r"@(?=\w)", "@\u200b", markup)


# --- the branches ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pending:
    """One waiting comment branch."""

    branch: str
    slug: str
    id: str
    age_days: float
    reviews: tuple[Review, ...]


class Branches:
    """Comment branches on a remote (``origin``), or in this repository (remote ``.``)."""

    def __init__(self, git: Git, remote: str = "origin", base: str = "main") -> None:
        self.git = git
        self.remote = remote
        self.base_branch = base
        self.local = remote in (".", "")

    def ref(self, branch: str) -> str:
        return (
            f"refs/heads/{branch}"
            if self.local
            else f"refs/remotes/{self.remote}/{branch}"
        )

    @property
    def base(self) -> str:
        return self.ref(self.base_branch)

    def refresh(self) -> None:
        if not self.local:
            self.git.fetch(self.remote)

    def names(self) -> dict[str, str]:
        return (
            self.git.branches() if self.local else self.git.remote_branches(self.remote)
        )

    def find(self, key: str) -> str:
        """The branch of a comment id (or a full branch name)."""
        names = self.names()
        if key in names:
            return key
        matches = [b for b in names if (m := BRANCH.fullmatch(b)) and m.group(2) == key]
        if not matches:
            raise ModerationError(f"no pending comment branch for '{key}'")
        if len(matches) > 1:
            raise ModerationError(
                f"'{key}' names several branches: {', '.join(matches)}"
            )
        return matches[0]

    def pending(
        self, zone: tzinfo, words: Iterable[str] = DEFAULT_SPAM_WORDS
    ) -> list[Pending]:
        self.refresh()
        now = time.time()
        found = []
        for branch in sorted(self.names()):
            match = BRANCH.fullmatch(branch)
            if not match:
                continue
            ref = self.ref(branch)
            reviews = review_change(self.git, self.base, ref, zone=zone, words=words)
            age = (now - self.git.commit_time(ref)) / 86400
            found.append(
                Pending(branch, match.group(1), match.group(2), age, tuple(reviews))
            )
        return found

    def delete(self, branch: str) -> None:
        if self.local:
            self.git.run("branch", "--quiet", "-D", branch)
        else:
            self.git.delete_remote_branch(self.remote, branch)

    def approve(self, key: str, zone: tzinfo, *, force: bool = False) -> str:
        """Merge a comment branch into the base branch and delete it; its name."""
        self.refresh()
        branch = self.find(key)
        ref = self.ref(branch)
        reviews = review_change(self.git, self.base, ref, zone=zone)
        failing = [p for r in reviews for p in r.problems]
        if failing and not force:
            raise ModerationError("the comment fails its check:\n" + "\n".join(failing))
        message = (
            f"Approve comment {branch.rsplit('/', 1)[-1]}\n\nMerge branch '{branch}'."
        )
        checked_out = self.local and self.git.current_branch() == self.base_branch
        if checked_out:
            if not self.git.is_clean():
                raise ModerationError(f"{self.base_branch} has uncommitted changes")
            self.git.run(
                "merge", "--no-ff", "-m", message, ref, env=_identity(self.git)
            )
        else:
            with self.git.in_worktree(self.base) as tree:
                try:
                    tree.run(
                        "merge", "--no-ff", "-m", message, ref, env=_identity(self.git)
                    )
                except GitError as exc:
                    raise ModerationError(
                        f"{branch} does not merge cleanly: {exc}"
                    ) from exc
                head = tree.out("rev-parse", "HEAD")
            if self.local:
                self.git.run("update-ref", f"refs/heads/{self.base_branch}", head)
            else:
                self.git.run(
                    "push",
                    "--quiet",
                    self.remote,
                    f"{head}:refs/heads/{self.base_branch}",
                )
                self.git.run("fetch", "--quiet", self.remote, self.base_branch)
                if (
                    self.git.current_branch() == self.base_branch
                    and self.git.is_clean()
                ):
                    self.git.run(
                        "merge", "--quiet", "--ff-only", self.base, check=False
                    )
        self.delete(branch)
        return branch

    def reject(self, key: str) -> str:
        self.refresh()
        branch = self.find(key)
        self.delete(branch)
        return branch

    def stale(self, days: float, *, close: bool = False) -> list[tuple[str, float]]:
        """Branches older than ``days`` (by their commit), deleted with ``close``."""
        self.refresh()
        now = time.time()
        old = []
        for branch in sorted(self.names()):
            if not BRANCH.fullmatch(branch):
                continue
            age = (now - self.git.commit_time(self.ref(branch))) / 86400
            if age >= days:
                old.append((branch, age))
                if close:
                    self.delete(branch)
        return old


def _identity(git: Git) -> dict[str, str]:
    """A committer for merges where git has none configured (CI, fresh machines)."""
    if git.run("config", "user.name", check=False).stdout.strip():
        return {}
    return {
        "GIT_AUTHOR_NAME": "Diskurs moderation",
        "GIT_AUTHOR_EMAIL": "moderation@localhost",
        "GIT_COMMITTER_NAME": "Diskurs moderation",
        "GIT_COMMITTER_EMAIL": "moderation@localhost",
    }


# --- removing a published comment --------------------------------------------------


def remove_comment(
    comments_dir: Path, comment_id: str, zone: tzinfo, slug: str | None = None
) -> str:
    """Take a published comment down, keeping its replies in place.

    With replies it becomes a placeholder (``status: removed``, the contract's
    extension: id, parent and date stay; name, text and website go); without
    replies it is deleted. Edits the working tree; the moderator commits.
    """
    folders = (
        [comments_dir / slug]
        if slug
        else sorted(p for p in comments_dir.iterdir() if p.is_dir())
    )
    for folder in folders:
        if not folder.is_dir():
            continue
        loaded = load_thread(folder, zone)
        target = next((c for c in loaded.comments if c.id == comment_id), None)
        if target is None:
            continue
        replies = any(c.parent == comment_id for c in loaded.comments)
        path = Path(target.path)
        root = read_path(path)
        if isinstance(root, YamlMap):
            if replies:
                path.write_text(_placeholder(target, with_id=False), encoding="utf-8")
                return f"{path}: replaced by a 'comment removed' placeholder"
            path.unlink()
            return f"{path}: deleted"
        assert isinstance(root, YamlList)
        if len(root) == 1 and not replies:
            path.unlink()
            return f"{path}: deleted"
        return _edit_list(path, root, target, replies)
    raise ModerationError(f"no published comment with id '{comment_id}'")


def _placeholder(c: Comment, *, with_id: bool, indent: str = "") -> str:
    lines = [f"id: {yaml_quoted(c.id)}"] if with_id else []
    if c.parent:
        lines.append(f"parent: {yaml_quoted(c.parent)}")
    lines += [f"date: {yaml_quoted(c.date.isoformat())}", "status: removed"]
    if not with_id:
        return "\n".join(lines) + "\n"
    first, *rest = lines
    return "".join([f"{indent}- {first}\n", *(f"{indent}  {ln}\n" for ln in rest)])


def _edit_list(path: Path, root: YamlList, target: Comment, replies: bool) -> str:
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    starts = list(root.item_lines)
    index = next(
        i
        for i, item in enumerate(root)
        if isinstance(item, YamlMap) and item.get("id") == target.id
    )
    start = starts[index] - 1
    end = starts[index + 1] - 1 if index + 1 < len(starts) else len(lines)
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1  # keep blank lines between items
    indent = re.match(r"\s*", lines[start]).group(0)  # type: ignore[union-attr]
    new = _placeholder(target, with_id=True, indent=indent) if replies else ""
    lines[start:end] = [new] if new else []
    path.write_text("".join(lines), encoding="utf-8")
    what = "replaced by a 'comment removed' placeholder" if replies else "deleted"
    return f"{path}: comment '{target.id}' {what}"
