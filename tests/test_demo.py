"""The demo end to end: demo site -> real Scrapy crawl -> landing -> DuckDB -> real model tags -> export.

This is the walking skeleton as a user runs it (`storywatch demo --headless`), with the session's
model so it is loaded once.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch import nlp, pipeline
from storywatch.cli import cli
from storywatch.config import load_settings
from storywatch.demo_site.site import DEFAULT_STORIES, PLANTED_STORIES
from storywatch.warehouse import connect_read_only
from storywatch.warehouse.sql import run_query

# The demo serves its stories and the planted recent change.
STORIES = (DEFAULT_STORIES, PLANTED_STORIES)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory, tagger):
    """`storywatch demo --headless` once, with the session's tagger."""
    workdir = tmp_path_factory.mktemp("demo") / "storywatch-data"
    patch = pytest.MonkeyPatch()
    patch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)
    try:
        result = CliRunner().invoke(cli, ["demo", "--headless", "--workdir", str(workdir)],
                                    catch_exceptions=False)
    finally:
        patch.undo()
    return workdir, result


def test_demo_headless_exits_zero_and_says_where(demo_run):
    workdir, result = demo_run
    assert result.exit_code == 0, result.output
    assert f"DuckDB file: {(workdir / 'storywatch.duckdb').resolve()}" in result.output
    exports = [line.split(": ", 1)[1] for line in result.output.splitlines()
               if line.startswith("Export: ")]
    assert {Path(p).suffix for p in exports} == {".html", ".pdf", ".csv", ".xlsx"}
    assert all(Path(p).stat().st_size > 0 for p in exports)


def test_every_demo_story_lands_once_and_is_tagged(demo_run):
    workdir, _ = demo_run
    expected = sum(1 for path in STORIES
                   for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    landed = [json.loads(line) for path in sorted((workdir / "landing").glob("*.jsonl"))
              for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(landed) == expected
    assert not list((workdir / "landing").glob("*.part"))
    counts = run_query(workdir, """
        SELECT count(*) AS stories, count(DISTINCT brand) AS brands,
               count(sentiment) AS tagged, count(DISTINCT week) AS weeks
        FROM story_facts""").iloc[0]
    assert counts["stories"] == expected
    assert counts["brands"] == 3
    assert counts["tagged"] == expected
    assert counts["weeks"] >= 12
    sources = set(run_query(workdir, "SELECT DISTINCT source FROM story_facts")["source"])
    assert sources == {"schema_org", "trustpilot", "appstore", "cfpb"}


def test_demo_tags_have_causes_with_evidence_and_owner(demo_run):
    workdir, _ = demo_run
    causes = run_query(workdir, "SELECT * FROM story_causes")
    assert len(causes) > 50
    assert set(causes["owner"]) <= {"Operations", "Sales", "Service", "Finance", "Product"}
    assert causes["evidence"].str.len().min() > 0
    bodies = run_query(workdir, "SELECT story_key, title, body FROM story_facts")
    text = {row.story_key: f"{row.title or ''}\n{row.body}" for row in bodies.itertuples()}
    assert all(ev in text[key] for key, ev in zip(causes["story_key"], causes["evidence"]))


def test_load_again_and_tag_again_change_nothing(demo_run, tagger):
    workdir, _ = demo_run
    settings = load_settings(workdir)
    con = connect_read_only(workdir)
    before = con.execute("SELECT count(*) FROM stories").fetchone()[0]
    tags_before = con.execute("SELECT count(*) FROM story_tags").fetchone()[0]
    con.close()
    assert pipeline.load(settings).inserted == 0
    assert pipeline.tag(settings, tagger=tagger).stories == 0
    con = connect_read_only(workdir)
    assert con.execute("SELECT count(*) FROM stories").fetchone()[0] == before
    assert con.execute("SELECT count(*) FROM story_tags").fetchone()[0] == tags_before
    con.close()
