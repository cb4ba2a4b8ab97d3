"""fastbuild.runtime: a generator's posts are listed once per run, not three times."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastbuild.runtime import Runtime
from fastbuild.settings import FastBuildSettings
from pelican.generators import ArticlesGenerator
from pelican.settings import read_settings


def generator(content: Path, tmp_path: Path) -> Any:
    settings = read_settings(
        None,
        override={
            "PATH": str(content),
            "ARTICLE_PATHS": ["posts"],
            "ARTICLE_EXCLUDES": ["posts/comments"],
            "CACHE_PATH": str(tmp_path / "cache"),
            "FASTBUILD_WORKERS": 2,
            "LOAD_CONTENT_CACHE": False,
        },
    )
    return ArticlesGenerator(
        context={},
        settings=settings,
        path=str(content),
        theme=settings["THEME"],
        output_path=str(tmp_path / "out"),
    )


def write_posts(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        (folder / name).write_text(f"Title: {name}\n\nText\n", encoding="utf-8")


def test_the_listing_made_when_the_generator_is_made_is_the_runs(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    write_posts(content / "posts", "a.md", "b.md")
    write_posts(content / "posts" / "comments", "c.md")  # excluded
    gen = generator(content, tmp_path)
    rt = Runtime()
    rt.settings = gen.settings
    rt.config = FastBuildSettings.from_settings(gen.settings)
    rt.queue_markdown(gen, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")
    assert rt.pool is None  # two posts: not worth a pool
    listed = {"posts/a.md", "posts/b.md"}
    # A post written during the run belongs to the next one, whoever asks.
    write_posts(content / "posts", "late.md")
    args = (gen.settings["ARTICLE_PATHS"],)
    got = gen.get_files(*args, exclude=gen.settings["ARTICLE_EXCLUDES"])
    assert got == listed
    got.add("changed by the caller")
    assert gen.get_files(*args, exclude=gen.settings["ARTICLE_EXCLUDES"]) == listed
    # Other folders or rules are walked as before.
    assert gen.get_files(*args, exclude=[]) == listed | {
        "posts/late.md",
        "posts/comments/c.md",
    }
    # The next run's generator lists the folder anew.
    again = generator(content, tmp_path)
    rt.queue_markdown(again, "ARTICLE_PATHS", "ARTICLE_EXCLUDES")
    assert again.get_files(*args, exclude=["posts/comments"]) == listed | {
        "posts/late.md"
    }
