"""How the PostgreSQL store tells an outage from a bad query, and how it reports one."""

from __future__ import annotations

import logging
import socket

import asyncpg
import pytest

from db.pg_pool import OutageLog, describe_failure, is_unavailable


@pytest.mark.parametrize(
    "exc",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(104, "Connection reset by peer"),
        TimeoutError(),
        socket.gaierror(-2, "Name or service not known"),
        asyncpg.CannotConnectNowError("the database system is starting up"),
        asyncpg.AdminShutdownError("terminating connection due to administrator command"),
        asyncpg.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
        asyncpg.TooManyConnectionsError("sorry, too many clients already"),
        asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed"),
    ],
)
def test_these_mean_the_server_cannot_be_reached(exc: BaseException) -> None:
    assert is_unavailable(exc)


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.InvalidPasswordError('password authentication failed for user "bot"'),
        asyncpg.InvalidCatalogNameError('database "nope" does not exist'),
        asyncpg.UniqueViolationError("duplicate key value violates unique constraint"),
        asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
        ValueError("not a database problem"),
    ],
)
def test_these_are_not_an_outage(exc: BaseException) -> None:
    assert not is_unavailable(exc)


def test_a_failure_is_described_in_a_few_words() -> None:
    assert describe_failure(ConnectionRefusedError(111, "x")) == "connection refused"
    assert describe_failure(TimeoutError()) == "no answer in time"
    assert describe_failure(socket.gaierror(-2, "Name or service not known")).startswith(
        "host name not found"
    )
    shutting = asyncpg.CannotConnectNowError("the database system is shutting down")
    assert describe_failure(shutting) == "the database system is shutting down"


def test_an_outage_is_logged_once_per_kind_and_once_when_over(
    caplog: pytest.LogCaptureFixture,
) -> None:
    log = OutageLog("postgresql://bot:***@db:5432/bot")
    with caplog.at_level(logging.INFO, logger="db.postgres"):
        log.succeeded()  # nothing to say while all is well
        for _ in range(50):
            log.failed(ConnectionRefusedError(111, "Connection refused"))
        log.failed(asyncpg.CannotConnectNowError("the database system is starting up"))
        log.failed(ConnectionRefusedError(111, "Connection refused"))
        assert log.away
        for _ in range(5):
            log.succeeded()
        log.failed(ConnectionRefusedError(111, "Connection refused"))  # a second outage
    lines = [r.getMessage() for r in caplog.records if r.name == "db.postgres"]
    assert lines[0].startswith("database unreachable at postgresql://bot:***@db:5432/bot")
    assert "connection refused" in lines[0]
    assert "starting up" in lines[1]
    assert lines[2].startswith("database reachable again at postgresql://bot:***@db:5432/bot")
    assert "connection refused" in lines[3]
    assert len(lines) == 4
