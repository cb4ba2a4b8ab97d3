"""Where Pelican's generators keep posts and pages, named once.

Several plugins visit every post or page: published, hidden and draft, and
the translations of each. Pelican spreads them over six attributes per
generator; missing one is a silent bug, so the names live here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

#: An ArticlesGenerator's lists of posts.
ARTICLE_LISTS = (
    "articles",
    "translations",
    "hidden_articles",
    "hidden_translations",
    "drafts",
    "drafts_translations",
)
#: A PagesGenerator's lists of pages.
PAGE_LISTS = (
    "pages",
    "translations",
    "hidden_pages",
    "hidden_translations",
    "draft_pages",
    "draft_translations",
)


def contents_of(holder: Any, names: Iterable[str]) -> list[Any]:
    """Every item of the named lists, in order (a list a generator lacks is empty)."""
    return [item for name in names for item in getattr(holder, name, None) or ()]
