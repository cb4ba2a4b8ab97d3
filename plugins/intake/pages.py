"""The service's own HTML: the receipt ("awaits moderation") and the rejection page
that names each problem and gives the typed text back, in the site's language.

Strings are the theme's (``form.po``), loaded with ``sitekit.i18n`` as the site
loads them; Jinja autoescapes everything a reader wrote.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from sitekit.i18n import Translations, load_translations

from .submission import FieldError

#: Where the theme lives when the service runs from this project's source tree.
PROJECT_THEME = Path(__file__).resolve().parents[2] / "theme"
LANGUAGES = ("de", "en")

FIELD_LABELS = {
    "post": "Post",
    "author": "Name",
    "website": "Website (optional)",
    "body": "Comment",
    "parent": "In reply to",
    "consent": "I agree that my name, my comment and the website I give are published "
    "with the comment.",
    "email": "E-mail",
    "homepage": "Leave this field empty",
    "altcha": "Anti-spam check",
}


@dataclass(frozen=True, slots=True)
class ShownError:
    field: str
    text: str


def pick_language(asked: str | None, accept: str | None, default: str) -> str:
    """The page language: the form's ``lang``, else Accept-Language, else the site's."""
    for candidate in [asked or ""] + [
        part.split(";")[0].strip() for part in (accept or "").split(",")
    ]:
        code = candidate.replace("_", "-").split("-")[0].lower()
        if code in LANGUAGES:
            return code
    return default if default in LANGUAGES else "en"


class Pages:
    """Renders the service's pages; one per app (translations loaded once)."""

    def __init__(self, repo: Path, default_lang: str) -> None:
        self.default_lang = default_lang
        self._dirs = [repo / "theme" / "translations", PROJECT_THEME / "translations"]

    @cached_property
    def translations(self) -> Translations:
        for folder in self._dirs:
            if folder.is_dir():
                return load_translations(folder, self.default_lang)
        return Translations(default_lang=self.default_lang)

    @cached_property
    def env(self) -> Environment:
        return Environment(
            loader=PackageLoader("intake", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
        )

    def gettext(self, lang: str, msgid: str) -> str:
        return self.translations.gettext(msgid, lang)

    def error_text(self, error: FieldError, lang: str) -> str:
        text = self.gettext(lang, error.msgid)
        return text % dict(error.params) if error.params else text

    def errors_json(
        self, errors: Sequence[FieldError], lang: str
    ) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for error in errors:
            out.setdefault(error.field, []).append(self.error_text(error, lang))
        return out

    def _render(self, name: str, lang: str, **context: object) -> str:
        template = self.env.get_template(name)
        translate = self.translations

        def _(msgid: str) -> str:
            return translate.gettext(msgid, lang)

        return template.render(lang=lang, _=_, **context)

    def receipt(
        self,
        lang: str,
        *,
        entry_id: str,
        comment: Mapping[str, str | None],
        post_title: str,
        preview_html: str | None,
        return_url: str | None,
        css_url: str,
    ) -> str:
        return self._render(
            "receipt.html",
            lang,
            entry_id=entry_id,
            comment=comment,
            post_title=post_title,
            preview_html=preview_html,
            return_url=return_url,
            css_url=css_url,
        )

    def rejected(
        self,
        lang: str,
        *,
        errors: Sequence[FieldError],
        fields: Mapping[str, str] | None,
        action: str,
        return_url: str | None,
        css_url: str,
    ) -> str:
        labels = {k: self.gettext(lang, v) for k, v in FIELD_LABELS.items()}
        shown = [ShownError(e.field, self.error_text(e, lang)) for e in errors]
        failed: dict[str, str] = {}
        for error in shown:
            failed.setdefault(error.field, error.text)
        kept = None
        if fields is not None:
            kept = {
                k: v
                for k, v in fields.items()
                if k not in ("homepage", "altcha", "email")
            }
        return self._render(
            "rejected.html",
            lang,
            errors=shown,
            fields=kept,
            labels=labels,
            failed=failed,
            shown_fields=("author", "website", "body", "consent")
            if kept is not None
            else (),
            action=action,
            return_url=return_url,
            css_url=css_url,
        )
