"""The exec report as one self-contained HTML page, also the source of the PDF (WeasyPrint).

Page 1 (`section.summary`) is the one-page A4 summary: headline, our score against each
competitor, the top causes, the period's alerts and three short quotes; the detail sections follow
on their own pages in print. Story text is untrusted: every story-derived string goes through
`html.escape`, and a link is kept only when it is http(s). The page's Content-Security-Policy
allows no script and images only as inline data, so even a mistake here could not load or run
anything; the PDF renderer is held to the same rule (`storywatch.reports.export`).
"""
from __future__ import annotations

import base64
import html
from datetime import UTC, datetime
from importlib import resources
from string import Template

import pandas as pd

from storywatch.nlp.cause_names import cause_name
from storywatch.reports.content import MIN_CAUSE_STORIES, ReportData, points, score

ALERTS_ON_SUMMARY = 4


def _net_cell(value: float | None) -> str:
    if value is None or pd.isna(value):
        return '<span class="nodata">–</span>'
    css = "neg" if value < 0 else "pos" if value > 0 else ""
    return f'<span class="{css}">{score(value)}</span>'


def _signed(value: float | None, digits: int = 0) -> str:
    if value is None or pd.isna(value):
        return '<span class="nodata">–</span>'
    css = "neg" if value < 0 else "pos" if value > 0 else ""
    text = f"{round(value):+d}" if digits == 0 else f"{value:+.{digits}f}"
    return f'<span class="{css}">{text}</span>'


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


def safe_link(url: object) -> str | None:
    """The URL when it is http(s), else None: a story's link is never javascript: or data:."""
    if isinstance(url, str) and url.lower().startswith(("http://", "https://")):
        return url
    return None


def _quote(row) -> str:
    published = "undated" if pd.isna(row.published_at) else f"{row.published_at:%d %b %Y}"
    source = f"{html.escape(row.brand)}, {published}, {html.escape(row.sentiment)}"
    link = safe_link(row.link)
    if link:
        source = f'<a href="{html.escape(link, quote=True)}">{source}</a>'
    return (f"<blockquote><p>“{html.escape(row.quote)}”</p><p class=\"meta\">"
            f"{html.escape(row.cause_name)} · {source}</p></blockquote>")


def _image(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt, quote=True)}" src="data:image/png;base64,{data}">'


def _headline(data: ReportData) -> str:
    first, *rest = data.headline or [""]
    more = " ".join(html.escape(s) for s in rest)
    return (f'<p class="headline">{html.escape(first)}</p>'
            f'<p class="headline-more">{more}</p>')


def _brand_table(data: ReportData) -> str:
    rows = [[html.escape(r.brand), "competitor" if r.is_competitor else "ours", str(r.stories),
             str(r.positive), str(r.negative), _net_cell(r.net_story_score),
             _net_cell(r.previous_net_score), _net_cell(r.change)]
            for r in data.brands.itertuples()]
    return _table(["Brand", "Side", "Stories", "Positive", "Negative", "Net score", "Before",
                   "Change"], rows, 2,
                  ["" if c else "ours" for c in data.brands["is_competitor"]])


def causes_heading(data: ReportData) -> str:
    if data.impact_method == "impact":
        return "Top causes by impact on our score"
    return "Our causes that moved most"


def chart_heading(data: ReportData) -> str:
    if data.impact_method == "impact":
        return "Impact per cause: ours beside each competitor's"
    return "Change in net stories per cause"


def _cause_table(data: ReportData) -> str:
    if data.causes.empty:
        return "<p>No story of ours named a cause in this period.</p>"
    by_impact = data.impact_method == "impact"
    rows = []
    for r in data.causes.itertuples():
        name = html.escape(r.cause_name) + (' <span class="few">(too few stories)</span>'
                                            if r.too_few else "")
        row = [name, html.escape(str(r.owner)), str(r.stories)]
        if by_impact:
            interval = ("" if pd.isna(r.impact_low) else
                        f' <span class="meta">({points(r.impact_low)} to '
                        f'{points(r.impact_high)})</span>')
            row.append(_signed(r.impact) + interval)
        row += [_net_cell(r.net_story_score), f"{int(r.net_stories):+d}",
                _signed(r.moved)]
        rows.append(row)
    headers = ["Cause", "Owner", "Stories", *(["Impact, points"] if by_impact else []),
               "Net score", "Net stories", "Change"]
    note = (f'<p class="meta">Impact: our net story score minus our score without the '
            f"cause's stories (below 0 the cause drags us down). Change: net stories "
            f"(positive minus negative) against {html.escape(data.compared_with)}.</p>")
    return _table(headers, rows, 2) + note


