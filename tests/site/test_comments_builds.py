"""Builds of our own content trees: settings, broken threads (strict and default), size.

Every rule of the comment contract has a folder in tests/data/comments/rules;
all of them go into one site (a post per rule), built once strictly (every
problem printed as ``path:line: field: message``, non-zero exit) and once in
default mode (exit 0, only the broken comments missing, their replies shown).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from support.site import ROOT, BuiltSite, build_site, copy_content

sys.path.insert(0, str(ROOT / "tests" / "unit" / "comments"))
from rules import cases, expected, ids

FLAGSHIP = "2017/social-media-im-silo/"


def write_post(
    content: Path, slug: str, *, date: str = "2024-01-10 10:00", extra: str = ""
) -> None:
    (content / "posts" / f"{slug}.md").write_text(
        textwrap.dedent(f"""\
            Title: Regel {slug}
            Date: {date}
            Author: Katrin Albers
            Category: Tests
            Slug: {slug}
            Lang: de
            Summary: Ein Beitrag, unter dem ein kaputter Kommentar liegt.
            {extra}
            Ein kurzer Text, damit der Beitrag nicht leer ist.
            """),
        encoding="utf-8",
    )


@pytest.fixture(scope="module")
def rules_content(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample content plus one post and one thread folder per contract rule."""
    content = copy_content(tmp_path_factory.mktemp("rules"))
    for case in cases():
        slug = f"regel-{case.name}"
        write_post(content, slug)
        shutil.copytree(case, content / "comments" / slug)
    return content


@pytest.fixture(scope="module")
def strict_build(
    rules_content: Path, tmp_path_factory: pytest.TempPathFactory
) -> BuiltSite:
    return build_site(
        tmp_path_factory.mktemp("strict"), content=rules_content, strict=True
    )


@pytest.fixture(scope="module")
def default_build(
    rules_content: Path, tmp_path_factory: pytest.TempPathFactory
) -> BuiltSite:
    return build_site(tmp_path_factory.mktemp("default"), content=rules_content)


def test_strict_mode_lists_every_problem_and_fails(strict_build: BuiltSite) -> None:
    assert strict_build.returncode != 0, strict_build.log
    lines = strict_build.log.splitlines()
    missing = []
    for case in cases():
        for name, line, field in sorted(expected(case)):
            prefix = f"content/comments/regel-{case.name}/{name}:{line}: {field}: "
            hits = [ln for ln in lines if ln.startswith(prefix)]
            if not hits:
                missing.append(prefix)
            else:
                assert len(hits[0]) > len(prefix) + 5, hits[0]  # a message follows
    assert missing == [], "\n".join(missing) + "\n---\n" + strict_build.log[-4000:]


def test_strict_mode_reports_nothing_else_about_comments(
    strict_build: BuiltSite,
) -> None:
    reported = {
        ln.split(": ", 1)[0]
        for ln in strict_build.log.splitlines()
        if ln.startswith("content/comments/")
    }
    announced = {
        f"content/comments/regel-{case.name}/{name}:{line}"
        for case in cases()
        for name, line, _ in expected(case)
    }
    assert reported == announced


def test_default_mode_leaves_out_only_the_broken_comments(
    default_build: BuiltSite,
) -> None:
    assert default_build.returncode == 0, default_build.log
    assert (
        "content/comments/regel-cycle/thread.yaml:5: parent:" in default_build.log
    )  # warned
    for case in cases():
        soup = default_build.page(f"2024/regel-{case.name}/")
        shown = {
            li["id"].removeprefix("comment-")
            for li in soup.select("#comments li.comment")
        }
        written = ids(case)
        assert {i for i in written if i.startswith("ok")} <= shown, case.name
        assert not {i for i in shown if i.startswith("bad")}, case.name
    # The rest of the site is whole.
    assert len(default_build.page(FLAGSHIP).select("#comments li.comment")) == 11


def test_replies_of_a_broken_comment_take_its_place(default_build: BuiltSite) -> None:
    for case in (
        "unknown-key",
        "missing-author",
        "missing-date",
        "missing-body",
        "bad-date",
    ):
        soup = default_build.page(f"2024/regel-{case}/")
        reply = soup.find(id="comment-ok-reply")
        assert reply is not None, case
        assert reply.find_parent("li", class_="comment") is None  # now at the top level
    cycle = default_build.page("2024/regel-cycle/")
    top = [
        li["id"]
        for li in cycle.select_one("#comments > ol").find_all("li", recursive=False)
    ]
    assert top == ["comment-ok-outside"]


def test_display_depth_setting(tmp_path: Path) -> None:
    site = build_site(tmp_path, settings={"COMMENTS_DISPLAY_DEPTH": 2})
    assert site.returncode == 0, site.log
    soup = site.page(FLAGSHIP)
    first = soup.find(id="comment-20170503T071200Z-k3f9")
    second = soup.find(id="comment-20170503T094000Z-m2xa")
    third = soup.find(id="comment-20170503T110500Z-q7td")
    assert second.find_parent("li", class_="comment") is first
    assert (
        third.find_parent("li", class_="comment") is first
    )  # beside its parent, not inside
    assert [a["href"] for a in third.select(".comment-in-reply-to a")] == [
        "#comment-20170503T094000Z-m2xa"
    ]
    assert {
        c
        for li in soup.select("li.comment")
        for c in li["class"]
        if c.startswith("depth-")
    } == {"depth-1", "depth-2"}


