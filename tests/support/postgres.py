"""A throwaway PostgreSQL cluster for the test session, from the installed server binaries.

Started in a temporary directory on a free loopback port, trusted local auth, stopped at the end.
PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
If it cannot start, the tests that need it fail (they never skip).
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]


def _binary(name: str) -> str:
    for directory in BIN_DIRS:
        candidate = Path(directory) / name
        if candidate.exists():
            return str(candidate)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"PostgreSQL binary {name!r} not found (install the postgresql package)")
    return found


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresCluster:
    directory: Path
    port: int
    user: str = "postgres"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://{self.user}@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    @classmethod
    def start(cls, *, port: int | None = None) -> PostgresCluster:
        directory = Path(tempfile.mkdtemp(prefix="invoicegraph-pg-"))
        cluster = cls(directory=directory, port=port or free_port())
        run_as = _run_as_prefix(directory)
        subprocess.run(
            [
                *run_as,
                _binary("initdb"),
                "-D",
                str(cluster.data),
                "-U",
                cluster.user,
                "--auth=trust",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
        options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        subprocess.run(
            [
                *run_as,
                _binary("pg_ctl"),
                "-D",
                str(cluster.data),
                "-o",
                options,
                "-l",
                str(directory / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        cluster._wait_ready()
        return cluster

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start; see {self.directory / 'server.log'}")

    def psql(self, sql: str, database: str = "postgres") -> None:
        subprocess.run(
            [_binary("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(database), "-c", sql], check=True, capture_output=True
        )

    def stop(self) -> None:
        subprocess.run(
            [*_run_as_prefix(self.directory), _binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _run_as_prefix(directory: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("postgres")
    os.chown(directory, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]
