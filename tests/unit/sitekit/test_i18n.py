"""sitekit.i18n: catalogs merged from several .po files, plurals, dates per language."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sitekit import i18n

ROOT = Path(__file__).resolve().parents[3]
BERLIN = ZoneInfo("Europe/Berlin")

HEADER = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"

"""


def write_po(folder: Path, name: str, body: str, lang: str = "de") -> Path:
    path = folder / lang / "LC_MESSAGES" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + body, encoding="utf-8")
    return path


@pytest.fixture
def translations(tmp_path: Path) -> i18n.Translations:
    write_po(
        tmp_path,
        "messages.po",
        'msgid "Archive"\nmsgstr "Archiv"\n\nmsgid "Shared"\nmsgstr "aus messages"\n',
    )
    write_po(
        tmp_path,
        "comments.po",
        'msgid "Reply"\nmsgstr "Antworten"\n\n'
        'msgid "%(num)d comment"\nmsgid_plural "%(num)d comments"\n'
        'msgstr[0] "%(num)d Kommentar"\nmsgstr[1] "%(num)d Kommentare"\n\n'
        'msgid "Shared"\nmsgstr "aus comments"\n\n'
        '#, fuzzy\nmsgid "Half done"\nmsgstr "Halb fertig"\n',
    )
    return i18n.load_translations(tmp_path, default_lang="de")


def test_every_po_file_of_a_language_is_merged(translations: i18n.Translations) -> None:
    assert translations.gettext("Archive") == "Archiv"
    assert translations.gettext("Reply") == "Antworten"
    assert translations.languages == ["de"]


def test_a_later_file_wins_for_the_same_msgid(translations: i18n.Translations) -> None:
    # Files are read in name order: comments.po, then messages.po.
    assert translations.gettext("Shared") == "aus messages"


def test_fuzzy_entries_are_not_used(translations: i18n.Translations) -> None:
    assert translations.gettext("Half done") == "Half done"


def test_plural_forms_follow_the_language(translations: i18n.Translations) -> None:
    one = translations.ngettext("%(num)d comment", "%(num)d comments", 1)
    many = translations.ngettext("%(num)d comment", "%(num)d comments", 0)
    assert one % {"num": 1} == "1 Kommentar"
    assert many % {"num": 0} == "0 Kommentare"


def test_english_and_unknown_languages_get_the_msgid(
    translations: i18n.Translations,
) -> None:
    assert translations.gettext("Archive", "en") == "Archive"
    assert translations.gettext("Archive", "fr") == "Archive"
    assert (
        translations.ngettext("%(num)d comment", "%(num)d comments", 2, "en")
        == "%(num)d comments"
    )


def test_regional_codes_share_the_base_catalog(translations: i18n.Translations) -> None:
    assert translations.gettext("Archive", "de-AT") == "Archiv"
    assert translations.gettext("Archive", "de_CH") == "Archiv"


def test_missing_folder_means_no_translation(tmp_path: Path) -> None:
    empty = i18n.load_translations(tmp_path / "nowhere")
    assert empty.languages == []
    assert empty.gettext("Archive") == "Archive"


def test_the_theme_catalog_compiles_and_translates_the_theme() -> None:
    theme = i18n.load_translations(ROOT / "theme" / "translations")
    assert "de" in theme.languages
    assert theme.gettext("Skip to content", "de") == "Zum Inhalt springen"
    assert (
        theme.ngettext("%(num)d post", "%(num)d posts", 3, "de") == "%(num)d Beiträge"
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("de", "3. Mai 2017"), ("en", "May 3, 2017"), ("de-AT", "3. Mai 2017")],
)
def test_localdate(lang: str, expected: str) -> None:
    assert (
        i18n.localdate(dt.datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN), lang) == expected
    )
    assert i18n.localdate(dt.date(2017, 5, 3), lang) == expected


def test_localdate_in_march_uses_the_german_umlaut() -> None:
    assert i18n.localdate(dt.date(2024, 3, 14), "de") == "14. März 2024"


def test_localdatetime_keeps_the_wall_clock_of_the_zone() -> None:
    when = dt.datetime(2017, 5, 3, 9, 12, tzinfo=BERLIN)
    assert i18n.localdatetime(when, "de") == "3. Mai 2017 um 09:12 Uhr"
    assert i18n.localdatetime(when, "en") == "May 3, 2017 at 9:12 AM"
    # Not converted to UTC: 07:12 would be the same instant, but not what was written.
    assert "07:12" not in i18n.localdatetime(when, "de")


def test_other_languages_get_their_long_format() -> None:
    assert i18n.localdate(dt.date(2017, 5, 3), "fr") == "3 mai 2017"


def test_isodate() -> None:
    when = dt.datetime(2017, 5, 3, 9, 12, 30, 999, tzinfo=BERLIN)
    assert i18n.isodate(when) == "2017-05-03T09:12:30+02:00"
    assert i18n.isodate(dt.date(2017, 5, 3)) == "2017-05-03"


@pytest.mark.parametrize(("lang", "name"), [("de", "Deutsch"), ("en", "English")])
def test_language_name_is_the_endonym(lang: str, name: str) -> None:
    assert i18n.language_name(lang) == name
