"""Every rule of CONTENT-FORMATS.md for one comment, written once.

Used by the Pelican plugin, ``invoke check``, the importers and the intake
service. A field is read as the text written; each broken rule becomes a
``Problem`` that names the file, the line and the field and says what to do.
Rules that need the whole thread (unique ids, parents, cycles) live in
``load`` and ``thread``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from urllib.parse import urlsplit

from sitekit.markup import plain_text
from sitekit.problems import Problem

from .model import ROLES, STATUSES, Broken, Comment

FIELDS = ("id", "author", "date", "body", "parent", "website", "role", "status")
ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,100}")
MAX_AUTHOR = 100
MAX_BODY = 20_000
#: Longer than any real homepage address; keeps pages and feeds small.
MAX_URL = 2_000
#: Bidi embeddings, overrides and isolates: in a name they would reorder the
#: text that follows it on the page ("Trojan source" spoofing).
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")
#: How much of a bad value a message quotes.
_QUOTE = 60


def shown(value: object, limit: int = _QUOTE) -> str:
    """A value quoted in a message: one line, controls removed, cut to ``limit``."""
    text = plain_text(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def parse_date(text: str, timezone: tzinfo) -> datetime:
    """ISO 8601 to an aware datetime; without a zone it is read in ``timezone``.

    Raises ValueError for anything ``datetime.fromisoformat`` cannot read
    (Python 3.11 reads the extended and the basic forms, ``Z`` included).
    """
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
    # Every space and control character but " " is not printable: one C loop
    # clears a usual address, the character test runs only on the rest.
    if not (text.isprintable() and " " not in text) and any(
        ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in text
    ):
        return "a URL may not contain spaces or control characters"
    try:
        parts = urlsplit(text)
    except ValueError:
        return "not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        return f"only http and https URLs are allowed, not '{shown(parts.scheme, 20)}:'"
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

    ``data`` is a ``sitekit.yamlfile.YamlMap`` (which knows the line of each
    key) or any mapping of field names to text. Returns the ``Comment`` and no
    problems, or a ``Broken`` (when at least its id is known, so that its
    replies can move up) or None, with every problem found, not just the
    first. ``default_id`` is the file name for a one-comment file.
    ``allow_role=False`` is for the intake service: a reader never sets a badge.
    """
    line_of: Callable[[str], int] | None = getattr(data, "line_of", None)
    own_line: int | None = getattr(data, "line", None)
    problems: list[Problem] = []
    failed: set[str] = set()

    def fail(key: str, message: str, hint: str = "") -> None:
        line = line_of(key) if line_of is not None else own_line
        problems.append(Problem(path, line, key, message, hint))
        failed.add(key)

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
                shown(key, 40),
                f"unknown field '{shown(key, 40)}'",
                "allowed are " + ", ".join(FIELDS),
            )

    status = text("status")
    if status is not None and status not in STATUSES:
        fail(
            "status",
            f"unknown status '{shown(status)}'",
            "the only status is 'removed'",
        )
        status = None
    removed = status == "removed"

    comment_id = _check_id(data, text("id"), default_id, fail, failed)
    parent = text("parent")
    if parent is not None and not ID_PATTERN.fullmatch(parent):
        fail(
            "parent",
            f"'{shown(parent)}' is not a valid comment id",
            "name the id of the comment this one answers",
        )
        parent = None
    if parent is not None and parent == comment_id:
        fail("parent", "a comment cannot answer itself", "name another comment's id")
        parent = None

    author = _check_author(text("author"), removed, fail, failed)

    date_raw = text("date")
    date: datetime | None = None
    if date_raw is None:
        if "date" not in failed:
            fail("date", "the date is missing", "add 'date: 2017-05-03T09:12:00+02:00'")
    else:
        try:
            date = parse_date(date_raw, timezone)
        except ValueError:
            fail(
                "date",
                f"'{shown(date_raw)}' is not an ISO 8601 date",
                "write it like 2017-05-03T09:12:00+02:00",
            )

    body = text("body")
    if body is None:
        if not removed and "body" not in failed:
            fail("body", "the body is missing", "add 'body: |' and the text below it")
        body = ""
    elif len(body) > MAX_BODY:
        fail(
            "body",
            f"the body has {len(body)} characters, more than {MAX_BODY}",
            "shorten the comment or split it in two",
        )
    elif not removed and (not body or body.isspace()):  # ``strip()`` copies it
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
            fail(
                "role",
                "a badge cannot be claimed by a submission",
                "only a moderator sets 'role' in the repository",
            )
        elif role not in ROLES:
            fail("role", f"unknown role '{shown(role)}'", "use 'author' or 'moderator'")

    if problems or date is None or comment_id is None:
        if comment_id is None:
            return None, problems
        return Broken(comment_id, parent, path, own_line), problems
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
            parent_line=line_of("parent")
            if line_of is not None and parent
            else own_line,
        ),
        [],
    )


def _check_id(
    data: Mapping[str, object],
    written: str | None,
    default_id: str | None,
    fail: Callable[..., None],
    failed: set[str],
) -> str | None:
    """The comment's id: as written, or the file name for a one-comment file."""
    if written is None:
        if "id" in failed:
            return None
        if "id" in data:
            fail("id", "the id is empty", "write an id, or remove the line")
            return None
        if default_id is None:
            fail("id", "a comment in a list needs an id", "add 'id: <unique-name>'")
            return None
        if not ID_PATTERN.fullmatch(default_id):
            fail(
                "id",
                f"the file name '{shown(default_id)}' is not a valid id",
                "rename the file or add 'id:' using 1 to 100 of A-Z a-z 0-9 . _ -",
            )
            return None
        return default_id
    if not ID_PATTERN.fullmatch(written):
        fail(
            "id",
            f"'{shown(written)}' is not a valid id",
            "use 1 to 100 of the characters A-Z a-z 0-9 . _ -",
        )
        return None
    return written


def _check_author(
    written: str | None, removed: bool, fail: Callable[..., None], failed: set[str]
) -> str:
    """The display name as plain text; a removed comment may have none."""
    if written is None:
        if not removed and "author" not in failed:
            fail("author", "the author is missing", "add 'author: <name>'")
        return ""
    author = _BIDI.sub("", plain_text(written))
    if not author and not removed:
        fail("author", "the author is empty", "write the commenter's name")
    elif len(author) > MAX_AUTHOR:
        fail(
            "author",
            f"the author has {len(author)} characters, more than {MAX_AUTHOR}",
            "shorten the name",
        )
    return author
