"""Comment feeds: one pair per discussion, and the site's newest comments.

Entries follow RFC 4685: each names the entry it answers in
``thr:in-reply-to`` (the parent comment, or the post for a top-level comment),
so a feed reader can rebuild the thread. Bodies come from the comments plugin's
``comment_html`` (reader Markdown rendered and sanitized by sitekit.markup) and
are sanitized once more here; raw comment text never reaches a feed. Removed
comments are not entries: a reply to one answers its nearest shown ancestor.

A site writes a pair per discussion, a thousand on a large site, each
straight from its ``Discussion`` (``discussion_bytes``: the bytes of the lean
writer, ``sitekit.leanfeed``, without an item object per comment).

A discussion's feed is a function of a small value, ``Discussion``: the
thread and the few fields of its post the entries show. The feed's ledger
stamp is a digest of that value (with the comments plugin's digest of the
thread in place of the thread, when there is one), so a rebuild after one new
comment makes the entries of that one discussion only, and of the newest
comments.
"""

from __future__ import annotations

import heapq
import re
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sitekit import leanfeed
from sitekit.feedwriter import (
    TAG_SAFE,
    FeedItem,
    FeedSpec,
    ReplyTo,
    order_items,
    prepare,
    tag_uri,
)
from sitekit.markup import plain_text, render_markdown

from .html import PLAIN_URL, comment_html
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
    if PLAIN_URL.fullmatch(url.strip()):  # an http(s) URL with a host, as it is
        return url.strip()
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None


@dataclass(frozen=True, slots=True)
class Discussion:
    """Everything the comment entries of one discussion are made from.

    ``discussion_items`` and ``discussion_bytes`` read nothing else, so a
    digest of ``key()`` is a digest of the entries: the feed's ledger stamp,
    taken without making them. Made for every post in every build, so it only
    holds what the post already has: the thread is read when entries are made.
    """

    slug: str
    title: str  # plain text of the post's title
    lang: str
    page: str  # absolute URL of the post's page
    post_id: str  # entry id of the post: what a top-level comment answers
    domain: str  # authority of the comments' tag: ids
    thread: Any  # comments.thread.Thread, or None
    rendered: Mapping[str, str]  # comment id to body HTML (missing: render it)
    #: The comments plugin's digest of the post's comment attributes (thread,
    #: bodies, mode, language, page URL), or None when it did not decorate it.
    thread_key: str | None = None

    @property
    def comments(self) -> tuple[Any, ...]:
        """Every comment of the thread, oldest first, removed ones too."""
        return tuple(getattr(self.thread, "comments", ()) or ())

    def key(self) -> tuple[Any, ...]:
        """What a stamp must digest: the thread's digest stands for comments,
        placement and bodies (equal digests, equal values); without one, they
        are digested themselves."""
        head = (self.slug, self.title, self.lang, self.page, self.post_id, self.domain)
        if self.thread_key is not None:
            return (*head, self.thread_key)
        comments = self.comments
        return (
            *head,
            comments,
            tuple(_shown_parents(self.thread).items()) if comments else (),
            tuple(self.rendered.get(c.id) for c in comments),
        )

    def comment_id(self, comment_id: str, date: datetime) -> str:
        """Stable entry id of a comment (``FeedSite.comment_id``)."""
        return tag_uri(self.domain, date, f"comment/{self.slug}/{comment_id}")

    @property
    def has_entries(self) -> bool:
        count = getattr(self.thread, "count", None)  # a Thread's: no comment read
        if isinstance(count, int):
            return count > 0
        return any(not c.removed for c in self.comments)

    @property
    def newest_date(self) -> datetime | None:
        """The date of the newest comment that is an entry (None without one)."""
        if hasattr(self.thread, "newest_date"):  # a Thread's: no comment read
            return self.thread.newest_date  # type: ignore[no-any-return]
        return max((c.date for c in self.comments if not c.removed), default=None)


