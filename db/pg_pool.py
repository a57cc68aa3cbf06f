"""The asyncpg pool as the PostgreSQL store uses it: outages become ``DatabaseUnavailable``.

When the server goes away (a restart, a fail-over, a network cut) every query fails until it
is back; asyncpg's pool opens fresh connections by itself once it is. Here each failure that
means "the server cannot be reached" is raised as ``db.errors.DatabaseUnavailable`` and logged
once per kind (refused, shutting down, starting up…), and the first success after an outage
logs how long it lasted: a few lines per outage, however many queries failed meanwhile.
"""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg

from db.errors import DatabaseUnavailable

__all__ = ["OutageLog", "WatchedPool", "describe_failure", "is_unavailable"]

logger = logging.getLogger("db.postgres")

_CLOSED_PHRASES = ("connection is closed", "connection was closed", "pool is closed")


def is_unavailable(exc: BaseException) -> bool:
    """Tell whether ``exc`` means the server cannot be reached (rather than a bad query)."""
    if isinstance(exc, asyncpg.QueryCanceledError):  # a statement timeout, not an outage
        return False
    if isinstance(
        exc,
        OSError  # refused, reset, unreachable host
        | TimeoutError  # asyncpg's connect or command timeout
        | asyncpg.PostgresConnectionError  # class 08, and a connection lost mid-query
        | asyncpg.OperatorInterventionError  # 57P01 admin shutdown, 57P03 starting up, …
        | asyncpg.TooManyConnectionsError,
    ):
        return True
    if isinstance(exc, asyncpg.InterfaceError):
        return any(phrase in str(exc) for phrase in _CLOSED_PHRASES)
    return False


def describe_failure(exc: BaseException) -> str:
    """Say in a few words why the server could not be used (for one log line)."""
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"host name not found ({exc.strerror})"
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:200] or type(exc).__name__


class OutageLog:
    """One log line per kind of failure while the database is away, one when it is back."""

    def __init__(self, where: str) -> None:
        self.where = where  # the redacted URL
        self.since: float | None = None
        self._kinds: set[str] = set()

    @property
    def away(self) -> bool:
        """Tell whether the last query failed for want of a server."""
        return self.since is not None

    def failed(self, exc: BaseException) -> None:
        """Note a failed query; log it if it is a new kind of failure in this outage."""
        if self.since is None:
            self.since = time.monotonic()
        kind = type(exc).__name__
        if kind not in self._kinds:
            self._kinds.add(kind)
            logger.error(
                "database unreachable at %s (%s); retrying until it is back",
                self.where,
                describe_failure(exc),
            )

    def succeeded(self) -> None:
        """Note a query that worked; after an outage, say that it is over."""
        if self.since is None:
            return
        seconds = time.monotonic() - self.since
        logger.warning("database reachable again at %s after %.1f s", self.where, seconds)
        self.since = None
        self._kinds.clear()


class WatchedPool:
    """The few pool methods the store uses, reporting and translating outages."""

    def __init__(self, pool: asyncpg.Pool, where: str) -> None:
        self.pool = pool
        self.outage = OutageLog(where)

    def unavailable(self, exc: BaseException) -> DatabaseUnavailable | None:
        """Return what to raise instead of ``exc`` if it means an outage (and note it)."""
        if not is_unavailable(exc):
            return None
        self.outage.failed(exc)
        return DatabaseUnavailable(f"database unreachable ({type(exc).__name__})")

    async def fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        """``Pool.fetch``."""
        try:
            rows = await self.pool.fetch(sql, *args)
        except Exception as exc:
            if outage := self.unavailable(exc):
                raise outage from exc
            raise
        self.outage.succeeded()
        return list(rows)

    async def fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        """``Pool.fetchrow``."""
        try:
            row = await self.pool.fetchrow(sql, *args)
        except Exception as exc:
            if outage := self.unavailable(exc):
                raise outage from exc
            raise
        self.outage.succeeded()
        return row

    async def execute(self, sql: str, *args: Any) -> str:
        """``Pool.execute``; return the command status (``UPDATE 3``)."""
        try:
            status = await self.pool.execute(sql, *args)
        except Exception as exc:
            if outage := self.unavailable(exc):
                raise outage from exc
            raise
        self.outage.succeeded()
        return str(status)

    @asynccontextmanager
    async def acquire(self) -> AsyncIterator[asyncpg.Connection]:
        """``Pool.acquire``: a connection for a few statements or a transaction.

        The block inside must hold only database work: any connection-kind error raised in
        it is taken for an outage.
        """
        try:
            async with self.pool.acquire() as conn:
                yield conn
        except Exception as exc:
            if outage := self.unavailable(exc):
                raise outage from exc
            raise
        self.outage.succeeded()

    async def close(self) -> None:
        """Close every connection."""
        await self.pool.close()
