"""`storywatch eval --suite real`: mappings, the fixed test split, baselines, the command."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch import nlp
from storywatch.cli import cli
from storywatch.nlp import real_mappings as maps
from storywatch.nlp.baselines import KeywordBaseline, Prediction
from storywatch.nlp.real_eval import SUITE, load_rows, score_rows
from storywatch.nlp.real_labels import NoHandLabels, RealLabelError, read_hand_labels
from storywatch.nlp.real_sets import RealRow, read_laptops, stars_of
from storywatch.nlp.real_split import hash_test, is_test
from storywatch.nlp.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def _write_csv(path: Path, rows: list[dict]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize(("label", "cause"), [
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "LAPTOP#PRICE"), "pricing"),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "SUPPORT#PRICE"), "pricing"),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "SUPPORT#QUALITY"), "support"),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "SHIPPING#QUALITY"), "delays"),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "LAPTOP#QUALITY"), "quality"),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "BATTERY#QUALITY"), "quality"),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "WARRANTY#GENERAL"), None),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "LAPTOP#DESIGN_FEATURES"), None),
    (lambda: maps.rule_cause(maps.LAPTOP_RULES, "COMPANY#GENERAL"), None),
    (lambda: maps.rule_cause(maps.HOTEL_EN_RULES, "HOTEL#PRICES"), "pricing"),
    (lambda: maps.rule_cause(maps.HOTEL_EN_RULES, "SERVICE#GENERAL"), "staff"),
    (lambda: maps.rule_cause(maps.HOTEL_EN_RULES, "LOCATION#GENERAL"), None),
    (lambda: maps.rule_cause(maps.HOTEL_DE_RULES, "SERVICE"), "staff"),
    (lambda: maps.rule_cause(maps.HOTEL_DE_RULES, "LAGE"), None),
    (lambda: maps.rule_cause(maps.GERMEVAL_RULES, "Sonstige_Unregelmässigkeiten"), "delays"),
    (lambda: maps.rule_cause(maps.GERMEVAL_RULES, "Ticketkauf"), "ordering"),
    (lambda: maps.rule_cause(maps.GERMEVAL_RULES, "Service_und_Kundenbetreuung"), "support"),
    (lambda: maps.rule_cause(maps.GERMEVAL_RULES, "DB_App_und_Website"), "website_app"),
    (lambda: maps.rule_cause(maps.GERMEVAL_RULES, "Auslastung_und_Platzangebot"), None),
    (lambda: maps.CFPB_ISSUES["Charged fees or interest you didn't expect"], "billing"),
    (lambda: maps.CFPB_ISSUES["Problem when making payments"], "billing"),
    (lambda: maps.CFPB_ISSUES["Received a loan you didn't apply for"], "credit"),
    (lambda: maps.CFPB_ISSUES["Can't contact lender or servicer"], "support"),
    (lambda: maps.CFPB_PRODUCTS["Credit reporting"], "credit"),
    (lambda: maps.CFPB_PRODUCTS["Debt collection"], None),
    (lambda: maps.AIRLINE_RATINGS["cabin_staff_service"], "staff"),
    (lambda: maps.AIRLINE_RATINGS["value_for_money"], "pricing"),
    (lambda: maps.AIRLINE_RATINGS["customer_service"], "support"),
    (lambda: maps.AIRLINE_RATINGS["checkin_boarding"], "waiting"),
    (lambda: maps.AIRLINE_RATINGS.get("ground_service"), None),
    (lambda: maps.APP_LABELS["bug_report"], frozenset({"website_app"})),
    (lambda: maps.APP_LABELS.get("rating"), None),
])
def test_set_labels_map_to_the_documented_causes(label, cause) -> None:
    assert label() == cause


def test_every_mapped_cause_is_a_taxonomy_cause() -> None:
    ids = {c.id for c in TAXONOMY.causes}
    for real_set in SUITE:
        assert set(real_set.causes) - {"*"} <= ids, real_set.name


def test_every_cfpb_issue_in_the_data_has_a_decision(shared_data) -> None:
    """A new issue in the file must be mapped or marked as unmapped on purpose."""
    with (shared_data / "cfpb_narratives_issue_extra.csv").open(newline="",
                                                                encoding="utf-8") as handle:
        issues = {row["issue"] for row in csv.DictReader(handle)} - {""}
    assert issues <= set(maps.CFPB_ISSUES), issues - set(maps.CFPB_ISSUES)


def test_the_hash_split_is_fixed() -> None:
    assert hash_test("x.csv", "row=1") and hash_test("x.csv", "row=5")
    assert not hash_test("x.csv", "row=0") and not hash_test("app_reviews_labelled.csv", "row=0")
    assert is_test("app_reviews_labelled.csv", "row=2")
    share = sum(hash_test("x.csv", f"row={i}") for i in range(2000)) / 2000
    assert 0.27 < share < 0.33


def test_official_splits_are_used_and_shared_texts_are_grouped(tmp_path) -> None:
    rows = [{"id": "a", "text": "Support never called back.", "dataset":
             "semeval2016_task5_laptops_test_gold", "out_of_scope": False,
             "aspect_categories": [{"category": "SUPPORT#QUALITY", "polarity": "negative"}]},
            {"id": "b", "text": "Support never called back.", "dataset":
             "semeval2016_task5_laptops_train", "out_of_scope": False, "aspect_categories": []},
            {"id": "c", "text": "Nice screen.", "dataset": "semeval2016_task5_laptops_train",
             "out_of_scope": False, "aspect_categories": []},
            {"id": "d", "text": "Fast, cheap and nice.", "dataset":
             "semeval2016_task5_laptops_test_gold", "out_of_scope": False,
             "aspect_categories": [{"category": "LAPTOP#PRICE", "polarity": "positive"},
                                   {"category": "LAPTOP#DESIGN_FEATURES", "polarity": "negative"}]}]
    (tmp_path / "laptop_absa.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert [is_test("laptop_absa.jsonl", f"id={k}", tmp_path) for k in "abcd"] == [
        True, True, False, True]
    a, d = read_laptops(tmp_path, TAXONOMY)
    assert (a.key, a.sentiment, a.causes, dict(a.polarity)) == (
        "id=a", "negative", {"support"}, {"support": "negative"})
    assert (d.sentiment, d.causes) == (None, {"pricing"})  # mixed opinions: no sentiment


def test_tweets_use_the_official_test_split(shared_data) -> None:
    with (shared_data / "tweets_sentiment_3class.csv").open(newline="",
                                                            encoding="utf-8") as handle:
        splits = [row["split"] for row in csv.DictReader(handle)]
    first_val = splits.index("tweeteval_val")
    first_test = splits.index("semeval2017_test")
    assert is_test("tweets_sentiment_3class.csv", f"row={first_test}", shared_data)
    assert not is_test("tweets_sentiment_3class.csv", f"row={first_val}", shared_data)


def test_ten_point_scores_are_halved_into_stars() -> None:
    assert stars_of("9.6", "2.5-10") == pytest.approx(4.8) and stars_of("2", "1-5") == 2
    assert stars_of("4", "mixed: mostly 1-5, some 1-10") is None and stars_of("") is None


def test_keyword_baseline_finds_a_refund_and_nothing_in_hello() -> None:
    baseline = KeywordBaseline(TAXONOMY)
    refund, hello = baseline.predict(["Six weeks later I still have no refund. Terrible.",
                                      "hello"])
    assert [c for c, _ in refund.causes] == ["refunds"] and refund.sentiment == "negative"
    assert hello == Prediction("neutral", ())


def test_causes_outside_the_set_scheme_are_not_counted() -> None:
    rows = [RealRow("1", "t", "negative", causes=frozenset({"pricing"}),
                    polarity={"pricing": "negative"}),
            RealRow("2", "t", "positive", causes=frozenset())]
    preds = [Prediction("negative", (("staff", "negative"), ("pricing", "positive"))),
             Prediction("positive", (("quality", "positive"),))]
    owner_of = {c.id: c.owner for c in TAXONOMY.causes}
    figures = score_rows(rows, preds, ["pricing"], owner_of)
    assert figures["causes"]["macro_f1"] == 1.0  # staff and quality are not in the scheme
    assert figures["sentiment"]["accuracy"] == 1.0
    assert figures["polarity"] == {"rated": 1, "linked": 1, "linkage": 1.0, "right": 0,
                                   "accuracy": 0.0}
    assert "owners" not in figures and "stars" not in figures
    unlinked = score_rows(rows, [Prediction("negative"), Prediction("positive")], ["pricing"],
                          owner_of)
    assert unlinked["polarity"]["linkage"] == 0.0 and unlinked["polarity"]["accuracy"] is None


def test_hand_labels_are_read_back_from_the_data_by_key(tmp_path) -> None:
    data, labels = tmp_path / "data", tmp_path / "labels"
    data.mkdir()
    labels.mkdir()
    with pytest.raises(NoHandLabels):
        read_hand_labels(data, TAXONOMY, labels)
    _write_csv(data / "support_twitter_replies.csv",
               [{"pair_id": f"p{i}", "customer_text": f"text {i}: where is my refund"}
                for i in range(40)])
    records = [{"file": "support_twitter_replies.csv", "key": f"pair_id=p{i}",
                "field": "customer_text", "sentiment": "negative",
                "causes": [{"cause": "refunds", "polarity": "negative", "evidence": [0, 5]}]}
               for i in (16, 0, 21)]  # p0 is in the 70% that training may read
    text = "\n".join(json.dumps(r) for r in records) + '\n{"file": "torn'
    (labels / "a.jsonl").write_text(text, encoding="utf-8")
    rows = read_hand_labels(data, TAXONOMY, labels)
    assert [r.text for r in rows] == ["text 16: where is my refund", "text 21: where is my refund"]
    assert rows[0].owners == {"Operations"} and rows[0].polarity == {"refunds": "negative"}
    records[0]["causes"][0]["cause"] = "refund"
    (labels / "a.jsonl").write_text(json.dumps(records[0]) + "\n", encoding="utf-8")
    with pytest.raises(RealLabelError, match="a.jsonl line 1"):
        read_hand_labels(data, TAXONOMY, labels)


def test_eval_real_prints_all_three_columns(tagger, monkeypatch, tmp_path, shared_data) -> None:
    monkeypatch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)
    out_json = tmp_path / "real.json"
    result = CliRunner().invoke(cli, ["eval", "--suite", "real", "--sets", "hotels_en",
                                      "--limit", "20", "--data", str(shared_data),
                                      "--json", str(out_json)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "at most 20 test rows per set" in out and "20 of 257 test rows" in out
    header = next(line for line in out.splitlines() if line.strip().startswith("metric"))
    assert header.split()[1:] == ["tagger", "keyword", "MiniLM", "zero-shot"]
    for line in ("sentiment macro-F1 (n=", "causes macro-F1", "staff P/R/F1",
                 "summary over all sets"):
        assert line in out, line
    document = json.loads(out_json.read_text())
    scores = document["sets"]["hotels_en"]["scores"]
    assert set(scores) == {"tagger", "keyword", "zero_shot"} and document["cap"] == 20
    assert all("sentiment" in figures for figures in scores.values())


def test_an_absent_data_folder_skips_each_set(tagger, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(nlp, "load_tagger", lambda *args, **kwargs: tagger)
    names = [s.name for s in SUITE if s.name != "own_stories"]
    result = CliRunner().invoke(cli, ["eval", "--suite", "real", "--data", str(tmp_path / "no"),
                                      "--sets", ",".join(names)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    for real_set in SUITE:
        if real_set.file:
            assert f"{real_set.name}: skipped, {real_set.file} is missing" in result.output
    assert "hand_labels: skipped, the shared data folder" in result.output
    assert f"0 sets scored, {len(names)} skipped" in result.output


def test_load_rows_says_why_a_set_is_skipped(tmp_path) -> None:
    laptops = next(s for s in SUITE if s.name == "laptops")
    assert load_rows(laptops, tmp_path, TAXONOMY) == f"laptop_absa.jsonl is missing from {tmp_path}"


def test_real_suite_options_need_the_real_suite() -> None:
    from storywatch.commands.quality import DEFAULT_CAP as HELP_CAP
    from storywatch.nlp.real_eval import DEFAULT_CAP

    result = CliRunner().invoke(cli, ["eval", "--sets", "tweets"])
    assert result.exit_code == 2 and "add --suite real" in result.output
    assert HELP_CAP == DEFAULT_CAP  # the --help text states the suite's own default
