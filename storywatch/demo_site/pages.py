"""Renders demo stories the way the real sources publish them, for the demo site.

Each function takes one page of stories (dicts from the demo's stories.jsonl) and returns the
body the real site would send: schema.org review pages (JSON-LD `@graph`, JSON-LD on a store
with a `review` list, or microdata), a Trustpilot page with `__NEXT_DATA__` and JSON-LD, an App
Store customer-reviews JSON feed, and a CFPB complaint search API answer. Every story field put
into HTML is escaped; JSON inside `<script>` writes `<`, `>` and `&` as `\\u` escapes, so a story
cannot end or confuse the script element.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from html import escape
from typing import Any

PACIFIC = timezone(timedelta(hours=-7))


def stable_hex(story_id: str, length: int = 24) -> str:
    """A deterministic hex id for a demo story, shaped like the site's own ids."""
    return hashlib.sha1(story_id.encode("utf-8")).hexdigest()[:length]


def stable_number(story_id: str, digits: int = 10) -> str:
    return str(int(stable_hex(story_id, 12), 16) % 10**digits).rjust(digits, "1")


def published_moment(story: dict[str, Any]) -> datetime:
    """The story's publish time in UTC: its date at a stable time of day."""
    day = datetime.fromisoformat(story["published"]).replace(tzinfo=UTC)
    seed = int(stable_hex(story["id"], 6), 16)
    return day + timedelta(hours=7 + seed % 14, minutes=seed // 14 % 60)


def _e(value: Any) -> str:
    return escape(str(value), quote=True) if value is not None else ""


def _script_json(data: Any) -> str:
    text = json.dumps(data, ensure_ascii=False, indent=1)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def html_page(title: str, main: str, *, head: str = "", next_url: str | None = None) -> str:
    """A review page with the header, account link (under /private/), pagination and footer."""
    link_next = f'<link rel="next" href="{_e(next_url)}">' if next_url else ""
    pager = (f'<a rel="next" class="pager-next" href="{_e(next_url)}">Next page</a>'
             if next_url else "")
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(title)}</title>
{link_next}
{head}
</head>
<body>
<header class="site-header"><a href="/" class="logo">Reviews</a>
<nav><a href="/">Home</a> <a href="/private/account" rel="nofollow">My account</a></nav></header>
<main id="main-content">
<h1>{_e(title)}</h1>
{main}
<nav class="pagination" aria-label="Pagination">{pager}</nav>
</main>
<footer><p>&copy; 2026 Demo reviews. <a href="/robots.txt">robots.txt</a></p></footer>
</body>
</html>
"""


def _stars(rating: Any) -> str:
    if not rating:
        return ""
    return f'<div class="star-rating" aria-label="Rated {_e(rating)} out of 5"></div>'


def _article(story: dict[str, Any], permalink: str) -> str:
    return f"""<article class="review" id="review-{_e(story['id'])}">
 <h3 class="review-title"><a href="{_e(permalink)}">{_e(story.get('title'))}</a></h3>
 <p class="review-author">{_e(story.get('author') or 'Anonymous')}</p>{_stars(story.get('rating'))}
 <time datetime="{_e(story['published'])}">{_e(story['published'])}</time>
 <div class="review-body"><p>{_e(story['body'])}</p></div>
