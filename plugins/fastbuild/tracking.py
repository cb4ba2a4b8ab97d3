"""Which post's comments (and text) did a page read while it rendered?

A new comment changes one post's thread and count. The pages to write again
are exactly those whose rendering read that thread or that count: the post's
own page, the index page and the tag pages that list it. Rather than guess
from the theme, we record it: the attributes that change often (a post's
text and summary, and the comment attributes the comments plugin sets) become
data descriptors on Pelican's content classes that note every read made while
a page renders. A page whose recorded reads all give the same values again,
and whose other inputs are unchanged, renders to the same bytes.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from typing import Any

from pelican.contents import Content, Static
from sitekit.cache import text_sha256

from .fingerprint import pickled_digest

#: The reads of the page being rendered now, or None outside a render.
RECORDING: ContextVar[set[tuple[Any, str]] | None] = ContextVar(
    "fastbuild_reads", default=None
)

#: Once the posts are read (``article_generator_pretaxonomy``) until
#: the build ends: each post's and page's ``url`` and ``save_as`` by id (with
#: the object, so that its id stays its own), else None.
URLS: ContextVar[dict[tuple[int, str], tuple[Any, str]] | None] = ContextVar(
    "fastbuild_urls", default=None
)

#: Reads of ``content``/``get_content``: the post's text.
CONTENT = "content"
#: Reads of ``summary``/``get_summary``: made from the text or the Summary header.
SUMMARY = "summary"


def _record(obj: Any, name: str) -> None:
    reads = RECORDING.get()
    if reads is not None:
        reads.add((obj, name))


class TrackedAttribute:
    """An instance attribute like any other, whose reads during a render are noted."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        _record(obj, self.name)  # a missing attribute is a read too: it may appear
        try:
            return obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None

    def __set__(self, obj: Any, value: Any) -> None:
        obj.__dict__[self.name] = value

    def __delete__(self, obj: Any) -> None:
        try:
            del obj.__dict__[self.name]
        except KeyError:
            raise AttributeError(self.name) from None


def install(attributes: Iterable[str]) -> None:
    """Make ``attributes`` and the text accessors of every content class tracked.

    Idempotent: a second build in one process (``pelican -r``) changes nothing.
    """
    for name in attributes:
        if not isinstance(Content.__dict__.get(name), TrackedAttribute):
            setattr(Content, name, TrackedAttribute(name))
    if getattr(Content, "_fastbuild_tracked", False):
        return
    content_prop = Content.__dict__["content"]
    summary_prop = Content.__dict__["summary"]
    get_content = Content.__dict__["get_content"]
    get_summary = Content.__dict__["get_summary"]

    def content_get(self: Any) -> Any:
        _record(self, CONTENT)
        return content_prop.fget(self)

    def summary_get(self: Any) -> Any:
        _record(self, SUMMARY)
        return summary_prop.fget(self)

    def tracked_get_content(self: Any, siteurl: str) -> Any:
        _record(self, CONTENT)
        return get_content(self, siteurl)

    def tracked_get_summary(self: Any, siteurl: str) -> Any:
        _record(self, SUMMARY)
        return get_summary(self, siteurl)

    Content.content = property(
        content_get, content_prop.fset, content_prop.fdel, content_prop.__doc__
    )
    Content.summary = property(
        summary_get, summary_prop.fset, summary_prop.fdel, summary_prop.__doc__
    )
    Content.get_content = tracked_get_content
    Content.get_summary = tracked_get_summary
    Content._fastbuild_tracked = True


def quick_static_links() -> None:
    """A post whose text never says "static" or "attach" links no static file.

    Pelican runs its intra-site link pattern over every post's text in every
    build (``get_static_links``), looking for ``{static}`` and ``{attach}``
    links: about 5 % of a rebuild's work at 1,000 posts. A match's kind is
    text of the post, whatever ``INTRASITE_LINK_REGEX`` says, so without
    either word there is none; a substring test finds that out far faster.
    Any other post goes through Pelican's own method. Idempotent.
    """
    if getattr(Content, "_fastbuild_static_links", False):
        return
    original = Content.get_static_links

    @functools.wraps(original)
    def get_static_links(self: Any) -> set[str]:
        text = getattr(self, "_content", None)
        if type(text) is str and "static" not in text and "attach" not in text:
            return set()
        return original(self)  # type: ignore[no-any-return]

    Content.get_static_links = get_static_links
    Content._fastbuild_static_links = True


