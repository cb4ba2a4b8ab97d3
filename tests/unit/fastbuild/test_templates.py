"""Templates compiled once per process and shared between Pelican's environments."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest
from fastbuild import templates
from fastbuild.templates import SharedBytecode, compile_theme, template_names


def _env(folder: Path, cache: SharedBytecode) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder)), autoescape=True
    )
    env.bytecode_cache = cache
    return env


def _count_compiles(
    env: jinja2.Environment, monkeypatch: pytest.MonkeyPatch
) -> list[str]:
    compiled: list[str] = []
    original = env.compile

    def counting(source, name=None, filename=None, raw=False, defer_init=False):
        compiled.append(name)
        return original(source, name, filename, raw, defer_init)

    monkeypatch.setattr(env, "compile", counting)
    return compiled


def test_a_second_environment_takes_the_compiled_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "base.html").write_text("<p>{{ title|upper }}</p>", encoding="utf-8")
    cache = SharedBytecode()
    first, second = _env(tmp_path, cache), _env(tmp_path, cache)
    first_compiles = _count_compiles(first, monkeypatch)
    second_compiles = _count_compiles(second, monkeypatch)
    assert first.get_template("base.html").render(title="a") == "<p>A</p>"
    assert second.get_template("base.html").render(title="b") == "<p>B</p>"
    assert first_compiles == ["base.html"]
    assert second_compiles == []  # loaded from the first one's code


def test_an_edited_template_is_compiled_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The code is checked against the source (livereload builds in one process)."""
    page = tmp_path / "page.html"
    page.write_text("eins", encoding="utf-8")
    cache = SharedBytecode()
    assert _env(tmp_path, cache).get_template("page.html").render() == "eins"
    page.write_text("zwei", encoding="utf-8")
    later = _env(tmp_path, cache)
    compiles = _count_compiles(later, monkeypatch)
    assert later.get_template("page.html").render() == "zwei"
    assert compiles == ["page.html"]


def test_the_theme_compiles_ahead_and_a_broken_template_is_left_to_pelican(
    tmp_path: Path,
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
    assert env.get_template("article.html").render() == "2"  # the override's
    with pytest.raises(jinja2.TemplateSyntaxError):
        env.get_template("broken.html")  # still reported where it is asked for


def test_every_environment_of_a_build_shares_the_code() -> None:
    env = jinja2.Environment(autoescape=True)
    templates.share_compiled(env)
    assert env.bytecode_cache is templates.SHARED
    own = SharedBytecode()
    other = jinja2.Environment(bytecode_cache=own, autoescape=True)
    templates.share_compiled(other)
    assert other.bytecode_cache is own  # a configured cache is kept
