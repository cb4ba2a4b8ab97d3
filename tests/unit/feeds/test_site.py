"""feeds.site.write_file: the bytes, a missing folder made, an older file replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from feeds.site import write_file


def test_write_file_makes_the_folder_and_replaces_a_longer_file(tmp_path: Path) -> None:
    target = tmp_path / "feeds" / "comments" / "x.atom.xml"
    write_file(str(target), b"<feed>" + b"x" * 100_000 + b"</feed>")
    assert target.read_bytes() == b"<feed>" + b"x" * 100_000 + b"</feed>"
    write_file(str(target), "<feed>ü</feed>".encode())  # shorter: nothing left over
    assert target.read_bytes() == "<feed>ü</feed>".encode()
    # Made as open() makes a file: read-write for the owner, the umask applied.
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask
