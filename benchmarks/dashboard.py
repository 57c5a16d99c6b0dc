"""Benchmark: how long each dashboard page's named queries take on a big warehouse.

Builds a temporary warehouse through the real migrations, fills it with N synthetic stories
(DuckDB generate_series: three brands, four sources, two years, tags of one current model and
0-2 causes per story with evidence), then runs every query each page runs on one uncached view,
on a read-only connection like the dashboard's, and prints p50/p95 per page.

    .venv/bin/python benchmarks/dashboard.py --stories 1000000 --repeat 7
    .venv/bin/python benchmarks/dashboard.py --stories 10000000 --repeat 3 --threads 2

The target is p95 < 300 ms per page at 1M stories and < 1 s at 10M on a 2-core machine.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from storywatch.reports.content import gather_report
from storywatch.warehouse import connect, connect_read_only, queries, report_queries
from storywatch.warehouse.report_rollups import refresh_rollups

CAUSES = [("refunds", "Operations"), ("delivery and delays", "Operations"),
          ("returns and exchanges", "Operations"), ("pushy or misleading sales", "Sales"),
          ("pricing and hidden fees", "Sales"), ("staff attitude", "Service"),
          ("reaching support", "Service"), ("billing errors", "Finance"),
          ("product quality", "Product"), ("website or app problems", "Product")]


def fill(workdir: Path, stories: int, rollups: bool = True) -> None:
    """Write `stories` synthetic tagged stories into a fresh warehouse in `workdir`."""
    con = connect(workdir)
    causes = ", ".join(f"({n}, '{c}', '{o}')" for n, (c, o) in enumerate(CAUSES))
    con.execute(f"""
        INSERT INTO stories (story_key, source, source_url, story_url, brand, is_competitor,
                             title, body, rating, published_at, helpful_votes, company_reply,
                             first_seen_at, updated_at)
        SELECT 'bench:' || i, ['schema_org', 'trustpilot', 'appstore', 'cfpb'][i % 4 + 1],
               'https://reviews.example/' || (i % 3), 'https://reviews.example/s/' || i,
               ['Northwind', 'Brightmart', 'HomeHaven'][i % 3 + 1], i % 3 <> 0,
               'Story ' || i,
               'Story ' || i || ': the delivery was ' || ['late', 'early', 'fine'][i % 3 + 1]
                   || ' and the staff were ' || ['rude', 'kind', 'busy', 'slow'][i % 4 + 1] || '.',
               (i % 5) / 4, TIMESTAMP '2024-01-01' + to_minutes(CAST(i % 1051200 AS BIGINT)),
               CASE WHEN i % 11 = 0 THEN i % 97 END,
               CASE WHEN i % 7 = 0 THEN 'Thank you for your story.' END, now(), now()
        FROM generate_series(1, {stories}) AS t(i);
        INSERT INTO model_versions VALUES ('bench-model', now(), TRUE);
        INSERT INTO story_tags
        SELECT story_key, 'bench-model', 'h', ['positive', 'negative', 'neutral',
               'negative', 'positive'][CAST(hash(story_key) % 5 AS BIGINT) + 1], 0.5, 'en', now()
        FROM stories;
        INSERT INTO sentence_tags
        SELECT story_key, 'bench-model', 0, body, 'neutral', 0.0 FROM stories;
        INSERT INTO cause_tags
        SELECT s.story_key, 'bench-model', c.cause, c.owner, 0.8, s.body, 'negative'
        FROM stories s, (VALUES {causes}) AS c(n, cause, owner)
        -- About 70% of stories name one cause, and about 40% a second one.
        WHERE (hash(s.story_key) >> 8) % 14 = c.n OR (hash(s.story_key) >> 16) % 25 = c.n;
    """)
    if rollups:
        refresh_rollups(con)
    con.execute("CHECKPOINT")
    con.close()


def pages(latest: date) -> dict[str, list[Callable]]:
    """The named-query calls each page makes on one view with the default (full) filters."""
    week = report_queries.period_ending("week", latest)
    everything = {"start": date(2024, 1, 1), "end": latest}
    return {
        "sidebar": [queries.story_period, queries.brands, queries.sources, queries.causes],
        "overview": [queries.story_count, queries.tagged_story_count,
                     lambda c: queries.brand_net_score(c, **everything),
                     lambda c: queries.weekly_net_score(c, **everything),
                     lambda c: queries.top_stories(c, **everything)],
        "competitors": [lambda c: report_queries.competitor_gap(c, **everything),
                        lambda c: queries.stories(c, cause="refunds", limit=200,
                                                  brands=["Northwind", "Brightmart"], **everything)],
        "causes": [report_queries.latest_story_day,
                   lambda c: report_queries.owner_scores(c, **everything),
                   lambda c: report_queries.cause_movers(c, week, limit=10),
                   lambda c: report_queries.cause_trend(c, **everything),
                   lambda c: report_queries.cause_counts(c, **everything)],
        "stories": [lambda c: queries.stories(c, limit=500, **everything),
                    lambda c: queries.stories(c, search="rude", limit=500, **everything),
                    lambda c: queries.story_sentences(c, "bench:12345")],
        "sources": [queries.source_health],
        "exec report (cached in the dashboard)": [lambda c: gather_report(c, None, "week")],
    }


def measure(workdir: Path, repeat: int, threads: int | None) -> None:
    con = connect_read_only(workdir)
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    time_pages(con, report_queries.latest_story_day(con), repeat)
    con.close()


def time_pages(con, latest: date, repeat: int, title: str = "") -> None:
    """Print p50 and p95 ms of each page's queries on `con`, over `repeat` runs."""
    print(f"{'page' + (' (' + title + ')' if title else ''):40} {'p50 ms':>8} {'p95 ms':>8}")
    for page, calls in pages(latest).items():
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            for call in calls:
                call(con)
            timings.append(1000 * (time.perf_counter() - started))
        timings.sort()
        p95 = timings[min(len(timings) - 1, round(0.95 * (len(timings) - 1)))]
        print(f"{page:40} {statistics.median(timings):8.0f} {p95:8.0f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stories", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: all)")
    parser.add_argument("--no-rollups", action="store_true",
                        help="Leave the rollup tables out: every query reads the views.")
    given = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        fill(Path(folder), given.stories, rollups=not given.no_rollups)
        print(f"{given.stories:,} stories generated in {time.perf_counter() - started:.0f} s")
        measure(Path(folder), given.repeat, given.threads)


if __name__ == "__main__":
    main()
