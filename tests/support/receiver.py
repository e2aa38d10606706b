"""A real webhook receiver on loopback, for tests: an `http.server` in a thread that records what arrives.

It verifies every request as docs/events.md tells receivers to, written here from the documentation
and not with the service's own code: `Invoicegraph-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]`,
where a `v1` must equal HMAC-SHA256(secret, "<t>." + body) and `t` must be recent.

Its answers are scripted: `statuses` are answered in turn (then 200), and while `hold` is clear a
request waits before it is answered (a slow receiver). `stop()` closes the port (a receiver that is
down); `start()` opens it again on the same port.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def event(self) -> dict[str, Any]:
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


def documented_verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """The receiver's check, as docs/events.md writes it."""
    parts = [part.split("=", 1) for part in header.split(",")]
    timestamps = [value for name, value in parts if name == "t"]
    signatures = [value for name, value in parts if name == "v1"]
    if len(timestamps) != 1 or abs(time.time() - int(timestamps[0])) > tolerance:
        return False
    expected = hmac.new(secret.encode(), timestamps[0].encode() + b"." + body, hashlib.sha256).hexdigest()
    return any(hmac.compare_digest(expected, signature) for signature in signatures)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a sender that gave up (its time limit) closed the connection: expected in these tests


@dataclass
class Receiver:
    secret: str = ""
    statuses: list[int] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    # Requests that arrived, answered or not yet (a held one counts here first).
    arrivals: int = 0
    port: int = 0
    hold: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def __post_init__(self) -> None:
        self.hold.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {name.lower(): value for name, value in self.headers.items()}
                verified = documented_verify(headers.get("invoicegraph-signature", ""), body, receiver.secret)
                with receiver._arrived:
                    receiver.arrivals += 1
                    receiver._arrived.notify_all()
                receiver.hold.wait(timeout=60)
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                with receiver._arrived:
                    receiver.received.append(Received(headers, body, verified))
                    receiver._arrived.notify_all()
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _QuietServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def wait_for(self, count: int, timeout: float = 60) -> list[Received]:
        """Block until `count` requests have been answered (a bound so a broken test ends; not a timing assertion)."""
        with self._arrived:
            if not self._arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout):
                raise AssertionError(f"{len(self.received)} webhook requests arrived, expected {count}")
            return list(self.received)

    def wait_for_arrivals(self, count: int, timeout: float = 60) -> None:
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.arrivals >= count, timeout=timeout):
                raise AssertionError(f"{self.arrivals} webhook requests arrived, expected {count}")

    def events(self) -> list[dict[str, Any]]:
        return [r.event for r in self.received]
