"""WordPress comments of one post to checked comment files in our format.

Decides which comments come along (approved comments; pingbacks and
trackbacks only when asked), re-attaches replies whose parent stays behind to
the nearest ancestor that comes along, and validates every file with the
shared comment model (``check_comment``, ``load_thread``, ``build_thread``)
before it may be written. A comment that fails is reported with its field and
left out; its replies move up in its place, exactly as a build would show them.
"""

from __future__ import annotations

import html
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path

from comments.check import MAX_AUTHOR, check_url
from comments.load import load_thread
from comments.model import Comment
from comments.thread import build_thread
from sitekit.markup import plain_text, render_markdown
from sitekit.problems import Problem

from .convert import differs, to_markdown
from .wordpress import WpComment
from .wpautop import prepare
from .writer import Planned, comment_yaml

#: Why a WordPress comment stays behind, by ``comment_approved`` value.
_NOT_APPROVED = {
    "0": "unapproved",
    "spam": "spam",
    "trash": "trash",
    "post-trashed": "trash",
}
PINGS = ("pingback", "trackback")


@dataclass(frozen=True, slots=True)
class ThreadOptions:
    """The choices that change which comments come along and how they read."""

    timezone: tzinfo = UTC  # for the rare comment without a GMT date
    include_pingbacks: bool = False
    anonymous: str = "Anonym"
    author_user_id: str = ""  # the post author's WordPress user id, for role: author


@dataclass
class ThreadResult:
    """The files of one thread, and what was left out and why."""

    files: list[Planned] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def comment_id(wp: WpComment) -> str:
    return f"wp-{wp.comment_id}"


def skip_reason(wp: WpComment, *, include_pingbacks: bool) -> str:
    """Why this comment is not imported, or '' when it is."""
    if wp.approved != "1":
        return _NOT_APPROVED.get(wp.approved, "unapproved")
    if wp.kind in PINGS:
        return "" if include_pingbacks else wp.kind
    if wp.kind != "comment":
        return f"type {wp.kind}"
    return ""


def comment_body(raw: str) -> str:
    """A comment's HTML as Markdown that the comment renderer reads the same way."""
    prepared = prepare(raw)
    plain = to_markdown(prepared, escape_misc=False, comment=True)
    if not differs_in_text(prepared, plain):
        return plain
    return to_markdown(prepared, escape_misc=True, comment=True)


def differs_in_text(prepared: str, markdown_text: str) -> bool:
    """True when the comment renderer would show other words than WordPress did."""
    reason = differs(prepared, render_markdown(markdown_text))
    return reason.startswith("the text")


def plan_thread(
    slug: str, wp_comments: tuple[WpComment, ...], options: ThreadOptions
) -> ThreadResult:
    """The checked comment files of one post, under ``comments/<slug>/``."""
    result = ThreadResult()
    by_id = {c.comment_id: c for c in wp_comments}
    wanted: dict[str, WpComment] = {}
    for wp in wp_comments:
        reason = skip_reason(wp, include_pingbacks=options.include_pingbacks)
        if not reason and wp.comment_id in wanted:
            reason = "duplicate"  # a broken export: the first one with the id wins
        if reason:
            result.skipped[reason] += 1
        else:
            wanted[wp.comment_id] = wp

    folder = f"comments/{slug}"
    fields = {
        cid: _fields(wp, options, folder, result.notes) for cid, wp in wanted.items()
    }
    parents = {
        cid: _nearest_kept(wp, by_id, wanted, slug, result.notes)
        for cid, wp in wanted.items()
    }
    # Check each file alone, then the thread as a whole; anything in error is
    # dropped and its replies move up, so repeat until nothing changes (each
    # round drops at least one comment, so this ends).
    while True:
        texts = {
            cid: comment_yaml(
                {**fields[cid], "parent": comment_id(wanted[p]) if p else ""}
            )
            for cid, p in parents.items()
        }
        bad, problems, comments = _validate(folder, texts, options.timezone)
        if not bad:
            result.comments = comments
            break
        result.problems.extend(problems)
        removed = {cid: parents.pop(cid) for cid in bad}
        result.skipped["invalid"] += len(bad)
        for cid in bad:
            fields.pop(cid)
        for other, parent in list(parents.items()):
            if parent not in removed:
                continue
            first, seen = parent, set()
            while parent in removed and parent not in seen:
                seen.add(parent)
                parent = removed[parent]
            parent = None if parent in removed else parent
            parents[other] = parent
            result.notes.append(
                f"{folder}: {comment_id(wanted[other])} answered "
                f"{comment_id(wanted[first])}, "
                "which is invalid; "
                + (
                    f"now answers {comment_id(wanted[parent])}"
                    if parent
                    else "moved to the top level"
                )
            )
    result.files = [
        Planned(f"{folder}/{comment_id(wanted[cid])}.yaml", texts[cid], "comment")
        for cid in sorted(parents, key=_numeric)
    ]
    return result


