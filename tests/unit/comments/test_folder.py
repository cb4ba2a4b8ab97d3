"""A thread folder as one cache entry: exact keys, the stat stamp and its limits."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import comments.folder
import pytest
from comments.build import CommentsBuild, build_state
from sitekit.cache import save_caches

COMMENT = "author: Leserin {i}\ndate: 2017-05-0{i}T09:00:00+02:00\nbody: Text {body}\n"


def write(folder: Path, i: int, body: str = "eins") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"c{i}.yaml"
    path.write_text(COMMENT.format(i=i, body=body), encoding="utf-8")
    return path


def build(tmp_path: Path, **extra: Any) -> tuple[CommentsBuild, dict[str, Any]]:
    """One build's comments with a persistent cache under tmp_path/cache."""
    settings = {
        "PATH": str(tmp_path / "content"),
        "TIMEZONE": "Europe/Berlin",
        "FASTBUILD_CACHE": True,
        "CACHE_PATH": str(tmp_path / "cache"),
        **extra,
    }
    return build_state(settings), settings


def bodies(tmp_path: Path, slug: str = "p") -> list[str]:
    """The body HTML a fresh build shows for a thread, the cache saved after it."""
    state, settings = build(tmp_path)
    thread, html, _ = state.thread_of(slug).unpack()
    save_caches(settings)
    return [html[c.id] for c in thread.comments]


def stamps(tmp_path: Path) -> int:
    state, _ = build(tmp_path)
    assert state.cache is not None
    return sum(1 for k in state.cache._packed if k.startswith("thread-stat"))


@pytest.fixture
def settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files count as settled at once (as they do 2 s after they were written)."""
    monkeypatch.setattr(comments.folder, "SETTLE_NS", -(10**12))


def test_an_unchanged_folder_is_served_without_reading_it(
    tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    for i in (1, 2):
        write(folder, i)
    first = bodies(tmp_path)
    assert stamps(tmp_path) == 1

    def no_reading(path: object, *args: object) -> bytes:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(comments.folder, "read_source", no_reading)
    assert bodies(tmp_path) == first


def test_a_file_just_written_gets_no_stamp(tmp_path: Path) -> None:
    """Within the settle time an edit may keep size and time stamps: read again."""
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1, "eins")
    assert bodies(tmp_path) == ["<p>Text eins</p>\n"]
    assert stamps(tmp_path) == 0
    write(folder, 1, "zwei")  # same size
    assert bodies(tmp_path) == ["<p>Text zwei</p>\n"]


def test_a_same_size_edit_with_the_old_times_is_seen(
    tmp_path: Path, settled: None
) -> None:
    """Size and modification time put back: the change time still differs."""
    folder = tmp_path / "content" / "comments" / "p"
    path = write(folder, 1, "eins")
    before = os.stat(path)
    assert bodies(tmp_path) == ["<p>Text eins</p>\n"]
    write(folder, 1, "zwei")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(path).st_size == before.st_size
    assert bodies(tmp_path) == ["<p>Text zwei</p>\n"]


def test_new_and_removed_files_change_the_thread(tmp_path: Path, settled: None) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    assert len(bodies(tmp_path)) == 1
    extra = write(folder, 2)
    assert len(bodies(tmp_path)) == 2
    extra.unlink()
    assert len(bodies(tmp_path)) == 1


def test_same_bytes_touched_hit_by_content(
    tmp_path: Path, settled: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A checkout that rewrites every file unchanged costs a read, not a render."""
    folder = tmp_path / "content" / "comments" / "p"
    path = write(folder, 1)
    first = bodies(tmp_path)
    os.utime(path, ns=(1, 1))

    def no_render(*args: object) -> object:
        raise AssertionError("rendered again")

    monkeypatch.setattr(comments.folder, "compute", no_render)
    assert bodies(tmp_path) == first


def test_problems_are_reported_by_every_build(tmp_path: Path, settled: None) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    (folder / "kaputt.yaml").write_text("author: A\nbody: [\n", encoding="utf-8")
    for _ in range(2):
        state, settings = build(tmp_path)
        data = state.thread_of("p")
        save_caches(settings)
        assert len(data.unpack()[0].comments) == 1 and data.size == 1
        assert [(Path(p.path).name, p.line) for p in state.log] == [("kaputt.yaml", 2)]


