"""The dashboard pages in Streamlit's AppTest, on the fixture warehouse and on empty workdirs."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fixture_warehouse import HOSTILE_TEXTS, build_fixture_warehouse
from warehouse import connect
from warehouse.loader import upsert_stories

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
PAGES = ("pages/overview.py", "pages/causes.py", "pages/stories.py")
# Element types that show text as plain text; everything else might render Markdown or HTML.
PLAIN = {"dataframe", "text", "code"}
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


def test_overview_shows_net_scores(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir)
    assert app.title[0].value == "Overview"
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics == {"Northwind (ours)": "+0.0", "Brightmart (competitor)": "+16.7",
                       "HomeHaven (competitor)": "-17.6"}
    weekly = app.dataframe[0].value
    assert len(weekly) == 36
    app.multiselect(key="overview_brands").set_value(["Northwind"]).run()
    assert [metric.label for metric in app.metric] == ["Northwind (ours)"]
    weekly = app.dataframe[0].value
    assert len(weekly) == 12 and weekly["net_story_score"].min() == -100.0
    assert len(app.get("vega_lite_chart")) == 2
    assert_no_markup_holds_story_text(app)


def test_causes_compares_brands_by_owner(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/causes.py")
    assert app.title[0].value == "Causes"
    counts = app.dataframe[0].value.set_index(["brand", "cause"])
    assert counts.loc[("Northwind", "refunds"), "negative"] == 3
    assert counts.loc[("HomeHaven", "refunds"), "negative_share"] == 17.6
    assert counts.loc[("Brightmart", "refunds"), "side"] == "competitor"
    app.selectbox(key="causes_owner").set_value("Sales").run()
    assert set(app.dataframe[0].value["owner"]) == {"Sales"}
    app.multiselect(key="causes_brands").set_value(["Northwind"]).run()
    assert list(app.dataframe[0].value["negative"]) == [3]
    assert_no_markup_holds_story_text(app)


def test_stories_filters_and_shows_hostile_text_only_as_text(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/stories.py")
    table = app.dataframe[0].value
    assert len(table) == 62
    shown = " ".join(table["body"]) + " ".join(table["evidence"].dropna())
    assert all(text in shown for text in HOSTILE_TEXTS)
    assert_no_markup_holds_story_text(app)
    app.selectbox(key="stories_brand").set_value("Northwind")
    app.selectbox(key="stories_cause").set_value("refunds").run()
    table = app.dataframe[0].value
    assert len(table) == 3 and set(table["sentiment"]) == {"negative"}
    assert all("refund" in evidence for evidence in table["evidence"])
    app.selectbox(key="stories_brand").set_value("All")
    app.selectbox(key="stories_cause").set_value("All")
    app.text_input(key="stories_search").input("script>").run()
    assert len(app.dataframe[0].value) == 1
    assert any(HOSTILE_TEXTS[0] in text.value for text in app.text)
    assert_no_markup_holds_story_text(app)


def test_stories_with_no_match_says_so(monkeypatch, fixture_workdir):
    app = open_app(monkeypatch, fixture_workdir, "pages/stories.py")
    app.text_input(key="stories_search").input("no story says this").run()
    assert not app.exception and not app.dataframe
    assert "No stories match" in app.info[0].value


@pytest.mark.parametrize("page", [None, *PAGES])
def test_missing_warehouse_tells_what_to_run(monkeypatch, tmp_path, page):
    app = open_app(monkeypatch, tmp_path / "nothing-here", page)
    assert "storywatch demo" in app.info[0].value


def test_empty_and_untagged_warehouse_tell_what_to_run(monkeypatch, tmp_path):
    connect(tmp_path).close()
    app = open_app(monkeypatch, tmp_path, "pages/causes.py")
    assert "storywatch crawl" in app.info[0].value
    con = connect(tmp_path)
    upsert_stories(con, [{"story_key": "t:1", "source": "t", "brand": "Northwind",
                          "body": "Fine.", "published_at": "2025-01-06T00:00:00Z"}])
    con.close()
    app = open_app(monkeypatch, tmp_path, "pages/stories.py")
    assert "storywatch tag" in app.info[0].value
