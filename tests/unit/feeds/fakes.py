"""Small stand-ins for Pelican content, with the attributes the feeds read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from comments.model import Comment
from comments.thread import build_thread
from feeds.site import FeedSite
from sitekit.markup import render_markdown

BERLIN = timezone(timedelta(hours=2))


@dataclass
class Named:
    name: str
    slug: str
    url: str


@dataclass
class FakeContent:
    slug: str
    title: str
    url: str
    date: datetime
    lang: str = "de"
    content: str = "<p>Text</p>"
    summary: str = "<p>Kurz</p>"
    metadata: dict[str, Any] = field(default_factory=dict)
    category: Named | None = None
    tags: list[Named] = field(default_factory=list)
    author: Named | None = None

    def get_content(self, siteurl: str) -> str:
        return self.content.replace("{siteurl}", siteurl)

    def get_summary(self, siteurl: str) -> str:
        return self.summary.replace("{siteurl}", siteurl)


def site(
    tmp: Path | None = None, base: str = "https://diskurs.example.org"
) -> FeedSite:
    return FeedSite.from_settings(
        {
            "SITEURL": base,
            "SITENAME": "Diskurs",
            "DEFAULT_LANG": "de",
            "AUTHOR": "Katrin Albers",
        },
        tmp or Path("/nonexistent"),
        [datetime(2017, 1, 1, tzinfo=BERLIN)],
    )


def comment(cid: str, minute: int, parent: str | None = None, **kw: Any) -> Comment:
    fields: dict[str, Any] = {
        "id": cid,
        "author": f"Person {cid}",
        "body": f"Text von *{cid}*",
        "date": datetime(2017, 5, 3, 9, 0, tzinfo=BERLIN) + timedelta(minutes=minute),
        "path": f"content/comments/post/{cid}.yaml",
        "parent": parent,
    }
    fields.update(kw)
    return Comment(**fields)


def with_thread(
    content: FakeContent, comments: list[Comment], mode: str = "open", depth: int = 5
) -> FakeContent:
    """Attach what the comments plugin attaches."""
    thread, problems = build_thread(comments, depth=depth)
    assert not problems
    content.thread = thread  # type: ignore[attr-defined]
    content.comment_count = thread.count  # type: ignore[attr-defined]
    content.comments_mode = mode  # type: ignore[attr-defined]
    content.comment_html = {  # type: ignore[attr-defined]
        c.id: render_markdown(c.body) for c in thread.comments if not c.removed
    }
    return content


def post(slug: str = "social-media-im-silo", **kw: Any) -> FakeContent:
    fields: dict[str, Any] = {
        "slug": slug,
        "title": "Social Media im Silo",
        "url": f"2017/{slug}/",
        "date": datetime(2017, 5, 3, 7, 30, tzinfo=BERLIN),
        "category": Named("Strategie", "strategie", "kategorie/strategie/"),
        "author": Named("Katrin Albers", "katrin-albers", "autor/katrin-albers/"),
    }
    fields.update(kw)
    return FakeContent(**fields)
