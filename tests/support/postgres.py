"""A throwaway PostgreSQL cluster for the test session, from the installed server binaries.

Started in a temporary directory on a free loopback port, trusted local auth, stopped at the end.
PostgreSQL refuses to run as root, so as root the server runs as the `postgres` system user.
If it cannot start, the tests that need it fail (they never skip).

`PostgresCluster.start_replica(primary)` adds a streaming hot standby of a running cluster
(`pg_basebackup -R`, its own free port, `hot_standby_feedback = on`): initdb's `--auth=trust` already
lets 127.0.0.1 connect for replication, and PostgreSQL 15's defaults (`wal_level=replica`,
`max_wal_senders=10`) allow it. `primary.make_synchronous(replica)` names the standby in
`synchronous_standby_names`; only sessions that ask for it (`synchronous_commit = remote_apply`, per
database with `create_database(…, synchronous=True)`) then wait for it, since the servers run with `synchronous_commit=off`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
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
        cluster.start_server()
        return cluster

    @classmethod
    def start_replica(cls, primary: PostgresCluster) -> PostgresCluster:
        """A hot standby of `primary`, streaming from it, on a free loopback port."""
        directory = Path(tempfile.mkdtemp(prefix="invoicegraph-pg-replica-"))
        replica = cls(directory=directory, port=free_port(), user=primary.user)
        source = f"host=127.0.0.1 port={primary.port} user={primary.user} application_name={replica.application_name}"
        backup = ["-d", source, "-D", str(replica.data), "-R", "-X", "stream", "--checkpoint=fast", "--no-sync"]
        subprocess.run(
            [*_run_as_prefix(directory), _binary("pg_basebackup"), *backup],
            check=True,
            capture_output=True,
        )
        # The primary keeps the rows the standby's open queries still see: replay never cancels a read
        # (and never makes a synchronous commit wait for one, see `make_synchronous`).
        with (replica.data / "postgresql.auto.conf").open("a") as conf:
            conf.write("hot_standby_feedback = on\n")
        replica.start_server()
        replica.wait_streaming()
        return replica

    @property
    def application_name(self) -> str:
        """The name this cluster streams under when it is a standby (pg_stat_replication, synchronous_standby_names)."""
        return f"replica_{self.port}"

    def make_synchronous(self, replica: PostgresCluster, timeout: float = 30) -> None:
        """Name `replica` the synchronous standby of this primary, and wait until it is.

        Commits wait for it only in sessions whose `synchronous_commit` asks for it (`create_database`).
        """
        self.psql(f"ALTER SYSTEM SET synchronous_standby_names = '\"{replica.application_name}\"'", "SELECT pg_reload_conf()")
        state = f"SELECT sync_state FROM pg_stat_replication WHERE application_name = '{replica.application_name}'"  # noqa: S608  (our own name)
        deadline = time.monotonic() + timeout
        while self.query(state) != "sync":
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{replica.application_name} did not become the synchronous standby; see {self.directory / 'server.log'}"
                )
            time.sleep(0.05)

    def create_database(self, name: str, template: str, *, synchronous: bool = False) -> None:
        """A new database cloned from `template`.

        `synchronous`: its creation and every later commit to it return only once the synchronous
        standby (`make_synchronous`) has applied them, so the standby has the database as soon as this
        returns, and whatever is written to it after.
        """
        clone = f"CREATE DATABASE {name} TEMPLATE {template}"
        if not synchronous:
            self.psql(clone)
            return
        wait = "synchronous_commit = remote_apply"
        self.psql(f"SET {wait}", clone, f"ALTER DATABASE {name} SET {wait}")

    def start_server(self) -> None:
        """Start (or start again, after `stop_server`) the server on this cluster's data and port."""
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.directory} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        subprocess.run(
            [
                *_run_as_prefix(self.directory),
                _binary("pg_ctl"),
                "-D",
                str(self.data),
                "-o",
                options,
                "-l",
                str(self.directory / "server.log"),
                "-w",
                "-t",
                "60",
                "start",
            ],
            check=True,
            capture_output=True,
        )
        self._wait_ready()

    def stop_server(self) -> None:
        """Stop the server (fast shutdown), keeping its data for `start_server`."""
        subprocess.run(
            [*_run_as_prefix(self.directory), _binary("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
            check=True,
            capture_output=True,
        )

    def server_pids(self) -> list[int]:
        """The postmaster and every process it started (backends, background workers)."""
        postmaster = int((self.data / "postmaster.pid").read_text().split()[0])
        children = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit() and _parent_of(entry) == postmaster]
        return [postmaster, *children]

    def freeze(self) -> None:
        """Stop every process of the server (SIGSTOP): connections stay open and nothing answers, as
        when a database host stalls. `thaw` lets it go on."""
        for pid in self.server_pids():
            with contextlib.suppress(ProcessLookupError):  # a backend that ended since it was listed
                os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        if not (self.data / "postmaster.pid").exists():
            return  # not running (stopped): nothing is frozen
        for pid in self.server_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)

    def query(self, sql: str, database: str = "postgres") -> str:
        """The first column of the first row, as psql prints it unaligned."""
        result = subprocess.run(
            [_binary("psql"), "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(database), "-c", sql],
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout.strip()

    def wait_streaming(self, timeout: float = 30) -> None:
        """Wait until this standby's WAL receiver streams from its primary."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query("SELECT status FROM pg_stat_wal_receiver") == "streaming":
                return
            time.sleep(0.05)
        raise RuntimeError(f"the replica on port {self.port} is not streaming; see {self.directory / 'server.log'}")

    def wait_for_replay(self, primary: PostgresCluster, timeout: float = 30) -> None:
        """Wait until this standby has replayed everything `primary` had written when called.

        The insert position, not `pg_current_wal_lsn()` (the write position): the test servers run
        with `synchronous_commit=off`, so a commit that has returned may still sit in the WAL buffers,
        behind the write position, and a wait for the write position could end before the standby
        had the commit (a flaky read-your-writes failure seen in `make test`).
        """
        position = primary.query("SELECT pg_current_wal_insert_lsn()")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.query(f"SELECT pg_last_wal_replay_lsn() >= '{position}'::pg_lsn") == "t":
                return
            time.sleep(0.02)
        raise RuntimeError(f"the replica on port {self.port} did not replay up to {position} in {timeout:.0f} s")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"PostgreSQL did not start; see {self.directory / 'server.log'}")

    def psql(self, *statements: str, database: str = "postgres") -> None:
        """Run each statement in turn, in one session (each its own transaction)."""
        commands = [argument for statement in statements for argument in ("-c", statement)]
        subprocess.run(
            [_binary("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self.dsn(database), *commands], check=True, capture_output=True
        )

    def stop(self) -> None:
        subprocess.run(
            [*_run_as_prefix(self.directory), _binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self.directory, ignore_errors=True)


def _parent_of(process: Path) -> int | None:
    try:
        stat = (process / "stat").read_text()
    except OSError:
        return None  # gone meanwhile
    # `pid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
    return int(stat.rsplit(")", 1)[1].split()[1])


def _run_as_prefix(directory: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    account = pwd.getpwnam("postgres")
    os.chown(directory, account.pw_uid, account.pw_gid)
    return ["runuser", "-u", "postgres", "--"]
