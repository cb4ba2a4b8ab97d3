"""Pelican glue for comments."""

from __future__ import annotations


def register() -> None:
    """Connect nothing yet."""
