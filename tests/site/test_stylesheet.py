"""The stylesheet's two palettes: complete, equal where they repeat, and WCAG AA in both.

axe checks the contrast of the text it finds on a page; these checks cover every pairing the
stylesheet means to use, also those no test page happens to show (a missed live call's badge,
a chart bar, a focus ring), in light and in dark.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "static" / "css" / "phonedash.css").read_text()
DARK_FOR_DEVICE = (
    r"@media screen and \(prefers-color-scheme: dark\) \{\s*"
    r':root:not\(\[data-theme="light"\]\) \{(.*?)\}'
)
DARK_FORCED = r'@media screen \{\s*:root\[data-theme="dark"\] \{(.*?)\}'
COLOUR = re.compile(r"--([\w-]+):\s*(#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}|rgb\([^)]*\))")

# (foreground, background) pairs: text needs 4.5:1, non-text (focus rings, field borders,
# chart bars and swatches, the missed-call stripe) 3:1.
TEXT = [
    *[("ink", bg) for bg in ("bg", "card", "head-bg", "row-hover", "missed-row", "field-bg")],
    *[("muted", bg) for bg in ("bg", "card", "head-bg", "row-hover", "missed-row", "live-bg")],
    *[("ink", bg) for bg in ("neutral-bg", "live-bg", "bad-bg", "warn-bg", "ok-bg")],
    *[("accent", bg) for bg in ("bg", "card", "row-hover", "missed-row", "bad-bg", "warn-bg")],
    ("accent", "live-bg"),
    ("accent-ink", "accent"),
    ("done-ink", "neutral-bg"),
    ("live", "live-bg"),
    ("warn", "warn-bg"),
    ("bad", "bad-bg"),
    ("ok", "ok-bg"),
    ("unknown", "unknown-bg"),
    ("bad", "card"),
    ("bad", "missed-row"),
    ("live", "card"),
    ("ok", "card"),
    ("mark-ink", "mark"),
]
NON_TEXT = [
    ("focus", "bg"),
    ("focus", "card"),
    ("field-border", "card"),
    ("field-border", "field-bg"),
    ("bad", "missed-row"),
    *[(bar, "card") for bar in ("ok", "bad", "accent", "muted")],
]


def palette(block: str) -> dict[str, str]:
    return dict(COLOUR.findall(block))


def light() -> dict[str, str]:
    return palette(re.search(r":root \{(.*?)\}", CSS, re.DOTALL).group(1))


def dark(pattern: str = DARK_FORCED) -> dict[str, str]:
    return palette(re.search(pattern, CSS, re.DOTALL).group(1))


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    high, low = sorted((luminance(one), luminance(other)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_it_repeats_the_dark_palette_exactly():
    """Once for the device's preference, once for ?theme=dark: one may not drift."""
    assert dark(DARK_FOR_DEVICE) == dark(DARK_FORCED)
    assert len(dark()) >= 20


def test_it_gives_every_colour_a_dark_value():
    assert set(light()) == set(dark())


def test_it_defines_every_variable_it_uses():
    defined = set(re.findall(r"--([\w-]+)\s*:", CSS))
    used = set(re.findall(r"var\(--([\w-]+)", CSS))
    assert used - defined == set()


def test_it_names_colours_only_in_the_palettes():
    """Rules use the variables, so dark mode reaches every section of the stylesheet."""
    rules = CSS
    for block in (r":root \{.*?\}", DARK_FOR_DEVICE, DARK_FORCED):
        rules = re.sub(block, "", rules, count=1, flags=re.DOTALL)
    literal = re.findall(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgb|hsl)a?\(|:\s*(?:white|black)\b", rules)
    assert literal == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_it_meets_wcag_aa_contrast(scheme):
    colours = light() if scheme == "light" else {**light(), **dark()}
    weak = [
        f"{fg} on {bg}: {contrast(colours[fg], colours[bg]):.2f}"
        for pairs, needed in ((TEXT, 4.5), (NON_TEXT, 3.0))
        for fg, bg in pairs
        if contrast(colours[fg], colours[bg]) < needed
    ]
    assert weak == []


def test_it_checks_contrast_the_wcag_way():
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
