"""The theme's templates compiled once per process, while the posts are read.

Pelican gives every generator a Jinja environment of its own, and Jinja
compiles a template in an environment the first time a page asks for it
there: ~6 ms a template, 25 of them before the first post page is rendered
(0.15 s of a cold build at 1,000 posts, with the other core idle meanwhile:
the posts are read by then), and again for the pages and the reading lists.

``SHARED`` hands the code one environment compiled to the others (Jinja's
bytecode cache: a template whose source changed is compiled again), and
``compile_theme`` compiles the theme's templates into one environment early,
while a worker reads posts on the other core.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterable
from typing import Any

from jinja2 import BytecodeCache
from jinja2.bccache import Bucket

logger = logging.getLogger(__name__)


class SharedBytecode(BytecodeCache):
    """Compiled templates kept in this process, for every environment in it."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)  # checks the source's checksum

    def dump_bytecode(self, bucket: Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()

    def clear(self) -> None:
        self._code.clear()


SHARED = SharedBytecode()


def share_compiled(env: Any) -> None:
    """Let ``env`` take templates compiled in other environments, and give its own."""
    if getattr(env, "bytecode_cache", None) is None:
        env.bytecode_cache = SHARED


def template_names(settings: dict[str, Any]) -> list[str]:
    """The names of the theme's templates (overrides first, as Pelican looks)."""
    folders = [*(settings.get("THEME_TEMPLATES_OVERRIDES") or ())]
    folders.append(os.path.join(str(settings.get("THEME") or ""), "templates"))
    extensions = tuple(settings.get("TEMPLATE_EXTENSIONS") or (".html",))
    names: list[str] = []
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for file in sorted(files):
                if file.endswith(extensions):
                    rel = os.path.relpath(os.path.join(root, file), folder)
                    names.append(rel.replace(os.sep, "/"))
    return list(dict.fromkeys(names))


def compile_theme(env: Any, names: Iterable[str]) -> int:
    """Compile ``names`` into ``env`` (and ``SHARED``); how many compiled.

    A template that does not compile is left alone: Pelican reports it, with
    its name and line, where a page asks for it.
    """
    done = 0
    for name in names:
        with contextlib.suppress(Exception):
            env.get_template(name)
            done += 1
    return done
