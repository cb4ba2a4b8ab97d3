"""Stable digests of the values a page is rendered from.

Selective writing skips a page only when everything it was rendered from is
unchanged, so the digest of those values must be equal across processes for
equal values (no ``id()``, no hash-seeded set order, no memory addresses) and
must differ whenever a value differs. Content objects inside a value count by
their source path only: their own data is digested once per build, apart.
A value we cannot digest reliably makes the digest unique to this build, so
the pages that depend on it are written: slower, never stale.
"""

from __future__ import annotations

import copyreg
import dataclasses
import datetime as dt
import enum
import hashlib
import operator
import os
import pickle
import re
import types
import zoneinfo
from collections.abc import Callable, ItemsView, Iterable, KeysView, Mapping, ValuesView
from dataclasses import fields, is_dataclass
from typing import Any

import markupsafe
from sitekit.cache import HashSink, value_digest

_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_PRIMITIVES = (str, int, float, bool, type(None), bytes)


class Fingerprinter:
    """Digests values for one build; shared containers are digested once.

    ``is_reference(obj)`` returns a stable name for objects that are counted
    by name only (posts and pages), or None. ``skip`` names attributes never
    digested (the settings and the shared context, digested once on their own).
    """

    def __init__(
        self,
        is_reference: Callable[[Any], str | None],
        skip: Iterable[str] = ("settings", "_context"),
        describe: Callable[[Any], Any] | None = None,
    ) -> None:
        self.is_reference = is_reference
        #: Returns a plain value to digest instead of an object (e.g. a tag by
        #: name and slug, not by its lazily filled attributes), or None.
        self.describe = describe
        self.skip = frozenset(skip)
        self._memo: dict[int, bytes] = {}
        self._keep: list[Any] = []  # keeps memoized objects alive, so ids stay unique
        self._fields: dict[type, list[str]] = {}
        self.unstable: list[str] = []

    def digest(self, value: Any) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        self._feed(h, value, 0)
        return h.digest()

    def _unstable(self, h: Any, what: str) -> None:
        self.unstable.append(what)
        h.update(b"!" + os.urandom(16))

    def _sub(self, value: Any, depth: int) -> bytes:
        """Digest of a container or object, memoized by identity for this build."""
        key = id(value)
        got = self._memo.get(key)
        if got is None:
            h = hashlib.blake2b(digest_size=16)
            self._memo[key] = b"(cycle)"  # a value that contains itself
            self._feed_object(h, value, depth)
            got = h.digest()
            self._memo[key] = got
            self._keep.append(value)
        return got

    def _feed(self, h: Any, value: Any, depth: int) -> None:
        if isinstance(value, _PRIMITIVES):
            # Markup and other str subclasses digest as their text.
            tag = "str" if isinstance(value, str) else type(value).__name__
            data = (
                value
                if isinstance(value, bytes)
                else str(value).encode("utf-8", "surrogatepass")
            )
            h.update(tag.encode() + b":" + len(data).to_bytes(8, "little"))
            h.update(data)
            return
        ref = self.is_reference(value)
        if ref is not None:
            h.update(b"ref:" + ref.encode("utf-8", "surrogatepass") + b";")
            return
        if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
            tz = getattr(value, "tzinfo", None)
            h.update(f"{type(value).__name__}:{_iso(value)}:{tz!s};".encode())
            return
        if isinstance(value, dt.tzinfo):
            h.update(f"tz:{value!s};".encode())
            return
        if isinstance(value, enum.Enum):
            h.update(f"enum:{type(value).__qualname__}.{value.name};".encode())
            return
        if isinstance(
            value,
            types.FunctionType | types.BuiltinFunctionType | type | types.ModuleType,
        ):
            name = getattr(value, "__qualname__", None) or getattr(
                value, "__name__", ""
            )
            module = getattr(value, "__module__", "") or ""
            if "<lambda>" in name or "<locals>" in name:
                # A closure: its code is in the code version, its cells are values.
                h.update(f"fn:{module}.{name};".encode())
                for cell in getattr(value, "__closure__", None) or ():
                    try:
                        h.update(self._sub_or_prim(cell.cell_contents, depth + 1))
                    except ValueError:
                        h.update(b"empty-cell")
                return
            h.update(f"fn:{module}.{name};".encode())
            return
        if isinstance(value, types.MethodType):
            h.update(f"method:{value.__func__.__qualname__};".encode())
            h.update(self._sub_or_prim(value.__self__, depth + 1))
            return
        h.update(self._sub(value, depth + 1))

    def _sub_or_prim(self, value: Any, depth: int) -> bytes:
        h = hashlib.blake2b(digest_size=16)
        self._feed(h, value, depth)
        return h.digest()

    def _feed_object(self, h: Any, value: Any, depth: int) -> None:
        if depth > 200:
            self._unstable(h, f"too deep: {type(value).__qualname__}")
            return
        if isinstance(value, Mapping):
            h.update(f"map:{type(value).__qualname__}:{len(value)};".encode())
            items = [(self._sub_or_prim(k, depth), v) for k, v in value.items()]
            items.sort(key=lambda kv: kv[0])
            for kd, v in items:
                h.update(kd)
                self._feed(h, v, depth)
            return
        if isinstance(value, set | frozenset):
            h.update(f"set:{len(value)};".encode())
            for d in sorted(self._sub_or_prim(v, depth) for v in value):
                h.update(d)
            return
        if isinstance(value, list | tuple | ItemsView | KeysView | ValuesView):
            h.update(f"seq:{type(value).__qualname__}:{len(value)};".encode())
            refs = [self.is_reference(v) for v in value] if len(value) > 8 else None
            if refs and None not in refs:
                # A list of posts (an index, a tag): their names, in one go.
                h.update(b"refs:" + "\0".join(refs).encode("utf-8", "surrogatepass"))
                return
            for v in value:
                self._feed(h, v, depth)
            return
        if self.describe is not None:
            described = self.describe(value)
            if described is not None:
                h.update(b"described:")
                self._feed(h, described, depth)
                return
        cls = type(value)
        h.update(f"obj:{cls.__module__}.{cls.__qualname__};".encode())
        if is_dataclass(value):
            names = self._fields.get(cls)
            if names is None:
                names = self._fields[cls] = [
                    f.name for f in fields(value) if f.name not in self.skip
                ]
            for name in names:
                h.update(name.encode() + b"=")
                self._feed(h, getattr(value, name), depth)
            return
        state = getattr(value, "__dict__", None)
        slots = [
            s
            for c in cls.__mro__
            for s in getattr(c, "__slots__", ())
            if isinstance(s, str)
        ]
        if state is not None or slots:
            attrs = dict(state or {})
            for s in slots:
                if s not in attrs and hasattr(value, s):
                    attrs[s] = getattr(value, s)
            for name in sorted(attrs):
                if name in self.skip or name.startswith("__"):
                    continue
                h.update(name.encode() + b"=")
                self._feed(h, attrs[name], depth)
            return
        text = repr(value)
        if _ADDRESS.search(text):
            self._unstable(h, f"{cls.__module__}.{cls.__qualname__}")
        else:
            h.update(text.encode("utf-8", "surrogatepass"))


