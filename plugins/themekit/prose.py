"""Small fixes to rendered post HTML that the Markdown extensions cannot make.

A code block wider than the column scrolls sideways; a keyboard user can only
scroll it if it takes focus (WCAG 2.1.1, axe ``scrollable-region-focusable``).
codehilite writes a bare ``<pre>``, so the theme adds ``tabindex="0"`` there.
"""

from __future__ import annotations

import re

from markupsafe import Markup

# Only bare <pre> elements, as codehilite and fenced_code write them: a <pre>
# that already carries attributes was written on purpose and is left alone.
_BARE_PRE = re.compile(r"<pre>")


def focusable_code(html: str) -> Markup:
    """Post HTML with every bare ``<pre>`` made reachable by keyboard."""
    # The input is the post's own rendered HTML, already trusted as Markup.
    return Markup(_BARE_PRE.sub('<pre tabindex="0">', str(html)))  # noqa: S704
