"""sitekit.cache: content-keyed entries that survive builds and never lie.

(The module lives in sitekit, the shared kernel; its tests live here with the
rest of the fast-build work.)
"""

from __future__ import annotations

import io
import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sitekit import cache as sc


@dataclass(frozen=True, slots=True)
class Entry:
    text: str
    n: int


def counter() -> tuple[list[Path], object]:
    calls: list[Path] = []

    def compute(path: Path) -> Entry:
        calls.append(path)
        return Entry(path.read_text(encoding="utf-8"), len(calls))

    return calls, compute


def numbered_files(folder: Path, count: int) -> list[Path]:
    """Files 0.yaml, 1.yaml, ... each holding its number."""
    files = [folder / f"{i}.yaml" for i in range(count)]
    for i, f in enumerate(files):
        f.write_text(str(i), encoding="utf-8")
    return files


def test_memo_computes_once_and_survives_a_new_build(tmp_path: Path) -> None:
    src = tmp_path / "a.yaml"
    src.write_text("eins", encoding="utf-8")
    calls, compute = counter()
    first = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert first.memo(src, compute, "tz") == Entry("eins", 1)
    assert first.memo(src, compute, "tz") == Entry("eins", 1)
    first.save()
    second = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert second.memo(src, compute, "tz") == Entry("eins", 1)
    assert len(calls) == 1 and second.hits == 1 and second.misses == 0


@pytest.mark.parametrize("change", ["bytes", "extra", "version", "path"])
def test_anything_the_entry_depends_on_misses(tmp_path: Path, change: str) -> None:
    src = tmp_path / "a.yaml"
    src.write_text("eins", encoding="utf-8")
    calls, compute = counter()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    cache.memo(src, compute, "tz")
    cache.save()
    version, extra = "v1", "tz"
    if change == "bytes":
        src.write_text("zwei", encoding="utf-8")
    elif change == "extra":
        extra = "UTC"
    elif change == "version":
        version = "v2"
    else:
        moved = tmp_path / "b.yaml"
        src.rename(moved)
        src = moved
    again = sc.ContentCache("t", version, tmp_path / "c", allowed_modules=(__name__,))
    value = again.memo(src, compute, extra)
    assert len(calls) == 2
    assert value.text == src.read_text(encoding="utf-8")


def test_same_size_rewrite_is_seen_despite_the_stat_shortcut(tmp_path: Path) -> None:
    src = tmp_path / "a.yaml"
    src.write_text("aaaa", encoding="utf-8")
    calls, compute = counter()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    cache.memo(src, compute)
    st = src.stat()
    src.write_text("bbbb", encoding="utf-8")  # same size
    os.utime(src, ns=(st.st_atime_ns, st.st_mtime_ns))  # and the same mtime
    assert cache.memo(src, compute).text == "bbbb"  # the change time still differs
    assert len(calls) == 2


def test_entry_of_the_wrong_shape_is_recomputed(tmp_path: Path) -> None:
    src = tmp_path / "a.yaml"
    src.write_text("eins", encoding="utf-8")
    _, compute = counter()
    cache = sc.ContentCache("t", "v1", None)
    key = cache.key(src, src.read_bytes())
    cache.put(key, "an old layout")
    assert cache.memo(src, compute, check=lambda v: isinstance(v, Entry)) == Entry(
        "eins", 1
    )


def _saved(tmp_path: Path) -> tuple[Path, object]:
    src = tmp_path / "a.yaml"
    src.write_text("eins", encoding="utf-8")
    _, compute = counter()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    cache.memo(src, compute)
    cache._log_entries = 1 << 20  # force a compaction: a .base file
    cache.save()
    return next((tmp_path / "c").glob("*.base")), compute


@pytest.mark.parametrize("damage", ["flip", "truncate", "garbage", "magic"])
def test_a_damaged_file_is_dropped_and_rebuilt(
    tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    base, compute = _saved(tmp_path)
    data = bytearray(base.read_bytes())
    if damage == "flip":
        data[-3] ^= 0x55
    elif damage == "truncate":
        data = data[: len(data) - 7]
    elif damage == "garbage":
        data = bytearray(b"\x80\x04not a cache at all")
    else:
        data[:4] = b"XXXX"
    base.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING):
        cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert "rebuilding it from the content" in caplog.text
    assert cache.items() == []
    assert cache.memo(tmp_path / "a.yaml", compute) == Entry(
        "eins", 2
    )  # computed again