def _as(*parts: Any) -> Any:
    """Stands for a value in a digest stream (never called: streams are only hashed)."""
    raise NotImplementedError


#: Stands for a value digested elsewhere in the same stream (no content holds it).
SAME = (_as, "same")


#: Globals that values name when pickled (dates and their zones, markup).
_SEEDS = (
    getattr,
    copyreg.__newobj__,
    copyreg._reconstructor,
    dt.datetime,
    dt.date,
    dt.time,
    dt.timedelta,
    dt.timezone,
    zoneinfo.ZoneInfo,
    markupsafe.Markup,
)

#: How ``_DigestPickler`` writes instances of a class (decided once per class).
_DEFAULT, _FIELDS, _STATE, _FUNCTION, _MODULE = range(5)
#: Slotted dataclasses with this many fields are digested once per object.
_RECORD_FIELDS = 8


def _kind(cls: type) -> int:
    if issubclass(cls, types.FunctionType):
        return _FUNCTION
    if issubclass(cls, types.ModuleType):
        return _MODULE
    if issubclass(cls, type):
        return _DEFAULT  # pickled by name
    if dataclasses.is_dataclass(cls) and "__slots__" in vars(cls):
        return _FIELDS
    if (
        cls.__reduce_ex__ is object.__reduce_ex__  # type: ignore[comparison-overlap]
        and cls.__reduce__ is object.__reduce__  # type: ignore[comparison-overlap]
        and getattr(cls, "__getstate__", None) is object.__getstate__
    ):
        return _STATE  # pickle would write its whole __dict__, settings and all
    return _DEFAULT  # its own pickling (datetime, Markup, ...)


