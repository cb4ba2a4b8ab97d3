"""Writing ``sitemap.xml`` only when what it lists changed.

A rebuild after one new comment writes a few pages, yet the sitemap lists
every page (1,600 at 1,000 posts) and building its XML costs more than
checking it: the file is skipped when the entries it would be written from
are the same as last time and the file on disk is still the one we wrote
(``sitekit.cache.output_ledger``, as the feeds do).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sitekit.cache import output_ledger
from sitekit.i18n import isodate

from themekit.sitefiles import Entry, sitemap_xml, write_text

SITEMAP_FILE = "sitemap.xml"


def sitemap_stamp(entries: Sequence[Entry], siteurl: str | None) -> bytes:
    """A digest of exactly what the file shows: each location, date as
    written, alternates, and the SITEURL they are made absolute with.
    (The ledger's version covers the code that writes them.)"""
    h = hashlib.blake2b(digest_size=16)
    h.update(repr(siteurl).encode("utf-8", "surrogatepass"))
    for e in entries:
        lastmod = None if e.lastmod is None else isodate(e.lastmod)
        h.update(repr((e.url, lastmod, e.alternates)).encode("utf-8", "surrogatepass"))
    return b"s" + h.digest()


def write_sitemap(
    settings: dict[str, Any], output: Path, entries: Sequence[Entry], siteurl: str
) -> bool:
    """Write ``sitemap.xml`` unless it is on disk as these entries make it.

    True when it was written."""
    ledger = output_ledger(settings, "themekit", output)
    stamp = sitemap_stamp(entries, siteurl)
    if ledger.unchanged((SITEMAP_FILE,), stamp):
        return False
    write_text(output / SITEMAP_FILE, sitemap_xml(entries, siteurl))
    ledger.record((SITEMAP_FILE,), stamp)
    return True
