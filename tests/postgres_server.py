"""A throwaway PostgreSQL cluster for tests: Debian's server binaries, a temporary folder.

``initdb`` refuses to run as root, so when the tests run as root the cluster is created and
run as the ``postgres`` user (``runuser``). Without the binaries the PostgreSQL tests are
skipped, except in CI (``CI=true``), where missing PostgreSQL is an error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PASSWORD",
    "Cluster",
    "create_database",
    "find_bin_dir",
    "postgres_cluster",
    "throwaway_cluster",
]

PASSWORD = "test-password-1"


def find_bin_dir() -> Path | None:
    """Return the folder of initdb and pg_ctl, or None if PostgreSQL is not installed."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    return candidates[0].parent if candidates else None


def create_database(server_url: str, name: str) -> str:
    """Create an empty database on the server (with psql, usable inside a running loop)."""
    psql = shutil.which("psql") or str((find_bin_dir() or Path("/usr/bin")) / "psql")
    subprocess.run(
        [psql, server_url, "-v", "ON_ERROR_STOP=1", "-q", "-c", f'CREATE DATABASE "{name}"'],
        check=True,
        capture_output=True,
    )
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@dataclass
class Cluster:
    """A running throwaway cluster that a test may stop and start again on the same port."""

    url: str  # of the ``postgres`` database
    bin_dir: Path
    folder: Path

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def stop(self, mode: str = "fast") -> None:
        """``pg_ctl stop -m <mode>``: the server is gone, its port refuses connections."""
        self._pg_ctl("-m", mode, "stop")

    def start(self) -> None:
        """Start the server again with the options (and port) it first had."""
        options = (self.folder / "options").read_text()
        self._pg_ctl("-o", options, "-w", "-l", str(self.folder / "log"), "start")

    def _pg_ctl(self, *args: str) -> None:
        subprocess.run(
            _as_postgres([str(self.bin_dir / "pg_ctl"), "-D", str(self.data), *args]),
            check=True,
            capture_output=True,
        )


@contextmanager
def postgres_cluster() -> Iterator[tuple[str, Path]]:
    """Start a cluster on 127.0.0.1; yield (URL of the ``postgres`` database, bin dir)."""
    with throwaway_cluster() as cluster:
        yield cluster.url, cluster.bin_dir


@contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """Start a cluster on 127.0.0.1 in a temporary folder; remove it all at the end."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL server binaries (initdb) not found")
    folder = Path(tempfile.mkdtemp(prefix="pgtest-"))
    data = folder / "data"
    pwfile = folder / "pw"
    pwfile.write_text(PASSWORD + "\n")
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    port = _free_port()
    subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ]
        ),
        check=True,
        capture_output=True,
    )
    (folder / "options").write_text(
        f"-c listen_addresses=127.0.0.1 -c port={port} -k {folder} -c fsync=off"
    )
    cluster = Cluster(
        f"postgresql://postgres:{PASSWORD}@127.0.0.1:{port}/postgres", bin_dir, folder
    )
    cluster.start()
    try:
        yield cluster
    finally:
        subprocess.run(
            _as_postgres([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
        )
        time.sleep(0.1)
        shutil.rmtree(folder, ignore_errors=True)
