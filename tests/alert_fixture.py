"""The planted warehouse for tests/test_alerts.py, built through the real loader and tag storage.

30 weeks of stories before the judged week (Monday 2026-11-30), no model. Planted: Northwind's
refunds go from 1 negative story a week to 8 (three of them hostile), Northwind's staff from a
positive story every other week to 6 (good news), Brightmart's refunds from none to 4 (under the
minimum of 5); delays and product quality stay as they were. The week in progress (from
2026-12-07) has 12 negative delay stories, which a weekly run must not judge.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from storywatch.warehouse import writing
from storywatch.warehouse.loader import upsert_stories
from storywatch.warehouse.tags import save_tags, text_hash

JUDGED = date(2026, 11, 30)
HISTORY_WEEKS = 30
HOSTILE = ["<script>alert('x')</script> Refund refused",
           "<!channel> where is my refund",
           '=HYPERLINK("http://evil.example/","open me")']
LABELS = {"refunds": "Refunds", "delays": "Delivery and delays", "staff": "Staff attitude",
          "quality": "Product quality"}
OWNERS = {"refunds": "Operations", "delays": "Operations", "staff": "Service",
          "quality": "Product"}


def _weekly_plan() -> list[tuple[str, str, str, int, int]]:
    """(brand, cause, sentiment, week offset from JUDGED, stories that week)."""
    plan = []
    for week in range(-HISTORY_WEEKS, 0):
        plan += [("Northwind", "refunds", "negative", week, 1),
                 ("Northwind", "delays", "negative", week, 3),
                 ("Northwind", "staff", "positive", week, week % 2),
                 ("Northwind", "quality", "positive", week, 2),
                 ("Brightmart", "delays", "negative", week, 2)]
    plan += [("Northwind", "refunds", "negative", 0, 8), ("Northwind", "delays", "negative", 0, 4),
             ("Northwind", "staff", "positive", 0, 6), ("Northwind", "quality", "positive", 0, 2),
             ("Brightmart", "delays", "negative", 0, 2),
             ("Brightmart", "refunds", "negative", 0, 4)]
    return plan


def _records() -> list[tuple[dict, str, str]]:
    """(story record, sentiment, cause) for the whole plan."""
    found = []
    for brand, cause, sentiment, week, count in _weekly_plan():
        for number in range(count):
            key = f"alerts:{brand}-{cause}-{week}-{number}"
            hostile = brand == "Northwind" and cause == "refunds" and week == 0 and number < 3
            published = datetime.combine(JUDGED, datetime.min.time()) + timedelta(
                weeks=week, days=number % 7, hours=9 + number)
            found.append(({
                "story_key": key, "source": "schema_org", "brand": brand,
                "is_competitor": brand != "Northwind", "external_id": key,
                "source_url": f"https://reviews.example/{brand.lower()}",
                "story_url": f"https://reviews.example/{brand.lower()}/{cause}/{week}/{number}",
                "title": HOSTILE[number] if hostile else f"{brand} {cause} story {week}/{number}",
                "body": f"A {sentiment} story about {cause}. More words follow.",
                "published_at": published.isoformat() + "Z", "fetched_at": "2026-12-07T06:00:00Z",
                "language": "en", "labels": [], "raw": {}}, sentiment, cause))
    for number in range(12):  # Monday of the week in progress
        key = f"alerts:in-progress-{number}"
        found.append(({
            "story_key": key, "source": "schema_org", "brand": "Northwind",
            "is_competitor": False, "external_id": key,
            "story_url": f"https://reviews.example/northwind/late/{number}",
            "title": f"Late again {number}", "body": "My sofa is late.",
            "published_at": f"2026-12-07T{8 + number % 4:02d}:00:00Z", "language": "en",
            "labels": [], "raw": {}}, "negative", "delays"))
    return found


def _tags(record: dict, sentiment: str, cause: str) -> dict:
    hostile = record["title"] in HOSTILE
    return {"sentiment": sentiment, "sentiment_score": -0.9 if sentiment == "negative" else 0.9,
            "language": "en", "sentences": [],
            "causes": [{"cause": cause, "owner": OWNERS[cause], "score": 0.99 if hostile else 0.8,
                        "evidence": record["body"], "evidence_sentiment": sentiment}]}


def build_alert_warehouse(workdir: Path) -> None:
    """Write the planted warehouse into `workdir`."""
    found = _records()
    with writing(workdir) as con:
        upsert_stories(con, [record for record, _, _ in found], landing_file="alerts.jsonl")
        save_tags(con, "alerts-model", [(r["story_key"], text_hash(r["body"]), _tags(r, s, c))
                                        for r, s, c in found])
