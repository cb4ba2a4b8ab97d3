"""fastbuild.fingerprint and stamps' digests: equal for equal values in any process."""

from __future__ import annotations

import copy
import gettext
import io
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from fastbuild.fingerprint import Fingerprinter, ValueDigester
from fastbuild.stamps import _describe, _reference
from pelican.contents import Article
from pelican.settings import DEFAULT_CONFIG
from pelican.urlwrappers import Tag

PLUGINS = Path(__file__).resolve().parents[3] / "plugins"

SCRIPT = """
import sys
sys.path.insert(0, {plugins!r})
from fastbuild.fingerprint import Fingerprinter
value = {{"tags": {{"b", "a", "c"}}, "n": (1, 2.5, None, True),
         "d": {{"y": [1], "x": b"z"}}}}
print(Fingerprinter(lambda o: None).digest(value).hex())
"""


def digests_under_hash_seeds(script: str) -> set[str]:
    """The digest a script prints, run in fresh processes with three hash seeds."""
    digests = set()
    for seed in ("1", "2", "3"):
        out = subprocess.run(
            [sys.executable, "-c", script.format(plugins=str(PLUGINS))],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        digests.add(out.stdout.strip())
    return digests


def test_digest_is_the_same_in_another_process_with_another_hash_seed() -> None:
    assert len(digests_under_hash_seeds(SCRIPT)) == 1


@dataclass(frozen=True)
class Item:
    key: str
    values: tuple[int, ...]


def test_any_difference_changes_the_digest() -> None:
    fp = Fingerprinter(lambda o: None)
    base = {"a": [Item("k", (1, 2))], "b": "x"}
    same = {"b": "x", "a": [Item("k", (1, 2))]}
    assert fp.digest(base) == fp.digest(same)
    for other in (
        {"a": [Item("k", (1, 3))], "b": "x"},
        {"a": [Item("k", (1, 2))], "b": "y"},
        {"a": [Item("k", (1, 2))], "b": "x", "c": None},
        {"a": [], "b": "x"},
    ):
        assert fp.digest(other) != fp.digest(base)


def _article(text: str, path: str) -> Article:
    settings = copy.deepcopy(DEFAULT_CONFIG)
    import datetime as dt

    return Article(
        text,
        metadata={"title": "T", "date": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)},
        settings=settings,
        source_path=path,
    )


def test_posts_count_by_their_source_path_only() -> None:
    fp = Fingerprinter(_reference, describe=_describe)
    one, other = _article("<p>a</p>", "posts/a.md"), _article("<p>b</p>", "posts/a.md")
    assert fp.digest([one]) == fp.digest([other])  # their own data is digested apart
    assert fp.digest([one]) != fp.digest([_article("<p>a</p>", "posts/b.md")])


def test_a_tag_is_its_name_and_slug_not_its_lazy_cache() -> None:
    settings = copy.deepcopy(DEFAULT_CONFIG)
    fresh, used = Tag("Netz Kultur", settings), Tag("Netz Kultur", settings)
    _ = used.slug  # fills the cache on one of them
    fp = Fingerprinter(_reference, describe=_describe)
    assert fp.digest(fresh) == fp.digest(used)
    assert fp.digest(fresh) != fp.digest(Tag("Netzkultur", settings))


def test_a_catalogs_build_time_header_is_ignored_its_messages_are_not() -> None:
    def catalog(header: str, message: str) -> gettext.GNUTranslations:
        from babel.messages.catalog import Catalog
        from babel.messages.mofile import write_mo

        cat = Catalog(locale="de", domain="messages", header_comment=header)
        cat.add("Comments", message)
        buffer = io.BytesIO()
        write_mo(buffer, cat)
        buffer.seek(0)
        return gettext.GNUTranslations(buffer)

    fp = Fingerprinter(_reference, describe=_describe)
    first = catalog("# built at 10:00", "Kommentare")
    later = catalog("# built at 10:01", "Kommentare")
    later._catalog[""] = "POT-Creation-Date: 2030-01-01 10:01+0000\n"
    assert fp.digest(first) == fp.digest(later)
    assert fp.digest(first) != fp.digest(catalog("# built at 10:00", "Diskussion"))


