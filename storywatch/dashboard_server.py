"""Starting the Streamlit dashboard on a workdir, as a child process the user can stop with Ctrl-C."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import dashboard

APP = Path(dashboard.__file__).resolve().parent / "app.py"


def dashboard_command(workdir: Path, port: int, address: str = "127.0.0.1") -> list[str]:
    return [
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.headless", "true", "--server.port", str(port), "--server.address", address,
        "--browser.gatherUsageStats", "false", "--", "--workdir", str(Path(workdir).resolve()),
    ]


def serve_dashboard(workdir: Path, port: int, address: str = "127.0.0.1") -> int:
    """Run the dashboard until it exits or the user presses Ctrl-C; return its exit status."""
    env = dict(os.environ, STORYWATCH_WORKDIR=str(Path(workdir).resolve()))
    process = subprocess.Popen(dashboard_command(workdir, port, address), env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        return process.wait()
