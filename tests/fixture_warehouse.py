"""A small, hand-checkable warehouse for the query, dashboard and export tests.

Three brands (Northwind ours; Brightmart and HomeHaven competitors) over twelve weeks from Monday
2025-01-06. Each brand-week is a string of sentiments (p positive, n negative, u neutral), so the
weekly numbers can be worked out by eye. Negative stories cycle through NEGATIVE_CAUSES, positive
ones through POSITIVE_CAUSES, per brand. Some stories carry hostile text (script tags, an onerror
image, Markdown images, javascript: links, a spreadsheet formula) to prove that story text is
never rendered as markup. HomeHaven's stories come from `trustpilot`, the others from
`schema_org`; every fifth story has a company reply (one of them hostile), and helpful votes
make three stories the most worth reading. Two crawl runs are logged, one with errors. One
Northwind story is left untagged, and an older model version
tagged everything positive, so queries must read only the current model's tags. Stories go in
through the real loader and tags through the real tag storage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from storywatch.warehouse.db import connect
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.tags import save_tags, text_hash

FIRST_WEEK = date(2025, 1, 6)
LAST_WEEK = FIRST_WEEK + timedelta(weeks=11)
CURRENT_MODEL = "fixture-model-v2"
OLD_MODEL = "fixture-model-v1"
OURS = "Northwind"
COMPETITORS = ("Brightmart", "HomeHaven")
WEEKS = {
    "Northwind": ["pn", "nn", "pnu", "p", "nnp", "pp", "n", "pu", "nnn", "pp", "pn", "ppn"],
    "Brightmart": ["p", "pn", "n", "pp", "u", "np", "pp", "n", "p", "pn", "nn", "p"],
    "HomeHaven": ["n", "n", "pn", "nu", "p", "n", "pn", "p", "nn", "p", "u", "pn"],
}
NEGATIVE_CAUSES = [
    ("refunds", "Operations", "I waited five weeks for my refund and nobody answered."),
    ("delivery and delays", "Operations", "The sofa arrived three weeks late."),
    ("pushy or misleading sales", "Sales", "The salesman promised a discount that never came."),
    ("staff attitude", "Service", "The staff at the till were rude to me."),
]
POSITIVE_CAUSES = [
    ("staff attitude", "Service", "The staff were kind and helpful."),
    ("delivery and delays", "Operations", "Delivery came a day early."),
    ("product quality", "Product", "The kettle is sturdy and works perfectly."),
]
NEUTRAL_TEXT = "I bought a lamp on Saturday."
SENTIMENT = {"p": "positive", "n": "negative", "u": "neutral"}
# Hostile text planted as the evidence sentence of (brand, n-th story of that brand).
HOSTILE = {
    ("Northwind", 0): "<script>alert('x')</script>",
    ("Brightmart", 0): "<img src=x onerror=alert(1)>",
    ("HomeHaven", 0): "![x](http://evil.example/x.png)",
    ("HomeHaven", 1): "[click](javascript:alert(1))",
    ("Brightmart", 2): '=HYPERLINK("http://evil.example/","open me")',
}
HOSTILE_TEXTS = tuple(HOSTILE.values())
UNTAGGED_KEY = "fixture:northwind-untagged"
# The stories most worth reading, most helpful votes first.
HELPFUL = {"fixture:homehaven-3": 40, "fixture:northwind-5": 25, "fixture:brightmart-7": 12}
HOSTILE_REPLY = "<img src=x onerror=alert('reply')> Sorry!"
CRAWL_ERRORS = 3


@dataclass
class FixtureStory:
    record: dict
    sentiment: str | None
    sentiment_score: float
    causes: list[tuple[str, str, str]] = field(default_factory=list)  # cause, owner, evidence

    @property
    def week(self) -> date:
        published = datetime.fromisoformat(self.record["published_at"].replace("Z", ""))
        return (published - timedelta(days=published.weekday())).date()


def _story(brand: str, number: int, week: int, day: int, code: str, counter: int) -> FixtureStory:
    sentiment = SENTIMENT[code]
    causes: list[tuple[str, str, str]] = []
    if code == "n":
        causes = [NEGATIVE_CAUSES[counter % len(NEGATIVE_CAUSES)]]
    elif code == "p":
        causes = [POSITIVE_CAUSES[counter % len(POSITIVE_CAUSES)]]
    sentence = causes[0][2] if causes else NEUTRAL_TEXT
    hostile = HOSTILE.get((brand, number))
    if hostile and causes:
        sentence = f"{hostile} {sentence}"
        causes = [(causes[0][0], causes[0][1], sentence)]
    published = datetime.combine(FIRST_WEEK, datetime.min.time()) + timedelta(
        weeks=week, days=day, hours=9 + number % 8
    )
    slug = brand.lower()
    record = {
        "story_key": f"fixture:{slug}-{number}",
        "source": "trustpilot" if brand == "HomeHaven" else "schema_org",
        "source_url": f"https://reviews.example/{slug}",
        "story_url": f"https://reviews.example/{slug}/{number}",
        "external_id": f"{slug}-{number}",
        "brand": brand,
        "is_competitor": brand != OURS,
        "author": f"Customer {number}",
        "title": hostile or f"{brand} story {number}",
        "body": f"{sentence} Story {number} of {brand}.",
        "rating": {"p": 1.0, "n": 0.0, "u": 0.5}[code],
        "rating_raw": {"p": "5/5", "n": "1/5", "u": "3/5"}[code],
        "published_at": published.isoformat() + "Z",
        "fetched_at": "2025-04-01T00:00:00Z",
        "language": "en",
        "labels": [],
        "raw": {"n": number},
        "helpful_votes": HELPFUL.get(f"fixture:{slug}-{number}"),
        "company_reply": (None if number % 5 else
                          HOSTILE_REPLY if (brand, number) == ("Northwind", 5)
                          else f"Thank you for telling us, customer {number}."),
    }
    if hostile and "javascript:" in hostile:
        record["story_url"] = "javascript:alert(1)"
        record["source_url"] = "javascript:alert(2)"
    # Hostile stories are the strongest, so the export quotes them.
    strength = 0.95 if hostile else 0.5 + 0.01 * (number % 40)
    score = {"p": 1.0, "n": -1.0, "u": 0.0}[code] * strength
    return FixtureStory(record, sentiment, round(score, 2), causes)


def fixture_stories() -> list[FixtureStory]:
    """The fixture's stories, with the tags the current model gives them."""
    found = []
    for brand, weeks in WEEKS.items():
        seen = {"p": 0, "n": 0, "u": 0}
        for week, codes in enumerate(weeks):
            for day, code in enumerate(codes):
                found.append(_story(brand, sum(seen.values()), week, day, code, seen[code]))
                seen[code] += 1
    untagged = _story(OURS, 99, 11, 4, "u", 0)
    untagged.record["story_key"] = UNTAGGED_KEY
    untagged.sentiment = None
    found.append(untagged)
    return found


