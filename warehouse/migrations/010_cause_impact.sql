-- Per-cause polarity and driver impact (issue 15 item 1, issue 14 item 4).
--
-- A cause is scored by its own polarity, not the whole story's: "great staff, terrible returns"
-- is a negative story, yet it praises the staff. story_causes gains `cause_sentiment` (the
-- polarity of the cause's evidence when that is positive or negative, else the story's), and
-- the per-cause scores and the competitor gap count it. `sentiment` stays the story's own.
--
-- cause_impact_over holds the driver-impact rule once: per brand and cause, the brand's net
-- story score over all its stories, the same without the stories naming the cause, the impact
-- (all minus without, the method review platforms document), a 95% interval, and "what if" that
-- cause's negative stories had been neutral. The view cause_impact, the analysts' macro
-- cause_impact_between and the named query (warehouse/cause_impact.py) all call it. Scores
-- come from 009's net_score macro; the views and the gap rule re-created here keep every column
-- 009 gave them.
-- Comments come last: CREATE OR REPLACE drops an object's comments, so those of the objects
-- re-created here are restated (the competitor_gap view itself is not re-created: it calls the
-- macro, so it keeps its comments and now counts each cause by its own polarity).

CREATE OR REPLACE VIEW story_causes AS
    SELECT c.story_key, c.cause, c.owner, c.score, c.evidence, c.evidence_sentiment,
           f.brand, f.is_competitor, f.published_at, f.week, f.source, f.sentiment,
           CASE WHEN c.evidence_sentiment IN ('positive', 'negative') THEN c.evidence_sentiment
                ELSE f.sentiment END AS cause_sentiment
    FROM cause_tags c
    JOIN story_facts f ON f.story_key = c.story_key
    WHERE c.model_version = (SELECT model_version FROM current_model);

-- 009's definitions, counting each cause by its own polarity.
CREATE OR REPLACE VIEW weekly_cause_scores AS
    WITH brand_weeks AS (
        SELECT brand, week, count(*) AS brand_stories
        FROM story_facts WHERE sentiment IS NOT NULL GROUP BY brand, week
    ), counted AS (
        SELECT c.brand, c.is_competitor, c.week, c.cause, c.owner,
               count(*) AS stories,
               count(*) FILTER (WHERE c.cause_sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE c.cause_sentiment = 'negative') AS negative,
               count(*) FILTER (WHERE c.cause_sentiment = 'neutral') AS neutral,
               any_value(b.brand_stories) AS brand_stories
        FROM story_causes c
        JOIN brand_weeks b ON b.brand = c.brand AND b.week IS NOT DISTINCT FROM c.week
        WHERE c.cause_sentiment IS NOT NULL
        GROUP BY c.brand, c.is_competitor, c.week, c.cause, c.owner
    )
    SELECT brand, is_competitor, week, cause, owner, stories, positive, negative, neutral,
           net_score(positive, negative, stories) AS net_story_score,
           brand_stories,
           round(100.0 * negative / brand_stories, 1) AS negative_share
    FROM counted;

