"""Pelican glue for reading."""

from __future__ import annotations


def register() -> None:
    """Connect nothing yet."""
