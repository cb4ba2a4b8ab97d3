"""Comment feeds: one pair per discussion, and the site's newest comments.

Entries follow RFC 4685: each names the entry it answers in
``thr:in-reply-to`` (the parent comment, or the post for a top-level comment),
so a feed reader can rebuild the thread. Bodies come from the comments plugin's
``comment_html`` (reader Markdown rendered and sanitized by sitekit.markup) and
are sanitized once more here; raw comment text never reaches a feed. Removed
comments are not entries: a reply to one answers its nearest shown ancestor.

A site writes a pair per discussion, a thousand on a large site, so these
(and only these) are written by ``sitekit.leanfeed``, the text writer that is
tested against feedgen; the site's newest comments go through feedgen.

A discussion's feed is a function of a small value, ``Discussion``: the
thread and the few fields of its post the entries show. The feed's ledger
stamp is a digest of that value (with the comments plugin's digest of the
thread in place of the thread, when there is one), so a rebuild after one new
comment makes the entries of that one discussion only, and of the newest
comments.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sitekit import leanfeed
from sitekit.feedwriter import FeedItem, ReplyTo, order_items, tag_uri
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

try:  # the comments plugin's exact key of a post's comment attributes
    from comments.build import comment_digest_of
except ImportError:  # pragma: no cover - the feeds work without that plugin

    def comment_digest_of(content: Any) -> str | None:
        return None


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


@dataclass(frozen=True, slots=True)
class Discussion:
    """Everything the comment entries of one discussion are made from.

    ``discussion_items`` reads nothing else, so a digest of this value is a
    digest of the entries: the feed's ledger stamp, taken without making them.
    """

    slug: str
    title: str  # plain text of the post's title
    lang: str
    page: str  # absolute URL of the post's page
    post_id: str  # entry id of the post: what a top-level comment answers
    domain: str  # authority of the comments' tag: ids
    comments: tuple[Any, ...]  # every comment of the thread, removed ones too
    placed: tuple[tuple[str, str | None], ...]  # parents as the thread shows them
    html: tuple[str | None, ...]  # each comment's rendered body (None: render it)
    #: The comments plugin's digest of the post's comment attributes (thread,
    #: bodies, mode, language, page URL), or None when it did not decorate it.
    thread_key: str | None = None

    def key(self) -> tuple[Any, ...] | Discussion:
        """What a stamp must digest: the thread's digest stands for comments,
        placement and bodies (equal digests, equal values); the value itself
        when there is none."""
        if self.thread_key is None:
            return self
        return (
            self.slug,
            self.title,
            self.lang,
            self.page,
            self.post_id,
            self.domain,
            self.thread_key,
        )

    def comment_id(self, comment_id: str, date: datetime) -> str:
        """Stable entry id of a comment (``FeedSite.comment_id``)."""
        return tag_uri(self.domain, date, f"comment/{self.slug}/{comment_id}")

    @property
    def has_entries(self) -> bool:
        return any(not c.removed for c in self.comments)


def discussion_of(site: FeedSite, content: ContentLike) -> Discussion:
    """The discussion of a post or page, read from the comments plugin's attributes."""
    comments = thread_comments(content)
    rendered: Mapping[str, str] = getattr(content, "comment_html", None) or {}
    url = content.url
    return Discussion(
        slug=content.slug,
        title=plain_text(content.title),
        lang=language_of(content, site),
        page=site.url(url),
        post_id=site.post_id(content, url),
        domain=site.domain,
        comments=comments,
        placed=tuple(_shown_parents(getattr(content, "thread", None)).items())
        if comments
        else (),
        html=tuple(rendered.get(c.id) for c in comments),
        thread_key=comment_digest_of(content),
    )


def discussion_items(
    discussion: Discussion, only: Collection[str] | None = None
) -> list[FeedItem]:
    """Every shown, not removed comment (or those in ``only``) as a feed item."""
    d = discussion
    by_id = {c.id: c for c in d.comments}
    placed = dict(d.placed)
    entry_title = _titles(d.lang)[0]

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
    for c, html in zip(d.comments, d.html, strict=True):
        if c.removed or (only is not None and c.id not in only):
            continue
        parent = answered(c)
        reply = (
            ReplyTo(d.post_id, d.page)
            if parent is None
            else ReplyTo(
                d.comment_id(parent.id, parent.date), f"{d.page}#comment-{parent.id}"
            )
        )
        body = html if html is not None else render_markdown(c.body)
        author = plain_text(c.author)
        items.append(
            FeedItem(
                id=d.comment_id(c.id, c.date),
                title=entry_title.format(author=author, title=d.title),
                link=f"{d.page}#comment-{c.id}",
                published=c.date,
                author=author or None,
                author_uri=_web_uri(getattr(c, "website", None)),
                content_html=comment_html(body, d.page),
                language=d.lang,
                in_reply_to=reply,
            )
        )
    return items


def comment_items(site: FeedSite, content: ContentLike) -> list[FeedItem]:
    """Every shown, not removed comment of a post or page as a feed item."""
    return discussion_items(discussion_of(site, content))


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
        discussion = discussion_of(site, content)
        yield FeedJob(
            spec_for(
                site,
                title=_titles(discussion.lang)[1].format(title=discussion.title),
                link=discussion.page + "#comments",
                atom_path=atom,
                rss_path=rss,
                language=discussion.lang,
                subtitle=site.name,
                id_date=site.date_of(content),
                updated=None if discussion.has_entries else site.date_of(content),
            ),
            atom,
            rss,
            settings.get("COMMENTS_FEED_MAX_ITEMS"),
            source=discussion,
            make=discussion_items,
            key=discussion.key(),
            # A pair per post: the lean writer, which writes what feedgen
            # would (tests/unit/sitekit/test_feedwriter_differential.py).
            writer=leanfeed.feed_bytes,
        )


def latest_comments_feed(
    site: FeedSite, jobs: Iterable[FeedJob], settings: Mapping[str, Any]
) -> FeedJob | None:
    """The newest comments of all discussions (at most COMMENTS_FEED_ALL_MAX_ITEMS).

    Only comments as new as the newest ``max`` become items: the order is by
    date first, so no other comment can be among them.
    """
    atom = feed_path(settings.get("COMMENTS_FEED_ALL_ATOM"))
    rss = feed_path(settings.get("COMMENTS_FEED_ALL_RSS"))
    if not (atom or rss):
        return None
    limit = settings.get("COMMENTS_FEED_ALL_MAX_ITEMS")
    found = [job.source for job in jobs if isinstance(job.source, Discussion)]
    # Translations with feeds of their own share a thread: count each comment once.
    dates: dict[tuple[str, str], datetime] = {}
    for d in found:
        for c in d.comments:
            if not c.removed:
                dates.setdefault((d.slug, c.id), c.date)
    cutoff = None
    if limit is not None and 0 < limit < len(dates):
        cutoff = heapq.nlargest(limit, dates.values())[-1]
    items: dict[str, FeedItem] = {}
    for d in found if limit is None or limit > 0 else ():
        wanted = {c.id for c in d.comments if cutoff is None or c.date >= cutoff}
        for item in discussion_items(d, wanted) if wanted else ():
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
            updated=None if dates else site.since,
        ),
        atom,
        rss,
        limit,
        source=tuple(order_items(items.values(), limit)),
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
