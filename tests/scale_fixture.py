"""Stories for the scale tests: landing records over three brands and two sources, and the tags
a tagger could give them, so the lake and the DuckDB file can be filled with the same rows."""
from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

BRANDS = (("Northwind", False), ("Brightmart", True), ("HomeHaven", True))


def record(number: int) -> dict:
    brand, competitor = BRANDS[number % 3]
    published = datetime(2026, 3, 2, 9) + timedelta(days=number * 2)
    return {
        "story_key": f"schema_org:{number}", "source": "schema_org" if number % 2 else "cfpb",
        "source_url": "http://127.0.0.1/reviews", "story_url": None, "external_id": str(number),
        "brand": brand, "is_competitor": competitor, "author": f"A{number}",
        "title": f"Story {number}" if number % 4 else None,
        "body": f"My refund took {number} weeks and nobody answered my calls.",
        "rating": (number % 5) / 4, "rating_raw": f"{number % 5 + 1}/5",
        "published_at": published.isoformat() + "Z", "fetched_at": "2026-06-01T00:00:00Z",
        "language": "en", "helpful_votes": number % 3,
        "company_reply": "Sorry, please DM us." if number % 5 == 0 else None,
        "company_replied_at": None, "labels": ["refund"] if number % 2 else [],
        "raw": {"n": number, "html": "<b>x</b>"},
    }


def land(workdir: Path, name: str, records: list[dict]) -> None:
    landing = workdir / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    (landing / name).write_text("".join(json.dumps(r) + "\n" for r in records) + "{bad line\n",
                                encoding="utf-8")


def tags(number: int, model: str) -> dict:
    sentiment = ("positive", "negative", "neutral")[number % 3]
    causes = [{"cause": "refunds", "owner": "Operations", "score": 0.5 + number / 100,
               "evidence": f"My refund took {number} weeks", "evidence_sentiment": "negative"}]
    if number % 2:
        causes.append({"cause": "staff attitude", "owner": "Service", "score": 0.4,
                       "evidence": "nobody answered", "evidence_sentiment": "negative"})
    return {"sentiment": sentiment, "sentiment_score": (number % 3 - 1) * 0.7, "language": "en",
            "sentences": [{"index": 0, "text": f"My refund took {number} weeks",
                           "sentiment": sentiment, "sentiment_score": 0.1}],
            "causes": causes}