def _file_of(entries: dict[str, bytes]) -> bytes:
    """A whole cache file of one record, its checksum valid."""
    buffer = io.BytesIO()
    buffer.write(sc._MAGIC)
    record = sc._RecordWriter(buffer)
    for key, raw in entries.items():
        record.add(key, raw)
    record.close()
    return buffer.getvalue()


def test_a_tampered_cache_cannot_run_code(tmp_path: Path) -> None:
    base, _ = _saved(tmp_path)
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(str(marker)), protocol=pickle.HIGHEST_PROTOCOL)
    # A valid checksum: only the allowlist stops it.
    base.write_bytes(_file_of({"k": evil}))
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert "k" in cache  # loaded, not unpickled
    assert cache.get("k") is None  # asked for: refused, not run
    assert not marker.exists()
    assert cache.items() == []


def test_a_tampered_entry_is_computed_again(tmp_path: Path) -> None:
    base, compute = _saved(tmp_path)
    marker = tmp_path / "ran"
    evil = pickle.dumps(_Evil(str(marker)), protocol=pickle.HIGHEST_PROTOCOL)
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    key = cache.key_of(tmp_path / "a.yaml")
    base.write_bytes(_file_of({key: evil}))
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert cache.memo(tmp_path / "a.yaml", compute) == Entry("eins", 2)  # recomputed
    assert not marker.exists()


def test_entries_are_unpickled_only_when_asked_for(tmp_path: Path) -> None:
    files = numbered_files(tmp_path, 3)
    _, compute = counter()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    for f in files:
        cache.memo(f, compute)
    cache.save()
    again = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert again.memo(files[1], compute) == Entry("1", 2)
    # One entry unpickled; the others wait as bytes (and are kept when saved).
    assert sum(isinstance(v, Entry) for v in again._entries.values()) == 1
    for f in files:
        again.memo(f, compute)
    again._log_entries = 1 << 20  # force a compaction
    again.save()
    third = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert [third.memo(f, compute) for f in files] == [
        Entry("0", 1),
        Entry("1", 2),
        Entry("2", 3),
    ]


def test_files_of_old_versions_are_removed_but_the_last_two(tmp_path: Path) -> None:
    src = tmp_path / "a.yaml"
    src.write_text("eins", encoding="utf-8")
    _, compute = counter()
    folder = tmp_path / "c"
    for i in range(5):
        cache = sc.ContentCache("t", f"{i:024d}", folder, allowed_modules=(__name__,))
        cache.memo(src, compute)
        cache.save()
        os.utime(next(folder.glob(f"t-{i:024d}.*")), (i, i))
    other = sc.ContentCache("t-other", "v1", folder)
    other.put("k", 1)
    other.save()
    names = sorted(p.name for p in folder.iterdir())
    assert names == [f"t-{i:024d}.log" for i in (2, 3, 4)] + ["t-other-v1.log"]


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, ...]:
        return (os.system, (f"touch {self.path}",))


def test_a_torn_append_keeps_the_records_before_it(tmp_path: Path) -> None:
    src_a, src_b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    src_a.write_text("eins", encoding="utf-8")
    src_b.write_text("zwei", encoding="utf-8")
    calls, compute = counter()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    cache.memo(src_a, compute)
    cache.save()  # small: appended to the .log
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    cache.memo(src_a, compute)
    cache.memo(src_b, compute)
    cache.save()
    log = next((tmp_path / "c").glob("*.log"))
    log.write_bytes(log.read_bytes()[:-5])  # the second append is cut short
    again = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    again.memo(src_a, compute)
    again.memo(src_b, compute)
    assert len(calls) == 3  # a: cached; b: computed again


def test_compaction_keeps_only_what_the_last_build_used(tmp_path: Path) -> None:
    _, compute = counter()
    files = numbered_files(tmp_path, 100)
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    for f in files:
        cache.memo(f, compute)
    cache.save()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    for f in files[:10]:  # the others' content is gone
        cache.memo(f, compute)
    cache.save()
    cache = sc.ContentCache("t", "v1", tmp_path / "c", allowed_modules=(__name__,))
    assert len([k for k, _ in cache.items() if not k.startswith("stat")]) == 10


