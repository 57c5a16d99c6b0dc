"""`storywatch dashboard` hides the tables' own CSV export, which would copy story text such as
`=HYPERLINK(...)` into a spreadsheet unchanged; each table's "Download CSV" button is the
formula-free way out (tests/test_csv_safety.py).

The real server is started with the command `storywatch dashboard` runs, on loopback, and asked
over its websocket, as a browser would, which settings the page gets.
"""
from __future__ import annotations

import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import websocket
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from storywatch.dashboard_server import dashboard_command


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stdout.read()
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the dashboard did not answer on {url} within {seconds} s")


def page_settings(port: int):
    """The settings the server sends a browser that opens the dashboard."""
    stream = websocket.create_connection(f"ws://127.0.0.1:{port}/_stcore/stream",
                                         subprotocols=["streamlit"], timeout=30)
    try:
        opening = BackMsg()
        opening.rerun_script.query_string = ""
        stream.send_binary(opening.SerializeToString())
        for _ in range(100):
            message = ForwardMsg()
            message.ParseFromString(stream.recv())
            if message.WhichOneof("type") == "new_session":
                return message.new_session.config
    finally:
        stream.close()
    raise AssertionError("the dashboard sent no new_session message")


@pytest.fixture()
def dashboard_port(tmp_path: Path):
    port = free_port()
    process = subprocess.Popen(dashboard_command(tmp_path, port), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", process)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_tables_offer_no_raw_csv_export(dashboard_port):
    assert page_settings(dashboard_port).disable_data_export is True
