"""What every feed of one build shares: the absolute base URL, the id domain, the paths.

Feed readers need absolute URLs, but the local configuration has an empty
``SITEURL``; then feeds point at the local server (``FEEDS_LOCAL_URL``), so they
stay valid while previewing. Entry ids are ``tag:`` URIs made from the domain,
a year of the item and its path, so they never change from build to build.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from sitekit import leanfeed
from sitekit.cache import value_digest
from sitekit.feedwriter import FeedItem, FeedSpec, FeedWriter, domain_of, tag_uri
from sitekit.filedates import is_file_time

DEFAULT_LOCAL_URL = "http://127.0.0.1:8000"


class Named(Protocol):
    name: str
    slug: str
    url: str


class ContentLike(Protocol):
    """The part of a Pelican Article or Page the feeds read."""

    slug: str
    url: str
    title: str
    date: datetime
    lang: str
    metadata: dict[str, Any]

    def get_content(self, siteurl: str) -> str: ...
    def get_summary(self, siteurl: str) -> str: ...


@dataclass(frozen=True, slots=True)
class FeedSite:
    """Settings every feed module needs, read once per build."""

    base_url: str  # absolute, without trailing slash
    domain: str  # authority of tag: ids
    since: datetime  # date of the oldest post: the year in site-level feed ids
    name: str
    subtitle: str
    language: str
    author: str | None
    output: Path

    @classmethod
    def from_settings(
        cls, settings: Mapping[str, Any], output: Path, dates: Iterable[datetime] = ()
    ) -> FeedSite:
        base = (
            settings.get("FEED_DOMAIN")
            or settings.get("SITEURL")
            or settings.get("FEEDS_LOCAL_URL")
            or DEFAULT_LOCAL_URL
        ).rstrip("/")
        domain = settings.get("FEEDS_ID_DOMAIN") or domain_of(base)
        since = min(dates, default=datetime(1970, 1, 1, tzinfo=UTC))
        return cls(
            base_url=base,
            domain=domain,
            since=since,
            name=str(settings.get("SITENAME", "")),
            subtitle=str(settings.get("SITESUBTITLE") or ""),
            language=str(settings.get("DEFAULT_LANG", "en")),
            author=settings.get("AUTHOR") or None,
            output=output,
        )

    def url(self, rel: str) -> str:
        """Absolute URL of a site-relative URL or output path."""
        return f"{self.base_url}/{rel.lstrip('/')}"

    def feed_id(self, rel_path: str, date: datetime | None = None) -> str:
        """Stable id of a feed, from its output path."""
        return tag_uri(self.domain, date or self.since, "feed/" + rel_path.lstrip("/"))

    def date_of(self, content: ContentLike) -> datetime:
        """The content's date, or the site's first date where it is only the mtime."""
        return self.since if is_file_time(content, content.date) else content.date

    def post_id(
        self,
        content: ContentLike,
        url: str | None = None,
        date: datetime | None = None,
    ) -> str:
        """Stable entry id of a post or page: its path on the site.

        ``url`` is ``content.url`` and ``date`` its ``date_of`` when the
        caller has them (Pelican computes the URL anew on every read, the
        date asks the file system).
        """
        url = content.url if url is None else url
        date = self.date_of(content) if date is None else date
        return tag_uri(self.domain, date, "/" + url.lstrip("/"))

    def comment_id(self, thread_slug: str, comment_id: str, date: datetime) -> str:
        """Stable entry id of a comment: thread and comment id."""
        return tag_uri(self.domain, date, f"comment/{thread_slug}/{comment_id}")


def feed_path(pattern: str | None, **values: str) -> str | None:
    """A feed's output path from its setting; None when the setting turns it off."""
    if not pattern:
        return None
    return pattern.format(**values).lstrip("/")


def language_of(content: ContentLike, site: FeedSite) -> str:
    return getattr(content, "lang", None) or site.language


def _as_items(source: Any) -> tuple[FeedItem, ...]:
    return tuple(source)


