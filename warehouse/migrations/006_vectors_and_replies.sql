-- The tagger's backbone output cached per story, so re-tagging after a taxonomy or head change
-- skips the backbone; and the class of each company reply (helpful, apologetic, policy_citing)
-- with the view marketing reads it from. Comments come last, as in 004.

-- One row per story and encoder: vectors of the story's text with that hash (the story vector,
-- then one per sentence), float16 little-endian, `vector_rows` x `dimensions`. An edited story
-- replaces its row; a new encoder version starts its own rows.
CREATE TABLE story_vectors (
    story_key       VARCHAR NOT NULL,
    encoder_version VARCHAR NOT NULL,
    text_hash       VARCHAR NOT NULL,
    vector_rows     INTEGER NOT NULL,
    dimensions      INTEGER NOT NULL,
    vectors         BLOB NOT NULL,
    embedded_at     TIMESTAMP NOT NULL,
    PRIMARY KEY (story_key, encoder_version)
);

-- Reply classes are kept per reply classifier version (backbone + reply prototypes and rules, not
-- the taxonomy), so a taxonomy change does not re-classify replies.
CREATE TABLE reply_models (
    reply_version VARCHAR PRIMARY KEY,
    first_used_at TIMESTAMP NOT NULL,
    is_current    BOOLEAN NOT NULL DEFAULT FALSE
);

-- One row per story and reply classifier version, for the reply text with hash `reply_hash`
-- (sha1 of stories.company_reply); a changed reply replaces its row.
CREATE TABLE reply_tags (
    story_key     VARCHAR NOT NULL,
    reply_version VARCHAR NOT NULL,
    reply_hash    VARCHAR NOT NULL,
    label         VARCHAR,
    score         DOUBLE NOT NULL,
    policy_citing BOOLEAN NOT NULL,
    evidence      VARCHAR,
    classified_at TIMESTAMP NOT NULL,
    PRIMARY KEY (story_key, reply_version)
);

CREATE OR REPLACE VIEW story_replies AS
    SELECT f.story_key, f.brand, f.is_competitor, f.published_at, f.week, f.source,
           f.sentiment, f.company_reply, f.company_replied_at,
           r.label AS reply_class, r.score AS reply_score, r.policy_citing,
           r.evidence AS reply_evidence, r.reply_version
    FROM story_facts f
    LEFT JOIN reply_tags r
      ON r.story_key = f.story_key
     AND r.reply_hash = sha1(f.company_reply)
     AND r.reply_version = (SELECT reply_version FROM reply_models WHERE is_current)
    WHERE nullif(trim(f.company_reply), '') IS NOT NULL;

COMMENT ON VIEW story_replies IS 'One row per story the company replied to, with the class of the reply: helpful, apologetic or policy_citing (NULL while not classified).';
COMMENT ON COLUMN story_replies.story_key IS 'The story (join to story_facts.story_key).';
COMMENT ON COLUMN story_replies.brand IS 'Brand the story is about (and that replied).';
COMMENT ON COLUMN story_replies.is_competitor IS 'TRUE for a competitor''s story and reply.';
COMMENT ON COLUMN story_replies.published_at IS 'When the story was published (UTC).';
COMMENT ON COLUMN story_replies.week IS 'Monday of the publication week.';
COMMENT ON COLUMN story_replies.source IS 'Source format the story came from.';
COMMENT ON COLUMN story_replies.sentiment IS 'Sentiment of the whole story by the current model version; NULL while untagged.';
COMMENT ON COLUMN story_replies.company_reply IS 'The company''s public reply, untrusted plain text: never render it as HTML or Markdown.';
COMMENT ON COLUMN story_replies.company_replied_at IS 'When the company replied (UTC).';
COMMENT ON COLUMN story_replies.reply_class IS 'helpful, apologetic or policy_citing (answers with its rulebook); NULL while not classified.';
COMMENT ON COLUMN story_replies.reply_score IS 'How clearly the reply is of its class, 0..1 (1.0 when it quotes a rulebook phrase).';
COMMENT ON COLUMN story_replies.policy_citing IS 'TRUE when the reply answers with policy rather than help; NULL while not classified.';
COMMENT ON COLUMN story_replies.reply_evidence IS 'The reply sentence that decided the class, untrusted plain text.';
COMMENT ON COLUMN story_replies.reply_version IS 'Reply classifier version (backbone + reply prototypes) that classified it; NULL while not classified.';
