"""One bot, several replicas: Telegram webhook load on one PostgreSQL, one replica vs two.

    python bench/telegram_replicas.py [--users 20000] [--rate 200] [--seconds 8] [--concurrency 8]

A throwaway PostgreSQL cluster, the fake Bot API (100 ms per call, one message a second per
chat enforced) and, in front of the replicas, a small TCP round-robin balancer: Telegram's
webhook connections (the fake opens up to 40) are spread over the replicas as a load
balancer would spread them. Each replica is ``python main.py serve`` in webhook mode on the
same database. The same load is offered to one replica, then to two (a fresh database each
time); every update is counted once in the fake's replies, so "handled" also checks that no
update was answered twice or lost across replicas.

Each replica takes ``--concurrency`` updates at once (``BOT_CONCURRENCY``). The default (8)
makes one replica latency-bound (8 updates in flight at 100 ms per call is at most 80 a
second) on this 2-core machine, where two CPU-bound replicas plus PostgreSQL, the fake and
the balancer only compete for the same two cores (measured: with 32 at once, one replica
195 updates/s, two 177): the run shows that replicas add capacity (the shared inbox, dedupe
and locks in the database cost no serialisation), not this machine's limit.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import random
import statistics
import subprocess
import sys
import time

import httpx
from common import HELDOUT, ROOT, SHARED_SAMPLE, free_port, load_tsv

from tests.fakes.telegram_api import FakeTelegram
from tests.postgres_server import create_database, postgres_cluster

TOKEN = "727272:replicas-bench"
SECRET = "replicas-bench-secret-0123456789"


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def balancer(port: int, backends: list[int]) -> asyncio.Server:
    """Accept on ``port``; each connection goes to the next backend in turn."""
    turn = itertools.cycle(backends)

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", next(turn))
        except OSError:
            writer.close()
            return
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))

    return await asyncio.start_server(accept, "127.0.0.1", port)


async def run(
    replicas: int, database_url: str, users: int, rate: float, seconds: float, concurrency: int
) -> dict[str, float]:
    questions = [q for p in (SHARED_SAMPLE, HELDOUT) if p.exists() for q, _ in load_tsv(p)]
    rng = random.Random(1)
    front = free_port()
    ports = [free_port() for _ in range(replicas)]
    async with FakeTelegram(token=TOKEN, latency=0.1, per_chat_rate=1) as tg:
        server = await balancer(front, ports)
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": database_url,
            "BOT_CONCURRENCY": str(concurrency),
            "TELEGRAM_SEND_RATE": "1000",
            "WEBHOOK_BASE_URL": f"http://127.0.0.1:{front}",
            "TELEGRAM_WEBHOOK_SECRET": SECRET,
            # Telegram's most: with 40, the webhook's own pace (each connection waits for
            # its answer) capped both runs at about the same rate
            "WEBHOOK_MAX_CONNECTIONS": "100",
            "HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
        }
        subprocess.run([sys.executable, "main.py", "migrate"], cwd=ROOT, env=env, check=True)
        bots = [
            subprocess.Popen(
                [sys.executable, "main.py", "serve"], cwd=ROOT, env={**env, "PORT": str(port)}
            )
            for port in ports
        ]
        try:
            async with httpx.AsyncClient() as client:
                for port in ports:
                    for _ in range(300):
                        with contextlib.suppress(httpx.TransportError):
                            got = await client.get(f"http://127.0.0.1:{port}/healthz")
                            if got.status_code == 200:
                                break
                        await asyncio.sleep(0.1)
            await tg.wait_for(lambda t: t.webhook is not None, timeout=30)
            await asyncio.sleep(0.5)
            pushed: dict[int, list[float]] = {}
            total = int(rate * seconds)
            start = time.monotonic()
            for i in range(total):
                delay = start + i / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                user = 10_000 + rng.randrange(users)
                pushed.setdefault(user, []).append(time.monotonic())
                tg.message(user, rng.choice(questions))
            with contextlib.suppress(TimeoutError):
                await tg.wait_for(lambda t: len(t.sent()) >= total, timeout=60)
            await asyncio.sleep(1.0)  # a doubled reply would show up now
        finally:
            for bot in bots:
                bot.kill()
            for bot in bots:
                await asyncio.to_thread(bot.wait, 30)
            server.close()
    replies: dict[int, list[float]] = {}
    for call in tg.calls:
        if call.method == "sendMessage" and call.status == 200:
            replies.setdefault(int(call.params["chat_id"]), []).append(call.time)
    latencies = []
    for user, times in pushed.items():
        latencies += [(r - p) * 1000 for p, r in zip(times, replies.get(user, []), strict=False)]
    latencies.sort()
    sent = sum(len(v) for v in replies.values())
    last = max((t for v in replies.values() for t in v), default=start)
    return {
        "offered": total,
        "handled": len(latencies),
        "replies": sent,
        "throughput": len(latencies) / max(last - start, 1e-9),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan"),
        "too_many": tg.too_many_requests,
    }


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    print(
        f"{args.users} users, {args.rate:.0f} updates/s offered for {args.seconds:.0f} s through "
        f"the webhook, fake Bot API answering after 100 ms, BOT_CONCURRENCY={args.concurrency}"
    )
    with postgres_cluster() as (server, _):
        results = {}
        for replicas in (1, 2):
            url = create_database(server, f"replicas_{replicas}")
            r = asyncio.run(
                run(replicas, url, args.users, args.rate, args.seconds, args.concurrency)
            )
            results[replicas] = r
            print(
                f"{replicas} replica(s): handled {r['handled']}/{r['offered']} "
                f"(replies sent {r['replies']})  throughput {r['throughput']:.0f} updates/s  "
                f"latency p50 {r['p50']:.0f} ms p95 {r['p95']:.0f} ms  429s {r['too_many']}"
            )
        print(f"two replicas / one: {results[2]['throughput'] / results[1]['throughput']:.2f}×")


if __name__ == "__main__":
    main()
