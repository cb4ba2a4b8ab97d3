"""A thread as schema.org ``Comment`` objects, for the post's BlogPosting JSON-LD.

Nested as the page shows it: replies under ``comment`` down to the display
depth, so the JSON stays shallow for any thread; a reply flattened below that
depth names the comment it answers with ``parentItem``. Removed comments are
left out and their replies move up into their place.

Everything in these objects but the page's URL comes from the thread folder
(its files, the time zone, the display depth: ``folder.ThreadData``'s key),
so their JSON text is made once, when the thread is computed
(``comment_json_template``), and kept in the packed thread with a mark
where the URL goes; a page puts its own URL there (``ThreadJsonLd.json_text``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from json.encoder import encode_basestring  # json.dumps's, ensure_ascii=False
from typing import Any, overload

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
            url = url_of(c.id)
            obj: JsonObject = {
                "@type": "Comment",
                "@id": url,
                "url": url,
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


def _shown(nodes: tuple[ThreadNode, ...]) -> Iterator[ThreadNode]:
    """The nodes ``comment_tree`` makes objects of (a removed one: its replies)."""
    for node in nodes:
        if node.comment.removed:
            yield from _shown(node.replies)
        else:
            yield node


#: Where a page's URL goes in ``comment_json_template``'s text: JSON text
#: never holds a raw NUL (a string's control characters are escaped).
URL_MARK = "\0"


def comment_json_template(thread: Thread, html: Mapping[str, str]) -> str:
    """The JSON text of ``comment_tree`` with ``URL_MARK`` where the page's URL goes.

    ``template.replace(URL_MARK, encode_basestring(page)[1:-1])`` is
    ``json.dumps`` of the tree (``ensure_ascii=False``, separators ``,`` and
    ``:``) with URLs ``page#comment-<id>``: JSON escapes a string character
    by character, so the URL's text and the text after it encode apart.
    Made when the thread is computed (``folder.compute``), so a page pays for
    neither the plain texts of its bodies nor the dump of their objects: one
    string a thread, one formatted text a comment.
    """
    enc = encode_basestring
    out: list[str] = []

    def emit(nodes: list[ThreadNode]) -> None:
        sep = "["
        for node in nodes:
            c = node.comment
            tail = enc("#comment-" + c.id)[1:]  # '#comment-<id>"'
            site = ',"url":' + enc(c.website) if c.website else ""
            out.append(
                f'{sep}{{"@type":"Comment","@id":"\0{tail},"url":"\0{tail},'
                f'"author":{{"@type":"Person","name":{enc(c.author)}{site}}},'
                f'"dateCreated":{enc(c.date.isoformat())},'
                f'"text":{enc(plain_text(html.get(c.id, "")))}'
            )
            sep = ","
            if node.reply_to is not None:
                parent = enc("#comment-" + node.reply_to.id)[1:]
                out.append(f',"parentItem":{{"@id":"\0{parent}}}')
            if node.replies:
                replies = list(_shown(node.replies))
                if replies:
                    out.append(',"comment":')
                    emit(replies)
            out.append("}")
        out.append("[]" if sep == "[" else "]")

    emit(list(_shown(thread.roots)))
    return "".join(out)


class ThreadJsonLd(Sequence[JsonObject]):
    """``comment_tree`` of one page, made each time it is read, never kept.

    A post's JSON-LD is read once, while its page renders (in a forked page
    writer when fastbuild writes in parallel), so the objects of 20,000
    comments never sit in the main process next to the thread. Compares
    equal to the list it stands for; ``list()`` it to keep one.
    """

    __slots__ = ("html", "page_url", "thread")

    def __init__(self, thread: Thread, page_url: str, html: Mapping[str, str]) -> None:
        self.thread = thread
        self.page_url = page_url
        self.html = html

    def __getstate__(self) -> tuple[Any, ...]:
        return (self.thread, self.page_url, self.html)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.thread, self.page_url, self.html = state

    def objects(self) -> list[JsonObject]:
        page = self.page_url
        return comment_tree(self.thread, lambda cid: f"{page}#comment-{cid}", self.html)

    def json_text(self) -> str:
        """The JSON text of ``objects()`` (``json.dumps``, ``ensure_ascii=False``,
        no spaces), from the template kept in the packed thread when it has one."""
        found = getattr(self.thread, "json_template", None)
        template = found() if found is not None else None
        if template is None:
            template = comment_json_template(self.thread, self.html)
        return template.replace(URL_MARK, encode_basestring(self.page_url)[1:-1])

    def __iter__(self) -> Iterator[JsonObject]:
        return iter(self.objects())

    def __len__(self) -> int:
        """The number of top-level objects, without making them (``list()``
        asks for it first)."""
        count, stack = 0, list(self.thread.roots)
        while stack:
            node = stack.pop()
            if node.comment.removed:
                stack.extend(node.replies)  # its replies take its place
            else:
                count += 1
        return count

    def __bool__(self) -> bool:
        return self.thread.count > 0  # a comment with text is an object

    @overload
    def __getitem__(self, index: int) -> JsonObject: ...
    @overload
    def __getitem__(self, index: slice) -> list[JsonObject]: ...
    def __getitem__(self, index: int | slice) -> JsonObject | list[JsonObject]:
        return self.objects()[index]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, ThreadJsonLd | list | tuple):
            return self.objects() == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # compares by value, like a list

    def __repr__(self) -> str:
        return f"ThreadJsonLd({self.page_url!r}, {self.thread.count} comments)"


def count_comments(objects: list[JsonObject]) -> int:
    """How many ``Comment`` objects a tree holds (for ``commentCount`` checks)."""
    total = 0
    stack = list(objects)
    while stack:
        obj = stack.pop()
        total += 1
        stack.extend(obj.get("comment", ()))
    return total
