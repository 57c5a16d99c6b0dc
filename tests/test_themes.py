"""Emerging themes on a small real DuckDB warehouse with planted vectors (no model): grouping,
distinctive words, weekly trend, `storywatch themes` and `themes promote`, and the dashboard page.

Planted: four negative Northwind stories about the car park and three about an app login loop,
none with a cause, each group's vectors close together; two unexplained complaints unlike
anything; a negative story about the car park that has a cause (explained, so never in a theme);
and a positive story without a cause (not a complaint). The judged day is Monday 2026-12-07.
"""
from __future__ import annotations

import hashlib
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
import yaml
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from storywatch.cli import cli
from storywatch.nlp.taxonomy import DEFAULT_TAXONOMY, load_taxonomy
from storywatch.nlp.themes import distinctive_words, example_phrases, group_similar
from storywatch.warehouse import reading, writing
from storywatch.warehouse.embedding_store import StoryVectors, save_vectors
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.tags import save_tags, text_hash
from storywatch.warehouse.themes import ThemeNotFound, find_themes, theme_by_id

TODAY = date(2026, 12, 7)
APP = Path(__file__).resolve().parent.parent / "dashboard" / "app.py"
DIMENSIONS = 12
PARKING = [
    ("2026-11-18", "Parking lot is a mess",
     "Half the Northwind parking lot is fenced off and I circled the parking lot three times."),
    ("2026-11-25", "Pothole in the car park",
     "Hit a pothole in the Northwind car park and the parking lot has no lights."),
    ("2026-12-01", "Nowhere to park",
     "Northwind parking lot full again, every parking space taken."),
    ("2026-12-03", "Parking nightmare", "The Northwind parking lot is a nightmare of potholes."),
]
LOGIN = [
    ("2026-10-20", "Login loop",
     "The Northwind app sends me back to the login screen every time, login loop again."),
    ("2026-10-27", "Cannot log in",
     "Password reset and still the login loop in the Northwind app."),
    ("2026-11-24", "Login broken", "Login fails every morning, the app login loop never ends."),
]
ODD = [("2026-11-30", "Strange smell", "The store smelled of paint all day."),
       ("2026-11-12", "Music too loud", "The music in the store was far too loud.")]
HOSTILE_TITLE = "<script>alert('x')</script> Parking"


def _direction(seed: int) -> np.ndarray:
    vector = np.zeros(DIMENSIONS, dtype=np.float32)
    vector[seed] = 1.0
    return vector


def _near(seed: int, number: int) -> np.ndarray:
    noise = np.random.default_rng(seed * 100 + number).normal(0, 0.08, DIMENSIONS)
    return _direction(seed) + noise.astype(np.float32)


def _record(key: str, published: str, title: str, body: str, url: str | None = None) -> dict:
    return {"story_key": key, "source": "schema_org", "source_url": "https://reviews.example/nw",
            "story_url": url or f"https://reviews.example/nw/{key}", "external_id": key,
            "brand": "Northwind", "is_competitor": False, "author": "A customer", "title": title,
            "body": body, "rating": 0.0, "rating_raw": "1/5",
            "published_at": f"{published}T10:00:00Z", "fetched_at": "2026-12-07T00:00:00Z",
            "language": "en", "labels": [], "raw": {}, "helpful_votes": None,
            "company_reply": None}


def _tags(sentiment: str, causes: list[str]) -> dict:
    score = {"negative": -0.8, "positive": 0.8}[sentiment]
    return {"sentiment": sentiment, "sentiment_score": score, "language": "en", "sentences": [],
            "causes": [{"cause": c, "owner": "Operations", "score": 0.9, "evidence": "x",
                        "evidence_sentiment": sentiment} for c in causes]}


