"""The theme's templates compiled while a worker reads the posts.

Jinja compiles a template the first time a page asks for it: 25 templates,
~6 ms each, before the first post page was rendered (0.15-0.24 s of a cold
build at 1,000 posts, with the other core idle then: the posts were read).
``compile_theme`` compiles them into the post pages' environment while the
pool's worker reads posts on the other core. The other generators' environments
take the code from Jinja's bytecode cache (``Runtime._cache_templates``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from typing import Any


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
    """Compile ``names`` into ``env``; how many compiled.

    A template that does not compile is left alone: Pelican reports it, with
    its name and line, where a page asks for it.
    """
    done = 0
    for name in names:
        with contextlib.suppress(Exception):
            env.get_template(name)
            done += 1
    return done
