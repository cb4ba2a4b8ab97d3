"""One stylesheet per site, named by its content.

A page that links a single small stylesheet renders after one request; a name
that changes with the content lets the file be cached for good. The bundle is
tokens, the theme's base files, the generated code colours, every component
file (so a plugin only drops its CSS into ``components/``), then print rules.
"""

from __future__ import annotations

from dataclasses import dataclass
import hashlib
from pathlib import Path
import re

from themekit.highlight import pygments_css

#: The theme's own files, in cascade order, relative to ``static/css``.
BASE_FILES = (
    "tokens.css",
    "base.css",
    "layout.css",
    "prose.css",
    "listing.css",
    "code.css",
)
PRINT_FILE = "print.css"
COMPONENTS_DIR = "components"


@dataclass(frozen=True, slots=True)
class Stylesheet:
    """The bundled CSS and the output path it is published under."""

    path: str
    text: str


def bundle_css(css_dir: str | Path, out_dir: str = "theme/css") -> Stylesheet:
    """Concatenate the theme's CSS in cascade order and name it by its hash.

    Missing base files are skipped (a theme may drop one); components are taken
    in name order so the result never depends on the file system's listing.
    """
    root = Path(css_dir)
    parts: list[str] = []
    for name in BASE_FILES:
        path = root / name
        if path.is_file():
            parts.append(_section(name, path.read_text(encoding="utf-8")))
    parts.append(pygments_css())
    for path in sorted((root / COMPONENTS_DIR).glob("*.css")):
        parts.append(
            _section(f"{COMPONENTS_DIR}/{path.name}", path.read_text(encoding="utf-8"))
        )
    print_path = root / PRINT_FILE
    if print_path.is_file():
        body = print_path.read_text(encoding="utf-8")
        parts.append(_section(PRINT_FILE, f"@media print {{\n{body}\n}}"))
    text = minify("\n".join(parts))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
    return Stylesheet(path=f"{out_dir.strip('/')}/site.{digest}.css", text=text)


def _section(name: str, css: str) -> str:
    return f"/* --- {name} --- */\n{css.strip()}\n"


# Strings are kept as written; comments go; whitespace shrinks to one space and
# disappears next to braces and semicolons, where it never means anything.
_TOKENS = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')|/\*.*?\*/|(\s+)""", re.S)
_AROUND = re.compile(r"\s*([{};])\s*")
_STRINGS = re.compile(r"""("(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*')""")


def minify(css: str) -> str:
    """A conservative CSS minifier: no comments, no insignificant whitespace."""
    out: list[str] = []
    pos = 0
    for match in _TOKENS.finditer(css):
        out.append(_AROUND.sub(r"\1", css[pos : match.start()]))
        if match.group(1):
            out.append(match.group(1))
        elif match.group(2):
            before = out[-1][-1:] if out and out[-1] else ""
            after = css[match.end() : match.end() + 1]
            if before and before not in "{};" and after not in "{};":
                out.append(" ")
        pos = match.end()
    out.append(_AROUND.sub(r"\1", css[pos:]))
    # The last declaration of a block needs no semicolon; strings keep theirs.
    parts = _STRINGS.split("".join(out))
    return (
        "".join(
            part if i % 2 else part.replace(";}", "}") for i, part in enumerate(parts)
        ).strip()
        + "\n"
    )


def write_stylesheet(sheet: Stylesheet, output_path: str | Path) -> Path:
    """Write the bundle below the output folder; returns the file written."""
    target = Path(output_path) / sheet.path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(sheet.text, encoding="utf-8")
    return target
