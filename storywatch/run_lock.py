"""The run lock: one writing command (crawl, load, tag, run) at a time on a workdir.

Two `storywatch run` at once on one workdir would both crawl every source and tag every story.
A writing command takes `WORKDIR/.storywatch-run.lock` with `flock` and writes its pid, command
and start time into it; a second one fails at once, naming the first ("storywatch run (pid 1234,
started 10:02) is already working on ..."): a cron job should fail clearly now, not pile up
behind a run that may take an hour. The kernel drops a flock when its holder dies, so the file
a killed run leaves behind is taken over without a word. Readers (dashboard, sql, exports,
sources) take no lock; the warehouse shares the file with them.
"""
from __future__ import annotations

import fcntl
import functools
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from storywatch.pipeline import PipelineError

LOCK_NAME = ".storywatch-run.lock"


class RunInProgress(PipelineError):
    """Another writing storywatch command holds the workdir's run lock."""


def lock_path(workdir: Path) -> Path:
    return Path(workdir) / LOCK_NAME


def _when(started: str) -> str:
    moment = datetime.fromisoformat(started)
    today = moment.date() == datetime.now().date()
    return moment.strftime("%H:%M" if today else "%Y-%m-%d %H:%M")


def _holder(path: Path) -> str | None:
    """"storywatch run (pid 1234, started 10:02)" from the lock file, or None if unreadable."""
    # The holder writes its details just after taking the lock: give it a moment to.
    for _ in range(10):
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            return f"{found['command']} (pid {found['pid']}, started {_when(found['started'])})"
        except (OSError, ValueError, KeyError, TypeError):
            time.sleep(0.05)
    return None


def _busy(workdir: Path) -> RunInProgress:
    path = lock_path(workdir)
    holder = _holder(path) or f"Another storywatch command (see {path})"
    return RunInProgress(f"{holder} is already working on {workdir}; try again when it has "
                         "finished.")


@contextmanager
def run_lock(workdir: Path, command: str) -> Iterator[None]:
    """Hold the workdir's run lock while the body runs; RunInProgress at once if it is taken."""
    path = lock_path(workdir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        raise PipelineError(f"Cannot create the run lock {path} ({error.strerror}): check that "
                            "the workdir is writable.") from error
    with os.fdopen(descriptor, "r+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _busy(workdir) from None
        handle.truncate()
        json.dump({"pid": os.getpid(), "command": command,
                   "started": datetime.now().isoformat(timespec="seconds")}, handle)
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
    # Closing the file dropped the flock; the empty file stays (removing it would let two
    # processes lock two different files under one name).


def one_at_a_time(command: str) -> Callable:
    """Decorate a click command taking `workdir` so it runs under the run lock."""

    def decorate(function: Callable) -> Callable:
        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with run_lock(kwargs["workdir"], f"storywatch {command}"):
                return function(*args, **kwargs)

        return wrapper

    return decorate
