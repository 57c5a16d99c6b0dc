"""Colours shared by the dashboard and the exec report's charts, so a brand looks the same in both.

A brand's colour follows from the whole list of brands the warehouse knows (ours first, then
competitors, each by name), never from what a filter left on screen: Northwind keeps its blue
when a competitor is filtered out. Our brands take blues, competitors take colours that are
easy to tell apart from blue and from each other (Okabe-Ito, safe for colour-blind readers).
Scores use one diverging scale, red (negative) through light grey to blue (positive), over their
whole range, with cell text dark or white by the background's lightness.
"""
from __future__ import annotations

from collections.abc import Iterable

OURS = ("#1f4e9c", "#4f8fd6", "#0b2f66", "#7fb2e8")
COMPETITORS = ("#e69f00", "#cc79a7", "#009e73", "#d55e00", "#8c6d31", "#6a3d9a", "#999933",
               "#b15928")
NO_DATA = "#e6e6e6"
TOO_FEW = "#f4f4f4"
# Red to blue through a light grey: the ends of the score range and its middle.
SCORE_SCALE = ("#b2182b", "#f7f7f7", "#2166ac")


def brand_colours(brands: Iterable[tuple[str, bool]]) -> dict[str, str]:
    """{brand: colour} for (brand, is_competitor) pairs; the same input gives the same colours."""
    pairs = sorted({(bool(is_competitor), str(brand)) for brand, is_competitor in brands})
    colours, ours, theirs = {}, 0, 0
    for is_competitor, brand in pairs:
        if is_competitor:
            colours[brand] = COMPETITORS[theirs % len(COMPETITORS)]
            theirs += 1
        else:
            colours[brand] = OURS[ours % len(OURS)]
            ours += 1
    return colours


def _mix(low: str, high: str, weight: float) -> tuple[float, float, float]:
    one = [int(low[i:i + 2], 16) for i in (1, 3, 5)]
    two = [int(high[i:i + 2], 16) for i in (1, 3, 5)]
    return tuple((a + (b - a) * weight) / 255 for a, b in zip(one, two, strict=True))


def score_colour(score: float, limit: float = 100.0) -> tuple[float, float, float]:
    """RGB (0..1) of a score on the diverging scale from -limit to +limit (linear between the
    three SCORE_SCALE colours, as Vega draws `Scale(domain=[-limit, 0, limit], range=...)`)."""
    low, middle, high = SCORE_SCALE
    share = max(-1.0, min(1.0, float(score) / limit))
    return _mix(middle, low, -share) if share < 0 else _mix(middle, high, share)


def luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG relative luminance of an sRGB colour (0..1 channels)."""
    def linear(channel: float) -> float:
        return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4
    red, green, blue = (linear(channel) for channel in rgb)
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(one: float, two: float) -> float:
    """WCAG contrast ratio of two luminances."""
    return (max(one, two) + 0.05) / (min(one, two) + 0.05)


def text_colour(background: tuple[float, float, float]) -> str:
    """Black or white, whichever contrasts more with the background (WCAG)."""
    shade = luminance(background)
    return "#000000" if contrast(shade, 0.0) >= contrast(shade, 1.0) else "#ffffff"


def hex_colour(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(part * 255):02x}" for part in rgb)

