"""Personal data redaction: e-mail addresses and phone numbers leave story text, raw included,
before anything is stored; author names stay; dates, prices and order numbers stay."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.items import make_story
from crawler.loopback import LoopbackSite, Reply
from crawler.redact import RedactPipeline, redact_text
from crawler.run import Source, crawl

PAGES = Path(__file__).resolve().parent / "data" / "pages"


@pytest.mark.parametrize(("text", "expected"), [
    ("Mail jo.doe+shop@mail.example.co.uk now", "Mail [email] now"),
    ("Call +1 (555) 010-4477.", "Call [phone]."),
    ("ring 020 7946 0958 or +44 20 7946 0958", "ring [phone] or [phone]"),
    ("my number is 555-0187", "my number is [phone]"),
    ("(030) 1234567 after 6pm", "[phone] after 6pm"),
])
def test_contacts_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "Order #53391 placed 2026-08-03, refund of $1,299.00 on 03.08.2026",
    "Tracking 1Z999AA10123456784, order 123456789, years 2019-2021, version 555-0187",
    "Rated 4.5/5, 10:00-12:00 slot, 3 x 120 cm, postcode SW1A 1AA",
])
def test_ordinary_numbers_stay(text: str) -> None:
    assert redact_text(text) == text


def test_pipeline_redacts_text_fields_and_raw_keeps_author_and_counts() -> None:
    crawler = get_crawler(settings_dict={"STORYWATCH_REDACT": True})
    pipeline = RedactPipeline.from_crawler(crawler)
    story = make_story(source="feed", brand="Acme", is_competitor=False, external_id="1",
                       body="Write to ann@shop.example or call 0171 234 5678",
                       title="ann@shop.example", company_reply="Call us on +49 30 901820",
                       author="ann@shop.example", source_url="http://x/", published_at="2026-01-01",
                       raw={"text": "call 0171 234 5678", "nested": [{"mail": "ann@shop.example"}]})
    redacted = pipeline.process_item(story)
    assert redacted["body"] == "Write to [email] or call [phone]"
    assert redacted["title"] == "[email]" and redacted["company_reply"] == "Call us on [phone]"
    assert redacted["raw"] == {"text": "call [phone]", "nested": [{"mail": "[email]"}]}
    assert redacted["author"] == "ann@shop.example"  # display names are kept as given
    assert redacted["story_key"] == "feed:1"
    stats = crawler.stats.get_stats()
    assert stats["storywatch/redacted/email"] == 3 and stats["storywatch/redacted/phone"] == 3
    with pytest.raises(NotConfigured):
        RedactPipeline.from_crawler(get_crawler(settings_dict={"STORYWATCH_REDACT": False}))


def test_a_crawl_stores_redacted_text_unless_redaction_is_off(tmp_path: Path) -> None:
    routes = {"/feed": Reply(body=(PAGES / "reddit_listing.json").read_bytes(),
                             headers={"Content-Type": "application/json"})}
    bodies: Counter = Counter()
    with LoopbackSite(routes) as site:
        for redact in (True, False):
            landing = tmp_path / f"redact-{redact}"
            (result,) = crawl([Source("Sofatown", False, "reddit", site.url("/feed"))], landing,
                              throttle=False, redact=redact, max_pages=1)
            text = Path(result.landing_file).read_text(encoding="utf-8")
            bodies[redact] = text.count("sam.k@example.org")
            first = json.loads(text.splitlines()[0])
            assert first["author"] == "sk_diy"
            if redact:
                assert "Reach me at [email] if" in first["body"]
                assert "[email]" in first["raw"]["selftext"]
    assert bodies == Counter({True: 0, False: 2})  # unredacted: in body and in raw
