"""One build's comments without Pelican: modes, auto-close, translations, orphans."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import comments.render
import pytest
from comments import EMPTY
from comments.build import (
    CommentsBuild,
    CommentSettings,
    SettingsError,
    build_state,
    comment_digest_of,
)
from sitekit.problems import ProblemLog

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Post:
    slug: str
    lang: str = "de"
    url: str = "2017/p/"
    metadata: dict[str, Any] = field(default_factory=dict)
    source_path: str = "p.md"
    date: datetime | None = datetime(2017, 5, 3, 7, 30, tzinfo=BERLIN)


def thread_folder(root: Path, slug: str, n: int = 2) -> None:
    folder = root / "comments" / slug
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"c{i}.yaml").write_text(
            f"author: Leser {i}\ndate: 2017-05-0{i + 3}T09:00:00+02:00\n"
            f"body: Kommentar *{i}*\n" + (f"parent: c{i - 1}\n" if i else ""),
            encoding="utf-8",
        )


def make(tmp_path: Path, **settings: Any) -> CommentsBuild:
    base = {"PATH": str(tmp_path), "TIMEZONE": "Europe/Berlin", "DEFAULT_LANG": "de"}
    base.update(settings)
    return build_state(base)


def test_attributes(tmp_path: Path) -> None:
    thread_folder(tmp_path, "p")
    build = make(tmp_path, SITEURL="https://x.org/")
    post = Post("p")
    build.decorate(post)
    assert post.comment_count == 2 and len(post.thread.comments) == 2  # type: ignore[attr-defined]
    assert (post.comments_mode, post.comments_open) == ("open", True)  # type: ignore[attr-defined]
    assert "<em>0</em>" in post.comment_html["c0"]  # type: ignore[attr-defined]
    (top,) = post.comment_jsonld  # type: ignore[attr-defined]
    assert top["url"] == "https://x.org/2017/p/#comment-c0"
    assert top["comment"][0]["url"] == "https://x.org/2017/p/#comment-c1"
    assert post.comment_views["c0"].when == "3. Mai 2017 um 09:00 Uhr"  # type: ignore[attr-defined]
    assert len(build.log) == 0


def test_no_folder_is_an_empty_thread(tmp_path: Path) -> None:
    post = Post("nothing")
    make(tmp_path).decorate(post)
    assert (
        post.thread is EMPTY and post.comment_count == 0 and post.comment_jsonld == []
    )  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("header", "page", "mode"),
    [
        (None, False, "open"),
        ("open", False, "open"),
        ("closed", False, "closed"),
        ("off", False, "off"),
        (" Closed ", False, "closed"),
        (None, True, "off"),
        ("closed", True, "closed"),
        ("open", True, "open"),
        ("offf", False, "closed"),
    ],
)
def test_modes(tmp_path: Path, header: str | None, page: bool, mode: str) -> None:
    thread_folder(tmp_path, "p")
    post = Post("p", metadata={"comments": header} if header is not None else {})
    make(tmp_path).decorate(post, page=page)
    assert post.comments_mode == mode  # type: ignore[attr-defined]
    assert post.comments_open == (mode == "open")  # type: ignore[attr-defined]
    assert post.comment_count == (0 if mode == "off" else 2)  # type: ignore[attr-defined]
    assert (post.thread is EMPTY) == (mode == "off")  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("now", "mode"),
    [
        ("2017-05-13T07:29:00+02:00", "open"),
        ("2017-05-13T07:30:00+02:00", "closed"),
        ("2017-05-13T05:30:00Z", "closed"),
        ("2017-05-13T07:29", "open"),
    ],
)
def test_threads_close_by_themselves(tmp_path: Path, now: str, mode: str) -> None:
    thread_folder(tmp_path, "p")
    post = Post("p")
    make(tmp_path, COMMENTS_CLOSE_AFTER_DAYS=10, COMMENTS_NOW=now).decorate(post)
    assert post.comments_mode == mode  # type: ignore[attr-defined]
    assert post.comment_count == 2  # type: ignore[attr-defined]


def test_never_closing_and_off_stays_off(tmp_path: Path) -> None:
    post, off, undated = (
        Post("p"),
        Post("p", metadata={"comments": "off"}),
        Post("p", date=None),
    )
    build = make(tmp_path, COMMENTS_CLOSE_AFTER_DAYS=0, COMMENTS_NOW="2030-01-01")
    for item in (off, undated):
        build.decorate(item)
    assert (off.comments_mode, undated.comments_mode) == ("off", "open")  # type: ignore[attr-defined]
    make(tmp_path, COMMENTS_NOW="2030-01-01").decorate(post)
    assert post.comments_mode == "open"  # type: ignore[attr-defined]


def test_real_clock_closes_old_posts(tmp_path: Path) -> None:
    post = Post("p")
    make(tmp_path, COMMENTS_CLOSE_AFTER_DAYS=30).decorate(post)
    assert post.comments_mode == "closed"  # type: ignore[attr-defined]


def test_translations_share_one_thread_rendered_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    thread_folder(tmp_path, "p", 3)
    calls: list[str] = []
    real = comments.render.render_markdown

    def counting(text: str) -> str:
        calls.append(text)
        return real(text)

    monkeypatch.setattr(comments.render, "render_markdown", counting)
    build = make(tmp_path)
    de, en = Post("p"), Post("p", lang="en", url="en/2017/p/")
    build.decorate(de)
    build.decorate(en)
    assert de.thread is en.thread and de.comment_html is en.comment_html  # type: ignore[attr-defined]
    assert len(calls) == 3
    assert en.comment_views["c0"].when.startswith("May 3, 2017")  # type: ignore[attr-defined]
    assert en.comment_jsonld[0]["url"] == "en/2017/p/#comment-c0"  # type: ignore[attr-defined]


def test_problems_are_logged_once_per_folder(tmp_path: Path) -> None:
    thread_folder(tmp_path, "p")
    (tmp_path / "comments" / "p" / "bad.yaml").write_text(
        "author: A\n", encoding="utf-8"
    )
    build = make(tmp_path)
    build.decorate(Post("p"))
    build.decorate(Post("p", lang="en"))
    assert sorted(p.field for p in build.log) == ["body", "date"]


def test_orphan_folders_and_stray_files(tmp_path: Path) -> None:
    thread_folder(tmp_path, "p")
    thread_folder(tmp_path, "gibt-es-nicht")
    (tmp_path / "comments" / "leer").mkdir()
    (tmp_path / "comments" / "verirrt.yaml").write_text("author: A\n", encoding="utf-8")
    build = make(tmp_path)
    build.decorate(Post("p", metadata={"comments": "off"}))
    build.report_orphans()
    found = sorted((Path(p.path).name, p.field) for p in build.log)
    assert found == [("gibt-es-nicht", "folder"), ("verirrt.yaml", "folder")]
    assert "gibt-es-nicht" in next(
        p.message for p in build.log if p.path.endswith("nicht")
    )


def test_comments_path_setting(tmp_path: Path) -> None:
    folder = tmp_path / "diskussion" / "p"
    folder.mkdir(parents=True)
    (folder / "a.yaml").write_text(
        "author: A\ndate: 2017-05-03\nbody: x\n", encoding="utf-8"
    )
    post = Post("p")
    make(tmp_path, COMMENTS_PATH="diskussion").decorate(post)
    assert post.comment_count == 1  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("COMMENTS_DISPLAY_DEPTH", 0),
        ("COMMENTS_DISPLAY_DEPTH", 11),
        ("COMMENTS_DISPLAY_DEPTH", "5"),
        ("COMMENTS_CLOSE_AFTER_DAYS", -1),
        ("COMMENTS_CLOSE_AFTER_DAYS", "30"),
        ("COMMENTS_NOW", "morgen"),
        ("COMMENTS_NOW", 5),
    ],
)
def test_bad_settings_stop_the_build_with_their_name(key: str, value: object) -> None:
    with pytest.raises(SettingsError, match=key):
        CommentSettings.from_settings({key: value})


def test_state_is_per_settings_dict(tmp_path: Path) -> None:
    a = {"PATH": str(tmp_path)}
    b = {"PATH": str(tmp_path)}
    assert build_state(a) is build_state(a)
    assert build_state(a) is not build_state(b)
    assert isinstance(build_state(a).log, ProblemLog)


def test_comment_digest_follows_the_files_and_nothing_else(tmp_path: Path) -> None:
    """An exact, cheap key for page writers: equal digests, equal attributes."""

    def digest(**settings: Any) -> str:
        post = Post("p")
        make(tmp_path, **settings).decorate(post)
        found = comment_digest_of(post)
        assert found
        return found

    thread_folder(tmp_path, "p", 3)
    first = digest()
    assert digest() == first  # another build of the same files
    folder = tmp_path / "comments" / "p"
    (folder / "c1.yaml").touch()  # same bytes, new time stamp
    assert digest() == first
    assert digest(COMMENTS_DISPLAY_DEPTH=2) != first
    assert digest(TIMEZONE="UTC") != first
    (folder / "c9.yaml").write_text(
        "author: Neu\ndate: 2017-05-09T09:00:00+02:00\nbody: Neu\n", encoding="utf-8"
    )
    second = digest()
    assert second != first
    (folder / "c9.yaml").write_text(
        "author: Neu\ndate: 2017-05-09T09:00:00+02:00\nbody: Neu!\n", encoding="utf-8"
    )
    assert digest() not in (first, second)
    build = make(tmp_path)
    de, en, off = Post("p"), Post("p", lang="en", url="en/p/"), Post("p")
    off.metadata["comments"] = "off"
    for post in (de, en, off):
        build.decorate(post)
    digests = {comment_digest_of(p) for p in (de, en, off)}
    assert len(digests) == 3 and None not in digests
    assert comment_digest_of(Post("q")) is None  # not decorated
    nothing = Post("q")
    build.decorate(nothing)
    assert comment_digest_of(nothing) not in digests


def test_folder_names_are_what_a_path_would_give() -> None:
    """Threads are found by folder name, as ``str(root / slug)`` wrote it."""
    from comments.build import _folder_name

    roots = [Path("content/comments"), Path("/srv/site/comments"), Path(".")]
    slugs = ["post", "ä-ß", "..", ".", "a/b", "a//b", "/abs", " x ", "..."]
    for root in roots:
        for slug in slugs:
            assert _folder_name(root, slug) == str(root / slug), (root, slug)
