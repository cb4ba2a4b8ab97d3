"""A reader's submission: parsed from a form post or JSON, checked, and written as
the YAML file the contract describes.

Every content rule comes from the shared comment model (``comments.check``); this
module adds only what is about the request: which fields exist, that the post
takes comments, that the parent exists, consent, and how the file is written.
The e-mail address is accepted and dropped here: it never reaches the spool or
the repository.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from urllib.parse import parse_qsl

from comments.check import check_comment
from comments.model import Comment
from sitekit.problems import Problem
from sitekit.yamlfile import YamlError, YamlMap, read_text

from .site import SLUG, Post

#: Every field the endpoint knows; anything else is refused.
FIELDS = frozenset(
    {
        "post",
        "author",
        "body",
        "parent",
        "website",
        "email",
        "consent",
        "lang",
        "return",
        "homepage",
        "altcha",
    }
)
HONEYPOT = "homepage"
#: Fields of one line: a line break here is an injection attempt, never a typo.
SINGLE_LINE = (
    "post",
    "author",
    "parent",
    "website",
    "email",
    "lang",
    "return",
    "altcha",
)
_LINE_BREAKS = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029]")
_BODY_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s.]{2,63}")
_LINK = re.compile(r"(?i)(?:\bhttps?://|\bwww\.|\bmailto:)")
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
TRUE_WORDS = frozenset({"on", "yes", "true", "1", "ja"})


class BadRequest(ValueError):
    """The request itself is broken (not a form, not UTF-8, a field twice)."""


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field, as an English msgid and its parameters."""

    field: str
    msgid: str
    params: tuple[tuple[str, object], ...] = ()

    def english(self) -> str:
        return self.msgid % dict(self.params) if self.params else self.msgid


@dataclass(frozen=True, slots=True)
class Draft:
    """A checked submission, not yet numbered: what the spool will keep."""

    slug: str
    author: str
    body: str
    parent: str | None
    website: str | None
    lang: str | None
    return_url: str | None


# --- parsing -------------------------------------------------------------------


def parse_form(data: bytes) -> dict[str, str]:
    """``application/x-www-form-urlencoded`` bytes to fields; strict UTF-8."""
    try:
        text = data.decode("ascii")
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            encoding="utf-8",
            errors="strict",
            max_num_fields=len(FIELDS) + 2,
        )
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadRequest("the form is not valid UTF-8 form data") from exc
    return _fields(pairs)


def parse_json(data: bytes) -> dict[str, str]:
    """A JSON object of strings (``consent`` may be a boolean) to fields."""
    try:
        value = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadRequest("the body is not valid UTF-8 JSON") from exc
    if not isinstance(value, dict):
        raise BadRequest("the JSON body must be an object of fields")
    pairs: list[tuple[str, str]] = []
    for key, item in value.items():
        if item is None:
            continue
        if isinstance(item, bool):
            item = "true" if item else ""
        if not isinstance(item, str):
            raise BadRequest(f"the field '{str(key)[:40]}' must be text")
        pairs.append((key, item))
    return _fields(pairs)


def _fields(pairs: list[tuple[str, str]]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for key, value in pairs:
        if key not in FIELDS:
            raise BadRequest(f"unknown field '{key[:40]}'")
        if key in fields:
            raise BadRequest(f"the field '{key}' was sent twice")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:  # lone surrogates from JSON escapes
            raise BadRequest(f"the field '{key}' is not valid Unicode text") from exc
        fields[key] = value
    return fields


# --- checking --------------------------------------------------------------------


def count_links(text: str) -> int:
    """Links a reader wrote: URLs, www. addresses and mailto."""
    return len(_LINK.findall(text))


def normalize_body(body: str) -> str:
    """Line breaks as ``\\n``; no blank lines at the start, no whitespace at the end."""
    return body.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").rstrip()


def check_fields(
    fields: Mapping[str, str],
    posts: Mapping[str, Post],
    *,
    zone: tzinfo,
    max_links: int,
    now: datetime | None = None,
) -> tuple[Draft | None, list[FieldError]]:
    """Check the fields against the site and the comment model."""
    errors: list[FieldError] = []
    for key in SINGLE_LINE:
        if _LINE_BREAKS.search(fields.get(key, "")):
            errors.append(
                FieldError(
                    key, "This field may not contain line breaks or control characters."
                )
            )
    if _BODY_CONTROLS.search(fields.get("body", "")):
        errors.append(
            FieldError(
                "body", "The comment contains control characters; please remove them."
            )
        )
    if errors:
        return None, errors

    slug = fields.get("post", "").strip()
    post = posts.get(slug) if SLUG.fullmatch(slug) else None
    if not slug:
        errors.append(
            FieldError("post", "The form does not say which post you comment on.")
        )
    elif post is None:
        errors.append(
            FieldError(
                "post",
                "There is no post with the address %(slug)s.",
                (("slug", slug[:100]),),
            )
        )
    elif not post.open:
        errors.append(FieldError("post", "Comments on this post are closed."))

    parent = fields.get("parent", "").strip() or None
    if parent is not None and post is not None and parent not in post.comment_ids:
        errors.append(
            FieldError("parent", "The comment you answer does not exist (any more).")
        )
        parent = None

    if fields.get("consent", "").strip().lower() not in TRUE_WORDS:
        errors.append(FieldError("consent", "Please agree to the privacy notice."))

    email = fields.get("email", "").strip()
    if email and (len(email) > 254 or not _EMAIL.fullmatch(email)):
        errors.append(FieldError("email", "This e-mail address does not look right."))

    body = normalize_body(fields.get("body", ""))
    links = count_links(body)
    if links > max_links:
        errors.append(
            FieldError(
                "body",
                "Your comment has %(num)d links; at most %(max)d are allowed.",
                (("num", links), ("max", max_links)),
            )
        )

    website = fields.get("website", "").strip() or None
    record: dict[str, str] = {
        "author": fields.get("author", ""),
        "date": (now or datetime.now(UTC))
        .astimezone(zone)
        .isoformat(timespec="seconds"),
        "body": body,
    }
    if website:
        record["website"] = website
    if parent and SLUG.fullmatch(slug):
        record["parent"] = parent
    comment, problems = check_comment(
        record,
        path=f"{slug or 'post'}/new.yaml",
        timezone=zone,
        default_id="new",
        allow_role=False,
    )
    errors.extend(model_error(p) for p in problems)
    if errors or not isinstance(comment, Comment):
        return None, errors
    return Draft(
        slug=slug,
        author=comment.author,
        body=body,
        parent=comment.parent,
        website=comment.website,
        lang=fields.get("lang") or None,
        return_url=fields.get("return") or None,
    ), []


#: The model's English messages, matched to the msgids pages translate.
_MODEL_MESSAGES: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("author", re.compile(r"the author is (missing|empty)"), "Please enter your name."),
    (
        "author",
        re.compile(r"the author has (?P<num>\d+) characters, more than (?P<max>\d+)"),
        "Your name has %(num)d characters; at most %(max)d are allowed.",
    ),
    ("body", re.compile(r"the body is (missing|empty)"), "Please write a comment."),
    (
        "body",
        re.compile(r"the body has (?P<num>\d+) characters, more than (?P<max>\d+)"),
        "Your comment has %(num)d characters; at most %(max)d are allowed.",
    ),
    (
        "website",
        re.compile(r".*"),
        "Please enter a full web address that starts with https:// (or leave the field empty).",
    ),
    ("parent", re.compile(r".*"), "The comment you answer does not exist (any more)."),
)


