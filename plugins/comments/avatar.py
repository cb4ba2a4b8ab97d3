"""Avatars made here, never fetched: initials, or an identicon for a letterless name.

A Gravatar-style image would tell another host who reads which page and would
publish a hash of the commenter's address. Ours is inline SVG derived from the
display name only, decorative (``aria-hidden``: the name is printed next to
it), and coloured through CSS classes because the CSP forbids inline styles.
"""

from __future__ import annotations

import hashlib
import unicodedata

from markupsafe import Markup, escape

#: Colour classes ``avatar-tone-0`` … in comments.css (light and dark values).
TONES = 8
#: Identicon grid: 5 x 5 cells, mirrored around the middle column.
_GRID = 5


def _digest(name: str) -> bytes:
    return hashlib.sha256(name.encode("utf-8")).digest()


def initials(name: str) -> str:
    """Up to two capitals: first letters of the first and the last word."""
    words = [
        w
        for w in unicodedata.normalize("NFC", name).split()
        if any(ch.isalpha() for ch in w)
    ]
    letters = [next(ch for ch in w if ch.isalpha()) for w in words]
    if not letters:
        return ""
    chosen = letters[0] + (letters[-1] if len(letters) > 1 else "")
    return "".join(ch.upper()[0] for ch in chosen)


def tone(name: str) -> int:
    """A stable colour class number for a name."""
    return _digest(name)[0] % TONES


def _identicon_cells(name: str) -> list[tuple[int, int]]:
    """Filled (column, row) cells of a symmetric 5 x 5 pattern from the name's hash."""
    bits = int.from_bytes(_digest(name)[1:5], "big")
    cells: list[tuple[int, int]] = []
    half = (_GRID + 1) // 2
    for row in range(_GRID):
        for col in range(half):
            if bits >> (row * half + col) & 1:
                cells.append((col, row))
                if col != _GRID - 1 - col:
                    cells.append((_GRID - 1 - col, row))
    return cells or [(2, 2)]


def avatar_svg(name: str) -> Markup:
    """The inline SVG avatar for a display name (safe markup, decorative)."""
    letters = initials(name)
    head = (
        f'<svg class="comment-avatar avatar-tone-{tone(name)}" viewBox="0 0 40 40" '
        'width="40" height="40" aria-hidden="true">'
        '<circle class="avatar-disc" cx="20" cy="20" r="20"/>'
    )
    if letters:
        body = (
            '<text class="avatar-initials" x="20" y="20" text-anchor="middle" '
            f'dominant-baseline="central">{escape(letters)}</text>'
        )
    else:
        # Cells of 5 on a 25-wide grid centred in the 40-wide disc.
        body = "".join(
            f'<rect class="avatar-cell" x="{7.5 + 5 * c}" y="{7.5 + 5 * r}" '
            'width="5" height="5"/>'
            for c, r in _identicon_cells(name)
        )
    # Fixed markup around escaped initials or numbers: nothing a reader wrote.
    return Markup(head + body + "</svg>")  # noqa: S704
