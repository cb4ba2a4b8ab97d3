"""Pelican glue for themekit."""

from __future__ import annotations


def register() -> None:
    """Connect nothing yet."""
