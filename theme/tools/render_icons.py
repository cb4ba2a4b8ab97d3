"""Render theme/static/favicon.svg to the PNG fallbacks kept next to it.

Run after changing the SVG: ``.venv/bin/python theme/tools/render_icons.py``.
Uses Debian's Chromium through Playwright (the test tools), so the PNGs are
made from our own drawing, not downloaded. themekit wraps favicon-32.png into
/favicon.ico at build time.
"""

from __future__ import annotations

from pathlib import Path
import sys

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from support.browser import launch_browser  # noqa: E402

STATIC = ROOT / "theme" / "static"
SIZES = {"favicon-32.png": 32, "apple-touch-icon.png": 180}


def main() -> None:
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    with launch_browser() as browser:
        for name, size in SIZES.items():
            page = browser.new_page(
                viewport={"width": size, "height": size}, color_scheme="light"
            )
            sized = svg.replace("<svg ", f'<svg width="{size}" height="{size}" ', 1)
            page.set_content(f"<html><body style='margin:0'>{sized}</body></html>")
            clip = {"x": 0, "y": 0, "width": size, "height": size}
            page.screenshot(path=str(STATIC / name), omit_background=True, clip=clip)
            page.close()
            print(f"wrote {STATIC / name}")


if __name__ == "__main__":
    main()
