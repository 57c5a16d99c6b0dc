"""A small HTTP server on 127.0.0.1 that serves canned responses: for tests and the crawl
benchmark (`from tests.support.loopback import ...`, from the repository root); runtime code never
imports it.

`LoopbackSite(routes)` maps a request path (with its query string) to a `Reply` (status, body,
headers, an optional delay before answering, and how many times to answer with an earlier status
first, e.g. two 429s then the page). It records every path requested, so a test can count
requests. A path not in the routes is answered by `generate(path)` when given (e.g.
`endless_reviews()`: fresh pages for ever), else 404; `/robots.txt` answers an empty 200 unless
routed. `review_page()` writes a page of schema.org Reviews in JSON-LD, linked to the next page.

Example:
    >>> with LoopbackSite({"/feed": Reply(body=b"<rss/>")}) as site:  # doctest: +SKIP
    ...     crawl([Source("Acme", False, "feed", site.url("/feed"))], Path("landing"))
"""
from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass
class Reply:
    """One canned answer; `first` = [(status, headers), ...] answered before it, once each."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})
    delay: float = 0.0
    first: list[tuple[int, dict[str, str]]] = field(default_factory=list)


class LoopbackSite:
    """Serves `routes` on a free port of 127.0.0.1; use as a context manager."""

    def __init__(self, routes: dict[str, Reply],
                 generate: Callable[[str], Reply | None] | None = None) -> None:
        self.routes = routes
        self.generate = generate
        self.requested: list[str] = []
        self.request_times: list[float] = []
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        self._answered: Counter = Counter()
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    def __enter__(self) -> Self:
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def url(self, path: str) -> str:
        return self.base_url + path

    def count(self, prefix: str) -> int:
        """How many requests asked for a path starting with `prefix`."""
        return sum(path.startswith(prefix) for path in self.requested)

    def answer(self, path: str, user_agent: str) -> tuple[int, dict[str, str], bytes, float]:
        with self._lock:
            self.requested.append(path)
            self.request_times.append(time.monotonic())
            self.user_agents.add(user_agent)
            reply = self.routes.get(path)
            if reply is None and self.generate is not None:
                reply = self.generate(path)
            if reply is None:
                body = b"" if path == "/robots.txt" else b"not found"
                return (200 if path == "/robots.txt" else 404), {}, body, 0.0
            seen = self._answered[path]
            self._answered[path] += 1
        if seen < len(reply.first):
            status, headers = reply.first[seen]
            return status, headers, b"busy", 0.0
        return reply.status, reply.headers, reply.body, reply.delay


def review_page(reviews: list[tuple[str, str]], next_path: str | None = None) -> str:
    """An HTML page with schema.org Reviews in JSON-LD: (id, body) pairs, optional rel=next."""
    nodes = [{"@type": "Review", "@id": f"https://shop.example/r/{rid}", "reviewBody": body,
              "author": {"@type": "Person", "name": f"Author {rid}"},
              "datePublished": "2026-07-01", "reviewRating": {"ratingValue": 4}}
             for rid, body in reviews]
    graph = json.dumps({"@context": "https://schema.org", "@graph": nodes}, ensure_ascii=False)
    link = f'<link rel="next" href="{next_path}">' if next_path else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8">{link}'
            f'<script type="application/ld+json">{graph}</script>'
            "</head><body><h1>Reviews</h1></body></html>")


def endless_reviews(prefix: str, delay: float = 0.0) -> Callable[[str], Reply | None]:
    """A `generate` for LoopbackSite: `{prefix}N` is a page of two new reviews linking to
    `{prefix}N+1`, for every N: pagination that never ends and never repeats."""
    def page(path: str) -> Reply | None:
        number = path.removeprefix(prefix)
        if not path.startswith(prefix) or not number.isdigit():
            return None
        reviews = [(f"{number}-{i}", f"Endless story {number}.{i}") for i in (1, 2)]
        body = review_page(reviews, f"{prefix}{int(number) + 1}").encode()
        return Reply(body=body, delay=delay)

    return page


def _handler_for(site: LoopbackSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            status, headers, body, delay = site.answer(self.path,
                                                       self.headers.get("User-Agent", ""))
            if delay:
                time.sleep(delay)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler
