"""The intake service's settings, read once: from pelicanconf.py, then the command line.

The service never imports Pelican; it reads the site's settings file as plain
Python (it is the site owner's own file) and keeps only the keys it needs, so
the form the site shows and the service that answers it agree on one source.
"""

from __future__ import annotations

import runpy
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo


class SettingsError(ValueError):
    """A setting with a value the service cannot work with."""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``count`` requests per ``seconds``; a count of 0 switches it off."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, key: str, value: object) -> RateLimit:
        """Read ``(count, seconds)`` or ``"count/seconds"``; names the key on error."""
        try:
            if isinstance(value, str):
                count_text, seconds_text = value.split("/", 1)
                count, seconds = int(count_text), float(seconds_text)
            elif isinstance(value, (tuple, list)) and len(value) == 2:
                count, seconds = int(value[0]), float(value[1])
            else:
                raise TypeError(value)
        except (TypeError, ValueError) as exc:
            raise SettingsError(
                f"{key} = {value!r}: write it as (count, seconds), e.g. (5, 600)"
            ) from exc
        if count < 0 or seconds <= 0:
            raise SettingsError(f"{key} = {value!r}: count >= 0 and seconds > 0 needed")
        return cls(count, seconds)


@dataclass(frozen=True, slots=True)
class IntakeSettings:
    """Everything the service, its worker and its pages need to know."""

    repo: Path  # the site's working tree; posts and threads are read here
    remote: str  # a remote name of ``repo`` or a URL; branches are pushed there
    spool: Path  # SQLite file; the private git directory sits beside it
    site_url: str = ""  # SITEURL; its origin may post
    allowed_origins: tuple[str, ...] = ()  # more origins that may post
    lang: str = "de"  # DEFAULT_LANG: language of pages without a ``lang`` field
    timezone: str = "Europe/Berlin"
    base_branch: str = "main"
    content_path: str = "content"
    comments_path: str = "comments"
    close_after_days: int | None = None  # COMMENTS_CLOSE_AFTER_DAYS
    max_request_bytes: int = 65_536
    max_links: int = 3
    rate_address: RateLimit = RateLimit(5, 600)
    rate_post: RateLimit = RateLimit(30, 3600)
    pow: bool = False  # ALTCHA-style proof of work
    pow_max_number: int = 100_000
    push_options: tuple[str, ...] = ()  # e.g. GitLab's merge_request.create
    committer: str = "Diskurs intake"
    committer_email: str = "intake@localhost"
    secret: str = (
        ""  # HMAC key for receipts and challenges; random per spool when empty
    )
    trust_proxy: bool = False  # take the client address from X-Forwarded-For
    worker: bool = True  # run the git worker inside the app
    worker_batch: int = 200
    retry_base_seconds: float = 2.0
    retry_max_seconds: float = 600.0
    spam_words: tuple[str, ...] = field(default=())

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def git_dir(self) -> Path:
        """The private bare repository where the worker builds branches."""
        return self.spool.with_name(self.spool.name + ".git")

    @property
    def origins(self) -> frozenset[str]:
        """Origins that may post: SITEURL's and those configured."""
        found = {origin_of(u) for u in (self.site_url, *self.allowed_origins)}
        return frozenset(o for o in found if o)

    def with_overrides(self, **changes: Any) -> IntakeSettings:
        return replace(self, **changes)


def origin_of(url: str) -> str:
    """``scheme://host[:port]`` of an absolute URL, else the empty string."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc.lower()}"


#: pelicanconf.py key → IntakeSettings field, with a converter.
_KEYS: dict[str, tuple[str, Any]] = {
    "SITEURL": ("site_url", str),
    "DEFAULT_LANG": ("lang", str),
    "TIMEZONE": ("timezone", str),
    "COMMENTS_PATH": ("comments_path", str),
    "COMMENTS_CLOSE_AFTER_DAYS": (
        "close_after_days",
        lambda v: None if v is None else int(v),
    ),
    "INTAKE_ALLOWED_ORIGINS": ("allowed_origins", tuple),
    "INTAKE_BASE_BRANCH": ("base_branch", str),
    "INTAKE_MAX_REQUEST_BYTES": ("max_request_bytes", int),
    "INTAKE_MAX_LINKS": ("max_links", int),
    "INTAKE_POW": ("pow", bool),
    "INTAKE_POW_MAX_NUMBER": ("pow_max_number", int),
    "INTAKE_PUSH_OPTIONS": ("push_options", tuple),
    "INTAKE_COMMITTER": ("committer", str),
    "INTAKE_COMMITTER_EMAIL": ("committer_email", str),
    "INTAKE_TRUST_PROXY": ("trust_proxy", bool),
    "INTAKE_SPAM_WORDS": ("spam_words", tuple),
}


def from_mapping(
    values: Mapping[str, Any], *, repo: Path, remote: str, spool: Path
) -> IntakeSettings:
    """Settings from a pelicanconf-like mapping (unknown keys are ignored)."""
    changes: dict[str, Any] = {}
    for key, (name, convert) in _KEYS.items():
        if key in values:
            try:
                changes[name] = convert(values[key])
            except (TypeError, ValueError) as exc:
                raise SettingsError(f"{key} = {values[key]!r}: {exc}") from exc
    if "INTAKE_RATE_PER_ADDRESS" in values:
        changes["rate_address"] = RateLimit.parse(
            "INTAKE_RATE_PER_ADDRESS", values["INTAKE_RATE_PER_ADDRESS"]
        )
    if "INTAKE_RATE_PER_POST" in values:
        changes["rate_post"] = RateLimit.parse(
            "INTAKE_RATE_PER_POST", values["INTAKE_RATE_PER_POST"]
        )
    settings = IntakeSettings(repo=repo, remote=remote, spool=spool, **changes)
    check(settings)
    return settings


def load_settings_file(path: Path) -> dict[str, Any]:
    """The upper-case names a pelicanconf.py defines (run as plain Python)."""
    values = runpy.run_path(str(path))
    return {k: v for k, v in values.items() if k.isupper()}


def check(settings: IntakeSettings) -> None:
    """Refuse settings that would make the service unsafe or unusable."""
    if settings.max_request_bytes < 1024:
        raise SettingsError(
            f"INTAKE_MAX_REQUEST_BYTES = {settings.max_request_bytes}: at least 1024 needed"
        )
    if settings.max_links < 0:
        raise SettingsError(
            f"INTAKE_MAX_LINKS = {settings.max_links}: must be 0 or more"
        )
    for origin in settings.allowed_origins:
        if not origin_of(origin):
            raise SettingsError(
                f"INTAKE_ALLOWED_ORIGINS contains {origin!r}: write it as https://host[:port]"
            )
    try:
        ZoneInfo(settings.timezone)
    except (KeyError, ValueError) as exc:
        raise SettingsError(
            f"TIMEZONE = {settings.timezone!r} is not a known zone"
        ) from exc
