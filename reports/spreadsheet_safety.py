"""Story text that a spreadsheet opens as text, never as a formula (CSV injection, OWASP).

Anyone can write a review, so a story, reply or evidence sentence may start with `=`, `+`, `-`,
`@`, a tab or a carriage return; Excel, LibreOffice and Google Sheets run such a cell as a formula
(`=HYPERLINK(...)`, `=cmd|' /C calc'!A0`). Following OWASP's CSV injection guidance, such a text
cell gets a leading single quote, and every text cell of a CSV is quoted so a comma or quote inside
it cannot start a new cell. Numbers (a score of -12.5) stay numbers. Every CSV and XLSX file
storywatch writes with story text goes through here: the dashboard's "Download CSV" buttons and
`storywatch export`. `storywatch sql --format csv` is the analyst's own query and stays raw.
"""
from __future__ import annotations

import csv

import pandas as pd

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def defuse_formula(value: object) -> object:
    """The value as a spreadsheet shows it as text: `'` before text that starts a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def formula_free(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot start a formula; other cells are unchanged."""
    safe = frame.copy()
    for column in safe.columns:
        if pd.api.types.is_object_dtype(safe[column]) or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(defuse_formula, na_action="ignore")
    return safe


def spreadsheet_csv(frame: pd.DataFrame, date_format: str | None = None) -> str:
    """`frame` as CSV text for a spreadsheet: formulas defused, text quoted, numbers bare."""
    return formula_free(frame).to_csv(index=False, quoting=csv.QUOTE_NONNUMERIC,
                                      date_format=date_format)
