"""PostgreSQL goes away under a running ``python main.py serve`` and comes back.

A real server process gets Telegram's updates from the fake Bot API (long polling, or its
webhook, which the fake retries after a 503) and Messenger events posted as Meta does; a
lesson round is running; then the throwaway cluster is stopped with ``pg_ctl stop -m fast``
(a restart or fail-over of the database) and started again on the same port. Users write
while it is away. The process must stay up, say so in a few log lines (one per kind of
failure, not one per query), answer 503 on ``/healthz`` while the database is away and 200
after, answer every update sent meanwhile once it is back (Telegram keeps what was not
acknowledged; a Messenger webhook answered 500 is delivered again, as Meta does), answer
nothing twice, and finish the interrupted round with exactly one lesson per subscriber.

The outage lasts ``DB_OUTAGE_SECONDS`` (default 6: every retry path is already crossed by
then; the README's figures come from a run with 20).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from db.postgres import PostgresStore
from faq import texts
from tests.fakes.graph_api import FakeGraph
from tests.fakes.telegram_api import FakeTelegram
from tests.messenger.conftest import SECRET, VERIFY, page_body, sign
from tests.postgres_server import (
    PASSWORD,
    Cluster,
    create_database,
)
from tests.web.test_replicas import lessons
from tests.web.test_serve import ROOT, free_port, wait_http

OUTAGE_SECONDS = float(os.environ.get("DB_OUTAGE_SECONDS", "6"))
SUBSCRIBERS = [9_000 + i for i in range(120)]
WRITERS = [8_000 + i for i in range(8)]  # users who write while the database is away
REFERENCE = 8_500  # asks the same question while the database is up
QUESTION = "আউটসোর্সিং কী?"
FOLLOW_UP = "কীভাবে শুরু করব?"
PSIDS = [f"27000000000000{i:02d}" for i in range(4)]  # Messenger users writing while away
PSID_REFERENCE = "2700000000000099"
PSID_IN_FLIGHT = "2700000000000098"  # writes just before the database goes


async def post_event(url: str, psid: str, mid: str, text: str) -> int:
    """POST one signed Messenger event as Meta does; return the status."""
    body = page_body(psid, {"message": {"mid": mid, "text": text}})
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": sign(body)}
    async with httpx.AsyncClient(timeout=10) as client:
        return (await client.post(f"{url}/messenger", content=body, headers=headers)).status_code


async def health(url: str) -> int:
    async with httpx.AsyncClient(timeout=5) as client:
        return (await client.get(url)).status_code


async def wait_health(url: str, status: int, timeout: float) -> float:
    """Poll ``url`` every 0.1 s until it answers ``status``; return how long that took."""
    started = time.monotonic()
    while (code := await health(url)) != status:
        assert time.monotonic() - started < timeout, f"/healthz stayed {code}"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


def replies(tg: FakeTelegram, chat: int) -> list[str]:
    return [m["text"] for m in tg.sent(chat)]


@pytest.mark.parametrize("telegram", ["polling", "webhook"])
async def test_database_away_and_back_loses_and_doubles_nothing(
    cluster: Cluster, tmp_path: Path, telegram: str
) -> None:
    url = create_database(cluster.url, "bot")
    store = await PostgresStore.open(url)
    await store.add_subscribers([(u, 0) for u in SUBSCRIBERS])  # hour 0: due all day
    await store.close()
    port = free_port()
    health_url = f"http://127.0.0.1:{port}/healthz"
    log_path = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    webhook = (
        {"WEBHOOK_BASE_URL": base, "TELEGRAM_WEBHOOK_SECRET": "outage-test-secret-0123456789"}
        if telegram == "webhook"
        else {}
    )
    async with FakeTelegram(latency=0.05, global_rate=30) as tg, FakeGraph(latency=0.3) as graph:
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "main.py",
                "serve",
                cwd=ROOT,
                env={
                    **os.environ,
                    "LOG_LEVEL": "WARNING",
                    "TELEGRAM_BOT_TOKEN": tg.token,
                    "TELEGRAM_BASE_URL": tg.base_url,
                    "DATABASE_URL": url,
                    "DATABASE_POOL_SIZE": "4",
                    "HOST": "127.0.0.1",
                    "PORT": str(port),
                    "PUSH_CONCURRENCY": "4",
                    "MESSENGER_PAGE_ACCESS_TOKEN": graph.token,
                    "MESSENGER_APP_SECRET": SECRET,
                    "MESSENGER_VERIFY_TOKEN": VERIFY,
                    "MESSENGER_GRAPH_URL": graph.base_url,
                    **webhook,
                },
                stdout=log,
                stderr=log,
            )
        try:
            assert (await wait_http(health_url)).status_code == 200
            tg.message(REFERENCE, QUESTION)
            for psid in [PSID_REFERENCE, PSID_IN_FLIGHT, *PSIDS]:
                graph.user_wrote(psid)
            assert await post_event(base, PSID_REFERENCE, "m_ref", QUESTION) == 200
            await tg.wait_for(lambda t: len(lessons(t)) >= 20, timeout=30)
            await tg.wait_for(lambda t: len(t.sent(REFERENCE)) >= 1, timeout=10)
            await graph.wait_for(lambda g: len(g.texts(PSID_REFERENCE)) >= 1, timeout=10)
            await asyncio.sleep(1.5)  # the references' whole answers, nothing in flight
            per_question = len(replies(tg, REFERENCE))
            per_event = len(graph.texts(PSID_REFERENCE))

            # stored and being answered (the Graph API is slow) when the database goes
            assert await post_event(base, PSID_IN_FLIGHT, "m_flight", QUESTION) == 200
            await asyncio.sleep(0.1)
            lessons_when_stopped = len(lessons(tg))
            cluster.stop("fast")  # mid-round: lessons are being sent
            away_at = time.monotonic()
            assert lessons_when_stopped < len(SUBSCRIBERS)
            assert await wait_health(health_url, 503, timeout=5) < 5
            for user in WRITERS:
                tg.message(user, QUESTION)
                tg.message(user, FOLLOW_UP)
            for i, psid in enumerate(PSIDS):  # not stored: 500, and Meta delivers again later
                assert await post_event(base, psid, f"m_away_{i}", QUESTION) == 500
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - away_at)))
            assert proc.returncode is None, "serve exited while the database was away"
            assert await health(health_url) == 503
            assert all(replies(tg, user) == [] for user in WRITERS)  # nothing without the db
            # the round stopped with the database: only lessons already claimed went out
            # (PUSH_CONCURRENCY in flight and one waiting for a slot)
            assert len(lessons(tg)) - lessons_when_stopped <= 4 + 1

            cluster.start()
            back_at = time.monotonic()
            healthy_after = await wait_health(health_url, 200, timeout=30)
            for i, psid in enumerate(PSIDS):  # Meta's redelivery
                assert await post_event(base, psid, f"m_away_{i}", QUESTION) == 200
            await tg.wait_for(
                lambda t: all(len(t.sent(u)) >= 2 * per_question for u in WRITERS), timeout=40
            )
            await graph.wait_for(
                lambda g: all(len(g.texts(p)) >= per_event for p in [*PSIDS, PSID_IN_FLIGHT]),
                timeout=40,
            )
            backlog_after = time.monotonic() - back_at
            await tg.wait_for(lambda t: set(lessons(t)) == set(SUBSCRIBERS), timeout=60)
            round_after = time.monotonic() - back_at
            await asyncio.sleep(2.0)  # anything sent twice would show by now
            assert proc.returncode is None
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                await asyncio.wait_for(proc.wait(), 20)
            print(log_path.read_text(errors="replace")[-6000:])
    log_text = log_path.read_text(errors="replace")
    print(
        f"\n{telegram}, outage {OUTAGE_SECONDS:.0f}s: /healthz 200 {healthy_after:.1f}s"
        f" after the database came back; backlog answered after {backlog_after:.1f}s;"
        f" round finished after {round_after:.1f}s"
    )
    assert proc.returncode == 0, log_text

    chats = lessons(tg)
    assert sorted(chats) == sorted(SUBSCRIBERS)  # every subscriber exactly one lesson
    for user in WRITERS:  # every update answered once, in order, none with the error text
        answer = replies(tg, user)
        assert len(answer) == 2 * per_question, (user, answer)
        assert answer[:per_question] == replies(tg, REFERENCE)
    assert not any(texts.ERROR in m["text"] for m in tg.sent())
    for psid in [*PSIDS, PSID_IN_FLIGHT]:  # each Messenger event answered exactly once
        assert graph.texts(psid) == graph.texts(PSID_REFERENCE), psid
    assert graph.rejected == []
    store = await PostgresStore.open(url)
    try:
        today = datetime.now(ZoneInfo("Asia/Dhaka")).date()
        assert await store.count_deliveries_on(today) == len(SUBSCRIBERS)
    finally:
        await store.close()

    # a few clear lines: the database went away (once per kind of failure) and came back
    assert "Traceback" not in log_text, log_text
    assert PASSWORD not in log_text
    lines = [line for line in log_text.splitlines() if line.strip()]
    away = [line for line in lines if "database unreachable" in line]
    back = [line for line in lines if "database reachable again" in line]
    assert 1 <= len(away) <= 4, log_text
    assert len(back) == 1, log_text
    assert len(lines) <= 12, log_text  # no flood: a line per failure kind, not per query


async def test_an_update_stored_before_the_outage_is_answered_after_it(cluster: Cluster) -> None:
    """Stored while the database was up, handled while it was away: no apology, the answer
    once it is back. The first update's reply is slow to send (the fake's 1 s latency), so
    the chat's second update is stored and waits behind it when the database goes."""
    from bot.telegram_bot import TelegramRuntime
    from tests.telegram.conftest import settings_for

    url = create_database(cluster.url, "bot")
    user = 8_900
    async with FakeTelegram(latency=1.0) as tg:
        runtime = await TelegramRuntime.open(settings_for(tg, url), schedule=False)
        assert await runtime.start(poll_timeout=1)
        store = runtime.services.store
        try:
            tg.message(user, "/help")
            tg.message(user, "/help")
            for _ in range(100):  # both stored, neither answered yet
                if len(await store.inbox_pending("telegram")) == 2:
                    break
                await asyncio.sleep(0.05)
            assert len(await store.inbox_pending("telegram")) == 2
            cluster.stop("fast")
            await tg.wait_for(lambda t: len(t.sent(user)) >= 1, timeout=10)
            await asyncio.sleep(3.0)  # the second one has met the outage by now
            assert len(tg.sent(user)) == 1
            cluster.start()
            await tg.wait_for(lambda t: len(t.sent(user)) >= 2, timeout=20)
            await asyncio.sleep(2.0)
        finally:
            await runtime.stop()
    answers = [m["text"] for m in tg.sent(user)]
    assert len(answers) == 2 and answers[0] == answers[1], answers
    assert texts.ERROR not in answers


