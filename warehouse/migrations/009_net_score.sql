-- The net story score written once: the macro net_score(positive, negative, stories). Views,
-- the competitor gap rule and the named queries (warehouse/queries.py, report_queries.py) call it
-- instead of each writing out 100 * (positive - negative) / stories, so the formula and its
-- rounding cannot drift between the dashboard, the exec report and the analysts' views. The
-- arguments are counts (or aggregates of counts); no stories gives NULL, not a division by zero.
-- weekly_brand_scores (003) is re-created here to call it, with the same columns and figures;
-- weekly_cause_scores and the competitor gap rule (004, 007) call it from 010, which also counts
-- each cause by its own polarity. Comments come last: CREATE OR REPLACE drops an object's comments, so
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

COMMENT ON MACRO net_score IS 'Net story score: 100 * (positive - negative) / stories, rounded to 0.1, from -100 to 100; NULL for no stories.';

COMMENT ON VIEW weekly_brand_scores IS 'Net story score per brand per week over tagged stories.';
COMMENT ON COLUMN weekly_brand_scores.brand IS 'Brand.';
COMMENT ON COLUMN weekly_brand_scores.is_competitor IS 'TRUE for a competitor.';
COMMENT ON COLUMN weekly_brand_scores.week IS 'Monday of the week (NULL collects undated stories).';
COMMENT ON COLUMN weekly_brand_scores.stories IS 'Tagged stories published that week.';
COMMENT ON COLUMN weekly_brand_scores.positive IS 'Positive stories.';
COMMENT ON COLUMN weekly_brand_scores.negative IS 'Negative stories.';
COMMENT ON COLUMN weekly_brand_scores.neutral IS 'Neutral stories.';
COMMENT ON COLUMN weekly_brand_scores.net_story_score IS '100 * (positive - negative) / stories, from -100 to 100.';
