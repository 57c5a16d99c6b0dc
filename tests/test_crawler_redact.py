"""Personal data redaction: e-mail addresses (also obfuscated) and phone numbers leave story text,
raw included, before anything is stored; author names stay; dates, prices, times, flight and
order numbers and ordinary uses of "at" stay, since a false redaction destroys evidence."""
from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler.items import make_story
from crawler.loopback import LoopbackSite, Reply, review_page
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


@pytest.mark.parametrize(("text", "expected"), [
    ("write to jane.doe at example dot com today", "write to [email] today"),
    ("jane [at] example [dot] com", "[email]"),
    ("jane (at) mail (dot) co (dot) uk or jane {at} example {dot} org", "[email] or [email]"),
    ("contact: jane(at)example.com.", "contact: [email]."),
    ("JANE AT EXAMPLE DOT COM", "[email]"),
    ("Jane.Doe At Example Dot Net please", "[email] please"),
    ("mail me at jo dot smith at gmail dot com", "mail me at [email]"),
    ("mail jo at gmail.com", "mail [email]"),
])
def test_obfuscated_emails_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Call +33 6 12 34 56 78 before noon", "Call [phone] before noon"),
    ("+44 (0)20 7946 0958", "[phone]"),
    ("Phone: 5550104477", "Phone: [phone]"),
    ("my mobile 0612345678", "my mobile [phone]"),
    ("tel 06 12 34 56 78", "tel [phone]"),
    ("reach me on 06.12.34.56.78", "reach me on [phone]"),
])
def test_more_phone_formats_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", [
    "Order #53391 placed 2026-08-03, refund of $1,299.00 on 03.08.2026",
    "Tracking 1Z999AA10123456784, order 123456789, years 2019-2021, version 555-0187",
    "Rated 4.5/5, 10:00-12:00 slot, 3 x 120 cm, postcode SW1A 1AA",
    "order #4412309876 never arrived",
    "Order 112-3456789-1234567 and Order 112-3456789 were both late",
    "order number 4412309876, invoice 123 456 7890, account 5550104477",
    "I called about order 555 010 4477 twice",
    "it cost $1,299.00 plus €45 and £1 234.50",
    "delivered 12/03/2024, promised 2024-03-12, refunded 12.03.2024 at 2024-03-12T10:00:00Z",
    "the phone broke on 2024-03-12 and again on 12.03.2024",
    "between 10:30 and 14:45, then 9.30am",
    "flight BA 2490 from gate 12 at 10.30, flight AF1234, flight number 1234 567",
    "look at the store, I was at home, staff at the till",
    "bought it at walmart dot com, I ordered at amazon.com",
    "we arrived at terminal dot five",
])
def test_ordinary_text_stays(text: str) -> None:
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


def test_a_crawl_lands_obfuscated_contacts_redacted_and_order_numbers_kept(
    tmp_path: Path
) -> None:
    body = ("Order 112-3456789-1234567 never came. Write to jane [at] example [dot] com "
            "or JANE AT EXAMPLE DOT COM, Phone: 5550104477, mobile +33 6 12 34 56 78.")
    routes = {"/r": Reply(body=review_page([("1", body)]).encode())}
    with LoopbackSite(routes) as site:
        (result,) = crawl([Source("Acme", False, "schema_org", site.url("/r"))],
                          tmp_path / "landing", throttle=False)
    (line,) = Path(result.landing_file).read_text(encoding="utf-8").splitlines()
    assert json.loads(line)["body"] == ("Order 112-3456789-1234567 never came. Write to [email] "
                                        "or [email], Phone: [phone], mobile [phone].")
    assert "jane" not in line.lower() and "5550104477" not in line  # raw is redacted too
