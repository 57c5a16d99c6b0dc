-- Stories as crawled: one row per story key, upserted from landing files.
CREATE TABLE stories (
    story_key          VARCHAR PRIMARY KEY,
    source             VARCHAR NOT NULL,
    source_url         VARCHAR,
    story_url          VARCHAR,
    external_id        VARCHAR,
    brand              VARCHAR NOT NULL,
    is_competitor      BOOLEAN NOT NULL DEFAULT FALSE,
    author             VARCHAR,
    title              VARCHAR,
    body               VARCHAR NOT NULL,
    rating             DOUBLE,
    rating_raw         VARCHAR,
    published_at       TIMESTAMP,
    fetched_at         TIMESTAMP,
    language           VARCHAR,
    helpful_votes      INTEGER,
    company_reply      VARCHAR,
    company_replied_at TIMESTAMP,
    labels             VARCHAR[],
    raw                JSON,
    first_seen_at      TIMESTAMP NOT NULL,
    updated_at         TIMESTAMP NOT NULL,
    landing_file       VARCHAR
);

CREATE TABLE loaded_files (
    landing_file VARCHAR PRIMARY KEY,
    loaded_at    TIMESTAMP NOT NULL,
    rows_read    INTEGER NOT NULL,
    rows_skipped INTEGER NOT NULL
);

CREATE TABLE crawl_runs (
    run_id        VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    brand         VARCHAR NOT NULL,
    url           VARCHAR,
    started_at    TIMESTAMP,
    finished_at   TIMESTAMP,
    stories_found INTEGER NOT NULL DEFAULT 0,
    errors        INTEGER NOT NULL DEFAULT 0,
    error_reasons JSON,
    landing_file  VARCHAR
);
