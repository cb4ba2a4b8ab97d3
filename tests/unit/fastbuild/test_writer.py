"""fastbuild.writer: pages render in forked processes while the build goes on.

A flush hands the pages to a dispatcher and returns; ``join`` takes the
results. Whatever happens to a renderer (it raises, it is killed, its
dispatcher is killed) while this process does other work, every page is
written, a page that cannot be rendered fails the build with its own error,
and problems found in a child reach this process's problem log.
"""

from __future__ import annotations

import logging
import os
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import fastbuild.writer
import pytest
from fastbuild.reader import RUNTIME_KEY
from fastbuild.writer import FastWriter, _chunks, _Job
from jinja2 import DictLoader, Environment
from sitekit.problems import Problem, problem_log

MAIN = os.getpid()


@dataclass
class Config:
    min_pages: int = 1


@dataclass
class Runtime:
    """What the writer reads from ``fastbuild.runtime.Runtime``."""

    workers: int = 2
    parallel_write: bool = True
    stamps: Any = None
    config: Config = field(default_factory=Config)
    stats: dict[str, int] = field(
        default_factory=lambda: {"pages_deferred": 0, "render_processes": 1}
    )


class Template:
    """Renders ``page <n>``; misbehaves as the page's context says, in a child."""

    name = "page.html"

    def render(self, localcontext: dict[str, Any]) -> str:
        n = localcontext["n"]
        trouble = localcontext.get("trouble")
        child = os.getpid() != MAIN
        if trouble == "exit" and child:
            os._exit(3)  # the renderer dies without a word
        if trouble == "kill-dispatcher" and child:
            os.kill(os.getppid(), signal.SIGKILL)
            time.sleep(0.2)
        if trouble == "raise":
            raise ValueError(f"page {n} cannot be rendered")
        if trouble == "problem":
            problem_log(localcontext["settings"]).add(
                Problem(f"posts/{n}.md", 3, "body", "found while rendering")
            )
        return f"page {n}\n"


def make_writer(tmp_path: Path, **runtime: Any) -> tuple[FastWriter, dict[str, Any]]:
    settings: dict[str, Any] = {RUNTIME_KEY: Runtime(**runtime)}
    return FastWriter(str(tmp_path / "out"), settings=settings), settings


def queue(
    writer: FastWriter, settings: dict[str, Any], pages: int, trouble: dict[int, str]
) -> None:
    context: dict[str, Any] = {}
    for n in range(pages):
        rel = f"p/{n}/index.html"
        local = {"n": n, "trouble": trouble.get(n), "settings": settings}
        writer._jobs.append(
            _Job(
                os.path.join(writer.output_path, rel),
                rel,
                Template(),
                local,
                context,
                None,
            )
        )


def busy_main_process(tmp_path: Path) -> None:
    """What the feeds do meanwhile: write files here for a while."""
    feeds = tmp_path / "out" / "feeds"
    feeds.mkdir(parents=True, exist_ok=True)
    end = time.monotonic() + 0.5
    i = 0
    while time.monotonic() < end:
        (feeds / f"{i % 50}.xml").write_text("<feed/>" * 100, encoding="utf-8")
        i += 1


def written(tmp_path: Path, pages: int) -> list[str]:
    out = tmp_path / "out"
    return [
        (out / f"p/{n}/index.html").read_text(encoding="utf-8") for n in range(pages)
    ]


def test_flush_returns_while_children_render_and_join_takes_every_page(
    tmp_path: Path,
) -> None:
    writer, settings = make_writer(tmp_path)
    queue(writer, settings, 40, {})
    writer.flush()
    assert writer._batches, "the pages should render in the background"
    busy_main_process(tmp_path)
    writer.join()
    assert written(tmp_path, 40) == [f"page {n}\n" for n in range(40)]
    assert settings[RUNTIME_KEY].stats == {"pages_deferred": 40, "render_processes": 2}
    assert writer._tokens is None and not writer._batches


