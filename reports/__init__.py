"""Rendering: the exec report (HTML, PDF, XLSX, CSV), its charts and spreadsheet-safe text.

Everything here reads the warehouse only through its named queries (`storywatch.warehouse`); nothing
here writes to it.
"""
