"""The dashboard answers in users' words (issue 15 items 1, 2, 7), in Streamlit's AppTest.

On the hand-made warehouse of tests/test_cause_impact.py (a complaint that praises the staff,
HomeHaven praised for the returns we are criticised for) and on the fixture warehouse (hostile
story text): driver impact on the Overview with its top-N picker, the competitor comparison's
cells ("no data", "too few (n)", never null) sorted by our impact with the story pair behind a
picked cell, small multiples on the Causes page, causes by their taxonomy names, stars, brand
names in legends. Every new widget is driven by its key.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from storywatch.warehouse import connect_read_only
from storywatch.warehouse.cause_impact import cause_impact, strongest_causes
from tests.fixture_warehouse import build_fixture_warehouse
from tests.test_cause_impact import build
from tests.test_dashboard import assert_no_markup_holds_story_text, open_app, texts


@pytest.fixture(scope="module")
def impact_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("answers")
    build(workdir)
    return workdir


@pytest.fixture(scope="module")
def fixture_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("answers-fixture")
    build_fixture_warehouse(workdir)
    return workdir


# What tells each chart apart in its spec (a chart without on_select carries no key).
CHARTS = {"overview_impact": '"impact_low"', "overview_trend": '"Stories that week"',
          "competitors_heatmap": '"cell"', "causes_trend_chart": '"facet"'}


def chart(app, key: str):
    """The chart drawn under `key`: its Vega-Lite spec and its data rows."""
    for element in app.get("vega_lite_chart") + app.get("arrow_vega_lite_chart"):
        if CHARTS[key] in element.proto.spec:
            spec = json.loads(element.proto.spec)
            rows = [pa.ipc.open_stream(d.data.data).read_all().to_pandas()
                    for d in element.proto.datasets]
            return spec, (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame())
    raise AssertionError(f"no chart {key}")


def encodings(spec) -> list[dict]:
    layers = spec.get("layer") or spec.get("spec", {}).get("layer") or [spec]
    return [layer.get("encoding", {}) for layer in layers] + [spec.get("encoding", {})]


def test_overview_ranks_the_causes_that_make_or_break_each_brand(monkeypatch, impact_workdir):
    app = open_app(monkeypatch, impact_workdir)
    spec, rows = chart(app, "overview_impact")
    assert set(rows["brand"]) == {"Northwind", "HomeHaven"}
    # Worst for us first, by name; ours beside the competitor in every cause.
    names = encodings(spec)[0]["y"]["sort"]
    assert names == ["Returns and exchanges", "Delivery and delays", "Staff attitude"]
    northwind = rows.loc[rows["brand"] == "Northwind"].set_index("cause")
    assert northwind.loc["returns", ["impact", "what_if_score"]].tolist() == [-37.5, 25.0]
    assert northwind["too_few"].all()  # 4 stories or fewer each: drawn pale
    app.radio(key="overview_impact_top").set_value("all causes").run()
    assert len(chart(app, "overview_impact")[1]) == len(rows)
    table = next(frame.value for frame in app.dataframe if "impact_low" in frame.value)
    assert {"cause_name", "what_if_score", "too_few"} <= set(table.columns)
    pngs = {b.proto.id for b in app.get("download_button") if b.label == "Download chart (PNG)"}
    assert any("overview_impact_png" in key for key in pngs)


def test_strongest_causes_keeps_the_top_n_for_us(impact_workdir):
    con = connect_read_only(impact_workdir)
    try:
        impact = cause_impact(con, min_stories=1)
    finally:
        con.close()
    # Our impacts: returns -37.5, delays -12.5, staff +4.2: the two strongest either way.
    shown = strongest_causes(impact, 2)
    assert list(dict.fromkeys(shown["cause"])) == ["returns", "delays"]
    assert shown["brand"].iloc[0] == "Northwind"
    assert len(strongest_causes(impact, None)) == len(impact)


def test_overview_speaks_brand_names_and_stars(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir)
    spec, _ = chart(app, "overview_trend")
    for encoding in encodings(spec):
        assert "strokeDash" not in encoding  # no "Competitor false/true" legend
        if "color" in encoding:
            assert encoding["color"]["field"] == "brand"
            assert encoding["color"]["scale"]["domain"] == ["Northwind", "Brightmart",
                                                            "HomeHaven"]
    shown = texts(app)
    assert "★☆☆☆☆ (1/5)" in shown and "rating 0.00" not in shown
    weekly = app.dataframe[0]
    assert "is_competitor" not in list(weekly.proto.column_order)  # a side, not a checkbox
    assert list(weekly.proto.column_order)[:3] == ["brand", "side", "week"]
    # The same brand keeps its colour when a filter leaves it alone on screen.
    app.multiselect(key="filter_brands").set_value(["HomeHaven"]).run()
    spec, _ = chart(app, "overview_trend")
    colours = next(e["color"]["scale"] for e in encodings(spec) if "color" in e)
    assert colours["range"][colours["domain"].index("HomeHaven")] == "#cc79a7"


def test_competitor_cells_say_what_they_rest_on(monkeypatch, impact_workdir):
    app = open_app(monkeypatch, impact_workdir, "pages/competitors.py")
    _, cells = chart(app, "competitors_heatmap")
    # Causes in the order of our impact, worst first; ours, then the competitor.
    assert list(dict.fromkeys(cells["cause"])) == ["returns", "delays", "staff"]
    assert list(dict.fromkeys(cells["column"])) == ["Northwind (ours)", "HomeHaven"]
    labels = dict(zip(zip(cells["cause"], cells["column"], strict=True), cells["label"], strict=True))
    assert labels[("delays", "HomeHaven")] == "no data"
    assert labels[("returns", "Northwind (ours)")] == "too few (4)"
    assert not {"null", "None", "nan"} & set(" ".join(cells["label"]).split())
    assert set(cells["text"]) <= {"#000000", "#ffffff", "#444444"}
    gap = app.dataframe[0].value.set_index("cause")
    assert gap.loc["staff", "gap"] == 200.0  # praise inside a complaint counts as praise
    app.selectbox(key="competitors_cause").set_value("returns")
    app.selectbox(key="competitors_brand").set_value("HomeHaven").run()
    shown = texts(app)
    theirs, ours = shown.index("HomeHaven: Returns and exchanges"), shown.index(
        "Ours: Returns and exchanges")
    assert theirs < shown.index("On Returns and exchanges: praises it") < ours
    assert shown.index("On Returns and exchanges: complains about it") > ours
    assert "Story h1 of HomeHaven" in shown and "Story n2 of Northwind" in shown
    options = app.selectbox(key="competitors_cause").options
    assert options == ["Returns and exchanges", "Delivery and delays", "Staff attitude"]


def test_story_pair_shows_hostile_text_as_text(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/competitors.py")
    app.selectbox(key="competitors_cause").set_value("staff attitude")
    app.selectbox(key="competitors_brand").set_value("Brightmart").run()
    assert "<img src=x onerror=alert(1)>" in texts(app)  # Brightmart's praise of its staff
    assert_no_markup_holds_story_text(app)
    behind = next(frame.value for frame in app.dataframe if "evidence" in frame.value)
    assert set(behind["causes"]) == {"Staff attitude"}


def test_causes_trend_is_small_multiples_of_the_top_causes(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/causes.py")
    spec, _ = chart(app, "causes_trend_chart")
    assert spec["facet"]["field"] == "cause_name" and len(spec["facet"]["sort"]) == 4
    app.radio(key="causes_trend_top").set_value("all").run()
    spec, _ = chart(app, "causes_trend_chart")
    assert len(spec["facet"]["sort"]) == 5
    assert "Staff attitude" in spec["facet"]["sort"]


def test_sidebar_names_causes_in_users_words(monkeypatch, impact_workdir):
    app = open_app(monkeypatch, impact_workdir, "pages/causes.py")
    assert set(app.multiselect(key="filter_causes").options) == {
        "Returns and exchanges", "Staff attitude", "Delivery and delays"}
    app.multiselect(key="filter_causes").set_value(["returns"]).run()
    assert not app.exception
