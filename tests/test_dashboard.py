"""The dashboard pages in Streamlit's AppTest, on the fixture warehouse and on empty workdirs.

Each page is checked with the sidebar's global filters exercised (a brand filter changes the
numbers as expected), the hostile story texts shown only as plain text, and its empty state.
"""
from __future__ import annotations

from datetime import date
from hashlib import sha1
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from storywatch.nlp.cause_names import cause_name
from storywatch.reports.charts import bars_png, heatmap_png, trend_png
from storywatch.warehouse import connect, connect_read_only, queries, report_queries
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.reply_tags import save_reply_tags
from tests.fixture_warehouse import (
    CRAWL_ERRORS,
    HOSTILE_REPLY,
    HOSTILE_TEXTS,
    build_fixture_warehouse,
    fixture_stories,
)

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGES = ("pages/overview.py", "pages/competitors.py", "pages/causes.py", "pages/stories.py",
         "pages/sources.py")
# Element types that show text as plain text; everything else might render Markdown or HTML.
PLAIN = {"dataframe", "text", "code", "arrow_data_frame"}
MARKERS = ("<script", "onerror", "evil.example", "javascript:")


@pytest.fixture(scope="module")
def fixture_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("dashboard")
    build_fixture_warehouse(workdir)
    return workdir


def open_app(monkeypatch, workdir: Path, page: str | None = None) -> AppTest:
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(workdir))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    if page:
        app.switch_page(page).run()
    assert not app.exception, app.exception
    return app


def elements(node):
    children = getattr(node, "children", None)
    for child in (children.values() if isinstance(children, dict) else children or []):
        yield child
        yield from elements(child)


def assert_no_markup_holds_story_text(app: AppTest) -> None:
    for element in elements(app._tree):
        if element.type in PLAIN or not hasattr(element, "proto"):
            continue
        shown = str(element.proto)
        for marker in MARKERS:
            assert marker not in shown, f"story text inside a {element.type} element"


def table(app: AppTest, *columns: str):
    """The first table whose columns start with `columns` (None when the page drew none)."""
    found = [frame.value for frame in app.dataframe
             if tuple(frame.value.columns[:len(columns)]) == columns]
    return found[0] if found else None


def texts(app: AppTest) -> str:
    return "\n".join(text.value for text in app.text)


def test_overview_shows_net_scores_changes_and_top_stories(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir)
    assert app.title[0].value == "Overview"
    metrics = {metric.label: (metric.value, metric.delta) for metric in app.metric}
    # Latest week against the week before: Northwind "pn" -> "ppn", Brightmart "nn" -> "p".
    assert metrics == {"Northwind (ours)": ("+0.0", "+33.3 this week"),
                       "Brightmart (competitor)": ("+16.7", "+200.0 this week"),
                       "HomeHaven (competitor)": ("-17.6", "+0.0 this week")}
    assert len(app.dataframe[0].value) == 36
    shown = texts(app)
    assert all(f"Story {n} of {brand}." in shown
               for n, brand in ((3, "HomeHaven"), (5, "Northwind"), (7, "Brightmart")))
    assert shown.index("Story 3 of HomeHaven") < shown.index("Story 5 of Northwind")
    assert f"Company reply: {HOSTILE_REPLY}" in shown
    labels = [button.label for button in app.get("download_button")]
    assert {"Download CSV", "Download chart (PNG)", "Download report (HTML)",
            "Download report (PDF)"} <= set(labels)
    assert_no_markup_holds_story_text(app)


