-- Analysts' stable views, part two: per-cause weekly scores and the competitor gap per cause,
-- and comments on every view and column (read them with duckdb_views() and duckdb_columns()).
-- Comments come last: CREATE OR REPLACE VIEW drops a view's comments.
CREATE OR REPLACE VIEW weekly_cause_scores AS
    WITH brand_weeks AS (
        SELECT brand, week, count(*) AS brand_stories
        FROM story_facts WHERE sentiment IS NOT NULL GROUP BY brand, week
    )
    SELECT c.brand, c.is_competitor, c.week, c.cause, c.owner,
           count(*) AS stories,
           count(*) FILTER (WHERE c.sentiment = 'positive') AS positive,
           count(*) FILTER (WHERE c.sentiment = 'negative') AS negative,
           count(*) FILTER (WHERE c.sentiment = 'neutral') AS neutral,
           round(100.0 * (count(*) FILTER (WHERE c.sentiment = 'positive')
                        - count(*) FILTER (WHERE c.sentiment = 'negative')) / count(*), 1)
               AS net_story_score,
           any_value(b.brand_stories) AS brand_stories,
           round(100.0 * count(*) FILTER (WHERE c.sentiment = 'negative')
                 / any_value(b.brand_stories), 1) AS negative_share
    FROM story_causes c
    JOIN brand_weeks b ON b.brand = c.brand AND b.week IS NOT DISTINCT FROM c.week
    WHERE c.sentiment IS NOT NULL
    GROUP BY c.brand, c.is_competitor, c.week, c.cause, c.owner;

CREATE OR REPLACE VIEW competitor_gap AS
    WITH per_brand AS (
        SELECT cause, any_value(owner) AS owner, brand, bool_or(is_competitor) AS is_competitor,
               count(*) AS stories,
               count(*) FILTER (WHERE sentiment = 'positive')
                 - count(*) FILTER (WHERE sentiment = 'negative') AS net_stories
        FROM story_causes WHERE sentiment IS NOT NULL GROUP BY cause, brand
    ),
    ours AS (
        SELECT cause, sum(stories) AS stories, sum(net_stories) AS net_stories
        FROM per_brand WHERE NOT is_competitor GROUP BY cause
    ),
    competitors AS (SELECT DISTINCT brand FROM stories WHERE is_competitor),
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

COMMENT ON VIEW story_facts IS 'One row per story, with the sentiment the current model version gave it (NULL while untagged).';
COMMENT ON COLUMN story_facts.story_key IS 'Unique story id: source:external_id, or source:hash when the source gives no id.';
COMMENT ON COLUMN story_facts.source IS 'Source format the story was crawled from (schema_org, trustpilot, appstore, cfpb, ...).';
COMMENT ON COLUMN story_facts.brand IS 'Brand the story is about.';
COMMENT ON COLUMN story_facts.is_competitor IS 'TRUE for a competitor''s story, FALSE for ours.';
COMMENT ON COLUMN story_facts.published_at IS 'When the customer published the story (UTC); NULL when the source gives no date.';
COMMENT ON COLUMN story_facts.week IS 'Monday 00:00 of the week the story was published (NULL when undated).';
COMMENT ON COLUMN story_facts.author IS 'Display name of the author as the source shows it (may be redacted).';
COMMENT ON COLUMN story_facts.title IS 'Story title, untrusted plain text.';
COMMENT ON COLUMN story_facts.body IS 'Story text, untrusted plain text: never render it as HTML or Markdown.';
COMMENT ON COLUMN story_facts.rating IS 'Rating normalised to 0..1 ((stars - 1) / 4 for 1..5 stars).';
COMMENT ON COLUMN story_facts.rating_raw IS 'Rating as the source gave it, e.g. 4/5.';
COMMENT ON COLUMN story_facts.helpful_votes IS 'How many readers marked the story helpful, when the source counts it.';
COMMENT ON COLUMN story_facts.company_reply IS 'The company''s public reply to the story, untrusted plain text.';
COMMENT ON COLUMN story_facts.company_replied_at IS 'When the company replied (UTC).';
COMMENT ON COLUMN story_facts.story_url IS 'Permalink of the story, when the source has one.';
COMMENT ON COLUMN story_facts.source_url IS 'Page the story was read from.';
COMMENT ON COLUMN story_facts.labels IS 'Source-side labels, e.g. the CFPB issue and product.';
COMMENT ON COLUMN story_facts.sentiment IS 'positive, negative or neutral by the current model version; NULL while untagged.';
COMMENT ON COLUMN story_facts.sentiment_score IS 'Sentiment strength from -1 (very negative) to 1 (very positive).';
COMMENT ON COLUMN story_facts.model_version IS 'Model version that tagged the story (the current one), NULL while untagged.';

COMMENT ON VIEW story_causes IS 'One row per story and cause found in it by the current model version.';
COMMENT ON COLUMN story_causes.story_key IS 'The story (join to story_facts.story_key).';
COMMENT ON COLUMN story_causes.cause IS 'Cause from the taxonomy, e.g. refunds, delivery and delays.';
COMMENT ON COLUMN story_causes.owner IS 'Function that owns the cause: Operations, Sales, Service, Finance or Product.';
COMMENT ON COLUMN story_causes.score IS 'How strongly the story names the cause, 0..1.';
COMMENT ON COLUMN story_causes.evidence IS 'The sentence that names the cause, untrusted plain text.';
COMMENT ON COLUMN story_causes.evidence_sentiment IS 'Sentiment of the evidence sentence.';
COMMENT ON COLUMN story_causes.brand IS 'Brand the story is about.';
COMMENT ON COLUMN story_causes.is_competitor IS 'TRUE for a competitor''s story.';
COMMENT ON COLUMN story_causes.published_at IS 'When the story was published (UTC).';
COMMENT ON COLUMN story_causes.week IS 'Monday of the publication week.';
COMMENT ON COLUMN story_causes.source IS 'Source format the story came from.';
COMMENT ON COLUMN story_causes.sentiment IS 'Sentiment of the whole story.';

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

COMMENT ON VIEW competitor_gap IS 'Per cause and competitor, over all tagged stories: our net story score, theirs, and the gap.';
COMMENT ON COLUMN competitor_gap.cause IS 'Cause from the taxonomy.';
COMMENT ON COLUMN competitor_gap.owner IS 'Function that owns the cause.';
COMMENT ON COLUMN competitor_gap.competitor IS 'Competitor brand.';
COMMENT ON COLUMN competitor_gap.our_stories IS 'Our brands'' tagged stories naming the cause.';
COMMENT ON COLUMN competitor_gap.our_net_score IS 'Our net story score on the cause (NULL when we have no such story).';
COMMENT ON COLUMN competitor_gap.competitor_stories IS 'The competitor''s tagged stories naming the cause.';
COMMENT ON COLUMN competitor_gap.competitor_net_score IS 'The competitor''s net story score on the cause.';
COMMENT ON COLUMN competitor_gap.gap IS 'our_net_score - competitor_net_score: above 0 we do better on this cause.';

COMMENT ON VIEW current_model IS 'The model version whose tags the other views read (one row).';
COMMENT ON COLUMN current_model.model_version IS 'Backbone + head + taxonomy fingerprint of the current tagger.';
