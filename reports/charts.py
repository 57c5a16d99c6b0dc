"""The exec report's and the dashboard's charts, drawn with matplotlib (nothing downloaded).

Charts are PNG bytes, so the HTML report (and the PDF that WeasyPrint makes from the same HTML)
can inline them and the dashboard can offer them as downloads; the report's charts are drawn at
A4 text width. Story text is drawn as plain text (matplotlib's mathtext is switched off by
escaping `$`). Only matplotlib's object API is used, never pyplot's global state, so the
dashboard can draw from several threads.
"""
from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd
from matplotlib import rc_context
from matplotlib.cm import ScalarMappable
from matplotlib.colors import LinearSegmentedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from storywatch.reports.palette import SCORE_SCALE, brand_colours

STYLE = {"pdf.fonttype": 42, "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False}
A4_TEXT_WIDTH = 7.0  # inches: A4's 8.27 less the report's page margins
PRINT_DPI = 150


def plain(text: object) -> str:
    """Text matplotlib draws literally: no mathtext from `$`."""
    return str(text).replace("$", r"\$")


def _png(figure: Figure, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def trend_figure(weekly: pd.DataFrame, title: str, by: str = "brand",
                 colours: Mapping[str, str] | None = None,
                 marks: Sequence[tuple[date, str]] = (), width: float = 7.5) -> Figure:
    """Net story score per week, one line per value of `by` (a brand, or a cause), in the
    shared brand colours when given (storywatch.reports.palette.brand_colours); `marks`
    (day, label) draw dated events such as policy changes as labelled dashed lines."""
    with rc_context(STYLE):
        figure = Figure(figsize=(width, 3.2))
        axes = figure.subplots()
        for brand, rows in weekly.groupby(by, sort=False):
            axes.plot(pd.to_datetime(rows["week"]), rows["net_story_score"], marker="o",
                      label=plain(brand), color=(colours or {}).get(brand))
        axes.axhline(0, color="#999", linewidth=0.8)
        axes.set_ylim(-105, 105)
        weeks = pd.to_datetime(weekly["week"]) if len(weekly) else pd.Series(dtype="datetime64[ns]")
        if weeks.nunique() == 1:  # else matplotlib spans years around a single week
            axes.set_xlim(weeks.min() - pd.Timedelta(days=10), weeks.max() + pd.Timedelta(days=10))
        for day, label in marks:
            axes.axvline(pd.Timestamp(day), color="#555", linestyle="--", linewidth=0.9)
            axes.text(pd.Timestamp(day), 100, " " + plain(label), fontsize=7, va="top",
                      ha="left", color="#333")
        axes.set_ylabel("Net story score")
        axes.set_title(plain(title), loc="left")
        if len(weekly):
            axes.legend(loc="upper left", fontsize=8, frameon=False)
        figure.autofmt_xdate()
    return figure


def movers_figure(movers: pd.DataFrame, title: str) -> Figure:
    """Change in net stories per cause: red bars lost stories, green bars gained them."""
    with rc_context(STYLE):
        figure = Figure(figsize=(7.5, 0.5 + 0.45 * max(len(movers), 1)))
        axes = figure.subplots()
        ordered = movers.iloc[::-1]
        colours = ["#b00020" if moved < 0 else "#1b7f3b" for moved in ordered["moved"]]
        labels = [plain(f"{r.cause} ({r.owner})") for r in ordered.itertuples()]
        axes.barh(labels, ordered["moved"], color=colours)
        axes.axvline(0, color="#999", linewidth=0.8)
        axes.set_xlabel("Change in net stories (positive minus negative) vs previous period")
        axes.set_title(plain(title), loc="left")
    return figure


def trend_png(weekly: pd.DataFrame, title: str, by: str = "brand",
              colours: Mapping[str, str] | None = None) -> bytes:
    return _png(trend_figure(weekly, title, by, colours))


def bars_png(frame: pd.DataFrame, title: str, category: str, group: str, value: str,
             label: str, colours: Mapping[str, str] | None = None) -> bytes:
    """Grouped bars: `value` per `category` (one bar per `group` within it), as PNG."""
    table = frame.pivot_table(index=category, columns=group, values=value, aggfunc="sum",
                              sort=False).fillna(0)
    with rc_context(STYLE):
        figure = Figure(figsize=(7.5, 3.2))
        axes = figure.subplots()
        width = 0.8 / max(len(table.columns), 1)
        positions = range(len(table.index))
        for number, column in enumerate(table.columns):
            axes.bar([x + number * width for x in positions], table[column], width,
                     label=plain(column), color=(colours or {}).get(column))
        axes.set_xticks([x + 0.4 - width / 2 for x in positions],
                        [plain(str(i)[:10]) for i in table.index],
                        rotation=45, ha="right")
        axes.set_ylabel(plain(label))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts are whole numbers
        axes.set_title(plain(title), loc="left")
        if len(table.columns):
            axes.legend(loc="upper left", fontsize=8, frameon=False)
    return _png(figure)


def heatmap_png(gap: pd.DataFrame, title: str) -> bytes:
    """The competitor gap per cause (rows) and competitor (columns), red to blue, as PNG."""
    table = gap.pivot_table(index="cause", columns="competitor", values="gap", aggfunc="first")
    with rc_context(STYLE):
        figure = Figure(figsize=(1.8 + 1.3 * max(len(table.columns), 1),
                                 1.0 + 0.35 * max(len(table.index), 1)))
        axes = figure.subplots()
        if table.empty:
            axes.text(0.5, 0.5, "No competitor to compare with", ha="center", va="center")
            axes.set_axis_off()
            return _png(figure)
        # A gap runs from -200 (we are all negative, they all positive) to +200.
        image = axes.imshow(table.to_numpy(dtype=float), cmap="RdBu", vmin=-200, vmax=200,
                            aspect="auto")
        axes.set_xticks(range(len(table.columns)), [plain(c) for c in table.columns])
        axes.set_yticks(range(len(table.index)), [plain(c) for c in table.index])
        for row, cause in enumerate(table.index):
            for column, competitor in enumerate(table.columns):
                value = table.loc[cause, competitor]
                if pd.notna(value):
                    axes.text(column, row, f"{value:+.1f}", ha="center", va="center", fontsize=8)
        figure.colorbar(image, ax=axes, label="Gap (ours minus theirs)")
        axes.set_title(plain(title), loc="left")
    return _png(figure)


def comparison_png(cells: pd.DataFrame, title: str) -> bytes:
    """The competitor comparison (storywatch.reports.comparison cells): per cause (rows) each
    side's score on the shared diverging scale, labelled with its volume or "too few"/"no data"."""
    causes = list(dict.fromkeys(cells["cause_name"]))
    columns = list(dict.fromkeys(cells["column"]))
    with rc_context(STYLE):
        figure = Figure(figsize=(2.6 + 1.5 * max(len(columns), 1),
                                 0.9 + 0.36 * max(len(causes), 1)))
        axes = figure.subplots()
        if cells.empty:
            axes.text(0.5, 0.5, "No competitor to compare with", ha="center", va="center")
            axes.set_axis_off()
            return _png(figure)
        for cell in cells.itertuples():
            row, column = causes.index(cell.cause_name), columns.index(cell.column)
            axes.add_patch(Rectangle((column - 0.5, row - 0.5), 1, 1, facecolor=cell.fill,
                                     edgecolor="white", linewidth=1.5))
            axes.text(column, row, plain(cell.label), ha="center", va="center", fontsize=7.5,
                      color=cell.text)
        axes.set_xlim(-0.5, len(columns) - 0.5)
        axes.set_ylim(len(causes) - 0.5, -0.5)
        axes.set_xticks(range(len(columns)), [plain(c) for c in columns])
        axes.xaxis.tick_top()
        axes.set_yticks(range(len(causes)), [plain(c) for c in causes])
        axes.tick_params(length=0)
        for side in axes.spines.values():
            side.set_visible(False)
        scale = ScalarMappable(Normalize(-100, 100), LinearSegmentedColormap.from_list(
            "score", list(SCORE_SCALE)))
        figure.colorbar(scale, ax=axes, label="Net story score on the cause", shrink=0.6)
        axes.set_title(plain(title), loc="left", pad=24)
    return _png(figure)


def impact_png(impact: pd.DataFrame, title: str, colours: Mapping[str, str] | None = None) -> bytes:
    """Ranked bars of driver impact per cause (rows, in the frame's order), one bar per brand,
    with its 95% interval; rows marked too_few are drawn pale."""
    causes = list(dict.fromkeys(impact["cause_name"]))
    brands = list(dict.fromkeys(impact["brand"]))
    colours = colours or brand_colours(zip(impact["brand"], impact["is_competitor"],
                                           strict=True))
    with rc_context(STYLE):
        rows = max(len(causes), 1) * max(len(brands), 1) ** 0.5
        figure = Figure(figsize=(7.5, 0.9 + 0.32 * rows))
        axes = figure.subplots()
        if impact.empty:
            axes.text(0.5, 0.5, "No causes found", ha="center", va="center")
            axes.set_axis_off()
            return _png(figure)
        height = 0.8 / max(len(brands), 1)
        for number, brand in enumerate(brands):
            rows = impact.loc[impact["brand"] == brand]
            y = [causes.index(c) - 0.4 + height * (number + 0.5) for c in rows["cause_name"]]
            values = rows["impact"].astype(float).fillna(0)
            axes.barh(y, values, height, color=colours.get(brand), label=plain(brand))
            for where, row, value in zip(y, rows.itertuples(), values, strict=True):
                if row.too_few:
                    axes.barh(where, value, height, color="white", alpha=0.6)
                elif pd.notna(row.impact_low):
                    axes.plot([row.impact_low, row.impact_high], [where, where], color="#333",
                              linewidth=0.8)
        axes.axvline(0, color="#999", linewidth=0.8)
        axes.set_yticks(range(len(causes)), [plain(c) for c in causes])
        axes.set_ylim(len(causes) - 0.5, -0.5)
        axes.set_xlabel("Impact on the net story score (points; pale: too few stories)")
        axes.set_title(plain(title), loc="left")
        axes.legend(loc="lower right", fontsize=8, frameon=False)
    return _png(figure)


def movers_png(movers: pd.DataFrame, title: str) -> bytes:
    return _png(movers_figure(movers, title))


def cause_bars_figure(causes: pd.DataFrame, value: str, label: str, title: str) -> Figure:
    """The report's top causes as horizontal bars of `value` (impact points or net stories),
    worst at the top, sized for A4; a cause from too few stories is drawn pale and says so."""
    with rc_context(STYLE):
        figure = Figure(figsize=(A4_TEXT_WIDTH, 0.6 + 0.32 * max(len(causes), 1)))
        axes = figure.subplots()
        ordered = causes.iloc[::-1]
        values = ordered[value].fillna(0)
        colours = ["#b00020" if v < 0 else "#1b7f3b" for v in values]
        alphas = [0.35 if few else 1.0 for few in ordered["too_few"]]
        names = [plain(f"{r.cause_name}{' (too few stories)' if r.too_few else ''}")
                 for r in ordered.itertuples()]
        bars = axes.barh(names, values, color=colours)
        for bar, alpha in zip(bars, alphas):
            bar.set_alpha(alpha)
        axes.axvline(0, color="#999", linewidth=0.8)
        axes.set_xlabel(plain(label))
        axes.set_title(plain(title), loc="left")
    return figure


def print_png(figure: Figure) -> bytes:
    """A report chart as PNG at print resolution."""
    return _png(figure, PRINT_DPI)
