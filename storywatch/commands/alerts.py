"""Alerting: `storywatch alerts` judges the last complete week (or day), sends what departs."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from storywatch.commands.options import config_option, translate_errors, workdir_option
from storywatch.config import load_settings


def _labels(taxonomy: Path | None) -> dict[str, str]:
    from storywatch.nlp.taxonomy import load_taxonomy

    return {cause.id: cause.label for cause in load_taxonomy(taxonomy).causes}


def _judge(workdir: Path, rules, labels: dict[str, str], today, store: bool):
    """The judgement, and (when storing) whether any stored alert still waits for delivery."""
    from storywatch.warehouse import reading, writing
    from storywatch.warehouse.alert_store import pending_alerts, save_alerts
    from storywatch.warehouse.alerts import find_alerts

    with reading(workdir) as con:  # no warehouse yet: an error that says so, none created
        judgement = find_alerts(con, rules, labels, today)
    if not store:
        return judgement, False
    with writing(workdir) as con:
        save_alerts(con, judgement.alerts)
        return judgement, bool(pending_alerts(con))


def _echo_delivery(report) -> None:
    for channel, count in report.sent.items():
        click.echo(f"Sent {count} alert(s) by {'e-mail' if channel == 'email' else 'webhook'}.")
    for failure in report.failures:
        click.echo(f"Error: {failure}", err=True)


@click.command()
@workdir_option
@config_option
@click.option("--period", type=click.Choice(["week", "day"]), default=None,
              help="Judge the last complete week or day (default: [alerts] period, else week).")
@click.option("--as-of", "as_of", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Judge as if today were this day (default: today, UTC).")
@click.option("--dry-run", is_flag=True, help="Print the alerts only: store and send nothing.")
@translate_errors
def alerts(workdir: Path, config: Path | None, period: str | None, as_of: datetime | None,
           dry_run: bool) -> None:
    """Find per brand and cause the last complete week (or day) that departs from its own
    baseline, print each alert in one sentence with the stories behind it, store it, and send
    it by e-mail and webhook ([alerts] in storywatch.toml, docs/alerts.md). An alert is sent
    once; one that could not be sent is retried on the next run (exit status 1 until then).

    Example:

    \b
        storywatch alerts --workdir storywatch-data
        storywatch alerts --period day --dry-run
        storywatch alerts --as-of 2026-12-07   # judge the week of 2026-11-30
    """
    from storywatch.alert_messages import judgement_line, terminal_lines
    from storywatch.alerts_delivery import channels, deliver_pending
    from storywatch.run_lock import run_lock
    from storywatch.warehouse.alerts import AlertRules

    settings = load_settings(workdir, config)
    options = settings.alerts
    rules = AlertRules.from_options(options, period)
    labels = _labels(settings.taxonomy)
    today = as_of.date() if as_of else None
    report = None
    if dry_run:
        judgement, _ = _judge(workdir, rules, labels, today, store=False)
    else:
        # One alerts run at a time, and not during a crawl or tagging run: never two senders.
        with run_lock(workdir, "storywatch alerts"):
            judgement, pending = _judge(workdir, rules, labels, today, store=True)
            report = deliver_pending(workdir, options) if pending else None
    click.echo(judgement_line(judgement, rules.baseline_weeks))
    click.echo(f"{len(judgement.alerts)} alert(s)" + (":" if judgement.alerts else "."))
    for line in terminal_lines(judgement.alerts):
        click.echo(line)
    if dry_run:
        click.echo("Dry run: nothing stored or sent.")
        return
    if not channels(options) and judgement.alerts:
        click.echo("No delivery configured (email_to or webhook_url in [alerts]); stored only.")
    if report is None:
        if judgement.alerts:
            click.echo("Nothing to send: these alerts were delivered before.")
        return
    _echo_delivery(report)
    if report.failures:
        raise SystemExit(1)


COMMANDS = [alerts]