class _DigestPickler(pickle.Pickler):
    """Pickles a value for hashing, in C except for a few kinds of object.

    Posts count by name (their data is digested apart), tags by name and slug,
    slotted dataclasses by their fields, plain objects by their attributes
    without the settings, closures by their code's name and their cells.
    """

    def __init__(self, file: Any, digester: ValueDigester) -> None:
        super().__init__(file, protocol=pickle.HIGHEST_PROTOCOL)
        # No memo: the stream depends on the values only, not on which of
        # them happen to be one shared object (a cache hands back copies).
        self.fast = True
        # ... except the marker and a few classes (``ValueDigester.seeds``),
        # at fixed indices in every stream: each reduced value names one, and
        # pickle would look it up as a global every time.
        self.memo = digester.memo
        self.d = digester

    def reducer_override(self, obj: Any) -> Any:
        if obj is _as:
            return NotImplemented  # the marker itself: by name
        d = self.d
        cls = type(obj)
        kind = d.kinds.get(cls)
        if kind is None:
            kind = d.kinds[cls] = _kind(cls)
            if kind == _FIELDS:
                names = [f.name for f in dataclasses.fields(cls)]
                d.getters[cls] = operator.attrgetter(*names, names[0])  # a tuple
                if len(names) >= _RECORD_FIELDS:
                    d.records.add(cls)
        if kind == _DEFAULT:
            return NotImplemented
        if kind == _FIELDS:
            value = (cls.__module__, cls.__qualname__, d.getters[cls](obj))
            if cls in d.records:
                # A big record is often shown by many posts (a reading item):
                # digested once per build, as long lists are (see ``lean``).
                return (_as, ("record", d.shared(obj, value)))
            return (_as, value)
        if kind == _FUNCTION:
            name = obj.__qualname__
            if "<lambda>" not in name and "<locals>" not in name:
                return NotImplemented  # pickled by name
            # A closure: its code is in the code version, its cells are values.
            cells = []
            for cell in obj.__closure__ or ():
                try:
                    cells.append(cell.cell_contents)
                except ValueError:
                    cells.append("<empty cell>")
            return (_as, ("fn", obj.__module__, name, tuple(cells)))
        if kind == _MODULE:
            return (_as, ("module", obj.__name__))
        ref = d.reference(obj)
        if ref is not None:
            return (_as, ("ref", ref))
        if d.describe is not None:
            described = d.describe(obj)
            if described is not None:
                return (_as, ("described", described))
        state = getattr(obj, "__dict__", None)
        if state is None:
            return NotImplemented
        return (_as, (cls.__module__, cls.__qualname__, d.lean(state)))


