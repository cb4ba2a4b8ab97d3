"""Pelican glue for feeds."""

from __future__ import annotations


def register() -> None:
    """Connect nothing yet."""
