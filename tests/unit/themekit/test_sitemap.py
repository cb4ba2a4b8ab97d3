"""themekit.sitemap: sitemap.xml is written again only when what it lists changed."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from sitekit import cache as sc
from themekit.sitefiles import Entry, sitemap_xml
from themekit.sitemap import SITEMAP_FILE, sitemap_stamp, write_sitemap

BERLIN = ZoneInfo("Europe/Berlin")
ENTRIES = [
    Entry("", dt.datetime(2017, 5, 3, 10, 0, tzinfo=BERLIN)),
    Entry(
        "2017/silo/",
        dt.datetime(2017, 5, 3, 9, 0, tzinfo=BERLIN),
        (("en", "en/silo/"),),
    ),
    Entry("ueber/"),
]


def settings_for(tmp_path: Path) -> dict[str, object]:
    return {sc.ENABLED_KEY: True, "CACHE_PATH": str(tmp_path / "c")}


def build(tmp_path: Path, out: Path, entries: list[Entry], siteurl: str = "") -> bool:
    """One build's sitemap step, with the ledger saved as a build saves it."""
    settings = settings_for(tmp_path)
    written = write_sitemap(settings, out, entries, siteurl)
    sc.save_caches(settings)
    return written


def test_unchanged_entries_are_not_written_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert build(tmp_path, out, ENTRIES)
    path = out / SITEMAP_FILE
    assert path.read_bytes() == sitemap_xml(ENTRIES, "")
    before = path.stat().st_mtime_ns
    assert not build(tmp_path, out, list(ENTRIES))
    assert path.stat().st_mtime_ns == before


def test_any_change_writes_it_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tmp_path, out, ENTRIES)
    path = out / SITEMAP_FILE
    later = dt.datetime(2017, 5, 4, 9, 0, tzinfo=BERLIN)
    changes = [
        [*ENTRIES, Entry("neu/")],  # a page more
        ENTRIES[:2],  # a page less
        [ENTRIES[0], Entry("2017/silo/", later, ENTRIES[1].alternates), ENTRIES[2]],
        [
            ENTRIES[0],
            Entry("2017/silo/", ENTRIES[1].lastmod),
            ENTRIES[2],
        ],  # no alternate
    ]
    for entries in changes:
        assert build(tmp_path, out, entries), entries
        assert path.read_bytes() == sitemap_xml(entries, "")
    # Another SITEURL makes every location another one.
    assert build(tmp_path, out, changes[-1], "https://diskurs.example.org")
    assert b"https://diskurs.example.org/ueber/" in path.read_bytes()


def test_a_file_not_ours_is_written_again(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(tmp_path, out, ENTRIES)
    path = out / SITEMAP_FILE
    path.write_text("changed by hand", encoding="utf-8")
    assert build(tmp_path, out, ENTRIES)
    assert path.read_bytes() == sitemap_xml(ENTRIES, "")
    path.unlink()
    assert build(tmp_path, out, ENTRIES)
    assert path.read_bytes() == sitemap_xml(ENTRIES, "")


def test_the_stamp_follows_what_is_written() -> None:
    same_instant = Entry("", dt.datetime(2017, 5, 3, 10, 0, 0, 999, tzinfo=BERLIN))
    # Written without microseconds: the same text, the same stamp.
    assert sitemap_stamp([same_instant], "") == sitemap_stamp(ENTRIES[:1], "")
    assert sitemap_stamp(ENTRIES, "") != sitemap_stamp(ENTRIES, "https://x.example")
    assert sitemap_stamp(ENTRIES, "") != sitemap_stamp(ENTRIES[::-1], "")
