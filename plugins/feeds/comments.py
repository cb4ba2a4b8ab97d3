"""Comment feeds: one pair per discussion, and the site's newest comments.

Entries follow RFC 4685: each names the entry it answers in
``thr:in-reply-to`` (the parent comment, or the post for a top-level comment),
so a feed reader can rebuild the thread. Bodies come from the comments plugin's
``comment_html`` (reader Markdown rendered and sanitized by sitekit.markup) and
are sanitized once more here; raw comment text never reaches a feed. Removed
comments are not entries: a reply to one answers its nearest shown ancestor.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from sitekit.feedwriter import FeedItem, ReplyTo
from sitekit.markup import plain_text, render_markdown

from .html import comment_html
from .site import (
    ContentLike,
    FeedJob,
    FeedSite,
    comments_mode,
    feed_path,
    language_of,
    spec_for,
    thread_comments,
)

#: Titles per language: an entry, a discussion's feed, the site-wide feed.
TITLES = {
    "de": (
        "Kommentar von {author} zu „{title}“",
        "Kommentare zu „{title}“",
        "{site}: neue Kommentare",
    ),
    "en": (
        "Comment by {author} on “{title}”",
        "Comments on “{title}”",
        "{site}: latest comments",
    ),
}


def _titles(lang: str) -> tuple[str, str, str]:
    return TITLES.get(lang.split("-")[0].lower(), TITLES["en"])


def _shown_parents(thread: Any) -> dict[str, str | None]:
    """Each shown comment's parent as the thread placed it (broken ones skipped)."""
    parents: dict[str, str | None] = {}
    stack: list[tuple[Any, str | None]] = [
        (node, None) for node in getattr(thread, "roots", ()) or ()
    ]
    while stack:
        node, container = stack.pop()
        reply_to = getattr(node, "reply_to", None)
        parents[node.comment.id] = reply_to.id if reply_to is not None else container
        stack.extend((child, node.comment.id) for child in node.replies)
    return parents


def _web_uri(url: str | None) -> str | None:
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def comment_items(site: FeedSite, content: ContentLike) -> list[FeedItem]:
    """Every shown, not removed comment of a discussion as a feed item."""
    comments = thread_comments(content)
    if not comments:
        return []
    by_id = {c.id: c for c in comments}
    placed = _shown_parents(getattr(content, "thread", None))
    rendered: Mapping[str, str] = getattr(content, "comment_html", None) or {}
    page = site.url(content.url)
    post_id = site.post_id(content)
    lang = language_of(content, site)
    entry_title = _titles(lang)[0]
    title = plain_text(content.title)

    def answered(comment: Any) -> Any | None:
        """The nearest ancestor that is an entry (not removed), None for the post."""
        parent = placed.get(comment.id, comment.parent)
        seen: set[str] = set()
        while parent is not None and parent in by_id and parent not in seen:
            seen.add(parent)
            if not by_id[parent].removed:
                return by_id[parent]
            parent = placed.get(parent, by_id[parent].parent)
        return None

    items = []
    for c in comments:
        if c.removed:
            continue
        parent = answered(c)
        reply = (
            ReplyTo(post_id, page)
            if parent is None
            else ReplyTo(
                site.comment_id(content.slug, parent.id, parent.date),
                f"{page}#comment-{parent.id}",
            )
        )
        html = rendered.get(c.id)
        body = comment_html(html if html is not None else render_markdown(c.body), page)
        author = plain_text(c.author)
        items.append(
            FeedItem(
                id=site.comment_id(content.slug, c.id, c.date),
                title=entry_title.format(author=author, title=title),
                link=f"{page}#comment-{c.id}",
                published=c.date,
                author=author or None,
                author_uri=_web_uri(getattr(c, "website", None)),
                content_html=body,
                language=lang,
                in_reply_to=reply,
            )
        )
    return items


def discussions(contents: Iterable[ContentLike]) -> Iterator[ContentLike]:
    """Contents whose discussion is shown (not ``Comments: off``) and has a feed."""
    for content in contents:
        if comments_mode(content) != "off" and (
            getattr(content, "comment_feed_atom_url", None)
            or getattr(content, "comment_feed_rss_url", None)
        ):
            yield content


def discussion_feeds(
    site: FeedSite, contents: Sequence[ContentLike], settings: Mapping[str, Any]
) -> Iterator[FeedJob]:
    """A pair per discussion that is shown, carrying every comment of it."""
    # Translations share a slug, so a thread and a feed: the member showing the
    # most comments (the original on a tie) describes it.
    groups: dict[tuple[str | None, str | None], list[ContentLike]] = {}
    for content in discussions(contents):
        key = (
            getattr(content, "comment_feed_atom_url", None),
            getattr(content, "comment_feed_rss_url", None),
        )
        groups.setdefault(key, []).append(content)
    for (atom, rss), members in groups.items():
        content = max(members, key=lambda m: len(thread_comments(m)))
        lang = language_of(content, site)
        items = comment_items(site, content)
        yield FeedJob(
            spec_for(
                site,
                title=_titles(lang)[1].format(title=plain_text(content.title)),
                link=site.url(content.url) + "#comments",
                atom_path=atom,
                rss_path=rss,
                language=lang,
                subtitle=site.name,
                id_date=site.date_of(content),
                updated=None if items else site.date_of(content),
            ),
            tuple(items),
            atom,
            rss,
            settings.get("COMMENTS_FEED_MAX_ITEMS"),
        )


def latest_comments_feed(
    site: FeedSite, jobs: Iterable[FeedJob], settings: Mapping[str, Any]
) -> FeedJob | None:
    """The newest comments of all discussions (at most COMMENTS_FEED_ALL_MAX_ITEMS)."""
    atom = feed_path(settings.get("COMMENTS_FEED_ALL_ATOM"))
    rss = feed_path(settings.get("COMMENTS_FEED_ALL_RSS"))
    if not (atom or rss):
        return None
    items: dict[str, FeedItem] = {}
    for job in jobs:
        for item in job.items:
            items.setdefault(item.id, item)
    return FeedJob(
        spec_for(
            site,
            title=_titles(site.language)[2].format(site=site.name),
            link=site.url(""),
            atom_path=atom,
            rss_path=rss,
            language=site.language,
            subtitle=site.subtitle,
            updated=None if items else site.since,
        ),
        tuple(items.values()),
        atom,
        rss,
        settings.get("COMMENTS_FEED_ALL_MAX_ITEMS"),
    )


def attach_comment_feed_urls(
    contents: Iterable[ContentLike], settings: Mapping[str, Any], default_mode: str
) -> None:
    """Set ``comment_feed_atom_url``/``comment_feed_rss_url`` (site-relative, or None).

    Called before any page is written, so the theme can link the feeds.
    """
    for content in contents:
        shown = comments_mode(content, default_mode) != "off"
        values = {"slug": content.slug, "lang": getattr(content, "lang", "")}
        atom = (
            feed_path(settings.get("COMMENTS_FEED_ATOM"), **values) if shown else None
        )
        rss = feed_path(settings.get("COMMENTS_FEED_RSS"), **values) if shown else None
        content.comment_feed_atom_url = atom  # type: ignore[attr-defined]
        content.comment_feed_rss_url = rss  # type: ignore[attr-defined]
