"""Nothing is fetched from another host, nothing runs inline, `lang` is right, no commenter e-mail.

Checked on the built sample site with both configurations: every src/href that
makes a browser fetch (scripts, styles, fonts, images, frames, media, form
actions) and every url() in the bundled stylesheets stays on the site.
"""

from __future__ import annotations

import os
from pathlib import Path
import re
from urllib.parse import urljoin

from bs4 import BeautifulSoup
import pytest

from support.refs import css_urls, is_internal, is_local_scheme, page_refs, site_base
from support.site import ROOT, BuiltSite

SITEURL_PUBLISHED = os.environ.get("SITEURL", "https://diskurs.example.org")
LANGS = {"de", "en"}
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")


@pytest.fixture(params=["sample_site", "published_site"])
def site(request: pytest.FixtureRequest) -> tuple[BuiltSite, str]:
    built: BuiltSite = request.getfixturevalue(request.param)
    return built, site_base(SITEURL_PUBLISHED if request.param == "published_site" else "")


def rel_pages(built: BuiltSite) -> list[str]:
    return [f.relative_to(built.output).as_posix() for f in built.html_files()]


def test_no_page_fetches_from_another_host(site: tuple[BuiltSite, str]) -> None:
    built, base = site
    foreign = []
    for rel in rel_pages(built):
        for ref in page_refs(built.page(rel), rel, base):
            if ref.fetched and not (is_internal(ref.absolute, base) or is_local_scheme(ref.absolute)):
                foreign.append(f"{rel}: {ref.element} {ref.url}")
    assert not foreign, "\n".join(foreign[:40])


def test_stylesheets_load_nothing_from_another_host(site: tuple[BuiltSite, str]) -> None:
    built, base = site
    sheets = sorted(built.output.rglob("*.css"))
    assert sheets, "the site has no stylesheet"
    foreign = []
    for sheet in sheets:
        rel = sheet.relative_to(built.output).as_posix()
        sheet_url = urljoin(base, rel)
        for url in css_urls(sheet.read_text(encoding="utf-8")):
            absolute = urljoin(sheet_url, url)
            if not (is_internal(absolute, base) or is_local_scheme(absolute)):
                foreign.append(f"{rel}: url({url})")
    assert not foreign, foreign


def test_nothing_runs_inline(site: tuple[BuiltSite, str]) -> None:
    built, _ = site
    problems = []
    for rel in rel_pages(built):
        soup = built.page(rel)
        for script in soup.find_all("script"):
            if not script.get("src") and script.get("type") != "application/ld+json":
                problems.append(f"{rel}: inline <script type={script.get('type')!r}>")
        for tag in soup.find_all(True):
            handlers = [a for a in tag.attrs if a.lower().startswith("on")]
            if handlers:
                problems.append(f"{rel}: <{tag.name}> has {handlers}")
            for attr in ("href", "src", "action", "formaction"):
                if str(tag.get(attr, "")).strip().lower().startswith("javascript:"):
                    problems.append(f"{rel}: <{tag.name} {attr}=javascript:...>")
    assert not problems, "\n".join(problems[:40])


def test_every_page_has_a_policy_that_forbids_inline_and_foreign_script(site: tuple[BuiltSite, str]) -> None:
    built, _ = site
    for rel in rel_pages(built):
        meta = built.page(rel).find("meta", attrs={"http-equiv": re.compile("^content-security-policy$", re.I)})
        assert meta is not None, f"{rel} has no Content-Security-Policy"
        directives = {
            part.split()[0].lower(): part.split()[1:]
            for part in str(meta["content"]).split(";") if part.strip()
        }
        scripts = directives.get("script-src", directives.get("default-src"))
        assert scripts is not None, f"{rel}: the policy does not restrict scripts"
        assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, rel
        assert not [s for s in scripts if "://" in s or s in ("*", "http:", "https:")], (rel, scripts)


def test_every_page_declares_a_known_language(site: tuple[BuiltSite, str]) -> None:
    built, _ = site
    for rel in rel_pages(built):
        soup = built.page(rel)
        assert soup.html is not None and soup.html.get("lang") in LANGS, f"{rel}: <html lang={soup.html.get('lang') if soup.html else None!r}>"
        for tag in soup.find_all(lang=True):
            assert re.fullmatch(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*", str(tag["lang"])), f"{rel}: lang={tag['lang']!r}"


def source_headers() -> list[tuple[Path, dict[str, str]]]:
    found = []
    for path in sorted((ROOT / "content").glob("*/*.md")):
        fields: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields[key.strip().lower()] = value.strip()
        if fields.get("status", "published") == "published":
            found.append((path, fields))
    return found


def test_each_post_and_page_is_in_its_own_language(sample_site: BuiltSite) -> None:
    """The English translation of the flagship post is `lang="en"`, the German one `de`, and so on."""
    pages = {f: BeautifulSoup(f.read_text(encoding="utf-8"), "html.parser") for f in sample_site.html_files()}
    checked = set()
    for path, fields in source_headers():
        lang = fields.get("lang", "de")
        title = fields["title"]
        matches = [
            soup for file, soup in pages.items()
            if file.parent.name == fields.get("slug") and soup.h1 is not None and title in soup.h1.get_text(" ", strip=True)
        ]
        assert matches, f"no page shows {path.relative_to(ROOT)} ({title!r})"
        for soup in matches:
            assert soup.html is not None and soup.html.get("lang") == lang, (path.name, soup.html.get("lang") if soup.html else None)
        checked.add(lang)
    assert checked == LANGS


def allowed_addresses() -> set[str]:
    """Addresses the site's owner wrote: settings, posts, pages, reading lists."""
    texts = [ROOT / "pelicanconf.py", ROOT / "publishconf.py"]
    for folder in ("posts", "pages", "reading"):
        texts += sorted((ROOT / "content" / folder).rglob("*.*"))
    found: set[str] = set()
    for path in texts:
        if path.suffix in (".md", ".py", ".yaml", ".yml"):
            found |= set(EMAIL.findall(path.read_text(encoding="utf-8")))
    return {a.lower() for a in found}


def test_no_commenter_email_in_the_comment_files() -> None:
    files = sorted((ROOT / "content" / "comments").rglob("*.y*ml"))
    assert files, "the sample site has comment threads"
    leaked = [f"{f.relative_to(ROOT)}: {m}" for f in files for m in EMAIL.findall(f.read_text(encoding="utf-8"))]
    assert not leaked, leaked


def test_no_address_but_the_sites_own_in_the_output(site: tuple[BuiltSite, str]) -> None:
    built, _ = site
    allowed = allowed_addresses()
    leaked = set()
    for path in built.output.rglob("*"):
        if path.suffix in (".html", ".xml", ".txt", ".json") and path.is_file():
            for address in EMAIL.findall(path.read_text(encoding="utf-8")):
                if address.lower() not in allowed:
                    leaked.add(f"{path.relative_to(built.output)}: {address}")
    assert not leaked, sorted(leaked)[:40]
