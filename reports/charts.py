"""The exec report's charts and its PDF, drawn with matplotlib (no browser, nothing downloaded).

Charts are PNG bytes, so the HTML report can inline them and the dashboard can offer them as
downloads. The PDF is built page by page with matplotlib's PdfPages and TrueType fonts, so its
text can be searched and copied. Story text is drawn as plain text (matplotlib's mathtext is
switched off by escaping `$`). Only matplotlib's object API is used, never pyplot's global
state, so the dashboard can draw from several threads.
"""
from __future__ import annotations

import io
import textwrap

import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

STYLE = {"pdf.fonttype": 42, "font.size": 9, "axes.spines.top": False,
         "axes.spines.right": False}
PAGE = (8.27, 11.69)  # A4 portrait, inches


def plain(text: object) -> str:
    """Text matplotlib draws literally: no mathtext from `$`."""
    return str(text).replace("$", r"\$")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def trend_figure(weekly: pd.DataFrame, title: str, by: str = "brand") -> Figure:
    """Net story score per week, one line per value of `by` (a brand, or a cause)."""
    with rc_context(STYLE):
        figure = Figure(figsize=(7.5, 3.2))
        axes = figure.subplots()
        for brand, rows in weekly.groupby(by, sort=False):
            axes.plot(pd.to_datetime(rows["week"]), rows["net_story_score"], marker="o",
                      label=plain(brand))
        axes.axhline(0, color="#999", linewidth=0.8)
        axes.set_ylim(-105, 105)
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


def trend_png(weekly: pd.DataFrame, title: str, by: str = "brand") -> bytes:
    return _png(trend_figure(weekly, title, by))


def bars_png(frame: pd.DataFrame, title: str, category: str, group: str, value: str,
             label: str) -> bytes:
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
                     label=plain(column))
        axes.set_xticks([x + 0.4 - width / 2 for x in positions],
                        [plain(str(i)[:10]) for i in table.index],
                        rotation=45, ha="right")
        axes.set_ylabel(plain(label))
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
        image = axes.imshow(table.to_numpy(dtype=float), cmap="RdBu", vmin=-100, vmax=100,
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


def movers_png(movers: pd.DataFrame, title: str) -> bytes:
    return _png(movers_figure(movers, title))


def _text_page(pdf: PdfPages, title: str, blocks: list[tuple[str, str]]) -> None:
    """One A4 page of wrapped text; blocks are (style, text) with style 'h' or 'p'."""
    with rc_context(STYLE):
        figure = Figure(figsize=PAGE)
        y = 0.95
        figure.text(0.07, y, plain(title), fontsize=14, weight="bold", va="top")
        y -= 0.05
        for style, text in blocks:
            lines = textwrap.wrap(text, 95) or [""]
            size = 11 if style == "h" else 9
            if y - 0.018 * len(lines) < 0.04:
                break  # the rest is in the HTML and XLSX; a PDF page never overflows
            figure.text(0.07, y, plain("\n".join(lines)), fontsize=size, va="top",
                        weight="bold" if style == "h" else "normal", linespacing=1.4)
            y -= 0.018 * len(lines) + (0.012 if style == "h" else 0.008)
        pdf.savefig(figure)
    

def write_pdf(path, title: str, pages: list[list[tuple[str, str]]],
              figures: list[Figure]) -> None:
    """A PDF: the text pages first, then one chart per page."""
    # Fonts are embedded when the file closes, so the style must hold until then.
    with rc_context(STYLE), PdfPages(path, metadata={"Title": title,
                                                     "Creator": "storywatch"}) as pdf:
        for blocks in pages:
            _text_page(pdf, title, blocks)
        for figure in figures:
            figure.set_size_inches(PAGE[0], 4.5)
            pdf.savefig(figure, bbox_inches="tight")
