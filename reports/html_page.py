"""The exec report as one self-contained HTML page: escaped story text, charts inlined as PNG.

Story text is untrusted: every story-derived string goes through `html.escape`, and a link is kept
only when it is http(s). The page's Content-Security-Policy allows no script and images only as
inline data, so even a mistake here could not load or run anything.
"""
from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from importlib import resources
from string import Template

import pandas as pd

from storywatch.reports.content import ReportData, headline_sentences, score

QUOTE_CHARS = 400


def _net_cell(value: float | None) -> str:
    if value is None or pd.isna(value):
        return "–"
    css = "neg" if value < 0 else "pos" if value > 0 else ""
    return f'<span class="{css}">{score(value)}</span>'


def _table(headers: list[str], rows: list[list[str]], numbers_from: int,
           row_classes: list[str] | None = None) -> str:
    """An HTML table from cells that are already escaped; columns from `numbers_from` on are
    numbers, aligned right."""
    def align(index: int) -> str:
        return ' class="num"' if index >= numbers_from else ""

    head = "".join(f"<th{align(i)}>{html.escape(name)}</th>" for i, name in enumerate(headers))
    body = "".join(
        f'<tr class="{row_classes[r] if row_classes else ""}">'
        + "".join(f"<td{align(i)}>{cell}</td>" for i, cell in enumerate(row)) + "</tr>"
        for r, row in enumerate(rows)
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _quote(row) -> str:
    text = row.body if len(row.body) <= QUOTE_CHARS else row.body[:QUOTE_CHARS].rstrip() + "…"
    published = "undated" if pd.isna(row.published_at) else f"{row.published_at:%Y-%m-%d}"
    source = f"{html.escape(row.brand)}, {published}, {row.sentiment}"
    if isinstance(row.link, str):
        source = f'<a href="{html.escape(row.link, quote=True)}">{source}</a>'
    return f"<blockquote><p>{html.escape(text)}</p><p class=\"meta\">{source}</p></blockquote>"


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">'


def _movers(data: ReportData) -> str:
    if data.movers.empty:
        return "<p>No cause was named in this period or the one before.</p>"
    parts = []
    for row in data.movers.itertuples():
        direction = "fewer" if row.moved > 0 else "more"
        parts.append(
            f"<h3>{html.escape(row.cause)} <span class=\"meta\">({html.escape(row.owner)})"
            f"</span></h3><p>{row.stories} stories now, {row.previous_stories} before; net "
            f"stories {row.net_stories:+d} (was {row.previous_net_stories:+d}): "
            f"{abs(int(row.moved))} {direction} net negative stories.</p>"
        )
        quotes = data.quotes[data.quotes["cause"] == row.cause]
        parts.append("".join(_quote(q) for q in quotes.itertuples())
                     or '<p class="meta">No story of ours names it in this period.</p>')
    return "".join(parts)


def render_html(data: ReportData, trend: bytes, movers: bytes) -> str:
    """The report page for `data`, with the two chart PNGs inlined."""
    rows = [[html.escape(r.brand), "competitor" if r.is_competitor else "ours", str(r.stories),
             str(r.positive), str(r.negative), _net_cell(r.net_story_score),
             _net_cell(r.previous_net_score), _net_cell(r.change)]
            for r in data.brands.itertuples()]
    mover_rows = [[html.escape(r.cause), html.escape(r.owner), str(r.stories),
                   str(r.previous_stories), _net_cell(r.net_story_score),
                   _net_cell(r.previous_net_score), f"{int(r.moved):+d}"]
                  for r in data.movers.itertuples()]
    template = Template((resources.files("storywatch.reports") / "template.html").read_text("utf-8"))
    return template.substitute(
        title=html.escape(data.title),
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stories=int(data.brands["stories"].sum()),
        headline=" ".join(html.escape(s) for s in headline_sentences(data)),
        brand_table=_table(["Brand", "Side", "Stories", "Positive", "Negative", "Net score",
                            "Previous", "Change"], rows, 2,
                           ["" if c else "ours" for c in data.brands["is_competitor"]]),
        trend_chart=_image(trend, "Net story score per week and brand"),
        mover_table=_table(["Cause", "Owner", "Stories", "Before", "Net score", "Before",
                            "Moved"], mover_rows, 2),
        movers_chart=_image(movers, "Causes that moved most"),
        movers=_movers(data),
    )
