"""One writing command at a time per workdir: a second `storywatch run` (or crawl, load, tag)
fails at once naming the first; readers are not locked out; a killed run's lock is taken over."""
from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from storywatch.cli import cli
from storywatch.run_lock import lock_path
from storywatch.warehouse import connect

HOLDER = """\
import sys

from storywatch.run_lock import run_lock

with run_lock(sys.argv[1], "storywatch run"):
    print("holding", flush=True)
    sys.stdin.readline()
"""


class StalledSite:
    """A loopback site whose every page hangs until `release()`, then answers 404."""

    def __init__(self) -> None:
        self.requests = 0
        self.arrived = threading.Event()
        self.released = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                site.requests += 1
                site.arrived.set()
                site.released.wait(120)
                self.send_error(404)

            def log_message(self, *_args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


def storywatch(*args: object, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "storywatch.cli", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **popen)


def finish(process: subprocess.Popen, timeout: float) -> str:
    """The process's output once it ends; killed (and the test failed) if it runs too long."""
    try:
        return process.communicate(timeout=timeout)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


def busy_message(pid: int, workdir: Path) -> re.Pattern:
    return re.compile(rf"Error: storywatch run \(pid {pid}, started \d\d:\d\d\) is already "
                      rf"working on {re.escape(str(workdir))}; try again when it has finished.")


@pytest.fixture()
def holder(workdir: Path):
    """Another process holding the workdir's run lock, as `storywatch run` does."""
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(workdir)],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "holding"
    yield process
    if process.poll() is None:
        process.communicate("\n", timeout=30)


@pytest.mark.slow  # two `storywatch run` processes, the first one to its end
def test_second_run_fails_at_once_naming_the_first(workdir: Path, tmp_path: Path) -> None:
    site = StalledSite()
    config = tmp_path / "storywatch.toml"
    config.write_text(f'[brand]\nname = "Northwind"\n\n[[sources]]\nbrand = "Northwind"\n'
                      f'format = "feed"\nurl = "{site.url("/feed")}"\n', encoding="utf-8")
    try:
        first = storywatch("run", "--workdir", workdir, "--config", config, "--no-progress",
                           cwd=tmp_path)
        assert site.arrived.wait(120), "the first run never started crawling"
        requests = site.requests
        started = time.monotonic()
        second = storywatch("run", "--workdir", workdir, "--config", config, "--no-progress",
                            cwd=tmp_path)
        output = finish(second, 60)
        assert second.returncode == 1
        assert busy_message(first.pid, workdir).fullmatch(output.strip()), output
        assert time.monotonic() - started < 60  # at once: it did not wait for the first run
        assert site.requests == requests  # the second run crawled nothing
    finally:
        site.close()
    assert "Nothing to tag" in finish(first, 240)  # the first run went on to the end


@pytest.mark.parametrize("command", [["load"], ["tag", "--no-progress"], ["crawl"],
                                     ["run", "--no-progress"]])
def test_every_writing_command_fails_at_once(workdir: Path, holder, command) -> None:
    result = CliRunner().invoke(cli, [*command, "--workdir", str(workdir)])
    assert result.exit_code == 1
    assert busy_message(holder.pid, workdir).fullmatch(result.output.strip()), result.output


def test_readers_are_not_locked_out(workdir: Path, holder) -> None:
    connect(workdir).close()
    result = CliRunner().invoke(cli, ["sql", "SELECT count(*) AS n FROM stories", "--workdir",
                                      str(workdir), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == ["n", "0"]


def test_lock_of_a_killed_run_is_taken_over(workdir: Path, holder) -> None:
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    assert f'"pid": {holder.pid}' in lock_path(workdir).read_text(encoding="utf-8")
    result = CliRunner().invoke(cli, ["load", "--workdir", str(workdir)])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Loaded 0 landing files")
    assert lock_path(workdir).read_text(encoding="utf-8") == ""  # released at the end
