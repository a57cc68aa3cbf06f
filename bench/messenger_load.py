"""Throughput and latency of the Messenger webhook through a fake Graph API answering in 100 ms.

    python bench/messenger_load.py [--users 2500] [--rate 500] [--old e4cad87]

The bot runs as its own process (``python main.py serve`` with MESSENGER_GRAPH_URL pointing
at the fake server in this process), as deployed. Each of ``--users`` users sends two
messages (questions in Bangla and Banglish, /menu, /help), each a webhook POST signed like
Meta's; all first messages go out before the second ones. Measured: the time until the
webhook answers 200 (Meta gives up after 20 s and retries), the time from the POST to the
reply reaching the fake Send API, events handled per second and the bot's CPU and memory.

Runs, each with a fresh bot and database:

* burst: all events posted as fast as 32 connections can → throughput;
* paced: the same events offered at ``--rate`` per second → latencies under steady load;
* with ``--old REV``: the paced run against an older commit's bot (``bench/old_code.py``);
* baseline: the same bot with one event (so one Send API call) in flight at a time
  (MESSENGER_CONCURRENCY=1), 3 s of paced load and 15 s of patience.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import HELDOUT, ROOT, SHARED_SAMPLE, free_port, load_tsv, peak_rss_mb
from old_code import BEFORE_ISSUE_13, old_tree

from tests.fakes.graph_api import FakeGraph

SECRET = "bench-app-secret"
PAGE = "1000000000000001"
POSTERS = 32  # connections posting at once, as Meta's delivery does in parallel


def _proc_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _body(psid: str, mid: str, text: str) -> bytes:
    now = int(time.time() * 1000)
    event = {
        "sender": {"id": psid},
        "recipient": {"id": PAGE},
        "timestamp": now,
        "message": {"mid": mid, "text": text},
    }
    return json.dumps(
        {"object": "page", "entry": [{"id": PAGE, "time": now, "messaging": [event]}]}
    ).encode()


def _histogram_quantile(metrics: str, name: str, share: float) -> float:
    """The upper bucket bound below which ``share`` of a prometheus histogram's samples lie."""
    buckets: list[tuple[float, float]] = []
    for line in metrics.splitlines():
        if line.startswith(f"{name}_bucket{{") and 'le="' in line:
            bound = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float(bound), float(line.rsplit(" ", 1)[1])))
    if not buckets or buckets[-1][1] == 0:
        return float("nan")
    total = buckets[-1][1]
    return next(bound for bound, count in buckets if count >= share * total)