CREATE OR REPLACE MACRO competitor_gap_over(
    cause_rows, story_rows,
    from_week := NULL, to_week := NULL, brands := NULL, sources := NULL, causes := NULL
) AS TABLE
    WITH per_brand AS (
        SELECT cause, any_value(owner) AS owner, brand, bool_or(is_competitor) AS is_competitor,
               count(*) AS stories,
               count(*) FILTER (WHERE cause_sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE cause_sentiment = 'negative') AS negative
        FROM query_table(cause_rows)
        WHERE cause_sentiment IS NOT NULL
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

-- The interval: impact = share * (mean of the cause's stories - mean of the others), each story
-- worth +100, 0 or -100; a normal interval for that difference of two means with the share held
-- fixed (docs/sql.md). Too few stories make it meaningless, hence `too_few`.
CREATE OR REPLACE MACRO cause_impact_over(
    cause_rows, story_rows,
    from_week := NULL, to_week := NULL, brands := NULL, sources := NULL, causes := NULL,
    min_stories := 5
) AS TABLE
    WITH totals AS (
        SELECT brand, bool_or(is_competitor) AS is_competitor, count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative
        FROM query_table(story_rows)
        WHERE sentiment IS NOT NULL
          AND (brands IS NULL OR list_contains(CAST(brands AS VARCHAR[]), brand))
          AND (sources IS NULL OR list_contains(CAST(sources AS VARCHAR[]), source))
          AND (from_week IS NULL OR week >= date_trunc('week', CAST(from_week AS TIMESTAMP)))
          AND (to_week IS NULL OR week <= date_trunc('week', CAST(to_week AS TIMESTAMP)))
        GROUP BY brand
    ),
    named AS (
        SELECT brand, cause, any_value(owner) AS owner, count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive') AS positive,
               count(*) FILTER (WHERE sentiment = 'negative') AS negative,
               -- Negative stories in which this cause is itself a complaint.
               count(*) FILTER (WHERE sentiment = 'negative' AND cause_sentiment = 'negative')
                   AS blamed
        FROM query_table(cause_rows)
        WHERE sentiment IS NOT NULL
          AND (brands IS NULL OR list_contains(CAST(brands AS VARCHAR[]), brand))
          AND (sources IS NULL OR list_contains(CAST(sources AS VARCHAR[]), source))
          AND (from_week IS NULL OR week >= date_trunc('week', CAST(from_week AS TIMESTAMP)))
          AND (to_week IS NULL OR week <= date_trunc('week', CAST(to_week AS TIMESTAMP)))
          AND (causes IS NULL OR list_contains(CAST(causes AS VARCHAR[]), cause))
        GROUP BY brand, cause
    ),
    parts AS (
        SELECT n.brand, t.is_competitor, n.cause, n.owner, n.stories, t.stories AS brand_stories,
               net_score(t.positive, t.negative, t.stories) AS score_all,
               net_score(t.positive - n.positive, t.negative - n.negative,
                         t.stories - n.stories) AS score_without,
               net_score(t.positive, t.negative - n.blamed, t.stories) AS what_if_score,
               -- Variance of a story's worth (+100, 0, -100) among the cause's stories, and
               -- among the others: 100^2 * (p + q - (p - q)^2) for shares p positive, q negative.
               10000.0 * ((n.positive + n.negative) / n.stories
                          - power((n.positive - n.negative) / n.stories, 2)) AS spread_named,
               10000.0 * ((t.positive - n.positive + t.negative - n.negative)
                              / nullif(t.stories - n.stories, 0)
                          - power((t.positive - n.positive - t.negative + n.negative)
                                  / nullif(t.stories - n.stories, 0), 2)) AS spread_other
        FROM named n JOIN totals t USING (brand)
    ),
    scored AS (
        -- impact from the rounded scores, as the gap is: the figures shown add up.
        SELECT *, score_all - score_without AS impact,
               1.96 * stories / brand_stories
                 * sqrt(spread_named / stories
                        + spread_other / nullif(brand_stories - stories, 0)) AS margin
        FROM parts
    )
    SELECT brand, is_competitor, cause, owner, CAST(stories AS BIGINT) AS stories,
           round(100.0 * stories / brand_stories, 1) AS share,
           score_all, score_without, round(impact, 1) AS impact,
           round(impact - margin, 1) AS impact_low, round(impact + margin, 1) AS impact_high,
           what_if_score, stories < min_stories AS too_few
    FROM scored;

CREATE OR REPLACE MACRO cause_impact_between(
    from_week := NULL, to_week := NULL, brands := NULL, sources := NULL, causes := NULL,
    min_stories := 5
) AS TABLE
    SELECT * FROM cause_impact_over('story_causes', 'story_facts',
                                    from_week := from_week, to_week := to_week, brands := brands,
                                    sources := sources, causes := causes,
                                    min_stories := min_stories);

CREATE OR REPLACE VIEW cause_impact AS SELECT * FROM cause_impact_between();

COMMENT ON VIEW story_causes IS 'One row per story and cause found in it by the current model version, with the cause''s own polarity.';
COMMENT ON COLUMN story_causes.story_key IS 'The story (join to story_facts.story_key).';
COMMENT ON COLUMN story_causes.cause IS 'Cause from the taxonomy, e.g. refunds, delivery and delays.';
COMMENT ON COLUMN story_causes.owner IS 'Function that owns the cause: Operations, Sales, Service, Finance or Product.';
COMMENT ON COLUMN story_causes.score IS 'How strongly the story names the cause, 0..1.';
COMMENT ON COLUMN story_causes.evidence IS 'The sentence that names the cause (the clause, where one sentence judges two causes), untrusted plain text.';
COMMENT ON COLUMN story_causes.evidence_sentiment IS 'Sentiment of the evidence sentence or clause.';
COMMENT ON COLUMN story_causes.brand IS 'Brand the story is about.';
COMMENT ON COLUMN story_causes.is_competitor IS 'TRUE for a competitor''s story.';
COMMENT ON COLUMN story_causes.published_at IS 'When the story was published (UTC).';
COMMENT ON COLUMN story_causes.week IS 'Monday of the publication week.';
COMMENT ON COLUMN story_causes.source IS 'Source format the story came from.';
COMMENT ON COLUMN story_causes.sentiment IS 'Sentiment of the whole story.';
COMMENT ON COLUMN story_causes.cause_sentiment IS 'The cause''s own polarity: evidence_sentiment when positive or negative, else the story''s sentiment.';

COMMENT ON VIEW weekly_cause_scores IS 'Per brand, week and cause: stories naming the cause and their net story score, by the cause''s own polarity.';
COMMENT ON COLUMN weekly_cause_scores.brand IS 'Brand.';
COMMENT ON COLUMN weekly_cause_scores.is_competitor IS 'TRUE for a competitor.';
COMMENT ON COLUMN weekly_cause_scores.week IS 'Monday of the week (NULL collects undated stories).';
COMMENT ON COLUMN weekly_cause_scores.cause IS 'Cause from the taxonomy.';
COMMENT ON COLUMN weekly_cause_scores.owner IS 'Function that owns the cause.';
COMMENT ON COLUMN weekly_cause_scores.stories IS 'Tagged stories that week naming the cause.';
COMMENT ON COLUMN weekly_cause_scores.positive IS 'Of those, stories where the cause is praised (cause_sentiment positive).';
COMMENT ON COLUMN weekly_cause_scores.negative IS 'Of those, stories where the cause is a complaint (cause_sentiment negative).';
COMMENT ON COLUMN weekly_cause_scores.neutral IS 'Of those, stories where the cause is neither.';
COMMENT ON COLUMN weekly_cause_scores.net_story_score IS '100 * (positive - negative) / stories naming the cause.';
COMMENT ON COLUMN weekly_cause_scores.brand_stories IS 'All tagged stories of the brand that week.';
COMMENT ON COLUMN weekly_cause_scores.negative_share IS 'Percent of the brand''s stories that week that complain about the cause.';

COMMENT ON MACRO TABLE competitor_gap_over IS 'The competitor gap rule over the given cause and story rows (views or rollups), by each cause''s own polarity; analysts call competitor_gap_between.';
COMMENT ON MACRO TABLE competitor_gap_between IS 'competitor_gap restricted to weeks (from_week, to_week), brands, sources and causes; a filter left out filters nothing.';

COMMENT ON MACRO TABLE cause_impact_over IS 'The driver-impact rule over the given cause and story rows (views or rollups); analysts call cause_impact_between.';
COMMENT ON MACRO TABLE cause_impact_between IS 'cause_impact restricted to weeks (from_week, to_week), brands, sources and causes, with min_stories (default 5) for too_few.';

COMMENT ON VIEW cause_impact IS 'Per brand and cause, over all tagged stories: how much the cause''s stories move the brand''s net story score (all minus without them), with a 95% interval and what if its complaints had been neutral.';
COMMENT ON COLUMN cause_impact.brand IS 'Brand.';
COMMENT ON COLUMN cause_impact.is_competitor IS 'TRUE for a competitor.';
COMMENT ON COLUMN cause_impact.cause IS 'Cause from the taxonomy.';
COMMENT ON COLUMN cause_impact.owner IS 'Function that owns the cause.';
COMMENT ON COLUMN cause_impact.stories IS 'The brand''s tagged stories naming the cause.';
COMMENT ON COLUMN cause_impact.share IS 'Percent of the brand''s tagged stories that name the cause.';
COMMENT ON COLUMN cause_impact.score_all IS 'The brand''s net story score over all its tagged stories.';
COMMENT ON COLUMN cause_impact.score_without IS 'The brand''s net story score over its stories that do not name the cause (NULL when every story names it).';
COMMENT ON COLUMN cause_impact.impact IS 'score_all - score_without: below 0 the cause drags the brand''s score down by that many points.';
COMMENT ON COLUMN cause_impact.impact_low IS 'Lower end of the 95% interval of impact (normal approximation).';
COMMENT ON COLUMN cause_impact.impact_high IS 'Upper end of the 95% interval of impact.';
COMMENT ON COLUMN cause_impact.what_if_score IS 'The brand''s net story score had its negative stories that complain about the cause been neutral.';
COMMENT ON COLUMN cause_impact.too_few IS 'TRUE when fewer than 5 stories name the cause: too few to judge.';
