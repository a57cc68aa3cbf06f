"""The Telegram bot under a flooding user, a 429 burst and SIGKILLs (issue 7 #4, #5, #6).

    python bench/telegram_faults.py [--only flood|burst|kill]

The bot runs as its own process (``python main.py``, long polling) against the fake Bot API
in this process, with its default settings unless a line says otherwise.

* flood: 30 users each write every 2 s (15 updates/s) for 8 s, API answering after 100 ms;
  others' reply latency p50/p95 without and with one user sending 40 messages at once.
* burst: 150 users send /start at once (300 messages to send), the fake allows 30 messages
  per second (429 with retry_after beyond): users answered, messages lost, 429s, seconds.
  Baseline, same run: the outgoing limiter opened wide (TELEGRAM_SEND_RATE=1000).
* kill: 60 users send /help, the API answers after 250 ms, 4 updates at once; SIGKILL after
  the fifth reply, restart on the same database, three times: updates lost per kill and
  replies sent twice. "fetched, unanswered at the kill" is what a bot that confirms the
  offset when it fetches (PTB's Updater) would have lost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from common import ROOT

from tests.fakes.telegram_api import FakeTelegram

TOKEN = "424242:bench-token"


async def start_bot(tg: FakeTelegram, db: Path, **env: str) -> asyncio.subprocess.Process:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        cwd=ROOT,
        env={
            **os.environ,
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": f"sqlite:///{db}",
            "LOG_LEVEL": "ERROR",
            **env,
        },
    )
    ready = sum(c.method == "setMyCommands" for c in tg.calls) + 1
    await tg.wait_for(lambda t: sum(c.method == "setMyCommands" for c in t.calls) >= ready, 60)
    await asyncio.sleep(0.3)
    return proc


async def stop_bot(proc: asyncio.subprocess.Process) -> None:
    if proc.returncode is None:
        proc.kill()
    await proc.wait()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[max(int(len(values) * q) - 1, 0)] if values else float("nan")


# -- flood -------------------------------------------------------------------------------------


async def flood_run(with_flooder: bool) -> dict[str, float]:
    others = [20_000 + i for i in range(30)]
    flooder = 29_999
    async with FakeTelegram(token=TOKEN, latency=0.1) as tg:
        with tempfile.TemporaryDirectory() as tmp:
            bot = await start_bot(tg, Path(tmp) / "flood.sqlite3")
            try:
                asked: dict[int, list[float]] = {u: [] for u in others}
                start = time.monotonic()
                for tick in range(16):  # every 0.5 s a quarter of the others write
                    due = start + tick * 0.5
                    await asyncio.sleep(max(due - time.monotonic(), 0))
                    if with_flooder and tick == 2:
                        for i in range(40):
                            tg.message(flooder, f"freelancing ki {i}")
                    for user in others[(tick % 4) :: 4]:
                        asked[user].append(time.monotonic())
                        tg.message(user, "payoneer fee koto")
                total = sum(len(v) for v in asked.values())
                with contextlib.suppress(TimeoutError):
                    await tg.wait_for(lambda t: sum(len(t.sent(u)) for u in others) >= total, 30)
            finally:
                await stop_bot(bot)
    latencies = []
    for user, times in asked.items():
        replies = [
            c.time
            for c in tg.calls
            if c.status == 200 and c.method == "sendMessage" and c.params.get("chat_id") == user
        ]
        latencies += [(r - a) * 1000 for a, r in zip(times, replies, strict=False)]
    return {
        "asked": total,
        "answered": len(latencies),
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": pct(latencies, 0.95),
        "flooder_replies": len(tg.sent(flooder)),
    }


async def flood() -> None:
    print("flood: 30 users writing 15 updates/s for 8 s; API answers after 100 ms")
    for label, with_flooder in (
        ("baseline: nobody floods", False),
        ("one user sends 40 at once", True),
    ):
        r = await flood_run(with_flooder)
        print(
            f"  {label:<28} others answered {r['answered']}/{r['asked']}  "
            f"others' latency p50 {r['p50']:.0f} ms p95 {r['p95']:.0f} ms  "
            f"flooder got {r['flooder_replies']} messages"
        )


# -- burst -------------------------------------------------------------------------------------


async def burst_run(send_rate: str) -> dict[str, float]:
    users = [30_000 + i for i in range(150)]
    async with FakeTelegram(token=TOKEN, latency=0.1, global_rate=30) as tg:
        with tempfile.TemporaryDirectory() as tmp:
            bot = await start_bot(tg, Path(tmp) / "burst.sqlite3", TELEGRAM_SEND_RATE=send_rate)
            try:
                start = time.monotonic()
                for user in users:
                    tg.message(user, "/start")
                with contextlib.suppress(TimeoutError):
                    await tg.wait_for(lambda t: all(len(t.sent(u)) >= 2 for u in users), 120)
                took = time.monotonic() - start
            finally:
                await stop_bot(bot)
    sent = Counter(int(s["chat_id"]) for s in tg.sent())
    return {
        "answered": sum(sent[u] >= 2 for u in users),
        "lost": sum(max(2 - sent[u], 0) for u in users),
        "too_many": tg.too_many_requests,
        "seconds": took,
        "rate": sum(sent.values()) / took,
    }


async def burst() -> None:
    print("burst: 150 users send /start at once (300 messages); the fake allows 30 msg/s")
    for label, rate in (("one limiter, 28 msg/s", "28"), ("baseline: limiter wide open", "1000")):
        r = await burst_run(rate)
        print(
            f"  {label:<28} users answered {r['answered']}/150  messages lost {r['lost']}/300  "
            f"429s {r['too_many']}  all answered after {r['seconds']:.1f} s "
            f"({r['rate']:.1f} msg/s)"
        )


# -- kill --------------------------------------------------------------------------------------


async def kill() -> None:
    print("kill: 60 users send /help; API answers after 250 ms; 4 updates at once; SIGKILL")
    async with FakeTelegram(token=TOKEN, latency=0.25) as tg:
        with tempfile.TemporaryDirectory() as tmp:
            db = Path(tmp) / "kill.sqlite3"
            for round_number in range(3):
                users = [40_000 + round_number * 100 + i for i in range(60)]
                bot = await start_bot(tg, db, BOT_CONCURRENCY="4")
                before = len(tg.sent())
                for user in users:
                    tg.message(user, "/help")
                await tg.wait_for(lambda t, b=before: len(t.sent()) >= b + 5, 30)
                bot.send_signal(signal.SIGKILL)
                await bot.wait()
                at_kill = Counter(int(s["chat_id"]) for s in tg.sent())
                unanswered = sum(1 for u in users if not at_kill[u])
                bot = await start_bot(tg, db, BOT_CONCURRENCY="4")
                with contextlib.suppress(TimeoutError):
                    await tg.wait_for(lambda t, us=users: all(t.sent(u) for u in us), 60)
                await stop_bot(bot)
                counts = Counter(int(s["chat_id"]) for s in tg.sent())
                lost = sum(1 for u in users if not counts[u])
                twice = sum(counts[u] - 1 for u in users if counts[u] > 1)
                print(
                    f"  kill {round_number + 1}: fetched, unanswered at the kill {unanswered}/60  "
                    f"lost after restart {lost}  replies sent twice {twice}"
                )


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["flood", "burst", "kill"])
    args = parser.parse_args()
    for name, scenario in (("flood", flood), ("burst", burst), ("kill", kill)):
        if args.only in (None, name):
            asyncio.run(scenario())


if __name__ == "__main__":
    main()
