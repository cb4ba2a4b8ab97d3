"""fastbuild.tracking: the reads a page makes of a post's text and comments."""

from __future__ import annotations

import copy
import datetime as dt

import pytest
from fastbuild import tracking
from fastbuild.settings import DEFAULT_TRACKED, FastBuildSettings, SettingsError
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG


def article(text: str = "<p>Text</p>") -> Article:
    return Article(
        text,
        metadata={"title": "T", "date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        settings=copy.deepcopy(DEFAULT_CONFIG),
        source_path="posts/t.md",
    )


@pytest.fixture(autouse=True)
def tracked() -> None:
    tracking.install(DEFAULT_TRACKED)


def test_reads_are_recorded_only_while_a_page_renders() -> None:
    post = article()
    post.comment_count = 3
    assert post.comment_count == 3  # an ordinary attribute
    reads: set[tuple[object, str]] = set()
    token = tracking.RECORDING.set(reads)
    try:
        _ = post.comment_count
        _ = post.content
        _ = post.summary
        assert getattr(post, "thread", "none") == "none"  # missing: a read all the same
    finally:
        tracking.RECORDING.reset(token)
    assert {name for _, name in reads} == {
        "comment_count",
        "content",
        "summary",
        "thread",
    }
    _ = post.comment_html if hasattr(post, "comment_html") else None
    assert len(reads) == 4  # nothing recorded outside a render


def test_read_digests_follow_the_values() -> None:
    post = article()
    post.comment_count = 3
    count = tracking.read_digest(post, "comment_count")
    missing = tracking.read_digest(post, "thread")
    text = tracking.read_digest(post, tracking.CONTENT)
    post.comment_count = 4
    post.thread = ("a",)
    post._content = "<p>Anders</p>"
    assert tracking.read_digest(post, "comment_count") != count
    assert tracking.read_digest(post, "thread") != missing
    assert tracking.read_digest(post, tracking.CONTENT) != text
    assert tracking.read_digest(post, tracking.SUMMARY) != tracking.read_digest(
        article(), tracking.SUMMARY
    )


def test_install_twice_changes_nothing() -> None:
    post = article()
    tracking.install(DEFAULT_TRACKED)
    post.thread = ("x",)
    assert post.thread == ("x",) and post.content == "<p>Text</p>"


def test_settings_are_checked_with_their_name() -> None:
    assert FastBuildSettings.from_settings({"FASTBUILD_WORKERS": 0}).workers == 0
    assert FastBuildSettings.from_settings({}).workers >= 0
    for bad in (
        {"FASTBUILD_WORKERS": -1},
        {"FASTBUILD_CACHE": "yes"},
        {"FASTBUILD_TRACKED_ATTRIBUTES": "thread"},
        {"FASTBUILD_MIN_FILES": 1.5},
    ):
        with pytest.raises(SettingsError, match=next(iter(bad))):
            FastBuildSettings.from_settings(bad)


def test_a_keyed_attribute_digests_as_its_key() -> None:
    post = article()
    post.thread = ["a"]
    post.comment_count = 1
    keys = {"thread": lambda obj: obj.thread_key, "comment_count": lambda o: "k"}
    post.thread_key = "k1"
    first = tracking.read_digest(post, "thread", keys)
    post.thread = ["b"]  # the key says it is the same: the key wins (it is exact)
    assert tracking.read_digest(post, "thread", keys) == first
    post.thread_key = "k2"
    assert tracking.read_digest(post, "thread", keys) != first
    # Small values digest as themselves: a count that stays equal stays equal.
    count = tracking.read_digest(post, "comment_count", keys)
    keys["comment_count"] = lambda o: "other"
    assert tracking.read_digest(post, "comment_count", keys) == count
    # No key (None): the value itself.
    post.thread_key = None
    assert tracking.read_digest(post, "thread", keys) == tracking.read_digest(
        post, "thread"
    )


def test_urls_are_computed_once_per_build_while_memoized(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    tracking.memoize_urls()
    tracking.memoize_urls()  # idempotent
    post = article()
    post.slug = "erster"
    plain = (post.url, post.save_as)
    assert plain == ("erster.html", "erster.html")  # Pelican's defaults
    calls: list[str] = []
    original = Article.get_url_setting

    def counting(self: Article, key: str) -> str:
        calls.append(key)
        return original(self, key)

    monkeypatch.setattr(Article, "get_url_setting", counting)
    token = tracking.URLS.set({})
    try:
        assert (post.url, post.save_as) == plain
        assert (post.url, post.save_as, post.url) == (*plain, plain[0])
        assert calls == ["url", "save_as"]
        other = article()
        other.slug = "zweiter"
        assert other.url == "zweiter.html"  # each post its own
    finally:
        tracking.URLS.reset(token)
    post.slug = "umbenannt"  # outside a build's memo: Pelican's value again
    assert post.url == "umbenannt.html"


def test_static_files_are_never_memoized() -> None:
    """An {attach} link moves a static file while pages render."""
    from pelican.contents import Static

    tracking.memoize_urls()
    static = Static(
        "",
        metadata={"title": "bild"},
        settings=copy.deepcopy(DEFAULT_CONFIG),
        source_path="images/bild.png",
    )
    token = tracking.URLS.set({})
    try:
        before = static.url
        static.override_url = "posts/bild.png"
        assert static.url == "posts/bild.png" != before
    finally:
        tracking.URLS.reset(token)


def test_small_values_digest_by_type_and_text() -> None:
    values = [0, 1, 1.0, True, False, None, "", "1", "True", "None", "ü", 2**70]
    digests = [tracking.small_digest(v) for v in values]
    assert len(set(digests)) == len(values)  # 1, 1.0, True and "1" all differ
    assert [tracking.small_digest(v) for v in values] == digests  # and are stable
    lone_surrogate = "\ud800"
    assert tracking.small_digest(lone_surrogate) != tracking.small_digest("")
    # Anything else is pickled: a list, and a str subclass (Markup) by its class too.
    assert tracking.small_digest([1]) != tracking.small_digest([2])
    from markupsafe import Markup

    assert tracking.small_digest(Markup("a")) != tracking.small_digest("a")


STATIC_TEXTS = [
    "<p>Nichts verlinkt.</p>",
    '<p><a href="{static}/images/a.png">Bild</a></p>',
    '<img src="{attach}b%20c.jpg">',
    '<a href="|static|/extra/x.pdf">x</a> und <a href="{filename}/posts/y.md">y</a>',
    "<p>Ein statisches Wort: static, attach, {static} ohne Link.</p>",
    '<a href="{static}">leer</a><a href="{attach}../up.png">hoch</a>',
    '<a href="[static]/z.png">eigene Syntax</a>',
]


@pytest.mark.parametrize("regex", [None, r"\[(?P<what>[a-z]+)\]"])
def test_static_links_are_pelicans_own(regex: str | None) -> None:
    """Posts that never say "static" or "attach" skip Pelican's pattern; the
    links found are always the ones Pelican finds, whatever the link syntax."""
    tracking.quick_static_links()
    tracking.quick_static_links()  # once only
    quick = Article.get_static_links
    pelicans = quick.__wrapped__  # type: ignore[attr-defined]
    assert pelicans is not quick and "__wrapped__" not in vars(pelicans)
    found = []
    for text in STATIC_TEXTS:
        post = article(text)
        if regex is not None:
            post.settings = dict(post.settings, INTRASITE_LINK_REGEX=regex)
        found.append(post.get_static_links())
        assert found[-1] == pelicans(post), text
    assert found[0] == set() and any(found)
