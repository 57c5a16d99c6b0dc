"""The Alerts page in Streamlit's AppTest, on the planted alert warehouse (tests/alert_fixture.py)
after a real `storywatch alerts` run: each alert's sentence, its stories as plain text, the
brand and direction choices, delivery state, and the empty and missing states."""
from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from storywatch.cli import cli
from storywatch.warehouse import reading
from storywatch.warehouse.alert_history import stored_alerts
from tests.alert_fixture import HOSTILE, build_alert_warehouse

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def alerted(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("alerts-page") / "storywatch-data"
    build_alert_warehouse(workdir)
    result = CliRunner().invoke(cli, ["alerts", "--workdir", str(workdir),
                                      "--as-of", "2026-12-07"])
    assert result.exit_code == 0, result.output
    return workdir


def open_page(monkeypatch, workdir: Path) -> AppTest:
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(workdir))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.switch_page("pages/alerts.py").run()
    assert not app.exception, app.exception
    return app


def test_stored_alerts_keep_only_web_links(alerted: Path):
    with reading(alerted) as con:
        alerts = stored_alerts(con)
    assert len(alerts) == 2 and set(alerts["direction"]) == {"worse", "better"}
    links = [story["url"] for examples in alerts["examples"] for story in examples]
    assert links and all(url is None or url.startswith(("http://", "https://"))
                         for url in links)


def test_alerts_page_shows_each_sentence_and_its_stories_as_text(monkeypatch, alerted: Path):
    app = open_page(monkeypatch, alerted)
    texts = [t.value for t in app.text]
    assert [m.value for m in app.metric] == ["2", "1", "0"]
    assert any(t.startswith("Refunds: 8 negative stories about Northwind in the week of "
                            "2026-11-30") for t in texts)
    shown = " ".join(texts)
    assert any(hostile in shown for hostile in HOSTILE)  # as plain text, never as markup
    assert not [m for m in app.markdown if "<script" in m.value or "HYPERLINK" in m.value]
    assert all(c.value.startswith("Delivered (printed; no channel set)") for c in app.caption[1:3])
    assert len(app.dataframe[0].value) == 2

    app.selectbox(key="alerts_direction").set_value("Better (more positive stories)").run()
    assert [m.value for m in app.metric] == ["1", "0", "0"]
    assert any("good news" in t.value for t in app.text)
    app.selectbox(key="alerts_brand").set_value("Northwind").run()
    assert not app.exception and len(app.dataframe[0].value) == 1


def test_alerts_page_without_alerts_or_warehouse_says_what_to_run(monkeypatch, tmp_path: Path):
    quiet = tmp_path / "quiet"
    build_alert_warehouse(quiet)
    app = open_page(monkeypatch, quiet)
    assert "No alerts stored yet. Run `storywatch alerts`" in app.info[0].value
    app = open_page(monkeypatch, tmp_path / "none")
    assert "No warehouse in" in app.info[0].value