def test_a_value_with_a_memory_address_is_never_called_unchanged() -> None:
    class Opaque:
        __slots__ = ()

    fp = Fingerprinter(lambda o: None)
    value = Opaque()
    assert fp.digest([value]) != Fingerprinter(lambda o: None).digest([value])
    assert fp.unstable


VALUES_SCRIPT = """
import sys
sys.path.insert(0, {plugins!r})
from fastbuild.fingerprint import ValueDigester
from dataclasses import dataclass
value = {{"n": (1, 2.5, None, True), "d": {{"y": [1], "x": b"z"}},
         "f": (lambda k: lambda: k)("cell"), "s": "ä" * 3}}
print(ValueDigester(lambda o: None).digest(value).hex())
"""


def test_value_digest_is_the_same_in_another_process() -> None:
    assert len(digests_under_hash_seeds(VALUES_SCRIPT)) == 1


@dataclass(frozen=True, slots=True)
class Record:
    """Many fields: digested once per object (``_RECORD_FIELDS``)."""

    a: str
    b: tuple[str, ...]
    c: int = 0
    d: int = 0
    e: int = 0
    f: int = 0
    g: int = 0
    h: int = 0


class Plain:
    def __init__(self, **kw: object) -> None:
        self.__dict__.update(kw)


def test_value_digest_follows_values_not_sharing() -> None:
    values = ValueDigester(_reference, describe=_describe)
    word = "".join(["w", "ort"])  # equal to "wort", another object
    shared = ["wort", "wort"]
    copies = ["wort", word]
    assert values.digest(shared) == values.digest(copies)
    settings = copy.deepcopy(DEFAULT_CONFIG)
    base = {
        "posts": [_article("<p>a</p>", f"posts/{i}.md") for i in range(20)],
        "tag": Tag("Netz", settings),
        "record": Record("x", ("y",) * 20),
        "plain": Plain(n=1, settings=settings),
        "fn": lambda: None,
    }
    same = dict(base, record=Record("x", ("y",) * 20), plain=Plain(n=1, settings={}))
    assert values.digest(base) == values.digest(same)  # the settings are skipped
    for change in (
        {"posts": base["posts"][:-1]},
        {"tag": Tag("Netze", settings)},
        {"record": Record("x", ("y",) * 19)},
        {"plain": Plain(n=2, settings=settings)},
    ):
        assert values.digest(dict(base, **change)) != values.digest(base), change


def test_an_unpicklable_value_digests_as_none() -> None:
    import threading

    values = ValueDigester(lambda o: None)
    assert values.digest({"lock": threading.Lock()}) is None
    assert values.failed


def test_an_identity_list_answers_in_as_a_list_and_digests_as_one() -> None:
    from fastbuild.fingerprint import IdentityList

    posts = [_article("<p>x</p>", f"posts/{i}.md") for i in range(20)]
    other = _article("<p>x</p>", "posts/other.md")
    fast = IdentityList(posts[:15])
    assert all((p in fast) == (p in posts[:15]) for p in [*posts, other])
    fast.append(other)  # changed since: scanned as a list
    assert other in fast and posts[19] not in fast
    # A long list of posts digests as their names, whichever kind of list.
    values = ValueDigester(_reference, describe=_describe)
    assert values.digest({"articles": IdentityList(posts)}) == values.digest(
        {"articles": list(posts)}
    )


def test_pelican_tag_lists_get_a_set_lookup() -> None:
    from fastbuild.fingerprint import IdentityList
    from fastbuild.plugin import _fast_membership

    posts = [_article("<p>x</p>", f"posts/{i}.md") for i in range(4)]

    class Generator:
        def __init__(self) -> None:
            self.tags = {
                Tag("a", DEFAULT_CONFIG): posts[:2],
                Tag("b", DEFAULT_CONFIG): posts,
            }
            self.categories = [("cat", posts[1:])]
            self.authors = [("me", posts), ("odd", [1, 2])]  # ints: compared by value

    gen = Generator()
    _fast_membership(gen)
    assert all(type(v) is IdentityList for v in gen.tags.values())
    assert type(gen.categories[0][1]) is IdentityList
    assert type(gen.authors[0][1]) is IdentityList
    assert type(gen.authors[1][1]) is list
    assert [p for p in posts if p in gen.categories[0][1]] == posts[1:]
