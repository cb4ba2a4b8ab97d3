"""DEFAULT_DATE = "fs": a file's modification time is never shown as a change."""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from support.site import build_site, copy_content

#: A checkout's moment, as a fresh clone would give every file.
CHECKOUT = datetime(2031, 7, 9, 10, 11, 12, 345678).timestamp()


def test_a_checkout_time_is_no_modified_time_and_no_lastmod(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    for path in content.rglob("*.md"):
        os.utime(path, (CHECKOUT, CHECKOUT))
    site = build_site(tmp_path, content=content)
    assert site.returncode == 0, site.log[-3000:]
    everything = "".join(
        p.read_text(encoding="utf-8")
        for p in site.output.rglob("*")
        if p.suffix in (".html", ".xml")
    )
    assert "2031-07-09" not in everything  # no page, feed or sitemap shows it

    plain = site.page("2018/redaktionsplan-ohne-stress/")  # no Modified: header
    assert plain.find("meta", property="article:modified_time") is None
    data = json.loads(plain.find("script", type="application/ld+json").string)
    assert "dateModified" not in data and data["datePublished"].startswith("2018-02-12")

    edited = site.page("2017/social-media-im-silo/")  # Modified: 2017-05-10 18:15
    meta = edited.find("meta", property="article:modified_time")
    assert meta is not None and meta["content"].startswith("2017-05-10T18:15")

    sitemap = site.text("sitemap.xml")
    post = sitemap.split("<loc>2018/redaktionsplan-ohne-stress/</loc>")[1].split(
        "</url>"
    )[0]
    assert "<lastmod>2018-02-12T08:00:00" in post
    page = sitemap.split("<loc>impressum/</loc>")[1].split("</url>")[0]
    assert "lastmod" not in page  # a page's only date is its file's
