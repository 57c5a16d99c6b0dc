"""A local demo site that serves the demo stories as the real sources publish them.

`DemoSite` reads the demo stories (stories.jsonl, which training also reads, and planted.jsonl, the
demo's recent change, which training never reads) and serves, on 127.0.0.1 at a free port, each
story in its channel's format: schema.org review pages (JSON-LD `@graph` for Northwind,
microdata for Brightmart, a JSON-LD Store with reviews for others), Trustpilot pages, App Store
JSON feeds and the CFPB complaint API, newest first and paginated. `/robots.txt` disallows
`/private/`, whose pages also carry reviews, so a crawl that ignored robots.txt would show it.
`sources()` lists one `Source` per (brand, channel) for `storywatch.crawler.run.crawl()`.

Given `today`, the site moves every date by whole weeks so that the newest week of stories is the
last complete week before today: the planted change then lands in the weeks that alerts and the
dashboard look at, whenever the demo runs (docs/themes.md, "The demo's planted change").

Example:
    >>> with DemoSite() as site:  # doctest: +SKIP
    ...     results = crawl(site.sources(), Path("landing"))
"""
from __future__ import annotations

import json
import threading
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qs, quote, urlsplit

from storywatch.crawler.run import Source
from storywatch.demo_site import pages as demo_pages
from storywatch.errors import StorywatchError

HERE = Path(__file__).resolve().parent
DEFAULT_STORIES = HERE / "stories.jsonl"
PLANTED_STORIES = HERE / "planted.jsonl"
# The policy change behind the planted story change, dated in the stories' own calendar: the demo's
# storywatch.toml records it, so the exec report marks it and tests what it did.
PLANTED_POLICY_CHANGES = ({"date": "2026-11-16", "cause": "delays",
                           "note": "deliveries moved to a cheaper carrier"},)
OUR_BRAND = "Northwind"
CHANNELS = ("schema_org", "trustpilot", "appstore", "cfpb")
ROBOTS_TXT = "User-agent: *\nDisallow: /private/\n"


class DemoSiteError(StorywatchError, RuntimeError):
    """The demo site cannot start or was used before `start()`."""


def _slug(brand: str) -> str:
    return "".join(ch for ch in brand.lower() if ch.isalnum())


class DemoSite:
    """Serves demo stories on loopback; use as a context manager or call start()/stop()."""

    def __init__(self, stories_path: Path | None = None, page_size: int = 10, *,
                 today: date | None = None) -> None:
        # A file of one's own (tests) is served alone; the default is the demo with its change.
        self.stories_paths = ([Path(stories_path)] if stories_path
                              else [DEFAULT_STORIES, PLANTED_STORIES])
        self.page_size = page_size
        self.today = today
        self.requested_paths: list[str] = []
        self.base_url: str | None = None
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.stories: list[dict[str, Any]] = []
        self.shift = timedelta(0)

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        """Load the stories, start serving, and return the base URL (`http://127.0.0.1:PORT`)."""
        if self._server is not None:
            return self.base_url or ""
        stories = [s for path in self.stories_paths for s in load_demo_stories(path)]
        self.shift = _shift(stories, self.today) if self.today else timedelta(0)
        self.stories = _moved(stories, self.shift)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="storywatch-demo-site")
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving (safe to call twice)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server, self._thread = None, None

    def policy_changes(self) -> list[dict[str, str]]:
        """The planted policy change, dated like the stories served (after `start()`)."""
        if self.stories_paths != [DEFAULT_STORIES, PLANTED_STORIES]:
            return []
        return [{**change, "date": (date.fromisoformat(change["date"]) + self.shift).isoformat()}
                for change in PLANTED_POLICY_CHANGES]

    def brand_stories(self, brand: str, channel: str) -> list[dict[str, Any]]:
        """The brand's stories on one channel, newest first (the order the sites use)."""
        chosen = [s for s in self.stories if s["brand"] == brand and s["channel"] == channel]
        return sorted(chosen, key=lambda s: (s["published"], s["id"]), reverse=True)

    def sources(self) -> list[Source]:
        """One Source per (brand, channel) in the stories, pointing at this running site."""
        if self.base_url is None:
            raise DemoSiteError("the demo site is not running; call start() first")
        pairs = sorted({(s["brand"], s["channel"]) for s in self.stories},
                       key=lambda p: (p[0] != OUR_BRAND, p[0], CHANNELS.index(p[1])))
        return [Source(brand, brand != OUR_BRAND, channel, self.source_url(brand, channel))
                for brand, channel in pairs]

    def source_url(self, brand: str, channel: str) -> str:
        """The first page of the brand's reviews on the channel."""
        slug, base = _slug(brand), self.base_url
        if channel == "schema_org":
            return f"{base}/reviews/{slug}/"
        if channel == "trustpilot":
            return f"{base}/review/www.{slug}.example"
        if channel == "appstore":
            return (f"{base}/us/rss/customerreviews/page=1/id={app_id(brand)}"
                    "/sortby=mostrecent/json")
        return (f"{base}/data-research/consumer-complaints/search/api/v1/?company="
                f"{quote(cfpb_company(brand))}&has_narrative=true&frm=0&size={self.page_size}")

    def brand_for(self, slug: str) -> str | None:
        return next((s["brand"] for s in self.stories if _slug(s["brand"]) == slug), None)


def app_id(brand: str) -> str:
    return demo_pages.stable_number("app-" + brand, 10)


def cfpb_company(brand: str) -> str:
    return f"{brand.upper()} CARD SERVICES LLC"


def load_demo_stories(path: Path) -> list[dict[str, Any]]:
    """The demo stories, one JSON object a line; raises DemoSiteError if unreadable."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
        stories = [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as error:
        raise DemoSiteError(f"cannot read demo stories from {path} ({error}); "
                            "restore it from the storywatch package") from None
    return [s for s in stories if s.get("channel") in CHANNELS and s.get("body")]


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _shift(stories: list[dict[str, Any]], today: date) -> timedelta:
    """The whole weeks that make the newest story's week the last complete week before today."""
    if not stories:
        return timedelta(0)
    newest = max(date.fromisoformat(s["published"][:10]) for s in stories)
    return _monday(today) - (_monday(newest) + timedelta(days=7))


def _moved(stories: list[dict[str, Any]], shift: timedelta) -> list[dict[str, Any]]:
    def moved(value: str | None) -> str | None:
        return (date.fromisoformat(value[:10]) + shift).isoformat() if value else value

    return [{**s, "published": moved(s["published"]), "reply_date": moved(s.get("reply_date"))}
            for s in stories]


def dated_for(stories: list[dict[str, Any]], today: date) -> list[dict[str, Any]]:
    """The stories with every date moved by whole weeks (weekdays kept), so that the week of the
    newest story is the last complete week before `today`."""
    return _moved(stories, _shift(stories, today))


def _handler_for(site: DemoSite) -> type[BaseHTTPRequestHandler]:
    from storywatch.demo_site.routes import route

    class Handler(BaseHTTPRequestHandler):
        server_version = "demo-reviews/1.0"

        def do_GET(self) -> None:
            site.requested_paths.append(self.path)
            parts = urlsplit(self.path)
            status, content_type, body = route(site, parts.path, parse_qs(parts.query))
            data = body.encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