def test_settings_and_paths_are_part_of_the_key(tmp_path: Path, settled: None) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    write(folder, 2)
    (folder / "c2.yaml").write_text(
        COMMENT.format(i=2, body="zwei") + "parent: c1\n", encoding="utf-8"
    )
    bodies(tmp_path)
    deep, _ = build(tmp_path)
    flat, _ = build(tmp_path, COMMENTS_DISPLAY_DEPTH=1)
    a, b = deep.thread_of("p"), flat.thread_of("p")
    assert a.key != b.key
    assert a.unpack()[0].roots[0].replies and not b.unpack()[0].roots[0].replies
    utc, _ = build(tmp_path, TIMEZONE="UTC")
    assert utc.thread_of("p").key != a.key


def test_a_damaged_cache_is_rebuilt(tmp_path: Path, settled: None) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    first = bodies(tmp_path)
    for path in (tmp_path / "cache").rglob("comments-*"):
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 0xFF
        path.write_bytes(bytes(data))
    assert bodies(tmp_path) == first


def test_a_worker_job_gives_the_same_thread(tmp_path: Path) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    for i in (1, 2, 3):
        write(folder, i)
    state, _ = build(tmp_path)
    assert state.cache is not None
    entries = comments.folder.folder_entries(
        folder, state.cache.version, state.settings.timezone, state.settings.depth
    )
    (data,) = [v for v in entries.values() if isinstance(v, comments.folder.ThreadData)]
    assert data == state.thread_of("p")
    assert state.folders_to_prefetch() == []  # the build's own load cached it
    other, _ = build(tmp_path)
    assert other.folders_to_prefetch() == [str(folder)]  # nothing saved yet


def test_an_unreadable_file_is_reported_and_never_cached(
    tmp_path: Path, settled: None
) -> None:
    """A file too big to read has no bytes to key by: reported by every build."""
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    (folder / "riesig.yaml").write_bytes(b"#" * 5_000_001)
    for _ in range(2):
        state, settings = build(tmp_path)
        data = state.thread_of("p")
        save_caches(settings)
        assert len(data.unpack()[0].comments) == 1
        assert [(Path(p.path).name, p.field) for p in state.log] == [
            ("riesig.yaml", "file")
        ]
        assert state.cache is not None and state.cache.hits == 0


def test_threads_found_when_queueing_are_used_and_report_their_problems(
    tmp_path: Path, settled: None
) -> None:
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    (folder / "kaputt.yaml").write_text("author: A\n", encoding="utf-8")
    first = bodies(tmp_path)
    state, _ = build(tmp_path)
    assert state.folders_to_prefetch() == []  # served by its stamp
    assert not state.log.problems  # reported when a post shows it
    thread, html, _ = state.thread_of("p").unpack()
    assert [html[c.id] for c in thread.comments] == first
    assert sorted(p.field for p in state.log) == ["body", "date"]


def test_the_stamp_is_one_packed_key_that_every_stat_field_changes(
    tmp_path: Path,
) -> None:
    """Names, sizes, both times and the inode each change the folder's one key."""
    folder = tmp_path / "content" / "comments" / "p"
    write(folder, 1)
    write(folder, 2)
    files = comments.folder.listing(folder)
    assert files is not None and [n for n, _ in files] == ["c1.yaml", "c2.yaml"]

    def key(listing: comments.folder.Listing) -> str | None:
        return comments.folder.stat_key("v", folder, ("tz", "d"), listing)

    def changed(i: int, **fields: int) -> comments.folder.Listing:
        """The listing with file i's stat fields replaced."""
        name, st = files[i]
        assert st is not None
        seq = list(st)  # mode, ino, dev, nlink, uid, gid, size, atime, mtime, ctime
        seq[1] = fields.get("st_ino", st.st_ino)
        seq[6] = fields.get("st_size", st.st_size)
        new = os.stat_result(
            seq,
            {
                "st_mtime_ns": fields.get("st_mtime_ns", st.st_mtime_ns),
                "st_ctime_ns": fields.get("st_ctime_ns", st.st_ctime_ns),
            },
        )
        return [*files[:i], (name, new), *files[i + 1 :]]

    base = key(files)
    assert base is not None and base == key(list(files))
    st = files[1][1]
    assert st is not None
    variants = [
        changed(1, st_size=st.st_size + 1),
        changed(1, st_mtime_ns=st.st_mtime_ns + 1),
        changed(1, st_ctime_ns=st.st_ctime_ns + 1),
        changed(1, st_ino=st.st_ino + 1),
        files[:1],  # a file removed
        [("c1.yamlc", files[0][1]), ("2.yaml", files[1][1])],  # a name boundary moved
    ]
    keys = {key(v) for v in variants}
    assert None not in keys and base not in keys and len(keys) == len(variants)
    # No stamp when a file could not be stat'ed or a time does not fit 64 bits.
    assert key([(files[0][0], None), files[1]]) is None
    assert key(changed(0, st_mtime_ns=1 << 70)) is None
