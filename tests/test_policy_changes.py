"""Policy changes: storywatch.toml's [[policy_changes]] checked, and the before/after comparison
on a real warehouse with a planted change (returns complaints stop after the change day)."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from storywatch.config import ConfigError, load_settings
from storywatch.policy_options import PolicyChange
from storywatch.warehouse import connect, connect_read_only
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.policy_changes import MIN_STORIES, policy_effects
from storywatch.warehouse.tags import save_tags, text_hash

CHANGE_DAY = date(2026, 9, 1)
COMPLAINT = "They refused my return without the paper receipt."


def _story(number: int, day: date, sentiment: str, cause: str | None,
           brand: str = "Northwind") -> tuple[dict, dict]:
    body = COMPLAINT if cause == "returns" and sentiment == "negative" else \
        f"Story {number}: the sofa was fine."
    record = {"story_key": f"plant:{brand}-{number}", "source": "schema_org", "brand": brand,
              "is_competitor": brand != "Northwind", "body": body,
              "published_at": datetime.combine(day, datetime.min.time()).isoformat() + "Z",
              "story_url": f"https://reviews.example/{number}"}
    tags = {"sentiment": sentiment, "sentiment_score": -0.9 if sentiment == "negative" else 0.9,
            "language": "en", "sentences": [],
            "causes": ([{"cause": cause, "owner": "Operations", "score": 0.9, "evidence": body,
                         "evidence_sentiment": sentiment}] if cause else [])}
    return record, tags


def _planted() -> list[tuple[dict, dict]]:
    """Two stories of ours a day for 28 days either side of the change. Before it, every other
    day's first story complains about returns; after it, none does. A competitor complains
    about returns all along (ours only is counted)."""
    stories, number = [], 0
    for offset in range(-28, 28):
        day = CHANGE_DAY + timedelta(days=offset)
        complaint = offset < 0 and offset % 2 == 0
        stories.append(_story(number, day, "negative" if complaint else "positive",
                              "returns" if complaint else "staff"))
        stories.append(_story(number + 1, day, "positive", None))
        stories.append(_story(number + 2, day, "negative", "returns", brand="HomeHaven"))
        number += 3
    return stories


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("policy")
    writer = connect(workdir)
    planted = _planted()
    upsert_stories(writer, [record for record, _ in planted], landing_file="plant.jsonl")
    save_tags(writer, "plant-model", [(r["story_key"], text_hash(r["body"]), t)
                                      for r, t in planted])
    writer.close()
    reader = connect_read_only(workdir)
    yield reader
    reader.close()


def test_a_change_that_stopped_complaints_is_better_and_significant(con):
    [row] = policy_effects(con, [PolicyChange(CHANGE_DAY, "returns", "no receipt needed")],
                           as_of=CHANGE_DAY + timedelta(days=60),
                           labels={"returns": "Returns and exchanges"}).itertuples()
    # 28 days each side, two stories of ours a day; 14 complaints before, none after.
    assert (row.days_compared, row.stories_before, row.stories_after) == (28, 56, 56)
    assert (row.negative_before, row.negative_after) == (14, 0)
    assert row.negative_share_before == 25.0 and row.negative_share_after == 0.0
    assert row.verdict == "better" and row.p_value < 0.001
    assert row.sentence.startswith("Returns and exchanges (2026-09-01: no receipt needed): "
                                   "better since the change")


def test_a_cause_the_change_did_not_touch_shows_no_clear_change(con):
    # "staff" praise stops at the change too, but praise is not the negative share: 0 -> 0.
    [row] = policy_effects(con, [PolicyChange(CHANGE_DAY, "staff")],
                           as_of=date(2026, 12, 1)).itertuples()
    assert (row.negative_before, row.negative_after) == (0, 0)
    assert row.verdict == "no clear change" and row.p_value == 1.0


def test_sides_stay_equally_long_while_the_change_is_recent(con):
    as_of = CHANGE_DAY + timedelta(days=9)  # ten days since the change, counted from its day
    [row] = policy_effects(con, [PolicyChange(CHANGE_DAY, "returns", weeks=4)],
                           as_of=as_of).itertuples()
    assert row.days_compared == 10
    assert row.before_since == CHANGE_DAY - timedelta(days=10)
    assert (row.stories_before, row.stories_after) == (20, 20)
    assert row.negative_before == 5  # complaints on days -10, -8, -6, -4, -2


def test_too_few_stories_and_not_yet(con):
    rows = policy_effects(con, [PolicyChange(CHANGE_DAY, "returns"),
                                PolicyChange(CHANGE_DAY + timedelta(days=5), "returns")],
                          as_of=CHANGE_DAY + timedelta(days=2))
    assert rows.loc[0, "stories_after"] < MIN_STORIES and rows.loc[0, "verdict"] == "too few"
    assert "too few stories to judge" in rows.loc[0, "sentence"]
    assert rows.loc[1, "verdict"] == "not yet" and rows.loc[1, "days_compared"] == 0


def _config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "storywatch.toml"
    path.write_text('[brand]\nname = "Northwind"\n' + body, encoding="utf-8")
    return path


def test_config_reads_policy_changes_oldest_first(tmp_path):
    _config(tmp_path, '[[policy_changes]]\ndate = "2026-09-01"\ncause = "returns"\n'
                      'note = "receipts no longer required"\n\n'
                      '[[policy_changes]]\ndate = 2026-03-02\ncause = "refunds"\nweeks = 8\n')
    assert load_settings(tmp_path).policy_changes == (
        PolicyChange(date(2026, 3, 2), "refunds", "", 8),
        PolicyChange(date(2026, 9, 1), "returns", "receipts no longer required", 4))


@pytest.mark.parametrize(("entry", "message"), [
    ('date = "2026-09-01"\ncause = "returns"\nnte = "x"', "unknown option 'nte' .*did you mean 'note'"),
    ('date = "2026-09-01"\ncause = "retruns"', "'retruns' is not in the taxonomy .*did you mean 'returns'"),
    ('date = "1 Sept"\ncause = "returns"', "is not a date; write it as \"YYYY-MM-DD\""),
    ('cause = "returns"', "policy change #1: lacks date"),
    ('date = "2026-09-01"\ncause = "returns"\nweeks = 0', "weeks = 0 must be a whole number"),
])
def test_config_names_what_is_wrong_with_an_entry(tmp_path, entry, message):
    _config(tmp_path, f"[[policy_changes]]\n{entry}\n")
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path)


def test_a_single_table_instead_of_an_array_is_an_error(tmp_path):
    _config(tmp_path, '[policy_changes]\ndate = "2026-09-01"\ncause = "returns"\n')
    with pytest.raises(ConfigError, match=r"write \[\[policy_changes\]\]"):
        load_settings(tmp_path)
