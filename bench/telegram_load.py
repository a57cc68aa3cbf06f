"""Throughput and latency of the Telegram bot through a fake Bot API that answers in 100 ms.

    python bench/telegram_load.py [--users 5000] [--rate 500] [--seconds 10] [--webhook]
        [--postgres] [--old e4cad87]

The bot runs as its own process (``python main.py`` with TELEGRAM_BASE_URL pointing at the
fake server in this process), exactly as deployed. Updates from ``--users`` distinct users
(questions in Bangla and Banglish, /menu, /help) are offered at ``--rate`` per second; for
each update the time from its arrival in the fake's queue to the bot's reply reaching the
fake is measured. The same load is then offered to a baseline: the same bot with
python-telegram-bot's default of one update at a time (BOT_CONCURRENCY=1), for three
seconds of load and fifteen of patience, since it cannot keep up. With ``--webhook`` the same
load also goes through the webhook (``WEBHOOK_BASE_URL`` set: the fake posts each update to
``POST /telegram`` of the bot's web server, up to 40 at once, each chat in order), in the
same run, after the polling figure.

The fake has no global send limit here, so the bot's outgoing limiter is opened wide
(``TELEGRAM_SEND_RATE=1000``): this measures how fast updates are handled, not Telegram's
30 messages/s for bulk sends (see ``bench/telegram_faults.py`` for that). Telegram's one
message a second per chat is enforced by the fake (its 429s are counted). ``--old REV`` runs
an older commit's bot in the same run (``bench/old_code.py``): the design before and after.
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
import tempfile
import time
from pathlib import Path

from common import HELDOUT, ROOT, SHARED_SAMPLE, free_port, load_tsv, peak_rss_mb
from old_code import BEFORE_ISSUE_13, old_tree

from tests.fakes.telegram_api import FakeTelegram

TOKEN = "424242:bench-token"
SECRET = "bench-webhook-secret-0123456789"


def _proc_stats(pid: int) -> tuple[float, float]:
    """Return (CPU seconds used, peak RSS in MB) of a process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    return cpu, peak_rss_mb(pid)