@pytest.mark.slow  # the app run again after each of five filter changes
def test_sidebar_filters_change_the_numbers_and_follow_the_user(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir)
    app.multiselect(key="filter_brands").set_value(["Northwind"]).run()
    assert [metric.label for metric in app.metric] == ["Northwind (ours)"]
    weekly = app.dataframe[0].value
    assert len(weekly) == 12 and weekly["net_story_score"].min() == -100.0
    app.date_input(key="filter_dates").set_value((date(2025, 3, 3), date(2025, 3, 16))).run()
    assert list(app.dataframe[0].value["stories"]) == [3, 2]  # weeks "nnn" and "pp"
    assert app.metric[0].value == "-20.0"
    app.switch_page("pages/stories.py").run()
    stories = app.dataframe[0].value
    assert set(stories["brand"]) == {"Northwind"} and len(stories) == 5
    app.multiselect(key="filter_brands").set_value([])
    app.date_input(key="filter_dates").set_value((date(2025, 1, 6), date(2025, 3, 30)))
    app.multiselect(key="filter_sources").set_value(["trustpilot"]).run()
    assert set(app.dataframe[0].value["brand"]) == {"HomeHaven"}
    app.multiselect(key="filter_sources").set_value([])
    app.multiselect(key="filter_causes").set_value(["refunds"]).run()
    assert len(app.dataframe[0].value) == 8
    # The table names causes as the taxonomy does ("Refunds"), not by id.
    assert all(cause_name("refunds") in causes for causes in app.dataframe[0].value["causes"])


