"""Per-cause polarity, driver impact and the competitor comparison, on a small hand-made warehouse
whose numbers are worked out below by hand.

Northwind (ours), week of 2025-01-06 unless said:
  n1 negative: "Great staff, terrible return policy." staff praised (+), returns a complaint (-)
  n2, n3 negative: returns (-)      n4 positive: staff (+)      n5 positive, n6 neutral: no cause
  n7 negative: delays (-), week of 2025-01-13
  n8 positive: returns with a neutral evidence sentence (the story's polarity stands in), 2025-01-13
HomeHaven (competitor): h1, h2 positive: returns (+); h3 negative: staff (-)
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.nlp.cause_names import cause_name, cause_names
from storywatch.reports.charts import comparison_png, impact_png
from storywatch.reports.comparison import comparison_cells
from storywatch.reports.palette import (
    COMPETITORS,
    OURS,
    brand_colours,
    contrast,
    luminance,
    score_colour,
    text_colour,
)
from storywatch.warehouse import connect, connect_read_only, report_queries
from storywatch.warehouse.cause_impact import COLUMNS, cause_impact, our_cause_order
from storywatch.warehouse.cause_stories import story_pair
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.report_rollups import refresh_rollups, rollups_current
from storywatch.warehouse.tags import save_tags, text_hash
from tests.fixture_warehouse import build_fixture_warehouse

MODEL = "impact-model"
# key: (brand, week offset, sentiment, score, [(cause, owner, evidence polarity)])
STORIES = {
    "n1": ("Northwind", 0, "negative", -0.6, [("staff", "Service", "positive"),
                                              ("returns", "Operations", "negative")]),
    "n2": ("Northwind", 0, "negative", -0.9, [("returns", "Operations", "negative")]),
    "n3": ("Northwind", 0, "negative", -0.5, [("returns", "Operations", "negative")]),
    "n4": ("Northwind", 0, "positive", 0.7, [("staff", "Service", "positive")]),
    "n5": ("Northwind", 0, "positive", 0.6, []),
    "n6": ("Northwind", 0, "neutral", 0.0, []),
    "n7": ("Northwind", 1, "negative", -0.7, [("delays", "Operations", "negative")]),
    "n8": ("Northwind", 1, "positive", 0.8, [("returns", "Operations", "neutral")]),
    "h1": ("HomeHaven", 0, "positive", 0.9, [("returns", "Operations", "positive")]),
    "h2": ("HomeHaven", 0, "positive", 0.5, [("returns", "Operations", "positive")]),
    "h3": ("HomeHaven", 1, "negative", -0.8, [("staff", "Service", "negative")]),
}


def build(workdir: Path) -> None:
    records, tagged = [], []
    for key, (brand, week, sentiment, score, causes) in STORIES.items():
        body = f"Story {key} of {brand}. Great staff, terrible return policy."
        records.append({"story_key": f"t:{key}", "source": "schema_org", "brand": brand,
                        "is_competitor": brand != "Northwind", "body": body, "title": key,
                        "story_url": f"https://reviews.example/{key}",
                        "published_at": f"2025-01-{6 + 7 * week + 1:02d}T10:00:00Z"})
        tagged.append((f"t:{key}", text_hash(body), {
            "sentiment": sentiment, "sentiment_score": score, "language": "en",
            "sentences": [{"index": 0, "text": body, "sentiment": sentiment,
                           "sentiment_score": score}],
            "causes": [{"cause": cause, "owner": owner, "score": 0.8,
                        "evidence": f"{cause} sentence of {key}", "evidence_sentiment": polarity}
                       for cause, owner, polarity in causes]}))
    con = connect(workdir)
    try:
        upsert_stories(con, records, landing_file="impact.jsonl")
        save_tags(con, MODEL, tagged)
    finally:
        con.close()


@pytest.fixture(scope="module")
def impact_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("impact")
    build(workdir)
    return workdir


@pytest.fixture()
def con(impact_workdir):
    con = connect_read_only(impact_workdir)
    yield con
    con.close()


def row(frame: pd.DataFrame, brand: str, cause: str) -> pd.Series:
    found = frame.loc[(frame["brand"] == brand) & (frame["cause"] == cause)]
    assert len(found) == 1, (brand, cause, frame)
    return found.iloc[0]


def worth(sentiments: list[str]) -> list[int]:
    return [{"positive": 100, "negative": -100}.get(s, 0) for s in sentiments]


def margin(named: list[str], other: list[str]) -> float:
    """1.96 standard errors of impact, worked out from the stories' worths (docs/sql.md)."""
    def variance(values):
        mean = sum(values) / len(values)
        return sum((v - mean) ** 2 for v in values) / len(values)
    share = len(named) / (len(named) + len(other))
    return 1.96 * share * math.sqrt(variance(worth(named)) / len(named)
                                    + variance(worth(other)) / len(other))


