"""Stamps of what each output page was rendered from, kept between builds.

A page's stamp joins three things. The site digest: the code, the theme files,
the settings, the shared context and every post's and page's data except its
text and its comments (a change there rewrites every page, as it should).
The call: the template and the values Pelican passed for this one page. And the
reads recorded while it rendered (``tracking``): which post's text, summary,
thread or count it showed, each with a digest of the value. A page is skipped
only when all three are unchanged and the file on disk is still the one we
wrote; anything else renders it.

A stamp is two halves: the site, Jinja environment and template (the same for
many pages), then the page's own values. Pelican's own generators pass a page
nothing but what follows from the site digest (its posts, lists, settings and
the page's path), so for their pages an unchanged first half means an
unchanged second one: the values are not digested again (a rebuild after one
new comment digested 1,592 pages' values to find them all unchanged).
"""

from __future__ import annotations

import gettext
import hashlib
import logging
import operator
import os
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path
from typing import Any

from pelican.contents import Content
from pelican.generators import ArticlesGenerator, PagesGenerator
from pelican.urlwrappers import URLWrapper
from pelican.utils import SafeDatetime
from sitekit.cache import ContentCache, code_version
from sitekit.contentlists import ARTICLE_LISTS, PAGE_LISTS

from .fingerprint import SAME, Fingerprinter, ValueDigester
from .tracking import CONTENT, SUMMARY, TrackedAttribute, read_digest, text_digest

logger = logging.getLogger(__name__)

#: Context values Pelican fills from a set (hash-seeded order): order means nothing.
ORDERLESS = frozenset({"staticfiles"})

#: Generators whose pages' values follow from the site digest and the page's path
#: (see the module docstring): exactly these classes, not subclasses.
DERIVED_PAGES = (ArticlesGenerator, PagesGenerator)

#: Bytes of each half of a stamp.
HALF = 16
#: Bytes of the digest of one read in a ``PageRecord``.
READ = 16

_ABSENT = object()

#: Libraries whose version changes what a page looks like.
DISTRIBUTIONS = (
    "pelican",
    "jinja2",
    "markupsafe",
    "markdown",
    "pygments",
    "babel",
    "markdown-it-py",
    "nh3",
    "feedgen",
    "pyyaml",
)


@dataclass(frozen=True, slots=True)
class PageRecord:
    """What a written page was rendered from, and the file we wrote.

    Its reads are two columns: what was read (``(reference, attribute)``,
    sorted) and the digests of the values, one ``READ`` bytes each, in that
    order. A check then compares one joined string, made in C (``unchanged``),
    and a post read for two attributes names its reference once in the pickle.
    """

    stamp: bytes
    keys: tuple[tuple[str, str], ...]
    digests: bytes
    size: int
    mtime_ns: int


def _reference(obj: Any) -> str | None:
    if isinstance(obj, Content):
        path = getattr(obj, "source_path", None)
        return (
            f"{type(obj).__name__}:{path}"
            if path
            else f"{type(obj).__name__}:?{id(obj)}"
        )
    return None


def _read_bytes(digest: bytes) -> bytes:
    """A read's digest as exactly ``READ`` bytes (``b"missing"`` is shorter)."""
    if len(digest) == READ:
        return digest
    return hashlib.blake2b(b"read:" + digest, digest_size=READ).digest()


class _ReadTable(dict):  # type: ignore[type-arg]
    """``(reference, attribute)`` -> the read's digest in this build, made on
    first lookup; ``b""`` for a post or page no longer there (never equal).

    A dict, so that ``unchanged`` looks up a page's reads with ``map`` in C.
    """

    def __init__(self, stamps: PageStamps) -> None:
        super().__init__()
        self.stamps = stamps

    def __missing__(self, key: tuple[str, str]) -> bytes:
        obj = (self.stamps._by_ref or {}).get(key[0])
        got = b"" if obj is None else _read_bytes(self.stamps.read_digest(obj, key[1]))
        self[key] = got
        return got


def _columns(
    reads: Iterable[tuple[str, str, bytes]],
) -> tuple[tuple[tuple[str, str], ...], bytes]:
    """Reads as a ``PageRecord`` keeps them: sorted keys, then joined digests.

    Equal references and names become one object each (interned: the pickle
    names each once per page); the work is done in C (a cold build records
    every page's reads, 21,000 at 1,000 posts).
    """
    rows = sorted(reads)
    keys = tuple(
        zip(
            map(sys.intern, map(_FIRST, rows)),
            map(sys.intern, map(_SECOND, rows)),
            strict=True,
        )
    )
    digests = b"".join(map(_THIRD, rows))
    if len(digests) != READ * len(rows):
        digests = b"".join(_read_bytes(d) for _, _, d in rows)
    return keys, digests


