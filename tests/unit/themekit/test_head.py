"""themekit.head: CSP, absolute URLs, hreflang, BlogPosting JSON-LD and its escaping."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from themekit import head

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Person:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass
class FakeArticle:
    title: str = "Social Media im Silo"
    url: str = "2017/social-media-im-silo/"
    lang: str = "de"
    date: dt.datetime = dt.datetime(2017, 5, 3, 7, 30, tzinfo=BERLIN)
    summary: str = "<p>Ein <em>kleines</em> Team &amp; alle.</p>"
    translations: list[Any] = field(default_factory=list)
    authors: list[Person] = field(default_factory=lambda: [Person("Katrin Albers")])
    tags: list[str] = field(default_factory=lambda: ["Social Media"])
    category: str = "Strategie"


def test_csp_allows_no_inline_and_no_foreign_script() -> None:
    policy = head.content_security_policy("")
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert "unsafe" not in policy


def test_csp_lets_forms_and_fetches_reach_the_intake_origin_only() -> None:
    policy = head.content_security_policy(
        "https://comments.example.org:8443/comments?x=1"
    )
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["form-action"] == "'self' https://comments.example.org:8443"
    assert directives["connect-src"] == "'self' https://comments.example.org:8443"
    assert directives["script-src"] == "'self'"


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "comments.example.org", "/comments", None]
)
def test_csp_ignores_an_intake_url_without_http_origin(bad: str | None) -> None:
    assert "form-action 'self';" in head.content_security_policy(bad)


@pytest.mark.parametrize(
    ("siteurl", "rel", "expected"),
    [
        (
            "https://diskurs.example.org",
            "2017/x/",
            "https://diskurs.example.org/2017/x/",
        ),
        (
            "https://diskurs.example.org/",
            "/2017/x/",
            "https://diskurs.example.org/2017/x/",
        ),
        ("https://example.org/blog", "", "https://example.org/blog/"),
        ("", "2017/x/", None),
        ("..", "2017/x/", None),
        ("/blog", "2017/x/", None),
    ],
)
def test_absolute_url(siteurl: str, rel: str, expected: str | None) -> None:
    assert head.absolute_url(siteurl, rel) == expected


@pytest.mark.parametrize(
    ("output_file", "url"),
    [("index.html", ""), ("archiv/index.html", "archiv/"), ("404.html", "404.html")],
)
def test_url_of_output(output_file: str, url: str) -> None:
    assert head.url_of_output(output_file) == url


def test_translation_links_pair_both_ways_with_x_default() -> None:
    de = FakeArticle()
    en = FakeArticle(lang="en", url="en/2017/social-media-im-silo/", translations=[de])
    de.translations = [en]
    expected = [
        ("de", "2017/social-media-im-silo/"),
        ("en", "en/2017/social-media-im-silo/"),
        ("x-default", "2017/social-media-im-silo/"),
    ]
    assert head.translation_links(de, "de") == expected
    assert head.translation_links(en, "de") == expected


def test_no_translation_no_alternates() -> None:
    assert head.translation_links(FakeArticle(), "de") == []


def test_blogposting_has_the_required_fields() -> None:
    data = head.blogposting(
        FakeArticle(), siteurl="https://d.example", sitename="Diskurs"
    )
    assert data["@type"] == "BlogPosting"
    assert data["headline"] == "Social Media im Silo"
    assert data["datePublished"] == "2017-05-03T07:30:00+02:00"
    assert data["author"] == {"@type": "Person", "name": "Katrin Albers"}
    assert data["inLanguage"] == "de"
    assert data["url"] == "https://d.example/2017/social-media-im-silo/"
    assert data["description"] == "Ein kleines Team & alle."
    assert "commentCount" not in data
    assert "comment" not in data


def test_blogposting_without_absolute_siteurl_has_no_url() -> None:
    data = head.blogposting(FakeArticle(), siteurl="", sitename="Diskurs")
    assert "url" not in data
    assert "mainEntityOfPage" not in data


def test_blogposting_carries_comment_count_and_comments() -> None:
    article = FakeArticle()
    article.comment_count = 2  # type: ignore[attr-defined]
    article.comment_jsonld = [{"@type": "Comment", "text": "Hallo"}]  # type: ignore[attr-defined]
    data = head.blogposting(article, siteurl=None, sitename="Diskurs")
    assert data["commentCount"] == 2
    assert data["comment"] == [{"@type": "Comment", "text": "Hallo"}]


def test_tojsonld_cannot_close_its_script_element() -> None:
    hostile = {
        "text": "</script><script>alert(1)</script><!-- & -->",
        "when": dt.datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN),
        "line": "a\u2028b",
    }
    out = str(head.tojsonld(hostile))
    for forbidden in ("<", ">", "&", "\u2028"):
        assert forbidden not in out
    assert json.loads(out) == {
        "text": hostile["text"],
        "when": "2017-05-03T09:12:00+02:00",
        "line": "a\u2028b",
    }


def test_tojsonld_keeps_non_ascii_readable() -> None:
    assert str(head.tojsonld({"t": "Grüße"})) == '{"t":"Grüße"}'


@pytest.mark.parametrize(
    ("lang", "locale"),
    [("de", "de_DE"), ("en", "en_US"), ("de-AT", "de_AT"), ("pt_br", "pt_BR")],
)
def test_og_locale(lang: str, locale: str) -> None:
    assert head.og_locale(lang) == locale


class OwnJson(list):  # type: ignore[type-arg]
    """A value that writes its own JSON text, as the comments' JSON-LD does."""

    def json_text(self) -> str:
        return json.dumps(list(self), ensure_ascii=False, separators=(",", ":"))


def test_tojsonld_splices_a_value_that_writes_its_own_json() -> None:
    comments = [{"text": "</script> & Grüße", "n": 1}]
    for keys in (
        ["comment"],
        ["a", "comment"],
        ["comment", "z"],
        ["a", "comment", "z"],
    ):
        plain = {k: (comments if k == "comment" else {"k": k, "<": 2}) for k in keys}
        own = {k: (OwnJson(v) if k == "comment" else v) for k, v in plain.items()}
        assert str(head.tojsonld(own)) == str(head.tojsonld(plain))
    article = FakeArticle()
    article.comment_jsonld = OwnJson(comments)  # type: ignore[attr-defined]
    data = head.blogposting(article, siteurl=None, sitename="Diskurs")
    assert isinstance(data["comment"], OwnJson)  # kept, not listed
    assert json.loads(str(head.tojsonld(data)))["comment"] == comments
    # Only a class's own json_text counts, not a value answering any name.
    from jinja2 import Undefined

    assert str(head.tojsonld({"a": Undefined(), "b": [1]})) == '{"a":[],"b":[1]}'
