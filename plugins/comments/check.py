"""Every rule of CONTENT-FORMATS.md for one comment, written once.

Used by the Pelican plugin, ``invoke check``, the importers and the intake
service. A field is read as the text written; each broken rule becomes a
``Problem`` that names the file, the line and the field and says what to do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
import re
from urllib.parse import urlsplit

from sitekit.markup import plain_text
from sitekit.problems import Problem

from .model import ROLES, STATUSES, Broken, Comment

FIELDS = ("id", "author", "date", "body", "parent", "website", "role", "status")
ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,100}")
MAX_AUTHOR = 100
MAX_BODY = 20_000
MAX_URL = 2_000


def parse_date(text: str, timezone: tzinfo) -> datetime:
    """ISO 8601 to an aware datetime; without a zone it is read in ``timezone``."""
    value = text.strip()
    if value.endswith(("z", "Z")):
        value = value[:-1] + "+00:00"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone)
    return parsed


def check_url(text: str) -> str | None:
    """Why ``text`` is not an acceptable http(s) URL, or None when it is."""
    if len(text) > MAX_URL:
        return f"the URL has {len(text)} characters, more than {MAX_URL}"
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        return "a URL may not contain spaces or control characters"
    try:
        parts = urlsplit(text)
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return "only http and https URLs are allowed"
    if not parts.hostname:
        return "the URL has no host"
    return None


def check_comment(
    data: Mapping[str, object],
    *,
    path: str,
    timezone: tzinfo,
    default_id: str | None = None,
    allow_role: bool = True,
) -> tuple[Comment | Broken | None, list[Problem]]:
    """Check one comment mapping against the contract.

    Returns the ``Comment`` and no problems, or a ``Broken`` (when at least its
    id is known, so that its replies can move up) or None, with the problems.
    ``allow_role=False`` is for the intake service: a reader never sets a badge.
    """
    line_of = getattr(data, "line_of", None)
    own_line = getattr(data, "line", None)

    def at(key: str) -> int | None:
        return line_of(key) if line_of else own_line

    problems: list[Problem] = []

    def fail(key: str, message: str, hint: str = "") -> None:
        problems.append(Problem(path, at(key), key, message, hint))

    def text(key: str) -> str | None:
        value = data.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            fail(key, "must be text, not a list or mapping", "write it on one line")
            return None
        return value

    for key in data:
        if key not in FIELDS:
            fail(
                str(key),
                f"unknown field '{key}'",
                "allowed are " + ", ".join(FIELDS),
            )

    comment_id = text("id")
    if comment_id is None and "id" not in data:
        comment_id = default_id
        if comment_id is None:
            fail("id", "a comment in a list needs an id", "add 'id: <unique-name>'")
    if comment_id is not None and not ID_PATTERN.fullmatch(comment_id):
        fail(
            "id",
            f"'{comment_id[:120]}' is not a valid id",
            "use 1 to 100 of the characters A-Z a-z 0-9 . _ -",
        )
        comment_id = None

    parent = text("parent")
    if parent is not None and not ID_PATTERN.fullmatch(parent):
        fail("parent", f"'{parent[:120]}' is not a valid comment id", "name the id of the comment this one answers")
        parent = None
    if parent is not None and parent == comment_id:
        fail("parent", "a comment cannot answer itself", "name another comment's id")
        parent = None

    status = text("status")
    if status is not None and status not in STATUSES:
        fail("status", f"unknown status '{status}'", "the only status is 'removed'")
        status = None
    removed = status == "removed"

    author_raw = text("author")
    author = plain_text(author_raw) if author_raw is not None else ""
    if author_raw is None and not removed and "author" not in [p.field for p in problems]:
        fail("author", "the author is missing", "add 'author: <name>'")
    elif author_raw is not None and not author:
        fail("author", "the author is empty", "write the commenter's name")
    elif len(author) > MAX_AUTHOR:
        fail("author", f"the author has {len(author)} characters, more than {MAX_AUTHOR}", "shorten the name")

    date_raw = text("date")
    date: datetime | None = None
    if date_raw is None:
        if "date" not in [p.field for p in problems]:
            fail("date", "the date is missing", "add 'date: 2017-05-03T09:12:00+02:00'")
    else:
        try:
            date = parse_date(date_raw, timezone)
        except ValueError:
            fail("date", f"'{date_raw[:60]}' is not an ISO 8601 date", "write it like 2017-05-03T09:12:00+02:00")

    body = text("body")
    if body is None:
        if not removed and "body" not in [p.field for p in problems]:
            fail("body", "the body is missing", "add 'body: |' and the text below it")
        body = ""
    elif len(body) > MAX_BODY:
        fail("body", f"the body has {len(body)} characters, more than {MAX_BODY}", "shorten the comment")
    elif not body.strip() and not removed:
        fail("body", "the body is empty", "write the comment's text")

    website = text("website")
    if website is not None:
        website = website.strip()
        reason = check_url(website)
        if reason:
            fail("website", reason, "write a full URL like https://example.org/")
            website = None

    role = text("role")
    if role is not None:
        if not allow_role:
            fail("role", "a badge cannot be claimed by a submission", "only a moderator sets 'role' in the repository")
        elif role not in ROLES:
            fail("role", f"unknown role '{role}'", "use 'author' or 'moderator'")

    if problems:
        return (Broken(comment_id, parent, path) if comment_id else None), problems
    assert date is not None and comment_id is not None
    return (
        Comment(
            id=comment_id,
            author=author,
            date=date,
            body=body,
            path=path,
            line=own_line,
            parent=parent,
            website=website,
            role=role,
            status=status,
        ),
        [],
    )
