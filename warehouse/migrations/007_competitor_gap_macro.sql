-- The competitor gap written once. The `competitor_gap` view (004) and the dashboard's named query
-- (warehouse/report_queries.py) each held a copy of the rule and could drift; now the table macro
-- competitor_gap_over holds it, and the view, the analysts' filtered macro competitor_gap_between
-- and the named query all call it. A filter left NULL filters nothing; the filters mean what
-- warehouse.queries' filter clauses mean (a week filter takes any day of the week).
-- `cause_rows` and `story_rows` name what to read: the views story_causes and story_facts, or
-- their rollup tables (same columns), which the named query reads while they are current.
-- Comments come last: CREATE OR REPLACE VIEW drops a view's comments, so 004's are restated.
CREATE OR REPLACE MACRO competitor_gap_over(
    cause_rows, story_rows,
    from_week := NULL, to_week := NULL, brands := NULL, sources := NULL, causes := NULL
) AS TABLE
    WITH per_brand AS (
        SELECT cause, any_value(owner) AS owner, brand, bool_or(is_competitor) AS is_competitor,
               count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive')
                 - count(*) FILTER (WHERE sentiment = 'negative') AS net_stories
        FROM query_table(cause_rows)
        WHERE sentiment IS NOT NULL
          AND (brands IS NULL OR list_contains(CAST(brands AS VARCHAR[]), brand))
          AND (sources IS NULL OR list_contains(CAST(sources AS VARCHAR[]), source))
          AND (from_week IS NULL OR week >= date_trunc('week', CAST(from_week AS TIMESTAMP)))
          AND (to_week IS NULL OR week <= date_trunc('week', CAST(to_week AS TIMESTAMP)))
          AND (causes IS NULL OR list_contains(CAST(causes AS VARCHAR[]), cause))
        GROUP BY cause, brand
    ),
    ours AS (
        SELECT cause, sum(stories) AS stories, sum(net_stories) AS net_stories
        FROM per_brand WHERE NOT is_competitor GROUP BY cause
    ),
    -- Every competitor with a story in scope, even one whose stories name none of our causes.
    competitors AS (
        SELECT DISTINCT brand FROM query_table(story_rows)
        WHERE is_competitor
          AND (brands IS NULL OR list_contains(CAST(brands AS VARCHAR[]), brand))
          AND (sources IS NULL OR list_contains(CAST(sources AS VARCHAR[]), source))
          AND (from_week IS NULL OR week >= date_trunc('week', CAST(from_week AS TIMESTAMP)))
          AND (to_week IS NULL OR week <= date_trunc('week', CAST(to_week AS TIMESTAMP)))
    ),
    owners AS (SELECT cause, any_value(owner) AS owner FROM per_brand GROUP BY cause)
    SELECT o.cause, o.owner, k.brand AS competitor,
           CAST(coalesce(u.stories, 0) AS BIGINT) AS our_stories,
           round(100.0 * u.net_stories / u.stories, 1) AS our_net_score,
           coalesce(p.stories, 0) AS competitor_stories,
           round(100.0 * p.net_stories / p.stories, 1) AS competitor_net_score,
           round(100.0 * u.net_stories / u.stories, 1)
             - round(100.0 * p.net_stories / p.stories, 1) AS gap
    FROM owners o CROSS JOIN competitors k
    LEFT JOIN ours u ON u.cause = o.cause
    LEFT JOIN per_brand p ON p.cause = o.cause AND p.brand = k.brand
    WHERE u.stories IS NOT NULL OR p.stories IS NOT NULL;

CREATE OR REPLACE MACRO competitor_gap_between(
    from_week := NULL, to_week := NULL, brands := NULL, sources := NULL, causes := NULL
) AS TABLE
    SELECT * FROM competitor_gap_over('story_causes', 'story_facts',
                                      from_week := from_week, to_week := to_week,
                                      brands := brands, sources := sources, causes := causes);

CREATE OR REPLACE VIEW competitor_gap AS SELECT * FROM competitor_gap_between();

COMMENT ON MACRO TABLE competitor_gap_over IS 'The competitor gap rule over the given cause and story rows (views or rollups); analysts call competitor_gap_between.';
COMMENT ON MACRO TABLE competitor_gap_between IS 'competitor_gap restricted to weeks (from_week, to_week), brands, sources and causes; a filter left out filters nothing.';

COMMENT ON VIEW competitor_gap IS 'Per cause and competitor, over all tagged stories: our net story score, theirs, and the gap.';
COMMENT ON COLUMN competitor_gap.cause IS 'Cause from the taxonomy.';
COMMENT ON COLUMN competitor_gap.owner IS 'Function that owns the cause.';
COMMENT ON COLUMN competitor_gap.competitor IS 'Competitor brand.';
COMMENT ON COLUMN competitor_gap.our_stories IS 'Our brands'' tagged stories naming the cause.';
COMMENT ON COLUMN competitor_gap.our_net_score IS 'Our net story score on the cause (NULL when we have no such story).';
COMMENT ON COLUMN competitor_gap.competitor_stories IS 'The competitor''s tagged stories naming the cause.';
COMMENT ON COLUMN competitor_gap.competitor_net_score IS 'The competitor''s net story score on the cause.';
COMMENT ON COLUMN competitor_gap.gap IS 'our_net_score - competitor_net_score: above 0 we do better on this cause.';
