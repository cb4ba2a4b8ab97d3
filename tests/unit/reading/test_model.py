"""ISBN check digits and key rules of the reading model."""

from __future__ import annotations

import dataclasses

import pytest
from reading.model import (
    Item,
    isbn13_check_digit,
    isbn_valid,
    key_valid,
    normalize_isbn,
)


@pytest.mark.parametrize(
    "isbn",
    [
        "978-3-948075-12-5",
        "9783948075125",
        "978 3 951234 07 6",
        "1-85234-917-4",
        "0-306-40615-2",
        "0-8044-2957-X",
        "080442957x",
    ],
)
def test_valid_isbns(isbn: str) -> None:
    assert isbn_valid(isbn)


@pytest.mark.parametrize(
    "isbn",
    [
        "978-3-948075-12-4",
        "1-85234-917-5",
        "0-306-40615-X",
        "12345",
        "977-3-948075-12-5",
        "978-3-948075-12-X",
        "abcdefghij",
        "",
    ],
)
def test_invalid_isbns(isbn: str) -> None:
    assert not isbn_valid(isbn)


def test_check_digit_completes_every_prefix() -> None:
    for prefix in ("978394807512", "979100000000", "978000000000"):
        assert isbn_valid(prefix + isbn13_check_digit(prefix))


def test_normalize() -> None:
    assert normalize_isbn("0-8044-2957-x") == "080442957X"


@pytest.mark.parametrize("key", ["silo-und-schwarm", "a", "x" * 100, "2024-notes"])
def test_good_keys(key: str) -> None:
    assert key_valid(key)


@pytest.mark.parametrize(
    "key", ["", "Silo", "silo_und", "silo und", "x" * 101, "ü", "a/b"]
)
def test_bad_keys(key: str) -> None:
    assert not key_valid(key)


def test_item_is_frozen() -> None:
    item = Item(key="k", kind="book", title="T", list_slug="l", path="p", line=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        item.title = "U"  # type: ignore[misc]