def test_each_cause_carries_its_own_polarity(con):
    causes = con.execute("SELECT story_key, cause, sentiment, cause_sentiment FROM story_causes "
                         "ORDER BY story_key, cause").df().set_index(["story_key", "cause"])
    assert causes.loc[("t:n1", "staff")].tolist() == ["negative", "positive"]
    assert causes.loc[("t:n1", "returns")].tolist() == ["negative", "negative"]
    # A neutral evidence sentence has no polarity of its own: the story's stands in.
    assert causes.loc[("t:n8", "returns")].tolist() == ["positive", "positive"]


def test_cause_scores_and_the_gap_count_the_cause_polarity(con):
    weekly = con.execute("SELECT * FROM weekly_cause_scores WHERE brand = 'Northwind' "
                         "AND cause = 'staff'").df()
    # n1 praises the staff inside a complaint: praise, not a complaint.
    assert weekly[["stories", "positive", "negative", "net_story_score"]].values.tolist() \
        == [[2, 2, 0, 100.0]]
    assert weekly["negative_share"].tolist() == [0.0]
    gap = report_queries.competitor_gap(con).set_index("cause")
    assert gap.loc["staff", ["our_net_score", "competitor_net_score", "gap"]].tolist() \
        == [100.0, -100.0, 200.0]
    assert gap.loc["returns", ["our_stories", "our_net_score", "competitor_net_score",
                               "gap"]].tolist() == [4, -50.0, 100.0, -150.0]
    view = con.execute("SELECT * FROM competitor_gap ORDER BY cause, competitor").df()
    pd.testing.assert_frame_equal(view, report_queries.competitor_gap(con))


def test_impact_with_and_without_the_cause(con):
    impact = cause_impact(con)
    assert list(impact.columns) == COLUMNS
    returns = row(impact, "Northwind", "returns")
    # All 8: 3 positive, 4 negative -> -12.5. Without n1, n2, n3, n8: 2 positive, 1 negative of 4.
    assert returns[["stories", "share", "score_all", "score_without", "impact"]].tolist() \
        == [4, 50.0, -12.5, 25.0, -37.5]
    # n1, n2, n3 complain about returns: neutral, the brand would be at (3 - 1) / 8.
    assert returns["what_if_score"] == 25.0
    assert bool(returns["too_few"]) and returns["cause_name"] == "Returns and exchanges"
    expected = margin(["negative", "negative", "negative", "positive"],
                      ["positive", "positive", "neutral", "negative"])
    assert returns["impact_low"] == pytest.approx(-37.5 - expected, abs=0.06)
    assert returns["impact_high"] == pytest.approx(-37.5 + expected, abs=0.06)
    staff = row(impact, "Northwind", "staff")
    # Without n1 and n4: 2 positive, 3 negative of 6 -> -16.7; staff is praised, not blamed.
    assert staff[["score_without", "impact", "what_if_score"]].tolist() == [-16.7, 4.2, -12.5]
    competitor = row(impact, "HomeHaven", "returns")
    assert competitor[["score_all", "score_without", "impact"]].tolist() == [33.3, -100.0, 133.3]
    # Every cause naming all of a brand's stories has no "without" score, nor an interval.
    assert impact.loc[impact["score_without"].isna()].empty


def test_impact_filters_and_minimum_volume(con):
    late = cause_impact(con, start="2025-01-15", min_stories=1)  # a Wednesday: its whole week
    delays = row(late, "Northwind", "delays")
    assert delays[["stories", "score_all", "score_without", "impact"]].tolist() \
        == [1, 0.0, 100.0, -100.0]
    assert not delays["too_few"]
    assert set(cause_impact(con, brands=["HomeHaven"])["brand"]) == {"HomeHaven"}
    only = cause_impact(con, causes=["staff"])
    assert set(only["cause"]) == {"staff"}
    assert row(only, "Northwind", "staff")["score_all"] == -12.5  # totals count every story
    assert not cause_impact(con, min_stories=2)["too_few"].all()
    assert cause_impact(con, sources=["trustpilot"]).empty
    # Worst first within a brand, our brand first.
    ours = cause_impact(con, min_stories=1)
    assert ours["brand"].iloc[0] == "Northwind"
    # returns -37.5, delays -12.5 (without n7: 3 positive, 3 negative of 7), staff +4.2.
    assert our_cause_order(ours) == ["returns", "delays", "staff"]


