"""The site's post feeds: all posts, and one pair per category.

Each item carries the full post (links made absolute) and its summary, and,
unless the post has ``Comments: off``, where its discussion lives: the page's
comment section (RSS ``comments``), its comment feeds (``wfw:commentRss``, Atom
``link rel="replies"``) and the count (``slash:comments``, ``thr:count``), as
WordPress's feeds carry them.

A feed lists at most ``FEEDS_MAX_ITEMS`` posts, and making an item means
parsing the post's HTML, so posts are chosen first (by date and id, as the
feed orders them) and items made only for the chosen, once per build.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sitekit.feedwriter import FeedItem, order_items
from sitekit.markup import plain_text

from .html import post_html
from .site import (
    ContentLike,
    FeedJob,
    FeedSite,
    comment_count,
    comments_mode,
    feed_path,
    is_file_time,
    language_of,
    spec_for,
)


def edited(post: ContentLike) -> datetime | None:
    """The post's ``Modified:`` date; None when it is only the file's mtime."""
    modified = getattr(post, "modified", None)
    if not isinstance(modified, datetime) or modified <= post.date:
        return None
    return None if is_file_time(post, modified) else modified


def post_item(site: FeedSite, post: ContentLike) -> FeedItem:
    """One post as a feed item."""
    url = post.url
    link = site.url(url)
    author = getattr(post, "author", None)
    category = getattr(post, "category", None)
    terms = [category.name] if category is not None else []
    terms += [tag.name for tag in getattr(post, "tags", None) or ()]
    discussion: dict[str, Any] = {}
    if comments_mode(post) != "off":
        atom = getattr(post, "comment_feed_atom_url", None)
        rss = getattr(post, "comment_feed_rss_url", None)
        discussion = {
            "comments_url": link + "#comments",
            "comment_count": comment_count(post),
            "replies_url": site.url(atom) if atom else None,
            "comment_feed_url": site.url(rss) if rss else None,
        }
    modified = edited(post)
    return FeedItem(
        id=site.post_id(post, url),
        title=plain_text(post.title),
        link=link,
        published=post.date,
        updated=modified,
        author=plain_text(author.name) if author is not None else site.author,
        content_html=post_html(post.get_content(site.base_url), link),
        summary_html=post_html(post.get_summary(site.base_url), link),
        categories=tuple(dict.fromkeys(terms)),
        language=language_of(post, site),
        **discussion,
    )


class PostItems:
    """Posts' feed items in one build: each made once, only when a feed lists it."""

    def __init__(self, site: FeedSite) -> None:
        self.site = site
        self._items: dict[int, FeedItem] = {}

    def item(self, post: ContentLike) -> FeedItem:
        item = self._items.get(id(post))
        if item is None:
            item = self._items[id(post)] = post_item(self.site, post)
        return item

    def newest(
        self, posts: Sequence[ContentLike], max_items: int | None
    ) -> tuple[FeedItem, ...]:
        """Items of the newest ``max_items`` posts, in the feed's order.

        The feed orders by date, then id; only posts as new as the newest
        ``max_items`` can be among them, so only those are made.
        """
        if max_items is not None and max_items < len(posts):
            if max_items <= 0:
                return ()
            cutoff = heapq.nlargest(max_items, (p.date for p in posts))[-1]
            posts = [p for p in posts if p.date >= cutoff]
        return tuple(order_items(map(self.item, posts), max_items))


def all_posts_feed(
    site: FeedSite,
    posts: Sequence[ContentLike],
    settings: Mapping[str, Any],
    items: PostItems | None = None,
) -> FeedJob | None:
    """Every published post, both languages (newest first, at most FEEDS_MAX_ITEMS)."""
    atom = feed_path(settings.get("FEEDS_ALL_ATOM"))
    rss = feed_path(settings.get("FEEDS_ALL_RSS"))
    if not (atom or rss):
        return None
    limit = settings.get("FEEDS_MAX_ITEMS")
    return FeedJob(
        spec_for(
            site,
            title=site.name,
            link=site.url(""),
            atom_path=atom,
            rss_path=rss,
            language=site.language,
            subtitle=site.subtitle,
        ),
        atom,
        rss,
        limit,
        source=(items or PostItems(site)).newest(posts, limit),
    )


def category_feeds(
    site: FeedSite,
    posts: Sequence[ContentLike],
    settings: Mapping[str, Any],
    items: PostItems | None = None,
) -> Iterator[FeedJob]:
    """One pair per category, carrying exactly that category's posts."""
    items = items or PostItems(site)
    limit = settings.get("FEEDS_MAX_ITEMS")
    by_category: dict[str, list[ContentLike]] = {}
    for post in posts:
        category = getattr(post, "category", None)
        if category is not None:
            by_category.setdefault(category.slug, []).append(post)
    for slug, members in sorted(by_category.items()):
        category = members[0].category  # type: ignore[attr-defined]
        atom = feed_path(settings.get("FEEDS_CATEGORY_ATOM"), slug=slug)
        rss = feed_path(settings.get("FEEDS_CATEGORY_RSS"), slug=slug)
        if not (atom or rss):
            continue
        yield FeedJob(
            spec_for(
                site,
                title=f"{site.name}: {plain_text(category.name)}",
                link=site.url(category.url),
                atom_path=atom,
                rss_path=rss,
                language=site.language,
                subtitle=site.subtitle,
            ),
            atom,
            rss,
            limit,
            source=items.newest(members, limit),
        )