_FIRST, _SECOND, _THIRD = map(operator.itemgetter, range(3))


def _describe(obj: Any) -> Any:
    if isinstance(obj, URLWrapper):
        # Its slug is computed on first use; digest what it means, not its cache.
        return (type(obj).__name__, obj.name, obj.slug)
    if isinstance(obj, gettext.NullTranslations):
        # A catalog compiled at build time carries the build's clock in its
        # header (msgid ""); the messages and the plural rule are what pages show.
        catalog = getattr(obj, "_catalog", {})
        return (
            type(obj).__name__,
            {k: v for k, v in catalog.items() if k != ""},
            getattr(obj, "plural", None),
            getattr(obj, "_charset", None),
            obj._fallback,
        )
    return None


def theme_digest(roots: Iterable[str | os.PathLike[str]]) -> bytes:
    """Every file of the theme (templates, translations, static files)."""
    h = hashlib.blake2b(digest_size=16)
    for root in roots:
        base = Path(root)
        if not base.is_dir():
            h.update(f"missing:{base}".encode())
            continue
        for path in sorted(
            p for p in base.rglob("*") if p.is_file() and "__pycache__" not in p.parts
        ):
            h.update(
                str(path.relative_to(base)).encode("utf-8", "surrogateescape") + b"\0"
            )
            h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.digest()


def plugin_modules(plugins: Iterable[Any]) -> list[str]:
    """The top-level packages of the plugins in this build, plus the shared kernel."""
    names = {str(getattr(p, "__name__", p)).split(".")[0] for p in plugins}
    names.update({"sitekit", "fastbuild"})
    return sorted(names)


