"""The real data sets of the shared data folder as scored rows: text, gold labels, test split only.

Each set is one reader over one file of the shared data folder (its README says what the columns
mean) that returns the test rows (nlp.real_split) with the set's labels mapped to ours
(nlp.real_mappings): story sentiment, stars (1..5), the causes the text is about, how it rates
causes (polarity), and owners where the labels decide them. A field the set cannot speak to is
None, and that figure is left out for the set. Rows come back in file order, uncapped.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from storywatch.nlp import real_mappings as maps
from storywatch.nlp.real_split import in_scored_split, read_rows, row_key, scored_split
from storywatch.nlp.taxonomy import Taxonomy


@dataclass(frozen=True)
class RealRow:
    key: str
    text: str
    sentiment: str | None = None  # negative / neutral / positive, None: the set has none here
    stars: float | None = None  # 1..5 (a 10-point score halved)
    causes: frozenset[str] | None = None  # gold causes among the set's scored ones; None: unscored
    polarity: Mapping[str, str] = field(default_factory=dict)  # cause -> positive / negative
    owners: frozenset[str] | None = None  # gold owners, only where the labels decide them


@dataclass(frozen=True)
class RealSet:
    name: str
    file: str | None  # in the shared data folder; None for the project's own stories
    title: str
    causes: tuple[str, ...]  # causes scored for presence (predictions outside them are ignored)
    read: Callable[[Path, Taxonomy], list[RealRow]]


def joined(*parts: str | None) -> str:
    """Title and text joined by a line break (an empty title is left out)."""
    return "\n".join(p for p in parts if p)


def test_rows(data_dir: Path, file: str) -> Iterable[tuple[str, dict]]:
    """(key, row) of the test rows of a shared file (dev rows in a dev run), in file order."""
    for index, row in enumerate(read_rows(data_dir / file)):
        key = row_key(file, index, row)
        if in_scored_split(file, key, data_dir):
            yield key, row


def part(test: str, dev: str) -> str:
    """The dataset part a sentence file's reader keeps: its test part, or in a dev run the part
    the dev rows are drawn from."""
    return dev if scored_split() == "dev" else test


def owners_of(causes: Iterable[str], taxonomy: Taxonomy) -> frozenset[str]:
    owner = {c.id: c.owner for c in taxonomy.causes}
    return frozenset(owner[c] for c in causes if c in owner)


def stars_of(value: str, scale: str = "1-5") -> float | None:
    """Stars 1..5 from a rating; a 10-point score (1-10, 2.5-10) is halved; else None."""
    if not value or scale not in ("1-5", "1-10", "2.5-10"):
        return None
    return float(value) / (1 if scale == "1-5" else 2)


def _aspect_row(key: str, text: str, aspects: list[dict], cause_of) -> RealRow:
    """A sentence with aspect categories: sentiment from their polarities, causes from the map.

    Only positive -> positive, only negative -> negative, none or only neutral -> neutral, both
    -> left out of sentiment. A cause's polarity is kept when its categories agree.
    """
    polarities = {a.get("polarity") for a in aspects} - {"neutral"}
    sentiment = (None if len(polarities) > 1 else polarities.pop() if polarities else "neutral")
    by_cause: dict[str, set[str]] = {}
    for aspect in aspects:
        cause = cause_of(aspect["category"])
        if cause:
            by_cause.setdefault(cause, set()).add(aspect.get("polarity"))
    polarity = {}
    for cause, values in by_cause.items():
        rated = values - {"neutral"}
        if len(rated) == 1:
            polarity[cause] = rated.pop()
    return RealRow(key, text, sentiment, causes=frozenset(by_cause), polarity=polarity)


def read_tweets(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    return [RealRow(key, row["text"], row["label"])
            for key, row in test_rows(data_dir, "tweets_sentiment_3class.csv")]


def read_laptops(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    # Out-of-scope sentences were not annotated by the organisers, and the 2014/2016-train texts
    # that is_test groups with the test gold carry the other scheme's labels.
    return [_aspect_row(key, row["text"], row["aspect_categories"],
                        lambda c: maps.rule_cause(maps.LAPTOP_RULES, c))
            for key, row in test_rows(data_dir, "laptop_absa.jsonl")
            if row["dataset"] == part("semeval2016_task5_laptops_test_gold",
                                      "semeval2016_task5_laptops_train")
            and not row["out_of_scope"]]


def _hotel_reader(dataset: str, rules,
                  dev: tuple[str, ...] = ()) -> Callable[[Path, Taxonomy], list[RealRow]]:
    def read(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
        parts = set(dev) if scored_split() == "dev" else {dataset}
        return [_aspect_row(key, row["text"], row["aspect_categories"],
                            lambda c: maps.rule_cause(rules, c))
                for key, row in test_rows(data_dir, "hotel_absa_sentences.jsonl")
                if row["dataset"] in parts]
    return read


def read_germeval(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    rows = []
    for key, row in test_rows(data_dir, "germeval2017_db_customer_feedback.csv"):
        if row["relevant"] != "true":  # not about Deutsche Bahn: no aspects were annotated
            continue
        aspects = json.loads(row["aspects"] or "[]")
        mapped = _aspect_row(key, row["text"], aspects,
                             lambda c: maps.rule_cause(maps.GERMEVAL_RULES, c.split("#")[0]))
        rows.append(RealRow(key, row["text"], row["sentiment"], causes=mapped.causes,
                            polarity=mapped.polarity))
    return rows


def _rated_polarity(row: dict, ratings: Mapping[str, str]) -> dict[str, str]:
    polarity: dict[str, set[str]] = {}
    for column, cause in ratings.items():
        value = maps.star_polarity(row.get(column))
        if value:
            polarity.setdefault(cause, set()).add(value)
    return {cause: values.pop() for cause, values in polarity.items() if len(values) == 1}


def read_airline(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    return [RealRow(key, joined(row["title"], row["text"]),
                    stars=stars_of(row["overall_rating"], row["overall_scale"]),
                    polarity=_rated_polarity(row, maps.AIRLINE_RATINGS))
            for key, row in test_rows(data_dir, "airline_reviews_subratings.csv")]


def read_hotel_ratings(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    return [RealRow(key, joined(row["title"], row["text"]), stars=stars_of(row["overall"]),
                    polarity=_rated_polarity(row, maps.HOTEL_RATINGS))
            for key, row in test_rows(data_dir, "hotel_reviews_aspect_ratings.csv")]


def read_apps(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    rows = []
    for key, row in test_rows(data_dir, "app_reviews_labelled.csv"):
        causes = maps.APP_LABELS.get(row["label"])
        rows.append(RealRow(key, joined(row["title"], row["text"]), stars=stars_of(row["rating"]),
                            causes=causes,
                            owners=owners_of(causes, taxonomy) if causes else None))
    return rows


def _cfpb_row(key: str, text: str, cause: str | None, taxonomy: Taxonomy) -> RealRow:
    causes = frozenset({cause}) if cause else None
    return RealRow(key, text, causes=causes,
                   owners=owners_of(causes, taxonomy) if causes else None)


def read_cfpb_products(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    return [_cfpb_row(key, row["consumer_narrative"], maps.CFPB_PRODUCTS.get(row["product"]),
                      taxonomy)
            for key, row in test_rows(data_dir, "cfpb_complaint_narratives.csv")]


def read_cfpb_issues(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    return [_cfpb_row(key, row["narrative"], maps.CFPB_ISSUES.get(row["issue"]), taxonomy)
            for key, row in test_rows(data_dir, "cfpb_narratives_issue_extra.csv")
            if row["issue"]]


def _star_reader(file: str, language: str | None = None
                 ) -> Callable[[Path, Taxonomy], list[RealRow]]:
    """Star-rated reviews; with `language`, only the rows the file's `language` column (detected
    by the data's authors, not by us) gives that language."""
    def read(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
        return [RealRow(key, joined(row["title"], row["text"]),
                        stars=stars_of(row["rating"], row["rating_scale"]))
                for key, row in test_rows(data_dir, file)
                if language is None or row.get("language") == language]
    return read


def read_alexa(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    return [RealRow(key, row["text"], stars=stars_of(row["rating"]))
            for key, row in test_rows(data_dir, "amazon_alexa_reviews.csv") if row["text"].strip()]


def read_own_stories(data_dir: Path, taxonomy: Taxonomy) -> list[RealRow]:
    """The project's own hand-written test stories (nlp.labelled's test split; dev in a dev run)."""
    from storywatch.nlp.labelled import training_pool

    return [RealRow(s.id, s.text, s.sentiment, causes=frozenset(s.causes),
                    polarity=dict(s.cause_polarity), owners=owners_of(s.causes, taxonomy))
            for s in training_pool()[scored_split()]]


ALL = "*"  # every cause of the taxonomy is scored
REAL_SETS: tuple[RealSet, ...] = (
    RealSet("tweets", "tweets_sentiment_3class.csv",
            "SemEval-2017 4A tweets, official test split (3-class sentiment)", (), read_tweets),
    RealSet("laptops", "laptop_absa.jsonl",
            "SemEval-2016 laptop sentences, official test gold (aspect categories)",
            maps.rules_causes(maps.LAPTOP_RULES), read_laptops),
    RealSet("hotels_en", "hotel_absa_sentences.jsonl",
            "SemEval-2015 hotel sentences, test gold (aspect categories)",
            maps.rules_causes(maps.HOTEL_EN_RULES),
            _hotel_reader("semeval2015_task12_hotels_test_gold", maps.HOTEL_EN_RULES)),
    RealSet("hotels_de", "hotel_absa_sentences.jsonl",
            "German hotel sentences, official test split (aspect categories)",
            maps.rules_causes(maps.HOTEL_DE_RULES),
            _hotel_reader("german_hotel_aspect_test", maps.HOTEL_DE_RULES,
                          ("german_hotel_aspect_train", "german_hotel_aspect_dev"))),
    RealSet("germeval", "germeval2017_db_customer_feedback.csv",
            "GermEval 2017 Deutsche Bahn feedback, official test split, relevant rows",
            maps.rules_causes(maps.GERMEVAL_RULES), read_germeval),
    RealSet("airline", "airline_reviews_subratings.csv",
            "airline reviews with sub-ratings, hash test split (stars, rated causes)", (),
            read_airline),
    RealSet("hotel_ratings", "hotel_reviews_aspect_ratings.csv",
            "TripAdvisor hotel reviews with aspect ratings, hash test split", (),
            read_hotel_ratings),
    RealSet("apps", "app_reviews_labelled.csv",
            "app reviews with intent labels, hash test split", ("website_app",), read_apps),
    RealSet("cfpb_products", "cfpb_complaint_narratives.csv",
            "CFPB narratives with product, hash test split", ("credit",), read_cfpb_products),
    RealSet("cfpb_issues", "cfpb_narratives_issue_extra.csv",
            "CFPB narratives with issue, hash test split (rows with an issue)",
            tuple(dict.fromkeys(c for c in maps.CFPB_ISSUES.values() if c)), read_cfpb_issues),
    RealSet("stars_multi", "reviews_stars_multi_industry.csv",
            "star-rated reviews, several industries, hash test split", (),
            _star_reader("reviews_stars_multi_industry.csv")),
    RealSet("stars_multilingual", "reviews_multilingual_stars.csv",
            "star-rated non-English reviews, hash test split", (),
            _star_reader("reviews_multilingual_stars.csv")),
    # One set per language with enough rows (the file is Danish and Korean; German is measured
    # on germeval and hotels_de, and the file holds no French).
    *(RealSet(f"stars_multilingual_{code}", "reviews_multilingual_stars.csv",
              f"star-rated reviews in {name} only, hash test split", (),
              _star_reader("reviews_multilingual_stars.csv", code))
      for code, name in (("da", "Danish"), ("ko", "Korean"))),
    RealSet("alexa", "amazon_alexa_reviews.csv",
            "Amazon Alexa reviews, the held-out half training never read", (), read_alexa),
)