def discussion_of(
    site: FeedSite, content: ContentLike, date: datetime | None = None
) -> Discussion:
    """The discussion of a post or page, read from the comments plugin's attributes.

    ``date`` is ``site.date_of(content)`` when the caller has it.
    """
    url = content.url
    return Discussion(
        slug=content.slug,
        title=plain_text(content.title),
        lang=language_of(content, site),
        page=site.url(url),
        post_id=site.post_id(content, url, date),
        domain=site.domain,
        thread=getattr(content, "thread", None),
        rendered=getattr(content, "comment_html", None) or {},
        thread_key=comment_digest_of(content),
    )


def _shown(
    d: Discussion, only: Collection[str] | None = None
) -> Iterator[tuple[Any, Any | None]]:
    """Each shown, not removed comment (or those in ``only``) with the comment
    it answers: its nearest ancestor that is an entry, None for the post."""
    comments = d.comments
    by_id = {c.id: c for c in comments}
    placed = _shown_parents(d.thread) if comments else {}
    for c in comments:
        if c.removed or (only is not None and c.id not in only):
            continue
        parent = placed.get(c.id, c.parent)
        answered = by_id.get(parent) if parent is not None else None
        if answered is not None and answered.removed:  # climb past removed ones
            seen: set[str] = set()
            answered = None
            while parent is not None and parent in by_id and parent not in seen:
                seen.add(parent)
                if not by_id[parent].removed:
                    answered = by_id[parent]
                    break
                parent = placed.get(parent, by_id[parent].parent)
        yield c, answered


#: A comment id that ``quote(id, safe=TAG_SAFE)`` gives back as it is.
_TAG_AS_IS = re.compile(r"[A-Za-z0-9_.~/:;,!$&'()*+=@?-]*")


def _body(d: Discussion, comment: Any) -> str:
    """The comment's body HTML as the feed carries it."""
    html = d.rendered.get(comment.id)
    return comment_html(
        html if html is not None else render_markdown(comment.body), d.page
    )


def discussion_items(
    discussion: Discussion, only: Collection[str] | None = None
) -> list[FeedItem]:
    """Every shown, not removed comment (or those in ``only``) as a feed item."""
    d = discussion
    entry_title = _titles(d.lang)[0]
    items = []
    for c, parent in _shown(d, only):
        reply = (
            ReplyTo(d.post_id, d.page)
            if parent is None
            else ReplyTo(
                d.comment_id(parent.id, parent.date), f"{d.page}#comment-{parent.id}"
            )
        )
        author = plain_text(c.author)
        items.append(
            FeedItem(
                id=d.comment_id(c.id, c.date),
                title=entry_title.format(author=author, title=d.title),
                link=f"{d.page}#comment-{c.id}",
                published=c.date,
                author=author or None,
                author_uri=_web_uri(getattr(c, "website", None)),
                content_html=_body(d, c),
                language=d.lang,
                in_reply_to=reply,
            )
        )
    return items


