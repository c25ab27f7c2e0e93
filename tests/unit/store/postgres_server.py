"""A throwaway PostgreSQL server for the store tests: its own cluster in a temp dir, 127.0.0.1 only.

``initdb`` makes a cluster in a fresh temp dir (as the ``postgres`` user when we are root,
since initdb refuses to run as root), ``pg_ctl`` starts it on a free port of 127.0.0.1 with
its unix socket in that dir and ``trust`` auth for local connections only, and ``stop``
kills it (``-m immediate``) and removes the dir.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shlex
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

NO_SERVER = (
    "no PostgreSQL server binaries (initdb/pg_ctl) found: install Debian's postgresql "
    "package, or set TRADEWIND_TEST_POSTGRES_URL"
)
DATABASE = "tradewind_test"
_HBA = "local all all trust\nhost all all 127.0.0.1/32 trust\n"


def _version(bin_dir: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", bin_dir.parent.name)) or (0,)


def find_server_binaries() -> tuple[Path, Path] | None:
    """``(initdb, pg_ctl)`` from PATH, else the highest ``/usr/lib/postgresql/*/bin``."""
    initdb, pg_ctl = shutil.which("initdb"), shutil.which("pg_ctl")
    if initdb and pg_ctl:
        return Path(initdb), Path(pg_ctl)
    for bin_dir in sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version, reverse=True):
        if (bin_dir / "initdb").is_file() and (bin_dir / "pg_ctl").is_file():
            return bin_dir / "initdb", bin_dir / "pg_ctl"
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerError(RuntimeError):
    """The test server could not be made or started; the message ends with its log."""


class PostgresServer:
    """One PostgreSQL cluster of our own; ``start`` returns the url of a fresh database."""

    def __init__(self, initdb: Path, pg_ctl: Path) -> None:
        self.initdb, self.pg_ctl = initdb, pg_ctl
        self.dir = Path(tempfile.mkdtemp(prefix="tradewind-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self._as_user: list[str] = []  # runuser's prefix, or su's (which takes one string)
        self._su = False
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise ServerError("running as root and there is no 'postgres' user") from None
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            runuser = shutil.which("runuser")
            self._su = runuser is None
            self._as_user = (
                ["su", "postgres"] if self._su else [str(runuser), "-u", "postgres", "--"]
            )

    def _run(self, *args: str | Path, timeout: float = 60) -> None:
        cmd = [str(a) for a in args]
        if self._su:
            cmd = [*self._as_user, "-s", "/bin/sh", "-c", shlex.join(cmd)]
        else:
            cmd = [*self._as_user, *cmd]
        done = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
        if done.returncode != 0:
            raise ServerError(f"{Path(cmd[0]).name} ... failed: {done.stdout}{done.stderr}")

    def start(self) -> str:
        """Make the cluster, start it, create the test database; its url (no password)."""
        self._run(
            self.initdb, "-D", self.data, "-U", "postgres", "-A", "trust",
            "-E", "UTF8", "--locale=C", "--no-sync",
        )  # fmt: skip
        (self.data / "pg_hba.conf").write_text(_HBA)
        for _attempt in range(3):  # another process may take the free port before we bind it
            port = _free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -p {port} -k {self.dir} "
                "-c max_connections=40 -c shared_buffers=16MB"
            )
            try:
                self._run(
                    self.pg_ctl, "-D", self.data, "-l", self.log, "-w", "-t", "60",
                    "-o", options, "start",
                )  # fmt: skip
            except ServerError as exc:
                log = self.log.read_text(errors="replace") if self.log.exists() else ""
                if "could not bind" in log or "in use" in log:
                    continue
                raise ServerError(f"{exc}\n{log[-2000:]}") from None
            return self._create_database(port)
        raise ServerError(f"no free port for the PostgreSQL test server after 3 tries: {self.log}")

    def _create_database(self, port: int) -> str:
        import psycopg

        admin = f"postgresql://postgres@127.0.0.1:{port}/postgres"
        with psycopg.connect(admin, autocommit=True) as con:
            con.execute(f"CREATE DATABASE {DATABASE}")
        return f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}"

    def stop(self) -> None:
        """Kill the server (``-m immediate``: it is thrown away) and remove its directory."""
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(ServerError, subprocess.TimeoutExpired):
                self._run(self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)
