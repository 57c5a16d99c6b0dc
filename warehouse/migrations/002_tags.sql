-- Tags written by the nlp tagger, keyed by model version so a new model re-tags.
CREATE TABLE model_versions (
    model_version VARCHAR PRIMARY KEY,
    first_used_at TIMESTAMP NOT NULL,
    is_current    BOOLEAN NOT NULL DEFAULT FALSE
);

CREATE TABLE story_tags (
    story_key       VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    body_hash       VARCHAR NOT NULL,
    sentiment       VARCHAR NOT NULL,
    sentiment_score DOUBLE NOT NULL,
    language        VARCHAR,
    tagged_at       TIMESTAMP NOT NULL,
    PRIMARY KEY (story_key, model_version)
);

CREATE TABLE sentence_tags (
    story_key       VARCHAR NOT NULL,
    model_version   VARCHAR NOT NULL,
    sentence_index  INTEGER NOT NULL,
    sentence        VARCHAR NOT NULL,
    sentiment       VARCHAR NOT NULL,
    sentiment_score DOUBLE NOT NULL,
    PRIMARY KEY (story_key, model_version, sentence_index)
);

CREATE TABLE cause_tags (
    story_key          VARCHAR NOT NULL,
    model_version      VARCHAR NOT NULL,
    cause              VARCHAR NOT NULL,
    owner              VARCHAR NOT NULL,
    score              DOUBLE NOT NULL,
    evidence           VARCHAR,
    evidence_sentiment VARCHAR,
    PRIMARY KEY (story_key, model_version, cause)
);
