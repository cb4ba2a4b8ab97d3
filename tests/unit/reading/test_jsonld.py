"""schema.org types per kind, the ItemList of a list page, and notes as plain text."""

from __future__ import annotations

import json

import pytest
from reading.jsonld import TYPES, item_jsonld, list_jsonld, note_text
from reading.model import KINDS, Item, ReadingList
from reading.views import UrlScheme, list_views


def item(kind: str = "book", **extra: object) -> Item:
    base: dict[str, object] = {
        "key": f"k-{kind}",
        "kind": kind,
        "title": f"T {kind}",
        "list_slug": "l",
        "path": "l.yaml",
        "line": 3,
    }
    return Item(**{**base, **extra})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "schema_type"),
    [
        ("book", "Book"),
        ("article", "Article"),
        ("video", "VideoObject"),
        ("podcast", "PodcastEpisode"),
        ("link", "CreativeWork"),
    ],
)
def test_type_per_kind(kind: str, schema_type: str) -> None:
    assert item_jsonld(item(kind))["@type"] == schema_type


def test_every_kind_has_a_type() -> None:
    assert set(TYPES) == set(KINDS)


def test_full_book() -> None:
    data = item_jsonld(
        item(
            "book",
            authors=("A B", "C D"),
            year=2016,
            isbn="9783948075125",
            url="https://example.org/b",
            note="Ein *gutes* Buch & mehr.",
        ),
        "https://example.org/reading/l/#k-book",
    )
    assert data == {
        "@type": "Book",
        "@id": "https://example.org/reading/l/#k-book",
        "name": "T book",
        "author": [
            {"@type": "Person", "name": "A B"},
            {"@type": "Person", "name": "C D"},
        ],
        "datePublished": "2016",
        "isbn": "9783948075125",
        "url": "https://example.org/b",
        "description": "Ein gutes Buch & mehr.",
    }


def test_isbn_only_on_books() -> None:
    assert "isbn" not in item_jsonld(item("article", isbn="9783948075125"))


def test_note_text_is_plain() -> None:
    assert note_text("Mit [Link](https://example.org) und `code`\n\n- eins") == (
        "Mit Link und code eins"
    )
    # Raw HTML is not rendered: it stays text (the page's tojson escapes "<").
    assert note_text("<script>alert(1)</script>") == "<script>alert(1)</script>"


def test_item_list() -> None:
    rlist = ReadingList(
        slug="l", title="Liste", path="l.yaml", items=(item("book"), item("video"))
    )
    data = list_jsonld(rlist, "https://example.org/reading/l/")
    assert data["@type"] == "ItemList"
    assert data["numberOfItems"] == 2
    assert [e["position"] for e in data["itemListElement"]] == [1, 2]
    assert [e["item"]["@type"] for e in data["itemListElement"]] == [
        "Book",
        "VideoObject",
    ]
    json.dumps(data)  # serializable


def test_views_make_absolute_ids_only_with_a_siteurl() -> None:
    rlist = ReadingList(slug="l", title="Liste", path="l.yaml", items=(item("book"),))
    local = list_views([rlist], UrlScheme(), "de", {})[0]
    assert "url" not in local.jsonld
    assert "@id" not in local.items[0].jsonld
    assert local.items[0].url == "reading/l/#k-book"
    published = list_views([rlist], UrlScheme(siteurl="https://example.org"), "de", {})[
        0
    ]
    assert published.jsonld["url"] == "https://example.org/reading/l/"
    assert published.items[0].jsonld["@id"] == "https://example.org/reading/l/#k-book"
    assert published.lang == "de"
