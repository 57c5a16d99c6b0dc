"""The `[alerts]` table of storywatch.toml: its keys, defaults and checks (docs/alerts.md).

storywatch/config.py reads the file and turns a problem found here into a ConfigError; this
module only knows what the table takes. The SMTP password is never a key: the table names the
environment variable that holds it, and the value is read from the environment given at load.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class AlertOptions:
    period: str = "week"
    baseline_weeks: int = 26
    sensitivity: str = "normal"
    min_stories: int = 5
    email_to: tuple[str, ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password_env: str | None = None
    smtp_password: str | None = field(default=None, repr=False)  # from smtp_password_env
    starttls: bool = True
    webhook_url: str | None = None


# warehouse.alerts.MIN_HISTORY_WEEKS: a shorter baseline could never be judged.
MIN_BASELINE_WEEKS = 4
# Each key with its type, or the tuple of values it takes.
ALERT_KEYS = {"period": ("week", "day"), "baseline_weeks": int,
              "sensitivity": ("low", "normal", "high"), "min_stories": int, "email_to": list,
              "smtp_host": str, "smtp_port": int, "smtp_from": str, "smtp_user": str,
              "smtp_password_env": str, "starttls": bool, "webhook_url": str}


def _value_problem(key: str, value: object) -> str | None:
    expected = ALERT_KEYS[key]
    if isinstance(expected, tuple):
        return None if value in expected else f"one of {', '.join(expected)}"
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        return {int: "a whole number", list: "a list of e-mail addresses", bool: "true or false"
                }.get(expected, "text")
    if key == "baseline_weeks" and value < MIN_BASELINE_WEEKS:
        return f"{MIN_BASELINE_WEEKS} or more (a shorter history is luck, not a baseline)"
    if key in ("min_stories", "smtp_port") and value < 1:
        return "1 or more"
    if key == "email_to" and not all(isinstance(a, str) and "@" in a for a in value):
        return "a list of e-mail addresses"
    if key == "webhook_url" and not value.startswith(("https://", "http://")):
        return "an http(s):// URL"
    return None


def alert_problem(table: dict) -> str | None:
    """What is wrong with the table's known keys, in words ("min_stories must be ..."), or None.
    Unknown keys are left to the caller, which suggests the key meant."""
    if "smtp_password" in table:
        return ("never put the password in the file; set it in an environment variable and "
                "name that with smtp_password_env.")
    for key, value in table.items():
        problem = _value_problem(key, value) if key in ALERT_KEYS else None
        if problem:
            return f"{key} must be {problem}, not {value!r}."
    if table.get("email_to") and not (table.get("smtp_host") and table.get("smtp_from")):
        return "email_to needs smtp_host and smtp_from as well."
    return None


def build_alert_options(table: dict, environ: dict[str, str]) -> AlertOptions:
    """AlertOptions from a checked table, with the password from the variable it names."""
    variable = table.get("smtp_password_env")
    return AlertOptions(**{**table, "email_to": tuple(table.get("email_to", ()))},
                        smtp_password=environ.get(variable) if variable else None)