def test_text_memo_remembers_between_builds_only_while_a_build_runs(
    tmp_path: Path,
) -> None:
    calls: list[str] = []

    @sc.text_memo
    def shout(text: str) -> list[str]:
        calls.append(text)
        return [text.upper()]

    assert shout("a") == ["A"] and shout("a") == ["A"]
    assert calls == ["a", "a"]  # no build running: a plain call
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path)}
    token = sc.ACTIVE.set(sc.registry_for(settings))
    try:
        first = shout("b")
        first.append("changed by the caller")
        assert shout("b") == ["B"]  # a copy: the cached value is untouched
        sc.save_caches(settings)
    finally:
        sc.ACTIVE.reset(token)
    assert calls == ["a", "a", "b"]
    token = sc.ACTIVE.set(
        sc.registry_for({sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path)})
    )
    try:
        assert shout("b") == ["B"]
    finally:
        sc.ACTIVE.reset(token)
    assert calls == ["a", "a", "b"]


def test_output_ledger_skips_only_files_written_from_the_same_value(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    ledger = sc.output_ledger(settings, "feeds", out)
    stamp = ledger.stamp(("feed", 1))
    assert not ledger.unchanged(["a.xml"], stamp)
    (out / "a.xml").write_text("A", encoding="utf-8")
    (out / "gone.xml").write_text("G", encoding="utf-8")
    ledger.record(["a.xml"], stamp)
    ledger.record(["gone.xml"], ledger.stamp("old"))
    sc.save_caches(settings)

    again = sc.output_ledger(
        {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}, "feeds", out
    )
    assert again.unchanged(["a.xml"], again.stamp(("feed", 1)))
    assert not again.unchanged(["a.xml"], again.stamp(("feed", 2)))
    assert again.remove_orphans() == 1  # gone.xml: written before, not made now
    assert not (out / "gone.xml").exists() and (out / "a.xml").exists()
    (out / "a.xml").write_text("changed by hand", encoding="utf-8")
    assert not again.unchanged(["a.xml"], again.stamp(("feed", 1)))


def test_value_digest() -> None:
    assert sc.value_digest(Entry("x", 1)) == sc.value_digest(Entry("x", 1))
    assert sc.value_digest(Entry("x", 1)) != sc.value_digest(Entry("x", 2))
    assert sc.value_digest(lambda: None) is None


@pytest.mark.parametrize("in_child", [False, True])
def test_saving_in_a_child_is_saving(
    tmp_path: Path, in_child: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A forked child writes the files; this process keeps the bookkeeping."""
    monkeypatch.setattr(sc, "_SMALL_SAVE", -1)  # a child even for a few entries
    files = numbered_files(tmp_path, 3)
    calls, compute = counter()
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    registry = sc.registry_for(settings)
    cache = registry.open("t", "v" * 24, (__name__,))
    for f in files[:2]:
        cache.memo(f, compute)
    sc.save_caches(settings, in_child=in_child)
    assert cache.take_new() == {}  # saved: nothing new any more
    cache.memo(files[2], compute)
    sc.save_caches(settings, in_child=in_child)  # appends only the third
    again = sc.registry_for({sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")})
    reread = again.open("t", "v" * 24, (__name__,))
    assert [reread.memo(f, compute) for f in files] == [
        Entry("0", 1),
        Entry("1", 2),
        Entry("2", 3),
    ]
    assert len(calls) == 3


def test_work_that_fails_in_a_child_says_so() -> None:
    def fail() -> None:
        raise OSError("disk full")

    assert sc.run_in_child(lambda: None) is True
    assert sc.run_in_child(fail) is False


def test_a_save_not_waited_for_is_finished_and_entries_added_meanwhile_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The child writes while the build goes on; entries made meanwhile: next save."""
    monkeypatch.setattr(sc, "_SMALL_SAVE", -1)  # a child even for a few entries
    files = numbered_files(tmp_path, 2)
    calls, compute = counter()
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    cache = sc.registry_for(settings).open("t", "v" * 24, (__name__,))
    cache.memo(files[0], compute)
    pending = sc.save_caches(settings, in_child=True, wait=False)
    assert isinstance(pending, sc.PendingSave)
    cache.memo(files[1], compute)  # while the child writes
    pending.finish()
    pending.finish()  # once is enough; a second call does nothing
    assert sc.save_caches(settings, in_child=True) is None  # waited for
    reread = sc.registry_for(
        {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    ).open("t", "v" * 24, (__name__,))
    assert [reread.memo(f, compute) for f in files] == [Entry("0", 1), Entry("1", 2)]
    assert len(calls) == 2


def test_a_save_whose_child_failed_is_made_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    f = tmp_path / "0.yaml"
    f.write_text("0", encoding="utf-8")
    calls, compute = counter()
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    cache = sc.registry_for(settings).open("t", "v" * 24, (__name__,))
    cache.memo(f, compute)
    real_write = sc.ContentCache._write_save
    parent = os.getpid()

    def write_save(self: sc.ContentCache, plan: object) -> None:
        if os.getpid() != parent:
            raise OSError("disk full in the child")
        real_write(self, plan)  # type: ignore[arg-type]

    monkeypatch.setattr(sc.ContentCache, "_write_save", write_save)
    monkeypatch.setattr(sc, "_SMALL_SAVE", -1)  # a child even for one entry
    pending = sc.save_caches(settings, in_child=True, wait=False)
    assert pending is not None
    pending.finish()
    reread = sc.registry_for(
        {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    ).open("t", "v" * 24, (__name__,))
    assert reread.memo(f, compute) == Entry("0", 1)
    assert len(calls) == 1


def test_a_small_save_is_made_here_a_big_one_in_a_child(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forking a big process to append a few entries cost more than appending them."""
    files = numbered_files(tmp_path, 3)
    calls, compute = counter()
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    cache = sc.registry_for(settings).open("t", "v" * 24, (__name__,))
    forks: list[int] = []
    real_fork = sc._fork_child

    def fork_child(work: Any) -> int | None:
        forks.append(1)
        return real_fork(work)

    monkeypatch.setattr(sc, "_fork_child", fork_child)
    cache.memo(files[0], compute)
    assert sc.save_caches(settings, in_child=True, wait=False) is None
    assert forks == []  # two entries (stamp and value): written here
    monkeypatch.setattr(sc, "_SMALL_SAVE", 1)
    for f in files[1:]:
        cache.memo(f, compute)
    pending = sc.save_caches(settings, in_child=True, wait=False)
    assert forks == [1] and pending is not None
    pending.finish()
    reread = sc.registry_for(
        {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}
    ).open("t", "v" * 24, (__name__,))
    assert [reread.memo(f, compute) for f in files] == [
        Entry("0", 1),
        Entry("1", 2),
        Entry("2", 3),
    ]
    assert len(calls) == 3


def test_fork_piped_joins_parent_and_child_and_leaves_nothing_open_on_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forked = sc.fork_piped()
    assert forked is not None
    pid, fd = forked
    if pid == 0:  # the child writes its answer and leaves
        os.write(fd, b"from the child")
        os._exit(0)
    with os.fdopen(fd, "rb") as fh:
        assert fh.read() == b"from the child"  # EOF: the parent holds no write end
    os.waitpid(pid, 0)

    open_before = len(os.listdir("/proc/self/fd"))

    def no_fork() -> int:
        raise OSError("no more processes")

    monkeypatch.setattr(sc.os, "fork", no_fork)
    assert sc.fork_piped() is None
    assert len(os.listdir("/proc/self/fd")) == open_before


def _package(root: Path, name: str) -> Path:
    pkg = root / name
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__pycache__").mkdir()
    (pkg / "__init__.py").write_text("A = 1\n", encoding="utf-8")
    (pkg / "sub" / "mod.py").write_text("B = 2\n", encoding="utf-8")
    (pkg / "__pycache__" / "x.py").write_text("not source\n", encoding="utf-8")
    return pkg


def _age(path: Path, seconds: int = 60) -> None:
    """As if written a while ago: settled, so its digest may be kept."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - seconds * 10**9))


def test_code_version_follows_every_source_file_of_a_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib

    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    pkg = _package(tmp_path, "cvpkg")
    for f in pkg.rglob("*.py"):
        _age(f)

    def version() -> str:
        return sc.code_version("cvpkg", distributions=("pytest",))

    first = version()
    assert version() == first
    # Bytecode caches are not source.
    (pkg / "__pycache__" / "x.py").write_text("other\n", encoding="utf-8")
    assert version() == first
    # Same size, same modification time, other bytes: the change time tells.
    mod = pkg / "sub" / "mod.py"
    st = mod.stat()
    mod.write_text("B = 3\n", encoding="utf-8")
    os.utime(mod, ns=(st.st_atime_ns, st.st_mtime_ns))
    second = version()
    assert second != first
    # Edited again right away.
    mod.write_text("B = 4\n", encoding="utf-8")
    third = version()
    assert third != second
    # A new file; another library.
    (pkg / "sub" / "new.py").write_text("", encoding="utf-8")
    fourth = version()
    assert fourth != third
    assert sc.code_version("cvpkg", distributions=("no-such-dist-x",)) != fourth


def test_a_log_of_big_records_is_compacted_by_its_bytes(tmp_path: Path) -> None:
    """Few entries, but big ones: the log (read by every build) stays bounded."""
    sizes = []
    for build in range(8):
        cache = sc.ContentCache("big", "v1", tmp_path)
        assert build == 0 or cache.get("page") == bytes([build - 1]) * 400_000
        cache.put("page", bytes([build]) * 400_000)  # rewritten by every build
        cache.save()
        log = tmp_path / "big-v1.log"
        sizes.append(log.stat().st_size if log.exists() else 0)
    base = (tmp_path / "big-v1.base").stat().st_size
    assert 0 in sizes[1:]  # compacted at least once after the first save
    assert max(sizes) <= 2 * base + sc._LOG_BYTES + 400_100
    assert sc.ContentCache("big", "v1", tmp_path).get("page") == bytes([7]) * 400_000


def test_text_memo_keys_long_arguments_by_their_text(tmp_path: Path) -> None:
    """A long argument is hashed once per run, yet keyed by its text alone."""
    calls: list[tuple[str, str]] = []

    @sc.text_memo
    def pair(a: str, b: str) -> str:
        calls.append((a, b))
        return a[:3] + b[:3]

    long = "ä" * sc._LONG_ARG
    other = long[:-1] + "ö"  # as long, one letter apart
    settings = {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path)}
    token = sc.ACTIVE.set(sc.registry_for(settings))
    try:
        assert pair(long, "x") == "äääx"
        assert pair("".join(list(long)), "x") == "äääx"  # equal text, another object
        assert len(calls) == 1
        assert pair(other, "x") == "äääx" and len(calls) == 2
        assert pair("x", long) == "xäää" and len(calls) == 3  # order counts
        assert pair(long, "y") == "äääy" and len(calls) == 4
        assert pair(long, "x") == "äääx" and len(calls) == 4
    finally:
        sc.ACTIVE.reset(token)


def test_text_sha256_is_the_texts_digest_and_kept_while_a_build_runs(
    tmp_path: Path,
) -> None:
    import hashlib

    long = "Grüße \u2013 " * sc._LONG_ARG + "\udcff"  # a lone surrogate passes
    short = "kurz"

    def plain(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    assert sc.text_sha256(long) == plain(long)  # no build running
    registry = sc.registry_for({sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path)})
    token = sc.ACTIVE.set(registry)
    try:
        for text in (long, short, long):
            assert sc.text_sha256(text) == plain(text)
        assert list(registry._args) == [id(long)]  # the long one, kept
        registry.new_run()
        assert not registry._args
        registry._pid = -1  # as in a forked worker: nothing kept alive there
        assert sc.text_sha256(long) == plain(long)
        assert not registry._args
        registry._pid = os.getpid()
        assert sc.text_sha256(long) == plain(long)
        registry._pid = -1  # ... though it looks up what its parent kept
        assert sc.text_sha256(long) == plain(long)
        assert list(registry._args) == [id(long)]
    finally:
        sc.ACTIVE.reset(token)
