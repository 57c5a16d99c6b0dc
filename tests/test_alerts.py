"""`storywatch alerts`: detection on a tiny planted warehouse (tests/alert_fixture.py says what
is planted), and delivery to a real SMTP server and a real webhook on 127.0.0.1
(tests/alert_servers.py).
"""
from __future__ import annotations

import email
import email.policy
import json
import shutil
from datetime import date

import pytest
from click.testing import CliRunner

from storywatch.alert_messages import judgement_line, slack_escape
from storywatch.cli import cli
from storywatch.config import ConfigError, load_settings
from storywatch.warehouse import reading
from storywatch.warehouse.alert_stats import poisson_upper_tail
from storywatch.warehouse.alerts import MIN_HISTORY_WEEKS, AlertRules, find_alerts, headline
from tests import alert_servers
from tests.alert_fixture import HOSTILE, JUDGED, LABELS, build_alert_warehouse

AS_OF = "2026-12-07"


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("alerts-template")
    build_alert_warehouse(workdir)
    return workdir


@pytest.fixture()
def warehouse(template, tmp_path):
    """A fresh copy of the planted warehouse for a test that stores or delivers alerts."""
    workdir = tmp_path / "storywatch-data"
    shutil.copytree(template, workdir)
    return workdir


def judge(workdir, today=date(2026, 12, 7), **rules):
    with reading(workdir) as con:
        return find_alerts(con, AlertRules(**rules), LABELS, today)


def found(judgement) -> set[tuple[str, str, str]]:
    return {(a.brand, a.cause, a.direction) for a in judgement.alerts}


# Detection ---------------------------------------------------------------------------------

def test_detector_finds_the_worsened_cause_and_the_praised_one_only(template):
    judgement = judge(template)
    assert judgement.period_start == JUDGED and judgement.in_progress_start == date(2026, 12, 7)
    assert found(judgement) == {("Northwind", "refunds", "worse"),
                                ("Northwind", "staff", "better")}
    refunds = next(a for a in judgement.alerts if a.cause == "refunds")
    assert refunds.stories == 8 and refunds.baseline_weeks == 26
    assert refunds.sentence == ("Refunds: 8 negative stories about Northwind in the week of "
                                "2026-11-30, against 1.0 a week over the previous 26 weeks "
                                "(p < 0.0001).")
    staff = next(a for a in judgement.alerts if a.cause == "staff")
    assert staff.sentence.startswith("Staff attitude: 6 positive stories about Northwind")
    assert staff.sentence.endswith("(p < 0.0001): good news.")


def test_alert_carries_the_three_strongest_stories_with_permalinks(template):
    refunds = next(a for a in judge(template).alerts if a.cause == "refunds")
    assert [story["headline"] for story in refunds.examples] == HOSTILE
    assert all(story["url"].startswith("https://reviews.example/northwind/refunds/0/")
               for story in refunds.examples)


def test_minimum_volume_keeps_four_stories_quiet_and_a_lower_minimum_lets_them_alert(template):
    assert ("Brightmart", "refunds", "worse") not in found(judge(template))
    assert ("Brightmart", "refunds", "worse") in found(judge(template, min_stories=4))
    assert found(judge(template, min_stories=9)) == set()


def test_sensitivity_changes_the_threshold(template):
    # Northwind's delays: 4 against 3 a week (p = 0.36) alerts at no sensitivity.
    assert ("Northwind", "delays", "worse") not in found(judge(template, sensitivity="high"))
    assert found(judge(template, sensitivity="low")) == found(judge(template))


def test_the_week_in_progress_is_not_judged_but_the_finished_day_is(template):
    weekly = judge(template, today=date(2026, 12, 9))
    assert weekly.period_start == JUDGED
    assert ("Northwind", "delays", "worse") not in found(weekly)
    daily = judge(template, today=date(2026, 12, 8), period="day")
    assert daily.period_start == date(2026, 12, 7)
    assert found(daily) == {("Northwind", "delays", "worse")}
    assert daily.alerts[0].sentence.startswith(
        "Delivery and delays: 12 negative stories about Northwind on 2026-12-07, against 0.4 a "
        "day over the previous 26 weeks")


def test_a_brand_without_enough_history_is_not_judged(template):
    judgement = judge(template, today=date(2026, 6, 1))  # two weeks after the first story
    assert judgement.pairs_judged == 0 and judgement.alerts == []


def test_poisson_tail_matches_scipy():
    from scipy.stats import poisson

    for count, rate in [(0, 1.0), (1, 0.1), (3, 5.0), (8, 1.02), (50, 20.0), (200, 150.0)]:
        assert poisson_upper_tail(count, rate) == pytest.approx(poisson.sf(count - 1, rate),
                                                                rel=1e-9)


# Delivery to real servers on 127.0.0.1 -------------------------------------------------------

@pytest.fixture()
def smtp_server():
    with alert_servers.smtp_server() as server:
        yield server


@pytest.fixture()
def webhook():
    with alert_servers.webhook_server() as server:
        yield server


