"""themekit.plugin.install_jinja: labels, plurals and URLs as the templates get them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jinja2

from sitekit import i18n
from themekit.assets import Stylesheet
from themekit.plugin import BuildState, content_url, install_jinja, page_lang

ROOT = Path(__file__).resolve().parents[3]


class Post:
    """Counts how often Pelican's (expensive) ``url`` property is read."""

    def __init__(self, url: str, lang: str = "de") -> None:
        self._url = url
        self.lang = lang
        self.reads = 0

    @property
    def url(self) -> str:
        self.reads += 1
        return self._url


def _env(templates: dict[str, str], siteurl: str = "") -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.DictLoader(templates), autoescape=True)
    state = BuildState(
        translations=i18n.load_translations(ROOT / "theme" / "translations", "de"),
        stylesheet=Stylesheet(path="theme/css/site.x.css", text=""),
        theme=ROOT / "theme",
    )
    install_jinja(env, state, {"SITEURL": siteurl, "SITENAME": "Diskurs"})
    return env


def _render(source: str, **values: Any) -> str:
    return _env({"t": source}).get_template("t").render(**values)


def test_labels_follow_the_page_language() -> None:
    source = '{{ _("Tags") }}|{{ ngettext("%(num)d comment", "%(num)d comments", n) }}'
    assert _render(source, article=Post("a/", "de"), n=2) == "Schlagworte|2 Kommentare"
    assert _render(source, article=Post("a/", "en"), n=1) == "Tags|1 comment"
    assert _render(source, DEFAULT_LANG="en", n=3) == "Tags|3 comments"


def test_label_variables_are_escaped_and_percent_signs_formatted() -> None:
    out = _render(
        '{{ _("in reply to %(name)s", name=who) }}|{{ _("100%%") }}', who="<b>"
    )
    assert out.endswith("&lt;b&gt;|100%"), out
    assert "<b>" not in out


def test_trans_blocks_use_the_same_callables() -> None:
    out = _render("{% trans %}Tags{% endtrans %}", article=Post("a/", "de"))
    assert out == "Schlagworte"


def test_page_lang_prefers_ui_lang_then_article_then_page() -> None:
    env = _env({"t": "{{ page_lang() }}"})
    t = env.get_template("t")
    assert t.render(ui_lang="en", article=Post("a/", "de")) == "en"
    assert t.render(page=Post("p/", "en")) == "en"
    assert t.render() == "de"
    assert page_lang(t.new_context({"DEFAULT_LANG": "fr"})) == "fr"


def test_content_url_expands_each_post_once() -> None:
    memo: dict[int, tuple[Any, str]] = {}
    a, b = Post("2017/a/"), Post("2018/b/")
    assert [content_url(memo, p) for p in (a, b, a, a, b)] == [
        "2017/a/",
        "2018/b/",
        "2017/a/",
        "2017/a/",
        "2018/b/",
    ]
    assert (a.reads, b.reads) == (1, 1)
    out = _render("{% for p in ps %}{{ content_url(p) }} {% endfor %}", ps=[a, a])
    assert out == "2017/a/ 2017/a/ "


def test_no_canonical_url_without_an_absolute_siteurl() -> None:
    post = Post("2017/a/")
    local = _env({"t": "{{ canonical_url() }}"}).get_template("t")
    assert local.render(article=post) == "None"
    assert post.reads == 0  # the URL was not even expanded
    published = _env({"t": "{{ canonical_url() }}"}, "https://blog.example.org")
    out = published.get_template("t").render(article=post)
    assert out == "https://blog.example.org/2017/a/"


def test_labels_asked_so_far_leave_the_environment_digest_alone() -> None:
    """fastbuild stamps pages with a digest of the environment's globals: the
    labels remembered while pages render must not change it; the catalogs do."""
    from fastbuild.fingerprint import Fingerprinter

    def digest(env: jinja2.Environment) -> bytes:
        return Fingerprinter(lambda obj: None).digest(dict(env.globals))

    source = '{{ _("Tags") }}|{{ ngettext("%(num)d comment", "%(num)d comments", n) }}'
    env = _env({"t": source})
    before = digest(env)
    for lang, n in (("en", 1), ("de", 3), ("de", 3)):
        env.get_template("t").render(article=Post("a/", lang), n=n)
    assert digest(env) == before
    other = jinja2.Environment(loader=jinja2.DictLoader({}), autoescape=True)
    state = BuildState(
        translations=i18n.Translations(catalogs={}, default_lang="de"),
        stylesheet=Stylesheet(path="theme/css/site.x.css", text=""),
        theme=ROOT / "theme",
    )
    install_jinja(other, state, {"SITEURL": "", "SITENAME": "Diskurs"})
    assert digest(other) != before


def test_reply_options_are_the_comments_not_removed_with_their_dates() -> None:
    from comments.model import Comment

    when = datetime(2017, 5, 3, 9, 12, tzinfo=UTC)
    comments = [
        Comment(id="a", author="Ada <b>", date=when, body="", path="a.yaml"),
        Comment(id="b", author="", date=when, body="", path="b.yaml", status="removed"),
    ]
    source = (
        "{% for cid, author, date in comments|reply_options(lang) %}"
        "{{ cid }}/{{ author }}/{{ date }};{% endfor %}"
    )
    assert _render(source, comments=comments, lang="de") == "a/Ada &lt;b&gt;/3. Mai 2017;"
    assert _render(source, comments=comments, lang="", article=Post("a/", "en")) == (
        "a/Ada &lt;b&gt;/May 3, 2017;"
    )


def test_theme_templates_escape_with_themekit_escape() -> None:
    from themekit.escape import escape

    template = _env({"t": "<p>{{ x }}</p>"}).get_template("t")
    assert template.root_render_func.__globals__["escape"] is escape
    assert template.render(x="<b>") == "<p>&lt;b&gt;</p>"


def test_labels_take_the_language_base_html_set_for_the_page() -> None:
    # base.html sets html_lang = page_lang() first; labels then use it.
    source = '{% set html_lang = "en" %}{{ _("Tags") }}|{{ ngettext("%(num)d comment", "%(num)d comments", 1) }}'
    assert _render(source, article=Post("a/", "de")) == "Tags|1 comment"
    assert _render('{{ _("Tags") }}', html_lang="", article=Post("a/", "de")) == "Schlagworte"


def test_counts_are_formatted_for_each_number() -> None:
    env = _env({"t": '{{ ngettext("%(num)d comment", "%(num)d comments", n) }}'})
    template = env.get_template("t")
    got = [template.render(n=n, DEFAULT_LANG="de") for n in (0, 1, 2, 1, 12)]
    assert got == ["0 Kommentare", "1 Kommentar", "2 Kommentare", "1 Kommentar", "12 Kommentare"]
    # Given variables are still formatted in (here num itself).
    assert _render('{{ ngettext("%(num)d comment", "%(num)d comments", 3, num=5) }}') == "5 Kommentare"
