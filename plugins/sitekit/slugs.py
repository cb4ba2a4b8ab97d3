"""Slugs for URLs and file names, with German transliteration.

``unicodedata`` alone would turn "Grüße" into "gruse"; German readers expect
"gruesse". Used by ``invoke new-post`` and by the intake service, so a title
gets the same slug wherever it is made.
"""

from __future__ import annotations

import re
import unicodedata

#: Letters whose German spelling in ASCII is two letters, not the bare vowel.
GERMAN = {
    "ä": "ae",
    "ö": "oe",
    "ü": "ue",
    "ß": "ss",
    "Ä": "Ae",
    "Ö": "Oe",
    "Ü": "Ue",
    "ẞ": "SS",
}
_NON_WORD = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int = 80) -> str:
    """Lowercase ASCII words joined by hyphens: "Grüße aus Köln" → "gruesse-aus-koeln".

    Other accents lose their marks (é → e); everything else that is not a letter
    or digit separates words. The result is cut at a word boundary to at most
    ``max_length`` characters, and is empty only for a title without letters or digits.
    """
    text = "".join(GERMAN.get(ch, ch) for ch in title)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _NON_WORD.sub("-", text.lower()).strip("-")
    if len(slug) > max_length:
        cut = slug[: max_length + 1]
        slug = cut.rsplit("-", 1)[0] if "-" in cut else slug[:max_length]
        slug = slug.strip("-")
    return slug