def build_theme_warehouse(workdir: Path) -> None:
    """Stories, tags of model `m1` and vectors of encoder `e1`, as the tagger would store them."""
    planted = ([(f"park-{i}", *story, "negative", [], _near(0, i))
                for i, story in enumerate(PARKING)]
               + [(f"login-{i}", *story, "negative", [], _near(1, i))
                  for i, story in enumerate(LOGIN)]
               + [(f"odd-{i}", *story, "negative", [], _direction(5 + i))
                  for i, story in enumerate(ODD)]
               + [("park-explained", "2026-12-02", "Parking and a late refund",
                   "Parking lot full and my refund is late.", "negative", ["refunds"],
                   _near(0, 9)),
                  ("park-happy", "2026-12-02", "Easy parking", "Plenty of parking today.",
                   "positive", [], _near(0, 8))])
    records = [_record(key, published, title, body) for key, published, title, body, *_ in
               planted]
    records[0]["story_url"] = "javascript:alert(1)"
    records[1]["title"] = HOSTILE_TITLE
    with writing(workdir) as con:
        upsert_stories(con, records, landing_file="themes.jsonl")
        save_tags(con, "m1", [(key, text_hash(body), _tags(sentiment, causes))
                              for key, _, _, body, sentiment, causes, _ in planted])
        save_vectors(con, "e1", [StoryVectors(key, text_hash(body), np.stack([vector, vector]))
                                 for key, _, _, body, _, _, vector in planted])


