"""Crawl throughput: N generated review pages from a loopback server, next to `scrapy bench`.

Not a timed test. Serves `--pages` pages of schema.org Reviews in JSON-LD (`--reviews` per page),
split into `--sources` rel=next chains, crawls them with the full storywatch stack (spiders,
validation, normalisation, redaction, de-duplication, landing files) with throttling off, and
prints pages/s and stories/s next to Scrapy's own `scrapy bench` figure measured in the same run
(a subprocess; its responses per minute), and the ratio.

Usage:
    python benchmarks/crawl.py --pages 1200 --sources 16 --bench-seconds 10
"""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storywatch.crawler.run import Source, crawl
from tests.support.loopback import LoopbackSite, Reply, review_page

_STAT = re.compile(r"'(responses_per_minute|response_received_count|elapsed_time_seconds)': "
                   r"([0-9.]+)")


def generated_routes(pages: int, sources: int, reviews: int) -> dict[str, Reply]:
    """`pages` review pages split into `sources` chains `/s{k}/p{n}` linked by rel=next."""
    routes = {}
    per_source = max(1, pages // sources)
    for k in range(sources):
        for n in range(per_source):
            stories = [(f"{k}-{n}-{i}", (f"Story {i} on page {n} of chain {k}: the delivery "
                                         f"was late and the refund took {i + 2} weeks, call "
                                         f"020 7946 {1000 + i}.")) for i in range(reviews)]
            following = f"/s{k}/p{n + 1}" if n + 1 < per_source else None
            routes[f"/s{k}/p{n}"] = Reply(body=review_page(stories, following).encode())
    return routes


def storywatch_rate(pages: int, sources: int, reviews: int) -> dict[str, float]:
    """Crawl the generated pages; pages/s and stories/s over the crawl engine's time."""
    with tempfile.TemporaryDirectory() as scratch, \
            LoopbackSite(generated_routes(pages, sources, reviews)) as site:
        chains = [Source("Bench", False, "schema_org", site.url(f"/s{k}/p0"))
                  for k in range(sources)]
        started = time.perf_counter()
        results = crawl(chains, Path(scratch) / "landing", throttle=False,
                        settings={"CONCURRENT_REQUESTS": 32, "LOG_LEVEL": "WARNING"})
        wall = time.perf_counter() - started
    seconds = max(r.seconds for r in results)
    crawled, stories = sum(r.pages for r in results), sum(r.stories for r in results)
    errors = sum(r.errors for r in results)
    return {"pages": crawled, "stories": stories, "errors": errors, "seconds": seconds,
            "wall": wall, "pages_per_s": crawled / seconds, "stories_per_s": stories / seconds}


def scrapy_bench_rate(seconds: int) -> float:
    """Pages/s of `scrapy bench` (its responses per minute / 60), run in a subprocess."""
    with tempfile.TemporaryDirectory() as scratch:
        run = subprocess.run(
            [sys.executable, "-m", "scrapy", "bench", "-s", f"CLOSESPIDER_TIMEOUT={seconds}",
             "-s", "LOG_LEVEL=INFO"], cwd=scratch, capture_output=True, text=True, check=False)
    stats = {name: float(value) for name, value in _STAT.findall(run.stderr + run.stdout)}
    if "responses_per_minute" in stats:
        return stats["responses_per_minute"] / 60
    if stats.get("elapsed_time_seconds"):
        return stats["response_received_count"] / stats["elapsed_time_seconds"]
    sys.exit(f"could not read scrapy bench's figures:\n{run.stderr[-2000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=1200, help="pages to serve and crawl")
    parser.add_argument("--sources", type=int, default=16, help="rel=next chains (spiders)")
    parser.add_argument("--reviews", type=int, default=10, help="reviews per page")
    parser.add_argument("--bench-seconds", type=int, default=10, help="scrapy bench duration")
    args = parser.parse_args()
    ours = storywatch_rate(args.pages, args.sources, args.reviews)
    bench = scrapy_bench_rate(args.bench_seconds)
    print(f"storywatch crawl: {ours['pages']} pages, {ours['stories']} stories, "
          f"{ours['errors']} errors in {ours['seconds']:.2f}s "
          f"(process wall {ours['wall']:.2f}s)")
    print(f"  {ours['pages_per_s']:.1f} pages/s, {ours['stories_per_s']:.1f} stories/s")
    print(f"scrapy bench:     {bench:.1f} pages/s ({bench * 60:.0f} pages/min)")
    print(f"ratio storywatch/scrapy bench: {ours['pages_per_s'] / bench:.2f}")


if __name__ == "__main__":
    main()