def test_view_macro_and_rollups_agree(impact_workdir):
    con = connect(impact_workdir)
    try:
        before = cause_impact(con)
        refresh_rollups(con)
        assert rollups_current(con)
        pd.testing.assert_frame_equal(cause_impact(con), before)
        pd.testing.assert_frame_equal(cause_impact(con, rollups=False), before)
        pd.testing.assert_frame_equal(story_pair(con, "returns", "HomeHaven", ["Northwind"]),
                                      story_pair(con, "returns", "HomeHaven", ["Northwind"],
                                                 rollups=False))
        view = con.execute("SELECT * FROM cause_impact").df()
        macro = con.execute("SELECT * FROM cause_impact_between()").df()
        key = ["brand", "cause"]
        pd.testing.assert_frame_equal(view.sort_values(key, ignore_index=True),
                                      macro.sort_values(key, ignore_index=True))
        pd.testing.assert_frame_equal(
            view.sort_values(key, ignore_index=True),
            before.drop(columns="cause_name").sort_values(key, ignore_index=True))
    finally:
        con.close()


def test_sql_cause_impact_has_rows_for_every_brand(tmp_path):
    build_fixture_warehouse(tmp_path)
    query = "SELECT brand, count(*) AS causes FROM cause_impact GROUP BY brand ORDER BY brand"
    result = CliRunner().invoke(cli, ["sql", "--workdir", str(tmp_path), "--format", "csv",
                                      query], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[1:] == ["Brightmart,5", "HomeHaven,5", "Northwind,5"]


def test_story_pair_shows_their_praise_beside_our_complaint(con):
    pair = story_pair(con, "returns", "HomeHaven", ["Northwind"])
    assert pair["side"].tolist() == ["theirs", "ours"]
    assert pair["story_key"].tolist() == ["t:h1", "t:n2"]  # most clearly felt of each kind
    assert pair["cause_sentiment"].tolist() == ["positive", "negative"]
    # We do better on staff: our praise beside their complaint.
    pair = story_pair(con, "staff", "HomeHaven", ["Northwind"])
    assert pair["story_key"].tolist() == ["t:h3", "t:n4"]
    assert story_pair(con, "delays", "HomeHaven", ["Northwind"])["side"].tolist() == ["ours"]


def test_comparison_cells_say_no_data_and_too_few(con):
    gap = report_queries.competitor_gap(con)
    cells = comparison_cells(gap, ["returns", "delays", "staff"], ours="Northwind (ours)",
                             min_stories=2)
    assert cells["cause"].tolist() == ["returns", "returns", "delays", "delays", "staff", "staff"]
    labels = dict(zip(zip(cells["cause"], cells["column"], strict=True), cells["label"], strict=True))
    assert labels[("returns", "Northwind (ours)")] == "-50 · 4 stories"
    assert labels[("returns", "HomeHaven")] == "+100 · 2 stories"
    assert labels[("delays", "HomeHaven")] == "no data"
    assert labels[("delays", "Northwind (ours)")] == "too few (1)"
    assert "null" not in " ".join(cells["label"]) and "nan" not in " ".join(cells["label"])
    assert cells.loc[cells["state"] == "no_data", "score"].isna().all()
    assert comparison_png(cells, "t").startswith(b"\x89PNG")
    assert impact_png(cause_impact(con), "t").startswith(b"\x89PNG")


def test_cause_names_are_the_taxonomy_labels():
    assert cause_name("lost_damaged") == "Lost or damaged items"
    assert cause_names(["pushy_sales", "staff"]) == ["Pushy or misleading sales",
                                                      "Staff attitude"]
    assert cause_name("old_cause_id") == "Old cause id"  # no longer in the taxonomy


def test_brand_colours_are_stable_and_distinct():
    brands = [("HomeHaven", True), ("Northwind", False), ("Brightmart", True)]
    colours = brand_colours(brands)
    assert colours == brand_colours(list(reversed(brands)))
    assert colours["Northwind"] == OURS[0]
    assert [colours["Brightmart"], colours["HomeHaven"]] == list(COMPETITORS[:2])
    assert len(set(colours.values())) == 3


def test_cell_text_reads_on_its_background():
    texts = set()
    for score in range(-100, 101, 5):
        background = score_colour(score)
        text = text_colour(background)
        texts.add(text)
        shade = 0.0 if text == "#000000" else 1.0
        # WCAG's contrast ratio for normal text: at least 4.5.
        assert contrast(luminance(background), shade) >= 4.5, (score, text)
    assert texts == {"#000000", "#ffffff"}  # dark ends take white text, the middle black
