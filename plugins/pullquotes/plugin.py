"""Pelican glue for pullquotes."""

from __future__ import annotations


def register() -> None:
    """Connect nothing yet."""
