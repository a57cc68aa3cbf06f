"""Daily-lesson delivery: push rate against a rate-limited fake Bot API, and due queries.

    python bench/push_load.py [--subscribers 3000]

1. ``python main.py push --now`` (the deployment path, its own process) sends the lesson to
   N due subscribers through a fake Bot API that answers every call after 100 ms and allows
   30 messages per second (429 with retry_after beyond). Reported: messages per second,
   429s, subscribers missed or sent twice, peak memory of the push process. Baseline in the
   same run: the same round with one message in flight (PUSH_CONCURRENCY=1), on fewer
   subscribers.
2. Finding who is due among 100,000 subscribers (median of 5), beside a baseline that adds
   the (active, hour, last_sent_on) index the first schema had.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from common import ROOT, peak_rss_mb

from db.store import Store
from tests.fakes.telegram_api import FakeTelegram

TOKEN = "515151:push-bench"


async def _peak_rss(pid: int, stop: asyncio.Event) -> float:
    """Sample the process's peak memory until it exits (the last reading is the peak)."""
    peak = 0.0
    while not stop.is_set():
        peak = max(peak, peak_rss_mb(pid))
        await asyncio.sleep(0.2)
    return peak


async def push_round(subscribers: int, concurrency: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "push.sqlite3"
        store = await Store.open(db)
        await store.add_subscribers([(100_000 + i, 9) for i in range(subscribers)])
        await store.close()
        async with FakeTelegram(token=TOKEN, latency=0.1, global_rate=30) as tg:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": tg.base_url,
                "DATABASE_URL": f"sqlite:///{db}",
                "LOG_LEVEL": "WARNING",
                "PUSH_CONCURRENCY": str(concurrency),
            }
            start = time.monotonic()
            proc = await asyncio.create_subprocess_exec(
                sys.executable,
                "main.py",
                "push",
                "--now",
                cwd=ROOT,
                env=env,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
            )
            stop = asyncio.Event()
            sampler = asyncio.create_task(_peak_rss(proc.pid, stop))
            _, err = await proc.communicate()
            stop.set()
            peak = await sampler
            elapsed = time.monotonic() - start
            if proc.returncode != 0:
                raise RuntimeError(err.decode()[-2000:])
        sends = [c for c in tg.calls if c.method == "sendMessage" and c.status == 200]
        chats = [int(c.params["chat_id"]) for c in sends]
        first, last = min(c.time for c in sends), max(c.time for c in sends)
    return {
        "sent": len(chats),
        "unique": len(set(chats)),
        "missed": subscribers - len(set(chats)),
        "doubled": len(chats) - len(set(chats)),
        "rate": (len(chats) - 1) / (last - first),
        "too_many": tg.too_many_requests,
        "elapsed": elapsed,
        "peak_mb": peak,
    }


def due_query_ms(count: int, with_index: bool) -> float:
    """Median time to list every subscriber due at 09:00 among ``count`` (5 runs)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "due.sqlite3"

        async def fill() -> None:
            store = await Store.open(db)
            rng = random.Random(3)
            await store.add_subscribers([(i, rng.randrange(24)) for i in range(1, count + 1)])
            await store.close()

        asyncio.run(fill())
        today = date(2026, 11, 26)
        with sqlite3.connect(db) as conn:  # a third of the 09:00-and-earlier ones got theirs
            conn.execute(
                "UPDATE subscriptions SET last_sent_on = ? WHERE user_id % 3 = 0",
                (today.isoformat(),),
            )
            if with_index:  # what migration 0003 removed, for comparison
                conn.execute(
                    "CREATE INDEX subscriptions_due ON subscriptions(active, hour, last_sent_on)"
                )

        async def measure() -> list[float]:
            store = await Store.open(db)
            runs = []
            for _ in range(5):
                started = time.perf_counter()
                after, found = 0, 0
                while batch := await store.due_subscribers(today, 9, 500, after=after):
                    found += len(batch)
                    after = batch[-1].user_id
                runs.append((time.perf_counter() - started) * 1000)
            await store.close()
            print(f"    ({found} due of {count})")
            return runs

        return statistics.median(asyncio.run(measure()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--subscribers", type=int, default=3000)
    parser.add_argument("--baseline-subscribers", type=int, default=300)
    parser.add_argument("--due", type=int, default=100_000)
    args = parser.parse_args()
    print(
        f"push --now to {args.subscribers} subscribers; fake Bot API: 100 ms per call, "
        "30 messages/s, 429 beyond"
    )
    for label, n, conc in (
        ("push (4 in flight)", args.subscribers, 4),
        ("baseline (1 in flight)", args.baseline_subscribers, 1),
    ):
        r = asyncio.run(push_round(n, conc))
        print(
            f"{label:<24} {r['sent']} sent to {r['unique']}/{n}  missed {r['missed']}  "
            f"doubled {r['doubled']}  {r['rate']:.1f} msg/s  429s {r['too_many']}  "
            f"round {r['elapsed']:.1f} s  peak RSS {r['peak_mb']:.0f} MB"
        )
    print(f"finding who is due among {args.due} subscribers (all pages of 500):")
    ours = due_query_ms(args.due, False)
    indexed = due_query_ms(args.due, True)
    print(
        f"    primary-key walk (shipped) {ours:.1f} ms   baseline with the (active, hour, "
        f"last_sent_on) index {indexed:.1f} ms (median of 5)"
    )


if __name__ == "__main__":
    main()
