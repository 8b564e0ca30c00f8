"""Private Redis and PostgreSQL processes for fault tests: CI shares the system ones, which are never stopped."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.servers import free_port


def _wait_port(port: int, timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            s.settimeout(0.2)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.05)
    return False


@dataclass
class PrivateRedis:
    """A redis-server on a free port, stoppable and restartable on the same port."""

    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @staticmethod
    def available() -> str | None:
        """Path of redis-server, if installed."""
        return shutil.which("redis-server")

    @property
    def url(self) -> str:
        """Connection URL."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (no persistence) and wait for the port."""
        binary = self.available()
        assert binary
        log = open(self.root / f"redis-{self.port}.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen([binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                         "--appendonly", "no", "--protected-mode", "no"],
                                        stdout=log, stderr=log, start_new_session=True)
        if not _wait_port(self.port):
            raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        """Stop it abruptly (SIGKILL): connections drop, the port closes."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"


def _pg_bin() -> Path | None:
    import glob

    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0)
    for directory in reversed(found):
        if (Path(directory) / "initdb").exists() and (Path(directory) / "pg_ctl").exists():
            return Path(directory)
    which = shutil.which("pg_ctl")
    return Path(which).parent if which and (Path(which).parent / "initdb").exists() else None


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) on a free port, stoppable and restartable.

    PostgreSQL refuses to run as root; as root we run it as the `postgres` system user via runuser.
    """

    port: int = field(default_factory=free_port)
    datadir: Path | None = None
    bin: Path | None = None
    as_user: str | None = None

    @classmethod
    def why_unavailable(cls) -> str | None:
        """None when a private cluster can be made here; else the reason."""
        if _pg_bin() is None:
            return "no initdb/pg_ctl found (install postgresql server binaries)"
        if os.geteuid() == 0:
            if shutil.which("runuser") is None:
                return "running as root without runuser: PostgreSQL refuses to run as root"
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root and no 'postgres' user to run the cluster as"
        return None

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the `casino` database."""
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/casino"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        assert self.bin
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.as_user:
            cmd = ["runuser", "-u", self.as_user, "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, check=check, timeout=120)

    def init(self) -> None:
        """initdb (trust auth on loopback), start, create the `casino` database."""
        self.bin = _pg_bin()
        self.datadir = Path(tempfile.mkdtemp(prefix="casino-pg-"))
        if os.geteuid() == 0:
            import pwd

            self.as_user = "postgres"
            entry = pwd.getpwnam("postgres")
            os.chown(self.datadir, entry.pw_uid, entry.pw_gid)
        self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--no-sync")
        self.start()
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-c",
                  "CREATE DATABASE casino")

    def start(self) -> None:
        """pg_ctl start and wait."""
        assert self.datadir
        self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.datadir / "server.log"), "-w", "-t", "60",
                  "-o", f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.datadir} -c fsync=off "
                        "-c max_connections=200", "start")

    def stop(self, mode: str = "immediate") -> None:
        """pg_ctl stop (immediate = crash-like: no shutdown checkpoint, clients cut off)."""
        if self.datadir:
            self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop", check=False)

    def destroy(self) -> None:
        """Stop and delete the cluster."""
        if self.datadir:
            self.stop("immediate")
            shutil.rmtree(self.datadir, ignore_errors=True)
            self.datadir = None