def _tags(story: FixtureStory) -> dict:
    return {
        "sentiment": story.sentiment,
        "sentiment_score": story.sentiment_score,
        "language": "en",
        "sentences": [{
            "index": 0, "text": story.record["body"], "sentiment": story.sentiment,
            "sentiment_score": story.sentiment_score,
        }],
        "causes": [
            {"cause": cause, "owner": owner, "score": 0.9, "evidence": evidence,
             "evidence_sentiment": story.sentiment}
            for cause, owner, evidence in story.causes
        ],
    }


def build_fixture_warehouse(workdir: Path) -> list[FixtureStory]:
    """Write the fixture warehouse into `workdir`; return the stories it holds."""
    found = fixture_stories()
    con = connect(workdir)
    try:
        upsert_stories(con, [story.record for story in found], landing_file="fixture.jsonl")
        tagged = [story for story in found if story.sentiment]
        old = [(s.record["story_key"], "old", {"sentiment": "positive", "sentiment_score": 1.0,
                "causes": [{"cause": "old cause", "owner": "Nobody", "score": 1.0}]})
               for s in tagged]
        save_tags(con, OLD_MODEL, old)
        save_tags(con, CURRENT_MODEL, [
            (s.record["story_key"], text_hash(s.record["body"]), _tags(s)) for s in tagged
        ])
        con.executemany(
            "INSERT INTO crawl_runs (run_id, source, brand, url, started_at, finished_at, "
            "stories_found, errors, error_reasons) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [("run-1", "schema_org", "Northwind", "https://reviews.example/northwind",
              "2025-04-01 00:00:00", "2025-04-01 00:01:00", 27, 0, "{}"),
             ("run-2", "trustpilot", "HomeHaven", "https://reviews.example/homehaven",
              "2025-04-01 00:00:00", "2025-04-01 00:02:00", 17, CRAWL_ERRORS,
              f'{{"http_500": {CRAWL_ERRORS}}}')])
    finally:
        con.close()
    return found
