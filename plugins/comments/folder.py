"""A thread folder as one cache entry, keyed exactly by its files' names and bytes.

A rebuild after one merged comment needs every post's thread (counts, feeds)
but finds one folder changed. Each folder is therefore one entry: its thread,
its body HTML and its problems, under a digest of the code version, the time
zone, the display depth, the folder's path and each file's name and bytes.

Reading 12,000 files to digest them is most of what a rebuild would spend, so
a second, smaller entry maps the folder's *stat stamp* (each file's name,
size, modification and change time in ns, inode) to that digest, as git's
index and Pelican's cache do. The stamp is one packed byte string per folder,
hashed into the entry's key: checking a folder is one ``scandir``, a stat per
file and one lookup, with no per-file objects stored or loaded. A stamp can
only vouch for bytes that cannot change without changing it: a file edited
again within one tick of the file system's clock keeps its size and both times.
So a stamp is recorded only when every file in it last changed at least
``SETTLE_NS`` before its bytes were read (git's "racily clean" rule); a folder
touched just now is read and digested again by the next build, and stamped by
the one after. The change time cannot be set back by ``touch`` or ``utime``,
so an unchanged stamp means unchanged bytes. Anything in doubt (a file that
cannot be stat'ed or read) is computed anew and not stamped: the cache can
only ever cost time.
"""

from __future__ import annotations

import hashlib
import os
import struct
import time
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, tzinfo
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import zstandard
from sitekit.cache import SETTLE_NS, ContentCache, dumps_records, loads_records
from sitekit.problems import Problem
from sitekit.yamlfile import YamlError, read_source

from .jsonld import comment_json_template
from .load import SUFFIXES, load_file, load_thread
from .model import Comment
from .render import render_body
from .thread import Thread, build_thread

_STAT_PREFIX = "thread-stat\0"
#: One file in a stamp after its NUL-ended name: size, mtime_ns, ctime_ns, inode.
_FILE_STAMP = struct.Struct("<qqqQ")
#: Zstandard's fastest level: a packed thread is a quarter of its pickle (HTML and
#: repeated fields compress well), made once per changed folder, and
#: unpacked where a page or feed shows it. zlib's level 1 gave the same size
#: for three times the CPU (1,000 threads: 86 against 246 ms to pack, 45
#: against 98 ms to unpack). One compressor and decompressor per process:
#: they keep no data between calls.
_COMPRESS = zstandard.ZstdCompressor(level=1).compress
_UNPACK = zstandard.ZstdDecompressor().decompress


def _pack(raw: bytes) -> bytes:
    """``raw`` compressed, in a bytes object of its own size.

    python-zstandard hands back the worst case's buffer (the input's size and
    more) with a shorter length: kept as it is, 1,000 threads packed in the
    build held 37 MB of memory for 9 MB of data.
    """
    return memoryview(_COMPRESS(raw)).tobytes()


#: What a packed thread may hold (as the comment cache, ``build.comment_cache``).
ALLOWED_MODULES = ("comments", "sitekit")


@dataclass(frozen=True, slots=True)
class ThreadData:
    """A thread folder after loading, checking and threading; shared by translations.

    ``key`` is the digest of everything it was made from (see the module),
    so two builds with equal keys made an equal thread, HTML and problems.
    ``problems`` are logged again by every build that uses it.

    The thread and its body HTML stay packed (``dumps_records`` bytes) until
    a page or feed shows them (``unpack``; ``packed.PackedThread``): every
    build needs only the facts kept beside them, and a rebuild loads 1,000
    entries without making 20,000 comment objects. Its comments carry no
    Markdown (``body`` is ""): the HTML holds each one rendered. Beside
    them, the JSON text of the comments' JSON-LD, marked where a page's URL
    goes (``jsonld.comment_json_template``): nothing else in it varies by
    page, and made here it is made once per folder, by the worker that
    computes the thread, and cached with it.
    """

    packed: bytes  # (Thread, {id: body HTML}, JSON template), pickled, compressed
    key: str
    count: int  # Thread.count: shown comments with text
    size: int  # len(Thread.comments): shown comments, removed ones too
    newest: datetime | None  # date of the newest comment with text
    problems: tuple[Problem, ...] = ()

    @classmethod
    def pack(
        cls,
        thread: Thread,
        html: dict[str, str],
        key: str,
        problems: tuple[Problem, ...] = (),
    ) -> ThreadData:
        newest = thread.newest
        return cls(
            _pack(dumps_records((thread, html, comment_json_template(thread, html)))),
            key,
            thread.count,
            len(thread.comments),
            newest.date if newest is not None else None,
            problems,
        )

    def unpack(self) -> tuple[Thread, dict[str, str], str]:
        """The thread, its body HTML and JSON-LD template, made anew from the bytes."""
        try:
            raw = _UNPACK(self.packed)
        except zstandard.ZstdError as error:
            raise ValueError(
                f"a packed thread is not Zstandard data: {error}"
            ) from None
        value = loads_records(raw, ALLOWED_MODULES)
        if not (
            isinstance(value, tuple)
            and len(value) == 3
            and isinstance(value[0], Thread)
            and isinstance(value[1], dict)
            and isinstance(value[2], str)
        ):
            raise ValueError(f"a packed thread is {type(value).__name__}")
        return value[0], value[1], value[2]


