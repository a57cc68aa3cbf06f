"""The operators' dashboard at scale: overview render and review-queue grouping (SQLite).

    python bench/admin_overview.py [--users 100000] [--questions 1000000]

A database is filled with N users on two channels (created over 90 days), 60 % of them
subscribed with a course funnel, their lesson deliveries and quiz answers, topic views and
votes, and M logged questions of which 10 % were left unanswered (many spellings of a few
thousand questions). Measured, median of 5 after one warm-up:

1. the overview: ``admin_overview`` (every count on the page) plus rendering the HTML with
   its SVG charts, and the whole ``GET /admin/overview`` through the ASGI app with a session.
   Baseline in the same run: the same queries on a copy without migration 0007's indexes.
2. the review queue: reading the unanswered questions and grouping them by the matcher's
   keys. Baseline in the same run: the old ``unanswered`` query (exact text, top 20).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from common import ROOT  # noqa: F401  (puts the project on sys.path)

from bot.admin.html import page
from bot.admin.pages import overview_body
from bot.admin.review import group_questions
from db.store import Store

WORDS = (
    "upwork fiverr kaj kivabe pabo taka ashbe payoneer bkash profile gig client review scam "
    "training fee dite hobe laptop english shikhbo kotodin lagbe account verify hoy na "
    "ফ্রিল্যান্সিং কাজ কীভাবে পাব টাকা তুলব প্রোফাইল ক্লায়েন্ট প্রতারণা"
).split()
TOPICS = ("marketplaces", "first_job", "common_scams", "payment_withdrawal", "choose_skill")


def fill(db: Path, users: int, questions: int) -> None:
    """Write the data set with sqlite3 directly (fast bulk inserts; schema from Store.open)."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA synchronous=OFF")

    def iso(delta_days: float) -> str:
        return (now - timedelta(days=delta_days)).isoformat(timespec="seconds")

    conn.executemany(
        "INSERT INTO users (id, channel, external_id, first_name, created_at, last_seen,"
        " last_inbound_at, blocked) VALUES (?, ?, ?, '', ?, ?, ?, ?)",
        (
            (
                i,
                "telegram" if i % 3 else "messenger",
                str(10**9 + i),
                iso(rng.uniform(0, 90)),
                seen := iso(rng.uniform(0, 40)),
                seen,
                int(rng.random() < 0.03),
            )
            for i in range(1, users + 1)
        ),
    )
    subs, deliveries, quiz = [], [], []
    for uid in range(1, users + 1):
        if rng.random() >= 0.6:
            continue
        reached = min(21, int(rng.expovariate(1 / 5)) + 1)
        subs.append((uid, int(reached < 21), 9, reached + 1, iso(0)))
        for day in range(1, reached + 1):
            sent = (now - timedelta(days=reached - day)).date().isoformat()
            deliveries.append((uid, day, sent, sent, "push"))
            if rng.random() < 0.7:
                quiz.append((uid, day, 0, int(rng.random() < 0.7), sent, sent))
    conn.executemany(
        "INSERT INTO subscriptions (user_id, active, hour, next_day, subscribed_at)"
        " VALUES (?, ?, ?, ?, ?)",
        subs,
    )
    conn.executemany("INSERT INTO deliveries VALUES (?, ?, ?, ?, ?)", deliveries)
    conn.executemany("INSERT INTO quiz_answers VALUES (?, ?, ?, ?, ?, ?)", quiz)
    bases = [" ".join(rng.sample(WORDS, rng.randint(3, 7))) for _ in range(3000)]

    def question(i: int) -> tuple[int, str, str | None, float, str]:
        unanswered = i % 10 == 0
        text = rng.choice(bases)
        if rng.random() < 0.3:
            text = text.capitalize() + "?"
        return (
            1 + i % users,
            text,
            None if unanswered else rng.choice(TOPICS),
            rng.uniform(0, 0.2) if unanswered else rng.uniform(0.3, 1),
            iso(rng.uniform(0, 90)),
        )

    conn.executemany(
        "INSERT INTO questions (user_id, text, topic_id, score, asked_at) VALUES (?, ?, ?, ?, ?)",
        (question(i) for i in range(questions)),
    )
    conn.executemany(
        "INSERT INTO topic_views (user_id, topic_id, source, viewed_at) VALUES (?, ?, ?, ?)",
        ((1 + i % users, rng.choice(TOPICS), "button", iso(1)) for i in range(users * 3)),
    )
    conn.executemany(
        "INSERT INTO feedback (user_id, topic_id, positive, question, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (
            (1 + i % users, rng.choice(TOPICS), int(rng.random() < 0.8), None, iso(1))
            for i in range(users // 3)
        ),
    )
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


