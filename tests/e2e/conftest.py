"""End-to-end fixtures: the real `invoicegraph` command serving the demo data, and the Node tools.

`live_server` runs what a person runs (`invoicegraph demo`, then `invoicegraph serve`) on a temporary
SQLite file and a free loopback port, once per session. `node_modules` installs tests/e2e/node (the one
npm project for every Node-based end-to-end tool) with `npm ci` when it is missing or older than its
lock file; `chromium` finds Debian's browser. A missing tool fails the test, never skips it: `.ci/run`
installs chromium, and a skipped browser test would hide a broken page.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from invoicegraph.demo import DEMO_API_KEY, DEMO_PLATFORM_ID

E2E_DIR = Path(__file__).resolve().parent
NODE_DIR = E2E_DIR / "node"
ARTIFACTS_DIR = E2E_DIR / "artifacts"
STARTUP_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class LiveServer:
    """A running `invoicegraph serve` with the demo data loaded."""

    base_url: str
    api_key: str
    platform_id: str
    log_path: Path

    def log(self) -> str:
        """Everything the server wrote to stdout and stderr so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace")


def _cli() -> Path:
    # The console script installed next to the interpreter running the tests (.venv/bin/invoicegraph).
    cli = Path(sys.executable).with_name("invoicegraph")
    if not cli.exists():
        pytest.fail(f"{cli} is missing: install the project first (`make venv`)")
    return cli


def _free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def _server_env(database_url: str) -> dict[str, str]:
    # Start from the caller's environment minus its INVOICEGRAPH_* settings, so a developer's shell
    # (say INVOICEGRAPH_ENVIRONMENT=production) cannot change what the test sees.
    env = {name: value for name, value in os.environ.items() if not name.startswith("INVOICEGRAPH_")}
    env.update(
        INVOICEGRAPH_DATABASE_URL=database_url,
        INVOICEGRAPH_ENVIRONMENT="development",
        INVOICEGRAPH_LOG_FORMAT="console",
        # One server answers the whole session from one address and one key, the audits sending hundreds
        # of requests in seconds, dozens at once: budgets above that (the limits are
        # tests/integration/middleware/test_limits.py's).
        INVOICEGRAPH_RATE_LIMIT_PER_CREDENTIAL="10000",
        INVOICEGRAPH_RATE_LIMIT_PER_PLATFORM="10000",
        INVOICEGRAPH_MAX_IN_FLIGHT_PER_CREDENTIAL="1000",
        INVOICEGRAPH_MAX_IN_FLIGHT_PER_PLATFORM="1000",
    )
    return env


def _wait_for_health(process: subprocess.Popen[bytes], base_url: str, log_path: Path) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    last_error = "no answer yet"
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"`invoicegraph serve` exited with {process.returncode} before answering:\n{log_path.read_text()}")
            try:
                response = client.get(f"{base_url}/healthz")
            except httpx.TransportError as error:
                last_error = repr(error)
            else:
                if response.status_code == 200:
                    return
                last_error = f"HTTP {response.status_code}: {response.text[:200]}"
            time.sleep(0.2)
    pytest.fail(f"GET {base_url}/healthz did not answer 200 within {STARTUP_TIMEOUT_SECONDS:.0f}s ({last_error}):\n{log_path.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    workdir = tmp_path_factory.mktemp("live-server")
    env = _server_env(f"sqlite+aiosqlite:///{workdir / 'invoicegraph.db'}")
    cli = _cli()

    demo = subprocess.run([str(cli), "demo"], env=env, cwd=workdir, capture_output=True, text=True, timeout=300, check=False)
    if demo.returncode != 0:
        pytest.fail(f"`invoicegraph demo` failed with {demo.returncode}:\n{demo.stdout}\n{demo.stderr}")

    port = _free_loopback_port()
    if not _port_is_free(port):
        pytest.fail(f"port {port} on 127.0.0.1 was taken between choosing it and starting the server")
    base_url = f"http://127.0.0.1:{port}"
    log_path = workdir / "server.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_for_health(process, base_url, log_path)
            yield LiveServer(base_url=base_url, api_key=DEMO_API_KEY, platform_id=DEMO_PLATFORM_ID, log_path=log_path)
        finally:
            _stop(process)


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium (CHROMIUM_PATH overrides). Never a browser downloaded by a test tool."""
    path = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
    if not os.access(path, os.X_OK):
        pytest.fail(f"{path} is missing: `apt-get install -y chromium` (.ci/run installs it)")
    return path


@pytest.fixture(scope="session")
def node_modules() -> Path:
    """tests/e2e/node/node_modules, installed from package-lock.json when missing or stale."""
    return installed_node_modules(NODE_DIR)


def installed_node_modules(project: Path) -> Path:
    """`project`/node_modules, installed with `npm ci` from its package-lock.json when missing or stale."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            pytest.fail(f"`{tool}` is not on PATH: the end-to-end tools need Node.js 20+ and npm")
    modules = project / "node_modules"
    installed = modules / ".package-lock.json"  # npm's record of what it installed
    lock = project / "package-lock.json"
    # Parallel workers (pytest-xdist) share the folder: one installs, the others wait for it.
    with (project / ".install.lock").open("w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
            _npm_ci(project)
    return modules


def _npm_ci(project: Path) -> None:
    result = subprocess.run(
        ["npm", "ci", "--prefix", str(project), "--no-audit", "--no-fund"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"`npm ci --prefix {project}` failed with {result.returncode}:\n{result.stdout}\n{result.stderr}")


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """tests/e2e/artifacts (ignored by git): screenshots and other things to look at after a run."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS_DIR