class ValueDigester:
    """Digests many values fast (``pickle``, in C); for each post and each page.

    The ``Fingerprinter`` walks a value in Python: right for the settings and
    the shared context (once per build; sets and dict order digest alike in
    every process), too slow for every post and every page of a big site. This
    one pickles the value and hashes the stream. Equal values built the same
    way digest alike in every process; a set of strings pickles in hash-seeded
    order, so a value holding one only ever costs a rewrite. A value that
    cannot be pickled digests as None: always "changed".
    """

    def __init__(
        self,
        is_reference: Callable[[Any], str | None],
        skip: Iterable[str] = ("settings", "_context"),
        describe: Callable[[Any], Any] | None = None,
        seeds: Iterable[Any] = (),
    ) -> None:
        self.is_reference = is_reference
        self.describe = describe
        self.skip = frozenset(skip)
        #: Objects pickle names by reference (the marker, classes of dates,
        #: time zones, markup; ``seeds`` adds more), by fixed memo index.
        self.memo = {id(o): (i, o) for i, o in enumerate((_as, *_SEEDS, *seeds))}
        self.kinds: dict[type, Any] = {}
        self.getters: dict[type, Any] = {}
        self.failed: list[str] = []
        # By id, with the object kept alive so that its id stays its own.
        self._refs: dict[int, tuple[Any, str | None]] = {}
        self._lists: dict[int, tuple[Any, bytes]] = {}
        self.records: set[type] = set()

    def digest(self, value: Any) -> bytes | None:
        try:
            return self._digest(self.lean(value) if isinstance(value, dict) else value)
        except Exception as exc:  # anything unpicklable: never "unchanged"
            self.failed.append(f"{type(exc).__name__}: {exc}"[:200])
            return None

    def _digest(self, value: Any) -> bytes:
        # SHA-256: the CPU computes it three times as fast as BLAKE2b (the
        # posts' data is megabytes of stream).
        h = hashlib.sha256()
        # The stream goes straight into the hash, frame by frame.
        _DigestPickler(HashSink(h), self).dump(value)
        return h.digest()[:16]

    def reference(self, obj: Any) -> str | None:
        got = self._refs.get(id(obj))
        if got is None:
            got = self._refs[id(obj)] = (obj, self.is_reference(obj))
        return got[1]

    def lean(self, state: dict[str, Any]) -> dict[str, Any]:
        """Attributes without the settings; lists of posts as their names.

        Many pages show one list (a tag's posts, all posts by date); each long
        one is digested once per build, not once per page that shows it.
        """
        out = {}
        for k, v in state.items():
            if k in self.skip:
                continue
            if type(v) in _SEQUENCES and v:
                v = self.sequence(v)
            out[k] = v
        return out

    def sequence(self, value: list[Any] | tuple[Any, ...]) -> Any:
        """A list of posts as one string of their names (a page of a listing
        holds ten, its paginator all of them); a long list once per build.

        Anything else as it is, or (long) as its digest.
        """
        long = len(value) > 16
        if long:
            got = self._lists.get(id(value))
            if got is not None:
                return _as, got[1]  # a tuple unlike any list
        refs = None
        if self.reference(value[0]) is not None:
            names = [self.reference(v) for v in value]
            if None not in names:
                refs = "\0".join(names)  # type: ignore[arg-type]
        if refs is None:
            return (_as, self.shared(value, value)) if long else value
        named = (_as, ("refs", _SEQUENCES.get(type(value), type(value).__name__), refs))
        if long:
            self._lists[id(value)] = (value, self._digest(named))
            return _as, self._lists[id(value)][1]
        return named

    def shared(self, obj: Any, value: Any) -> bytes:
        """The digest of ``value``, which stands for ``obj``: once per build."""
        got = self._lists.get(id(obj))
        if got is None:
            got = self._lists[id(obj)] = (obj, self._digest(value))
        return got[1]


class IdentityList(list):  # type: ignore[type-arg]
    """A list of posts whose ``in`` is a set lookup of ids (see fastbuild.plugin).

    Only for items that compare by identity (no ``__eq__``: Pelican's posts).
    A list changed since (its length differs) is scanned as before. It pickles
    and digests as the plain list it stands for.
    """

    __slots__ = ("_ids", "_n")

    def __init__(self, items: Iterable[Any]) -> None:
        super().__init__(items)
        self._ids = frozenset(map(id, self))
        self._n = len(self)

    def __contains__(self, item: Any) -> bool:
        if len(self) != self._n:
            return list.__contains__(self, item)
        return id(item) in self._ids

    def __reduce__(self) -> tuple[Any, ...]:
        return (list, (list(self),))


#: Sequences ``ValueDigester.lean`` digests item by item, by their kind's name.
_SEQUENCES = {list: "list", tuple: "tuple", IdentityList: "list"}


def _iso(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    return repr(value) if isinstance(value, dt.timedelta) else value.isoformat()


def pickled_digest(value: Any) -> bytes:
    """A fast digest of a picklable value (see ``sitekit.cache.value_digest``).

    For the attributes read while a page renders (a thread of 20,000 comments):
    pickle walks the value in C. A value that cannot be pickled digests as
    "changed", so the pages that read it are always written.
    """
    return value_digest(value) or os.urandom(16)