def write_config(workdir, smtp_port: int | None = None, webhook_port: int | None = None,
                 extra: str = "") -> str:
    lines = ["[alerts]"]
    if smtp_port is not None:
        lines += ['email_to = ["ops@northwind.example", "cx@northwind.example"]',
                  'smtp_host = "127.0.0.1"', f"smtp_port = {smtp_port}",
                  'smtp_from = "storywatch@northwind.example"', "starttls = false"]
    if webhook_port is not None:
        lines.append(f'webhook_url = "http://127.0.0.1:{webhook_port}/services/T0/B0/secret"')
    path = workdir / "storywatch.toml"
    path.write_text("\n".join([*lines, extra, ""]), encoding="utf-8")
    return str(path)


def run_alerts(workdir, config, *extra, env=None):
    return CliRunner(env=env).invoke(cli, ["alerts", "--workdir", str(workdir), "--config", config,
                                           "--as-of", AS_OF, *extra], catch_exceptions=False)


def mails(server) -> list[email.message.EmailMessage]:
    return [email.message_from_bytes(raw, policy=email.policy.default)
            for raw in server.messages]


def stored(workdir) -> list[tuple]:
    with reading(workdir) as con:
        return con.execute("SELECT cause, direction, email_sent_at IS NOT NULL, webhook_sent_at "
                           "IS NOT NULL, delivered_at IS NOT NULL FROM alerts ORDER BY cause"
                           ).fetchall()


def test_alerts_are_printed_mailed_and_posted_once(warehouse, smtp_server, webhook):
    config = write_config(warehouse, smtp_server.server_address[1], webhook.server_address[1])
    result = run_alerts(warehouse, config)
    assert result.exit_code == 0, result.output
    assert "Judged the week of 2026-11-30 (Monday to Sunday)" in result.output
    assert "the week of 2026-12-07 is still in progress and is not judged" in result.output
    assert ("- Refunds: 8 negative stories about Northwind in the week of 2026-11-30"
            in result.output)
    assert "Sent 2 alert(s) by e-mail." in result.output
    assert "Sent 2 alert(s) by webhook." in result.output
    (message,) = mails(smtp_server)
    assert message["To"] == "ops@northwind.example, cx@northwind.example"
    assert message["Subject"] == "storywatch: Refunds at Northwind and 1 more"
    body = message.get_content()
    assert "1. Refunds: 8 negative stories about Northwind in the week of 2026-11-30" in body
    assert "Staff attitude: 6 positive stories" in body and ": good news." in body
    assert "https://reviews.example/northwind/refunds/0/0" in body
    ((content_type, raw),) = webhook.posts
    assert content_type.startswith("application/json")
    text = json.loads(raw)["text"]
    assert "Refunds: 8 negative stories about Northwind" in text
    assert "<https://reviews.example/northwind/refunds/0/1|" in text
    assert [row[1:] for row in stored(warehouse)] == [("worse", True, True, True),
                                                      ("better", True, True, True)]

    again = run_alerts(warehouse, config)
    assert again.exit_code == 0, again.output
    assert "Nothing to send: these alerts were delivered before." in again.output
    assert len(smtp_server.messages) == 1 and len(webhook.posts) == 1


def test_hostile_story_text_arrives_as_plain_text_and_escaped(warehouse, smtp_server, webhook):
    config = write_config(warehouse, smtp_server.server_address[1], webhook.server_address[1])
    assert run_alerts(warehouse, config).exit_code == 0
    (message,) = mails(smtp_server)
    assert not message.is_multipart() and message.get_content_type() == "text/plain"
    body = message.get_content()
    for hostile in HOSTILE:
        assert f'"{hostile}"' in body  # verbatim in a text/plain part: never rendered
    text = json.loads(webhook.posts[0][1])["text"]
    assert "<!channel>" not in text and "<script>" not in text
    assert "&lt;!channel&gt; where is my refund" in text
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in text
    assert '=HYPERLINK("http://evil.example/","open me")' in text
    assert "<http://evil.example" not in text  # no link built from story text
    assert slack_escape("a & <b>") == "a &amp; &lt;b&gt;"


def test_closed_smtp_port_gives_one_line_exit_1_and_the_alerts_stay_pending(warehouse,
                                                                           smtp_server):
    config = write_config(warehouse, alert_servers.closed_port())
    result = run_alerts(warehouse, config)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and "Traceback" not in result.output
    assert "E-mail to ops@northwind.example, cx@northwind.example via 127.0.0.1:" in errors[0]
    assert "Connection refused" in errors[0] and "2 alert(s) stay pending" in errors[0]
    assert [row[2:] for row in stored(warehouse)] == [(False, False, False)] * 2

    fixed = write_config(warehouse, smtp_server.server_address[1])
    retried = run_alerts(warehouse, fixed)
    assert retried.exit_code == 0, retried.output
    assert len(smtp_server.messages) == 1
    assert [row[4] for row in stored(warehouse)] == [True, True]


