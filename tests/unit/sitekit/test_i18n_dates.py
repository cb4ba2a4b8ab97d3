"""sitekit.i18n.localdate: the pattern parsed once reads exactly as Babel writes."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.dates import format_date

from sitekit import i18n


@pytest.mark.parametrize("lang", ["de", "en", "de-AT", "en_GB", "fr", "xx"])
def test_localdate_reads_as_babel_writes(lang: str) -> None:
    i18n._localdate.cache_clear()
    i18n._date_formatter.cache_clear()
    pattern = i18n.DATE_PATTERNS.get(lang[:2], "long")
    locale = i18n._locale(lang)
    day = dt.date(1999, 12, 25)
    for _ in range(1500):  # every day of the month, every month, many years
        day += dt.timedelta(days=17)
        assert i18n.localdate(day, lang) == format_date(day, pattern, locale=locale)
    moment = dt.datetime(2017, 5, 3, 23, 59, tzinfo=dt.timezone.utc)
    assert i18n.localdate(moment, lang) == format_date(
        moment.date(), pattern, locale=locale
    )


def test_our_languages_take_the_parsed_pattern_others_babel() -> None:
    assert i18n._date_formatter("de").fields
    assert i18n._date_formatter("en-GB").split is not None
    assert not i18n._date_formatter("fr").fields  # Babel's own "long"
    assert not i18n._date_formatter("xx").fields
