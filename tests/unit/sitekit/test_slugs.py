"""sitekit.slugs: German transliteration, ASCII, lowercase, single hyphens."""

from __future__ import annotations

import re

from hypothesis import given, strategies as st
import pytest

from sitekit.slugs import slugify


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("Social Media im Silo", "social-media-im-silo"),
        ("Grüße aus Köln", "gruesse-aus-koeln"),
        ("Über Öl und Ärger", "ueber-oel-und-aerger"),
        ("Straße", "strasse"),
        ("GROSSE ẞ", "grosse-ss"),
        ("Café, Crème & Naïveté", "cafe-creme-naivete"),
        ("  Kommentare -- per   Pull-Request!  ", "kommentare-per-pull-request"),
        ("Redaktionsplan 2018: ohne Stress?", "redaktionsplan-2018-ohne-stress"),
        ("„Silo“ oder «Schwarm»", "silo-oder-schwarm"),
        ("日本語", ""),
    ],
)
def test_slugify(title: str, slug: str) -> None:
    assert slugify(title) == slug


def test_long_titles_are_cut_at_a_word_boundary() -> None:
    slug = slugify("Ein sehr langer Titel " * 10, max_length=30)
    assert len(slug) <= 30
    assert slug == "ein-sehr-langer-titel-ein-sehr"


def test_one_long_word_is_cut_hard() -> None:
    assert slugify("Donaudampfschifffahrtsgesellschaft", max_length=10) == "donaudampf"


@given(st.text())
def test_any_title_gives_a_clean_slug(title: str) -> None:
    slug = slugify(title)
    assert re.fullmatch(r"(?:[a-z0-9]+(?:-[a-z0-9]+)*)?", slug)
    assert len(slug) <= 80