class PageStamps:
    """The stamps of one build's pages, and those of the build before."""

    def __init__(
        self,
        settings: Mapping[str, Any],
        output_path: str,
        runtime_keys: Iterable[str],
        cache: ContentCache,
        code: str,
        keys: Mapping[str, Callable[[Any], Any]] | None = None,
    ) -> None:
        self.settings = settings
        self.keys = dict(keys or {})
        self.output_path = output_path
        self.runtime_keys = frozenset(runtime_keys)
        self.code = code
        self.cache = cache
        # Once per build (settings, context): a walk that ignores set and dict order.
        self.fp = Fingerprinter(_reference, describe=_describe)
        # Every post's data and every page's values: pickled, in C.
        self.values = ValueDigester(
            _reference, describe=_describe, seeds=(SafeDatetime,)
        )
        self._site: bytes | None = None
        self._envs: dict[int, bytes] = {}
        self._firsts: dict[tuple[int, str], bytes] = {}
        #: ids of the Jinja environments of Pelican's own generators (kept alive).
        self._derived: dict[int, Any] = {}
        self.reused = 0  # stamps taken from the record, values not digested
        self._reads: dict[tuple[int, str], bytes] = {}
        #: This build's digest of each read a recorded page made, by name.
        self._current = _ReadTable(self)
        self._texts: dict[int, bytes] = {}  # by id, as _reads: posts live as long
        self._by_ref: dict[str, Any] | None = None
        self._volatile: frozenset[str] = frozenset()
        self.visited: set[str] = set()
        self.skipped = 0
        self.rendered = 0

    # -- digests -------------------------------------------------------------
    def _settings_part(
        self, mapping: Mapping[str, Any], exclude: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        out = {}
        for key, value in mapping.items():
            if key in self.runtime_keys or key.startswith("_") or key == "localsiteurl":
                continue
            if exclude is not None and key in exclude and exclude[key] is value:
                continue  # a setting, digested with the settings
            if key in ORDERLESS and isinstance(value, list):
                value = sorted(_reference(v) or repr(v) for v in value)
            out[key] = value
        return out

    def site_digest(self, context: Mapping[str, Any]) -> bytes:
        """Everything every page may show, except the tracked reads (once per build)."""
        if self._site is None:
            self._volatile = frozenset(
                {"_content", CONTENT, SUMMARY}
                | {
                    n
                    for n, v in vars(Content).items()
                    if isinstance(v, TrackedAttribute)
                }
                | self.values.skip
            )
            h = hashlib.blake2b(digest_size=16)
            h.update(self.code.encode())
            h.update(
                theme_digest(
                    [
                        self.settings["THEME"],
                        *self.settings.get("THEME_TEMPLATES_OVERRIDES", ()),
                    ]
                )
            )
            h.update(self.fp.digest(self._settings_part(self.settings, None)))
            h.update(self.fp.digest(self._settings_part(context, self.settings)))
            # Every post's and page's own data, in one go.
            h.update(
                self._value_digest(
                    [
                        (_reference(obj), self._own_state(obj))
                        for obj in self._contents(context)
                    ]
                )
            )
            self._site = h.digest()
            if self.fp.unstable:
                logger.info(
                    "fastbuild: %d value(s) not digestible (%s); every page is written",
                    len(self.fp.unstable),
                    ", ".join(sorted(set(self.fp.unstable))[:5]),
                )
        return self._site

    def _value_digest(self, value: Any) -> bytes:
        got = self.values.digest(value)
        if got is None:
            if len(self.values.failed) == 1:
                logger.info(
                    "fastbuild: a value is not digestible (%s); its pages are written",
                    self.values.failed[0],
                )
            return os.urandom(16)  # never equal: the pages are written
        return got

    def _contents(self, context: Mapping[str, Any]) -> list[Any]:
        """Every post and page (drafts, hidden and translations too), by source path."""
        seen: dict[int, Any] = {}
        for value in (context.get("generated_content") or {}).values():
            if isinstance(value, Content):
                seen[id(value)] = value
        # The context holds the generators' lists under the same names.
        for key in dict.fromkeys((*ARTICLE_LISTS, *PAGE_LISTS)):
            for value in context.get(key) or ():
                if isinstance(value, Content):
                    seen[id(value)] = value
        objs = sorted(
            seen.values(), key=lambda c: (str(c.source_path), type(c).__name__)
        )
        self._by_ref = {r: c for c in objs if (r := _reference(c)) is not None}
        return objs

    def _own_state(self, obj: Any) -> dict[str, Any]:
        """A post's data except its text and the tracked attributes, by name.

        Pelican makes every metadata field an attribute too: a field that is
        the very object of its attribute is digested once, as the attribute.
        """
        volatile = self._volatile
        state = vars(obj)
        own = {k: state[k] for k in sorted(state) if k not in volatile}
        metadata = own.get("metadata")
        if type(metadata) is dict:
            own["metadata"] = {
                k: SAME if own.get(k, _ABSENT) is v else v for k, v in metadata.items()
            }
        return own

    def env_digest(self, env: Any) -> bytes:
        got = self._envs.get(id(env))
        if got is None:
            got = self.fp.digest(
                {
                    "globals": dict(getattr(env, "globals", {})),
                    "filters": dict(getattr(env, "filters", {})),
                    "tests": dict(getattr(env, "tests", {})),
                    "policies": dict(getattr(env, "policies", {})),
                    "autoescape": getattr(env, "autoescape", None),
                }
            )
            self._envs[id(env)] = got
        return got

    def derive_pages_of(self, generators: Iterable[Any]) -> None:
        """Note the Jinja environments of Pelican's generators (``DERIVED_PAGES``)."""
        for generator in generators:
            env = getattr(generator, "env", None)
            if type(generator) in DERIVED_PAGES and env is not None:
                self._derived[id(env)] = env

    def _first_half(self, env: Any, name: str, context: Mapping[str, Any]) -> bytes:
        """Site, environment and template: shared by every page of one template."""
        key = (id(env), name)
        got = self._firsts.get(key)
        if got is None:
            h = hashlib.blake2b(digest_size=HALF)
            h.update(self.site_digest(context))
            h.update(self.env_digest(env))
            h.update(name.encode("utf-8", "surrogatepass"))
            got = self._firsts[key] = h.digest()
        return got

    def stamp(
        self, template: Any, localcontext: Mapping[str, Any], context: Mapping[str, Any]
    ) -> bytes:
        """The digest of one page's inputs other than its recorded reads."""
        env = getattr(template, "environment", None)
        first = self._first_half(env, str(getattr(template, "name", "")), context)
        if id(env) in self._derived:
            record = self.cache.get(str(localcontext.get("output_file") or ""))
            if isinstance(record, PageRecord) and record.stamp[:HALF] == first:
                # Same site, environment and template: the same values (docstring).
                self.reused += 1
                return record.stamp
        # The values Pelican added for this page (its copy of the context holds
        # hundreds of settings): compared by identity in C, key by key.
        keys = list(localcontext)
        own = compress(
            keys,
            map(
                operator.is_not,
                map(localcontext.__getitem__, keys),
                map(context.get, keys, repeat(_ABSENT)),
            ),
        )
        local = {k: localcontext[k] for k in own if k not in self.runtime_keys}
        failed = len(self.values.failed)
        second = self._value_digest(local)
        if len(self.values.failed) != failed:
            return os.urandom(2 * HALF)  # no half of it may match a later build
        return first + second

    def read_digest(self, obj: Any, name: str) -> bytes:
        key = (id(obj), name)
        got = self._reads.get(key)
        if got is None:
            text = None
            if name in (CONTENT, SUMMARY):
                text = self._texts.get(id(obj))
                if text is None:
                    text = self._texts[id(obj)] = text_digest(obj)
            got = read_digest(obj, name, self.keys, text)
            self._reads[key] = got
        return got

    # -- records -------------------------------------------------------------
    def has_record(self, rel: str) -> bool:
        """Whether an earlier build wrote this page (else nothing to compare)."""
        return rel in self.cache

    def unchanged(self, rel: str, path: str, stamp: bytes) -> bool:
        """True when the page on disk was rendered from exactly these inputs."""
        self.visited.add(rel)
        record = self.cache.get(rel)
        if not isinstance(record, PageRecord) or record.stamp != stamp:
            return False
        try:
            st = os.stat(path)
        except OSError:
            return False
        if st.st_size != record.size or st.st_mtime_ns != record.mtime_ns:
            return False  # someone else wrote it, or it was cut short
        if b"".join(map(self._current.__getitem__, record.keys)) != record.digests:
            return False
        self.skipped += 1
        return True

    def record(
        self, rel: str, path: str, stamp: bytes, reads: Iterable[tuple[Any, str]]
    ) -> None:
        """Remember what a page just written was rendered from."""
        self.visited.add(rel)
        self.rendered += 1
        entries = []
        for obj, name in reads:
            ref = _reference(obj)
            if ref is None or "?" in ref:
                return  # a read we cannot name next time: never skip this page
            entries.append((ref, name, self.read_digest(obj, name)))
        try:
            st = os.stat(path)
        except OSError:
            return
        self.cache.put(
            rel, PageRecord(stamp, *_columns(entries), st.st_size, st.st_mtime_ns)
        )

    def record_digests(
        self, rel: str, path: str, stamp: bytes, reads: list[tuple[str, str, bytes]]
    ) -> None:
        """``record`` for a page rendered elsewhere, its reads already digested."""
        self.visited.add(rel)
        self.rendered += 1
        try:
            st = os.stat(path)
        except OSError:
            return
        self.cache.put(
            rel, PageRecord(stamp, *_columns(reads), st.st_size, st.st_mtime_ns)
        )

    def remove_orphans(self) -> int:
        """Delete pages we wrote in an earlier build that no page of this build is.

        A deleted post, tag or category leaves no page behind, as a full build
        into an empty folder would not have it; a file someone else changed
        since is left alone.
        """
        removed = 0
        for rel, record in list(self.cache.items()):
            if rel in self.visited or not isinstance(record, PageRecord):
                continue
            path = os.path.join(self.output_path, rel)
            try:
                st = os.stat(path)
            except OSError:
                continue
            if st.st_size == record.size and st.st_mtime_ns == record.mtime_ns:
                os.unlink(path)
                removed += 1
                parent = os.path.dirname(path)
                while os.path.abspath(parent) != os.path.abspath(self.output_path):
                    try:
                        os.rmdir(parent)
                    except OSError:
                        break
                    parent = os.path.dirname(parent)
        return removed


def stamps_version(code: str, output_path: str) -> str:
    """Page stamps hold for one output folder and one version of the code."""
    return hashlib.blake2b(
        f"{code}|{os.path.abspath(output_path)}".encode(), digest_size=16
    ).hexdigest()


def build_code_version(plugins: Iterable[Any]) -> str:
    """The code every page depends on: our plugins and the libraries."""
    return code_version(*plugin_modules(plugins), distributions=DISTRIBUTIONS)
