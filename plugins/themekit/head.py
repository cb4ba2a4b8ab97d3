"""What goes into a page's ``<head>``: policy, absolute URLs, translations, JSON-LD.

Pure functions over article-like objects, so the rules (when a URL may be called
canonical, how JSON-LD is kept from closing its script element) are tested
without a build. The templates only print what these return.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from markupsafe import Markup
from sitekit.i18n import isodate

# JSON may hold "</script>" or "<!--" inside a string; in an HTML script element
# those end the element or change the parser's state. Escaping the three
# characters keeps the JSON identical for every JSON reader.
_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


class AuthorLike(Protocol):
    name: str


class ContentLike(Protocol):
    """The attributes of a Pelican Article or Page that the head uses."""

    title: str
    url: str
    lang: str
    date: dt.datetime
    summary: str
    translations: Sequence[Any]


def origin(url: str | None) -> str | None:
    """``https://host[:port]`` of a URL, or None when it is not http(s)."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(intake_url: str | None = None) -> str:
    """The site's CSP: own scripts and styles only, forms to self and the intake.

    ``frame-ancestors`` and ``report-uri`` are ignored in a ``<meta>`` policy, so
    they are left out rather than promising a protection that does not apply.
    """
    intake = origin(intake_url)
    extra = f" {intake}" if intake else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"form-action 'self'{extra}",
            f"connect-src 'self'{extra}",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def absolute_url(siteurl: str | None, rel: str) -> str | None:
    """``siteurl/rel`` when SITEURL is an absolute http(s) URL, else None.

    Local builds use relative URLs; a canonical or ``og:url`` made from them would
    point at the wrong place, so the caller omits the tag instead.
    """
    if not siteurl or origin(siteurl) is None:
        return None
    rel = rel.lstrip("/")
    return f"{siteurl.rstrip('/')}/{rel}"


def url_of_output(output_file: str) -> str:
    """The URL path of an output file: ``archiv/index.html`` → ``archiv/``."""
    if output_file == "index.html":
        return ""
    if output_file.endswith("/index.html"):
        return output_file[: -len("index.html")]
    return output_file


def translation_links(content: ContentLike, default_lang: str) -> list[tuple[str, str]]:
    """``(hreflang, url)`` for the content and each translation, plus ``x-default``.

    Empty when there is no translation: a lone page needs no alternates. The
    ``x-default`` is the version in the site's language, else the content itself.
    """
    versions = [content, *getattr(content, "translations", [])]
    if len(versions) < 2:
        return []
    versions.sort(key=lambda c: (c.lang != default_lang, c.lang))
    links = [(c.lang, c.url) for c in versions]
    links.append(("x-default", versions[0].url))
    return links


def plain_text(html: str) -> str:
    """Text of an HTML fragment with whitespace collapsed (for descriptions)."""
    # Markup only to reach striptags(); the result is plain text, escaped on output.
    return " ".join(Markup(html).striptags().split())  # noqa: S704


def blogposting(
    article: Any,
    description: str | None = None,
    *,
    siteurl: str | None,
    sitename: str,
) -> dict[str, Any]:
    """A schema.org ``BlogPosting`` for one article, with its comments if any.

    ``description``: the summary as plain text, when the page already has it
    (striptags takes ~30 us; the page's head needs the same text).
    """
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "BlogPosting",
        "headline": article.title,
        "datePublished": isodate(article.date),
        "inLanguage": article.lang,
    }
    modified = getattr(article, "modified", None)
    if modified:
        data["dateModified"] = isodate(modified)
    authors = [a.name for a in getattr(article, "authors", []) or []]
    if authors:
        people = [{"@type": "Person", "name": name} for name in authors]
        data["author"] = people[0] if len(people) == 1 else people
    # Only an absolute SITEURL gives a URL; do not expand the post's URL otherwise.
    url = absolute_url(siteurl, article.url) if origin(siteurl) else None
    if url:
        data["url"] = url
        data["mainEntityOfPage"] = url
    if description is None:
        description = plain_text(getattr(article, "summary", "") or "")
    summary = description
    if summary:
        data["description"] = summary
    category = getattr(article, "category", None)
    if category:
        data["articleSection"] = str(category)
    tags = [str(t) for t in getattr(article, "tags", []) or []]
    if tags:
        data["keywords"] = tags
    data["isPartOf"] = {"@type": "Blog", "name": sitename}
    count = getattr(article, "comment_count", None)
    if isinstance(count, int):
        data["commentCount"] = count
    comments = getattr(article, "comment_jsonld", None)
    if comments:
        # Kept as it is when it writes its own JSON text (see ``tojsonld``).
        data["comment"] = comments if _json_text_of(comments) else list(comments)
    # Reading recommendations (set by the reading plugin) are what the post cites.
    citations = getattr(article, "reading_jsonld", None)
    if citations:
        data["citation"] = list(citations)
    return data


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return isodate(value)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return list(value)
    return str(value)


def _json_text_of(value: Any) -> Any:
    """The ``json_text`` function of a value that writes its own JSON, else None.

    The comments' JSON-LD (``comments.jsonld.ThreadJsonLd``) keeps its text
    made once per thread, so a page does not rebuild and dump its objects.
    Looked up on the class: a value that answers any attribute (Jinja's
    ``Undefined``) is dumped as before.
    """
    return getattr(type(value), "json_text", None)


def _dumps(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, default=_json_default, separators=(",", ":")
    )


def _dumps_object(data: Mapping[str, Any]) -> str:
    """``_dumps`` of a dict whose values may write their own JSON text.

    The other items are dumped a run at a time, and an item's text in a
    dict dumped without spaces is ``"key":value``: the same text as one dump.
    """
    items: list[str] = []
    run: dict[str, Any] = {}
    for key, value in data.items():
        own = _json_text_of(value)
        if own is None:
            run[key] = value
            continue
        if run:
            items.append(_dumps(run)[1:-1])
            run = {}
        items.append(f"{_dumps(key)}:{own(value)}")
    if run:
        items.append(_dumps(run)[1:-1])
    return "{" + ",".join(items) + "}"


def tojsonld(data: Any) -> Markup:
    """Serialize for ``<script type="application/ld+json">``, safe inside HTML.

    Non-ASCII stays readable; ``<``, ``>`` and ``&`` become ``\\u003c`` etc., so no
    string in the data (a comment body, a title) can close the element. A
    value of a top-level dict that has ``json_text`` gives its own JSON text
    (compact, ``ensure_ascii=False``, as ``json.dumps`` here writes it).
    """
    if isinstance(data, dict) and any(map(_json_text_of, data.values())):
        text = _dumps_object(data)
    else:
        text = _dumps(data)
    for char, escaped in _JSON_ESCAPES.items():
        # Looked for first: a page's JSON-LD (its comments' texts) is tens
        # of kilobytes, seldom holds any of them, and a replace that finds
        # nothing costs forty times the look.
        if char in text:
            text = text.replace(char, escaped)
    # Safe: after the escapes above the text holds no "<", ">" or "&".
    return Markup(text)  # noqa: S704


def og_locale(lang: str) -> str:
    """Open Graph wants ``language_TERRITORY``: de → de_DE, en → en_US."""
    defaults = {"de": "de_DE", "en": "en_US", "fr": "fr_FR", "nl": "nl_NL"}
    code = lang.replace("-", "_")
    if "_" in code:
        base, territory = code.split("_", 1)
        return f"{base.lower()}_{territory.upper()}"
    return defaults.get(code.lower(), code.lower())
