"""themekit.escape: the theme's autoescape writes what markupsafe's would."""

from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
import pytest
from markupsafe import Markup

from themekit.escape import Template, escape


class Html:
    """An object that renders itself (as Jinja's and Pelican's safe values do)."""

    def __html__(self) -> str:
        return "<em>own</em>"


class Text(str):
    """A str subclass: not the fast path, still escaped."""


VALUES: list[Any] = [
    "",
    "plain",
    "<script>alert('x' & \"y\")</script>",
    "Jonas Brehm <jonas@example.org>",
    "ümlaut – “quotes”",
    Markup("<b>safe</b>"),
    Markup(""),
    Text("<i>sub</i>"),
    Html(),
    3,
    0,
    -12,
    10**30,
    True,
    None,
    2.5,
    ["<a>"],
]


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_escape_writes_what_markupsafe_writes(value: Any) -> None:
    ours = escape(value)
    theirs = markupsafe.escape(value)
    assert type(ours) is Markup
    assert ours == theirs


def test_escaping_twice_changes_nothing() -> None:
    once = escape("<a href='x'>&</a>")
    assert escape(once) == once
    assert str(once) == "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;"


def test_templates_of_the_class_escape_with_it() -> None:
    env = jinja2.Environment(
        loader=jinja2.DictLoader(
            {
                "page": '{% import "m" as m %}<p title="{{ t }}">{{ b }}{{ m.item(t) }}</p>',
                "m": "{% macro item(x) %}<i>{{ x }}</i>{% endmacro %}",
            }
        ),
        autoescape=True,
    )
    env.template_class = Template
    page = env.get_template("page")
    assert page.root_render_func.__globals__["escape"] is escape
    out = page.render(t='"<x>"', b=Markup("<b>ok</b>"))
    assert out == (
        '<p title="&#34;&lt;x&gt;&#34;"><b>ok</b><i>&#34;&lt;x&gt;&#34;</i></p>'
    )
