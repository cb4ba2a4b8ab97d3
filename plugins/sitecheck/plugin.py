"""Pelican glue for sitecheck."""

from __future__ import annotations


def register() -> None:
    """Connect nothing yet."""