async def run_load(
    concurrency: int,
    users: int,
    rate: float,
    seconds: float,
    patience: float = 60.0,
    webhook: bool = False,
    database_url: str | None = None,
    code: Path = ROOT,
) -> dict[str, float]:
    questions = [q for p in (SHARED_SAMPLE, HELDOUT) if p.exists() for q, _ in load_tsv(p)]
    rng = random.Random(1)
    async with FakeTelegram(token=TOKEN, latency=0.1, per_chat_rate=1) as tg:
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "TELEGRAM_BOT_TOKEN": TOKEN,
                "TELEGRAM_BASE_URL": tg.base_url,
                "DATABASE_URL": database_url or f"sqlite:///{tmp}/bench.sqlite3",
                **({"BOT_CONCURRENCY": str(concurrency)} if concurrency else {}),
                "TELEGRAM_SEND_RATE": "1000",
                "LOG_LEVEL": "WARNING",
            }
            if webhook:
                port = free_port()
                env |= {
                    "WEBHOOK_BASE_URL": f"http://127.0.0.1:{port}",
                    "TELEGRAM_WEBHOOK_SECRET": SECRET,
                    "HOST": "127.0.0.1",
                    "PORT": str(port),
                }
            bot = subprocess.Popen([sys.executable, "main.py"], cwd=code, env=env)
            try:
                await tg.wait_for(
                    lambda t: any(c.method == "setMyCommands" for c in t.calls), timeout=30
                )
                if webhook:
                    await tg.wait_for(lambda t: t.webhook is not None, timeout=30)
                await asyncio.sleep(0.5)
                cpu_before, _ = _proc_stats(bot.pid)
                own_before = time.process_time()
                pushed: dict[int, list[float]] = {}
                total = int(rate * seconds)
                start = time.monotonic()
                for i in range(total):
                    due = start + i / rate
                    delay = due - time.monotonic()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    user = 10_000 + rng.randrange(users)
                    roll = rng.random()
                    text = (
                        rng.choice(questions)
                        if roll < 0.8
                        else ("/menu" if roll < 0.9 else "/help")
                    )
                    pushed.setdefault(user, []).append(time.monotonic())
                    tg.message(user, text)
                offered_for = time.monotonic() - start
                with contextlib.suppress(TimeoutError):
                    await tg.wait_for(lambda t: len(t.sent()) >= total, timeout=patience)
                elapsed = time.monotonic() - start
                cpu_after, peak = _proc_stats(bot.pid)
                own_cpu = time.process_time() - own_before
            finally:
                # measured already: no need for a graceful stop that would work off the queue
                bot.kill()
                await asyncio.to_thread(bot.wait, 30)
    replies: dict[int, list[float]] = {}
    for call in tg.calls:
        if call.method == "sendMessage" and call.status == 200:
            replies.setdefault(int(call.params["chat_id"]), []).append(call.time)
    latencies = []
    for user, times in pushed.items():
        answered = replies.get(user, [])
        latencies += [(r - p) * 1000 for p, r in zip(times, answered, strict=False)]
    latencies.sort()
    handled = len(latencies)
    last_reply = max((c.time for c in tg.calls if c.method == "sendMessage"), default=start)
    # Telegram's one message a second per chat holds a user's second update within a second
    # of the first: those few answers trail the run and would set its end on their own
    reply_times = sorted(t for times in replies.values() for t in times)
    t99 = reply_times[int(len(reply_times) * 0.99) - 1] if reply_times else start
    held = sum(1 for times in pushed.values() for a, b in itertools.pairwise(times) if b - a < 1.0)
    return {
        "offered": total,
        "offered_rate": total / offered_for,
        "handled": handled,
        "throughput": handled / max(last_reply - start, 1e-9),
        "throughput99": 0.99 * len(reply_times) / max(t99 - start, 1e-9),
        "held": held,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": latencies[int(len(latencies) * 0.95) - 1] if latencies else float("nan"),
        "cpu_ms_per_update": (cpu_after - cpu_before) * 1000 / max(handled, 1),
        "peak_mb": peak,
        "elapsed": elapsed,
        "rejected": len(tg.rejected),
        "too_many": tg.too_many_requests,
        "fake_cpu_share": own_cpu / max(elapsed, 1e-9),
    }


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--concurrency", type=int, default=0, help="BOT_CONCURRENCY (default: the bot's own)"
    )
    parser.add_argument(
        "--webhook", action="store_true", help="also offer the load through the webhook"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="also run the bot on a PostgreSQL database"
    )
    parser.add_argument(
        "--old",
        default="",
        help=f"also run this older commit's bot (e.g. {BEFORE_ISSUE_13}, before issue 13)",
    )
    args = parser.parse_args()
    cluster = contextlib.ExitStack()
    pg_server = None
    if args.postgres:
        from tests.postgres_server import postgres_cluster

        pg_server, _ = cluster.enter_context(postgres_cluster())
    print(
        f"{args.users} users, {args.rate:.0f} updates/s offered for {args.seconds:.0f} s, "
        "fake Bot API answering every call after 100 ms"
    )
    old = contextlib.ExitStack()
    old_code = old.enter_context(old_tree(args.old)) if args.old else None
    # (label, code, BOT_CONCURRENCY, seconds of load, patience, webhook, on PostgreSQL)
    runs: list[tuple[str, Path, int, float, float, bool, bool]] = [
        ("bot (long polling)", ROOT, args.concurrency, args.seconds, 60.0, False, False)
    ]
    if args.webhook:
        runs.append(("bot (webhook)", ROOT, args.concurrency, args.seconds, 60.0, True, False))
    if pg_server is not None:
        runs.append(("bot on PostgreSQL", ROOT, args.concurrency, args.seconds, 60.0, False, True))
    if old_code is not None:
        runs.append((f"old {args.old} (polling)", old_code, 0, args.seconds, 90.0, False, False))
        if args.webhook:
            runs.append(
                (f"old {args.old} (webhook)", old_code, 0, args.seconds, 90.0, True, False)
            )
    runs.append(("baseline (1 at a time)", ROOT, 1, min(args.seconds, 3.0), 15.0, False, False))
    for number, (label, code, concurrency, seconds, patience, webhook, pg) in enumerate(runs):
        url = None
        if pg and pg_server is not None:
            from tests.postgres_server import create_database

            url = create_database(pg_server, f"bench_{number}")
        r = asyncio.run(
            run_load(
                concurrency,
                args.users,
                args.rate,
                seconds,
                patience,
                webhook=webhook,
                database_url=url,
                code=code,
            )
        )
        print(
            f"{label:<24} handled {r['handled']}/{r['offered']} "
            f"(offered at {r['offered_rate']:.0f}/s)  "
            f"throughput {r['throughput99']:.0f} updates/s (99 % answered; all: "
            f"{r['throughput']:.0f}/s, {r['held']} held by the per-chat limit)  "
            f"latency p50 {r['p50']:.0f} ms p95 {r['p95']:.0f} ms  "
            f"CPU {r['cpu_ms_per_update']:.2f} ms/update  peak RSS {r['peak_mb']:.0f} MB  "
            f"rejected {r['rejected']}  429s {r['too_many']}  "
            f"(fake server CPU {r['fake_cpu_share']:.0%} of a core)"
        )
    old.close()
    cluster.close()


if __name__ == "__main__":
    main()