def test_threads_close_by_themselves(tmp_path: Path) -> None:
    # 2024-03-14 post: 6 days old at "now"; the 2017 post is long closed.
    site = build_site(
        tmp_path,
        settings={
            "COMMENTS_CLOSE_AFTER_DAYS": 30,
            "COMMENTS_NOW": "2024-03-20T12:00:00+01:00",
        },
    )
    assert site.returncode == 0, site.log
    still_open = site.page("2024/kommentare-per-pull-request/")
    assert still_open.select("a.comment-reply") and not still_open.select(
        ".comments-closed"
    )
    closed = site.page(FLAGSHIP)
    assert len(closed.select("li.comment")) == 11
    assert (
        not closed.select("a.comment-reply") and closed.find(id="comment-form") is None
    )
    assert closed.select_one(".comments-closed") is not None
    later = build_site(
        tmp_path / "later",
        settings={
            "COMMENTS_CLOSE_AFTER_DAYS": 30,
            "COMMENTS_NOW": "2024-04-13T09:00:01+02:00",
        },
    )
    assert not later.page("2024/kommentare-per-pull-request/").select("a.comment-reply")


def test_a_thread_folder_without_a_post_is_reported(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    folder = content / "comments" / "gibt-es-nicht"
    folder.mkdir()
    (folder / "a.yaml").write_text(
        "author: A\ndate: 2024-01-01\nbody: Hallo?\n", encoding="utf-8"
    )
    site = build_site(tmp_path / "default", content=content)
    assert site.returncode == 0
    assert (
        "content/comments/gibt-es-nicht:0: folder: "
        "no post or page has the slug 'gibt-es-nicht'" in site.log
    )
    strict = build_site(tmp_path / "strict", content=content, strict=True)
    assert strict.returncode != 0
    assert "content/comments/gibt-es-nicht:0: folder:" in strict.log


@pytest.mark.slow
def test_a_thread_of_5000_comments_builds(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    write_post(content, "grosse-diskussion")
    folder = content / "comments" / "grosse-diskussion"
    folder.mkdir()
    total, per_file = 5000, 500
    for start in range(0, total, per_file):
        items = []
        for i in range(start, start + per_file):
            # Every fifth comment starts a branch; the others answer the one before.
            parent = "" if i % 5 == 0 else f"  parent: c{i - 1}\n"
            minute = f"{i // 60 % 24:02d}:{i % 60:02d}"
            day = 11 + i // 1440
            items.append(
                f"- id: c{i}\n{parent}  author: Leserin {i % 97}\n"
                f"  date: 2024-01-{day:02d}T{minute}:00+01:00\n"
                f'  body: "Kommentar **{i}** mit [Link](https://example.org/{i})."\n'
            )
        (folder / f"teil-{start // per_file:02d}.yaml").write_text(
            "".join(items), encoding="utf-8"
        )
    site = build_site(tmp_path / "site", content=content, strict=True)
    assert site.returncode == 0, site.log[-3000:]
    soup = site.page("2024/grosse-diskussion/")
    assert soup.select_one("#comments-title").get_text(strip=True) == "5000 Kommentare"
    items = soup.select("#comments li.comment")
    assert len(items) == total
    assert len({li["id"] for li in items}) == total
    # c1..c4 answer in a chain: nested down to depth 5 is c0 > c1 > c2 > c3 > c4.
    assert (
        soup.find(id="comment-c4").find_parent("li", class_="comment")["id"]
        == "comment-c3"
    )
    assert "depth-5" in soup.find(id="comment-c4")["class"]
    assert soup.select_one("#comment-c42 strong").get_text() == "42"


#: Two runs of one Pelican object with one settings dict, as ``pelican -r`` does.
TWO_RUNS = """
import sys
from pathlib import Path
from pelican import Pelican
from pelican.settings import read_settings

config, content, output, cache, new_file = sys.argv[1:6]
settings = read_settings(
    config, override={"PATH": content, "OUTPUT_PATH": output, "CACHE_PATH": cache}
)
pelican = Pelican(settings)
pelican.run()
Path(new_file).write_text(
    "author: Zweiter Lauf\\ndate: 2030-01-01T10:00:00+01:00\\n"
    "body: Erst im zweiten Lauf da.\\n",
    encoding="utf-8",
)
pelican.run()
"""


def test_a_second_run_in_one_process_shows_a_new_comment(tmp_path: Path) -> None:
    """``pelican -r`` keeps its settings between runs: no thread of the first run
    may be served again (the comments plugin starts each run afresh)."""
    content = copy_content(tmp_path)
    new_file = (
        content / "comments" / "kommentare-per-pull-request" / "zweiter-lauf.yaml"
    )
    output = tmp_path / "output"
    proc = subprocess.run(
        [
            sys.executable, "-c", TWO_RUNS, str(ROOT / "pelicanconf.py"),
            str(content), str(output), str(tmp_path / "cache"), str(new_file),
        ],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONUTF8": "1"},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    page = (output / "2024" / "kommentare-per-pull-request" / "index.html").read_text(
        encoding="utf-8"
    )
    assert 'id="comment-zweiter-lauf"' in page
    assert "Erst im zweiten Lauf da." in page