def _alerts(data: ReportData, limit: int | None = ALERTS_ON_SUMMARY) -> str:
    if data.alerts.empty:
        return "<p>No alerts in this period.</p>"
    shown = data.alerts if limit is None else data.alerts.head(limit)
    items = "".join(f"<li>{html.escape(r.sentence)}</li>" for r in shown.itertuples())
    more = len(data.alerts) - len(shown)
    tail = f'<p class="meta">{more} more in the XLSX.</p>' if more > 0 else ""
    return f'<ul class="alerts">{items}</ul>{tail}'


def _competitor_table(data: ReportData) -> str:
    frame = data.competitors
    if frame.empty or data.causes.empty:
        return "<p>No cause to compare in this period.</p>"
    brands = list(data.brands["brand"])
    cells = {(r.cause, r.brand): r for r in frame.itertuples()}
    rows = []
    for cause in data.causes.itertuples():
        row = [html.escape(cause.cause_name)]
        for brand in brands:
            found = cells.get((cause.cause, brand))
            if found is None:
                row.append('<span class="nodata">no data</span>')
            elif found.too_few:
                row.append(f'<span class="few">too few ({found.stories})</span>')
            else:
                row.append(f"{_net_cell(found.net_story_score)} ({found.stories})")
        rows.append(row)
    return _table(["Cause", *brands], rows, 1)


def _policy(data: ReportData) -> str:
    if not data.policy_changes:
        return ('<p class="meta">No policy changes recorded. Record one in storywatch.toml '
                '(<code>[[policy_changes]]</code> with date, cause and note) and the report '
                'compares the weeks before and after it.</p>')
    if data.policy.empty:
        return "<p>No recorded policy change falls on or before this period.</p>"
    items = "".join(f"<li>{html.escape(r.sentence)}</li>" for r in data.policy.itertuples())
    return ('<p class="meta">Ours only; the same number of days before and after each change; '
            "Fisher's exact test on the share of our stories that are negative about the cause "
            f'(p below 0.05: a change beyond chance).</p><ul class="alerts">{items}</ul>')


def render_html(data: ReportData, trend: bytes, causes_chart: bytes) -> str:
    """The report page for `data`, with the two chart PNGs inlined."""
    template = Template((resources.files("storywatch.reports") / "template.html")
                        .read_text("utf-8"))
    quotes = "".join(_quote(q) for q in data.quotes.itertuples()) or \
        "<p>No story of ours names a cause in this period.</p>"
    marks = [f"{c.day:%d %b %Y}: {cause_name(c.cause)}{' – ' + c.note if c.note else ''}"
             for c in data.policy_changes]
    progress = (f'<span class="progress">In progress: {html.escape(data.period_label)}, '
                "not a whole period.</span>" if data.in_progress else "")
    return template.substitute(
        title=html.escape(data.title),
        progress=progress,
        generated=datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        stories=int(data.brands["stories"].sum()),
        compared_with=html.escape(data.compared_with),
        headline=_headline(data),
        brand_table=_brand_table(data),
        causes_heading=html.escape(causes_heading(data)),
        cause_table=_cause_table(data),
        alerts=_alerts(data),
        quotes=quotes,
        trend_chart=_image(trend, "Net story score per week and brand"),
        policy_marks=(f'<p class="meta">Dashed lines: policy changes '
                      f'({html.escape("; ".join(marks))}).</p>' if marks else ""),
        chart_heading=html.escape(chart_heading(data)),
        cause_chart=_image(causes_chart, chart_heading(data)),
        competitor_table=_competitor_table(data),
        min_stories=MIN_CAUSE_STORIES,
        policy=_policy(data),
    )