def test_failing_webhook_is_retried_without_mailing_twice(warehouse, smtp_server, webhook):
    config = write_config(warehouse, smtp_server.server_address[1], webhook.server_address[1])
    webhook.status = 500
    result = run_alerts(warehouse, config)
    assert result.exit_code == 1
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert "Webhook http://127.0.0.1:" in error and "HTTP 500" in error
    assert "secret" not in result.output  # the webhook's token stays out of logs
    webhook.status = 200
    assert run_alerts(warehouse, config).exit_code == 0
    assert len(smtp_server.messages) == 1 and len(webhook.posts) == 2
    assert [row[4] for row in stored(warehouse)] == [True, True]


def test_dry_run_prints_and_neither_stores_nor_sends(warehouse, smtp_server):
    config = write_config(warehouse, smtp_server.server_address[1])
    result = run_alerts(warehouse, config, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "- Refunds: 8 negative stories" in result.output
    assert '    "<!channel> where is my refund" https://reviews.example/' in result.output
    assert "Dry run: nothing stored or sent." in result.output
    assert smtp_server.messages == [] and stored(warehouse) == []


def test_starttls_refused_by_the_server_is_one_clear_line(warehouse, smtp_server):
    config = write_config(warehouse, smtp_server.server_address[1])
    config_path = warehouse / "storywatch.toml"
    config_path.write_text(config_path.read_text().replace("starttls = false", "starttls = true"))
    result = run_alerts(warehouse, config)
    assert result.exit_code == 1
    assert "does not offer STARTTLS" in result.stderr and smtp_server.messages == []


def test_missing_password_variable_is_named_and_nothing_is_lost(warehouse, smtp_server):
    config = write_config(warehouse, smtp_server.server_address[1],
                          extra='smtp_user = "bot"\nsmtp_password_env = "SW_TEST_SMTP_PASSWORD"')
    result = run_alerts(warehouse, config, env={"SW_TEST_SMTP_PASSWORD": ""})
    assert result.exit_code == 1
    assert "SW_TEST_SMTP_PASSWORD" in result.stderr and "holds no password" in result.stderr
    assert [row[4] for row in stored(warehouse)] == [False, False]


# Configuration ------------------------------------------------------------------------------

def test_alerts_config_reads_keys_and_the_password_from_the_named_variable(tmp_path):
    path = tmp_path / "storywatch.toml"
    path.write_text('[alerts]\nperiod = "day"\nsensitivity = "high"\nmin_stories = 3\n'
                    'email_to = ["a@b.example"]\nsmtp_host = "mail.example"\nsmtp_port = 587\n'
                    'smtp_from = "sw@b.example"\nsmtp_user = "sw"\n'
                    'smtp_password_env = "SW_PASSWORD"\n', encoding="utf-8")
    options = load_settings(tmp_path, path, environ={"SW_PASSWORD": "s3cret"}).alerts
    assert (options.period, options.sensitivity, options.min_stories) == ("day", "high", 3)
    assert options.smtp_password == "s3cret" and "s3cret" not in repr(options)
    assert options.email_to == ("a@b.example",) and options.starttls is True


@pytest.mark.parametrize(("table", "message"), [
    ('smtp_password = "hunter2"', "never put the password in the file"),
    ('sensitivity = "extreme"', "sensitivity must be one of low, normal, high"),
    ('email_to = ["ops@x.example"]', "email_to needs smtp_host and smtp_from"),
    ('webhook_url = "ftp://x"', "webhook_url must be an http"),
    ("min_stories = 0", "min_stories must be 1 or more"),
    ("baseline_weeks = 3", f"baseline_weeks must be {MIN_HISTORY_WEEKS} or more"),
    ('emial_to = ["a@b"]', "did you mean 'email_to'"),
])
def test_bad_alerts_config_is_one_clear_error(tmp_path, table, message):
    path = tmp_path / "storywatch.toml"
    path.write_text(f"[alerts]\n{table}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(tmp_path, path, environ={})


def test_no_warehouse_is_one_clear_error_and_creates_none(tmp_path):
    config = tmp_path / "storywatch.toml"
    config.write_text("[alerts]\n", encoding="utf-8")
    result = run_alerts(tmp_path / "nothing", str(config))
    assert result.exit_code == 1
    assert "Error: No warehouse at" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "nothing" / "storywatch.duckdb").exists()


def test_headline_is_one_line_without_terminal_escapes():
    shown = headline("\x1b[2J\x1b[31mRefund\x1b[0m\n  refused", "ignored")
    assert shown == "[2J[31mRefund[0m refused"
    assert headline(None, "No refund yet. I asked twice.") == "No refund yet."
    long = headline("word " * 60, None)
    assert len(long) <= 141 and long.endswith("word…")


def test_a_judged_week_without_stories_says_when_the_newest_story_is(template):
    judgement = judge(template, today=date(2026, 12, 21))
    assert judgement.alerts == [] and judgement.stories_in_period == 0
    assert ("No tagged story was published in it (the newest is from 2026-12-07)"
            in judgement_line(judgement, 26))
    assert "No tagged story" not in judgement_line(judge(template), 26)