@pytest.mark.slow  # the page run again after each selection
def test_competitors_gap_table_and_stories_behind_a_cell(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/competitors.py")
    assert app.title[0].value == "Competitors"
    gap = app.dataframe[0].value.set_index(["cause", "competitor"])
    assert gap.loc[("staff attitude", "Brightmart"), ["our_net_score", "competitor_net_score",
                                                       "gap"]].tolist() == [14.3, 60.0, -45.7]
    assert len(app.get("vega_lite_chart")) == 1
    app.selectbox(key="competitors_cause").set_value("refunds")
    app.selectbox(key="competitors_brand").set_value("HomeHaven").run()
    behind = app.dataframe[1].value
    assert set(behind["brand"]) == {"Northwind", "HomeHaven"} and len(behind) == 6
    assert all(causes == "Refunds" for causes in behind["causes"])  # in users' words
    app.multiselect(key="filter_brands").set_value(["Northwind", "Brightmart"]).run()
    assert set(app.dataframe[0].value["competitor"]) == {"Brightmart"}
    assert_no_markup_holds_story_text(app)


@pytest.mark.slow  # the page run again after each selection
def test_causes_by_owner_movers_and_trend(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/causes.py")
    assert app.title[0].value == "Causes & owners"
    owners = table(app, "owner", "side").set_index(["owner", "side"])
    assert owners.loc[("Sales", "ours"), ["negative", "net_story_score"]].tolist() == [3, -100.0]
    assert table(app, "cause", "owner", "stories", "net_stories").set_index("cause").loc[
        "staff attitude", "moved"] == -2
    app.radio(key="causes_movers_period").set_value("month").run()
    assert table(app, "cause", "owner", "stories", "net_stories").set_index("cause").loc[
        "staff attitude", "moved"] == -3
    assert table(app, "week", "cause")["stories"].sum() == 24  # ours: 12 + 12 with a cause
    counts = table(app, "brand", "side", "cause").set_index(["brand", "cause"])
    assert counts.loc[("Northwind", "refunds"), "negative"] == 3
    assert counts.loc[("HomeHaven", "refunds"), "negative_share"] == 17.6
    app.selectbox(key="causes_owner").set_value("Sales").run()
    assert set(table(app, "brand", "side", "cause")["owner"]) == {"Sales"}
    app.multiselect(key="filter_brands").set_value(["HomeHaven"]).run()
    owners = table(app, "owner", "side")
    assert set(owners["side"]) == {"competitor"} and owners["stories"].sum() == 15
    assert list(table(app, "brand", "side", "cause")["negative"]) == [2]
    assert table(app, "cause", "owner", "stories", "net_stories") is None
    assert any("our brands" in info.value for info in app.info)
    assert_no_markup_holds_story_text(app)


def test_stories_show_hostile_text_only_as_text(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/stories.py")
    table = app.dataframe[0].value
    assert len(table) == 62
    shown = " ".join(table["body"]) + " ".join(table["evidence"].dropna())
    assert all(text in shown for text in HOSTILE_TEXTS)
    assert HOSTILE_REPLY in set(table["company_reply"])
    assert_no_markup_holds_story_text(app)
    app.selectbox(key="stories_sentiment").set_value("negative")
    app.text_input(key="stories_search").input("script>").run()
    assert not app.dataframe  # the script story is positive
    app.selectbox(key="stories_sentiment").set_value("All").run()
    assert len(app.dataframe[0].value) == 1
    assert HOSTILE_TEXTS[0] in texts(app)
    sentences = app.dataframe[1].value
    assert list(sentences["evidence_for"]) == [cause_name("staff attitude")]  # as users read it
    assert_no_markup_holds_story_text(app)


def test_stories_with_no_match_says_so(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/stories.py")
    app.text_input(key="stories_search").input("no story says this").run()
    assert not app.exception and not app.dataframe
    assert "No stories match" in app.info[0].value


def test_sources_show_the_broken_spider(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/sources.py")
    assert f"{CRAWL_ERRORS} errors in the last crawl" in app.warning[0].value
    health = app.dataframe[0].value
    assert health["stories_stored"].sum() == 62 and health.iloc[0]["brand"] == "HomeHaven"


@pytest.mark.parametrize("page", [None, *PAGES])
def test_missing_warehouse_tells_what_to_run(monkeypatch, tmp_path, page):
    app = open_app(monkeypatch, tmp_path / "nothing-here", page)
    assert "storywatch demo" in app.info[0].value


@pytest.mark.slow  # six page runs on two fresh warehouses
def test_empty_and_untagged_warehouse_tell_what_to_run(monkeypatch, tmp_path):
    connect(tmp_path).close()
    app = open_app(monkeypatch, tmp_path, "pages/causes.py")
    assert "storywatch crawl" in app.info[0].value
    app = open_app(monkeypatch, tmp_path, "pages/sources.py")
    assert "storywatch crawl" in app.info[0].value
    con = connect(tmp_path)
    upsert_stories(con, [{"story_key": "t:1", "source": "t", "brand": "Northwind",
                          "body": "Fine.", "published_at": "2025-01-06T00:00:00Z"}])
    con.close()
    for page in PAGES[:4]:
        app = open_app(monkeypatch, tmp_path, page)
        assert "storywatch tag" in app.info[0].value


CHART_PNGS = {"pages/overview.py": {"overview_impact_png", "overview_trend_png",
                                     "overview_volume_png"},
              "pages/competitors.py": {"competitors_heatmap_png"},
              "pages/causes.py": {"causes_owner_chart_png", "causes_trend_chart_png"}}


@pytest.mark.parametrize("page", sorted(CHART_PNGS))
def test_every_chart_has_a_png_download(monkeypatch, fixture_workdir, page):
    app = open_app(monkeypatch, fixture_workdir, page)
    charts = len(app.get("vega_lite_chart")) + len(app.get("arrow_vega_lite_chart"))
    pngs = [button for button in app.get("download_button")
            if button.label == "Download chart (PNG)"]
    assert charts == len(pngs) == len(CHART_PNGS[page])
    # The widget id holds the key the page gave the button.
    assert {key for key in CHART_PNGS[page] if any(key in b.proto.id for b in pngs)} \
        == CHART_PNGS[page]


def test_chart_renderers_draw_png_from_the_pages_data(fixture_workdir):
    con = connect_read_only(fixture_workdir)
    try:
        weekly = queries.weekly_net_score(con)
        gap = report_queries.competitor_gap(con)
        owners = report_queries.owner_scores(con)
        trend = report_queries.cause_trend(con)
    finally:
        con.close()
    pngs = [trend_png(weekly, "Net story score per week"),
            bars_png(weekly, "Stories per week", "week", "brand", "stories", "Stories"),
            heatmap_png(gap, "Gap"),
            bars_png(owners, "Owners", "owner", "side", "negative_share", "%"),
            trend_png(trend, "Per cause", by="cause"),
            heatmap_png(gap.iloc[0:0], "No gap"), bars_png(owners.iloc[0:0], "None", "owner",
                                                          "side", "negative_share", "%")]
    assert all(png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 2000 for png in pngs)
    assert len(set(pngs)) == len(pngs)


@pytest.fixture(scope="module")
def replied_workdir(tmp_path_factory) -> Path:
    """The fixture warehouse with its company replies classified: Brightmart's cite policy,
    the hostile Northwind reply is apologetic (its evidence is the hostile text), others helpful."""
    workdir = tmp_path_factory.mktemp("replies")
    found = build_fixture_warehouse(workdir)
    classes = []
    for story in found:
        reply = story.record["company_reply"]
        if reply is None:
            continue
        label = ("policy_citing" if story.record["brand"] == "Brightmart" else
                 "apologetic" if reply == HOSTILE_REPLY else "helpful")
        classes.append((story.record["story_key"], sha1(reply.encode()).hexdigest(),
                        {"label": label, "score": 0.6, "policy_citing": label == "policy_citing",
                         "evidence": reply}))
    con = connect(workdir)
    save_reply_tags(con, "fixture-replies", classes)
    con.close()
    return workdir


def test_story_shows_its_reply_class_as_plain_text(monkeypatch, replied_workdir):
    app = open_app(monkeypatch, replied_workdir)
    shown = texts(app)
    assert f"Company reply: {HOSTILE_REPLY}" in shown
    assert (f"Reply class: apologetic (no fix offered) (0.60) · because: {HOSTILE_REPLY}"
            in shown)
    assert_no_markup_holds_story_text(app)


@pytest.mark.slow  # the page run again after a filter change
def test_competitors_show_how_each_brand_answers(monkeypatch, replied_workdir, fixture_workdir):
    replied = {}
    for story in fixture_stories():
        if story.record["company_reply"] is not None:
            replied[story.record["brand"]] = replied.get(story.record["brand"], 0) + 1
    app = open_app(monkeypatch, replied_workdir, "pages/competitors.py")
    brands = table(app, "brand", "side", "replies").set_index("brand")
    assert brands["replies"].to_dict() == brands["classified"].to_dict() == replied
    assert brands["policy_share"].to_dict() == {"Northwind": 0.0, "Brightmart": 100.0,
                                                "HomeHaven": 0.0}
    assert brands.loc["Northwind", "apologetic"] == 1 and brands.index[0] == "Northwind"
    by_cause = table(app, "cause", "owner", "brand", "side", "replies")
    assert set(by_cause.loc[by_cause["policy_share"] == 100.0, "brand"]) == {"Brightmart"}
    keys = {button.proto.id for button in app.get("download_button")}
    assert any("competitors_replies_csv" in key for key in keys)
    assert any("competitors_replies_by_cause_csv" in key for key in keys)
    app.multiselect(key="filter_brands").set_value(["Brightmart"]).run()
    assert list(table(app, "brand", "side", "replies")["brand"]) == ["Brightmart"]
    assert_no_markup_holds_story_text(app)
    app = open_app(monkeypatch, fixture_workdir, "pages/competitors.py")
    assert any("No classified company replies" in info.value for info in app.info)


def test_reply_class_line_tells_unclassified_from_wordless_replies():
    from storywatch.dashboard.story_view import describe_reply_class

    columns = ["reply_class", "reply_score", "policy_citing", "reply_evidence", "reply_version"]
    waiting = "Reply class: not classified yet (run `storywatch tag`)"
    assert describe_reply_class(None) == waiting
    assert describe_reply_class(pd.DataFrame(columns=columns)) == waiting
    unread = pd.DataFrame([[None, None, None, None, None]], columns=columns)
    assert describe_reply_class(unread) == waiting
    wordless = pd.DataFrame([[None, 0.0, False, None, "v1"]], columns=columns)
    assert describe_reply_class(wordless) == "Reply class: none (the reply has no words to classify)"
    cited = pd.DataFrame([["policy_citing", 0.71, True, "As per our policy.", "v1"]],
                         columns=columns)
    assert describe_reply_class(cited).startswith("Reply class: ")
    assert describe_reply_class(cited).endswith("(0.71) · because: As per our policy.")