async def timed(run: Callable[[], Awaitable[object]], times: int = 5) -> tuple[float, float]:
    """Return (first run, median of ``times`` further runs) in milliseconds."""
    start = time.perf_counter()
    await run()
    first = (time.perf_counter() - start) * 1000
    samples = []
    for _ in range(times):
        start = time.perf_counter()
        await run()
        samples.append((time.perf_counter() - start) * 1000)
    return first, statistics.median(samples)


async def measure(db: Path, label: str) -> dict[str, tuple[float, float]]:
    import httpx
    from starlette.applications import Starlette

    from bot.admin.app import REVIEW_BELOW, AdminApp
    from bot.admin.settings import AdminSettings
    from bot.config import Settings
    from bot.services import open_services

    services = await open_services(Settings.from_env({"DATABASE_URL": f"sqlite:///{db}"}))
    store = services.store
    now = datetime.now(UTC)
    results: dict[str, tuple[float, float]] = {}

    async def overview() -> str:
        ov = await store.admin_overview(now, now.date(), 30)  # type: ignore[attr-defined]
        return page("o", overview_body(ov, now.date(), now.date(), 30), user="x", csrf="y")

    results["overview: queries + HTML/SVG"] = await timed(overview)
    admin = AdminApp(services, AdminSettings("b" * 40), {})
    cookie = admin.sessions.issue("bench")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Starlette(routes=admin.routes())),
        base_url="http://bench",
        cookies={"admin_session": cookie},
    ) as client:

        async def request() -> None:
            response = await client.get("/admin/overview")
            assert response.status_code == 200 and response.text.count("<svg") == 5

        results["GET /admin/overview (ASGI)"] = await timed(request)

    async def review() -> int:
        candidates = await store.review_candidates(REVIEW_BELOW)  # type: ignore[attr-defined]
        return len(group_questions(candidates, await store.review_decisions()))  # type: ignore[attr-defined]

    results["review queue: read + group"] = await timed(review, 3)

    async def old_unanswered() -> object:
        return await store.unanswered(0.2, 20)

    results["baseline: old `unanswered` top 20"] = await timed(old_unanswered, 3)
    groups = await review()
    await services.close()
    print(f"  [{label}] review groups: {groups}")
    return results


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--questions", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "admin.sqlite3"
        store = await Store.open(db)
        await store.close()
        start = time.perf_counter()
        fill(db, args.users, args.questions)
        print(
            f"data: {args.users:,} users, {args.questions:,} questions"
            f" ({time.perf_counter() - start:.1f} s to write)"
        )
        plain = Path(tmp) / "no_indexes.sqlite3"
        shutil.copy(db, plain)
        with sqlite3.connect(plain) as conn:
            for name in (
                "users_by_created",
                "deliveries_by_date",
                "quiz_answers_by_day",
                "topic_views_by_topic",
                "feedback_by_topic",
                "questions_unanswered",
            ):
                conn.execute(f"DROP INDEX {name}")
        with sqlite3.connect(db) as conn:
            unanswered = conn.execute(
                "SELECT COUNT(*) FROM questions WHERE topic_id IS NULL"
            ).fetchone()[0]
        print(f"unanswered questions to group: {unanswered:,}")
        indexed = await measure(db, "with migration 0007")
        baseline = await measure(plain, "baseline: without 0007's indexes")
    print(f"\n{'':38} {'first ms':>10} {'median ms':>10} {'no-index median':>16}")
    for name, (first, median) in indexed.items():
        print(f"{name:38} {first:10.1f} {median:10.1f} {baseline[name][1]:16.1f}")


if __name__ == "__main__":
    asyncio.run(main())