@pytest.mark.parametrize("trouble", ["exit", "kill-dispatcher"])
def test_a_renderer_that_dies_while_this_process_works_loses_no_page(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, trouble: str
) -> None:
    writer, settings = make_writer(tmp_path)
    queue(writer, settings, 40, {7: trouble, 31: trouble})
    writer.flush()
    with caplog.at_level(logging.WARNING, logger="fastbuild.writer"):
        busy_main_process(tmp_path)
        writer.join()
    assert written(tmp_path, 40) == [f"page {n}\n" for n in range(40)]
    assert "failed; rendering its" in caplog.text


def test_a_page_that_fails_raises_its_own_error_at_the_join(tmp_path: Path) -> None:
    writer, settings = make_writer(tmp_path)
    queue(writer, settings, 40, {12: "raise"})
    writer.flush()
    busy_main_process(tmp_path)
    with pytest.raises(ValueError, match="page 12 cannot be rendered"):
        writer.join()
    assert writer._tokens is None and not writer._batches


def test_problems_found_in_a_child_reach_the_build(tmp_path: Path) -> None:
    writer, settings = make_writer(tmp_path)
    queue(writer, settings, 40, {5: "problem", 33: "problem"})
    writer.flush()
    assert not problem_log(settings).problems  # not yet: the children have them
    writer.join()
    got = [(p.path, p.message) for p in problem_log(settings).problems]
    assert got == [
        ("posts/5.md", "found while rendering"),
        ("posts/33.md", "found while rendering"),
    ]


def test_abandon_waits_for_the_renderers_and_takes_nothing(tmp_path: Path) -> None:
    writer, settings = make_writer(tmp_path)
    queue(writer, settings, 40, {3: "raise"})
    writer.flush()
    writer.abandon()  # the build failed elsewhere: no error from the pages
    assert not writer._batches and writer._tokens is None
    assert settings[RUNTIME_KEY].stats["pages_deferred"] == 0


def test_a_page_written_again_over_a_pending_one_lands_last(tmp_path: Path) -> None:
    """Pelican's override rules hold: the overriding page is the one on disk."""
    writer, _ = make_writer(tmp_path)
    env = Environment(
        loader=DictLoader({"a.html": "first {{ n }}", "b.html": "override {{ n }}"}),
        autoescape=True,
    )
    context: dict[str, Any] = {"localsiteurl": ""}
    for n in range(30):
        writer.write_file(f"p/{n}.html", env.get_template("a.html"), context, n=n)
    writer.flush()  # rendering in the background
    writer.write_file(
        "p/5.html", env.get_template("b.html"), context, override_output=True, n=5
    )
    # Written a third time without override: Pelican keeps the override.
    writer.write_file("p/5.html", env.get_template("a.html"), context, n=99)
    writer.flush()
    writer.join()
    out = tmp_path / "out" / "p"
    assert (out / "5.html").read_text(encoding="utf-8") == "override 5"
    assert (out / "6.html").read_text(encoding="utf-8") == "first 6"


@pytest.mark.parametrize("count", [1, 23, 48, 50, 342, 1586, 5000])
def test_chunks_cover_every_page_once_and_shrink_towards_the_end(count: int) -> None:
    chunks = _chunks(count, 2, 24)
    assert [i for chunk in chunks for i in chunk] == list(range(count))
    sizes = [len(chunk) for chunk in chunks]
    assert all(size >= 24 for size in sizes[:-1])  # a fork is worth it
    assert sizes[:-1] == sorted(sizes[:-1], reverse=True)  # the last: what is left
    if count >= 1586:
        assert sizes[-2] < sizes[0] / 2  # the renderers finish together


class Labelled:
    """Renders its name, the page's number and the process that rendered it."""

    def __init__(self, name: str) -> None:
        self.name = name

    def render(self, localcontext: dict[str, Any]) -> str:
        return f"{self.name} {localcontext['n']} {os.getpid()}\n"


