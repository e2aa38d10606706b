"""`invoicegraph serve` closes connections whose request headers are too slow (serving.py).

A real server process on a real socket: a client that sends part of a request's headers and then
nothing (a slowloris) is disconnected once INVOICEGRAPH_HEADER_TIMEOUT_SECONDS pass, while a client
that sends whole requests, kept alive between them, is served. The test waits for the server to close
the socket (recv returns b""), bounded by a socket timeout far above the setting: no duration is asserted.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

HEADER_TIMEOUT = 0.5
WAIT_SECONDS = 30.0  # a bound on waiting for the server to act, far above HEADER_TIMEOUT


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    work = tmp_path_factory.mktemp("serving")
    cli = str(Path(sys.executable).with_name("invoicegraph"))
    env = {name: value for name, value in os.environ.items() if not name.startswith("INVOICEGRAPH_")}
    env.update(
        INVOICEGRAPH_DATABASE_URL=f"sqlite+aiosqlite:///{work / 'serving.db'}", INVOICEGRAPH_HEADER_TIMEOUT_SECONDS=str(HEADER_TIMEOUT)
    )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    log = (work / "server.log").open("wb")
    process = subprocess.Popen(
        [cli, "serve", "--migrate", "--host", "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 60
        while _status(port, b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n") != b"200":
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"serve did not start:\n{(work / 'server.log').read_text()}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=15)
        log.close()


def _status(port: int, request: bytes) -> bytes | None:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
            connection.sendall(request)
            return connection.recv(64).split(b" ")[1]
    except (OSError, IndexError):
        return None


def _closed_by_server(connection: socket.socket) -> bool:
    """Whether the server closes the connection within WAIT_SECONDS (whatever it sends before closing:
    the rest of an earlier response may still arrive in segments of its own)."""
    connection.settimeout(WAIT_SECONDS)
    try:
        while connection.recv(1024) != b"":
            pass
    except TimeoutError:
        return False
    return True


@pytest.mark.parametrize("sent", [b"", b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: "], ids=["nothing", "part-of-the-headers"])
def test_a_connection_whose_headers_do_not_arrive_in_time_is_closed(server: int, sent: bytes) -> None:
    with socket.create_connection(("127.0.0.1", server)) as connection:
        connection.sendall(sent)
        assert _closed_by_server(connection)


def test_a_kept_alive_connection_is_timed_again_from_its_next_request(server: int) -> None:
    with socket.create_connection(("127.0.0.1", server), timeout=WAIT_SECONDS) as connection:
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n")
        assert connection.recv(1024).startswith(b"HTTP/1.1 200")
        connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n")  # the next request's headers stop half-way
        assert _closed_by_server(connection)