def memoize_urls() -> None:
    """``url`` and ``save_as`` computed once per post and build, while ``URLS`` is set.

    Pelican formats them from the settings on every read (a copy of the
    metadata, a relative path): a site's pages and feeds read them about ten
    times per post. They follow from the slug, date, status, language,
    category and author, which Pelican sets when it makes the post (our
    plugins never change them); a static file's may still change (an
    ``{attach}`` link moves it), so static files are not memoized. Idempotent.
    """
    if getattr(Content, "_fastbuild_urls", False):
        return
    for key in ("url", "save_as"):
        prop = Content.__dict__[key]
        setattr(Content, key, _memoized(prop, key))
    Content._fastbuild_urls = True


def _memoized(prop: property, key: str) -> property:
    fget = prop.fget
    assert fget is not None

    def get(self: Any) -> Any:
        memo = URLS.get()
        if memo is None or isinstance(self, Static):
            return fget(self)
        got = memo.get((id(self), key))
        if got is None or got[0] is not self:
            got = memo[id(self), key] = (self, fget(self))
        return got[1]

    return property(get, prop.fset, prop.fdel, prop.__doc__)


#: Values digested as they are even when keyed: as cheap as the key, and a
#: count that stays the same (an edited comment) leaves its pages alone.
_SMALL = (int, float, str, bool, type(None))


def small_digest(value: Any) -> bytes:
    """A digest of a value, by its type and text when it is exactly one of
    ``_SMALL`` (a count, a mode, a flag, a summary); else pickled.

    Most reads a page makes are of such values (a thousand counts and modes on
    a rebuild); a pickler made for each cost more than the value's digest.
    """
    kind = type(value)
    if kind is str:
        data = b"str:" + value.encode("utf-8", "surrogatepass")
    elif kind in _SMALL:
        data = kind.__name__.encode() + b":" + repr(value).encode()
    else:
        return pickled_digest(value)
    return hashlib.blake2b(data, digest_size=16).digest()


def text_digest(obj: Any) -> bytes:
    """The digest of a post's text (``_content``), which its text and summary show.

    get_content() is _content with intrasite links resolved; the link
    targets' URLs are part of the site's structure, digested apart.
    """
    text = str(getattr(obj, "__dict__", {}).get("_content", ""))
    # SHA-256: the CPU computes it three times as fast as BLAKE2b (every
    # post's text, megabytes, is hashed in every build), and the pull-quote
    # memos hashed this very text already (``text_sha256`` keeps it).
    return text_sha256(text)[:16]


def read_digest(
    obj: Any,
    name: str,
    keys: Mapping[str, Callable[[Any], Any]] | None = None,
    text: bytes | None = None,
) -> bytes:
    """The digest of what a read of ``name`` on ``obj`` returns in this build.

    ``keys`` maps an attribute to a function of the object that returns an
    exact, cheap key of the attribute's value (the comments plugin keys a
    thread by its files), or None: that key is digested instead of the value.
    ``text`` is ``text_digest(obj)`` when the caller has it (a post's text
    is read for its page and for its summary: hashed once).
    """
    state = getattr(obj, "__dict__", {})
    h = hashlib.blake2b(digest_size=16)
    if name in (CONTENT, SUMMARY):
        h.update(name.encode() + b":")
        h.update(text_digest(obj) if text is None else text)
        if name == SUMMARY:
            h.update(b"|" + small_digest(state.get("metadata", {}).get("summary")))
            h.update(b"|" + small_digest(state.get("_summary")))
        return h.digest()
    if name not in state:
        return b"missing"
    value = state[name]
    key_of = keys.get(name) if keys else None
    if key_of is not None and not isinstance(value, _SMALL):
        key = key_of(obj)
        if isinstance(key, str | bytes) and key:
            h.update(b"key:" + name.encode() + b"\0")
            h.update(key.encode() if isinstance(key, str) else key)
            return h.digest()
    return small_digest(value)
