"""WCAG 2.2 contrast of the theme's colour tokens, in both colour schemes.

The theme promises AA contrast; a token changed by hand can break it silently.
This reads the custom properties from tokens.css (the light ``:root`` block and
the one inside ``prefers-color-scheme: dark``) so tests can check every pair.
"""

from __future__ import annotations

import re

_BLOCK = re.compile(r":root\s*\{(?P<body>[^}]*)\}")
_DARK = re.compile(
    r"@media\s*\(\s*prefers-color-scheme\s*:\s*dark\s*\)\s*\{(?P<body>.*?)\}\s*\}", re.S
)
_PROP = re.compile(r"--(?P<name>[\w-]+)\s*:\s*(?P<value>[^;]+);")
_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """Relative luminance of a ``#rgb`` or ``#rrggbb`` colour (WCAG definition)."""
    hexa = colour.lstrip("#")
    if len(hexa) == 3:
        hexa = "".join(ch * 2 for ch in hexa)
    r, g, b = (int(hexa[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(fg: str, bg: str) -> float:
    """Contrast ratio between two colours, 1.0 to 21.0."""
    hi, lo = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def _props(body: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for match in _PROP.finditer(body):
        value = match.group("value").strip()
        if _HEX.fullmatch(value):
            found[match.group("name")] = value.lower()
    return found


def colour_tokens(css: str) -> dict[str, dict[str, str]]:
    """``{"light": {...}, "dark": {...}}``: hex colour tokens of each scheme.

    Dark starts from light and applies the dark overrides, as the browser does.
    """
    dark_match = _DARK.search(css)
    light_css = (
        css[: dark_match.start()] + css[dark_match.end() :] if dark_match else css
    )
    light: dict[str, str] = {}
    for block in _BLOCK.finditer(light_css):
        light.update(_props(block.group("body")))
    dark = dict(light)
    if dark_match:
        dark.update(_props(dark_match.group("body")))
    return {"light": light, "dark": dark}
