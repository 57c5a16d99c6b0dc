"""A real SMTP server and a real webhook (HTTP) server on 127.0.0.1, in threads, for the alert
delivery tests: each records what it received; every socket has a timeout and every loop a bound.
"""
from __future__ import annotations

import socket
import socketserver
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    timeout = 5

    def handle(self) -> None:
        self.wfile.write(b"220 test ESMTP\r\n")
        data: list[bytes] | None = None
        for _ in range(10_000):
            line = self.rfile.readline(65536)
            if not line:
                return
            if data is not None:
                if line == b".\r\n":
                    self.server.messages.append(b"".join(data))
                    data = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.wfile.write(b"250-test\r\n250 8BITMIME\r\n")
            elif verb == b"DATA":
                data = []
                self.wfile.write(b"354 end with .\r\n")
            elif verb == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class _WebhookHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append((self.headers["Content-Type"], body))
        self.send_response(self.server.status)
        self.end_headers()

    def log_message(self, *_args) -> None:
        pass


@contextmanager
def _serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def smtp_server() -> AbstractContextManager:
    """An SMTP server on 127.0.0.1; `.messages` holds each message's raw bytes."""
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.daemon_threads = True
    server.messages = []
    return _serving(server)


def webhook_server() -> AbstractContextManager:
    """An HTTP server on 127.0.0.1; `.posts` holds (Content-Type, body) of each POST, and each
    is answered with `.status` (200 until a test changes it)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _WebhookHandler)
    server.posts, server.status = [], 200
    return _serving(server)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
