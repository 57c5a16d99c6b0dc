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

from storywatch.crawler.items import make_story
from storywatch.crawler.redact import RedactPipeline, redact_text
from storywatch.crawler.run import Source, crawl
from tests.support.loopback import LoopbackSite, Reply, review_page

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
    ("E-MAIL: JANE AT EXAMPLE DOT COM", "E-MAIL: [email]"),
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


# Reviewer cases (issue 12, F5): contact details that must go, whole.
MUST_REDACT = [
    ("write to jane at example.com", "write to [email]"),
    ("jane @ example . com", "[email]"),
    ("jane -at- example -dot- com", "[email]"),
    ("contact jane at example dot shop", "contact [email]"),
    ("jane\uff20example.com and jane\uff20example\uff0ecom", "[email] and [email]"),
    ("jane@example.photography", "[email]"),
    ("jane [at] example [dot] technology", "[email]"),
    ("email me at jane at example dot com", "email me at [email]"),
    ("jane at gmail dot com", "[email]"),
    ("jane at yahoo dot co dot uk or jane at web dot de", "[email] or [email]"),
    ("jo dot smith at example dot com", "[email]"),
    ("jo underscore smith at example dot com", "[email]"),
    ("jo_smith at example dot com, jane85 at example dot com", "[email], [email]"),
    ("write to jo.doe@example.com or JANE AT EXAMPLE DOT COM", "write to [email] or [email]"),
    ("call 0033 6 12 34 56 78", "call [phone]"),
    ("0033 6 12 34 56 78 anytime", "[phone] anytime"),
    ("call 1-800-555-0199", "call [phone]"),
    ("contact Customer Support at 1-877-555-0199", "contact Customer Support at [phone]"),
    ("call me after 6pm 06 12 34 56 78", "call me after 6pm [phone]"),
    ("card ending 4242 4242 4242 4242", "card ending [card]"),
    ("visa 4242424242424242, amex 3782 822463 10005", "visa [card], amex [card]"),
]
# Evidence that must stay as written: competitor and site mentions, parcels, order numbers.
MUST_KEEP = [
    "sold out at target dot com",
    "cheaper over at amazon dot com",
    "Returns at ikea dot com are easier",
    "their app at northwind dot com crashes",
    "I complained at bbb dot org",
    "tracking 1Z 999 AA1 0123 4567 84",
    "it was cheaper @ amazon.com",
    "Send me an email. Returns at ikea dot com are easier",
    "the deal at orange dot com",
    "5550104477 was printed on the box",
    "order 4242 4242 4242 4242 and gift code 4242 4242 4242 4241",
    "order 4242424242424242",
    "after two phone calls they charged us 1.300.000 vnd",
]


@pytest.mark.parametrize(("text", "expected"), MUST_REDACT)
def test_reviewer_contact_details_are_redacted(text: str, expected: str) -> None:
    assert redact_text(text) == expected


@pytest.mark.parametrize("text", MUST_KEEP)
def test_reviewer_evidence_is_kept(text: str) -> None:
    assert redact_text(text) == text


@pytest.mark.parametrize("text", ["jane at example.com", "jane at example dot shop"])
def test_a_spoken_at_with_no_sign_of_a_mailbox_is_kept(text: str) -> None:
    # Precision first: "jane at example.com" reads like "Returns at ikea.com"; only a cue
    # ("email", "write to"...), a mailbox-like name or a webmail domain makes it an address.
    assert redact_text(text) == text


def test_redactions_are_counted_by_kind() -> None:
    counts: Counter = Counter()
    redact_text("mail jo at gmail.com, card 4242 4242 4242 4242, call 1-800-555-0199", counts)
    assert counts == Counter({"email": 1, "card": 1, "phone": 1})


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


@pytest.mark.slow  # two crawls, each in its own process
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
