"""The folder maker: the output folders of a first build, made by a forked child."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from fastbuild.folders import FolderMaker, planned_folders
from pelican.paginator import PaginationRule


@dataclass(frozen=True)
class Item:
    """A post or a tag, category or author wrapper: what Pelican reads of them."""

    save_as: str
    url: str = ""
    tags: tuple[Item, ...] = ()
    category: Item | None = None
    authors: tuple[Item, ...] = ()


SETTINGS = {
    "DIRECT_TEMPLATES": ["index", "archives", "search"],
    "INDEX_SAVE_AS": "index.html",
    "ARCHIVES_SAVE_AS": "archiv/index.html",
    "SEARCH_SAVE_AS": "",  # not written
    "PAGINATED_TEMPLATES": {"index": None, "tag": 2, "category": None},
    "DEFAULT_PAGINATION": 3,
    "DEFAULT_ORPHANS": 0,
    "PAGINATION_PATTERNS": [
        PaginationRule(1, "{url}", "{save_as}"),
        PaginationRule(
            2, "{base_name}/seite/{number}/", "{base_name}/seite/{number}/index.html"
        ),
    ],
}


def _generator(output: Path, posts: int) -> SimpleNamespace:
    a, b = (
        Item("schlagwort/a/index.html", "schlagwort/a/"),
        Item("schlagwort/b/index.html"),
    )
    x = Item("kategorie/x/index.html", "kategorie/x/")
    nobody = Item("")  # AUTHOR_SAVE_AS = "": Pelican writes none
    return SimpleNamespace(
        output_path=str(output),
        settings=SETTINGS,
        articles=[
            Item(
                f"2020/post-{i}/index.html",
                tags=(a, b) if i < 3 else (a,),
                category=x,
                authors=(nobody,),
            )
            for i in range(posts)
        ],
        # Translations are not listed: their tag would have a page of its own.
        translations=[
            Item("en/2020/post-0/index.html", tags=(Item("tag/en/index.html"),)),
            Item(""),
        ],
    )


def test_planned_folders_are_those_of_the_pages_pelican_writes(tmp_path: Path) -> None:
    folders = planned_folders(_generator(tmp_path, 4))
    rel = [str(Path(f).relative_to(tmp_path)) for f in folders]
    assert rel == [
        "2020/post-0",
        "2020/post-1",
        "2020/post-2",
        "2020/post-3",
        "en/2020/post-0",
        ".",  # the index's first page
        "seite/2",  # 4 posts, 3 a page
        "archiv",  # not paginated
        "schlagwort/a",  # 4 posts, 2 a page
        "schlagwort/a/seite/2",
        "schlagwort/b",  # 3 posts: 2 pages
        "schlagwort/b/seite/2",
        "kategorie/x",
        "kategorie/x/seite/2",
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