def test_the_first_page_of_each_template_and_language_renders_before_the_fork(
    tmp_path: Path,
) -> None:
    """What a first render loads is then shared by every renderer, not loaded again."""
    writer, _ = make_writer(tmp_path)
    templates = {
        "article.html": Labelled("article.html"),
        "tag.html": Labelled("tag.html"),
    }
    plan = []  # (template, lang) per page
    for n in range(60):
        plan.append(
            ("tag.html" if n >= 50 else "article.html", "en" if n % 7 == 3 else "de")
        )
    for n, (name, lang) in enumerate(plan):
        rel = f"p/{n}/index.html"
        local = {"n": n, "article": SimpleNamespace(lang=lang) if n < 50 else None}
        writer._jobs.append(
            _Job(
                os.path.join(writer.output_path, rel),
                rel,
                templates[name],
                local,
                {},
                None,
            )
        )
    writer.flush()
    out = tmp_path / "out"
    here = {n for n in range(60) if (out / f"p/{n}/index.html").exists()}
    firsts = {0, 3, 50}  # article/de, article/en, tag (the site's language)
    assert firsts <= here, "the first page of each kind renders before the fork"
    writer.join()
    for n, (name, _) in enumerate(plan):
        label, number, pid = (out / f"p/{n}/index.html").read_text().split()
        assert (label, int(number)) == (name, n)
        assert (int(pid) == MAIN) == (n in firsts)


#: What the build has done so far, as a forked renderer saw it when forked.
PHASE = ["flushed"]


class Phased:
    """Renders the page's number and ``PHASE``; counts its renders in a log."""

    name = "page.html"

    def __init__(self, log: Path) -> None:
        self.log = log

    def render(self, localcontext: dict[str, Any]) -> str:
        time.sleep(0.004)
        with open(self.log, "a", encoding="utf-8") as fh:
            fh.write(f"{localcontext['n']}\n")
        return f"{PHASE[0]} {localcontext['n']}\n"


def queue_phased(writer: FastWriter, pages: range, log: Path) -> None:
    template = Phased(log)
    for n in pages:
        rel = f"p/{n}/index.html"
        writer._jobs.append(
            _Job(
                os.path.join(writer.output_path, rel), rel, template, {"n": n}, {}, None
            )
        )


def wait_for_a_child_page(tmp_path: Path) -> None:
    """Until a renderer wrote a page (page 0 is rendered here, before the fork)."""
    end = time.monotonic() + 20
    while not (tmp_path / "out" / "p" / "1" / "index.html").exists():
        assert time.monotonic() < end, "no renderer wrote a page"
        time.sleep(0.01)


def flushed_and_rendering(tmp_path: Path) -> tuple[FastWriter, Path]:
    """A writer whose 300 flushed pages renderers have begun (phase "flushed")."""
    writer, _ = make_writer(tmp_path)
    log = tmp_path / "renders.log"
    PHASE[0] = "flushed"
    queue_phased(writer, range(300), log)
    writer.flush()
    wait_for_a_child_page(tmp_path)
    return writer, log


def two_more_pages(log: Path, after: str) -> None:
    """Until renderers have rendered two more pages than now."""
    renders = len(log.read_text(encoding="utf-8").split())
    end = time.monotonic() + 20
    while len(log.read_text(encoding="utf-8").split()) < renders + 2:
        assert time.monotonic() < end, f"no renderer went on after {after}"
        time.sleep(0.01)


def phases(tmp_path: Path, pages: range, log: Path) -> dict[str, set[int]]:
    renders = [int(line) for line in log.read_text(encoding="utf-8").split()]
    assert sorted(renders) == list(pages), "every page rendered once"
    out: dict[str, set[int]] = {}
    for n in pages:
        phase, number = (tmp_path / "out" / f"p/{n}/index.html").read_text().split()
        assert int(number) == n
        out.setdefault(phase, set()).add(n)
    return out


