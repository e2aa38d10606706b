"""Federation fixtures: the CRM subgraph, the composed supergraph and the Apollo gateway, all real.

Each is a Node process (tests/e2e/node) on a free loopback port, started once per session in front
of the `live_server` (`invoicegraph serve`), waited for with a bounded timeout, and stopped at the
end. The gateway appends one JSON line per subgraph fetch to a log (`--fetch-log`), which is how the
tests see what our subgraph was asked, and with which headers (names only).
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.e2e.conftest import _stop

if TYPE_CHECKING:
    from tests.e2e.conftest import LiveServer

NODE_DIR = Path(__file__).resolve().parents[1] / "node"
STARTUP_TIMEOUT_SECONDS = 30.0
REQUEST_TIMEOUT_SECONDS = 20.0
COMPOSE_TIMEOUT_SECONDS = 60


@dataclass(frozen=True)
class NodeService:
    name: str
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@dataclass(frozen=True)
class Composition:
    """The result of tests/e2e/node/compose.mjs: the supergraph and its JSON summary."""

    returncode: int
    supergraph: str
    summary: dict[str, Any]
    stderr: str


@dataclass(frozen=True)
class Gateway:
    service: NodeService
    fetch_log: Path

    @property
    def url(self) -> str:
        return self.service.url

    def fetch_mark(self) -> int:
        """A position in the fetch log; `fetches_since` returns what came after it."""
        return len(self._lines())

    def fetches_since(self, mark: int) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self._lines()[mark:]]

    def _lines(self) -> list[str]:
        if not self.fetch_log.exists():
            return []
        return [line for line in self.fetch_log.read_text(encoding="utf-8").splitlines() if line.strip()]

    def post(
        self, query: str, headers: dict[str, str], variables: dict[str, Any] | None = None
    ) -> tuple[httpx.Response, dict[str, Any], list[dict[str, Any]]]:
        """POST to the gateway; the response, its JSON body and the subgraph fetches it caused."""
        mark = self.fetch_mark()
        response = httpx.post(
            self.url,
            json={"query": query, "variables": variables or {}},
            headers={"content-type": "application/json", **headers},
            timeout=REQUEST_TIMEOUT_SECONDS,
        )
        assert response.headers["content-type"].startswith("application/json"), response.text
        return response, response.json(), self.fetches_since(mark)


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def start_node_service(name: str, script: str, extra_args: list[str], workdir: Path) -> NodeService:
    """Start `node tests/e2e/node/<script> --host 127.0.0.1 --port <free port> …` and wait until ready."""
    port = free_loopback_port()
    if not port_is_free(port):
        pytest.fail(f"port {port} on 127.0.0.1 was taken between choosing it and starting {name}")
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["node", str(NODE_DIR / script), "--host", "127.0.0.1", "--port", str(port), *extra_args],
            cwd=NODE_DIR,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    service = NodeService(name=name, url=f"http://127.0.0.1:{port}/", process=process, log_path=log_path)
    try:
        _wait_until_ready(service)
    except BaseException:
        stop(service.process)
        raise
    return service


def _wait_until_ready(service: NodeService) -> None:
    # Ready = the script printed its {"event": "ready"} line and a `{ __typename }` query answers.
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    last_error = "no ready line yet"
    while time.monotonic() < deadline:
        if service.process.poll() is not None:
            pytest.fail(f"{service.name} exited with {service.process.returncode} before it was ready:\n{service.log()}")
        if '"event":"ready"' in service.log():
            try:
                response = httpx.post(service.url, json={"query": "{ __typename }"}, timeout=2.0)
            except httpx.TransportError as error:
                last_error = repr(error)
            else:
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
        time.sleep(0.2)
    pytest.fail(f"{service.name} was not ready within {STARTUP_TIMEOUT_SECONDS:.0f}s ({last_error}):\n{service.log()}")


def stop(process: subprocess.Popen[bytes]) -> None:
    _stop(process)


def compose(subgraphs: list[str], headers: list[str], out: Path) -> Composition:
    """Run compose.mjs with `--subgraph NAME=URL[@FILE]` arguments."""
    args = ["node", str(NODE_DIR / "compose.mjs"), "--out", str(out)]
    for subgraph in subgraphs:
        args += ["--subgraph", subgraph]
    for header in headers:
        args += ["--header", header]
    result = subprocess.run(args, cwd=NODE_DIR, capture_output=True, text=True, timeout=COMPOSE_TIMEOUT_SECONDS, check=False)
    try:
        summary = json.loads(result.stderr)
    except json.JSONDecodeError:
        summary = {}
    supergraph = out.read_text(encoding="utf-8") if out.exists() else ""
    return Composition(returncode=result.returncode, supergraph=supergraph, summary=summary, stderr=result.stderr)


def billing_url(live_server: LiveServer) -> str:
    return f"{live_server.base_url}/graphql"


def credential_headers(live_server: LiveServer) -> list[str]:
    return [f"x-api-key: {live_server.api_key}", f"x-platform-id: {live_server.platform_id}"]


@pytest.fixture(scope="session")
def federation_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("federation")


@pytest.fixture(scope="session")
def crm_subgraph(node_modules: Path, federation_dir: Path) -> Iterator[NodeService]:
    service = start_node_service("crm", "crm-subgraph.mjs", [], federation_dir)
    try:
        yield service
    finally:
        stop(service.process)


@pytest.fixture(scope="session")
def composition(live_server: LiveServer, crm_subgraph: NodeService, federation_dir: Path) -> Composition:
    """Our subgraph's SDL as it serves it (`_service { sdl }`, with the demo key) + the CRM's."""
    return compose(
        [f"billing={billing_url(live_server)}", f"crm={crm_subgraph.url}"],
        credential_headers(live_server),
        federation_dir / "supergraph.graphql",
    )


@pytest.fixture(scope="session")
def gateway(composition: Composition, federation_dir: Path) -> Iterator[Gateway]:
    if composition.returncode != 0:
        pytest.fail(f"composition failed ({composition.returncode}); the gateway cannot start:\n{composition.stderr}")
    fetch_log = federation_dir / "gateway-fetches.jsonl"
    service = start_node_service(
        "gateway",
        "gateway.mjs",
        ["--supergraph", str(federation_dir / "supergraph.graphql"), "--credentials-to", "billing", "--fetch-log", str(fetch_log)],
        federation_dir,
    )
    try:
        yield Gateway(service=service, fetch_log=fetch_log)
    finally:
        stop(service.process)