def discussion_bytes(
    spec: FeedSpec, discussion: Discussion, max_items: int | None = None
) -> tuple[bytes, bytes]:
    """``leanfeed.feed_bytes(spec, discussion_items(discussion), max_items)``,
    byte for byte, without an item object per comment.

    A build writes every comment of the site into two feeds: each entry is
    two f-strings of ``leanfeed.entry_texts``'s layout for a comment (the
    test of this function compares it with the lean writer's), each value
    escaped once; what every entry of the discussion shares (page, language,
    the title around the author's name, what a top-level comment answers) is
    escaped once per feed, and a reply names its parent's escaped id and link.
    Only entries the feed shows are made.
    """
    d = discussion
    # Refuses a feed without id, title or link, as feedgen; its date, else 1970.
    _, updated = prepare(spec, ())
    # Entry ids: quoting is per character, so the shared head is quoted once.
    head = f"tag:{d.domain.lower()},"
    name = quote(f"comment/{d.slug}/", safe=TAG_SAFE)
    shown = []
    for c, parent in _shown(d):
        date = c.date
        if date.utcoffset() is None:
            raise ValueError(
                f"published {date!r} has no time zone; feeds need aware datetimes"
            )
        cid = c.id
        quoted = cid if _TAG_AS_IS.fullmatch(cid) else quote(cid, safe=TAG_SAFE)
        shown.append((date, f"{head}{date.year:04d}:{name}{quoted}", c, parent))
    shown.sort(key=lambda row: (row[0], row[1]), reverse=True)

    # Escaping is per character (attr_text(a + b) == attr_text(a) + attr_text(b)),
    # so shared parts are escaped once. Bodies are XML-safe already (comment_html).
    attr, text, rfc822 = leanfeed.attr_text, leanfeed.escape_text, leanfeed.rfc822
    page, lang = attr(d.page), attr(d.lang)
    # The entry title around the author's name (plain_text leaves no NUL).
    around = _titles(d.lang)[0].format(author="\0", title=d.title.replace("\0", ""))
    title_parts = [attr(part) for part in around.split("\0")]
    xml_lang = f' xml:lang="{lang}"' if lang else ""
    hreflang = f' hreflang="{lang}"' if lang else ""
    rss_language = f"      <dc:language>{lang}</dc:language>\n" if lang else ""
    to_post = leanfeed.reply_attributes(d.post_id, d.page)
    # Each shown comment's escaped entry id and link: its entry's, and what
    # a reply to it names in thr:in-reply-to.
    named = {
        c.id: (attr(entry_id), f"{page}#comment-{attr(c.id)}")
        for _, entry_id, c, _ in shown
    }
    if max_items is not None:
        shown = shown[: max(0, max_items)]
    if spec.updated is None and shown:
        updated = shown[0][0]
    # A packed thread's bodies as the dict they are (one lookup a body).
    unpacked = getattr(d.rendered, "unpacked", None)
    bodies = unpacked() if callable(unpacked) else d.rendered
    atom: list[bytes] = []  # the entries' UTF-8 pieces, in order
    rss: list[bytes] = []
    for date, _, c, parent in shown:
        author = attr(plain_text(c.author))
        title = author.join(title_parts)
        entry_id, link = named[c.id]
        published = date.isoformat()
        html = bodies.get(c.id)
        if html is None:
            html = render_markdown(c.body)
        content = text(comment_html(html, d.page))
        if parent is None:
            reply = to_post
        else:
            ref, href = named[parent.id]
            reply = f'ref="{ref}" href="{href}" type="text/html"'
        if author:
            uri = attr(_web_uri(getattr(c, "website", None)) or "")
            by = (
                f"    <author>\n      <name>{author}</name>\n"
                f"      <uri>{uri}</uri>\n    </author>\n"
                if uri
                else f"    <author>\n      <name>{author}</name>\n    </author>\n"
            )
            creator = f"      <dc:creator>{author}</dc:creator>\n"
        else:
            by = creator = ""
        # The body goes into both documents: encoded once, between the parts.
        atom_head = (
            f"  <entry{xml_lang}>\n    <id>{entry_id}</id>\n"
            f"    <title>{title}</title>\n"
            f"    <updated>{published}</updated>\n{by}"
        )
        atom_tail = (
            f'    <link href="{link}" rel="alternate" type="text/html"{hreflang}/>\n'
            f"    <published>{published}</published>\n"
            f"    <thr:in-reply-to {reply}/>\n"
            "  </entry>\n"
        )
        rss_head = (
            f"    <item>\n      <title>{title}</title>\n      <link>{link}</link>\n"
        )
        rss_tail = (
            f'      <guid isPermaLink="false">{entry_id}</guid>\n'
            f"      <pubDate>{rfc822(date, published)}</pubDate>\n"
            f"{creator}{rss_language}"
            f"      <thr:in-reply-to {reply}/>\n"
            "    </item>\n"
        )
        if content:
            body = content.encode("utf-8")
            atom += (
                f'{atom_head}    <content type="html">'.encode(),
                body,
                f"</content>\n{atom_tail}".encode(),
            )
            rss += (
                f"{rss_head}      <description>".encode(),
                body,
                f"</description>\n{rss_tail}".encode(),
            )
        else:
            atom.append(f"{atom_head}{atom_tail}".encode())
            rss.append(f"{rss_head}{rss_tail}".encode())
    return leanfeed.encoded_documents(spec, atom, rss, updated)


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
        content = max(members, key=_thread_size)
        date = site.date_of(content)
        discussion = discussion_of(site, content, date)
        yield FeedJob(
            spec_for(
                site,
                title=_titles(discussion.lang)[1].format(title=discussion.title),
                link=discussion.page + "#comments",
                atom_path=atom,
                rss_path=rss,
                language=discussion.lang,
                subtitle=site.name,
                id_date=date,
                updated=None if discussion.has_entries else date,
            ),
            atom,
            rss,
            settings.get("COMMENTS_FEED_MAX_ITEMS"),
            source=discussion,
            make=discussion_items,
            key=discussion.key(),
            # A pair per post: the lean writer's bytes straight from the
            # discussion (tests/unit/feeds/test_comments.py).
            writer=leanfeed.feed_bytes,
            direct=discussion_bytes,
        )