def test_join_hands_the_pages_left_to_renderers_forked_then(tmp_path: Path) -> None:
    """The dispatcher of the flush shares memory as it was before the feeds;
    the pages no renderer has reached yet are rendered by processes forked at
    the join, which share this process's memory as it is."""
    writer, log = flushed_and_rendering(tmp_path)
    PHASE[0] = "joined"  # what the feeds changed meanwhile
    writer.join()
    got = phases(tmp_path, range(300), log)
    assert set(got) == {"flushed", "joined"}
    assert len(got["flushed"]) > 1  # page 0 and what the first renderers did
    assert writer._tokens is None and not writer._batches


def test_a_later_flush_hands_the_pages_left_to_renderers_forked_then(
    tmp_path: Path,
) -> None:
    writer, log = flushed_and_rendering(tmp_path)
    PHASE[0] = "next-generator"
    queue_phased(writer, range(300, 301), log)  # a small generator's page
    writer.flush()
    two_more_pages(log, after="the flush")
    PHASE[0] = "joined"
    writer.join()
    got = phases(tmp_path, range(301), log)
    assert got["next-generator"] - {300}, "renderers forked at the second flush"
    assert got["flushed"] & set(range(1, 300)), "renderers forked at the first"


def test_a_refresh_hands_the_pages_left_to_renderers_forked_then(
    tmp_path: Path,
) -> None:
    """What the feeds call every so often while the pages render."""
    writer, log = flushed_and_rendering(tmp_path)
    PHASE[0] = "refreshed"  # what the feeds wrote since the flush
    writer.refresh()
    two_more_pages(log, after="the refresh")
    PHASE[0] = "joined"
    writer.join()
    got = phases(tmp_path, range(300), log)  # each page once
    assert got["refreshed"], "renderers forked at the refresh"
    assert got["flushed"] & set(range(1, 300)), "renderers forked at the flush"
    writer.refresh()  # nothing pending: nothing happens
    assert not writer._batches


def test_pages_left_at_the_join_render_here_when_no_dispatcher_can_be_forked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    writer, log = flushed_and_rendering(tmp_path)
    monkeypatch.setattr(fastbuild.writer, "fork_piped", lambda: None)
    PHASE[0] = "joined"
    with caplog.at_level(logging.WARNING, logger="fastbuild.writer"):
        writer.join()
    got = phases(tmp_path, range(300), log)
    assert got["joined"], "the pages left were rendered here"
    assert "a page dispatcher failed; rendering its" in caplog.text
    assert writer._tokens is None and not writer._batches


def test_a_deferred_page_keeps_its_own_values_and_a_shared_context(
    tmp_path: Path,
) -> None:
    """Pelican's per-page copy of the context is made again, same keys, same
    order, same objects, from one copy that the deferred pages share."""
    writer, _ = make_writer(tmp_path)
    context: dict[str, Any] = {f"SETTING_{i}": object() for i in range(50)}
    context["articles"] = [1, 2]
    shared_copies = []
    for n in range(4):
        if n == 2:
            context["SETTING_7"] = object()  # a value changed meanwhile
        if n == 3:
            del context["SETTING_9"]  # and a key was taken away
        local = context.copy()
        local["localsiteurl"] = None
        local["output_file"] = f"p/{n}.html"
        local["articles"] = [n]  # Pelican's keyword arguments override in place
        local["article"] = SimpleNamespace(lang="de")
        shared, own = writer._split(context, local)
        job = _Job("path", "rel", None, own, context, None, shared=shared)
        rebuilt = job.local()
        assert list(rebuilt) == list(local)
        assert all(rebuilt[key] is local[key] for key in local)
        assert set(own) - {"SETTING_7"} == {
            "localsiteurl",
            "output_file",
            "articles",
            "article",
        }
        assert ("SETTING_7" in own) == (n == 2)
        assert job.get("article") is local["article"]
        assert job.get("SETTING_3") is context["SETTING_3"]
        shared_copies.append(shared)
    assert shared_copies[0] is shared_copies[1] is shared_copies[2]
    assert shared_copies[3] is not shared_copies[2], "a new copy: other keys"
