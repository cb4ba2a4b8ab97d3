"""themekit.assets and themekit.highlight: one hashed stylesheet in cascade order."""

from __future__ import annotations

from pathlib import Path
import re

import pytest

from themekit.assets import bundle_css, minify, write_stylesheet
from themekit.highlight import pygments_css

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def css_dir(tmp_path: Path) -> Path:
    (tmp_path / "components").mkdir()
    (tmp_path / "tokens.css").write_text(":root { --bg: #fff; }\n")
    (tmp_path / "base.css").write_text("body { color: var(--text); }\n")
    (tmp_path / "components" / "zeta.css").write_text(".zeta { margin: 0; }\n")
    (tmp_path / "components" / "alpha.css").write_text(".alpha { margin: 0; }\n")
    (tmp_path / "print.css").write_text(".site-nav { display: none; }\n")
    return tmp_path


def test_bundle_order_tokens_base_code_components_print(css_dir: Path) -> None:
    text = bundle_css(css_dir).text
    positions = [
        text.index(s)
        for s in (":root", "body{", ".highlight", ".alpha", ".zeta", "@media print")
    ]
    assert positions == sorted(positions)
    assert "@media print{.site-nav{display: none}}" in text


def test_name_is_a_content_hash(css_dir: Path) -> None:
    first = bundle_css(css_dir)
    assert re.fullmatch(r"theme/css/site\.[0-9a-f]{12}\.css", first.path)
    assert bundle_css(css_dir).path == first.path
    (css_dir / "components" / "new.css").write_text(".new { color: red; }\n")
    assert bundle_css(css_dir).path != first.path


def test_write_stylesheet(css_dir: Path, tmp_path: Path) -> None:
    sheet = bundle_css(css_dir, "assets")
    written = write_stylesheet(sheet, tmp_path / "out")
    assert written == tmp_path / "out" / sheet.path
    assert written.read_text(encoding="utf-8") == sheet.text


def test_minify_drops_comments_and_spaces_but_keeps_strings() -> None:
    css = (
        '/* note */\na:hover ,  b > c {\n  content: "a  /* b */ ;" ;\n'
        "  margin : 0 auto;\n}\n"
    )
    out = minify(css)
    assert "note" not in out
    assert '"a  /* b */ ;"' in out
    assert "b > c{" in out
    assert "margin : 0 auto" in out


def test_the_theme_bundle_is_small_and_has_every_component() -> None:
    sheet = bundle_css(ROOT / "theme/static/css")
    for component in (ROOT / "theme/static/css/components").glob("*.css"):
        assert f"components/{component.name}" not in sheet.text  # comments are gone
    assert "--bg:" in sheet.text and "@media print" in sheet.text
    # Lighthouse flags render-blocking CSS by its size; keep the one file small.
    assert len(sheet.text.encode()) < 40_000


def test_pygments_css_is_scoped_and_has_a_dark_variant() -> None:
    css = pygments_css()
    rules = [
        line.strip()
        for line in css.splitlines()
        if "{" in line and not line.startswith("@")
    ]
    assert rules and all(r.startswith(".highlight") for r in rules)
    light, dark = css.split("@media (prefers-color-scheme: dark)")
    assert ".highlight .k" in light and ".highlight .k" in dark
    assert light.count(".highlight .k ") == 1
