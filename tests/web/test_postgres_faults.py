"""PostgreSQL faults at start and under load, with ``main.py`` as a real process.

A wrong password or a database that does not exist: one redacted ``error:`` line and exit 1,
at once. A server that cannot be reached: one line per attempt for DATABASE_CONNECT_WAIT
seconds, then the same single error line; a server that comes up meanwhile is used. A pool
of one connection under many users at once: they wait their turn, nothing fails.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

import pytest

from db.postgres import PostgresStore
from faq import texts
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres_server import (
    PASSWORD,
    Cluster,
    create_database,
)
from tests.test_startup_errors import closed_port
from tests.web.test_replicas import lessons
from tests.web.test_serve import ROOT, free_port, wait_http


async def run(*args: str, env: dict[str, str], timeout: float = 40.0) -> tuple[int, str, float]:
    """Run main.py to its end; return (exit status, stderr + stdout, seconds)."""
    started = time.monotonic()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MESSENGER_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env={**base, "LOG_LEVEL": "WARNING", **env},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, err.decode() + out.decode(), time.monotonic() - started


def with_password(url: str, password: str) -> str:
    return url.replace(f":{PASSWORD}@", f":{password}@")


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error: ")]


@pytest.mark.parametrize("command", [["migrate"], ["serve"]])
async def test_wrong_password_is_one_redacted_line_and_exit(
    postgres_server: str, command: list[str]
) -> None:
    url = with_password(postgres_server, "not-the-password-42")
    code, output, seconds = await run(
        *command, env={"DATABASE_URL": url, "PORT": str(free_port())}
    )
    assert code == 1
    assert error_lines(output) == [
        f"error: cannot open the database at {with_password(postgres_server, '***')}: "
        'password authentication failed for user "postgres"'
    ], output
    assert "not-the-password-42" not in output
    assert "Traceback" not in output and "trying again" not in output
    assert seconds < 15  # not retried: waiting cannot fix a password


async def test_missing_database_is_one_line_and_exit(postgres_server: str) -> None:
    url = postgres_server.rsplit("/", 1)[0] + "/no_such_db"
    code, output, seconds = await run("migrate", env={"DATABASE_URL": url})
    assert code == 1
    assert error_lines(output) == [
        f"error: cannot open the database at {with_password(url, '***')}: "
        'database "no_such_db" does not exist'
    ], output
    assert PASSWORD not in output and "Traceback" not in output
    assert seconds < 15


async def test_unreachable_server_is_retried_then_one_line_and_exit() -> None:
    url = f"postgresql://bot:{PASSWORD}@127.0.0.1:{closed_port()}/bot"
    code, output, seconds = await run(
        "migrate", env={"DATABASE_URL": url, "DATABASE_CONNECT_WAIT": "4"}
    )
    assert code == 1
    attempts = [line for line in output.splitlines() if "database not reachable" in line]
    assert 2 <= len(attempts) <= 4, output  # after 1 s, 2 s, then the 4 s are over
    errors = error_lines(output)
    assert len(errors) == 1 and errors[0].startswith("error: cannot open the database at"), output
    assert errors[0].endswith(": connection refused"), output
    assert PASSWORD not in output and "Traceback" not in output
    assert 3.5 < seconds < 15


def serve_env(tg: FakeTelegram, url: str, port: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "LOG_LEVEL": "WARNING",
        "TELEGRAM_BOT_TOKEN": tg.token,
        "TELEGRAM_BASE_URL": tg.base_url,
        "DATABASE_URL": url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        **extra,
    }


async def stop(proc: asyncio.subprocess.Process) -> str:
    if proc.returncode is None:
        proc.send_signal(signal.SIGTERM)
    _out, err = await asyncio.wait_for(proc.communicate(), 20)
    return err.decode()


async def test_serve_waits_for_a_server_that_comes_up_late(cluster: Cluster) -> None:
    url = create_database(cluster.url, "bot")
    cluster.stop()
    port = free_port()
    async with FakeTelegram() as tg:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            "serve",
            cwd=ROOT,
            env=serve_env(tg, url, port, DATABASE_CONNECT_WAIT="60"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await asyncio.sleep(2.5)
            assert proc.returncode is None  # still waiting, not crashed
            cluster.start()
            assert (await wait_http(f"http://127.0.0.1:{port}/healthz", 20)).status_code == 200
            tg.message(4100, "/start")
            await tg.wait_for(lambda t: len(t.sent(4100)) >= 1, timeout=10)
        finally:
            err = await stop(proc)
    assert proc.returncode == 0, err
    attempts = [line for line in err.splitlines() if "database not reachable" in line]
    assert 1 <= len(attempts) <= 3, err
    assert "Traceback" not in err and PASSWORD not in err


SUBSCRIBERS = [6_000 + i for i in range(40)]
USERS = [5_000 + i for i in range(30)]
REFERENCE = 5_500
QUESTION = "আউটসোর্সিং কী?"


async def test_a_pool_of_one_connection_makes_users_wait_not_fail(postgres_url: str) -> None:
    store = await PostgresStore.open(postgres_url)
    await store.add_subscribers([(u, 0) for u in SUBSCRIBERS])  # a round runs meanwhile
    await store.close()
    port = free_port()
    async with FakeTelegram(latency=0.02) as tg:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            "serve",
            cwd=ROOT,
            env=serve_env(tg, postgres_url, port, DATABASE_POOL_SIZE="1", PUSH_CONCURRENCY="8"),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            await wait_http(f"http://127.0.0.1:{port}/healthz", 20)
            tg.message(REFERENCE, QUESTION)
            await tg.wait_for(lambda t: len(t.sent(REFERENCE)) >= 1, timeout=20)
            await asyncio.sleep(0.5)
            per_question = len(tg.sent(REFERENCE))
            for user in USERS:  # all at once: 30 chats compete for one connection
                tg.message(user, QUESTION)
            await tg.wait_for(
                lambda t: (
                    all(len(t.sent(u)) >= per_question for u in USERS)
                    and set(lessons(t)) == set(SUBSCRIBERS)
                ),
                timeout=60,
            )
            await asyncio.sleep(1.0)
        finally:
            err = await stop(proc)
    assert proc.returncode == 0, err
    assert not any(texts.ERROR in m["text"] for m in tg.sent()), err
    assert sorted(lessons(tg)) == sorted(SUBSCRIBERS)
    assert all(len(tg.sent(u)) == per_question for u in USERS)
    assert "Traceback" not in err and " ERROR " not in err, err