</article>"""


def _jsonld_review(story: dict[str, Any], permalink: str) -> dict[str, Any]:
    review: dict[str, Any] = {"@type": "Review", "@id": permalink, "url": permalink,
                              "datePublished": story["published"], "reviewBody": story["body"],
                              "inLanguage": "en"}
    if story.get("title"):
        review["name"] = story["title"]
    if story.get("author"):
        review["author"] = {"@type": "Person", "name": story["author"]}
    if story.get("rating") is not None:
        review["reviewRating"] = {"@type": "Rating", "ratingValue": str(story["rating"]),
                                  "bestRating": "5", "worstRating": "1"}
    return review


def schema_org_jsonld_page(brand: str, stories: list[dict[str, Any]], canonical: str, *,
                           graph: bool, next_url: str | None) -> str:
    """Reviews as JSON-LD: an `@graph` of Organization + Reviews, or a Store with `review`.

    Permalinks use the brand's `canonical` URL, as real sites do, so they do not depend on the
    demo server's port.
    """
    links = {s["id"]: f"{canonical}#review-{s['id']}" for s in stories}
    reviews = [_jsonld_review(s, links[s["id"]]) for s in stories]
    if graph:
        org = {"@type": "Organization", "@id": f"{canonical}#organization", "name": brand}
        for review in reviews:
            review["itemReviewed"] = {"@id": org["@id"]}
        data: dict[str, Any] = {"@context": "https://schema.org", "@graph": [org, *reviews]}
    else:
        data = {"@context": "https://schema.org", "@type": "Store", "name": brand,
                "review": reviews}
    head = f'<script type="application/ld+json">{_script_json(data)}</script>'
    main = "\n".join(_article(s, links[s["id"]]) for s in stories)
    return html_page(f"{brand} customer reviews", main, head=head, next_url=next_url)


def schema_org_microdata_page(brand: str, stories: list[dict[str, Any]], canonical: str, *,
                              next_url: str | None) -> str:
    """Reviews as schema.org microdata on an Organization."""
    items = []
    for s in stories:
        rating = "" if s.get("rating") is None else (
            '<div itemprop="reviewRating" itemscope itemtype="https://schema.org/Rating">'
            f'<meta itemprop="worstRating" content="1"><span itemprop="ratingValue">'
            f'{_e(s["rating"])}</span>/<span itemprop="bestRating">5</span></div>')
        author = "" if not s.get("author") else (
            '<span itemprop="author" itemscope itemtype="https://schema.org/Person">'
            f'<span itemprop="name">{_e(s["author"])}</span></span>')
        title = f'<h3 itemprop="name">{_e(s["title"])}</h3>' if s.get("title") else ""
        items.append(f"""<article class="review" itemprop="review" itemscope
 itemtype="https://schema.org/Review">
 {title}{author}{rating}
 <time itemprop="datePublished" datetime="{_e(s['published'])}">{_e(s['published'])}</time>
 <div itemprop="reviewBody"><p>{_e(s['body'])}</p></div>
 <a itemprop="url" href="{_e(canonical)}#review-{_e(s['id'])}">Permalink</a>
