"""A thread as schema.org ``Comment`` objects, for the post's BlogPosting JSON-LD.

Nested as the page shows it: replies under ``comment`` down to the display
depth, so the JSON stays shallow for any thread; a reply flattened below that
depth names the comment it answers with ``parentItem``. Removed comments are
left out and their replies move up into their place.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .render import plain_text
from .thread import Thread, ThreadNode

JsonObject = dict[str, Any]


def comment_tree(
    thread: Thread,
    url_of: Callable[[str], str],
    html: Mapping[str, str],
) -> list[JsonObject]:
    """The top-level ``Comment`` objects; ``url_of(id)`` gives a comment's URL."""

    def objects(nodes: tuple[ThreadNode, ...]) -> list[JsonObject]:
        out: list[JsonObject] = []
        for node in nodes:
            c = node.comment
            if c.removed:
                out.extend(objects(node.replies))
                continue
            author: JsonObject = {"@type": "Person", "name": c.author}
            if c.website:
                author["url"] = c.website
            obj: JsonObject = {
                "@type": "Comment",
                "@id": url_of(c.id),
                "url": url_of(c.id),
                "author": author,
                "dateCreated": c.date.isoformat(),
                "text": plain_text(html.get(c.id, "")),
            }
            if node.reply_to is not None:
                obj["parentItem"] = {"@id": url_of(node.reply_to.id)}
            replies = objects(node.replies)
            if replies:
                obj["comment"] = replies
            out.append(obj)
        return out

    return objects(thread.roots)


def count_comments(objects: list[JsonObject]) -> int:
    """How many ``Comment`` objects a tree holds (for ``commentCount`` checks)."""
    total = 0
    stack = list(objects)
    while stack:
        obj = stack.pop()
        total += 1
        stack.extend(obj.get("comment", ()))
    return total
