-- Alerts found by `storywatch alerts` (warehouse/alerts.py): one row per brand, cause, period and
-- direction in which the brand's stories about the cause departed from its own baseline. A run
-- that finds an alert already stored keeps the stored row (what was delivered stays what is
-- shown); delivery is tracked per channel, so a failed channel is retried without resending on
-- the others. The dashboard and the exec report read this table as it is. IF NOT EXISTS: a
-- migration may be re-applied when its row in schema_migrations is lost.
CREATE TABLE IF NOT EXISTS alerts (
    alert_id            VARCHAR PRIMARY KEY,
    brand               VARCHAR NOT NULL,
    is_competitor       BOOLEAN NOT NULL,
    cause               VARCHAR NOT NULL,
    cause_label         VARCHAR NOT NULL,
    owner               VARCHAR,
    period              VARCHAR NOT NULL,
    period_start        DATE NOT NULL,
    direction           VARCHAR NOT NULL,
    stories             INTEGER NOT NULL,
    baseline_per_period DOUBLE NOT NULL,
    baseline_weeks      INTEGER NOT NULL,
    p_value             DOUBLE NOT NULL,
    sensitivity         VARCHAR NOT NULL,
    sentence            VARCHAR NOT NULL,
    examples            JSON NOT NULL,
    model_version       VARCHAR,
    found_at            TIMESTAMP NOT NULL,
    email_sent_at       TIMESTAMP,
    webhook_sent_at     TIMESTAMP,
    delivered_at        TIMESTAMP,
    UNIQUE (brand, cause, period, period_start, direction)
);

COMMENT ON TABLE alerts IS 'One row per brand, cause, period and direction whose story count departed from the brand''s own baseline (storywatch alerts; docs/alerts.md).';
COMMENT ON COLUMN alerts.alert_id IS 'period:period_start:brand:cause:direction, stable across runs.';
COMMENT ON COLUMN alerts.brand IS 'Brand the stories are about.';
COMMENT ON COLUMN alerts.is_competitor IS 'TRUE for a competitor''s alert.';
COMMENT ON COLUMN alerts.cause IS 'Cause id from the taxonomy.';
COMMENT ON COLUMN alerts.cause_label IS 'The cause''s display label from the taxonomy at the time of the alert.';
COMMENT ON COLUMN alerts.owner IS 'Function that owns the cause.';
COMMENT ON COLUMN alerts.period IS 'week or day: the length of the judged period.';
COMMENT ON COLUMN alerts.period_start IS 'First day of the judged period (the Monday for a week).';
COMMENT ON COLUMN alerts.direction IS 'worse: negative stories rose; better: positive stories rose (good news).';
COMMENT ON COLUMN alerts.stories IS 'Negative (worse) or positive (better) stories naming the cause in the period.';
COMMENT ON COLUMN alerts.baseline_per_period IS 'Mean of the same count per period over the baseline.';
COMMENT ON COLUMN alerts.baseline_weeks IS 'Weeks of history the baseline covered (fewer than configured when the brand''s stories start later).';
COMMENT ON COLUMN alerts.p_value IS 'Poisson probability of at least this many stories at the baseline rate.';
COMMENT ON COLUMN alerts.sensitivity IS 'low, normal or high: the p-value threshold the alert passed.';
COMMENT ON COLUMN alerts.sentence IS 'The alert in one plain sentence.';
COMMENT ON COLUMN alerts.examples IS 'Up to 3 stories behind it: [{story_key, headline, url}], untrusted plain text.';
COMMENT ON COLUMN alerts.model_version IS 'Model version whose tags were counted.';
COMMENT ON COLUMN alerts.found_at IS 'When the alert was first found (UTC).';
COMMENT ON COLUMN alerts.email_sent_at IS 'When the e-mail with this alert was accepted by the SMTP server; NULL while not sent.';
COMMENT ON COLUMN alerts.webhook_sent_at IS 'When the webhook accepted this alert; NULL while not sent.';
COMMENT ON COLUMN alerts.delivered_at IS 'When every configured channel had it; NULL while pending (retried on the next run).';
