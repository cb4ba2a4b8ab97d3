"""Output folders of a first build, made ahead by a forked child.

Pretty URLs give every post a folder of its own (``2019/slug/index.html``),
and Pelican makes each page's folder in the main process just before it hands
the page over: 1,681 ``mkdir`` calls at 1,000 posts, 0.8 s measured in a cold
build (the file system's journal makes each one take 0.1-0.5 ms here) while
the other core idles. A child makes the posts' folders as soon as the posts
are read, while the comment threads are attached (made while Pelican queued
the pages, the child's and Pelican's ``mkdir`` calls contended for the same
folders and took as long as before); Pelican's ``makedirs(exist_ok=True)``
then finds them made. Nothing depends on the child: a folder it has not
made yet is made by Pelican as before, and a failed fork only means no help.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from pelican.paginator import Paginator
from pelican.utils import sanitised_join

logger = logging.getLogger(__name__)

#: Post lists of the article generator whose pages Pelican always writes.
_POSTS = ("articles", "translations")


def _save_as(item: Any) -> str:
    save_as = getattr(item, "save_as", "")
    return save_as if isinstance(save_as, str) else ""


def planned_folders(generator: Any) -> list[str]:
    """Folders of the pages Pelican will write for the generator's posts, in
    write order: the posts', then the lists' (the direct templates, tags,
    categories and authors, every page of each). Asked when the posts are read,
    before Pelican sorts them into tags: it does so from the same posts."""
    files = [
        _save_as(item) for name in _POSTS for item in getattr(generator, name, ()) or ()
    ]
    files.extend(_list_pages(generator))
    out: dict[str, None] = {}
    for save_as in files:
        if not save_as:
            continue
        try:
            path = sanitised_join(generator.output_path, save_as)
        except RuntimeError:
            continue  # Pelican refuses it too
        out[os.path.dirname(path)] = None
    return list(out)


def _list_pages(generator: Any) -> Iterator[str]:
    """The files of the lists of posts Pelican writes, as its generator does.

    Only published posts are listed (not translations, hidden posts or
    drafts), each list in pages as ``PAGINATED_TEMPLATES`` says.
    """
    settings = getattr(generator, "settings", None)
    if not isinstance(settings, dict):
        return
    posts = list(getattr(generator, "articles", ()) or ())
    for template in settings.get("DIRECT_TEMPLATES") or ():
        save_as = settings.get(f"{template.upper()}_SAVE_AS", f"{template}.html")
        url = settings.get(f"{template.upper()}_URL", f"{template}.html")
        if save_as:
            yield from _pages(settings, template, save_as, url, len(posts))
    tags: Counter[Any] = Counter()
    categories: Counter[Any] = Counter()
    authors: Counter[Any] = Counter()
    for post in posts:
        if hasattr(post, "category"):
            categories[post.category] += 1
        tags.update(getattr(post, "tags", None) or ())
        authors.update(getattr(post, "authors", None) or ())
    for template, wrappers in (
        ("tag", tags),
        ("category", categories),
        ("author", authors),
    ):
        for wrapper, count in wrappers.items():
            save_as = _save_as(wrapper)
            if save_as:
                url = getattr(wrapper, "url", "")
                yield from _pages(settings, template, save_as, url, count)


def _pages(
    settings: dict[str, Any], template: str, save_as: str, url: Any, count: int
) -> Iterator[str]:
    """The files of one list of ``count`` posts (Pelican's writer: paginated
    when the template is in ``PAGINATED_TEMPLATES``)."""
    paginated = settings.get("PAGINATED_TEMPLATES") or {}
    if template not in paginated:
        yield save_as
        return
    per_page = paginated[template] or settings.get("DEFAULT_PAGINATION")
    try:
        paginator = Paginator(save_as, url, [None] * count, settings, per_page)
        for number in paginator.page_range:
            yield paginator.page(number).save_as
    except Exception as err:  # a pattern Pelican reports itself when it writes
        logger.debug("fastbuild: no folders planned for %s (%s)", save_as, err)


class FolderMaker:
    """A forked child making folders while this process goes on."""

    def __init__(self) -> None:
        self.pid: int | None = None

    def start(self, folders: Sequence[str], *, at_least: int) -> bool:
        """Fork when this output lacks them (a first build) and there are many."""
        if len(folders) < at_least or os.path.isdir(folders[0]):
            return False
        try:
            pid = os.fork()
        except OSError as err:
            logger.debug("fastbuild: no folder maker (%s)", err)
            return False
        if pid == 0:  # the child: make them and leave without Python's exit
            status = 0
            try:
                _make(folders)
            except BaseException:
                status = 1
            finally:
                os._exit(status)
        self.pid = pid
        return True

    def finish(self) -> None:
        """Reap the child (it only makes folders Pelican makes anyway)."""
        pid, self.pid = self.pid, None
        if pid is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _make(folders: Iterable[str]) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            os.makedirs(folder, exist_ok=True)
