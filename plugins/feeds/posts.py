"""The site's post feeds: all posts, and one pair per category.

Each item carries the full post (links made absolute) and its summary, and,
unless the post has ``Comments: off``, where its discussion lives: the page's
comment section (RSS ``comments``), its comment feeds (``wfw:commentRss``, Atom
``link rel="replies"``) and the count (``slash:comments``, ``thr:count``), as
WordPress's feeds carry them.

A feed lists at most ``FEEDS_MAX_ITEMS`` posts, and making an item means
parsing the post's HTML, so posts are chosen first (by date and id, as the
feed orders them) and items made only for the chosen, once per build, and
only for a feed that is written: the output ledger stamps a feed by a key of
each chosen post (``PostItems.key``: every field its item is made from, its
text and summary by digest), so an unchanged feed costs no item.
"""

from __future__ import annotations

import hashlib
import heapq
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sitekit.feedwriter import FeedItem
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


def post_item(
    site: FeedSite, post: ContentLike, texts: tuple[str, str] | None = None
) -> FeedItem:
    """One post as a feed item (``texts``: its content and summary, when read)."""
    url = post.url
    link = site.url(url)
    if texts is None:
        texts = (post.get_content(site.base_url), post.get_summary(site.base_url))
    author = getattr(post, "author", None)
    discussion: dict[str, Any] = {}
    if comments_mode(post) != "off":
        atom, rss = _feed_urls(post)
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
        content_html=post_html(texts[0], link),
        summary_html=post_html(texts[1], link),
        categories=_terms(post),
        language=language_of(post, site),
        **discussion,
    )


def _terms(post: ContentLike) -> tuple[str, ...]:
    category = getattr(post, "category", None)
    terms = [category.name] if category is not None else []
    terms += [tag.name for tag in getattr(post, "tags", None) or ()]
    return tuple(dict.fromkeys(terms))


def _feed_urls(post: ContentLike) -> tuple[str | None, str | None]:
    return (
        getattr(post, "comment_feed_atom_url", None),
        getattr(post, "comment_feed_rss_url", None),
    )


def _text_digest(text: Any) -> str:
    data = str(text).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]  # faster than BLAKE2b on long text


def _made(source: tuple[PostItems, tuple[ContentLike, ...]]) -> tuple[FeedItem, ...]:
    """A post feed's items (``FeedJob.make``): the chosen posts, in order."""
    items, posts = source
    return tuple(map(items.item, posts))


class PostItems:
    """Posts' feed items in one build: each made once, only when a feed lists it."""

    def __init__(self, site: FeedSite) -> None:
        self.site = site
        self._items: dict[int, FeedItem] = {}
        self._keys: dict[int, tuple[ContentLike, str]] = {}
        self._texts: dict[int, tuple[ContentLike, tuple[str, str]]] = {}
        self._order: dict[int, tuple[ContentLike, tuple[Any, str]]] = {}

    def item(self, post: ContentLike) -> FeedItem:
        item = self._items.get(id(post))
        if item is None:
            item = self._items[id(post)] = post_item(self.site, post, self._text(post))
        return item

    def _text(self, post: ContentLike) -> tuple[str, str]:
        """The post's content and summary for feeds, read once per build."""
        known = self._texts.get(id(post))
        if known is None or known[0] is not post:
            base = self.site.base_url
            texts = (post.get_content(base), post.get_summary(base))
            known = self._texts[id(post)] = (post, texts)
        return known[1]

    def order(self, post: ContentLike) -> tuple[Any, str]:
        """Where a feed puts the post: by date, then id (``order_items``)."""
        known = self._order.get(id(post))
        if known is None or known[0] is not post:
            known = self._order[id(post)] = (
                post,
                (post.date, self.site.post_id(post, post.url)),
            )
        return known[1]

    def key(self, post: ContentLike) -> str:
        """Everything ``post_item`` makes the post's item from, as one string:
        equal keys, equal items. Text and summary (as the feed reads them,
        links resolved) stand as digests; ``post_html`` is a function of them
        and the link alone."""
        known = self._keys.get(id(post))
        if known is None or known[0] is not post:
            author = getattr(post, "author", None)
            mode = comments_mode(post)
            modified = edited(post)
            content, summary = self._text(post)
            value = (
                self.order(post)[1][1],  # the id (the date follows as text)
                post.url,
                post.date.isoformat(),
                modified.isoformat() if modified is not None else None,
                post.title,
                author.name if author is not None else None,
                _terms(post),
                language_of(post, self.site),
                mode,
                (comment_count(post), *_feed_urls(post)) if mode != "off" else None,
                _text_digest(content),
                _text_digest(summary),
            )
            known = self._keys[id(post)] = (post, repr(value))
        return known[1]

    def chosen(
        self, posts: Sequence[ContentLike], max_items: int | None
    ) -> tuple[ContentLike, ...]:
        """The newest ``max_items`` posts, in the feed's order.

        The feed orders by date, then id; only posts as new as the newest
        ``max_items`` can be among them, so only those are ordered.
        """
        if max_items is not None and max_items < len(posts):
            if max_items <= 0:
                return ()
            cutoff = heapq.nlargest(max_items, (p.date for p in posts))[-1]
            posts = [p for p in posts if p.date >= cutoff]
        ordered = sorted(posts, key=self.order, reverse=True)
        return tuple(ordered if max_items is None else ordered[:max_items])

    def newest(
        self, posts: Sequence[ContentLike], max_items: int | None
    ) -> tuple[FeedItem, ...]:
        """Items of the newest ``max_items`` posts, in the feed's order."""
        return tuple(map(self.item, self.chosen(posts, max_items)))

    def job(
        self,
        spec: Any,
        atom: str | None,
        rss: str | None,
        posts: Sequence[ContentLike],
        limit: int | None,
    ) -> FeedJob:
        """A post feed whose items are made only when it is written."""
        chosen = self.chosen(posts, limit)
        return FeedJob(
            spec,
            atom,
            rss,
            limit,
            source=(self, chosen),
            make=_made,
            key=(self.site.base_url, self.site.author, *map(self.key, chosen)),
        )


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
    return (items or PostItems(site)).job(
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
        posts,
        limit,
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
        yield items.job(
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
            members,
            limit,
        )