def model_error(problem: Problem) -> FieldError:
    """A model problem as a translatable field error (its own text where unknown)."""
    for field, pattern, msgid in _MODEL_MESSAGES:
        if problem.field == field:
            match = pattern.search(problem.message)
            if match:
                params = tuple((k, int(v)) for k, v in match.groupdict().items())
                return FieldError(field, msgid, params)
    text = problem.message + (f" ({problem.hint})" if problem.hint else "")
    return FieldError(problem.field, text.replace("%", "%%"))


# --- numbering and writing --------------------------------------------------------


def new_id(received: datetime) -> str:
    """``20170503T071200Z-k3f9``: UTC receipt time and a short random suffix."""
    suffix = "".join(secrets.choice(_ID_ALPHABET) for _ in range(4))
    return f"{received.astimezone(UTC):%Y%m%dT%H%M%SZ}-{suffix}"


def file_path(comments_root: str, slug: str, comment_id: str) -> str:
    return f"{comments_root}/{slug}/{comment_id}.yaml"


def branch_name(slug: str, comment_id: str) -> str:
    return f"comments/{slug}/{comment_id}"


def _needs_escape(ch: str) -> bool:
    code = ord(ch)
    return (
        code < 0x20
        or 0x7F <= code <= 0x9F
        or 0xD800 <= code <= 0xDFFF
        or ch in "\u2028\u2029\ufeff\ufffe\uffff"
    )


def yaml_quoted(text: str) -> str:
    """A double-quoted YAML scalar that reads back as exactly ``text``."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif _needs_escape(ch):
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def _literal_block(body: str) -> str | None:
    """``|`` block for a readable diff, or None where only quoting is exact."""
    if not body or any(_needs_escape(ch) for ch in body if ch not in "\n\t"):
        return None
    lines = body.split("\n")
    if lines[0].startswith((" ", "\t")) or any(ln.startswith("\t") for ln in lines):
        return None
    return "|\n" + "\n".join(("  " + ln) if ln else "" for ln in lines)


def render_yaml(draft: Draft, received: datetime, zone: tzinfo) -> str:
    """The file the intake writes; checked by reading it back with the model."""
    date = received.astimezone(zone).isoformat(timespec="seconds")
    head = [f"author: {yaml_quoted(draft.author)}", f"date: {yaml_quoted(date)}"]
    if draft.parent:
        head.append(f"parent: {yaml_quoted(draft.parent)}")
    if draft.website:
        head.append(f"website: {yaml_quoted(draft.website)}")
    block = _literal_block(draft.body)
    for body in ([block] if block else []) + [yaml_quoted(draft.body)]:
        text = "\n".join([*head, f"body: {body}"]) + "\n"
        if _reads_back(text, draft, zone):
            return text
    raise ValueError("the comment cannot be written as YAML that reads back the same")


def _reads_back(text: str, draft: Draft, zone: tzinfo) -> bool:
    try:
        root = read_text(text)
    except YamlError:
        return False
    if not isinstance(root, YamlMap):
        return False
    comment, problems = check_comment(
        root, path="check.yaml", timezone=zone, default_id="check", allow_role=False
    )
    return (
        isinstance(comment, Comment)
        and not problems
        and comment.body.rstrip("\n") == draft.body
        and comment.author == draft.author
        and comment.parent == draft.parent
        and comment.website == draft.website
    )
