"""Spider for Google Play app pages (`/store/apps/details?id={app}&hl={lang}`).

Play renders the reviews it shows on an app page as HTML, with no structured data: each review is
the block around a `<header data-review-id="gp:...">`, holding the author (`.X5PpBb`), the rating
as an image whose `aria-label` says it ("Rated 4 stars out of five stars", "Mit 4 von 5 Sternen
bewertet") or, in older markup, as a star bar's `width: 80%`, the date as written ("March 3,
2026", "3. März 2026"), the text (`.h3YV2d`), "12 people found this review helpful" (`.AJTPZc`)
and the developer's reply (`.ocpBU` name and date, `.ras4vb` text). Play shows reviews in the
page's language (`<html lang>`, set by `hl=`), which each story takes. The page has no pagination:
further reviews load by JavaScript only, so a source is one page.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from parsel import Selector

from storywatch.crawler.items import normalise_rating, optional_int, rating_raw
from storywatch.crawler.spiders.base import PageStories, StorySpider, read_page, with_query

SOURCE = "google_play"
_MONTHS = {name: number for number, names in enumerate((
    "january jan januar janvier enero", "february feb februar février febrero",
    "march mar märz mars marzo", "april apr avril abril", "may mai mayo",
    "june jun juni juin junio", "july jul juli juillet julio",
    "august aug août agosto", "september sep sept septembre septiembre",
    "october oct oktober okt octobre octubre", "november nov novembre noviembre",
    "december dec dezember dez décembre diciembre"), start=1) for name in names.split()}
_MONTH_FIRST = re.compile(r"([^\W\d]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_DAY_FIRST = re.compile(r"(\d{1,2})\.?\s+(?:de\s+)?([^\W\d]+)\.?\s+(?:de\s+)?(\d{4})")
_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_WIDTH = re.compile(r"width:\s*(\d+(?:\.\d+)?)%")


def play_date(written: str | None) -> str | None:
    """A date as Play writes it ("March 3, 2026", "3. März 2026") as `YYYY-MM-DD`, else as is."""
    text = (written or "").strip()
    month_first, day_first = _MONTH_FIRST.search(text), _DAY_FIRST.search(text)
    if month_first and month_first.group(1).lower() in _MONTHS:
        month, day, year = month_first.groups()
    elif day_first and day_first.group(2).lower() in _MONTHS:
        day, month, year = day_first.groups()
    else:
        return text or None  # left to make_story, which counts what it cannot read as bad_date
    return f"{year}-{_MONTHS[month.lower()]:02d}-{int(day):02d}"


def play_stars(label: str | None, style: str | None) -> tuple[float | None, float]:
    """(stars, best) from a rating's aria-label ("Rated 4 stars out of five stars": the first
    number, and the second or a number word as the best) or a star bar's `width: 80%`."""
    numbers = [float(n) for n in re.findall(r"\d+(?:[.,]\d+)?", (label or "").replace(",", "."))]
    if numbers:
        words = [_NUMBER_WORDS[w] for w in re.findall(r"[a-z]+", label.lower())
                 if w in _NUMBER_WORDS]
        return numbers[0], (numbers[1] if len(numbers) > 1 else (words[-1] if words else 5))
    width = _WIDTH.search(style or "")
    return (round(float(width.group(1)) / 20, 1), 5) if width else (None, 5)


def _text(block: Selector, css: str) -> str:
    return " ".join(" ".join(block.css(f"{css} ::text").getall()).split())


def _add_review(block: Selector, language: str | None, found: PageStories) -> None:
    body = "\n".join(t.strip() for t in block.css(".h3YV2d ::text").getall() if t.strip())
    if not found.has_body(body):
        return
    header = block.xpath(".//header[@data-review-id]")
    stars, best = play_stars(header.xpath('.//*[@role="img"]/@aria-label').get(),
                             " ".join(header.xpath(".//@style").getall()))
    review_id = header.attrib.get("data-review-id")
    helpful = re.search(r"\d[\d,.]*", _text(block, ".AJTPZc"))
    found.add(
        body, published_at=play_date(_text(header, ".bp9Aid")), external_id=review_id,
        author=_text(header, ".X5PpBb") or None,
        story_url=with_query(found.page_url, reviewId=review_id) if review_id else None,
        rating=normalise_rating(stars, best), rating_raw=rating_raw(stars, best),
        language=language,
        helpful_votes=optional_int(re.sub(r"\D", "", helpful.group()) if helpful else None),
        company_reply=_text(block, ".ras4vb") or None,
        company_replied_at=play_date(_text(block, ".ocpBU .I9Jtec")),
        raw={"review_id": review_id, "developer": _text(block, ".ocpBU .I6j64d") or None},
    )


def is_play_page(text: str) -> bool:
    """True for a Google Play app page: its canonical URL, or reviews with Play's `gp:` ids."""
    return 'data-review-id="gp:' in text or bool(re.search(
        r'<link[^>]+rel="canonical"[^>]+play\.google\.com/store/apps/details', text))


def parse_google_play_page(
    page: Any,
    *,
    brand: str,
    is_competitor: bool,
    page_url: str | None = None,
    fetched_at: str | None = None,
    errors: Counter | None = None,
) -> list[dict[str, Any]]:
    """Story records from the reviews shown on one Google Play app page."""
    errors = errors if errors is not None else Counter()
    text, url = read_page(page, page_url)
    found = PageStories(SOURCE, brand, is_competitor, url, fetched_at, errors)
    if not text.strip():
        errors["empty_page"] += 1
        return []
    page_html = Selector(text=text, type="html")
    language = page_html.xpath("/html/@lang").get()
    for block in page_html.xpath("//header[@data-review-id]/.."):
        _add_review(block, language, found)
    return found.stories


class GooglePlaySpider(StorySpider):
    """Crawls the reviews shown on a Google Play app page (one page: Play has no pagination)."""

    name = "google_play"

    def parse_page(
        self, text: str, url: str, errors: Counter
    ) -> tuple[list[dict[str, Any]], str | None]:
        stories = parse_google_play_page(text, brand=self.brand, is_competitor=self.is_competitor,
                                         page_url=url, errors=errors)
        return stories, None
