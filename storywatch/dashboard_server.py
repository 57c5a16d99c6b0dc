"""Starting the Streamlit dashboard on a workdir, as a child process the user can stop with Ctrl-C.

Before it starts, the warehouse's rollup tables are brought up to date when they are stale and
no other command is writing, so the first page views are fast on big warehouses; the dashboard
itself only ever reads.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from storywatch import dashboard
from storywatch.warehouse import WarehouseError, database_path, writing
from storywatch.warehouse.report_rollups import refresh_rollups, rollups_current

APP = Path(dashboard.__file__).resolve().parent / "app.py"


def dashboard_command(workdir: Path, port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true", "--server.port", str(port), "--server.address", address,
        "--browser.gatherUsageStats", "false",
        # The tables' own "Download as CSV" and copy would hand story text such as
        # "=HYPERLINK(...)" to a spreadsheet unchanged; each table's "Download CSV" button
        # writes it formula-free instead (reports.spreadsheet_safety).
        "--client.disableDataExport", "true",
        "--", "--workdir", str(Path(workdir).resolve()),
    ]


def prepare_rollups(workdir: Path, wait_seconds: float = 1.0) -> bool:
    """Refresh stale rollups unless the warehouse is missing or busy; True when refreshed."""
    if not database_path(workdir).exists():
        return False
    try:
        with writing(workdir, wait_seconds=wait_seconds) as con:
            if rollups_current(con):
                return False
            refresh_rollups(con)
            return True
    except WarehouseError:
        return False  # a writer is at work; the dashboard reads the views meanwhile


def serve_dashboard(workdir: Path, port: int, address: str = "127.0.0.1") -> int:
    """Run the dashboard until it exits or the user presses Ctrl-C; return its exit status."""
    prepare_rollups(workdir)
    env = dict(os.environ, STORYWATCH_WORKDIR=str(Path(workdir).resolve()))
    process = subprocess.Popen(dashboard_command(workdir, port, address), env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