#: A folder's comment files in name order, each with its ``stat`` (None when
#: it could not be taken).
Listing = list[tuple[str, os.stat_result | None]]


def listing(folder: Path) -> Listing | None:
    """The comment files of a folder (hidden ones skipped); None if it is no folder.

    ``os.scandir`` knows each entry's type from the directory, and its
    ``stat`` follows a symbolic link as ``is_file`` does.
    """
    found: Listing = []
    try:
        with os.scandir(folder) as entries:
            for e in entries:
                name = e.name
                if name.endswith(SUFFIXES) and not name.startswith(".") and e.is_file():
                    try:
                        found.append((name, e.stat()))
                    except OSError:
                        found.append((name, None))
    except (FileNotFoundError, NotADirectoryError):
        return None
    found.sort(key=itemgetter(0))
    return found


def key_parts(timezone: tzinfo, depth: int) -> tuple[str, str]:
    """What a thread is made with besides its files and the code."""
    return (str(timezone), f"depth={depth}")


def parts_digest(*parts: str | bytes) -> str:
    """A digest of parts, each length-prefixed (no two sequences digest alike)."""
    h = hashlib.blake2b(digest_size=20)
    for part in parts:
        data = (
            part if isinstance(part, bytes) else part.encode("utf-8", "surrogatepass")
        )
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def stat_key(
    version: str, folder: Path, parts: tuple[str, ...], files: Listing
) -> str | None:
    """The cache key of the folder's stamp; None when a file could not be stat'ed.

    Each file packs as its name, a NUL (no file name holds one) and its four
    numbers, so two different listings never pack alike.
    """
    pack = _FILE_STAMP.pack
    chunks: list[bytes] = []
    try:
        for name, st in files:
            if st is None:
                return None
            chunks.append(name.encode("utf-8", "surrogateescape") + b"\0")
            chunks.append(pack(st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino))
    except struct.error:
        return None  # a time beyond 64 bits of ns: read every build, never stamped
    return _STAT_PREFIX + parts_digest(
        version, os.fspath(folder), *parts, b"".join(chunks)
    )


@dataclass(frozen=True, slots=True)
class Sources:
    """A folder's files read once: their bytes (None: unreadable) and digest."""

    paths: tuple[Path, ...]
    data: tuple[bytes | None, ...]
    key: str
    #: Every file could be read: the key names the bytes (else it is random).
    readable: bool
    #: ... and each had settled before it was read: the stamp may vouch for it.
    stampable: bool


def read_sources(
    version: str, folder: Path, parts: tuple[str, ...], files: Listing
) -> Sources:
    """Read each file once: for the folder's digest and then for its comments."""
    paths = tuple(folder / name for name, _ in files)
    data: list[bytes | None] = []
    chunks: list[str | bytes] = [version, os.fspath(folder), *parts]
    readable = stampable = True
    for path, (name, st) in zip(paths, files, strict=True):
        try:
            raw: bytes | None = read_source(path)
        except YamlError:
            raw = None  # load_file reads it again and reports why
        now = time.time_ns()
        if raw is None:
            readable = stampable = False
        elif st is None or max(st.st_mtime_ns, st.st_ctime_ns) > now - SETTLE_NS:
            stampable = False
        data.append(raw)
        # An unreadable file has no bytes to key by: a random part, never a hit.
        chunks += [name, raw if raw is not None else os.urandom(16)]
    return Sources(paths, tuple(data), parts_digest(*chunks), readable, stampable)


#: A comment's fields in order (``dataclasses.replace`` looks them up per call).
_COMMENT_FIELDS = tuple(f.name for f in fields(Comment))
_comment_values = attrgetter(*_COMMENT_FIELDS)
_BODY = _COMMENT_FIELDS.index("body")
_DATE = _COMMENT_FIELDS.index("date")


