"""Delivering stored alerts: an e-mail over SMTP and a Slack-compatible webhook POST.

Every pending alert (stored, not yet delivered) goes out on each configured channel that does
not have it yet; each channel's success is recorded as soon as it happens, so a failing channel
is retried on the next run and a working one never sends twice. A failure is one DeliveryError
sentence that names the channel and what to check; secrets (the password, the webhook's path,
which holds its token) never appear in one.
"""
from __future__ import annotations

import json
import smtplib
import ssl
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from storywatch.alert_messages import email_text, slack_text, subject
from storywatch.alert_options import AlertOptions
from storywatch.errors import StorywatchError
from storywatch.warehouse import reading, writing
from storywatch.warehouse.alert_store import mark_delivered, mark_sent, pending_alerts
from storywatch.warehouse.alerts import Alert

TIMEOUT_SECONDS = 20


class DeliveryError(StorywatchError):
    """An alert channel (SMTP or webhook) refused or could not be reached."""


@dataclass
class DeliveryReport:
    sent: dict[str, int] = field(default_factory=dict)  # channel -> alerts it took this run
    delivered: int = 0
    failures: list[str] = field(default_factory=list)


def channels(options: AlertOptions) -> tuple[str, ...]:
    """The channels [alerts] configures, in the order they are tried."""
    return tuple(name for name, on in (("email", bool(options.email_to)),
                                       ("webhook", bool(options.webhook_url))) if on)


def _reason(error: OSError) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        return f"{error.smtp_code} {error.smtp_error.decode(errors='replace')}"
    return error.strerror or str(error) or type(error).__name__


def email_message(options: AlertOptions, alerts: list[Alert]) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject(alerts)
    message["From"] = options.smtp_from
    message["To"] = ", ".join(options.email_to)
    message.set_content(email_text(alerts))  # text/plain only: story text is never markup
    return message


def send_email(options: AlertOptions, alerts: list[Alert]) -> None:
    """One e-mail with every alert; DeliveryError when the server cannot take it."""
    where = f"{options.smtp_host}:{options.smtp_port}"
    pending = f"{len(alerts)} alert(s) stay pending and are sent on the next run"
    if options.smtp_user and not options.smtp_password:
        raise DeliveryError(
            f"E-mail not sent: smtp_user is set but the environment variable named by "
            f"smtp_password_env ({options.smtp_password_env or 'not set'}) holds no password; "
            f"set it and run again ({pending}).")
    try:
        with smtplib.SMTP(options.smtp_host, options.smtp_port, timeout=TIMEOUT_SECONDS) as smtp:
            if options.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if options.smtp_user:
                smtp.login(options.smtp_user, options.smtp_password)
            smtp.send_message(email_message(options, alerts))
    except smtplib.SMTPNotSupportedError as error:
        raise DeliveryError(
            f"E-mail via {where} failed: the server does not offer STARTTLS; use a server that "
            f"does, or set starttls = false in [alerts] for a local relay ({pending}).") from error
    except OSError as error:  # smtplib's errors are OSErrors too
        raise DeliveryError(
            f"E-mail to {', '.join(options.email_to)} via {where} failed ({_reason(error)}); "
            f"check smtp_host, smtp_port and the login in [alerts] and that the server is up "
            f"({pending}).") from error


def post_webhook(options: AlertOptions, alerts: list[Alert]) -> None:
    """POST {"text": ...} to the webhook; DeliveryError unless it answers 2xx."""
    parts = urllib.parse.urlsplit(options.webhook_url)
    where = f"{parts.scheme}://{parts.netloc}/..."  # the path holds the webhook's secret
    body = json.dumps({"text": slack_text(alerts)}).encode("utf-8")
    request = urllib.request.Request(
        options.webhook_url, data=body, method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", "User-Agent": "storywatch"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(4096)
    except urllib.error.HTTPError as error:
        reason = f"HTTP {error.code} {error.reason}"
    except urllib.error.URLError as error:
        reason = str(error.reason)
    except OSError as error:
        reason = _reason(error)
    else:
        return
    raise DeliveryError(
        f"Webhook {where} failed ({reason}); check webhook_url in [alerts] ({len(alerts)} "
        "alert(s) stay pending and are sent on the next run).")


SENDERS = {"email": send_email, "webhook": post_webhook}


def deliver_pending(workdir: Path, options: AlertOptions) -> DeliveryReport:
    """Send every pending alert on each configured channel that lacks it, and record it."""
    with reading(workdir) as con:
        pending = pending_alerts(con)
    report = DeliveryReport()
    configured = channels(options)
    for channel in configured:
        todo = [alert for alert, sent in pending if channel not in sent]
        if not todo:
            continue
        try:
            SENDERS[channel](options, todo)
        except DeliveryError as error:
            report.failures.append(str(error))
            continue
        with writing(workdir) as con:
            mark_sent(con, [alert.alert_id for alert in todo], channel)
        report.sent[channel] = len(todo)
    if pending:
        with writing(workdir) as con:
            report.delivered = mark_delivered(con, [a.alert_id for a, _ in pending], configured)
    return report
