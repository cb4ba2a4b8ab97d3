"""What a built page refers to: links, assets, CSS url()s, resolved against the output.

Shared by the link test (everything internal must resolve) and the privacy test
(nothing may be fetched from another host). Pages are read as a browser would
resolve them: relative URLs against the page's own URL, absolute ones against
the site's SITEURL.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
import re
from urllib.parse import unquote, urljoin, urlsplit

from bs4 import BeautifulSoup

#: Where a local build (SITEURL = "") pretends to live, to resolve relative URLs.
LOCAL_BASE = "http://site.invalid/"

#: Elements and attributes that make the browser fetch something by itself.
FETCHED = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "source": ("src", "srcset"),
    "video": ("src", "poster"),
    "audio": ("src",),
    "track": ("src",),
    "object": ("data",),
    "embed": ("src",),
    "input": ("src",),
    "form": ("action",),
    "image": ("href", "xlink:href"),
    "use": ("href", "xlink:href"),
}
#: <link rel=...> values that fetch (or connect) rather than just point.
FETCHING_RELS = frozenset({
    "stylesheet", "icon", "shortcut", "apple-touch-icon", "mask-icon", "manifest",
    "preload", "prefetch", "modulepreload", "preconnect", "dns-prefetch", "prerender",
})
CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""", re.IGNORECASE)


@dataclass(frozen=True)
class Ref:
    """One reference on a page: where it is and where it points."""

    page: str  # the page's path in the output, e.g. "2017/x/index.html"
    element: str  # e.g. "img[src]" or "a[href]" or "style.css url()"
    url: str  # as written
    absolute: str  # resolved against the page's URL

    @property
    def fetched(self) -> bool:
        return not self.element.startswith(("a[", "area[", "link[rel=alternate", "link[rel=canonical"))


def site_base(siteurl: str) -> str:
    return (siteurl.rstrip("/") + "/") if siteurl else LOCAL_BASE


def page_url(base: str, rel: str) -> str:
    return urljoin(base, rel.replace("\\", "/"))


def _srcset(value: str) -> list[str]:
    return [part.strip().split()[0] for part in value.split(",") if part.strip()]


def page_refs(soup: BeautifulSoup, rel: str, base: str) -> Iterator[Ref]:
    """Every URL a page links to or loads, resolved against the page's own URL."""
    here = page_url(base, rel)
    base_tag = soup.find("base", href=True)
    if base_tag is not None:
        here = urljoin(here, str(base_tag["href"]))

    def ref(element: str, url: str) -> Ref:
        return Ref(rel, element, url, urljoin(here, url.strip()))

    for tag in soup.find_all(["a", "area"], href=True):
        yield ref(f"{tag.name}[href]", str(tag["href"]))
    for tag in soup.find_all("link", href=True):
        rels = {r.lower() for r in (tag.get("rel") or [])}
        kind = "fetch" if rels & FETCHING_RELS else next(iter(sorted(rels)), "none")
        yield ref(f"link[rel={kind}]", str(tag["href"]))
    for name, attrs in FETCHED.items():
        for tag in soup.find_all(name):
            for attr in attrs:
                value = tag.get(attr)
                if not value:
                    continue
                urls = _srcset(str(value)) if attr == "srcset" else [str(value)]
                for url in urls:
                    yield ref(f"{name}[{attr}]", url)
    for tag in soup.find_all("meta", attrs={"http-equiv": re.compile("^refresh$", re.I)}):
        match = re.search(r"url\s*=\s*(\S+)", str(tag.get("content", "")), re.I)
        if match:
            yield ref("meta[refresh]", match.group(1).strip("'\""))
    for tag in soup.find_all(style=True):
        for url in css_urls(str(tag["style"])):
            yield ref(f"{tag.name}[style] url()", url)
    for tag in soup.find_all("style"):
        for url in css_urls(tag.get_text()):
            yield ref("style url()", url)


def css_urls(text: str) -> list[str]:
    """The URLs a stylesheet loads: url(...) and @import."""
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return [m.group(2) or m.group(4) for m in CSS_URL.finditer(text) if (m.group(2) or m.group(4))]


def is_internal(absolute: str, base: str) -> bool:
    """True for URLs on the site itself (http(s) on its host, below its path)."""
    if urlsplit(absolute).scheme not in ("http", "https"):
        return False
    root = base.rstrip("/")
    return absolute == root or absolute.startswith(root + "/")


def is_local_scheme(absolute: str) -> bool:
    """Schemes that fetch nothing from a network host."""
    return urlsplit(absolute).scheme in ("data", "mailto", "tel", "about", "blob")


def target(output: Path, absolute: str, base: str) -> Path:
    """The output file an internal URL names (a folder means its index.html)."""
    path = unquote(urlsplit(absolute).path)
    base_path = urlsplit(base).path
    rel = path[len(base_path):] if path.startswith(base_path) else path.lstrip("/")
    candidate = output / rel
    if rel == "" or rel.endswith("/") or candidate.is_dir():
        candidate = candidate / "index.html"
    return candidate