REPLICA_SUBSCRIBERS = [11_000 + i for i in range(200)]


async def test_two_replicas_through_an_outage_miss_nobody(cluster: Cluster) -> None:
    """Two ``serve`` replicas, the round's leader cut off mid-round by the outage: after it,
    either may lead; nobody is missed, and a lesson sent but not yet recorded when the database
    went goes out twice at most for those in flight (as after a SIGKILL)."""
    url = create_database(cluster.url, "bot")
    store = await PostgresStore.open(url)
    await store.add_subscribers([(u, 0) for u in REPLICA_SUBSCRIBERS])
    await store.close()
    async with FakeTelegram(latency=0.1, global_rate=30) as tg:
        env = {
            **os.environ,
            "LOG_LEVEL": os.environ.get("DEBUG_LOG_LEVEL", "WARNING"),
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": url,
            "HOST": "127.0.0.1",
            "PUSH_CONCURRENCY": "4",
        }
        ports = [free_port(), free_port()]
        procs = []
        for port in ports:
            procs.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "main.py",
                    "serve",
                    cwd=ROOT,
                    env={**env, "PORT": str(port)},
                    stdout=asyncio.subprocess.DEVNULL,
                    stderr=asyncio.subprocess.PIPE,
                )
            )
            await wait_http(f"http://127.0.0.1:{port}/healthz")
        try:
            await tg.wait_for(lambda t: len(lessons(t)) >= 30, timeout=30)
            cluster.stop("fast")
            await asyncio.sleep(OUTAGE_SECONDS)
            assert all(p.returncode is None for p in procs)
            cluster.start()
            await tg.wait_for(lambda t: set(lessons(t)) == set(REPLICA_SUBSCRIBERS), timeout=60)
            await asyncio.sleep(3.0)
            assert all(p.returncode is None for p in procs)
        finally:
            errs = []
            for proc in procs:
                if proc.returncode is None:
                    proc.send_signal(signal.SIGTERM)
                _out, err = await asyncio.wait_for(proc.communicate(), 20)
                errs.append(err.decode(errors="replace"))
    assert all(p.returncode == 0 for p in procs), errs
    chats = lessons(tg)
    assert set(chats) == set(REPLICA_SUBSCRIBERS)  # nobody missed
    assert len(chats) - len(set(chats)) <= 4 + 1, sorted(chats)  # in flight when it went
    assert tg.too_many_requests == 0
    store = await PostgresStore.open(url)
    try:
        today = datetime.now(ZoneInfo("Asia/Dhaka")).date()
        assert await store.count_deliveries_on(today) == len(REPLICA_SUBSCRIBERS)
    finally:
        await store.close()
    for err in errs:
        assert "Traceback" not in err, err
        assert len([line for line in err.splitlines() if line.strip()]) <= 8, err
    print(f"\ntwo replicas, outage {OUTAGE_SECONDS:.0f}s: {len(chats) - len(set(chats))} doubled")
