"""Measuring and tuning the tags: evaluation on labelled dev sets, taxonomy checks."""
from __future__ import annotations

COMMANDS: list = []
