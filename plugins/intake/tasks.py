"""Invoke tasks for comment moderation and the intake service (filled in by issue 5)."""

from __future__ import annotations

from invoke import Collection

ns = Collection("comments")
