"""Dates that are only a source file's modification time (``DEFAULT_DATE = "fs"``).

With ``DEFAULT_DATE = "fs"`` Pelican dates a post or page without a ``Date:``
header by its file's mtime, and gives *every* one without a ``Modified:``
header its file's mtime as its modified time. A checkout sets each mtime to
its own moment: built from a fresh clone, as CI and static hosts build, every
post would claim to have been changed then (``article:modified_time``,
JSON-LD ``dateModified``, the sitemap's ``lastmod``). A modified time is
what the author wrote, or nothing.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any


def file_time(content: Any) -> datetime | None:
    """The source file's mtime as Pelican reads it (local wall-clock time)."""
    source = getattr(content, "source_path", None)
    try:
        mtime = os.stat(source).st_mtime if source else None
    except OSError:
        return None
    return None if mtime is None else datetime.fromtimestamp(mtime)  # noqa: DTZ006


def is_file_time(content: Any, value: datetime) -> bool:
    """Whether a date is, within a second, only the source file's mtime.

    Such dates change with every checkout; ids and feed dates must not.
    Pelican reads the mtime as local wall-clock time and then puts it in
    TIMEZONE without converting it.
    """
    mtime = file_time(content)
    if mtime is None:
        return False
    return abs((value.replace(tzinfo=None) - mtime).total_seconds()) < 1


#: Set (True) on content whose date is only its file's mtime (``note_file_dates``).
DATE_IS_FILE_TIME = "date_is_file_time"


def note_file_dates(content: Any) -> None:
    """Drop a modified time that only the file system gave, and mark a date
    it gave (``content_object_init``): such a date stays (Pelican sorts and
    files by it) but is no change the sitemap may report.

    Exactly the mtime, to the microsecond, as Pelican read it for this
    build: a ``Modified:`` or ``Date:`` header has minutes or seconds, never
    the file's fraction of a second.
    """
    attributes = vars(content)
    if not ("modified" in attributes or "date" in attributes):
        return
    mtime = file_time(content)
    if mtime is None:
        return
    modified = attributes.get("modified")
    if isinstance(modified, datetime) and modified.replace(tzinfo=None) == mtime:
        del content.modified
        attributes.pop("locale_modified", None)
        metadata = getattr(content, "metadata", None)
        if isinstance(metadata, dict):
            metadata.pop("modified", None)
    date = attributes.get("date")
    if isinstance(date, datetime) and date.replace(tzinfo=None) == mtime:
        setattr(content, DATE_IS_FILE_TIME, True)
