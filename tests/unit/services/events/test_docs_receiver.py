"""The receiver that docs/events.md shows, run as it is written, accepts the service's signed requests
and refuses forged or replayed ones."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from invoicegraph.services.events.signing import SIGNATURE_HEADER, signature_header
from tests.support.postgres import free_port

DOC = Path(__file__).resolve().parents[4] / "docs" / "events.md"
SECRET = "whsec_documented-receiver-test"
BODY = b'{"id":"evnt_0123456789abcdef0123","type":"INVOICE.UPDATED","data":{}}'


def _receiver_code() -> str:
    found = re.search(r"```python receiver\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert found, "docs/events.md has no ```python receiver block"
    return found.group(1)


@pytest.fixture
def receiver(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    code = _receiver_code()
    assert len([line for line in code.splitlines() if line.strip()]) <= 15  # the documented 15 lines
    script = tmp_path / "receiver.py"
    script.write_text(code, encoding="utf-8")
    port = free_port()
    env = {**os.environ, "WEBHOOK_SECRET": SECRET, "PORT": str(port)}
    process = subprocess.Popen([sys.executable, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = f"http://127.0.0.1:{port}/hooks"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the documented receiver did not start"
                time.sleep(0.05)
        yield url, process
    finally:
        process.kill()
        process.wait(timeout=10)


def _post(url: str, header: str) -> int:
    return httpx.post(url, content=BODY, headers={"Content-Type": "application/json", SIGNATURE_HEADER: header}, timeout=10).status_code


def test_the_documented_receiver_verifies_as_the_service_signs(receiver: tuple[str, subprocess.Popen[str]]) -> None:
    url, process = receiver
    now = int(time.time())
    assert _post(url, signature_header([SECRET], now, BODY)) == 200
    assert _post(url, signature_header(["whsec_new", SECRET], now, BODY)) == 200  # during a rotation
    assert _post(url, signature_header(["whsec_someone_else"], now, BODY)) == 400
    assert _post(url, signature_header([SECRET], now - 600, BODY)) == 400  # replayed later
    assert _post(url, f"t={now}") == 400
    assert _post(url, "garbage") == 400
    process.kill()
    printed, _ = process.communicate(timeout=10)
    assert printed.split() == ["evnt_0123456789abcdef0123"] * 2