def _thread_size(content: ContentLike) -> int:
    """How many comments the content's thread shows (a Thread's length: none read)."""
    thread = getattr(content, "thread", None)
    if isinstance(thread, Sized):
        return len(thread)
    return len(thread_comments(content))


def _newest_dates(
    found: Sequence[Discussion], limit: int | None
) -> tuple[bool, datetime | None]:
    """Whether any comment is shown, and the date of the ``limit``-th newest one.

    The cutoff is None when every comment is wanted (no limit, or no more
    comments than it). Translations with feeds of their own share a thread:
    each comment counts once. Threads are taken newest first by their newest
    date (a fact of a packed thread), each walked from its newest comment only
    while it still has one of the newest: at 1,000 posts the threads of the
    newest ``limit`` comments are read, not every one of 20,000 comments.
    """
    if limit is None or limit <= 0:
        return any(d.has_entries for d in found), None
    newest: list[datetime] = []  # a heap of the newest ``limit`` dates
    seen: set[tuple[str, str]] = set()
    # Newest discussion first: once one's newest comment changes nothing, no
    # later one's can, and their comments are never read (or unpacked).
    ordered = sorted(
        ((date, i) for i, d in enumerate(found) if (date := d.newest_date) is not None),
        reverse=True,
    )
    for date, i in ordered:
        if len(newest) == limit and date <= newest[0]:
            break
        d = found[i]
        for c in reversed(d.comments):
            if c.removed:
                continue
            if len(newest) == limit and c.date <= newest[0]:
                break  # this and every older one change nothing
            key = (d.slug, c.id)
            if key in seen:
                continue
            seen.add(key)
            if len(newest) < limit:
                heapq.heappush(newest, c.date)
            else:
                heapq.heapreplace(newest, c.date)
    return bool(ordered), newest[0] if len(newest) == limit else None


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
    shown, cutoff = _newest_dates(found, limit)
    items: dict[str, FeedItem] = {}
    for d in found if limit is None or limit > 0 else ():
        if cutoff is not None and (d.newest_date is None or d.newest_date < cutoff):
            continue  # no entry as new as the cutoff (its thread is not unpacked)
        # Oldest first: the comments as new as the cutoff are the thread's last ones.
        wanted = set()
        for c in reversed(d.comments):
            if cutoff is not None and c.date < cutoff:
                break
            wanted.add(c.id)
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
            updated=None if shown else site.since,
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
