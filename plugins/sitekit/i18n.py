"""UI strings and dates in the reader's language, without system locales.

The machine that builds the site may have no German locale installed (``locale -a``
often lists only C and POSIX), so ``strftime`` would print English months on a
German page. Babel brings the CLDR data with it. Catalogs are the ``.po`` files under
``translations/<lang>/LC_MESSAGES/``; every file of a language is merged (each part
of the project owns one file), compiled in memory, and never committed as ``.mo``.

Nothing here imports Pelican: the theme plugin and the intake service share it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
import datetime as dt
from functools import lru_cache, partial
import gettext
import io
import logging
from operator import attrgetter
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.dates import DateTimeFormat, format_date, format_datetime, tokenize_pattern
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

logger = logging.getLogger(__name__)

#: CLDR patterns per language: "3. Mai 2017" and "May 3, 2017". Other languages
#: fall back to Babel's "long" format for their locale.
DATE_PATTERNS: Mapping[str, str] = {"de": "d. MMMM yyyy", "en": "MMMM d, yyyy"}
DATETIME_PATTERNS: Mapping[str, str] = {
    "de": "d. MMMM yyyy 'um' HH:mm 'Uhr'",
    "en": "MMMM d, yyyy 'at' h:mm a",
}


def load_catalog(po_files: list[Path], lang: str) -> gettext.NullTranslations:
    """Merge several ``.po`` files of one language into one compiled catalog.

    A later file (in name order) wins where two define the same msgid; fuzzy
    entries are left out, as ``msgfmt`` does, so a half-done translation never
    reaches a page. Plural rules come from Babel's CLDR data for ``lang``.
    """
    merged = Catalog(locale=lang, domain="messages")
    for path in sorted(po_files):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=lang)
        for message in catalog:
            if not message.id or message.fuzzy:
                continue
            if message.id in merged:
                logger.debug("%s: msgid %r also defined elsewhere", path, message.id)
                del merged[message.id]
            merged[message.id] = message
    buffer = io.BytesIO()
    write_mo(buffer, merged, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@dataclass(frozen=True)
class Translations:
    """Every language's catalog; unknown languages get the English msgids back."""

    catalogs: Mapping[str, gettext.NullTranslations] = field(default_factory=dict)
    default_lang: str = "de"

    def _catalog(self, lang: str | None) -> gettext.NullTranslations:
        code = _base(lang or self.default_lang)
        return self.catalogs.get(code) or gettext.NullTranslations()

    def gettext(self, message: str, lang: str | None = None) -> str:
        """The message in ``lang`` (default: the site's language)."""
        return self._catalog(lang).gettext(message)

    def ngettext(
        self, singular: str, plural: str, n: int, lang: str | None = None
    ) -> str:
        """The plural form for ``n`` in ``lang``, by that language's plural rule."""
        return self._catalog(lang).ngettext(singular, plural, n)

    @property
    def languages(self) -> list[str]:
        return sorted(self.catalogs)


def load_translations(directory: str | Path, default_lang: str = "de") -> Translations:
    """Load ``<directory>/<lang>/LC_MESSAGES/*.po`` for every language found."""
    root = Path(directory)
    catalogs: dict[str, gettext.NullTranslations] = {}
    if root.is_dir():
        for lang_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            files = sorted((lang_dir / "LC_MESSAGES").glob("*.po"))
            if files:
                catalogs[_base(lang_dir.name)] = load_catalog(files, lang_dir.name)
    return Translations(catalogs=catalogs, default_lang=default_lang)


def _base(lang: str) -> str:
    """``de-AT`` and ``de_AT`` share the ``de`` catalog."""
    return lang.replace("-", "_").split("_", 1)[0].lower()


