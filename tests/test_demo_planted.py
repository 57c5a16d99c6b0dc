"""The demo's planted change, end to end with the real model: the demo site dates its stories for
today, and on the demo warehouse `storywatch alerts` finds Northwind's worsening deliveries, a
competitor is praised for the receipt policy Northwind is criticised for, and the car-park
complaints no cause explains come out as one emerging theme, which `themes promote` turns into a
cause that re-tagging then links. The planted stories are never training data.
"""
from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch import nlp
from storywatch.cli import cli
from storywatch.demo_site.site import DEFAULT_STORIES, PLANTED_STORIES, DemoSite, dated_for
from storywatch.nlp.labelled import DEMO_STORIES, training_pool
from storywatch.warehouse import reading
from storywatch.warehouse.sql import run_query
from storywatch.warehouse.themes import find_themes

PLANTED = [json.loads(line) for line in PLANTED_STORIES.read_text(encoding="utf-8").splitlines()
           if line.strip()]


def planted(part: str) -> list[dict]:
    return [story for story in PLANTED if story.get("planted") == part]


def test_planted_stories_are_served_but_never_trained_on():
    assert DEMO_STORIES == DEFAULT_STORIES and PLANTED_STORIES != DEMO_STORIES
    trained = {story.id for split in training_pool().values() for story in split}
    assert not trained & {story["id"] for story in PLANTED}
    with DemoSite() as site:
        served = {story["id"] for story in site.stories}
    assert {story["id"] for story in PLANTED} <= served
    assert {"worse_cause", "competitor_praised", "new_theme"} <= {s.get("planted")
                                                                  for s in PLANTED}


def test_dates_move_by_whole_weeks_so_the_newest_week_is_the_last_complete_one():
    stories = [{"id": "a", "published": "2026-11-30", "reply_date": "2026-12-02"},
               {"id": "b", "published": "2026-12-06", "reply_date": None},
               {"id": "c", "published": "2026-08-03", "reply_date": None}]
    today = date(2027, 3, 10)  # a Wednesday
    moved = {s["id"]: s for s in dated_for(stories, today)}
    assert moved["b"]["published"] == "2027-03-07"  # the Sunday before today's week
    assert moved["a"]["published"] == "2027-03-01" and moved["a"]["reply_date"] == "2027-03-03"
    assert date.fromisoformat(moved["c"]["published"]).weekday() == 0
    assert dated_for(stories, date(2026, 12, 7)) == stories  # the week they were written for
    assert stories[0]["published"] == "2026-11-30"  # the input is left alone


def test_the_planted_policy_change_is_dated_like_the_stories_and_recorded_in_the_config(tmp_path):
    from storywatch.config import load_settings, render_config

    with DemoSite(today=date(2027, 3, 10)) as site:
        [change] = site.policy_changes()
        worse = [s for s in site.stories if s.get("planted") == "worse_cause"]
        config = tmp_path / "storywatch.toml"
        config.write_text(render_config("Northwind", ["HomeHaven"], [], site.policy_changes()),
                          encoding="utf-8")
    # Moved by the same whole weeks as the stories: still a Monday, before the worsening.
    assert date.fromisoformat(change["date"]) == date(2026, 11, 16) + timedelta(weeks=13)
    assert date.fromisoformat(change["date"]) <= min(date.fromisoformat(s["published"])
                                                     for s in worse)
    [recorded] = load_settings(tmp_path, config).policy_changes
    assert (str(recorded.day), recorded.cause) == (change["date"], "delays")
    # A file of one's own (tests) carries no planted change.
    with DemoSite(DEFAULT_STORIES) as site:
        assert site.policy_changes() == []


@pytest.fixture(scope="module")
def demo_workdir(tmp_path_factory, tagger) -> Path:
    """`storywatch demo --headless` once, with the session's tagger."""
    workdir = tmp_path_factory.mktemp("planted") / "storywatch-data"
    patch = pytest.MonkeyPatch()
    patch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)
    try:
        result = CliRunner().invoke(cli, ["demo", "--headless", "--workdir", str(workdir)],
                                    catch_exceptions=False)
    finally:
        patch.undo()
    assert result.exit_code == 0, result.output
    return workdir


def test_alerts_find_northwinds_worsening_deliveries(demo_workdir: Path):
    result = CliRunner().invoke(cli, ["alerts", "--workdir", str(demo_workdir), "--dry-run"])
    assert result.exit_code == 0, result.output
    alerts = [line for line in result.output.splitlines() if line.startswith("- ")]
    assert any(line.startswith("- Delivery and delays: ") and "negative stories about Northwind"
               in line for line in alerts), result.output
    assert not [line for line in alerts if "HomeHaven" in line or "Brightmart" in line]
    # The demo itself stored it, so its Alerts page and exec report show it.
    stored = run_query(demo_workdir, "SELECT brand, cause FROM alerts")
    assert list(stored.itertuples(index=False, name=None)) == [("Northwind", "delays")]
    assert any("Delivery and delays: " in path.read_text(encoding="utf-8")
               for path in (demo_workdir / "exports").glob("*.html"))


def test_homehaven_is_praised_for_the_receipt_policy_northwind_is_criticised_for(
        demo_workdir: Path):
    today = date.today()
    since = today - timedelta(days=today.weekday(), weeks=3)  # the planted weeks
    rows = run_query(demo_workdir, f"""
        SELECT brand, sentiment, count(*) AS stories FROM story_causes
        WHERE cause = 'receipts' AND published_at >= DATE '{since.isoformat()}'
        GROUP BY ALL""")
    counts = {(r.brand, r.sentiment): r.stories for r in rows.itertuples()}
    assert counts.get(("HomeHaven", "positive"), 0) >= 3
    assert counts.get(("Northwind", "negative"), 0) >= 3
    assert not counts.get(("HomeHaven", "negative")) and not counts.get(("Northwind", "positive"))


def test_the_car_park_complaints_are_one_new_theme_that_promote_turns_into_a_cause(
        demo_workdir: Path, tagger, tmp_path: Path):
    from storywatch import pipeline
    from storywatch.config import load_settings
    from storywatch.nlp.tagger import Tagger
    from storywatch.nlp.taxonomy import load_taxonomy

    with reading(demo_workdir) as con:
        report = find_themes(con)
    car_park = {s["title"] for s in planted("new_theme")}
    (theme,) = [t for t in report.themes if {s.headline for s in t.stories} & car_park]
    assert {s.headline for s in theme.stories} == car_park
    assert theme.trend == "new" and theme.brands == (("Northwind", len(car_park)),)
    assert "parking" in " ".join(theme.words)

    workdir = tmp_path / "storywatch-data"
    workdir.mkdir()
    for name in ("storywatch.duckdb", "storywatch.toml"):
        (workdir / name).write_bytes((demo_workdir / name).read_bytes())
    result = CliRunner().invoke(cli, ["themes", "promote", theme.id, "--cause", "parking",
                                      "--name", "Parking", "--owner", "Operations",
                                      "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    settings = load_settings(workdir)
    retagger = Tagger(tagger.encoder, tagger.head, load_taxonomy(settings.taxonomy))
    report = pipeline.tag(settings, tagger=retagger)
    assert report.stories > 0
    linked = run_query(workdir, """
        SELECT f.title FROM story_causes c JOIN story_facts f USING (story_key)
        WHERE c.cause = 'parking'""")
    assert set(linked["title"]) == car_park
    with reading(workdir) as con:
        assert not [t for t in find_themes(con).themes
                    if {s.headline for s in t.stories} & car_park]
