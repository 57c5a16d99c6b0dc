"""Recorded policy changes on the Causes page: a dashed rule on the cause's trend and what the
change did, read from the workdir's storywatch.toml; a broken file is one warning, not a crash."""
from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.fixture_warehouse import build_fixture_warehouse

APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"


@pytest.fixture(scope="module")
def fixture_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("policy")
    build_fixture_warehouse(workdir)
    return workdir


def causes_page(monkeypatch, workdir: Path) -> AppTest:
    monkeypatch.chdir(workdir.parent)  # no ./storywatch.toml but the workdir's
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(workdir))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.switch_page("pages/causes.py").run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> list[str]:
    return [element.value for element in app.text]


def charts(app: AppTest) -> int:
    return len(app.get("vega_lite_chart"))


def test_a_recorded_change_is_marked_and_judged(monkeypatch, fixture_workdir):
    (fixture_workdir / "storywatch.toml").write_text('[brand]\nname = "Northwind"\n',
                                                     encoding="utf-8")
    plain = causes_page(monkeypatch, fixture_workdir)
    assert "Policy changes" not in [h.value for h in plain.subheader]
    (fixture_workdir / "storywatch.toml").write_text(
        '[brand]\nname = "Northwind"\n\n[[policy_changes]]\ndate = "2025-02-17"\n'
        'cause = "refunds"\nnote = "refunds <b>without</b> a receipt"\n', encoding="utf-8")
    app = causes_page(monkeypatch, fixture_workdir)
    assert [h.value for h in app.subheader].count("Policy changes") == 1
    shown = texts(app)
    assert "2025-02-17 · Refunds · refunds <b>without</b> a receipt" in shown  # plain text
    # The fixture has 9 of our stories in the 28 days before and 8 after: below the minimum.
    assert "Refunds (2025-02-17: refunds <b>without</b> a receipt): too few stories to judge " \
        "(9 of ours in the 28 days before, 8 after; at least 10 each)." in shown
    assert charts(app) == charts(plain) + 1  # the change's own chart


def test_a_broken_change_is_one_warning(monkeypatch, fixture_workdir):
    (fixture_workdir / "storywatch.toml").write_text(
        '[brand]\nname = "Northwind"\n\n[[policy_changes]]\ndate = "someday"\ncause = "refunds"\n',
        encoding="utf-8")
    app = causes_page(monkeypatch, fixture_workdir)
    assert any("Policy changes are not shown" in w.value for w in app.warning)
