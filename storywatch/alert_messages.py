"""Alerts written for people: the terminal, a plain-text e-mail, and a Slack-compatible message.

Story headlines and links are text written by strangers. The e-mail is text/plain only, so
nothing in it is ever rendered as markup; the Slack message escapes `&`, `<` and `>` (Slack's
control characters, so `<!channel>` cannot ping anyone and `<url|text>` cannot forge a link)
and links only http(s) permalinks. The JSON around it is built by json.dumps, never by hand.
"""
from __future__ import annotations

from collections.abc import Iterable

from storywatch.warehouse.alerts import MIN_HISTORY_WEEKS, Alert, Judgement

FOOTER = ("Sent by `storywatch alerts`. How alerts are found, and the settings that change "
          "them: docs/alerts.md.")


def _safe_url(url: str | None) -> str | None:
    """A permalink worth showing: http(s) only (no javascript:, no data:)."""
    url = (url or "").strip()
    return url if url.lower().startswith(("https://", "http://")) and " " not in url else None


def subject(alerts: list[Alert]) -> str:
    """One line naming the first alert (brand and label come from the config and taxonomy)."""
    first = alerts[0]
    more = f" and {len(alerts) - 1} more" if len(alerts) > 1 else ""
    text = f"storywatch: {first.cause_label} at {first.brand}{more}"
    return " ".join(text.split())


def judgement_line(judgement: Judgement, weeks: int) -> str:
    """Which period was judged, against what, and which one was left alone."""
    if judgement.period == "week":
        judged = f"the week of {judgement.period_start} (Monday to Sunday)"
        waiting = f"the week of {judgement.in_progress_start}"
    else:
        judged, waiting = str(judgement.period_start), str(judgement.in_progress_start)
    line = (f"Judged {judged} for {judgement.pairs_judged} brand-cause pairs against the "
            f"previous {weeks} weeks (fewer where a brand's stories start later); {waiting} is "
            "still in progress and is not judged.")
    if judgement.pairs_judged and not judgement.stories_in_period:
        line += (f" No tagged story was published in it (the newest is from "
                 f"{judgement.newest_story}): crawl and tag first (`storywatch run`).")
    if judgement.pairs_judged == 0:
        line += (f" No brand has tagged stories over the {MIN_HISTORY_WEEKS} weeks before it "
                 "yet: run `storywatch run` (crawl, load, tag) first, or pick a day with --as-of.")
    return line


def terminal_lines(alerts: Iterable[Alert]) -> list[str]:
    """Each alert's sentence, then its stories indented under it."""
    lines = []
    for alert in alerts:
        lines.append(f"- {alert.sentence}")
        for story in alert.examples:
            lines.append(f"    \"{story['headline']}\" {_safe_url(story['url']) or '(no link)'}")
    return lines


def email_text(alerts: list[Alert]) -> str:
    """The e-mail body: numbered alerts with owner and stories, as plain text."""
    noun = "alert" if len(alerts) == 1 else "alerts"
    lines = [f"storywatch found {len(alerts)} {noun}.", ""]
    for number, alert in enumerate(alerts, start=1):
        lines.append(f"{number}. {alert.sentence}")
        if alert.owner:
            lines.append(f"   Owner: {alert.owner}.")
        for story in alert.examples:
            lines.append(f"   - \"{story['headline']}\"")
            lines.append(f"     {_safe_url(story['url']) or '(no link)'}")
        lines.append("")
    return "\n".join([*lines, FOOTER, ""])


def slack_escape(text: str) -> str:
    """Text safe inside Slack mrkdwn: its three control characters as entities."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_story(story: dict) -> str:
    title = slack_escape(story["headline"]) or "(untitled)"
    url = _safe_url(story["url"])
    if url is None:
        return f"    • {title}"
    return f"    • <{slack_escape(url).replace('|', '%7C')}|{title}>"


def slack_text(alerts: list[Alert]) -> str:
    """The webhook message's text (mrkdwn): a bold count, then each alert and its stories."""
    noun = "alert" if len(alerts) == 1 else "alerts"
    lines = [f"*storywatch: {len(alerts)} {noun}*"]
    for alert in alerts:
        lines.append(f"• {slack_escape(alert.sentence)}")
        lines.extend(_slack_story(story) for story in alert.examples)
    return "\n".join(lines)
