"""Pelican glue for the theme: translations, filters, the stylesheet and root files.

Each build run gets one ``BuildState`` (catalogs, the bundled stylesheet, the
sitemap being collected), created by the first generator of the run and kept
in the run's shared context, so ``pelican --autoreload`` starts fresh each time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import functools
import logging
import operator
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context
from jinja2.utils import missing
from markupsafe import Markup
from pelican import signals

from sitekit import i18n
from sitekit.filedates import note_file_dates
from themekit import head
from themekit.escape import Template as FastEscapeTemplate
from themekit.prose import focusable_code
from themekit.assets import Stylesheet, bundle_css, write_stylesheet
from themekit.sitefiles import (
    SiteMap,
    ico_from_png,
    robots_txt,
    write_text,
)
from themekit.sitemap import write_sitemap

logger = logging.getLogger(__name__)

#: Key of the run's BuildState in the shared context and in the settings.
STATE_KEY = "THEMEKIT_STATE"
FAVICON_PNG = "favicon-32.png"


@dataclass
class BuildState:
    """What one build run of the theme needs across signals."""

    translations: i18n.Translations
    stylesheet: Stylesheet
    theme: Path
    sitemap: SiteMap = field(default_factory=SiteMap)


def _state(generator: Any) -> BuildState:
    state = generator.context.get(STATE_KEY)
    if not isinstance(state, BuildState):
        theme = Path(generator.theme)
        default_lang = generator.settings.get("DEFAULT_LANG", "de")
        state = BuildState(
            translations=i18n.load_translations(theme / "translations", default_lang),
            stylesheet=bundle_css(
                theme / "static" / "css", _static_dir(generator.settings) + "/css"
            ),
            theme=theme,
        )
        generator.context[STATE_KEY] = state
        # finalized only sees the Pelican object: its settings are the same dict.
        generator.settings[STATE_KEY] = state
    return state


def _static_dir(settings: dict[str, Any]) -> str:
    return str(settings.get("THEME_STATIC_DIR", "theme")).strip("/")


def page_lang(ctx: Context) -> str:
    """The language of the page being rendered: ``ui_lang``, article, page, site."""
    # resolve_or_missing is ctx.get without raising and catching a KeyError
    # for each name a page does not have (every label asks).
    override = ctx.resolve_or_missing("ui_lang")
    if isinstance(override, str) and override:
        return override
    for key in ("article", "page"):
        lang = getattr(ctx.resolve_or_missing(key), "lang", None)
        if isinstance(lang, str) and lang:
            return lang
    default = ctx.resolve_or_missing("DEFAULT_LANG")
    return str(default if default is not missing and default else "de")


def content_url(memo: dict[int, tuple[Any, str]], content: Any) -> str:
    """``content.url``, expanded once per build (Pelican expands the URL settings
    on every read, ~50 us): menus, post lists and the form link the same pages
    from every page."""
    known = memo.get(id(content))
    if known is None or known[0] is not content:
        known = memo[id(content)] = (content, content.url)
    return known[1]


#: A discussion row's fields (comments.render.CommentRow and its Comment), in
#: the order partials/_comment.html unpacks them.
_COMMENT_FIELDS = operator.attrgetter(
    "comment.id",
    "comment.role",
    "comment.removed",
    "comment.author",
    "comment.website",
    "reply_to",
    "depth",
    "avatar",
    "datetime",
    "when",
    "html",
    "opens",
    "closes",
)


def comment_fields(rows: Iterable[Any]) -> Iterator[tuple[Any, ...]]:
    """Each row as one tuple: a loop over a long thread reads ~13 fields a
    comment, and one Jinja attribute lookup costs more than the whole tuple."""
    return map(_COMMENT_FIELDS, rows)


def _label(
    memo: dict[tuple[Any, ...], str],
    translations: i18n.Translations,
    message: str,
    lang: str,
    escaped: bool,
) -> str:
    """A label in ``lang``, looked up in the catalog once per message."""
    key = (message, lang, escaped)
    text = memo.get(key)
    if text is None:
        text = translations.gettext(message, lang)
        if escaped:
            text = Markup(text)  # noqa: S704 - our own catalog, as Jinja does
        memo[key] = text
    return text


def _plural_label(
    memo: dict[tuple[Any, ...], str],
    counted: bool,
    translations: i18n.Translations,
    singular: str,
    plural: str,
    n: int,
    lang: str,
    escaped: bool,
) -> str:
    """``_label`` for a count: the plural form for ``n`` (``counted``: with
    ``n`` filled in, the whole text of a count, made once)."""
    key = (singular, plural, n, lang, escaped)
    text = memo.get(key)
    if text is None:
        text = translations.ngettext(singular, plural, n, lang)
        if escaped:
            text = Markup(text)  # noqa: S704 - our own catalog, as Jinja does
        if counted:
            text = text % {"num": n}
        memo[key] = text
    return text


def _lang_of(ctx: Context) -> str:
    """The page's language for a label: ``html_lang``, which base.html sets
    from ``page_lang`` first thing, else ``page_lang`` itself (a page ~60
    labels: one lookup each instead of three)."""
    lang = ctx.resolve_or_missing("html_lang")
    return lang if type(lang) is str and lang else page_lang(ctx)


@pass_context
def reply_options(
    ctx: Context, comments: Iterable[Any], lang: str | None = None
) -> list[tuple[str, str, str]]:
    """(id, author, localized date) of each comment a reader may answer (not
    removed): the comment form's choices in one call, rather than three
    Jinja lookups and a filter call per comment of the thread."""
    lang = lang or page_lang(ctx)
    return [
        (c.id, c.author, i18n.localdate(c.date, lang)) for c in comments if not c.removed
    ]


def install_jinja(env: Any, state: BuildState, settings: dict[str, Any]) -> None:
    """Give a Jinja environment our gettext, date filters and head helpers."""
    translations = state.translations
    siteurl = str(settings.get("SITEURL") or "")
    sitename = str(settings.get("SITENAME") or "")
    default_lang = str(settings.get("DEFAULT_LANG") or "de")

    # One memo per environment each, bound with partial like content_url's:
    # a page's stamp must not depend on which labels earlier pages asked for.
    label = functools.partial(_label, {})
    plural_label = functools.partial(_plural_label, {}, False)
    counted = functools.partial(_plural_label, {}, True)

    @pass_context
    def gettext(ctx: Context, message: str, **variables: Any) -> str:
        # Jinja's newstyle gettext, in one call instead of three nested
        # context.call()s (the alias ``_``, the newstyle wrapper, ours): a page
        # asks for ~60 labels. Same result: Markup under autoescape, and the
        # message always taken as a %-format (skipped when it holds no "%").
        escaped = ctx.eval_ctx.autoescape
        text = label(translations, message, _lang_of(ctx), escaped)
        return text % variables if variables or "%" in text else text

    @pass_context
    def ngettext(
        ctx: Context, singular: str, plural: str, n: int, **variables: Any
    ) -> str:
        escaped = ctx.eval_ctx.autoescape
        lang = _lang_of(ctx)
        if not variables:
            # "3 comments": the same text wherever a count is shown.
            return counted(translations, singular, plural, n, lang, escaped)
        variables.setdefault("num", n)
        text = plural_label(translations, singular, plural, n, lang, escaped)
        return text % variables

    @pass_context
    def localdate(ctx: Context, value: Any, lang: str | None = None) -> str:
        return i18n.localdate(value, lang or page_lang(ctx))

    @pass_context
    def localdatetime(ctx: Context, value: Any, lang: str | None = None) -> str:
        return i18n.localdatetime(value, lang or page_lang(ctx))

    # Local builds have no absolute SITEURL, hence no canonical URL: asking
    # content for its URL (Pelican expands the URL settings on each read) first
    # would cost ~50 us a page for nothing.
    absolute = head.absolute_url(siteurl, "") is not None

    @pass_context
    def canonical_url(ctx: Context) -> str | None:
        if not absolute:
            return None
        content = ctx.get("article") or ctx.get("page")
        rel = getattr(content, "url", None)
        if rel is None:
            rel = head.url_of_output(str(ctx.get("output_file") or ""))
        return head.absolute_url(siteurl, rel)

    # Pelican's environment does not autoescape; every template of this theme
    # relies on it (titles, names and other plain fields are text, not HTML).
    # Post HTML arrives as Markup (focusable_code) or is marked |safe.
    env.autoescape = True
    # ... and escapes each value in about a third of markupsafe's time.
    env.template_class = FastEscapeTemplate
    # Every build makes new environments; within one, a template file does not
    # change, so Jinja need not stat it each time a page includes it.
    env.auto_reload = False
    env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(gettext=gettext, ngettext=ngettext, newstyle=True)
    # Ours already are newstyle: templates call them directly, not through
    # Jinja's wrappers (``{% trans %}`` blocks use the same two names).
    env.globals.update(_=gettext, gettext=gettext, ngettext=ngettext)
    env.filters.update(
        localdate=localdate,
        localdatetime=localdatetime,
        isodate=i18n.isodate,
        langname=i18n.language_name,
        tojsonld=head.tojsonld,
        plain_text=head.plain_text,
        focusable_code=focusable_code,
        og_locale=head.og_locale,
        comment_fields=comment_fields,
        reply_options=reply_options,
    )
    env.globals.update(
        STYLESHEET_URL=state.stylesheet.path,
        CONTENT_SECURITY_POLICY=head.content_security_policy(
            settings.get("COMMENTS_INTAKE_URL")
        ),
        page_lang=pass_context(page_lang),
        canonical_url=canonical_url,
        # One memo per environment, bound with partial: fastbuild digests a
        # closure's cells as part of the environment, a partial's arguments not,
        # so the digest never depends on how many URLs were asked for so far.
        content_url=functools.partial(content_url, {}),
        absolute_url=lambda rel: head.absolute_url(siteurl, rel),
        translation_links=lambda content: head.translation_links(content, default_lang),
        blogposting=lambda article, description=None: head.blogposting(
            article, description, siteurl=siteurl, sitename=sitename
        ),
    )


def on_generator_init(generator: Any) -> None:
    install_jinja(generator.env, _state(generator), generator.settings)


def on_content_written(path: str, context: dict[str, Any]) -> None:
    state = context.get(STATE_KEY)
    if isinstance(state, BuildState):
        output_file = context.get("output_file") or os.path.relpath(
            path, context.get("OUTPUT_PATH", ".")
        )
        state.sitemap.record(
            str(output_file), context, str(context.get("DEFAULT_LANG", "de"))
        )


def on_finalized(pelican: Any) -> None:
    state = pelican.settings.get(STATE_KEY)
    if not isinstance(state, BuildState):
        return
    output = Path(pelican.output_path)
    siteurl = pelican.settings.get("SITEURL") or ""
    write_stylesheet(state.stylesheet, output)
    # Unchanged since the last build (a new comment): not written again.
    write_sitemap(pelican.settings, output, state.sitemap.sorted(), siteurl)
    write_text(output / "robots.txt", robots_txt(siteurl))
    png = state.theme / "static" / FAVICON_PNG
    if png.is_file():
        write_text(output / "favicon.ico", ico_from_png(png.read_bytes()))
    else:
        logger.warning("Theme has no %s: no /favicon.ico written", png)
    logger.info(
        "themekit: wrote %s, sitemap.xml (%d pages)",
        state.stylesheet.path,
        len(state.sitemap.entries),
    )


def register() -> None:
    """Connect the theme's receivers (module level: blinker holds them weakly)."""
    # generator_init: every generator (including other plugins') renders with an
    # environment of its own; each must know _(), ngettext and our filters.
    signals.generator_init.connect(on_generator_init)
    # content_object_init: a modified time the file system made up is no date
    # the page may show (DEFAULT_DATE = "fs"; see sitekit.filedates).
    signals.content_object_init.connect(note_file_dates)
    # content_written: the sitemap lists what was really written, by any plugin.
    signals.content_written.connect(on_content_written)
    # finalized: all pages exist; write the files that describe or style them.
    signals.finalized.connect(on_finalized)
