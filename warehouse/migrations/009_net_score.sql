-- The net story score written once: the macro net_score(positive, negative, stories). Views,
-- the competitor gap rule and the named queries (warehouse/queries.py, report_queries.py) call it
-- instead of each writing out 100 * (positive - negative) / stories, so the formula and its
-- rounding cannot drift between the dashboard, the exec report and the analysts' views. The
-- arguments are counts (or aggregates of counts); no stories gives NULL, not a division by zero.
-- The views of 003 and 004 and the rule of 007 are re-created here to call it, with the same
-- columns and figures. Comments come last: CREATE OR REPLACE drops an object's comments, so
-- theirs are restated. Every statement replaces, so the migration may be re-applied.
CREATE OR REPLACE MACRO net_score(positive, negative, stories) AS
    round(100.0 * (positive - negative) / nullif(stories, 0), 1);

CREATE OR REPLACE VIEW weekly_brand_scores AS
    SELECT brand, is_competitor, week, stories, positive, negative, neutral,
           net_score(positive, negative, stories) AS net_story_score
    FROM (
        SELECT brand, is_competitor, week,
               count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE sentiment = 'neutral') AS neutral
        FROM story_facts
        WHERE sentiment IS NOT NULL
        GROUP BY ALL
    );

CREATE OR REPLACE VIEW weekly_cause_scores AS
    WITH brand_weeks AS (
        SELECT brand, week, count(*) AS brand_stories
        FROM story_facts WHERE sentiment IS NOT NULL GROUP BY brand, week
    ), counted AS (
        SELECT c.brand, c.is_competitor, c.week, c.cause, c.owner,
               count(*) AS stories,
               count(*) FILTER (WHERE c.sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE c.sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE c.sentiment = 'neutral') AS neutral,
               any_value(b.brand_stories) AS brand_stories
        FROM story_causes c
        JOIN brand_weeks b ON b.brand = c.brand AND b.week IS NOT DISTINCT FROM c.week
        WHERE c.sentiment IS NOT NULL
        GROUP BY c.brand, c.is_competitor, c.week, c.cause, c.owner
    )
    SELECT brand, is_competitor, week, cause, owner, stories, positive, negative, neutral,
           net_score(positive, negative, stories) AS net_story_score,
           brand_stories,
           round(100.0 * negative / brand_stories, 1) AS negative_share
    FROM counted;

-- 007's rule with the score from net_score: per brand the positive and negative counts are kept
-- (not their difference), so ours sums them over our brands before scoring.
CREATE OR REPLACE MACRO competitor_gap_over(
    cause_rows, story_rows,
    from_week := NULL, to_week := NULL, brands := NULL, sources := NULL, causes := NULL
) AS TABLE
    WITH per_brand AS (
        SELECT cause, any_value(owner) AS owner, brand, bool_or(is_competitor) AS is_competitor,
               count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative
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
        SELECT cause, sum(stories) AS stories, sum(positive) AS positive,
               sum(negative) AS negative
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
    owners AS (SELECT cause, any_value(owner) AS owner FROM per_brand GROUP BY cause),
    scored AS (
        SELECT o.cause, o.owner, k.brand AS competitor,
               CAST(coalesce(u.stories, 0) AS BIGINT) AS our_stories,
               net_score(u.positive, u.negative, u.stories) AS our_net_score,
               coalesce(p.stories, 0) AS competitor_stories,
               net_score(p.positive, p.negative, p.stories) AS competitor_net_score
        FROM owners o CROSS JOIN competitors k
        LEFT JOIN ours u ON u.cause = o.cause
        LEFT JOIN per_brand p ON p.cause = o.cause AND p.brand = k.brand
        WHERE u.stories IS NOT NULL OR p.stories IS NOT NULL
    )
    SELECT *, our_net_score - competitor_net_score AS gap FROM scored;

COMMENT ON MACRO net_score IS 'Net story score: 100 * (positive - negative) / stories, rounded to 0.1, from -100 to 100; NULL for no stories.';
COMMENT ON MACRO TABLE competitor_gap_over IS 'The competitor gap rule over the given cause and story rows (views or rollups); analysts call competitor_gap_between.';

COMMENT ON VIEW weekly_brand_scores IS 'Net story score per brand per week over tagged stories.';
COMMENT ON COLUMN weekly_brand_scores.brand IS 'Brand.';
COMMENT ON COLUMN weekly_brand_scores.is_competitor IS 'TRUE for a competitor.';
COMMENT ON COLUMN weekly_brand_scores.week IS 'Monday of the week (NULL collects undated stories).';
COMMENT ON COLUMN weekly_brand_scores.stories IS 'Tagged stories published that week.';
COMMENT ON COLUMN weekly_brand_scores.positive IS 'Positive stories.';
COMMENT ON COLUMN weekly_brand_scores.negative IS 'Negative stories.';
COMMENT ON COLUMN weekly_brand_scores.neutral IS 'Neutral stories.';
COMMENT ON COLUMN weekly_brand_scores.net_story_score IS '100 * (positive - negative) / stories, from -100 to 100.';

COMMENT ON VIEW weekly_cause_scores IS 'Per brand, week and cause: stories naming the cause and their net story score.';
COMMENT ON COLUMN weekly_cause_scores.brand IS 'Brand.';
COMMENT ON COLUMN weekly_cause_scores.is_competitor IS 'TRUE for a competitor.';
COMMENT ON COLUMN weekly_cause_scores.week IS 'Monday of the week (NULL collects undated stories).';
COMMENT ON COLUMN weekly_cause_scores.cause IS 'Cause from the taxonomy.';
COMMENT ON COLUMN weekly_cause_scores.owner IS 'Function that owns the cause.';
COMMENT ON COLUMN weekly_cause_scores.stories IS 'Tagged stories that week naming the cause.';
COMMENT ON COLUMN weekly_cause_scores.positive IS 'Of those, positive stories.';
COMMENT ON COLUMN weekly_cause_scores.negative IS 'Of those, negative stories.';
COMMENT ON COLUMN weekly_cause_scores.neutral IS 'Of those, neutral stories.';
COMMENT ON COLUMN weekly_cause_scores.net_story_score IS '100 * (positive - negative) / stories naming the cause.';
COMMENT ON COLUMN weekly_cause_scores.brand_stories IS 'All tagged stories of the brand that week.';
COMMENT ON COLUMN weekly_cause_scores.negative_share IS 'Percent of the brand''s stories that week that are negative and name the cause.';
