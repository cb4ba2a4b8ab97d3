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

import datetime as dt
import enum
import hashlib
import os
import re
import types
from collections.abc import Callable, ItemsView, Iterable, KeysView, Mapping, ValuesView
from dataclasses import fields, is_dataclass
from typing import Any

from sitekit.cache import value_digest

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


def _iso(value: dt.datetime | dt.date | dt.time | dt.timedelta) -> str:
    return repr(value) if isinstance(value, dt.timedelta) else value.isoformat()


def pickled_digest(value: Any) -> bytes:
    """A fast digest of a picklable value (see ``sitekit.cache.value_digest``).

    For the attributes read while a page renders (a thread of 20,000 comments):
    pickle walks the value in C. A value that cannot be pickled digests as
    "changed", so the pages that read it are always written.
    """
    return value_digest(value) or os.urandom(16)