def _without_body(c: Comment, date: datetime) -> Comment:
    """``replace(c, body="", date=date)`` in a third of its time (20,000 a build)."""
    values = list(_comment_values(c))
    values[_BODY] = ""
    values[_DATE] = date
    return Comment(*values)


def compute(folder: Path, sources: Sources, timezone: tzinfo, depth: int) -> ThreadData:
    """Check, thread and render a folder from the bytes already read."""
    by_path = dict(zip(sources.paths, sources.data, strict=True))

    def load(path: Path, tz: tzinfo) -> Any:
        return load_file(path, tz, data=by_path.get(path))

    loaded = load_thread(folder, timezone, files=list(sources.paths), load=load)
    # The HTML is what pages and feeds show; the Markdown is not kept beside
    # it (half of a built thread's memory, and of its cache entry).
    html = {c.id: render_body(c) for c in loaded.comments}
    # One zone object per offset: each parsed date brought its own, and a
    # thread stores (and a rebuild unpickles) each shared object once.
    zones: dict[tzinfo | None, tzinfo | None] = {}

    def shared_zone(date: datetime) -> datetime:
        zone = zones.setdefault(date.tzinfo, date.tzinfo)
        return date if zone is date.tzinfo else date.replace(tzinfo=zone)

    rendered = [_without_body(c, shared_zone(c.date)) for c in loaded.comments]
    thread, problems = build_thread(rendered, loaded.broken, depth=depth)
    return ThreadData.pack(
        thread,
        {c.id: html[c.id] for c in thread.comments},
        sources.key,
        (*loaded.problems, *problems),
    )


class FolderCache:
    """Thread folders through a ``ContentCache``: stamp, then digest, then compute."""

    def __init__(
        self, cache: ContentCache | None, timezone: tzinfo, depth: int
    ) -> None:
        self.cache = cache
        self.version = cache.version if cache is not None else ""
        self.timezone = timezone
        self.depth = depth
        self.parts = key_parts(timezone, depth)

    def stamped_key(self, folder: Path, files: Listing) -> tuple[str, str] | None:
        """The keys of a folder's stat stamp and of the thread it vouches for
        (nothing unpickled); None when the stamp is new or cannot be made."""
        cache = self.cache
        if cache is None:
            return None
        skey = stat_key(self.version, folder, self.parts, files)
        key = cache.get(skey) if skey is not None else None
        return (skey, key) if skey is not None and isinstance(key, str) else None

    def known(self, folder: Path, files: Listing) -> ThreadData | None:
        """The cached thread of a folder with an unchanged stamp (nothing read)."""
        stamped = self.stamped_key(folder, files)
        if stamped is None or self.cache is None:
            return None
        key = stamped[1]
        data = self.cache.get(key)
        if isinstance(data, ThreadData) and data.key == key:
            self.cache.hits += 1
            return data
        return None

    def load(
        self, folder: Path, files: Listing, *, compute_missing: bool = True
    ) -> ThreadData | None:
        """The thread of a folder: from its stamp, its digest, or computed now.

        With ``compute_missing`` False, None for a folder the cache does not hold.
        """
        data = self.known(folder, files)
        if data is not None:
            return data
        sources = read_sources(self.version, folder, self.parts, files)
        cache = self.cache
        if cache is not None:
            data = cache.get(sources.key)
            if isinstance(data, ThreadData) and data.key == sources.key:
                cache.hits += 1
                self._stamp(folder, files, sources)
                return data
        if not compute_missing:
            return None
        data = compute(folder, sources, self.timezone, self.depth)
        if cache is not None:
            cache.misses += 1
            if sources.readable:
                cache.put(sources.key, data)
                self._stamp(folder, files, sources)
        return data

    def _stamp(self, folder: Path, files: Listing, sources: Sources) -> None:
        assert self.cache is not None
        skey = stat_key(self.version, folder, self.parts, files)
        if sources.stampable and skey is not None:
            self.cache.put(skey, sources.key)

    def adopt(self, entries: Mapping[str, Any]) -> ThreadData | None:
        """Entries a worker made for one folder (``folder_entries``): keep, use."""
        found = None
        if self.cache is not None:
            self.cache.add_entries(entries)
            for k in entries:
                self.cache.get(k)  # used by this build: kept at the next save
        for value in entries.values():
            if isinstance(value, ThreadData):
                found = value
        return found


def folder_entries(
    folder: Path, version: str, timezone: tzinfo, depth: int
) -> dict[str, Any]:
    """A worker's job: the cache entries of one folder (stamp and thread)."""
    cache = ContentCache("thread-job", version)
    files = listing(folder) or []
    FolderCache(cache, timezone, depth).load(folder, files)
    return cache.take_new()
