-- Materialised copies of story_facts and story_causes for fast dashboard queries at millions of
-- stories. warehouse/report_rollups.py fills them after a load or a tagging run and records a
-- fingerprint of the tables they were built from; queries use them only while it still matches.
CREATE TABLE rollup_state (
    fingerprint  VARCHAR NOT NULL,
    refreshed_at TIMESTAMP NOT NULL
);

-- One row per story and owner: a story naming two causes of one owner counts once for it.
CREATE OR REPLACE VIEW story_owners AS
    SELECT DISTINCT story_key, owner, brand, is_competitor, published_at, week, source, sentiment
    FROM story_causes;

COMMENT ON VIEW story_owners IS 'One row per story and owner (Operations, Sales, Service, Finance, Product) whose causes the story names.';
COMMENT ON COLUMN story_owners.story_key IS 'The story (join to story_facts.story_key).';
COMMENT ON COLUMN story_owners.owner IS 'Function that owns at least one cause the story names.';
COMMENT ON COLUMN story_owners.brand IS 'Brand the story is about.';
COMMENT ON COLUMN story_owners.is_competitor IS 'TRUE for a competitor''s story.';
COMMENT ON COLUMN story_owners.published_at IS 'When the story was published (UTC).';
COMMENT ON COLUMN story_owners.week IS 'Monday of the publication week.';
COMMENT ON COLUMN story_owners.source IS 'Source format the story came from.';
COMMENT ON COLUMN story_owners.sentiment IS 'Sentiment of the whole story.';