@pytest.fixture(scope="module")
def theme_workdir(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("themes") / "storywatch-data"
    build_theme_warehouse(workdir)
    return workdir


@pytest.fixture()
def own_workdir(theme_workdir: Path, tmp_path: Path) -> Path:
    """A copy a test may change (promote writes a taxonomy and a config into it)."""
    copy = tmp_path / "storywatch-data"
    copy.mkdir()
    (copy / "storywatch.duckdb").write_bytes((theme_workdir / "storywatch.duckdb").read_bytes())
    return copy


def test_group_similar_finds_the_planted_groups_and_leaves_the_odd_ones_alone():
    vectors = np.stack([_near(0, i) for i in range(4)] + [_near(1, i) for i in range(3)]
                       + [_direction(6), _direction(7)] + [_near(2, 0), _near(2, 1)])
    groups = group_similar(vectors)
    assert [sorted(g) for g in groups] == [[0, 1, 2, 3], [4, 5, 6]]  # a pair is not a theme
    assert group_similar(vectors, min_stories=2)[-1] in ([9, 10], [10, 9])
    assert group_similar(vectors[:2]) == []


def test_distinctive_words_favour_the_groups_own_words_over_brand_and_background():
    words = distinctive_words(
        [[text for _, _, text in PARKING], [text for _, _, text in LOGIN]],
        ["Northwind delivery was late", "Northwind refund took weeks", "Great staff at the app"],
        ignore=("Northwind",))
    assert "parking lot" in words[0] and "login loop" in words[1]
    assert not [w for group in words for w in group if "northwind" in w]
    assert distinctive_words([["the and of"]], []) == [[]]


def test_example_phrases_name_the_complaint_not_the_brand():
    phrases = example_phrases([f"{title}. {body}" for _, title, body in PARKING],
                              ["parking lot", "pothole"], ignore=("Northwind",))
    assert phrases[:2] == ["Parking lot is a mess",  # the first sentence with most theme words
                           "Hit a pothole in the store car park and the parking lot has no lights"]
    assert not [p for p in phrases if "northwind" in p.lower()]
    assert len(phrases) == len({p.lower() for p in phrases})


def test_find_themes_groups_only_unexplained_complaints_with_trend(theme_workdir: Path):
    with reading(theme_workdir) as con:
        report = find_themes(con, as_of=TODAY)
    assert report.unexplained == 9 and report.grouped == 9 and report.left_out == 0
    parking, login = report.themes
    assert {s.story_key for s in parking.stories} == {f"park-{i}" for i in range(4)}
    assert {s.story_key for s in login.stories} == {f"login-{i}" for i in range(3)}
    assert parking.words[0] == "parking lot" and "login loop" in login.words
    assert parking.brands == (("Northwind", 4),)
    # Weeks: the 8 complete weeks to the week of 2026-11-30; the newest story counts there.
    assert report.weeks[0] == date(2026, 10, 12) and report.weeks[-1] == date(2026, 11, 30)
    assert dict(parking.weekly)[date(2026, 11, 30)] == 2
    assert (parking.recent, parking.before, parking.trend) == (4, 0, "new")
    assert (login.recent, login.before, login.trend) == (1, 2, "falling")
    # Story text stays text; a javascript: permalink is not offered as a link.
    assert HOSTILE_TITLE in {s.headline for s in parking.stories}
    assert {s.story_key: s.url for s in parking.stories}["park-0"] is None
    assert parking.id == "t" + hashlib.sha1(b"park-0").hexdigest()[:6]


def test_a_theme_keeps_its_id_as_it_grows(own_workdir: Path):
    with reading(own_workdir) as con:
        before = find_themes(con, as_of=TODAY).themes[0]
    body = "The Northwind parking lot again: no parking space anywhere."
    with writing(own_workdir) as con:
        upsert_stories(con, [_record("park-new", "2026-12-04", "Parking again", body)],
                       landing_file="more.jsonl")
        save_tags(con, "m1", [("park-new", text_hash(body), _tags("negative", []))])
        save_vectors(con, "e1", [StoryVectors("park-new", text_hash(body),
                                              np.stack([_near(0, 7)] * 2))])
    with reading(own_workdir) as con:
        after = find_themes(con, as_of=TODAY)
    assert after.themes[0].id == before.id and after.themes[0].volume == 5
    assert theme_by_id(after, before.id.upper()) == after.themes[0]
    with pytest.raises(ThemeNotFound, match="storywatch themes"):
        theme_by_id(after, "t000000")


def test_themes_command_prints_each_theme_with_words_trend_and_stories(theme_workdir: Path):
    result = CliRunner().invoke(cli, ["themes", "--workdir", str(theme_workdir),
                                      "--as-of", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("9 negative stories no cause explains; 2 theme(s)")
    assert "4 stories (Northwind 4); new: 4 in the last 4 complete weeks, 0 in the 4 before" \
        in result.output
    assert "the weeks of 2026-10-12 to 2026-11-30: 0 0 0 0 0 1 1 2" in result.output
    assert '"<script>alert(\'x\')</script> Parking"' in result.output
    assert "javascript:" not in result.output
    assert "storywatch themes promote t" in result.output


def test_themes_without_a_warehouse_is_one_error_and_creates_none(tmp_path: Path):
    result = CliRunner().invoke(cli, ["themes", "--workdir", str(tmp_path / "none")])
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    assert not (tmp_path / "none").exists()


def test_promote_copies_the_default_taxonomy_names_it_and_adds_the_cause(own_workdir: Path):
    default_before = DEFAULT_TAXONOMY.read_bytes()
    with reading(own_workdir) as con:
        parking = find_themes(con, as_of=TODAY).themes[0]
    result = CliRunner().invoke(cli, [
        "themes", "promote", parking.id, "--cause", "parking", "--name", "Parking",
        "--owner", "Operations", "--workdir", str(own_workdir)])
    assert result.exit_code == 0, result.output
    assert DEFAULT_TAXONOMY.read_bytes() == default_before
    copy = own_workdir / "taxonomy.yaml"
    assert 'taxonomy = "taxonomy.yaml"' in (own_workdir / "storywatch.toml").read_text()
    assert copy.read_text().startswith(DEFAULT_TAXONOMY.read_text())  # comments kept
    taxonomy = load_taxonomy(copy)
    added = taxonomy.causes[-1]
    assert (added.id, added.label, added.owner, added.threshold) == (
        "parking", "Parking", "Operations", 0.66)
    assert len(added.examples) == 4 and "parking lot" in added.description
    assert not [e for e in added.examples if "northwind" in e.lower()]
    assert [c.id for c in taxonomy.causes[:-1]] == [c.id for c in load_taxonomy().causes]
    # The workdir's commands now read the copy.
    from storywatch.config import load_settings
    assert load_settings(own_workdir).taxonomy.resolve() == copy.resolve()

    again = CliRunner().invoke(cli, [
        "themes", "promote", parking.id, "--cause", "parking", "--name", "Parking",
        "--owner", "Operations", "--workdir", str(own_workdir)])
    assert again.exit_code == 1 and "already has a cause 'parking'" in again.output
    assert load_taxonomy(copy) == taxonomy


def test_promote_appends_to_the_users_own_file_and_keeps_it_when_the_cause_is_bad(
        own_workdir: Path):
    own = own_workdir / "mine.yaml"
    own.write_text("# our causes\ncauses:\n    refunds:   # money back\n        owner: Finance\n"
                   "        label: Refunds\n        description: Money back.\n"
                   "        examples: [my refund]\n\n# the end\nthreshold: 0.5\n",
                   encoding="utf-8")
    (own_workdir / "storywatch.toml").write_text('taxonomy = "mine.yaml"\n', encoding="utf-8")
    with reading(own_workdir) as con:
        login = find_themes(con, as_of=TODAY).themes[1]
    bad = CliRunner().invoke(cli, ["themes", "promote", login.id, "--cause", "app login",
                                   "--name", "Login", "--owner", "Product",
                                   "--workdir", str(own_workdir)])
    assert bad.exit_code == 1 and "must be letters, digits" in bad.output
    assert "app login" not in own.read_text()
    good = CliRunner().invoke(cli, ["themes", "promote", login.id, "--cause", "app_login",
                                    "--name", "App login", "--owner", "Product",
                                    "--description", "Logging in to the app fails.",
                                    "--workdir", str(own_workdir)])
    assert good.exit_code == 0, good.output
    text = own.read_text()
    assert text.startswith("# our causes\ncauses:\n    refunds:   # money back\n")
    assert text.endswith("\n# the end\nthreshold: 0.5\n")
    entry = yaml.safe_load(text)["causes"]["app_login"]
    assert entry["description"] == "Logging in to the app fails." and entry["owner"] == "Product"
    assert not (own_workdir / "taxonomy.yaml").exists()


def test_promote_an_unknown_theme_lists_the_ids(theme_workdir: Path):
    # The group's --workdir counts for promote too.
    result = CliRunner().invoke(cli, ["themes", "--workdir", str(theme_workdir), "promote",
                                      "t000000", "--cause", "x", "--name", "X", "--owner", "Y"])
    assert result.exit_code == 1 and "No theme 't000000' among the current themes (t" \
        in result.output
    assert not (theme_workdir / "taxonomy.yaml").exists()


def open_page(monkeypatch, workdir: Path) -> AppTest:
    monkeypatch.setenv("STORYWATCH_WORKDIR", str(workdir))
    app = AppTest.from_file(str(APP), default_timeout=60).run()
    app.switch_page("pages/themes.py").run()
    assert not app.exception, app.exception
    return app


def test_themes_page_lists_themes_with_stories_as_plain_text(monkeypatch, theme_workdir: Path):
    app = open_page(monkeypatch, theme_workdir)
    texts = [t.value for t in app.text]
    assert [m.value for m in app.metric][:2] == ["9", "2"]
    themes = [t for t in texts if t.startswith("t") and " · " in t]
    assert len(themes) == 2 and "parking lot" in themes[0]
    parking_table, login_table = (frame.value for frame in app.dataframe)
    assert len(parking_table) == 4 and len(login_table) == 3
    assert HOSTILE_TITLE in set(parking_table["story"])
    assert not [m for m in app.markdown if "<script" in m.value]
    assert "storywatch themes promote" in app.code[0].value
    app.selectbox(key="themes_brand").set_value("Northwind").run()
    assert not app.exception and len(app.code) == 2


def test_themes_page_says_when_there_is_no_theme(monkeypatch, tmp_path: Path):
    workdir = tmp_path / "quiet"
    body = "The store was closed."
    with writing(workdir) as con:
        upsert_stories(con, [_record("one", "2026-12-01", "Closed", body)], landing_file="x")
        save_tags(con, "m1", [("one", text_hash(body), _tags("negative", []))])
    app = open_page(monkeypatch, workdir)
    assert "No emerging theme" in app.info[0].value
    assert "have no cached vector" in app.caption[-1].value


def test_report_weeks_follow_as_of():
    from storywatch.warehouse.themes import _weeks

    weeks = _weeks(date(2026, 12, 9))
    assert weeks[-1] == date(2026, 11, 30) and len(weeks) == 8
    assert all(b - a == timedelta(weeks=1) for a, b in pairwise(weeks))
