"""The folder maker: the output folders of a first build, made by a forked child."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from fastbuild.folders import FolderMaker, planned_folders


@dataclass(frozen=True)
class Item:
    """A post or a tag, category or author wrapper: all Pelican reads is save_as."""

    save_as: str


def _generator(output: Path, posts: int) -> SimpleNamespace:
    item = Item
    return SimpleNamespace(
        output_path=str(output),
        articles=[item(f"2020/post-{i}/index.html") for i in range(posts)],
        translations=[item("en/2020/post-0/index.html"), item("")],
        tags={item("schlagwort/a/index.html"): [], item("schlagwort/b/index.html"): []},
        categories=[(item("kategorie/x/index.html"), [])],
        authors=[(item(""), [])],  # AUTHOR_SAVE_AS = "": Pelican writes none
    )


def test_planned_folders_are_those_of_the_pages_pelican_writes(tmp_path: Path) -> None:
    folders = planned_folders(_generator(tmp_path, 3))
    rel = [str(Path(f).relative_to(tmp_path)) for f in folders]
    assert rel == [
        "2020/post-0",
        "2020/post-1",
        "2020/post-2",
        "en/2020/post-0",
        "schlagwort/a",
        "schlagwort/b",
        "kategorie/x",
    ]


def test_a_page_outside_the_output_is_left_to_pelican(tmp_path: Path) -> None:
    generator = _generator(tmp_path, 1)
    generator.articles.append(Item("../outside/index.html"))
    folders = planned_folders(generator)
    assert all(Path(f).is_relative_to(tmp_path) for f in folders)
    assert not (tmp_path.parent / "outside").exists()


def test_the_child_makes_every_folder(tmp_path: Path) -> None:
    folders = planned_folders(_generator(tmp_path / "out", 40))
    maker = FolderMaker()
    assert maker.start(folders, at_least=24)
    maker.finish()
    assert maker.pid is None
    assert all(Path(f).is_dir() for f in folders)
    maker.finish()  # again: nothing to reap


def test_no_child_for_few_folders_or_an_output_that_has_them(tmp_path: Path) -> None:
    few = planned_folders(_generator(tmp_path / "few", 3))
    assert not FolderMaker().start(few, at_least=24)
    assert not any(Path(f).exists() for f in few)

    folders = planned_folders(_generator(tmp_path / "out", 40))
    Path(folders[0]).mkdir(parents=True)  # a rebuild: the output has its folders
    assert not FolderMaker().start(folders, at_least=24)
    assert not Path(folders[1]).exists()


def test_a_folder_it_cannot_make_does_not_stop_the_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    folders = planned_folders(_generator(out, 40))
    (out / "2020").mkdir(parents=True)
    Path(folders[5]).write_text("a file where a folder should be", encoding="utf-8")
    maker = FolderMaker()
    assert maker.start(folders, at_least=24)
    maker.finish()
    assert Path(folders[5]).is_file()
    assert all(Path(f).is_dir() for i, f in enumerate(folders) if i != 5)