</article>""")
    main = (f'<section itemscope itemtype="https://schema.org/Organization">'
            f'<meta itemprop="name" content="{_e(brand)}">\n' + "\n".join(items) + "</section>")
    return html_page(f"{brand} customer reviews", main, next_url=next_url)


def _trustpilot_review(story: dict[str, Any], domain: str) -> dict[str, Any]:
    reply = None
    if story.get("company_reply"):
        reply_day = story.get("reply_date") or story["published"]
        reply = {"message": story["company_reply"], "publishedDate": f"{reply_day}T09:30:00.000Z",
                 "updatedDate": None}
    published = published_moment(story).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return {
        "id": stable_hex(story["id"]), "filtered": False, "pending": False,
        "text": story["body"], "rating": story.get("rating"), "title": story.get("title") or "",
        "likes": story.get("helpful_votes") or 0, "language": "en", "location": None,
        "labels": {"verification": {"isVerified": False, "verificationLevel": "not-verified"}},
        "dates": {"experiencedDate": f"{story['published']}T00:00:00.000Z",
                  "publishedDate": published, "updatedDate": None},
        "consumer": {"id": stable_hex("consumer-" + story["id"]),
                     "displayName": story.get("author") or "Customer", "imageUrl": "",
                     "numberOfReviews": 1, "countryCode": "US", "hasImage": False},
        "reply": reply, "productReviews": [], "consumersReviewCountOnSameDomain": 1,
        "businessUnitDomain": domain,
    }


def trustpilot_page(brand: str, domain: str, stories: list[dict[str, Any]], *, page: int,
                    per_page: int, total: int, base: str, next_url: str | None) -> str:
    """A Trustpilot company page: visible cards, `__NEXT_DATA__` and JSON-LD."""
    reviews = [_trustpilot_review(s, domain) for s in stories]
    total_pages = max(1, -(-total // per_page))
    next_data = {"props": {"pageProps": {
        "businessUnit": {"id": stable_hex(domain), "displayName": brand, "identifyingName": domain,
                         "numberOfReviews": total},
        "reviews": reviews,
        "filters": {"pagination": {"currentPage": page, "perPage": per_page,
                                   "totalCount": total, "totalPages": total_pages}}},
        "__N_SSP": True}, "page": "/review/[businessUnit]",
        "query": {"businessUnit": domain, "page": str(page)}, "buildId": "demo-build"}
    graph = [{"@type": "LocalBusiness", "@id": f"{base}/#/schema/LocalBusiness/{domain}",
              "name": brand, "review": [
                  {"@type": "Review", "@id": f"{base}/#/schema/Review/{domain}/{r['id']}",
                   "author": {"@type": "Person", "name": r["consumer"]["displayName"]},
                   "datePublished": r["dates"]["publishedDate"], "headline": r["title"],
                   "reviewBody": r["text"], "inLanguage": "en",
                   "reviewRating": {"@type": "Rating", "bestRating": "5", "worstRating": "1",
                                    "ratingValue": str(r["rating"])}} for r in reviews]}]
    head = (f'<script type="application/ld+json" data-business-unit-json-ld="true">'
            f'{_script_json({"@context": "https://schema.org", "@graph": graph})}</script>')
    cards = "\n".join(
        f'<section class="styles_reviewCard"><article data-service-review-card-paper="true">'
        f'<span data-consumer-name-typography="true">{_e(r["consumer"]["displayName"])}</span>'
        f'<img alt="Rated {_e(r["rating"])} out of 5 stars">'
        f'<time datetime="{_e(r["dates"]["publishedDate"])}"></time>'
        f'<h2 data-service-review-title-typography="true">'
        f'<a href="/reviews/{_e(r["id"])}">{_e(r["title"])}</a></h2>'
        f'<p data-service-review-text-typography="true">{_e(r["text"])}</p></article></section>'
        for r in reviews)
    body = html_page(f"{brand} Reviews | Read Customer Service Reviews of {domain}", cards,
                     head=head, next_url=next_url)
    script = (f'<script id="__NEXT_DATA__" type="application/json">'
              f'{_script_json(next_data)}</script>')
    return body.replace("</body>", script + "\n</body>")


def appstore_feed(brand: str, app_id: str, stories: list[dict[str, Any]], *, page: int,
                  base: str) -> dict[str, Any]:
    """One page of Apple's customer-reviews JSON feed (no `entry` when the page is empty)."""
    feed_url = f"{base}/us/rss/customerreviews/page={page}/id={app_id}/sortby=mostrecent/json"
    feed: dict[str, Any] = {
        "author": {"name": {"label": "iTunes Store"}, "uri": {"label": "http://www.apple.com/itunes/"}},
        "updated": {"label": "2026-08-20T01:00:00-07:00"},
        "rights": {"label": "Copyright 2008 Apple Inc."},
        "title": {"label": "iTunes Store: Customer Reviews"},
        "icon": {"label": "http://itunes.apple.com/favicon.ico"},
        "link": [{"attributes": {"rel": "alternate", "type": "text/html",
                                 "href": f"{base}/app/id{app_id}"}},
                 {"attributes": {"rel": "self", "href": feed_url}}],
        "id": {"label": feed_url},
    }
    entries = [{
        "author": {"uri": {"label": f"{base}/us/reviews/id{stable_number('a' + s['id'])}"},
                   "name": {"label": s.get("author") or "App user"}, "label": ""},
        "updated": {"label": published_moment(s).astimezone(PACIFIC).isoformat()},
        "im:rating": {"label": str(s.get("rating") or 3)},
        "im:version": {"label": s.get("app_version") or "1.0"},
        "id": {"label": stable_number(s["id"])},
        "title": {"label": s.get("title") or ""},
        "content": {"label": s["body"], "attributes": {"type": "text"}},
        "link": {"attributes": {"rel": "related", "href": f"{base}/us/review?id={app_id}"}},
        "im:voteSum": {"label": str(s.get("helpful_votes") or 0)},
        "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
        "im:voteCount": {"label": str(s.get("helpful_votes") or 0)},
    } for s in stories]
    if entries:
        feed["entry"] = entries
    return {"feed": feed}


def cfpb_answer(company: str, stories: list[dict[str, Any]], *, total: int) -> dict[str, Any]:
    """One page of the complaint search API answer."""
    hits = [{"_index": "complaint-public-v2", "_type": "_doc", "_id": stable_number(s["id"], 7),
             "_score": 0.0, "_source": {
                 "complaint_id": stable_number(s["id"], 7), "date_received":
                 f"{s['published']}T12:00:00-05:00", "product": s.get("product"),
                 "sub_product": "Store credit card", "issue": s.get("issue"), "sub_issue": None,
                 "company": company, "company_response": "Closed with explanation",
                 "company_public_response": s.get("company_reply"),
                 "complaint_what_happened": s["body"], "state": s.get("state"), "zip_code": None,
                 "tags": None, "submitted_via": "Web", "timely": "Yes", "has_narrative": True,
                 "consumer_consent_provided": "Consent provided", "consumer_disputed": "N/A",
                 "date_sent_to_company": f"{s['published']}T12:00:00-05:00"}} for s in stories]
    return {"took": 3, "timed_out": False,
            "_meta": {"license": "CC0", "total_record_count": total, "has_data_issue": False},
            "hits": {"total": {"value": total, "relation": "eq"}, "max_score": 0.0, "hits": hits}}