@dataclass(frozen=True, slots=True)
class FeedJob:
    """One feed to write: its description, its output paths (None = off), its entries.

    ``make(source)`` gives the entries; ``source`` is everything they are made
    from (the items themselves, or a smaller value they are made of), so the
    output ledger digests the job without its entries (``stamp_value``), and
    they are made only for a feed that is written. ``key``, when given, stands
    for ``source`` in that digest: a shorter value that is equal exactly when
    the source is. ``make`` must be a module-level function: the digest names it.

    ``writer`` writes the two files: the lean text writer
    (``sitekit.leanfeed``), which writes what feedgen, the writer of record
    (``sitekit.feedwriter``), would (tests/unit/sitekit/
    test_feedwriter_differential.py); a fifth of feedgen's time a feed.
    ``direct``, when given, writes the same bytes as ``writer`` from
    ``make(source)`` straight from ``source`` (no item objects); ``write_job``
    takes it.
    """

    spec: FeedSpec
    atom_path: str | None
    rss_path: str | None
    max_items: int | None = None
    source: Any = ()
    make: Callable[[Any], Iterable[FeedItem]] = _as_items
    key: Any = None
    writer: FeedWriter = leanfeed.feed_bytes
    direct: Callable[[FeedSpec, Any, int | None], tuple[bytes, bytes]] | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(p for p in (self.atom_path, self.rss_path) if p)

    @property
    def items(self) -> tuple[FeedItem, ...]:
        """The entries, made now (not kept)."""
        return tuple(self.make(self.source))

    def stamp_value(self) -> tuple[Any, ...]:
        """What the output ledger digests: everything the two files are written from."""
        source = self.source if self.key is None else self.key
        return (
            self.spec,
            self.paths,
            self.max_items,
            self.make,
            self.writer,
            self.direct,
            source,
        )

    def stamp(self) -> bytes | None:
        """The ledger stamp: a digest of ``stamp_value()``.

        A key or source of plain values (a discussion's key: strings; a
        site-wide feed's items: dataclasses of strings, numbers and dates) is
        digested by its ``repr``, with the spec's and the functions' names:
        exact for such values, and a fraction of pickling them in every build.
        """
        value = self.source if self.key is None else self.key
        if not _plain(value):
            return value_digest(self.stamp_value())
        names = tuple(
            None if fn is None else f"{fn.__module__}.{fn.__qualname__}"
            for fn in (self.make, self.writer, self.direct)
        )
        data = repr((self.spec, self.paths, self.max_items, names, value))
        digest = hashlib.blake2b(data.encode("utf-8", "surrogatepass"), digest_size=16)
        return b"r" + digest.digest()


def _plain(value: Any) -> bool:
    """A tuple of strings, numbers, None and feed items: its repr is exact and
    the same in every build (a FeedItem holds only such values and dates)."""
    return isinstance(value, tuple) and all(
        v is None or type(v) in (str, int, FeedItem) for v in value
    )


def spec_for(
    site: FeedSite,
    *,
    title: str,
    link: str,
    atom_path: str | None,
    rss_path: str | None,
    language: str,
    subtitle: str = "",
    id_date: datetime | None = None,
    updated: datetime | None = None,
) -> FeedSpec:
    """A FeedSpec whose URLs and id come from the feed's own output paths."""
    first = atom_path or rss_path or ""
    return FeedSpec(
        id=site.feed_id(first, id_date),
        title=title,
        link=link,
        atom_url=site.url(atom_path or first),
        rss_url=site.url(rss_path or first),
        language=language,
        subtitle=subtitle,
        updated=updated,
        author=site.author,
    )


_CREATE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0)


def write_file(path: str, data: bytes) -> None:
    """``Path(path).write_bytes(data)`` in three system calls (open, write,
    close), not six: a build writes two thousand feed files. The folder is
    made when missing (it is there for all but the first file in it)."""
    try:
        fd = os.open(path, _CREATE, 0o666)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, _CREATE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def write_job(site: FeedSite, job: FeedJob) -> list[Path]:
    """Write the enabled files of one feed; the paths written."""
    if job.direct is not None:
        atom, rss = job.direct(job.spec, job.source, job.max_items)
    else:
        atom, rss = job.writer(job.spec, job.make(job.source), job.max_items)
    written = []
    for rel, data in ((job.atom_path, atom), (job.rss_path, rss)):
        if rel:
            path = site.output / rel
            write_file(str(path), data)
            written.append(path)
    return written


MODES = ("open", "closed", "off")


def comments_mode(content: ContentLike, default: str = "open") -> str:
    """The comments plugin's mode, else the ``Comments:`` header, else the default."""
    mode = getattr(content, "comments_mode", None)
    if mode in MODES:
        return str(mode)
    raw = str(content.metadata.get("comments", default)).strip().lower()
    return raw if raw in MODES else default


def thread_comments(content: ContentLike) -> tuple[Any, ...]:
    """Every shown comment of the content's thread, oldest first (empty without one)."""
    thread = getattr(content, "thread", None)
    return tuple(getattr(thread, "comments", ()) or ())


def comment_count(content: ContentLike) -> int:
    """The count the page shows: the plugin's, else the thread's."""
    count = getattr(content, "comment_count", None)
    if isinstance(count, int):
        return count
    thread = getattr(content, "thread", None)
    return int(getattr(thread, "count", 0) or 0)
