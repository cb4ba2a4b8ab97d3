"""WCAG 2.2 AA contrast of the theme tokens and the code colours, light and dark."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import pytest

from themekit.contrast import colour_tokens, contrast
from themekit.highlight import DiskursDark, DiskursLight, token_colours

ROOT = Path(__file__).resolve().parents[3]
TOKENS = colour_tokens(
    (ROOT / "theme/static/css/tokens.css").read_text(encoding="utf-8")
)

#: Text tokens must reach 4.5:1 on every surface text sits on.
TEXT = ["text", "muted", "accent", "accent-strong", "danger", "success", "code-text"]
SURFACES = ["bg", "surface", "code-bg"]
#: Focus rings and control borders need 3:1 (WCAG 1.4.11) against the page.
NON_TEXT = ["border-strong", "focus"]


def test_known_ratios() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)


def test_both_schemes_define_every_token() -> None:
    for scheme in ("light", "dark"):
        missing = {*TEXT, *SURFACES, *NON_TEXT, "on-accent"} - TOKENS[scheme].keys()
        assert not missing, f"{scheme}: {missing}"
    # Dark mode really re-binds the colours (not a copy of light).
    assert TOKENS["dark"]["bg"] != TOKENS["light"]["bg"]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("fg", "bg"), list(product(TEXT, SURFACES)))
def test_text_tokens_reach_aa(scheme: str, fg: str, bg: str) -> None:
    colours = TOKENS[scheme]
    ratio = contrast(colours[fg], colours[bg])
    assert ratio >= 4.5, f"{scheme}: --{fg} on --{bg} is {ratio:.2f}:1"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_text_on_accent_reaches_aa(scheme: str) -> None:
    colours = TOKENS[scheme]
    assert contrast(colours["on-accent"], colours["accent"]) >= 4.5


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("fg", NON_TEXT)
def test_non_text_tokens_reach_3_to_1(scheme: str, fg: str) -> None:
    colours = TOKENS[scheme]
    for bg in ("bg", "surface"):
        assert contrast(colours[fg], colours[bg]) >= 3.0, f"{scheme}: --{fg} on --{bg}"


@pytest.mark.parametrize(
    ("scheme", "style"), [("light", DiskursLight), ("dark", DiskursDark)]
)
def test_code_background_matches_the_token(scheme: str, style: type) -> None:
    assert style.background_color.lower() == TOKENS[scheme]["code-bg"]


@pytest.mark.parametrize("style", [DiskursLight, DiskursDark])
def test_every_code_token_reaches_aa(style: type) -> None:
    colours = token_colours(style)
    assert len(colours) > 10
    low = {
        token: round(contrast(colour, style.background_color), 2)
        for token, colour in colours.items()
        if contrast(colour, style.background_color) < 4.5
    }
    assert not low, f"{style.name}: {low}"
