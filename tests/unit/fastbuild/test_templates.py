"""The theme's templates compiled ahead, into the post pages' environment."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from fastbuild.templates import compile_theme, template_names


def test_the_theme_compiles_ahead_and_a_broken_template_is_left_to_pelican(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    theme = tmp_path / "theme"
    (theme / "templates" / "partials").mkdir(parents=True)
    (theme / "templates" / "article.html").write_text("{{ 1 }}", encoding="utf-8")
    (theme / "templates" / "partials" / "_x.html").write_text("x", encoding="utf-8")
    (theme / "templates" / "broken.html").write_text("{% if %}", encoding="utf-8")
    (theme / "templates" / "notes.txt").write_text("not a template", encoding="utf-8")
    override = tmp_path / "override"
    override.mkdir()
    (override / "article.html").write_text("{{ 2 }}", encoding="utf-8")
    settings = {
        "THEME": str(theme),
        "THEME_TEMPLATES_OVERRIDES": [str(override)],
        "TEMPLATE_EXTENSIONS": [".html"],
    }
    names = template_names(settings)
    assert names == ["article.html", "broken.html", "partials/_x.html"]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(override), str(theme / "templates")]),
        autoescape=True,
    )
    assert compile_theme(env, names) == 2

    compiled: list[str | None] = []
    original = env.compile

    def counting(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(source, name, filename, raw, defer_init)

    monkeypatch.setattr(env, "compile", counting)
    assert env.get_template("article.html").render() == "2"  # the override's
    assert env.get_template("partials/_x.html").render() == "x"
    assert compiled == []  # compiled ahead, not when a page asks
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.get_template("broken.html")  # still reported where it is asked for