@lru_cache(maxsize=64)
def _locale(lang: str) -> Locale:
    try:
        return Locale.parse(lang.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        logger.warning("Unknown language %r: dates fall back to English", lang)
        return Locale.parse("en")


def localdate(value: dt.date | dt.datetime, lang: str) -> str:
    """A date as readers of ``lang`` write it: "3. Mai 2017", "May 3, 2017"."""
    if isinstance(value, dt.datetime):
        value = value.date()
    return _localdate(value, lang)


# A site shows the same few thousand dates on many pages: remember them
# (pure, bounded); a new one is a few lookups (``PatternFormatter``).
@lru_cache(maxsize=8192)
def _localdate(value: dt.date, lang: str) -> str:
    return _date_formatter(lang)(value)


@lru_cache(maxsize=16)
def _date_formatter(lang: str) -> PatternFormatter:
    """One per language: it keeps the Babel texts of the fields it asked for."""
    return PatternFormatter(
        lang, DATE_PATTERNS.get(_base(lang)), partial(_babel_date, lang=lang)
    )


def _babel_date(value: dt.date, lang: str) -> str:
    pattern = DATE_PATTERNS.get(_base(lang), "long")
    return format_date(value, pattern, locale=_locale(lang))


#: Pattern fields that show the day (the others show the time of day).
_DATE_FIELDS = frozenset("dMLy")
#: Pattern fields whose text depends on one part of the moment only, by that part.
_PART: dict[str, Callable[[Any], object]] = {
    "d": attrgetter("day"),
    "M": attrgetter("month"),
    "L": attrgetter("month"),
    "y": attrgetter("year"),
    "H": attrgetter("hour"),
    "h": attrgetter("hour"),
    "K": attrgetter("hour"),
    "k": attrgetter("hour"),
    "m": attrgetter("minute"),
    "s": attrgetter("second"),
    "a": lambda moment: moment.hour >= 12,
}


class PatternFormatter:
    """A Babel date pattern for one language, parsed once.

    Babel parses the pattern and formats each field on every call (10-30
    us); here the pattern is parsed once and each field's text is asked of
    Babel once per value of the part it shows (the month's name once per
    month), so a date costs a few dictionary lookups and reads exactly as
    Babel writes it. A pattern with other fields, or a language Babel does
    not know, goes to ``fallback`` every time. When the fields of the day all
    come before those of the time, the text is the day's text and the
    time's, each kept once per day and per time of day.
    """

    def __init__(
        self, lang: str, pattern: str | None, fallback: Callable[[Any], str]
    ) -> None:
        self.lang = lang
        self.fallback = fallback
        self.fields: list[tuple[str, Callable[[Any], object]] | str] = []
        self.memo: dict[tuple[str, object], str] = {}
        #: Where the time's fields start, when the day's all come before them.
        self.split: int | None = None
        self.days: dict[tuple[int, int, int], str] = {}
        self.times: dict[tuple[int, int, int], str] = {}
        try:
            self.locale: Locale | None = Locale.parse(lang.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            self.locale = None
        if pattern is None or self.locale is None:
            return
        for _kind, value in tokenize_pattern(pattern):
            if isinstance(value, str):  # kind "chars": literal text
                self.fields.append(value)
                continue
            char, num = value
            part = _PART.get(char)
            if part is None:
                self.fields = []
                return
            self.fields.append((char * num, part))
        kinds = [f[0][0] in _DATE_FIELDS for f in self.fields if not isinstance(f, str)]
        if kinds and kinds == sorted(kinds, reverse=True):  # days, then times
            self.split = next(
                (
                    i
                    for i, f in enumerate(self.fields)
                    if not isinstance(f, str) and f[0][0] not in _DATE_FIELDS
                ),
                len(self.fields),
            )

    def __call__(self, moment: Any) -> str:
        """The text of a date or datetime (the pattern's fields must exist)."""
        if not self.fields or self.locale is None:
            return self.fallback(moment)
        split = self.split
        if split is None:
            return self._text(self.fields, moment)
        day = (moment.year, moment.month, moment.day)
        head = self.days.get(day)
        if head is None:
            head = self.days[day] = self._text(self.fields[:split], moment)
        if split == len(self.fields):
            return head  # a pattern of the day alone
        time = (moment.hour, moment.minute, moment.second)
        tail = self.times.get(time)
        if tail is None:
            tail = self.times[time] = self._text(self.fields[split:], moment)
        return head + tail

    def _text(
        self, fields: list[tuple[str, Callable[[Any], object]] | str], moment: Any
    ) -> str:
        locale = self.locale
        assert locale is not None  # without one, __call__ asks the fallback
        out: list[str] = []
        for item in fields:
            if isinstance(item, str):
                out.append(item)
                continue
            name, part = item
            key = (name, part(moment))
            text = self.memo.get(key)
            if text is None:
                text = self.memo[key] = DateTimeFormat(moment, locale)[name]
            out.append(text)
        return "".join(out)


def localdatetime(value: dt.datetime, lang: str) -> str:
    """Date and time in the datetime's own zone: "3. Mai 2017 um 09:12 Uhr"."""
    pattern = DATETIME_PATTERNS.get(_base(lang), "long")
    # Babel would read a naive datetime as UTC and convert aware ones to UTC
    # unless told the zone: keep the wall-clock time the author wrote.
    return format_datetime(value, pattern, tzinfo=value.tzinfo, locale=_locale(lang))


def isodate(value: dt.date | dt.datetime) -> str:
    """ISO 8601 for ``<time datetime>``, sitemaps and JSON-LD."""
    if isinstance(value, dt.datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


def language_name(lang: str) -> str:
    """The language's name in itself ("Deutsch", "English"), for language links."""
    name = _locale(lang).get_display_name(_locale(lang)) or lang
    return name[:1].upper() + name[1:]
