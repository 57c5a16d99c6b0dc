-- Analysts' views over the current model version's tags.
CREATE VIEW current_model AS
    SELECT model_version FROM model_versions WHERE is_current;

CREATE VIEW story_facts AS
    SELECT s.story_key, s.source, s.brand, s.is_competitor, s.published_at,
           date_trunc('week', s.published_at) AS week,
           s.author, s.title, s.body, s.rating, s.rating_raw, s.helpful_votes,
           s.company_reply, s.company_replied_at, s.story_url, s.source_url, s.labels,
           t.sentiment, t.sentiment_score, t.model_version
    FROM stories s
    LEFT JOIN story_tags t
      ON t.story_key = s.story_key
     AND t.model_version = (SELECT model_version FROM current_model);

CREATE VIEW story_causes AS
    SELECT c.story_key, c.cause, c.owner, c.score, c.evidence, c.evidence_sentiment,
           f.brand, f.is_competitor, f.published_at, f.week, f.source, f.sentiment
    FROM cause_tags c
    JOIN story_facts f ON f.story_key = c.story_key
    WHERE c.model_version = (SELECT model_version FROM current_model);

CREATE VIEW weekly_brand_scores AS
    SELECT brand, is_competitor, week,
           count(*) AS stories,
           count(*) FILTER (WHERE sentiment = 'positive') AS positive,
           count(*) FILTER (WHERE sentiment = 'negative') AS negative,
           count(*) FILTER (WHERE sentiment = 'neutral') AS neutral,
           round(100.0 * (count(*) FILTER (WHERE sentiment = 'positive')
                        - count(*) FILTER (WHERE sentiment = 'negative')) / count(*), 1)
               AS net_story_score
    FROM story_facts
    WHERE sentiment IS NOT NULL
    GROUP BY ALL;