async def _poster(
    port: int,
    queue: asyncio.Queue[tuple[str, str, str] | None],
    posted: dict[str, list[float]],
    acks: list[float],
) -> None:
    """Post queued events over one keep-alive connection (raw HTTP/1.1: a light client, so
    that the load generator is not what limits the measurement)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (item := await queue.get()) is not None:
            psid, mid, text = item
            body = _body(psid, mid, text)
            signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
            head = (
                f"POST /messenger HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                "Content-Type: application/json\r\n"
                f"X-Hub-Signature-256: sha256={signature}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            sent = time.monotonic()
            posted.setdefault(psid, []).append(sent)
            writer.write(head + body)
            status = (await reader.readline()).split(b" ")[1]
            length = 0
            while (line := await reader.readline()) not in (b"\r\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            await reader.readexactly(length)
            acks.append((time.monotonic() - sent) * 1000)
            assert status == b"200", status
    finally:
        writer.close()


def _pct(values: list[float], share: float) -> float:
    return values[min(len(values) - 1, int(len(values) * share))] if values else float("nan")


async def run_load(
    concurrency: int,
    users: int,
    rate: float | None,
    limit: int | None,
    patience: float,
    code: Path = ROOT,
) -> dict[str, float]:
    """Offer the events (``rate`` None: at once), wait for the replies, return the figures."""
    questions = [q for p in (SHARED_SAMPLE, HELDOUT) if p.exists() for q, _ in load_tsv(p)]
    rng = random.Random(1)
    psids = [str(2_500_000_000_000_000 + i) for i in range(users)]
    plan: list[tuple[str, str, str]] = []
    for round_ in (0, 1):
        for i, psid in enumerate(psids):
            roll = rng.random()
            text = rng.choice(questions) if roll < 0.8 else ("/menu" if roll < 0.9 else "/help")
            plan.append((psid, f"m_{round_}_{i}", text))
    plan = plan[:limit] if limit else plan
    port = free_port()
    async with FakeGraph(token="bench-page-token", latency=0.1) as graph:
        for psid in psids:
            graph.user_wrote(psid)
        with tempfile.TemporaryDirectory() as tmp:
            env = {
                **os.environ,
                "MESSENGER_PAGE_ACCESS_TOKEN": graph.token,
                "MESSENGER_APP_SECRET": SECRET,
                "MESSENGER_VERIFY_TOKEN": "bench",
                "MESSENGER_GRAPH_URL": graph.base_url,
                "MESSENGER_CONCURRENCY": str(concurrency),
                # the fake has no send limit: this measures event handling, not the Page's
                # 300 calls/s (the bot's pacer is tested in tests/messenger)
                # (the code before issue 13 accepted at most 249)
                "MESSENGER_SEND_RATE": "1000" if code == ROOT else "249",
                "TELEGRAM_BOT_TOKEN": "",
                "DATABASE_URL": f"sqlite:///{tmp}/bench.sqlite3",
                "HOST": "127.0.0.1",
                "PORT": str(port),
                "LOG_LEVEL": "WARNING",
            }
            bot = subprocess.Popen([sys.executable, "main.py", "serve"], cwd=code, env=env)
            url = f"http://127.0.0.1:{port}"
            limits = httpx.Limits(max_connections=32, max_keepalive_connections=32)
            try:
                async with httpx.AsyncClient(limits=limits, timeout=30) as client:
                    for _ in range(300):
                        with contextlib.suppress(httpx.TransportError):
                            if (await client.get(f"{url}/healthz")).status_code == 200:
                                break
                        await asyncio.sleep(0.1)
                    await asyncio.sleep(0.5)
                    cpu_before = _proc_cpu(bot.pid)
                    own_before = time.process_time()
                    posted: dict[str, list[float]] = {}
                    acks: list[float] = []
                    queue: asyncio.Queue[tuple[str, str, str] | None] = asyncio.Queue()
                    posters = [
                        asyncio.create_task(_poster(port, queue, posted, acks))
                        for _ in range(POSTERS)
                    ]
                    start = time.monotonic()
                    for n, item in enumerate(plan):
                        if rate:
                            delay = start + n / rate - time.monotonic()
                            if delay > 0:
                                await asyncio.sleep(delay)
                        queue.put_nowait(item)
                    for _ in posters:
                        queue.put_nowait(None)
                    await asyncio.gather(*posters)
                    offered_for = time.monotonic() - start
                    with contextlib.suppress(TimeoutError):
                        await graph.wait_for(
                            lambda g: len(g.messages()) >= len(plan), timeout=patience
                        )
                    metrics = (await client.get(f"{url}/metrics")).text
                    cpu = _proc_cpu(bot.pid) - cpu_before
                    own_cpu = time.process_time() - own_before
                    elapsed = time.monotonic() - start
                    peak = peak_rss_mb(bot.pid)
            finally:
                bot.kill()
                await asyncio.to_thread(bot.wait, 30)
        replies: dict[str, list[float]] = {}
        for call in graph.calls:
            if call.status == 200 and "message" in call.body:
                replies.setdefault(call.body["recipient"]["id"], []).append(call.time)
        rejected = len(graph.rejected)
        graph_calls = sum(1 for call in graph.calls if call.status == 200)
    latencies: list[float] = []
    last = start
    for psid, times in posted.items():
        answered = replies.get(psid, [])
        for sent in sorted(times):
            after = [r for r in answered if r >= sent]
            if after:
                latencies.append((after[0] - sent) * 1000)
                last = max(last, after[0])
    latencies.sort()
    acks.sort()
    handled = len(latencies)
    return {
        "offered": len(plan),
        "offered_rate": len(plan) / max(offered_for, 1e-9),
        "handled": handled,
        "throughput": handled / max(last - start, 1e-9),
        "ack_p50": statistics.median(acks) if acks else float("nan"),
        "ack_p99": _pct(acks, 0.99),
        "server_ack_p99": _histogram_quantile(metrics, "bot_webhook_seconds", 0.99) * 1000,
        "p50": statistics.median(latencies) if latencies else float("nan"),
        "p95": _pct(latencies, 0.95),
        "cpu_ms": cpu * 1000 / max(handled, 1),
        "peak_mb": peak,
        "rejected": rejected,
        "calls_per_event": graph_calls / max(len(plan), 1),
        "bot_cpu_share": cpu / max(elapsed, 1e-9),
        "own_cpu_share": own_cpu / max(elapsed, 1e-9),
    }


def main() -> None:
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=2500)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--concurrency", type=int, default=128)
    parser.add_argument("--only", default="", help="run only burst, paced, old or baseline")
    parser.add_argument(
        "--old",
        default="",
        help=f"also run this older commit's bot, paced (e.g. {BEFORE_ISSUE_13}, before issue 13)",
    )
    args = parser.parse_args()
    print(
        f"{args.users} users × 2 messages, signed webhook POSTs, fake Graph API answering "
        "every call after 100 ms"
    )
    old = contextlib.ExitStack()
    old_code = old.enter_context(old_tree(args.old)) if args.old else None
    paced = f"paced ({args.rate:.0f}/s offered)"
    runs = [
        ("burst (all at once)", ROOT, args.concurrency, None, None, 60.0),
        (paced, ROOT, args.concurrency, args.rate, None, 60.0),
    ]
    if old_code is not None:
        old_run = (f"old {args.old}, {paced}", old_code, args.concurrency, args.rate, None, 90.0)
        runs.append(old_run)
    runs.append(("baseline (1 in flight)", ROOT, 1, args.rate, int(args.rate * 3), 15.0))
    if args.only:
        runs = [run for run in runs if run[0].startswith(args.only)]
    for label, code, concurrency, rate, limit, patience in runs:
        r = asyncio.run(run_load(concurrency, args.users, rate, limit, patience, code))
        print(
            f"{label:<24} handled {r['handled']}/{r['offered']} "
            f"(offered at {r['offered_rate']:.0f}/s)  throughput {r['throughput']:.0f} events/s  "
            f"webhook 200 p50 {r['ack_p50']:.1f} ms p99 {r['ack_p99']:.1f} ms "
            f"(in the bot: p99 ≤ {r['server_ack_p99']:.0f} ms)  "
            f"event→reply p50 {r['p50']:.0f} ms p95 {r['p95']:.0f} ms  "
            f"CPU {r['cpu_ms']:.2f} ms/event  peak RSS {r['peak_mb']:.0f} MB  "
            f"Graph calls/event {r['calls_per_event']:.2f}  rejected {r['rejected']}  "
            f"(CPU: bot {r['bot_cpu_share']:.0%}, "
            f"load generator and fake {r['own_cpu_share']:.0%} of a core)"
        )
    old.close()


if __name__ == "__main__":
    main()