def _numeric(cid: str) -> tuple[int, str]:
    return (int(cid), cid) if cid.isdigit() else (-1, cid)


def _fields(
    wp: WpComment, options: ThreadOptions, folder: str, notes: list[str]
) -> dict[str, str]:
    """Our fields from WordPress's; e-mail and IP address are never read."""
    author = plain_text(html.unescape(wp.author)) or options.anonymous
    if wp.kind in PINGS and len(author) > MAX_AUTHOR:
        # A ping's "author" is the title of the page that linked here, not a
        # name; shortening it loses nothing the link does not still carry.
        author = author[: MAX_AUTHOR - 1].rstrip() + "…"
        notes.append(
            f"{folder}: {comment_id(wp)}: the {wp.kind}'s title was shortened to "
            f"{MAX_AUTHOR} characters"
        )
    date = wp.date
    if date is not None and date.tzinfo is None:
        date = date.replace(tzinfo=options.timezone)
    out = {
        "id": comment_id(wp),
        "author": author,
        "date": date.astimezone(UTC).isoformat() if date else "",
        "body": comment_body(wp.content).strip(),
    }
    if wp.url and check_url(wp.url) is None:
        out["website"] = wp.url
    if wp.user_id != "0" and wp.user_id == options.author_user_id:
        out["role"] = "author"
    return out


def _nearest_kept(
    wp: WpComment,
    by_id: dict[str, WpComment],
    wanted: dict[str, WpComment],
    slug: str,
    notes: list[str],
) -> str | None:
    """The WordPress id of the nearest ancestor that is imported, or None."""
    parent = wp.parent_id
    seen: set[str] = set()
    skipped: list[str] = []
    while parent != "0" and parent not in wanted:
        if parent in seen or parent not in by_id:
            if parent not in by_id:
                skipped.append(f"wp-{parent} (not in the export)")
            parent = "0"
            break
        seen.add(parent)
        skipped.append(f"wp-{parent}")
        parent = by_id[parent].parent_id
    if skipped:
        where = (
            f"now answers wp-{parent}" if parent != "0" else "moved to the top level"
        )
        notes.append(
            f"comments/{slug}: {comment_id(wp)} answered {skipped[0]}, which is not "
            f"imported; {where}"
        )
    return None if parent == "0" else parent


def _validate(
    folder: str, texts: dict[str, str], tz: tzinfo
) -> tuple[set[str], list[Problem], list[Comment]]:
    """Load the would-be files with the comment model; ids of the bad ones."""
    with tempfile.TemporaryDirectory(prefix="wp-import-") as tmp:
        staging = Path(tmp)
        paths = {}
        for cid, text in texts.items():
            path = staging / f"wp-{cid}.yaml"
            path.write_text(text, encoding="utf-8")
            paths[str(path)] = cid
        loaded = load_thread(staging, tz)
        thread, thread_problems = build_thread(loaded.comments, loaded.broken)
        problems = [*loaded.problems, *thread_problems]
        bad = {paths[p.path] for p in problems if p.path in paths}
        # Name the file where it will be, not where it was checked.
        shown = [
            Problem(
                f"{folder}/wp-{paths[p.path]}.yaml", p.line, p.field, p.message, p.hint
            )
            if p.path in paths
            else p
            for p in problems
        ]
        comments = [c for c in thread.comments if paths.get(c.path) not in bad]
    return bad, shown, comments
