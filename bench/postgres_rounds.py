"""PostgreSQL for several replicas: who is due, concurrent claims, a lesson round on two.

    python bench/postgres_rounds.py [--subscribers 1000000] [--round 3000]

A throwaway PostgreSQL cluster (Debian's server, as in the tests) and SQLite beside it:
1. "Who is due now" among N subscribers: the first page (500) and paging through all due.
2. Four concurrent claimers (separate connection pools, as four replicas would have) claim
   10,000 due subscribers: claims granted must equal 10,000 with 0 duplicates.
3. A lesson round for 3,000 subscribers with two ``main.py push --now`` processes started at
   once on one PostgreSQL, through a fake Bot API answering after 100 ms and allowing 30
   messages/s (429 beyond): messages per second in total, missed, doubled, 429s.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import ROOT

from db.postgres import PostgresStore
from db.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.postgres_server import create_database, postgres_cluster

TODAY = date(2026, 11, 26)
TOKEN = "626262:pg-bench"


async def fill(store: object, count: int) -> None:
    batch = 50_000
    for start in range(1, count + 1, batch):
        rows = [(i, (i * 7) % 24) for i in range(start, min(start + batch, count + 1))]
        await store.add_subscribers(rows)  # type: ignore[attr-defined]


async def due_times(store: object) -> tuple[float, float, int]:
    """(first page ms, all pages ms, due count): medians of 3."""
    first, full, found = [], [], 0
    for _ in range(3):
        started = time.perf_counter()
        page = await store.due_subscribers(TODAY, 9, 500)  # type: ignore[attr-defined]
        first.append((time.perf_counter() - started) * 1000)
        found, after = len(page), page[-1].user_id if page else 0
        while batch := await store.due_subscribers(TODAY, 9, 500, after=after):  # type: ignore[attr-defined]
            found += len(batch)
            after = batch[-1].user_id
        full.append((time.perf_counter() - started) * 1000)
    return statistics.median(first), statistics.median(full), found


async def claims(url: str) -> tuple[int, int, float]:
    """Four stores claim 10,000 due subscribers at once: (granted, duplicates, seconds)."""
    setup = await PostgresStore.open(url)
    await setup.add_subscribers([(2_000_000 + i, 0) for i in range(10_000)])
    claimers = [await PostgresStore.open(url, pool_size=4) for _ in range(4)]
    ids = [2_000_000 + i for i in range(10_000)]
    for number, store in enumerate(claimers):
        await store.start_round(f"r{number}", time.time())
    started = time.perf_counter()

    async def claim_all(number: int, store: PostgresStore) -> list[int]:
        order = ids if number % 2 == 0 else list(reversed(ids))
        return [u for u in order if await store.claim(u, f"r{number}", TODAY, 0.0)]

    won = await asyncio.gather(*(claim_all(n, s) for n, s in enumerate(claimers)))
    seconds = time.perf_counter() - started
    everyone = [u for part in won for u in part]
    for store in (*claimers, setup):
        await store.close()
    return len(everyone), len(everyone) - len(set(everyone)), seconds


async def split_round(url: str, subscribers: int) -> dict[str, float]:
    store = await PostgresStore.open(url)
    await store.add_subscribers([(3_000_000 + i, 0) for i in range(subscribers)])
    await store.close()
    async with FakeTelegram(token=TOKEN, latency=0.1, global_rate=30) as tg:
        env = {
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": url,
            "LOG_LEVEL": "WARNING",
        }
        started = time.monotonic()
        procs = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "main.py",
                "push",
                "--now",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            for _ in range(2)
        ]
        outputs = [await p.communicate() for p in procs]
        elapsed = time.monotonic() - started
        for proc, (_, err) in zip(procs, outputs, strict=True):
            if proc.returncode != 0:
                raise RuntimeError(err.decode()[-2000:])
    sends = sorted(c.time for c in tg.calls if c.method == "sendMessage" and c.status == 200)
    chats = [
        c.params["chat_id"] for c in tg.calls if c.method == "sendMessage" and c.status == 200
    ]
    return {
        "sent": len(chats),
        "missed": subscribers - len(set(chats)),
        "doubled": len(chats) - len(set(chats)),
        "rate": (len(sends) - 1) / max(sends[-1] - sends[0], 1e-9) if sends else 0.0,
        "too_many": tg.too_many_requests,
        "elapsed": elapsed,
        "leaders": sum(b'"sent"' in out for out, _ in outputs),
    }


async def main_async(subscribers: int, round_size: int) -> None:
    with postgres_cluster() as (server, _bin), tempfile.TemporaryDirectory() as tmp:
        sqlite = await Store.open(Path(tmp) / "due.sqlite3")
        pg = await PostgresStore.open(create_database(server, "due"))
        print(f"1. who is due at 09:00 among {subscribers:,} subscribers (median of 3)")
        for label, store in (("SQLite", sqlite), ("PostgreSQL", pg)):
            await fill(store, subscribers)
            first, full, found = await due_times(store)
            print(
                f"   {label:<11} first page {first:7.1f} ms   all {found:,} due, paged: "
                f"{full:8.1f} ms"
            )
            await store.close()
        granted, doubled, seconds = await claims(create_database(server, "claims"))
        print(
            f"2. four concurrent claimers, 10,000 due: {granted:,} claims granted, "
            f"{doubled} duplicates, {seconds:.1f} s"
        )
        r = await split_round(create_database(server, "round"), round_size)
        print(
            f"3. lesson round, {round_size:,} subscribers, two push processes at once on one "
            f"PostgreSQL: {r['sent']:.0f} sent, {r['rate']:.1f} msg/s in total, missed "
            f"{r['missed']:.0f}, doubled {r['doubled']:.0f}, 429s {r['too_many']:.0f}, "
            f"{r['leaders']:.0f} process led the round (the other found it taken), "
            f"{r['elapsed']:.0f} s"
        )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--round", type=int, default=3000)
    args = parser.parse_args()
    asyncio.run(main_async(args.subscribers, args.round))


if __name__ == "__main__":
    main()
