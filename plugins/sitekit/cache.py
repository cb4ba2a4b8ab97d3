"""A persistent cache of work derived from content files, keyed by their bytes.

Parsing, checking and rendering 20,000 comments costs seconds on every build,
although a merged pull request changes one file. Pelican's own cache checks only
the stamp of a post's source file, never plugin code or settings, so it cannot
hold derived data. This one keys every entry by a hash of the file's path and
bytes, the code version of whatever computes it and the settings it reads, so a
changed file, plugin or setting simply misses. What is on disk is never trusted
blindly: the file carries a checksum, only allowlisted classes are unpickled,
and anything wrong (truncated, corrupt, old format, other version) is dropped
and rebuilt from the content, so the cache can make a build slower, never
different.

Layout under ``CACHE_PATH/diskurs/``: ``<name>-<version>.base`` (all entries of
the last compaction) and ``<name>-<version>.log`` (entries added since, one
checksummed record each), so publishing one comment appends one record instead
of rewriting the whole cache. A record is its entries one after another, each
its own pickle: a build unpickles only the entries it asks for, and writes the
others back as they were read. Files of older versions are removed (the last
two stay).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import glob
import hashlib
import importlib.metadata
import importlib.util
import io
import logging
import operator
import os
import pickle
import struct
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from zoneinfo import ZoneInfo

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Settings key that turns the persistent caches on (pelicanconf sets it).
ENABLED_KEY = "FASTBUILD_CACHE"
#: Settings key under which a build keeps its open caches, by name.
REGISTRY_KEY = "_DISKURS_CACHES"
#: A file changed less than this before it was read may change again unseen
#: (same size, same time stamps, within one tick of the file system's clock):
#: a stat-keyed record of its bytes is made only once it has settled (git's
#: "racily clean" rule; the change time cannot be set back).
SETTLE_NS = 2_000_000_000
#: Folder below ``CACHE_PATH``.
FOLDER = "diskurs"

_MAGIC = b"DISKURS-CACHE-5\n"
_RECORD = struct.Struct("<I32s")  # payload length, SHA-256 of key and payload
_HASH_KEY = b"diskurs-cache"  # keyed only to tell our files apart, not for secrecy
#: Compact when this share of the stored entries went unused, or the log grew this long.
_STALE_SHARE = 0.25
_LOG_SHARE = 0.25
#: ... or when the log's bytes grew past twice the base's and this: a record
#: can be big (a list page's stamp names every post it shows: ~100 KB a
#: rebuild at 1,000 posts), and every build reads and checks the whole log.
_LOG_BYTES = 1 << 20

#: Classes any cache may hold besides the ones a cache allows by module.
_BASE_CLASSES = {
    "builtins": {
        "set",
        "frozenset",
        "list",
        "dict",
        "tuple",
        "str",
        "bytes",
        "bytearray",
        "int",
        "float",
        "complex",
        "bool",
        "range",
        "slice",
    },
    "datetime": {"datetime", "date", "time", "timedelta", "timezone"},
    "zoneinfo": {"ZoneInfo"},
    "zoneinfo._zoneinfo": {"ZoneInfo"},
    "copyreg": {"_reconstructor", "__newobj__", "__newobj_ex__"},
    "markupsafe": {"Markup"},
    __name__: {"_restore"},
}


#: Libraries whose version may change what a memoized function returns.
MEMO_DISTRIBUTIONS = (
    "beautifulsoup4",
    "lxml",
    "nh3",
    "markdown-it-py",
    "markdown",
    "pygments",
    "pelican",
    "feedgen",
    "markupsafe",
)


class CacheFormatError(ValueError):
    """A cache file that is not ours, or not whole; it is dropped, never used."""


def _digest(data: bytes | memoryview) -> bytes:
    """The checksum of a record: SHA-256, which the CPU computes (SHA extensions,
    through OpenSSL) three times as fast as BLAKE2b; a rebuild checks every
    byte of the caches it loads (tens of megabytes on a big site)."""
    h = hashlib.sha256(_HASH_KEY)
    h.update(data)
    return h.digest()


class _Unpickler(pickle.Unpickler):
    """Loads only our value classes: a tampered cache cannot run code."""

    def __init__(self, file: Any, allowed_modules: tuple[str, ...]) -> None:
        super().__init__(file)
        self._allowed = allowed_modules

    def find_class(self, module: str, name: str) -> Any:
        return _allowed_class(module, name, self._allowed)


@functools.cache
def _allowed_class(module: str, name: str, allowed: tuple[str, ...]) -> Any:
    """A class the cache may hold (asked once per class, not once per entry)."""
    if name in _BASE_CLASSES.get(module, ()) or (
        "." not in name
        and any(module == m or module.startswith(m + ".") for m in allowed)
    ):
        return getattr(importlib.import_module(module), name)
    raise CacheFormatError(f"class {module}.{name} is not allowed in a cache")


@functools.cache
def _record_fields(cls: type) -> tuple[tuple[Any, ...], Any] | None:
    """Slot setters and a getter of a slotted dataclass pickled by value, else None.

    Such a class (frozen, as our value classes are) unpickles through
    ``dataclasses``' ``__setstate__``, which looks up its fields anew for every
    object: most of the time spent loading 20,000 comments. The slots' own
    setters fill a frozen object without its ``__setattr__``.
    """
    if not (dataclasses.is_dataclass(cls) and "__slots__" in vars(cls)):
        return None
    setstate = getattr(cls, "__setstate__", None)
    if getattr(setstate, "__name__", "") != "_dataclass_setstate":
        return None  # the class pickles itself its own way
    names = tuple(f.name for f in dataclasses.fields(cls))
    if not names:
        return None
    setters = tuple(getattr(cls, name).__set__ for name in names)
    return setters, operator.attrgetter(*names, names[0])  # always a tuple


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    """A slotted dataclass object from its field values (see ``_CachePickler``)."""
    fields = _record_fields(cls)
    if fields is None or len(values) != len(fields[0]):
        raise CacheFormatError(f"{cls.__qualname__} is not a record class like this")
    obj: Any = object.__new__(cls)
    # Lengths checked above; a strict zip costs a quarter of a thread's loading.
    for setter, value in zip(fields[0], values, strict=False):
        setter(obj, value)
    return obj


class _CachePickler(pickle.Pickler):
    """Pickles slotted dataclasses as their field values (``_restore`` loads them).

    A ``ZoneInfo`` pickles as its key: its own pickle calls a class method
    through ``getattr``, which no cache may load (a date in the site's zone
    was dropped as unusable, and recomputed by every build).
    """

    def reducer_override(self, obj: Any) -> Any:
        cls: Any = type(obj)
        if cls is ZoneInfo and obj.key is not None:
            return (ZoneInfo, (obj.key,))
        fields = _record_fields(cls)
        if fields is None:
            return NotImplemented
        return (_restore, (cls, fields[1](obj)[: len(fields[0])]))


def dumps_records(value: Any) -> bytes:
    """``pickle.dumps``, slotted dataclasses as their field values (fast to load).

    ``pickle.loads`` reads it; only for data this build made itself (a pool
    worker's result), as any pickle.
    """
    buffer = io.BytesIO()
    _CachePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(value)
    return buffer.getvalue()


def loads_records(data: bytes, allowed_modules: Iterable[str]) -> Any:
    """``dumps_records`` undone, loading only the classes a cache may hold.

    For bytes kept inside a cache entry (a packed thread): read from the
    cache file, so as guarded as the entry itself.
    """
    return _Unpickler(io.BytesIO(data), tuple(allowed_modules)).load()


_ENTRY = struct.Struct("<II")  # key length, value length


def _records(data: bytes) -> Iterable[dict[str, bytes]]:
    """The checksummed records of one file, up to the first one that is not whole.

    A record's payload is its entries one after another: key, then the
    entry's own pickle, unpickled only when a build asks for it.
    """
    if data[: len(_MAGIC)] != _MAGIC:
        raise CacheFormatError("not a cache file of this format")
    view = memoryview(data)
    try:
        pos = len(_MAGIC)
        while pos < len(data):
            if pos + _RECORD.size > len(data):
                raise CacheFormatError("truncated record header")
            length, digest = _RECORD.unpack_from(data, pos)
            start = pos + _RECORD.size
            end = start + length
            if end > len(data) or _digest(view[start:end]) != digest:
                raise CacheFormatError("a record is truncated or corrupt")
            entries: dict[str, bytes] = {}
            at = start
            while at < end:
                if at + _ENTRY.size > end:
                    raise CacheFormatError("a record is not a list of entries")
                klen, vlen = _ENTRY.unpack_from(data, at)
                at += _ENTRY.size
                if at + klen + vlen > end:
                    raise CacheFormatError("a record is not a list of entries")
                key = str(view[at : at + klen], "utf-8", "surrogateescape")
                entries[key] = bytes(view[at + klen : at + klen + vlen])
                at += klen + vlen
            yield entries
            pos = end
    finally:
        view.release()


class _RecordWriter:
    """Writes one record entry by entry, so no payload is ever held whole.

    The header (length and checksum) is written last, over a placeholder:
    a record cut short by a crash fails its checksum and is dropped.
    """

    def __init__(self, fh: Any) -> None:
        self.fh = fh
        self.start = fh.seek(0, os.SEEK_END)
        fh.write(bytes(_RECORD.size))
        self.hash = hashlib.sha256(_HASH_KEY)
        self.length = 0

    def add(self, key: str, value: bytes) -> None:
        k = key.encode("utf-8", "surrogateescape")
        for part in (_ENTRY.pack(len(k), len(value)), k, value):
            self.fh.write(part)
            self.hash.update(part)
            self.length += len(part)

    def close(self) -> None:
        end = self.fh.tell()
        self.fh.seek(self.start)
        self.fh.write(_RECORD.pack(self.length, self.hash.digest()))
        self.fh.seek(end)


#: A file-stamp entry (``_signature``, key) packed without pickle: there is one
#: per comment file, and every build reads them all.
_STAMP = struct.Struct("<cqqqq")
_STAMP_TAG = b"S"  # a pickle starts with b"\x80"


def _pack(value: Any) -> bytes:
    if (
        type(value) is tuple
        and len(value) == 2
        and type(value[1]) is str
        and type(value[0]) is tuple
        and len(value[0]) == 4
        and all(type(n) is int for n in value[0])
    ):
        try:
            return _STAMP.pack(_STAMP_TAG, *value[0]) + value[1].encode()
        except (struct.error, UnicodeEncodeError):
            pass  # out of range: pickled like anything else
    return dumps_records(value)


def _unpack(raw: bytes, allowed: tuple[str, ...]) -> Any:
    if raw[:1] == _STAMP_TAG:
        _, *signature = _STAMP.unpack_from(raw)
        return (tuple(signature), raw[_STAMP.size :].decode())
    return _Unpickler(io.BytesIO(raw), allowed).load()


def code_version(*modules: str, distributions: Iterable[str] = ()) -> str:
    """A digest of the source of ``modules`` (whole packages) and library versions.

    Changing any line of the code that computes an entry must miss the cache;
    hashing a few dozen source files costs well under a millisecond each.
    """
    h = hashlib.sha256()
    for name in modules:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            h.update(f"missing:{name}".encode())
            continue
        base = os.path.dirname(spec.origin)
        files = (
            _python_files(base) if spec.submodule_search_locations else [spec.origin]
        )
        for file in files:
            h.update(os.path.relpath(file, base).encode("utf-8", "surrogateescape"))
            h.update(_SOURCES.digest(file))
    for dist in distributions:
        h.update(f"{dist}={_distribution_version(dist)}".encode())
    return h.hexdigest()[:32]


def _python_files(root: str) -> list[str]:
    """Every ``*.py`` file below ``root``, sorted (``Path.rglob`` took 20 ms).

    ``__pycache__`` holds no source.
    """
    found: list[str] = []
    folders = [root]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=True):
                    if entry.name != "__pycache__":
                        folders.append(entry.path)
                elif entry.name.endswith(".py"):
                    found.append(entry.path)
    return sorted(found)


class _SourceDigests:
    """The SHA-256 of each source file, read again only when its stat changed.

    A build asks for the code version of overlapping packages several times
    (the comment cache, the page stamps, the memoized functions, the site
    check): each file is read once. Facts about files, checked on every use
    (as git's index), so a long-running process (the live server) still sees
    every edit.
    """

    def __init__(self) -> None:
        self._known: dict[str, tuple[tuple[int, ...], bytes]] = {}

    def digest(self, path: str) -> bytes:
        st = os.stat(path)
        signature = (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
        known = self._known.get(path)
        if known is not None and known[0] == signature:
            return known[1]
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).digest()
        if max(st.st_mtime_ns, st.st_ctime_ns) <= time.time_ns() - SETTLE_NS:
            self._known[path] = (signature, digest)  # settled (see SETTLE_NS)
        return digest


_SOURCES = _SourceDigests()


@functools.cache
def _distribution_version(name: str) -> str:
    """An installed library's version ("missing" if none), once per process.

    Looking it up scans the import path (a millisecond or more each, asked
    for a dozen libraries several times a build). The library's code this
    process runs cannot change while it runs, and neither does the version
    that describes it.
    """
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "missing"


class ContentCache:
    """Entries derived from content files, keyed by content, saved between builds.

    ``memo(path, compute)`` is the whole interface for a caller: it returns what
    ``compute(path)`` returned for a file with these bytes under this version,
    or computes it now. Entries not used by a build are dropped at the next
    compaction, so the cache follows the content instead of growing forever.

    Loading reads and checks the files but unpickles an entry only when a
    build asks for it: a rebuild that needs a few of 20,000 entries pays for
    a few, and entries never asked for stay compact bytes in memory.
    """

    def __init__(
        self,
        name: str,
        version: str,
        directory: Path | None = None,
        allowed_modules: Iterable[str] = (),
        *,
        load: bool = True,
    ) -> None:
        self.name = name
        self.version = version
        self.directory = directory
        self.allowed_modules = tuple(allowed_modules)
        self._entries: dict[str, Any] = {}
        self._packed: dict[str, bytes] = {}  # loaded, not unpickled yet
        self._new: dict[str, Any] = {}
        self._used: set[str] = set()
        self._log_entries = 0
        self._base_bytes = 0  # sizes of the files when loaded
        self._log_bytes = 0
        self.hits = 0
        self.misses = 0
        #: Asked on a miss before computing: a pool may already be working on it.
        self.prefetched: Callable[[str, str], Any] | None = None
        if directory is not None and load:
            self._load()
        elif directory is not None:
            self._log_entries = 1 << 30  # nothing loaded: the next save compacts

    # -- files ---------------------------------------------------------------
    def _file(self, suffix: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{self.name}-{self.version[:24]}.{suffix}"

    def _read(self, path: Path) -> Iterable[dict[str, bytes]]:
        """The records of a file (none if it does not exist)."""
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return
        if path.suffix == ".log":
            self._log_bytes = len(data)
        else:
            self._base_bytes = len(data)
        yield from _records(data)

    def _add_record(self, record: dict[str, bytes]) -> int:
        for k in record:
            self._entries.pop(k, None)
        self._packed.update(record)
        return len(record)

    def _load(self) -> None:
        base_path, log_path = self._file("base"), self._file("log")
        try:
            for record in self._read(base_path):
                self._add_record(record)
        except (CacheFormatError, ValueError, OSError) as exc:
            logger.warning(
                "Cache %s is unusable (%s); rebuilding it from the content",
                base_path,
                exc,
            )
            self._entries, self._packed = {}, {}
            self._remove(base_path, log_path)
            return
        try:
            for record in self._read(log_path):
                self._log_entries += self._add_record(record)
        except (CacheFormatError, ValueError, OSError) as exc:
            # A torn append (a build killed while saving) loses only that append.
            logger.warning(
                "Cache log %s ends in a broken record (%s); the rest is kept "
                "and it is rewritten",
                log_path,
                exc,
            )
            self._log_entries = len(self) + 1  # forces a compaction at save

    @staticmethod
    def _remove(*paths: Path) -> None:
        for p in paths:
            with contextlib.suppress(OSError):
                p.unlink()

    # -- entries -------------------------------------------------------------
    def _value(self, key: str) -> Any:
        """The entry under ``key`` (unpickled now if still packed), or _MISSING."""
        value = self._entries.get(key, _MISSING)
        if value is _MISSING and key in self._packed:
            raw = self._packed.pop(key)
            try:
                value = _unpack(raw, self.allowed_modules)
            except Exception as exc:  # checksummed, so only a class that is gone
                logger.debug("Cache %s: entry dropped (%s)", self.name, exc)
                return _MISSING
            self._entries[key] = value
        return value

    def key(self, path: str | os.PathLike[str], data: bytes, *extra: str) -> str:
        """The entry key of one file: its path, its bytes and what else it reads."""
        h = hashlib.sha256(self.version.encode())
        for part in (os.fspath(path), *extra):
            b = part.encode("utf-8", "surrogateescape")
            h.update(len(b).to_bytes(4, "little"))
            h.update(b)
        h.update(data)
        return h.hexdigest()[:40]

    def get(self, key: str, default: Any = None) -> Any:
        value = self._value(key)
        if value is _MISSING:
            return default
        self._used.add(key)
        return value

    def items(self) -> list[tuple[str, Any]]:
        """Every entry, used in this build or not (for pruning what they describe)."""
        for key in list(self._packed):
            self._value(key)
        return list(self._entries.items())

    def __contains__(self, key: str) -> bool:
        return key in self._entries or key in self._packed

    def touch(self, keys: Iterable[str]) -> None:
        """Keep these entries at the next save, as if asked for (not unpickled).

        For entries a forked child of this build used (see feeds.plugin).
        """
        self._used.update(k for k in keys if k in self)

    def __len__(self) -> int:
        return len(self._entries) + len(self._packed)

    def put(self, key: str, value: Any) -> None:
        self._packed.pop(key, None)
        self._entries[key] = value
        self._new[key] = value
        self._used.add(key)

    def memo(
        self,
        path: str | os.PathLike[str],
        compute: Callable[[Path], T],
        *extra: str,
        check: Callable[[Any], bool] | None = None,
    ) -> T:
        """``compute(path)``, or its result from an earlier build of the same bytes.

        ``check`` guards against a value of the wrong shape (a bug or an old
        layout under the same version); such an entry is recomputed.
        """
        p = Path(path)
        k = self._known_key(p, extra)
        if k is None:
            try:
                st = os.stat(p)
                data = p.read_bytes()
            except OSError:
                return compute(p)  # let the computation report the unreadable file
            k = self.key(path, data, *extra)
            self.put(_stat_key(p, extra), (_signature(st), k))
        value = self._value(k)
        if value is not _MISSING and (check is None or check(value)):
            self.hits += 1
            self._used.add(k)
            return value  # type: ignore[no-any-return]
        if self.prefetched is not None:
            value = self.prefetched(k, os.fspath(path))
            if (
                value is not _MISSING
                and value is not None
                and (check is None or check(value))
            ):
                self.hits += 1
                self.put(k, value)
                return value  # type: ignore[no-any-return]
        self.misses += 1
        value = compute(p)
        self.put(k, value)
        return value

    def _known_key(self, path: Path, extra: tuple[str, ...]) -> str | None:
        """The key of a file not touched since we hashed it, without reading it.

        Like git's index: size, modification and change time (ns) and inode
        unchanged mean the bytes are unchanged, so their hash is still the key.
        Any difference, and the file is read and hashed again.
        """
        skey = _stat_key(path, extra)
        known = self._value(skey)
        if not (isinstance(known, tuple) and len(known) == 2):
            return None
        try:
            signature = _signature(os.stat(path))
        except OSError:
            return None
        if known[0] != signature or known[1] not in self:
            return None
        self._used.add(skey)
        return str(known[1])

    def key_of(self, path: str | os.PathLike[str], *extra: str) -> str:
        """The key ``memo`` would use for this file now (read only if it changed)."""
        p = Path(path)
        k = self._known_key(p, extra)
        if k is None:
            st = os.stat(p)
            k = self.key(path, p.read_bytes(), *extra)
            self.put(_stat_key(p, extra), (_signature(st), k))
        return k

    def take_new(self) -> dict[str, Any]:
        """Entries computed since the last call (a pool worker sends these home)."""
        new, self._new = self._new, {}
        return new

    def add_entries(self, entries: Mapping[str, Any]) -> None:
        """Entries computed elsewhere (a pool worker) for this build."""
        for k, v in entries.items():
            if k not in self:
                self._new[k] = v
            self._packed.pop(k, None)
            self._entries[k] = v

    # -- saving --------------------------------------------------------------
    def save(self) -> None:
        """Persist what this build used: append new entries, compact when stale."""
        plan = self._plan_save()
        if plan is not None:
            self._save_here(plan)

    def _plan_save(self) -> _SavePlan | None:
        """What saving writes; drops the entries this build did not use."""
        if self.directory is None:
            return None
        new = {k: v for k, v in self._new.items() if k in self._used}
        used = len(self._used)
        compact = (
            len(self) - used > _STALE_SHARE * max(used, 1)
            or self._log_entries + len(new) > _LOG_SHARE * max(used, 1) + 64
            or self._log_bytes > 2 * self._base_bytes + _LOG_BYTES
        )
        if compact:
            self._packed = {k: v for k, v in self._packed.items() if k in self._used}
            self._entries = {k: v for k, v in self._entries.items() if k in self._used}
        return _SavePlan(compact, new)

    def _write_save(self, plan: _SavePlan) -> None:
        """The file work of a save (raises on failure)."""
        assert self.directory is not None
        self.directory.mkdir(parents=True, exist_ok=True)
        if plan.compact:
            self._write_atomic(self._file("base"))
            self._remove(self._file("log"))
        elif plan.new:
            log = self._file("log")
            fd = os.open(log, os.O_RDWR | os.O_CREAT, 0o644)
            with os.fdopen(fd, "r+b") as fh:
                if fh.seek(0, os.SEEK_END) == 0:
                    fh.write(_MAGIC)
                record = _RecordWriter(fh)
                for k, v in plan.new.items():
                    record.add(k, _pack(v))
                record.close()
        self._prune_versions()

    def _saved(self, plan: _SavePlan) -> None:
        """The bookkeeping after a save (here or in a child)."""
        self._log_entries = 0 if plan.compact else self._log_entries + len(plan.new)
        if plan.compact:
            self._log_bytes = 0
        self._new = {}

    def _save_here(self, plan: _SavePlan) -> None:
        try:
            self._write_save(plan)
        except (OSError, pickle.PicklingError, TypeError, AttributeError) as exc:
            logger.warning(
                "Could not save cache %s (%s); the next build recomputes it",
                self.name,
                exc,
            )
            self._remove(self._file("base"), self._file("log"))
        self._saved(plan)

    def _prune_versions(self) -> None:
        """Remove the files of older versions of this cache (code changed since).

        The two most recent other versions stay: builds into two output
        folders (two page-stamp versions) do not throw each other's away.
        """
        assert self.directory is not None
        mine = f"{self.name}-{self.version[:24]}."
        others: dict[str, list[Path]] = {}
        for path in self.directory.glob(f"{glob.escape(self.name)}-*"):
            stem, _, suffix = path.name.rpartition(".")
            rest = stem[len(self.name) + 1 :]
            if (
                path.name.startswith(mine)
                or suffix not in ("base", "log")
                or len(rest) != 24
                or "-" in rest
            ):
                continue  # ours, or another cache's name that starts like ours
            others.setdefault(stem, []).append(path)

        def newest(stem: str) -> float:
            times = []
            for p in others[stem]:
                with contextlib.suppress(OSError):
                    times.append(p.stat().st_mtime)
            return max(times, default=0.0)

        for stem in sorted(others, key=newest, reverse=True)[2:]:
            self._remove(*others[stem])

    def _write_atomic(self, path: Path) -> None:
        """Every entry into a new file that replaces ``path`` when whole."""
        fd, tmp = tempfile.mkstemp(prefix=path.name, dir=path.parent)
        try:
            with os.fdopen(fd, "w+b") as fh:
                fh.write(_MAGIC)
                record = _RecordWriter(fh)
                for k, raw in self._packed.items():
                    record.add(k, raw)  # never unpickled: written as read
                for k, v in self._entries.items():
                    record.add(k, _pack(v))
                record.close()
            os.replace(tmp, path)
        except BaseException:
            ContentCache._remove(Path(tmp))
            raise

    def new_run(self) -> None:
        self._used = set()
        self.hits = self.misses = 0

    def stats(self) -> str:
        return f"{self.name}: {self.hits} hits, {self.misses} misses, {len(self)}"


_MISSING: Any = object()


@dataclasses.dataclass(frozen=True, slots=True)
class _SavePlan:
    compact: bool  # rewrite the base file from every entry used
    new: dict[str, Any]  # else: append these to the log


#: Memo arguments at least this long are hashed once per run (``_arg_digest``).
_LONG_ARG = 1024

#: At most this many new entries, and no compaction: saved in this process.
_SMALL_SAVE = 64


def _worth_a_child(plans: Iterable[_SavePlan]) -> bool:
    """Whether a save is big enough for a child (see ``run_in_child``).

    A rebuild after one comment appends a few entries; forking a big build's
    process for them and waiting cost more than writing them here.
    """
    plans = list(plans)
    return any(p.compact for p in plans) or sum(len(p.new) for p in plans) > _SMALL_SAVE


def run_in_child(work: Callable[[], None]) -> bool:
    """Run ``work`` in a forked child and wait for it; True if it succeeded.

    For pickling a build's data to disk: pickle keeps a UTF-8 copy of every
    non-ASCII string it writes (German text: all of them) and leaves freed
    buffers behind, tens of megabytes a big build would hold to its end.
    A child's copies go with it. Without ``fork`` the work runs here.
    """
    pid = _fork_child(work)
    return True if pid is None else _child_succeeded(pid)


def _fork_child(work: Callable[[], None]) -> int | None:
    """Start ``work`` in a forked child: its pid, or None when it ran here."""
    if not hasattr(os, "fork"):
        work()
        return None
    gc.freeze()  # the child's collector leaves the inherited objects alone
    try:
        pid = os.fork()
    except OSError:
        gc.unfreeze()
        work()
        return None
    if pid == 0:  # the child: no logging (a lock may be held), no cleanup
        code = 1
        try:
            work()
            code = 0
        finally:
            os._exit(code)
    gc.unfreeze()
    return pid


def fork_piped() -> tuple[int, int] | None:
    """Fork a child joined to this process by a pipe: ``(pid, fd)``.

    In this process ``fd`` reads what the child writes; in the child (pid 0)
    it is the write end. None when the system could not fork (nothing is
    left open).
    """
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return None
    if pid == 0:
        os.close(read_fd)
        return 0, write_fd
    os.close(write_fd)
    return pid, read_fd


def _child_succeeded(pid: int) -> bool:
    try:
        _, status = os.waitpid(pid, 0)
    except ChildProcessError:
        return False
    return os.waitstatus_to_exitcode(status) == 0


class PendingSave:
    """Caches being written by a child while the build goes on (``finish`` waits).

    The child writes what the caches held when it was forked; entries added
    since are saved by the next save. Should the child fail, ``finish`` saves
    here what it should have written.
    """

    def __init__(self, pid: int, plans: list[tuple[ContentCache, _SavePlan]]) -> None:
        self.pid: int | None = pid
        self.plans = plans

    def finish(self) -> None:
        pid, self.pid = self.pid, None
        if pid is None or _child_succeeded(pid):
            return
        logger.debug("Saving the caches in a child failed; saving them here")
        for cache, plan in self.plans:
            cache._save_here(plan)


_STAT_PREFIX = "stat\0"


def _stat_key(path: Path, extra: tuple[str, ...]) -> str:
    return _STAT_PREFIX + "\0".join((os.fspath(path), *extra))


def _signature(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


#: Returned by a ``prefetched`` hook that has nothing for a key.
MISSING: Any = _MISSING


def registry_for(settings: dict[str, Any]) -> CacheRegistry:
    """The build's caches, kept in its settings (like the problem log)."""
    registry = settings.get(REGISTRY_KEY)
    if not isinstance(registry, CacheRegistry):
        directory = None
        if settings.get(ENABLED_KEY):
            directory = Path(str(settings.get("CACHE_PATH") or "cache")) / FOLDER
        # ``pelican --ignore-cache`` clears LOAD_CONTENT_CACHE: recompute, save afresh.
        registry = CacheRegistry(
            directory, load=bool(settings.get("LOAD_CONTENT_CACHE", True))
        )
        settings[REGISTRY_KEY] = registry
    return registry


def cache_for(
    settings: dict[str, Any],
    name: str,
    version: str,
    allowed_modules: Iterable[str] = (),
) -> ContentCache:
    """The build's cache ``name``: persistent when ``FASTBUILD_CACHE`` is on.

    One object per build and name, so a pool, a plugin and the final save all
    see the same entries. Without the setting the cache lives in memory for
    one build only.
    """
    return registry_for(settings).open(name, version, allowed_modules)


class CacheRegistry:
    """The caches one build opened; pickles as an empty registry.

    It lives in Pelican's settings, which Pelican's own content cache pickles
    along with every tag and category, so it must pickle small and never carry
    one build's entries into another's.
    """

    def __init__(self, directory: Path | None = None, *, load: bool = True) -> None:
        self.directory = directory
        self.load = load
        self.caches: dict[str, ContentCache] = {}
        self.ledgers: dict[str, OutputLedger] = {}
        self._memo_version: str | None = None
        #: Digests of long memo arguments this run, by id (see ``_arg_digest``).
        self._args: dict[int, tuple[str, bytes]] = {}
        self._pid = os.getpid()

    def __reduce__(self) -> tuple[Any, ...]:
        return (CacheRegistry, ())

    def open(
        self, name: str, version: str, allowed_modules: Iterable[str] = ()
    ) -> ContentCache:
        cache = self.caches.get(name)
        if cache is None or cache.version != version:
            cache = ContentCache(
                name, version, self.directory, allowed_modules, load=self.load
            )
            self.caches[name] = cache
        return cache

    def save_all(
        self,
        *,
        in_child: bool = False,
        also: Iterable[ContentCache] = (),
        wait: bool = True,
    ) -> PendingSave | None:
        """Save every cache (and ``also``); ``in_child``: written by a forked child.

        With ``wait`` False the child writes while the build goes on: the
        returned ``PendingSave`` must be finished before the next save.
        """
        plans = [
            (cache, plan)
            for cache in (*self.caches.values(), *also)
            if (plan := cache._plan_save()) is not None
        ]
        if in_child and _worth_a_child(plan for _, plan in plans):

            def write() -> None:
                for cache, plan in plans:
                    cache._write_save(plan)

            try:
                pid = _fork_child(write)
            except Exception:  # written here and failed: written here again below
                pid = -1
            if pid is None or (pid > 0 and (not wait or _child_succeeded(pid))):
                for cache, plan in plans:
                    cache._saved(plan)
                if pid is None or wait:
                    return None
                return PendingSave(pid, plans)
            logger.debug("Saving the caches in a child failed; saving them here")
        for cache, plan in plans:
            cache._save_here(plan)
        return None

    def new_run(self) -> None:
        """Forget the entries the last run used (``pelican -r`` keeps the settings)."""
        for cache in self.caches.values():
            cache.new_run()
        self.ledgers.clear()
        self._args.clear()

    def remove_orphans(self) -> int:
        """Files of every ledger that this build no longer makes (see OutputLedger)."""
        return sum(ledger.remove_orphans() for ledger in self.ledgers.values())

    # -- memoized text functions ----------------------------------------------
    def memo_version(self) -> str:
        """Every plugin package next to ours, and the libraries they parse with.

        A memoized function calls others (the feeds call the pull-quote code),
        so any change to any plugin recomputes every memo: rare, and safe.
        """
        if self._memo_version is None:
            here = Path(__file__).resolve().parent.parent
            packages = sorted(
                p.name for p in here.iterdir() if (p / "__init__.py").is_file()
            )
            self._memo_version = code_version(
                *packages, distributions=MEMO_DISTRIBUTIONS
            )
        return self._memo_version

    def memo_call(self, name: str, fn: Callable[..., T], args: tuple[str, ...]) -> T:
        cache = self.open(name, self.memo_version())
        key = cache.key(name, b"".join(map(self._arg_digest, args)))
        value = cache.get(key, _MISSING)
        if value is _MISSING:
            cache.misses += 1
            value = fn(*args)
            cache.put(key, value)
        else:
            cache.hits += 1
        return _fresh(value)  # type: ignore[no-any-return]

    def _arg_digest(self, text: str) -> bytes:
        """SHA-256 of an argument's UTF-8, once per run for a long one.

        Two pull-quote functions are asked about each post's HTML (kilobytes):
        it was encoded and hashed for each. Kept by identity, with the string,
        so that its id stays its own; kept only by the process that made the
        registry (a forked worker would keep every text it was given alive),
        though its children look up what it kept.
        """
        if len(text) < _LONG_ARG:
            return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        got = self._args.get(id(text))
        if got is not None and got[0] is text:
            return got[1]
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
        if os.getpid() == self._pid:
            self._args[id(text)] = (text, digest)
        return digest

    def take_new(self) -> list[tuple[str, str, tuple[str, ...], dict[str, Any]]]:
        """Entries computed since the last call, by cache (a worker sends them home)."""
        out = []
        for cache in self.caches.values():
            new = cache.take_new()
            if new:
                out.append((cache.name, cache.version, cache.allowed_modules, new))
        return out

    def add_new(
        self, batches: Iterable[tuple[str, str, tuple[str, ...], dict[str, Any]]]
    ) -> None:
        for name, version, allowed, entries in batches:
            self.open(name, version, allowed).add_entries(entries)


def _fresh(value: Any) -> Any:
    """A cached list or dict is shared; hand out a copy, so a caller may change it."""
    if isinstance(value, list | dict | set):
        return value.copy()
    return value


#: The caches of the build running in this process, for ``text_memo`` (set by
#: the fastbuild plugin at the start of each run; None: nothing is memoized).
ACTIVE: ContextVar[CacheRegistry | None] = ContextVar("diskurs_caches", default=None)


def text_sha256(text: str) -> bytes:
    """SHA-256 of a text's UTF-8 (surrogates passed through).

    While a build runs, a long text is hashed once (``_arg_digest``): a
    post's HTML is asked for by the pull-quote memos and again by the page
    stamps (every post's text, megabytes, on every rebuild).
    """
    registry = ACTIVE.get()
    if registry is None:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return registry._arg_digest(text)


def text_memo(fn: Callable[..., T]) -> Callable[..., T]:
    """Remember a pure function of strings across builds, by its arguments' text.

    For the expensive pure functions of a post's HTML (parsing it to rewrite
    pull-quotes, making links absolute for a feed): a rebuild after one new
    comment calls them for every post again with the same text. The cache
    file follows the code of all plugins and of the parsing libraries, so an
    edit to any of them recomputes. Only for functions whose result depends on
    nothing but their string arguments (and code).
    """
    name = f"memo-{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def memoized(*args: Any) -> T:
        registry = ACTIVE.get()
        if registry is None or not all(type(a) is str for a in args):
            return fn(*args)
        return registry.memo_call(name, fn, args)

    return memoized


class _DigestPickler(pickle.Pickler):
    """Pickles slotted dataclasses by their field values, fetched in one C call.

    The default (``__getstate__`` written in Python, per object) dominates the
    digest of a thread of comments. The stream is only hashed, never loaded.
    """

    _getters: ClassVar[dict[type, Any]] = {}  # facts about classes, not build state

    def reducer_override(self, obj: Any) -> Any:
        cls = type(obj)
        getter: Any = self._getters.get(cls)
        if getter is None:
            getter = False
            if dataclasses.is_dataclass(cls) and "__slots__" in vars(cls):
                names = [f.name for f in dataclasses.fields(cls)]
                getter = operator.attrgetter(*names, names[0])  # always a tuple
            self._getters[cls] = getter
        if getter is False:
            return NotImplemented
        return (cls, (getter(obj),))


def value_digest(value: Any) -> bytes | None:
    """A digest of a value built the same way in each build; None if unpicklable.

    Equal values built alike digest alike across processes. Sets pickle in
    hash-seeded order, so a value holding a set may digest differently in each
    process: that only ever costs a rewrite.
    """
    h = hashlib.sha256()  # three times BLAKE2b's speed on long streams (see _digest)
    try:
        pickler = _DigestPickler(HashSink(h), protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: the stream depends on the values only, not on which of them
        # happen to be one shared object (a value from a cache is a copy).
        pickler.fast = True
        pickler.dump(value)
    except Exception:
        return None
    return h.digest()[:16]


class HashSink:
    """A file for a pickler that hashes what is written instead of keeping it."""

    __slots__ = ("write",)

    def __init__(self, h: Any) -> None:
        self.write = h.update


def save_caches(
    settings: Mapping[str, Any],
    *,
    in_child: bool = False,
    also: Iterable[ContentCache] = (),
    wait: bool = True,
) -> PendingSave | None:
    """Persist every cache this build opened (see ``CacheRegistry.save_all``)."""
    registry = settings.get(REGISTRY_KEY)
    if not isinstance(registry, CacheRegistry):
        registry = CacheRegistry()
    return registry.save_all(in_child=in_child, also=also, wait=wait)


class OutputLedger:
    """Files a plugin writes itself (feeds): skip unchanged ones, remove lost ones.

    A file is skipped only when the value it is written from digests the same
    as when we wrote it and the file on disk is still the one we wrote (size
    and modification time). Files we wrote in an earlier build that no part of
    this build wrote or skipped belong to content that is gone (a deleted
    post's comment feed, an emptied category's feed) and are removed, as a
    full build into an empty folder would not have them.
    """

    def __init__(self, cache: ContentCache, output: Path) -> None:
        self.cache = cache
        self.output = output
        self.visited: set[str] = set()
        self.skipped = 0
        self.written = 0

    @staticmethod
    def stamp(value: Any) -> bytes | None:
        """A digest of what a file is written from; None when it cannot be taken."""
        return value_digest(value)

    def unchanged(self, rels: Iterable[str], stamp: bytes | None) -> bool:
        """True when every file is on disk exactly as written from this stamp."""
        rels = list(rels)
        self.visited.update(rels)
        if stamp is None:
            return False
        for rel in rels:
            record = self.cache.get(rel)
            if not isinstance(record, tuple) or len(record) != 3 or record[0] != stamp:
                return False
            try:
                st = os.stat(self.output / rel)
            except OSError:
                return False
            if (st.st_size, st.st_mtime_ns) != record[1:]:
                return False
        self.skipped += len(rels)
        return True

    def record(self, rels: Iterable[str], stamp: bytes | None) -> None:
        """Remember the files just written from this stamp."""
        for rel in rels:
            self.visited.add(rel)
            self.written += 1
            if stamp is None:
                continue
            try:
                st = os.stat(self.output / rel)
            except OSError:
                continue
            self.cache.put(rel, (stamp, st.st_size, st.st_mtime_ns))

    def remove_orphans(self) -> int:
        removed = 0
        for rel, record in self.cache.items():
            if rel in self.visited or not isinstance(record, tuple) or len(record) != 3:
                continue
            path = self.output / rel
            try:
                st = os.stat(path)
            except OSError:
                continue
            if (st.st_size, st.st_mtime_ns) == record[1:]:
                path.unlink()
                removed += 1
        return removed


def output_ledger(
    settings: dict[str, Any], name: str, output: str | os.PathLike[str]
) -> OutputLedger:
    """The build's ledger of the files ``name`` writes into ``output``."""
    registry = registry_for(settings)
    key = f"{name}|{os.path.abspath(output)}"
    ledger = registry.ledgers.get(key)
    if ledger is None:
        version = hashlib.blake2b(
            f"{registry.memo_version()}|{os.path.abspath(output)}".encode(),
            digest_size=16,
        ).hexdigest()
        cache = registry.open(f"outputs-{name}", version)
        ledger = registry.ledgers[key] = OutputLedger(cache, Path(output))
    return ledger
