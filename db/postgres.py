"""The PostgreSQL storage: the same protocol as ``db/store.py``, over an asyncpg pool.

Selected by ``DATABASE_URL=postgresql://…`` (or ``postgres://``). Several bot processes may
share one database: migrations run under an advisory lock, claims of delivery rounds are row
updates that concurrent rounds serialise on, and the inbox deduplicates events delivered to
two replicas. asyncpg was chosen over psycopg 3 for its speed and its built-in pool; behind
pgbouncer in transaction mode set ``statement_cache_size=0`` (see README).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

from db.admin_types import (
    AuditEntry,
    BroadcastInfo,
    BroadcastTarget,
    LearnedExample,
    Overview,
    ReviewCandidate,
    TopicStats,
)
from db.errors import DatabaseUnavailable
from db.pg_pool import WatchedPool, describe_failure, is_unavailable
from db.protocol import DueSubscriber, Lease, Progress, Subscription, UnansweredQuestion
from db.store import (
    DatabaseOpenError,
    _audience_sql,
    _broadcast,
    _now,
    _overview,
    _streaks,
    _topic_stats,
)
from db.tables import TABLES
from db.urls import redact_url

__all__ = ["PG_MIGRATIONS_DIR", "PostgresStore"]

logger = logging.getLogger(__name__)
PG_MIGRATIONS_DIR = Path(__file__).with_name("migrations") / "postgres"
_MIGRATION_LOCK = 7_405_113  # advisory lock id: one migrating process at a time
_ROUND_LOCK = 7_405_114  # advisory lock id: one delivery round at a time across replicas
_TABLES = frozenset(TABLES)
CONNECT_TIMEOUT = 10.0  # seconds to open one connection (asyncpg's default is 60)
_LOST = (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError)


def _dsn(url: str) -> str:
    return url.replace("postgres://", "postgresql://", 1)


async def _wait_for_server(dsn: str, where: str, patience: float) -> None:
    """Open and close one connection, retrying while the server cannot be reached."""
    deadline = time.monotonic() + patience
    delay = 1.0
    while True:
        try:
            conn = await asyncpg.connect(dsn, timeout=CONNECT_TIMEOUT)
        except Exception as exc:
            left = deadline - time.monotonic()
            if not is_unavailable(exc) or left <= 0:
                raise DatabaseOpenError(where, describe_failure(exc)) from None
            wait = min(delay, left)
            logger.warning(
                "database not reachable at %s (%s); trying again in %.0f s",
                where,
                describe_failure(exc),
                wait,
            )
            await asyncio.sleep(wait)
            delay = min(delay * 2, 10.0)
            continue
        await conn.close()
        return


class PostgresStore:
    """PostgreSQL storage. Open with ``await PostgresStore.open(url)``; close with ``close()``."""

    def __init__(self, pool: asyncpg.Pool, url: str = "") -> None:
        self._pool = WatchedPool(pool, redact_url(url))
        self.url = url
        self._dsn = _dsn(url)

    @classmethod
    async def open(cls, url: str, pool_size: int = 10, connect_wait: float = 0.0) -> PostgresStore:
        """Connect a pool to the database and apply pending migrations.

        A server that cannot be reached (refused, starting up, unknown host) is tried again
        for up to ``connect_wait`` seconds, one log line per attempt; a wrong password or a
        missing database fails at once. Either way the failure is a DatabaseOpenError.
        """
        where = redact_url(url)
        await _wait_for_server(_dsn(url), where, connect_wait)
        try:
            pool = await asyncpg.create_pool(
                _dsn(url),
                # no floor: asyncpg would try to restore it in the background, logging a
                # traceback each time while the server is away
                min_size=0,
                max_size=pool_size,
                command_timeout=30,
                timeout=CONNECT_TIMEOUT,
            )
        except Exception as exc:
            raise DatabaseOpenError(where, exc) from None
        store = cls(pool, url)
        try:
            await store.migrate()
        except DatabaseUnavailable as exc:
            await pool.close()
            raise DatabaseOpenError(where, describe_failure(exc.__cause__ or exc)) from None
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await pool.close()
            raise DatabaseOpenError(where, exc) from None
        except BaseException:
            await pool.close()
            raise
        return store

    async def close(self) -> None:
        """Close every connection of the pool."""
        await self._pool.close()

    async def _fetch(self, sql: str, *args: Any) -> list[asyncpg.Record]:
        return await self._pool.fetch(sql, *args)

    async def _fetchrow(self, sql: str, *args: Any) -> asyncpg.Record | None:
        return await self._pool.fetchrow(sql, *args)

    async def _execute(self, sql: str, *args: Any) -> int:
        """Run one statement; return the number of rows it touched."""
        status = await self._pool.execute(sql, *args)
        tail = status.rsplit(" ", 1)[-1]
        return int(tail) if tail.isdigit() else 0

    # -- schema ----------------------------------------------------------------------------

    async def schema_version(self) -> int:
        """Return the applied migration number (0 before the first)."""
        row = (
            await self._fetchrow(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations"
                " WHERE to_regclass('schema_migrations') IS NOT NULL"
            )
            if await self._has_migrations_table()
            else None
        )
        return int(row[0]) if row else 0

    async def _has_migrations_table(self) -> bool:
        row = await self._fetchrow("SELECT to_regclass('schema_migrations') IS NOT NULL")
        return bool(row and row[0])

    async def migrate(self, directory: Path = PG_MIGRATIONS_DIR) -> int:
        """Apply pending numbered migrations, one process at a time (an advisory lock)."""
        files = sorted(directory.glob("[0-9][0-9][0-9][0-9]_*.sql"))
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                await conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations"
                    " (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)"
                )
                version = int(
                    await conn.fetchval("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
                )
                for path in files:
                    number = int(path.name[:4])
                    if number <= version:
                        continue
                    async with conn.transaction():
                        await conn.execute(path.read_text(encoding="utf-8"))
                        await conn.execute(
                            "INSERT INTO schema_migrations VALUES ($1, $2)", number, _now()
                        )
                    logger.info("applied migration %s", path.name)
                    version = number
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)
        return version

    # -- users -----------------------------------------------------------------------------

    async def touch_user(
        self, channel: str, external_id: str, first_name: str, language: str | None
    ) -> int:
        """Register a channel's user or refresh them (last inbound time, not blocked)."""
        now = _now()
        row = await self._fetchrow(
            "INSERT INTO users (channel, external_id, first_name, language, created_at,"
            " last_seen, last_inbound_at, blocked) VALUES ($1, $2, $3, $4, $5, $5, $5, 0)"
            " ON CONFLICT (channel, external_id) DO UPDATE SET"
            " first_name = EXCLUDED.first_name, language = EXCLUDED.language,"
            " last_seen = EXCLUDED.last_seen, last_inbound_at = EXCLUDED.last_inbound_at,"
            " blocked = 0 RETURNING id",
            channel,
            external_id,
            first_name[:100],
            language,
            now,
        )
        assert row is not None
        return int(row[0])

    async def user_id_for(self, channel: str, external_id: str) -> int | None:
        """Return the internal id of a channel's user, if they are known."""
        row = await self._fetchrow(
            "SELECT id FROM users WHERE channel = $1 AND external_id = $2", channel, external_id
        )
        return int(row[0]) if row else None

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark whether the user can be reached."""
        await self._execute("UPDATE users SET blocked = $1 WHERE id = $2", int(blocked), user_id)

    async def is_blocked(self, user_id: int) -> bool:
        """Tell whether the user is marked as unreachable."""
        row = await self._fetchrow("SELECT blocked FROM users WHERE id = $1", user_id)
        return bool(row and row[0])

    async def delete_user(self, user_id: int) -> None:
        """Delete the user and, by cascade, everything stored about them."""
        await self._execute("DELETE FROM users WHERE id = $1", user_id)

    async def forget_old_questions(self, before: datetime) -> int:
        """Blank the text of questions (and feedback) older than ``before``; keep topic, score."""
        cutoff = before.astimezone(UTC).isoformat(timespec="seconds")
        async with self._pool.acquire() as conn, conn.transaction():
            status = await conn.execute(
                "UPDATE questions SET text = '' WHERE asked_at < $1 AND text <> ''", cutoff
            )
            await conn.execute(
                "UPDATE feedback SET question = NULL WHERE created_at < $1"
                " AND question IS NOT NULL",
                cutoff,
            )
        return int(status.rsplit(" ", 1)[-1])

    async def count_users(self) -> int:
        """Return the number of registered users."""
        row = await self._fetchrow("SELECT COUNT(*) FROM users")
        return int(row[0]) if row else 0

    # -- questions, views, feedback ---------------------------------------------------------

    async def log_question(
        self, user_id: int, text: str, topic_id: str | None, score: float
    ) -> None:
        """Record a free-text question with the topic it matched."""
        await self._execute(
            "INSERT INTO questions (user_id, text, topic_id, score, asked_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            user_id,
            text[:1000],
            topic_id,
            float(score),
            _now(),
        )

    async def last_question_for(self, user_id: int, topic_id: str) -> str | None:
        """Return the user's latest question answered with this topic, if any."""
        row = await self._fetchrow(
            "SELECT text FROM questions WHERE user_id = $1 AND topic_id = $2 AND text <> ''"
            " ORDER BY id DESC LIMIT 1",
            user_id,
            topic_id,
        )
        return str(row[0]) if row else None

    async def log_view(self, user_id: int, topic_id: str, source: str) -> None:
        """Record that the user opened a topic."""
        await self._execute(
            "INSERT INTO topic_views (user_id, topic_id, source, viewed_at)"
            " VALUES ($1, $2, $3, $4)",
            user_id,
            topic_id,
            source,
            _now(),
        )

    async def add_feedback(
        self, user_id: int, topic_id: str, positive: bool, question: str | None
    ) -> None:
        """Record a 👍 or 👎 on a topic, with the question that led there."""
        await self._execute(
            "INSERT INTO feedback (user_id, topic_id, positive, question, created_at)"
            " VALUES ($1, $2, $3, $4, $5)",
            user_id,
            topic_id,
            int(positive),
            question,
            _now(),
        )

    async def log_offer_check(self, verdict: str, flag_ids: list[str]) -> None:
        """Record a scam check's verdict and red-flag ids (never the offer, never who asked)."""
        await self._execute(
            "INSERT INTO offer_checks (verdict, flags, checked_at) VALUES ($1, $2, $3)",
            verdict,
            " ".join(flag_ids),
            _now(),
        )

    async def feedback_rows(self, user_id: int) -> list[tuple[str, bool, str | None]]:
        """Return the user's feedback as (topic id, positive, question), oldest first."""
        rows = await self._fetch(
            "SELECT topic_id, positive, question FROM feedback WHERE user_id = $1 ORDER BY id",
            user_id,
        )
        return [(str(r[0]), bool(r[1]), r[2]) for r in rows]

    async def unanswered(self, below: float, limit: int = 20) -> list[UnansweredQuestion]:
        """Return the most frequent questions whose match score was below ``below``."""
        rows = await self._fetch(
            "SELECT lower(trim(text)) AS q, COUNT(*) AS n, MAX(score) FROM questions"
            " WHERE score < $1 AND text <> '' GROUP BY q ORDER BY n DESC, q LIMIT $2",
            float(below),
            limit,
        )
        return [UnansweredQuestion(str(r[0]), int(r[1]), float(r[2])) for r in rows]

    async def count_rows(self, table: str) -> int:
        """Return the number of rows in one of the project's tables (tests, stats)."""
        if table not in _TABLES:
            raise ValueError(table)
        row = await self._fetchrow(f"SELECT COUNT(*) FROM {table}")
        return int(row[0]) if row else 0

    # -- subscriptions ----------------------------------------------------------------------

    async def get_subscription(self, user_id: int) -> Subscription | None:
        """Return the user's subscription, active or not, if they ever subscribed."""
        row = await self._fetchrow(
            "SELECT user_id, active, hour, next_day, last_sent_on FROM subscriptions"
            " WHERE user_id = $1",
            user_id,
        )
        return Subscription(int(row[0]), bool(row[1]), row[2], row[3], row[4]) if row else None

    async def subscribe(self, user_id: int, hour: int) -> bool:
        """Start (or restart) daily lessons; return False if already active."""
        row = await self._fetchrow(
            "INSERT INTO subscriptions (user_id, active, hour, subscribed_at)"
            " VALUES ($1, 1, $2, $3) ON CONFLICT (user_id) DO UPDATE SET active = 1"
            " WHERE subscriptions.active = 0 RETURNING 1",
            user_id,
            hour,
            _now(),
        )
        return row is not None

    async def unsubscribe(self, user_id: int) -> bool:
        """Stop daily lessons; return False if they were not active."""
        changed = await self._execute(
            "UPDATE subscriptions SET active = 0 WHERE user_id = $1 AND active = 1", user_id
        )
        return changed > 0

    async def set_hour(self, user_id: int, hour: int) -> bool:
        """Set the delivery hour; return False if the user has no subscription row."""
        changed = await self._execute(
            "UPDATE subscriptions SET hour = $1 WHERE user_id = $2", hour, user_id
        )
        return changed > 0

    async def ensure_course_row(self, user_id: int, hour: int) -> None:
        """Create an inactive course row so a non-subscriber can still read lessons."""
        await self._execute(
            "INSERT INTO subscriptions (user_id, active, hour, subscribed_at)"
            " VALUES ($1, 0, $2, $3) ON CONFLICT (user_id) DO NOTHING",
            user_id,
            hour,
            _now(),
        )

    # -- lessons and quiz -------------------------------------------------------------------

    async def record_delivery(self, user_id: int, day: int, today: date, via: str) -> bool:
        """Record that lesson ``day`` reached the user and advance their course."""
        async with self._pool.acquire() as conn, conn.transaction():
            status = await conn.execute(
                "INSERT INTO deliveries (user_id, day, sent_on, sent_at, via)"
                " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, day) DO NOTHING",
                user_id,
                day,
                today.isoformat(),
                _now(),
                via,
            )
            await conn.execute(
                "UPDATE subscriptions SET next_day = GREATEST(next_day, $1), last_sent_on = $2,"
                " claim_round = NULL, claim_on = NULL WHERE user_id = $3",
                day + 1,
                today.isoformat(),
                user_id,
            )
        return status.endswith(" 1")

    async def hold_lesson(self, user_id: int, today: date) -> None:
        """Count today's lesson as offered, not sent: rounds skip the user until tomorrow."""
        await self._execute(
            "UPDATE subscriptions SET last_sent_on = $1, claim_round = NULL, claim_on = NULL"
            " WHERE user_id = $2",
            today.isoformat(),
            user_id,
        )

    async def set_last_inbound(self, channel: str, external_id: str, when: str) -> None:
        """Set when a user last wrote (ISO time, UTC). For tests and benchmarks."""
        await self._execute(
            "UPDATE users SET last_inbound_at = $1 WHERE channel = $2 AND external_id = $3",
            when,
            channel,
            external_id,
        )

    async def delivered_days(self, user_id: int) -> set[int]:
        """Return the course days whose lesson the user has received."""
        rows = await self._fetch("SELECT day FROM deliveries WHERE user_id = $1", user_id)
        return {int(r[0]) for r in rows}

    async def record_quiz_answer(
        self, user_id: int, day: int, option: int, correct: bool, today: date
    ) -> bool:
        """Store a quiz answer; return False if this quiz was already answered."""
        changed = await self._execute(
            "INSERT INTO quiz_answers (user_id, day, option, correct, answered_on, answered_at)"
            " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, day) DO NOTHING",
            user_id,
            day,
            option,
            int(correct),
            today.isoformat(),
            _now(),
        )
        return changed > 0

    async def progress(self, user_id: int, today: date) -> Progress:
        """Return lessons done, quiz score and the current and best daily streaks."""
        row = await self._fetchrow(
            "SELECT (SELECT COUNT(*) FROM quiz_answers WHERE user_id = $1),"
            " (SELECT COALESCE(SUM(correct), 0) FROM quiz_answers WHERE user_id = $1),"
            " (SELECT COUNT(*) FROM deliveries WHERE user_id = $1)",
            user_id,
        )
        answered, right, done = (int(row[0]), int(row[1]), int(row[2])) if row else (0, 0, 0)
        rows = await self._fetch(
            "SELECT DISTINCT answered_on FROM quiz_answers WHERE user_id = $1"
            " ORDER BY answered_on",
            user_id,
        )
        current, best = _streaks([date.fromisoformat(r[0]) for r in rows], today)
        return Progress(done, answered, right, current, best)

    # -- inbox -----------------------------------------------------------------------------

    async def inbox_put(self, channel: str, event_id: str, payload: str) -> bool:
        """Store an event; False if this (channel, event id) was seen before (a duplicate)."""
        changed = await self._execute(
            "INSERT INTO inbox (channel, event_id, payload, received_at)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (channel, event_id) DO NOTHING",
            channel,
            event_id,
            payload,
            _now(),
        )
        return changed > 0

    async def inbox_put_many(self, channel: str, events: list[tuple[str, str]]) -> set[str]:
        """Store (event id, payload) pairs in one statement; return the ids new to the inbox.

        Concurrent replicas storing the same id: the primary key lets exactly one insert it.
        """
        unique: dict[str, str] = {}
        for event_id, payload in events:
            unique.setdefault(event_id, payload)
        if not unique:
            return set()
        rows = await self._fetch(
            "INSERT INTO inbox (channel, event_id, payload, received_at)"
            " SELECT $1, e, p, $4"
            " FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS t(e, p, n)"
            " ORDER BY n ON CONFLICT (channel, event_id) DO NOTHING RETURNING event_id",
            channel,
            list(unique),
            list(unique.values()),
            _now(),
        )
        return {str(r[0]) for r in rows}

    async def inbox_done_many(self, channel: str, event_ids: list[str]) -> None:
        """Mark events handled in one statement and forget their payloads."""
        await self._execute(
            "UPDATE inbox SET done_at = $1, payload = '' WHERE channel = $2"
            " AND event_id = ANY($3::text[])",
            _now(),
            channel,
            list(event_ids),
        )

    async def inbox_done(self, channel: str, event_id: str) -> None:
        """Mark an event handled (its replies were sent) and forget its payload."""
        await self._execute(
            "UPDATE inbox SET done_at = $1, payload = '' WHERE channel = $2 AND event_id = $3",
            _now(),
            channel,
            event_id,
        )

    async def inbox_pending(self, channel: str, limit: int = 1000) -> list[tuple[str, str]]:
        """Return (event id, payload) of events stored but not handled, oldest first."""
        rows = await self._fetch(
            "SELECT event_id, payload FROM inbox WHERE channel = $1 AND done_at IS NULL"
            " ORDER BY seq LIMIT $2",
            channel,
            limit,
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def inbox_prune(self, older_than_days: float) -> int:
        """Delete handled events older than that; return how many."""
        cutoff = datetime.fromtimestamp(
            datetime.now(UTC).timestamp() - older_than_days * 86400, UTC
        ).isoformat(timespec="seconds")
        return await self._execute(
            "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < $1", cutoff
        )

    # -- delivery rounds --------------------------------------------------------------------

    @asynccontextmanager
    async def round_leadership(self) -> AsyncIterator[Lease]:
        """Hold a session advisory lock while inside (released at once if the process dies).

        The lock lives on a connection of its own, outside the pool: held for the whole
        round, a pooled one would leave the round's own queries one connection short (with
        ``DATABASE_POOL_SIZE=1``, none). Only taking the lock is watched for outages. The
        lease is lost when that connection is (the server restarted, the network cut it):
        the server has dropped the lock, and another replica may take it.
        """
        try:
            conn = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT)
        except Exception as exc:
            if outage := self._pool.unavailable(exc):
                raise outage from exc
            raise
        try:
            try:
                held = bool(await conn.fetchval("SELECT pg_try_advisory_lock($1)", _ROUND_LOCK))
            except Exception as exc:
                if outage := self._pool.unavailable(exc):
                    raise outage from exc
                raise
            yield Lease(held, alive=lambda: not conn.is_closed())
        finally:
            # closing the session releases the lock (a lost session holds none)
            with contextlib.suppress(*_LOST):
                await asyncio.wait_for(conn.close(), CONNECT_TIMEOUT)
            if not conn.is_closed():
                conn.terminate()

    async def start_round(self, round_id: str, now: float, host: str = "", pid: int = 0) -> None:
        """Register a delivery round, its owner and its first heartbeat."""
        await self._execute(
            "INSERT INTO rounds (id, started_at, heartbeat_at, host, pid)"
            " VALUES ($1, $2, $3, $4, $5)",
            round_id,
            _now(),
            now,
            host,
            pid,
        )

    async def rounds_on_host(self, host: str) -> list[tuple[str, int]]:
        """Return (round id, pid) of the rounds registered by processes on this host."""
        rows = await self._fetch("SELECT id, pid FROM rounds WHERE host = $1", host)
        return [(str(r[0]), int(r[1])) for r in rows]

    async def forget_round(self, round_id: str) -> None:
        """Drop a round whose process is gone; its claims become free at once."""
        await self._execute("DELETE FROM rounds WHERE id = $1", round_id)

    async def heartbeat(self, round_id: str, now: float) -> None:
        """Tell other processes that this round is alive."""
        await self._execute("UPDATE rounds SET heartbeat_at = $1 WHERE id = $2", now, round_id)

    async def finish_round(self, round_id: str) -> None:
        """Forget a finished round; release any claim it still holds."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(
                "UPDATE subscriptions SET claim_round = NULL, claim_on = NULL"
                " WHERE claim_round = $1",
                round_id,
            )
            await conn.execute("DELETE FROM rounds WHERE id = $1", round_id)

    async def due_subscribers(
        self, today: date, hour: int | None, limit: int, after: int = 0
    ) -> list[DueSubscriber]:
        """Return subscribers due now with user id above ``after``, ordered by user id."""
        rows = await self._fetch(
            "SELECT s.user_id, u.channel, u.external_id, s.next_day, u.last_inbound_at"
            " FROM subscriptions AS s JOIN users AS u ON u.id = s.user_id"
            " WHERE s.active = 1 AND s.hour <= $1 AND u.blocked = 0"
            " AND (s.last_sent_on IS NULL OR s.last_sent_on < $2) AND s.user_id > $3"
            " ORDER BY s.user_id LIMIT $4",
            23 if hour is None else hour,
            today.isoformat(),
            after,
            limit,
        )
        return [DueSubscriber(int(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4]) for r in rows]

    async def claim(self, user_id: int, round_id: str, today: date, stale_before: float) -> bool:
        """Claim a due subscriber for this round (see ``db.store.Store.claim``).

        Concurrent claims of one row serialise on its row lock; under READ COMMITTED the
        second re-checks the condition against the first's committed claim and fails.
        """
        changed = await self._execute(
            "UPDATE subscriptions SET claim_round = $1, claim_on = $2"
            " WHERE user_id = $3 AND active = 1"
            " AND (last_sent_on IS NULL OR last_sent_on < $2)"
            " AND (claim_round IS NULL OR claim_on IS DISTINCT FROM $2 OR claim_round = $1"
            "      OR claim_round NOT IN (SELECT id FROM rounds WHERE heartbeat_at >= $4))",
            round_id,
            today.isoformat(),
            user_id,
            stale_before,
        )
        return changed > 0

    async def release(self, user_id: int, round_id: str) -> None:
        """Give a claim back without sending (to retry later)."""
        await self._execute(
            "UPDATE subscriptions SET claim_round = NULL, claim_on = NULL"
            " WHERE user_id = $1 AND claim_round = $2",
            user_id,
            round_id,
        )

    async def finish_course(self, user_id: int, today: date) -> None:
        """Stop pushing to a user who has received every lesson."""
        await self._execute(
            "UPDATE subscriptions SET active = 0, last_sent_on = $1, claim_round = NULL,"
            " claim_on = NULL WHERE user_id = $2",
            today.isoformat(),
            user_id,
        )

    async def count_deliveries_on(self, today: date) -> int:
        """Return how many lessons were recorded as sent on this Dhaka date."""
        row = await self._fetchrow(
            "SELECT COUNT(*) FROM deliveries WHERE sent_on = $1", today.isoformat()
        )
        return int(row[0]) if row else 0

    async def add_subscribers(
        self, rows: list[tuple[int, int]], channel: str = "telegram"
    ) -> None:
        """Bulk-create active subscribers (id, hour), the channel's id equal to the internal one.

        For benchmarks and tests.
        """
        now = _now()
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                "INSERT INTO users (id, channel, external_id, first_name, created_at, last_seen,"
                " last_inbound_at) VALUES ($1, $2, $3, '', $4, $4, $4) ON CONFLICT DO NOTHING",
                [(uid, channel, str(uid), now) for uid, _ in rows],
            )
            await conn.executemany(
                "INSERT INTO subscriptions (user_id, active, hour, subscribed_at)"
                " VALUES ($1, 1, $2, $3) ON CONFLICT DO NOTHING",
                [(uid, hour, now) for uid, hour in rows],
            )
            # explicit ids must not collide with the ids the sequence hands out later
            await conn.execute(
                "SELECT setval(pg_get_serial_sequence('users', 'id'),"
                " GREATEST((SELECT MAX(id) FROM users), 1))"
            )
        await asyncio.sleep(0)

    # -- copying a deployment (python main.py copy-db) ----------------------------------

    async def read_table(self, table: str, batch: int = 5000) -> AsyncIterator[list[tuple]]:
        """Yield every row of one of ``db.tables.TABLES`` in batches, in key order."""
        columns = TABLES[table]
        order = "seq" if table == "inbox" else columns[0]
        async with self._pool.acquire() as conn, conn.transaction():
            cursor = conn.cursor(f"SELECT {', '.join(columns)} FROM {table} ORDER BY {order}")
            rows: list[tuple] = []
            async for record in cursor:
                rows.append(tuple(record))
                if len(rows) >= batch:
                    yield rows
                    rows = []
            if rows:
                yield rows

    async def replace_all(self, tables: dict[str, list[tuple]]) -> None:
        """Empty every table of ``db.tables.TABLES`` and fill them, in one transaction."""
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
            for table, columns in TABLES.items():
                rows = tables.get(table, [])
                if rows:
                    await conn.copy_records_to_table(table, records=rows, columns=list(columns))
            for table in (
                "users",
                "questions",
                "topic_views",
                "feedback",
                "offer_checks",
                "admin_audit",
                "learned_examples",
                "broadcasts",
            ):
                await conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" GREATEST((SELECT MAX(id) FROM {table}), 1))"
                )

    # -- operators' dashboard (issue 12) ----------------------------------------------------

    async def add_audit(self, actor: str, action: str, detail: str = "", ip: str = "") -> None:
        """Record an admin action (who, what, when)."""
        await self._execute(
            "INSERT INTO admin_audit (at, actor, action, detail, ip) VALUES ($1, $2, $3, $4, $5)",
            _now(),
            actor[:80],
            action[:40],
            detail[:500],
            ip[:60],
        )

    async def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        """Return the latest admin actions, newest first."""
        rows = await self._fetch(
            "SELECT at, actor, action, detail, ip FROM admin_audit ORDER BY id DESC LIMIT $1",
            limit,
        )
        return [AuditEntry(*map(str, r)) for r in rows]

    async def admin_overview(self, now: datetime, today: date, days: int = 30) -> Overview:
        """Return the overview's counts; ``now`` is UTC, ``today`` the Dhaka date."""
        cut = {n: (now - timedelta(days=n)).isoformat(timespec="seconds") for n in (1, 7, 30)}
        since = (now - timedelta(days=days - 1)).date().isoformat()
        since_dhaka = (today - timedelta(days=days - 1)).isoformat()
        rows = await self._fetch(
            "SELECT channel, COUNT(*), SUM(blocked), SUM((last_seen >= $1)::int),"
            " SUM((last_seen >= $2)::int), SUM((last_seen >= $3)::int) FROM users"
            " GROUP BY channel",
            cut[1],
            cut[7],
            cut[30],
        )
        by_channel = {str(r[0]): int(r[1]) for r in rows}
        blocked = sum(int(r[2] or 0) for r in rows)
        active = {n: sum(int(r[i] or 0) for r in rows) for i, n in ((3, 1), (4, 7), (5, 30))}
        new_rows = await self._fetch(
            "SELECT substr(created_at, 1, 10) AS d, COUNT(*) FROM users"
            " WHERE created_at >= $1 GROUP BY d",
            since,
        )
        course = await self._fetch(
            "SELECT next_day, COUNT(*), SUM(active) FROM subscriptions GROUP BY next_day"
        )
        lesson_rows = await self._fetch(
            "SELECT sent_on, COUNT(*) FROM deliveries WHERE sent_on >= $1 GROUP BY sent_on",
            since_dhaka,
        )
        quiz_rows = await self._fetch(
            "SELECT day, COUNT(*), SUM(correct) FROM quiz_answers GROUP BY day"
        )
        row = await self._fetchrow("SELECT COUNT(*) FROM questions WHERE topic_id IS NULL")
        return _overview(
            by_channel,
            blocked,
            active,
            {str(r[0]): int(r[1]) for r in new_rows},
            [(int(r[0]), int(r[1]), int(r[2] or 0)) for r in course],
            {str(r[0]): int(r[1]) for r in lesson_rows},
            {int(r[0]): (int(r[1]), int(r[2] or 0)) for r in quiz_rows},
            int(row[0]) if row else 0,
        )

    async def topic_stats(self) -> list[TopicStats]:
        """Return views, 👍 and 👎 per topic that has any, most viewed first."""
        view_rows = await self._fetch(
            "SELECT topic_id, COUNT(*) FROM topic_views GROUP BY topic_id"
        )
        vote_rows = await self._fetch(
            "SELECT topic_id, SUM(positive), SUM(1 - positive) FROM feedback GROUP BY topic_id"
        )
        return _topic_stats(
            {str(r[0]): int(r[1]) for r in view_rows},
            {str(r[0]): (int(r[1] or 0), int(r[2] or 0)) for r in vote_rows},
        )

    async def downvoted_questions(self, limit: int = 50) -> list[tuple[str, str, int]]:
        """Return (topic id, question, times) of questions whose answer got a 👎."""
        rows = await self._fetch(
            "SELECT topic_id, question, COUNT(*) AS n FROM feedback"
            " WHERE positive = 0 AND question IS NOT NULL GROUP BY topic_id, question"
            " ORDER BY n DESC, topic_id LIMIT $1",
            limit,
        )
        return [(str(r[0]), str(r[1]), int(r[2])) for r in rows]

    async def review_candidates(self, below: float, limit: int = 200_000) -> list[ReviewCandidate]:
        """Return distinct questions unanswered or answered below ``below``, most asked first."""
        rows = await self._fetch(
            "SELECT text, COUNT(*) AS n, MAX(score) FROM questions"
            " WHERE topic_id IS NULL OR score < $1 GROUP BY text ORDER BY n DESC LIMIT $2",
            float(below),
            limit,
        )
        return [ReviewCandidate(str(r[0]), int(r[1]), float(r[2])) for r in rows]

    async def review_decisions(self) -> dict[str, str]:
        """Return group key → decision ('accepted', 'rejected', 'skipped')."""
        rows = await self._fetch("SELECT group_key, decision FROM review_decisions")
        return {str(r[0]): str(r[1]) for r in rows}

    async def decide_review(
        self, group_key: str, decision: str, topic_id: str | None, actor: str
    ) -> None:
        """Record (or replace) the decision on a review group."""
        await self._execute(
            "INSERT INTO review_decisions (group_key, decision, topic_id, decided_at, actor)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (group_key) DO UPDATE SET"
            " decision = EXCLUDED.decision, topic_id = EXCLUDED.topic_id,"
            " decided_at = EXCLUDED.decided_at, actor = EXCLUDED.actor",
            group_key,
            decision,
            topic_id,
            _now(),
            actor,
        )

    async def add_learned_examples(self, examples: list[LearnedExample], actor: str) -> int:
        """Store accepted phrasings; return how many were new."""
        now = _now()
        added = 0
        async with self._pool.acquire() as conn, conn.transaction():
            for ex in examples:
                status = await conn.execute(
                    "INSERT INTO learned_examples (topic_id, text, group_key, added_at, actor)"
                    " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (topic_id, text) DO NOTHING",
                    ex.topic_id,
                    ex.text,
                    ex.group_key,
                    now,
                    actor,
                )
                added += 1 if status.endswith(" 1") else 0
        return added

    async def learned_examples(self) -> list[LearnedExample]:
        """Return every accepted phrasing, oldest first."""
        rows = await self._fetch(
            "SELECT topic_id, text, group_key FROM learned_examples ORDER BY id"
        )
        return [LearnedExample(str(r[0]), str(r[1]), str(r[2])) for r in rows]

    async def count_audience(self, audience: str) -> int:
        """Return how many users a broadcast to ``audience`` would address."""
        where, args = _audience_sql(audience, "$1")
        row = await self._fetchrow(f"SELECT COUNT(*) FROM users AS u {where}", *args)
        return int(row[0]) if row else 0

    async def create_broadcast(
        self, text: str, buttons: tuple[str, ...], audience: str, actor: str
    ) -> int:
        """Store a broadcast with one pending row per recipient; return its id."""
        where, args = _audience_sql(audience, "$2")
        async with self._pool.acquire() as conn, conn.transaction():
            broadcast_id = int(
                await conn.fetchval(
                    "INSERT INTO broadcasts (text, buttons, audience, created_at, actor)"
                    " VALUES ($1, $2, $3, $4, $5) RETURNING id",
                    text,
                    " ".join(buttons),
                    audience,
                    _now(),
                    actor,
                )
            )
            status = await conn.execute(
                "INSERT INTO broadcast_targets (broadcast_id, user_id)"
                f" SELECT $1, u.id FROM users AS u {where}",
                broadcast_id,
                *args,
            )
            await conn.execute(
                "UPDATE broadcasts SET total = $1 WHERE id = $2",
                int(status.rsplit(" ", 1)[-1]),
                broadcast_id,
            )
        return broadcast_id

    async def broadcast_info(self, broadcast_id: int) -> BroadcastInfo | None:
        """Return a broadcast with its recipients counted by state."""
        row = await self._fetchrow(
            "SELECT id, text, buttons, audience, created_at, actor, total FROM broadcasts"
            " WHERE id = $1",
            broadcast_id,
        )
        if row is None:
            return None
        rows = await self._fetch(
            "SELECT state, COUNT(*) FROM broadcast_targets WHERE broadcast_id = $1 GROUP BY state",
            broadcast_id,
        )
        return _broadcast(row, {str(r[0]): int(r[1]) for r in rows})

    async def broadcast_ids(self, limit: int = 20) -> list[int]:
        """Return the latest broadcasts' ids, newest first."""
        rows = await self._fetch("SELECT id FROM broadcasts ORDER BY id DESC LIMIT $1", limit)
        return [int(r[0]) for r in rows]

    async def broadcast_pending(
        self, broadcast_id: int, limit: int, after: int = 0
    ) -> list[BroadcastTarget]:
        """Return recipients without an outcome and with user id above ``after``, by user id."""
        rows = await self._fetch(
            "SELECT t.user_id, u.channel, u.external_id, u.last_inbound_at"
            " FROM broadcast_targets AS t JOIN users AS u ON u.id = t.user_id"
            " WHERE t.broadcast_id = $1 AND t.state = 'pending' AND t.user_id > $2"
            " ORDER BY t.user_id LIMIT $3",
            broadcast_id,
            after,
            limit,
        )
        return [BroadcastTarget(int(r[0]), str(r[1]), str(r[2]), r[3]) for r in rows]

    async def claim_broadcast(
        self, broadcast_id: int, user_id: int, round_id: str, stale_before: float
    ) -> bool:
        """Claim a pending recipient for this round; False if done or held by a live round."""
        changed = await self._execute(
            "UPDATE broadcast_targets SET claim_round = $1"
            " WHERE broadcast_id = $2 AND user_id = $3 AND state = 'pending'"
            " AND (claim_round IS NULL OR claim_round = $1 OR claim_round NOT IN"
            "      (SELECT id FROM rounds WHERE heartbeat_at >= $4))",
            round_id,
            broadcast_id,
            user_id,
            stale_before,
        )
        return changed > 0

    async def finish_broadcast_target(self, broadcast_id: int, user_id: int, state: str) -> None:
        """Record a recipient's outcome ('sent', 'skipped', 'blocked', 'failed')."""
        await self._execute(
            "UPDATE broadcast_targets SET state = $1, done_at = $2, claim_round = NULL"
            " WHERE broadcast_id = $3 AND user_id = $4",
            state,
            _now(),
            broadcast_id,
            user_id,
        )

    async def release_broadcast_claims(self, round_id: str) -> None:
        """Give back every claim a round still holds (it retries those later)."""
        await self._execute(
            "UPDATE broadcast_targets SET claim_round = NULL WHERE claim_round = $1", round_id
        )

    async def add_users(self, rows: list[tuple[str, str, str, str, int]]) -> None:
        """Bulk-create users (channel, external id, created_at, last_seen, blocked).

        For benchmarks and tests.
        """
        async with self._pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                "INSERT INTO users (channel, external_id, first_name, created_at, last_seen,"
                " last_inbound_at, blocked) VALUES ($1, $2, '', $3, $4, $4, $5)",
                rows,
            )
