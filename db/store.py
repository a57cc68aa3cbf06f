"""All SQL of the project: the SQLite storage over one aiosqlite connection.

Each method is one query (or one short transaction) and returns plain values or dataclasses.
It implements ``db.protocol.Storage``; methods below "inspection" serve tests and benchmarks.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import aiosqlite

from db.admin_types import (
    AuditEntry,
    BroadcastInfo,
    BroadcastTarget,
    LearnedExample,
    Overview,
    ReviewCandidate,
    TopicStats,
)
from db.group_commit import GroupCommit, inline_connection
from db.protocol import DueSubscriber, Lease, Progress, Subscription, UnansweredQuestion
from db.tables import TABLES

__all__ = ["MIGRATIONS_DIR", "DatabaseOpenError", "Store"]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
logger = logging.getLogger(__name__)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class DatabaseOpenError(RuntimeError):
    """The database cannot be opened or migrated; the message is one line for the operator."""

    def __init__(self, path: str | Path, cause: BaseException | str) -> None:
        super().__init__(f"cannot open the database at {path}: {cause}")


class Store:
    """SQLite storage. Open with ``await Store.open(path)``; close with ``close()``."""

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn
        # aiosqlite runs one connection on one thread; the lock keeps multi-statement
        # transactions from interleaving when handlers run concurrently.
        self._lock = asyncio.Lock()
        # the statements every update makes go to the database thread together under load
        self._hot = GroupCommit(conn, self._lock)

    @classmethod
    async def open(cls, path: str | Path) -> Store:
        """Open (creating if needed) the database, enable WAL and apply migrations.

        Raises DatabaseOpenError (and leaves no connection open) if any step fails.
        """
        try:
            if str(path) != ":memory:":
                _create_private(Path(path))
        except OSError as exc:
            raise DatabaseOpenError(path, exc) from exc
        conn = aiosqlite.connect(str(path), isolation_level=None, timeout=30)
        try:
            await conn
        except sqlite3.Error as exc:
            # aiosqlite asks its worker thread to stop without waiting for it; wait here,
            # while the event loop still runs, or the thread fails on a closed loop
            worker = getattr(conn, "_thread", None)
            if worker is not None:
                await asyncio.to_thread(worker.join, 5.0)
            raise DatabaseOpenError(path, exc) from exc
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            await conn.execute("PRAGMA busy_timeout=30000")
            # deleted rows are overwritten, not just unlinked (the default depends on the build)
            await conn.execute("PRAGMA secure_delete=ON")
            store = cls(conn)
            await store.migrate()
            if str(path) != ":memory:":
                _tighten_private(Path(path))
            # after the migrations: the second connection must see the final schema
            store._hot.use_inline(inline_connection(str(path)))
        except BaseException as exc:
            # an open aiosqlite connection is a live thread: the process could never exit
            await conn.close()
            if isinstance(exc, OSError | sqlite3.Error):
                raise DatabaseOpenError(path, exc) from exc
            raise
        return store

    async def close(self) -> None:
        """Close the connections."""
        await self._hot.wait_checkpoint()
        self._hot.close()
        await self._conn.close()

    @asynccontextmanager
    async def _tx(self) -> AsyncIterator[aiosqlite.Connection]:
        """Run statements in one write transaction (BEGIN IMMEDIATE … COMMIT)."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    # -- schema ----------------------------------------------------------------------------

    async def schema_version(self) -> int:
        """Return the applied migration number (``PRAGMA user_version``)."""
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def migrate(self, directory: Path = MIGRATIONS_DIR) -> int:
        """Apply pending numbered ``NNNN_name.sql`` migrations; return the new version."""
        files = sorted(directory.glob("[0-9][0-9][0-9][0-9]_*.sql"))
        version = await self.schema_version()
        for path in files:
            number = int(path.name[:4])
            if number <= version:
                continue
            script = path.read_text(encoding="utf-8")
            async with self._tx() as conn:
                for statement in _split_sql(script):
                    await conn.execute(statement)
                await conn.execute(f"PRAGMA user_version = {number}")
            version = number
        return version

    # -- users -----------------------------------------------------------------------------

    async def touch_user(
        self, channel: str, external_id: str, first_name: str, language: str | None
    ) -> int:
        """Register a channel's user or refresh their name, last-seen and last inbound time.

        Clears the blocked flag (the user wrote, so they can be reached); returns the id.
        """
        now = _now()

        def upsert(conn: sqlite3.Connection) -> int:
            return int(
                conn.execute(
                    "INSERT INTO users (channel, external_id, first_name, language, created_at,"
                    " last_seen, last_inbound_at, blocked) VALUES (?, ?, ?, ?, ?, ?, ?, 0)"
                    " ON CONFLICT(channel, external_id) DO UPDATE SET"
                    " first_name = excluded.first_name, language = excluded.language,"
                    " last_seen = excluded.last_seen,"
                    " last_inbound_at = excluded.last_inbound_at, blocked = 0 RETURNING id",
                    (channel, external_id, first_name[:100], language, now, now, now),
                ).fetchone()[0]
            )

        return await self._hot.run(upsert)

    async def user_id_for(self, channel: str, external_id: str) -> int | None:
        """Return the internal id of a channel's user, if they are known."""
        async with self._conn.execute(
            "SELECT id FROM users WHERE channel = ? AND external_id = ?", (channel, external_id)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else None

    async def set_blocked(self, user_id: int, blocked: bool) -> None:
        """Mark whether the user has blocked the bot."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE users SET blocked = ? WHERE id = ?", (int(blocked), user_id)
            )

    async def is_blocked(self, user_id: int) -> bool:
        """Tell whether the user is marked as having blocked the bot."""
        async with self._conn.execute("SELECT blocked FROM users WHERE id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        return bool(row and row[0])

    async def delete_user(self, user_id: int) -> None:
        """Delete the user and, by cascade, everything stored about them.

        With ``secure_delete`` the freed pages are zeroed; the checkpoint then moves them into
        the database file and empties the ``-wal`` file, which still held the old pages.
        """
        async with self._lock:
            await self._conn.execute("DELETE FROM users WHERE id = ?", (user_id,))
            await self._checkpoint()

    async def _checkpoint(self) -> None:
        """Copy the WAL into the database file and truncate it (call holding the lock)."""
        await self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    async def forget_old_questions(self, before: datetime) -> int:
        """Blank the text of questions (and feedback) older than ``before``; keep topic, score.

        Returns how many question texts were removed. The retention rule of README
        (QUESTION_RETENTION_DAYS) calls this at start and once a day.
        """
        cutoff = before.astimezone(UTC).isoformat(timespec="seconds")
        async with self._lock:
            cur = await self._conn.execute(
                "UPDATE questions SET text = '' WHERE asked_at < ? AND text != ''", (cutoff,)
            )
            removed = cur.rowcount
            cur = await self._conn.execute(
                "UPDATE feedback SET question = NULL"
                " WHERE created_at < ? AND question IS NOT NULL",
                (cutoff,),
            )
            if removed or cur.rowcount:
                await self._checkpoint()
        return max(removed, 0)

    async def count_users(self) -> int:
        """Return the number of registered users."""
        async with self._conn.execute("SELECT COUNT(*) FROM users") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- questions, views, feedback ---------------------------------------------------------

    async def log_question(
        self, user_id: int, text: str, topic_id: str | None, score: float
    ) -> None:
        """Record a free-text question with the topic it matched."""
        sql, values = (
            "INSERT INTO questions (user_id, text, topic_id, score, asked_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (user_id, text[:1000], topic_id, score, _now()),
        )
        await self._hot.run(lambda conn: conn.execute(sql, values).close())

    async def last_question_for(self, user_id: int, topic_id: str) -> str | None:
        """Return the user's latest question answered with this topic, if any."""
        async with self._conn.execute(
            "SELECT text FROM questions WHERE user_id = ? AND topic_id = ? AND text != ''"
            " ORDER BY id DESC LIMIT 1",
            (user_id, topic_id),
        ) as cur:
            row = await cur.fetchone()
        return str(row[0]) if row else None

    async def log_view(self, user_id: int, topic_id: str, source: str) -> None:
        """Record that the user opened a topic."""
        sql, values = (
            "INSERT INTO topic_views (user_id, topic_id, source, viewed_at) VALUES (?, ?, ?, ?)",
            (user_id, topic_id, source, _now()),
        )
        await self._hot.run(lambda conn: conn.execute(sql, values).close())

    async def add_feedback(
        self, user_id: int, topic_id: str, positive: bool, question: str | None
    ) -> None:
        """Record a 👍 or 👎 on a topic, with the question that led there."""
        async with self._lock:
            await self._conn.execute(
                "INSERT INTO feedback (user_id, topic_id, positive, question, created_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (user_id, topic_id, int(positive), question, _now()),
            )

    async def log_offer_check(self, verdict: str, flag_ids: list[str]) -> None:
        """Record a scam check's verdict and red-flag ids (never the offer, never who asked)."""
        sql, values = (
            "INSERT INTO offer_checks (verdict, flags, checked_at) VALUES (?, ?, ?)",
            (verdict, " ".join(flag_ids), _now()),
        )
        await self._hot.run(lambda conn: conn.execute(sql, values).close())

    async def feedback_rows(self, user_id: int) -> list[tuple[str, bool, str | None]]:
        """Return the user's feedback as (topic id, positive, question), oldest first."""
        async with self._conn.execute(
            "SELECT topic_id, positive, question FROM feedback WHERE user_id = ? ORDER BY id",
            (user_id,),
        ) as cur:
            rows = await cur.fetchall()
        return [(str(r[0]), bool(r[1]), r[2]) for r in rows]

    async def unanswered(self, below: float, limit: int = 20) -> list[UnansweredQuestion]:
        """Return the most frequent questions whose match score was below ``below``."""
        async with self._conn.execute(
            "SELECT lower(trim(text)) AS q, COUNT(*) AS n, MAX(score) FROM questions"
            " WHERE score < ? AND text != '' GROUP BY q ORDER BY n DESC, q LIMIT ?",
            (below, limit),
        ) as cur:
            rows = await cur.fetchall()
        return [UnansweredQuestion(str(r[0]), int(r[1]), float(r[2])) for r in rows]

    async def count_rows(self, table: str) -> int:
        """Return the number of rows in one of the project's tables (for tests and stats)."""
        if table not in TABLES:
            raise ValueError(table)
        async with self._conn.execute(f"SELECT COUNT(*) FROM {table}") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    # -- subscriptions ----------------------------------------------------------------------

    async def get_subscription(self, user_id: int) -> Subscription | None:
        """Return the user's subscription, active or not, if they ever subscribed."""
        rows = await self._conn.execute_fetchall(
            "SELECT user_id, active, hour, next_day, last_sent_on FROM subscriptions"
            " WHERE user_id = ?",
            (user_id,),
        )
        row = next(iter(rows), None)
        return Subscription(row[0], bool(row[1]), row[2], row[3], row[4]) if row else None

    async def subscribe(self, user_id: int, hour: int) -> bool:
        """Start (or restart) daily lessons; return False if already active."""
        async with self._tx() as conn:
            cur = await conn.execute(
                "SELECT active FROM subscriptions WHERE user_id = ?", (user_id,)
            )
            row = await cur.fetchone()
            if row and row[0]:
                return False
            await conn.execute(
                "INSERT INTO subscriptions (user_id, active, hour, subscribed_at)"
                " VALUES (?, 1, ?, ?)"
                " ON CONFLICT(user_id) DO UPDATE SET active = 1",
                (user_id, hour, _now()),
            )
            return True

    async def unsubscribe(self, user_id: int) -> bool:
        """Stop daily lessons; return False if they were not active."""
        async with self._lock:
            cur = await self._conn.execute(
                "UPDATE subscriptions SET active = 0 WHERE user_id = ? AND active = 1",
                (user_id,),
            )
            return cur.rowcount > 0

    async def set_hour(self, user_id: int, hour: int) -> bool:
        """Set the delivery hour; return False if the user has no subscription row."""
        async with self._lock:
            cur = await self._conn.execute(
                "UPDATE subscriptions SET hour = ? WHERE user_id = ?", (hour, user_id)
            )
            return cur.rowcount > 0

    async def ensure_course_row(self, user_id: int, hour: int) -> None:
        """Create an inactive course row so a non-subscriber can still read lessons."""
        async with self._lock:
            await self._conn.execute(
                "INSERT INTO subscriptions (user_id, active, hour, subscribed_at)"
                " VALUES (?, 0, ?, ?) ON CONFLICT(user_id) DO NOTHING",
                (user_id, hour, _now()),
            )

    # -- lessons and quiz -------------------------------------------------------------------

    async def record_delivery(self, user_id: int, day: int, today: date, via: str) -> bool:
        """Record that lesson ``day`` reached the user and advance their course.

        Returns False (and changes nothing) if that lesson was already recorded.
        """
        async with self._tx() as conn:
            cur = await conn.execute(
                "INSERT INTO deliveries (user_id, day, sent_on, sent_at, via)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(user_id, day) DO NOTHING",
                (user_id, day, today.isoformat(), _now(), via),
            )
            fresh = cur.rowcount > 0
            await conn.execute(
                "UPDATE subscriptions SET next_day = MAX(next_day, ?), last_sent_on = ?,"
                " claim_round = NULL, claim_on = NULL WHERE user_id = ?",
                (day + 1, today.isoformat(), user_id),
            )
            return fresh

    async def hold_lesson(self, user_id: int, today: date) -> None:
        """Count today's lesson as offered, not sent: rounds skip the user until tomorrow.

        The course does not advance; the next lesson is still the same one.
        """
        async with self._lock:
            await self._conn.execute(
                "UPDATE subscriptions SET last_sent_on = ?, claim_round = NULL, claim_on = NULL"
                " WHERE user_id = ?",
                (today.isoformat(), user_id),
            )

    async def delivered_days(self, user_id: int) -> set[int]:
        """Return the course days whose lesson the user has received."""
        async with self._conn.execute(
            "SELECT day FROM deliveries WHERE user_id = ?", (user_id,)
        ) as cur:
            return {int(r[0]) for r in await cur.fetchall()}

    async def record_quiz_answer(
        self, user_id: int, day: int, option: int, correct: bool, today: date
    ) -> bool:
        """Store a quiz answer; return False if this quiz was already answered."""
        async with self._lock:
            cur = await self._conn.execute(
                "INSERT INTO quiz_answers (user_id, day, option, correct, answered_on,"
                " answered_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(user_id, day) DO NOTHING",
                (user_id, day, option, int(correct), today.isoformat(), _now()),
            )
            return cur.rowcount > 0

    async def progress(self, user_id: int, today: date) -> Progress:
        """Return lessons done, quiz score and the current and best daily streaks."""
        async with self._conn.execute(
            "SELECT COUNT(*), COALESCE(SUM(correct), 0) FROM quiz_answers WHERE user_id = ?",
            (user_id,),
        ) as cur:
            row = await cur.fetchone()
        answered, right = (int(row[0]), int(row[1])) if row else (0, 0)
        async with self._conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE user_id = ?", (user_id,)
        ) as cur:
            row = await cur.fetchone()
        done = int(row[0]) if row else 0
        async with self._conn.execute(
            "SELECT DISTINCT answered_on FROM quiz_answers WHERE user_id = ? ORDER BY answered_on",
            (user_id,),
        ) as cur:
            days = [date.fromisoformat(r[0]) for r in await cur.fetchall()]
        current, best = _streaks(days, today)
        return Progress(done, answered, right, current, best)

    # -- inbox ---------------------------------------------------------------------------

    async def inbox_put(self, channel: str, event_id: str, payload: str) -> bool:
        """Store an event; False if this (channel, event id) was seen before (a duplicate)."""
        values = (channel, event_id, payload, _now())

        def put(conn: sqlite3.Connection) -> bool:
            cur = conn.execute(
                "INSERT INTO inbox (channel, event_id, payload, received_at)"
                " VALUES (?, ?, ?, ?) ON CONFLICT(channel, event_id) DO NOTHING",
                values,
            )
            return cur.rowcount > 0

        # what a webhook's answer waits for: with the other hot statements, inline if free
        return await self._hot.run(put)

    async def inbox_put_many(self, channel: str, events: list[tuple[str, str]]) -> set[str]:
        """Store (event id, payload) pairs in one transaction; return the ids new to the inbox.

        A repeat, stored before or earlier in the same list, is not new.
        """
        now = _now()

        def put(conn: sqlite3.Connection) -> set[str]:
            seen: set[str] = set()
            ids = [event_id for event_id, _ in events]
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                marks = ",".join("?" * len(chunk))
                cur = conn.execute(
                    f"SELECT event_id FROM inbox WHERE channel = ? AND event_id IN ({marks})",
                    (channel, *chunk),
                )
                seen.update(str(row[0]) for row in cur.fetchall())
            rows = []
            for event_id, payload in events:
                if event_id not in seen:
                    seen.add(event_id)
                    rows.append((channel, event_id, payload, now))
            conn.executemany(
                "INSERT INTO inbox (channel, event_id, payload, received_at) VALUES (?, ?, ?, ?)",
                rows,
            )
            return {row[1] for row in rows}

        # with the other hot statements: one transaction, inline when the file is free
        return await self._hot.run(put)

    async def inbox_done_many(self, channel: str, event_ids: list[str]) -> None:
        """Mark events handled in one transaction and forget their payloads."""
        rows = [(_now(), channel, event_id) for event_id in event_ids]
        await self._hot.run(
            lambda conn: conn.executemany(
                "UPDATE inbox SET done_at = ?, payload = '' WHERE channel = ? AND event_id = ?",
                rows,
            ).close()
        )

    async def inbox_done(self, channel: str, event_id: str) -> None:
        """Mark an event handled (its replies were sent) and forget its payload."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE inbox SET done_at = ?, payload = '' WHERE channel = ? AND event_id = ?",
                (_now(), channel, event_id),
            )

    async def inbox_pending(self, channel: str, limit: int = 1000) -> list[tuple[str, str]]:
        """Return (event id, payload) of events stored but not handled, oldest first."""
        async with self._conn.execute(
            "SELECT event_id, payload FROM inbox WHERE channel = ? AND done_at IS NULL"
            " ORDER BY received_at, rowid LIMIT ?",
            (channel, limit),
        ) as cur:
            return [(str(r[0]), str(r[1])) for r in await cur.fetchall()]

    async def inbox_prune(self, older_than_days: float) -> int:
        """Delete handled events older than that; return how many."""
        cutoff = datetime.fromtimestamp(
            datetime.now(UTC).timestamp() - older_than_days * 86400, UTC
        ).isoformat(timespec="seconds")
        async with self._lock:
            cur = await self._conn.execute(
                "DELETE FROM inbox WHERE done_at IS NOT NULL AND done_at < ?", (cutoff,)
            )
            return cur.rowcount

    # -- delivery rounds --------------------------------------------------------------------

    @asynccontextmanager
    async def round_leadership(self) -> AsyncIterator[Lease]:
        """Always granted: SQLite serves the processes of one host.

        Claims keep concurrent rounds from sending twice; several processes would each pace
        at the full rate, so run one bot process per SQLite file.
        """
        yield Lease(True)

    async def start_round(self, round_id: str, now: float, host: str = "", pid: int = 0) -> None:
        """Register a delivery round, its owner and its first heartbeat."""
        async with self._lock:
            await self._conn.execute(
                "INSERT INTO rounds (id, started_at, heartbeat_at, host, pid)"
                " VALUES (?, ?, ?, ?, ?)",
                (round_id, _now(), now, host, pid),
            )

    async def rounds_on_host(self, host: str) -> list[tuple[str, int]]:
        """Return (round id, pid) of the rounds registered by processes on this host."""
        async with self._conn.execute("SELECT id, pid FROM rounds WHERE host = ?", (host,)) as cur:
            return [(str(r[0]), int(r[1])) for r in await cur.fetchall()]

    async def forget_round(self, round_id: str) -> None:
        """Drop a round whose process is gone; its claims become free at once."""
        async with self._lock:
            await self._conn.execute("DELETE FROM rounds WHERE id = ?", (round_id,))

    async def heartbeat(self, round_id: str, now: float) -> None:
        """Tell other processes that this round is alive."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE rounds SET heartbeat_at = ? WHERE id = ?", (now, round_id)
            )

    async def finish_round(self, round_id: str) -> None:
        """Forget a finished round; release any claim it still holds."""
        async with self._tx() as conn:
            await conn.execute(
                "UPDATE subscriptions SET claim_round = NULL, claim_on = NULL"
                " WHERE claim_round = ?",
                (round_id,),
            )
            await conn.execute("DELETE FROM rounds WHERE id = ?", (round_id,))

    async def due_subscribers(
        self, today: date, hour: int | None, limit: int, after: int = 0
    ) -> list[DueSubscriber]:
        """Return subscribers due now with user id above ``after``, ordered by user id.

        Due means: active, not blocked, chosen hour reached (any hour when ``hour`` is None)
        and no lesson sent on this Dhaka date. The order lets a round page with ``after``.
        """
        async with self._conn.execute(
            "SELECT s.user_id, u.channel, u.external_id, s.next_day, u.last_inbound_at"
            " FROM subscriptions AS s JOIN users AS u ON u.id = s.user_id"
            " WHERE s.active = 1 AND s.hour <= ? AND u.blocked = 0"
            " AND (s.last_sent_on IS NULL OR s.last_sent_on < ?) AND s.user_id > ?"
            " ORDER BY s.user_id LIMIT ?",
            (23 if hour is None else hour, today.isoformat(), after, limit),
        ) as cur:
            return [
                DueSubscriber(int(r[0]), str(r[1]), str(r[2]), int(r[3]), r[4])
                for r in await cur.fetchall()
            ]

    async def claim(self, user_id: int, round_id: str, today: date, stale_before: float) -> bool:
        """Claim a due subscriber for this round; False if sent today or claimed by a live round.

        A claim held by a round whose heartbeat is older than ``stale_before`` (a crashed
        process) is taken over.
        """
        async with self._lock:
            cur = await self._conn.execute(
                "UPDATE subscriptions SET claim_round = ?, claim_on = ?"
                " WHERE user_id = ? AND active = 1"
                " AND (last_sent_on IS NULL OR last_sent_on < ?)"
                " AND (claim_round IS NULL OR claim_on IS NOT ? OR claim_round = ?"
                "      OR claim_round NOT IN"
                "         (SELECT id FROM rounds WHERE heartbeat_at >= ?))",
                (
                    round_id,
                    today.isoformat(),
                    user_id,
                    today.isoformat(),
                    today.isoformat(),
                    round_id,
                    stale_before,
                ),
            )
            return cur.rowcount > 0

    async def release(self, user_id: int, round_id: str) -> None:
        """Give a claim back without sending (to retry later)."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE subscriptions SET claim_round = NULL, claim_on = NULL"
                " WHERE user_id = ? AND claim_round = ?",
                (user_id, round_id),
            )

    async def finish_course(self, user_id: int, today: date) -> None:
        """Stop pushing to a user who has received every lesson."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE subscriptions SET active = 0, last_sent_on = ?, claim_round = NULL,"
                " claim_on = NULL WHERE user_id = ?",
                (today.isoformat(), user_id),
            )

    async def set_last_inbound(self, channel: str, external_id: str, when: str) -> None:
        """Set when a user last wrote (ISO time, UTC). For tests and benchmarks."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE users SET last_inbound_at = ? WHERE channel = ? AND external_id = ?",
                (when, channel, external_id),
            )

    async def count_deliveries_on(self, today: date) -> int:
        """Return how many lessons were recorded as sent on this Dhaka date."""
        async with self._conn.execute(
            "SELECT COUNT(*) FROM deliveries WHERE sent_on = ?", (today.isoformat(),)
        ) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def add_subscribers(
        self, rows: list[tuple[int, int]], channel: str = "telegram"
    ) -> None:
        """Bulk-create active subscribers (id, hour), the channel's id equal to the internal one.

        For benchmarks and tests.
        """
        now = _now()
        async with self._tx() as conn:
            await conn.executemany(
                "INSERT OR IGNORE INTO users (id, channel, external_id, first_name, created_at,"
                " last_seen, last_inbound_at) VALUES (?, ?, ?, '', ?, ?, ?)",
                [(uid, channel, str(uid), now, now, now) for uid, _ in rows],
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO subscriptions (user_id, active, hour, subscribed_at)"
                " VALUES (?, 1, ?, ?)",
                [(uid, hour, now) for uid, hour in rows],
            )

    # -- copying a deployment (python main.py copy-db) ----------------------------------

    async def read_table(self, table: str, batch: int = 5000) -> AsyncIterator[list[tuple]]:
        """Yield every row of one of ``db.tables.TABLES`` in batches, in key order."""
        columns = TABLES[table]
        async with self._conn.execute(
            f"SELECT {', '.join(columns)} FROM {table} ORDER BY rowid"
        ) as cur:
            while rows := await cur.fetchmany(batch):
                yield [tuple(r) for r in rows]

    async def replace_all(self, tables: dict[str, list[tuple]]) -> None:
        """Empty every table of ``db.tables.TABLES`` and fill them, in one transaction."""
        async with self._tx() as conn:
            for table in reversed(TABLES):
                await conn.execute(f"DELETE FROM {table}")
            for table, columns in TABLES.items():
                marks = ", ".join("?" for _ in columns)
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",
                    tables.get(table, []),
                )

    # -- operators' dashboard (issue 12) ----------------------------------------------------

    async def add_audit(self, actor: str, action: str, detail: str = "", ip: str = "") -> None:
        """Record an admin action (who, what, when)."""
        async with self._lock:
            await self._conn.execute(
                "INSERT INTO admin_audit (at, actor, action, detail, ip) VALUES (?, ?, ?, ?, ?)",
                (_now(), actor[:80], action[:40], detail[:500], ip[:60]),
            )

    async def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        """Return the latest admin actions, newest first."""
        async with self._conn.execute(
            "SELECT at, actor, action, detail, ip FROM admin_audit ORDER BY id DESC LIMIT ?",
            (limit,),
        ) as cur:
            return [AuditEntry(*map(str, r)) for r in await cur.fetchall()]

    async def admin_overview(self, now: datetime, today: date, days: int = 30) -> Overview:
        """Return the overview's counts; ``now`` is UTC, ``today`` the Dhaka date."""
        cut = {n: (now - timedelta(days=n)).isoformat(timespec="seconds") for n in (1, 7, 30)}
        since = (now - timedelta(days=days - 1)).date().isoformat()
        since_dhaka = (today - timedelta(days=days - 1)).isoformat()
        async with self._conn.execute(
            "SELECT channel, COUNT(*), SUM(blocked), SUM(last_seen >= ?), SUM(last_seen >= ?),"
            " SUM(last_seen >= ?) FROM users GROUP BY channel",
            (cut[1], cut[7], cut[30]),
        ) as cur:
            rows = await cur.fetchall()
        by_channel = {str(r[0]): int(r[1]) for r in rows}
        blocked = sum(int(r[2] or 0) for r in rows)
        active = {n: sum(int(r[i] or 0) for r in rows) for i, n in ((3, 1), (4, 7), (5, 30))}
        async with self._conn.execute(
            "SELECT substr(created_at, 1, 10) AS d, COUNT(*) FROM users"
            " WHERE created_at >= ? GROUP BY d",
            (since,),
        ) as cur:
            new_users = {str(r[0]): int(r[1]) for r in await cur.fetchall()}
        async with self._conn.execute(
            "SELECT next_day, COUNT(*), SUM(active) FROM subscriptions GROUP BY next_day"
        ) as cur:
            course_rows = [(int(r[0]), int(r[1]), int(r[2] or 0)) for r in await cur.fetchall()]
        async with self._conn.execute(
            "SELECT sent_on, COUNT(*) FROM deliveries WHERE sent_on >= ? GROUP BY sent_on",
            (since_dhaka,),
        ) as cur:
            lessons = {str(r[0]): int(r[1]) for r in await cur.fetchall()}
        async with self._conn.execute(
            "SELECT day, COUNT(*), SUM(correct) FROM quiz_answers GROUP BY day"
        ) as cur:
            quiz = {int(r[0]): (int(r[1]), int(r[2] or 0)) for r in await cur.fetchall()}
        async with self._conn.execute(
            "SELECT COUNT(*) FROM questions WHERE topic_id IS NULL"
        ) as cur:
            row = await cur.fetchone()
        return _overview(
            by_channel,
            blocked,
            active,
            new_users,
            course_rows,
            lessons,
            quiz,
            int(row[0]) if row else 0,
        )

    async def topic_stats(self) -> list[TopicStats]:
        """Return views, 👍 and 👎 per topic that has any, most viewed first."""
        async with self._conn.execute(
            "SELECT topic_id, COUNT(*) FROM topic_views GROUP BY topic_id"
        ) as cur:
            views = {str(r[0]): int(r[1]) for r in await cur.fetchall()}
        async with self._conn.execute(
            "SELECT topic_id, SUM(positive), SUM(1 - positive) FROM feedback GROUP BY topic_id"
        ) as cur:
            votes = {str(r[0]): (int(r[1] or 0), int(r[2] or 0)) for r in await cur.fetchall()}
        return _topic_stats(views, votes)

    async def downvoted_questions(self, limit: int = 50) -> list[tuple[str, str, int]]:
        """Return (topic id, question, times) of questions whose answer got a 👎."""
        async with self._conn.execute(
            "SELECT topic_id, question, COUNT(*) AS n FROM feedback"
            " WHERE positive = 0 AND question IS NOT NULL GROUP BY topic_id, question"
            " ORDER BY n DESC, topic_id LIMIT ?",
            (limit,),
        ) as cur:
            return [(str(r[0]), str(r[1]), int(r[2])) for r in await cur.fetchall()]

    async def review_candidates(self, below: float, limit: int = 200_000) -> list[ReviewCandidate]:
        """Return distinct questions unanswered or answered below ``below``, most asked first."""
        async with self._conn.execute(
            "SELECT text, COUNT(*) AS n, MAX(score) FROM questions"
            " WHERE topic_id IS NULL OR score < ? GROUP BY text ORDER BY n DESC LIMIT ?",
            (below, limit),
        ) as cur:
            return [
                ReviewCandidate(str(r[0]), int(r[1]), float(r[2])) for r in await cur.fetchall()
            ]

    async def review_decisions(self) -> dict[str, str]:
        """Return group key → decision ('accepted', 'rejected', 'skipped')."""
        async with self._conn.execute("SELECT group_key, decision FROM review_decisions") as cur:
            return {str(r[0]): str(r[1]) for r in await cur.fetchall()}

    async def decide_review(
        self, group_key: str, decision: str, topic_id: str | None, actor: str
    ) -> None:
        """Record (or replace) the decision on a review group."""
        async with self._lock:
            await self._conn.execute(
                "INSERT INTO review_decisions (group_key, decision, topic_id, decided_at, actor)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT(group_key) DO UPDATE SET"
                " decision = excluded.decision, topic_id = excluded.topic_id,"
                " decided_at = excluded.decided_at, actor = excluded.actor",
                (group_key, decision, topic_id, _now(), actor),
            )

    async def add_learned_examples(self, examples: list[LearnedExample], actor: str) -> int:
        """Store accepted phrasings; return how many were new."""
        now = _now()
        added = 0
        async with self._tx() as conn:
            for ex in examples:
                cur = await conn.execute(
                    "INSERT INTO learned_examples (topic_id, text, group_key, added_at, actor)"
                    " VALUES (?, ?, ?, ?, ?) ON CONFLICT(topic_id, text) DO NOTHING",
                    (ex.topic_id, ex.text, ex.group_key, now, actor),
                )
                added += max(cur.rowcount, 0)
        return added

    async def learned_examples(self) -> list[LearnedExample]:
        """Return every accepted phrasing, oldest first."""
        async with self._conn.execute(
            "SELECT topic_id, text, group_key FROM learned_examples ORDER BY id"
        ) as cur:
            return [LearnedExample(str(r[0]), str(r[1]), str(r[2])) for r in await cur.fetchall()]

    async def count_audience(self, audience: str) -> int:
        """Return how many users a broadcast to ``audience`` would address."""
        where, args = _audience_sql(audience, "?")
        async with self._conn.execute(f"SELECT COUNT(*) FROM users AS u {where}", args) as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def create_broadcast(
        self, text: str, buttons: tuple[str, ...], audience: str, actor: str
    ) -> int:
        """Store a broadcast with one pending row per recipient; return its id."""
        where, args = _audience_sql(audience, "?")
        async with self._tx() as conn:
            cur = await conn.execute(
                "INSERT INTO broadcasts (text, buttons, audience, created_at, actor)"
                " VALUES (?, ?, ?, ?, ?) RETURNING id",
                (text, " ".join(buttons), audience, _now(), actor),
            )
            row = await cur.fetchone()
            assert row is not None
            broadcast_id = int(row[0])
            cur = await conn.execute(
                "INSERT INTO broadcast_targets (broadcast_id, user_id)"
                f" SELECT ?, u.id FROM users AS u {where}",
                (broadcast_id, *args),
            )
            await conn.execute(
                "UPDATE broadcasts SET total = ? WHERE id = ?", (cur.rowcount, broadcast_id)
            )
        return broadcast_id

    async def broadcast_info(self, broadcast_id: int) -> BroadcastInfo | None:
        """Return a broadcast with its recipients counted by state."""
        async with self._conn.execute(
            "SELECT id, text, buttons, audience, created_at, actor, total FROM broadcasts"
            " WHERE id = ?",
            (broadcast_id,),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        async with self._conn.execute(
            "SELECT state, COUNT(*) FROM broadcast_targets WHERE broadcast_id = ? GROUP BY state",
            (broadcast_id,),
        ) as cur:
            states = {str(r[0]): int(r[1]) for r in await cur.fetchall()}
        return _broadcast(row, states)

    async def broadcast_ids(self, limit: int = 20) -> list[int]:
        """Return the latest broadcasts' ids, newest first."""
        async with self._conn.execute(
            "SELECT id FROM broadcasts ORDER BY id DESC LIMIT ?", (limit,)
        ) as cur:
            return [int(r[0]) for r in await cur.fetchall()]

    async def broadcast_pending(
        self, broadcast_id: int, limit: int, after: int = 0
    ) -> list[BroadcastTarget]:
        """Return recipients without an outcome and with user id above ``after``, by user id."""
        async with self._conn.execute(
            "SELECT t.user_id, u.channel, u.external_id, u.last_inbound_at"
            " FROM broadcast_targets AS t JOIN users AS u ON u.id = t.user_id"
            " WHERE t.broadcast_id = ? AND t.state = 'pending' AND t.user_id > ?"
            " ORDER BY t.user_id LIMIT ?",
            (broadcast_id, after, limit),
        ) as cur:
            return [
                BroadcastTarget(int(r[0]), str(r[1]), str(r[2]), r[3])
                for r in await cur.fetchall()
            ]

    async def claim_broadcast(
        self, broadcast_id: int, user_id: int, round_id: str, stale_before: float
    ) -> bool:
        """Claim a pending recipient for this round; False if done or held by a live round."""
        async with self._lock:
            cur = await self._conn.execute(
                "UPDATE broadcast_targets SET claim_round = ?"
                " WHERE broadcast_id = ? AND user_id = ? AND state = 'pending'"
                " AND (claim_round IS NULL OR claim_round = ? OR claim_round NOT IN"
                "      (SELECT id FROM rounds WHERE heartbeat_at >= ?))",
                (round_id, broadcast_id, user_id, round_id, stale_before),
            )
            return cur.rowcount > 0

    async def finish_broadcast_target(self, broadcast_id: int, user_id: int, state: str) -> None:
        """Record a recipient's outcome ('sent', 'skipped', 'blocked', 'failed')."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE broadcast_targets SET state = ?, done_at = ?, claim_round = NULL"
                " WHERE broadcast_id = ? AND user_id = ?",
                (state, _now(), broadcast_id, user_id),
            )

    async def release_broadcast_claims(self, round_id: str) -> None:
        """Give back every claim a round still holds (it retries those later)."""
        async with self._lock:
            await self._conn.execute(
                "UPDATE broadcast_targets SET claim_round = NULL WHERE claim_round = ?",
                (round_id,),
            )

    async def add_users(self, rows: list[tuple[str, str, str, str, int]]) -> None:
        """Bulk-create users (channel, external id, created_at, last_seen, blocked).

        For benchmarks and tests.
        """
        async with self._tx() as conn:
            await conn.executemany(
                "INSERT INTO users (channel, external_id, first_name, created_at, last_seen,"
                " last_inbound_at, blocked) VALUES (?, ?, '', ?, ?, ?, ?)",
                [(c, e, made, seen, seen, b) for c, e, made, seen, b in rows],
            )


def _create_private(path: Path) -> None:
    """Create a missing database folder (0700) and file (0600) before SQLite opens them."""
    folder = path.parent
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is reduced by the umask
    if not path.exists():
        # SQLite gives the -wal and -shm files the mode of the database file
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))


def _tighten_private(path: Path) -> None:
    """Tighten an opened database's file (and -wal/-shm) to 0600 and its folder to 0700.

    The folder is tightened only if it holds nothing but this database; a shared folder (the
    working directory, /tmp) is left alone with a warning. Runs after a successful open, so
    a file that turns out not to be a database is not touched.
    """
    if not path.is_file():
        return  # never chmod a device such as /dev/null
    folder = path.parent
    changes: list[str] = []
    if _loose(folder, 0o077):
        names = {path.name, f"{path.name}-wal", f"{path.name}-shm", f"{path.name}-journal"}
        if {child.name for child in folder.iterdir()} <= names:
            changes.append(_tighten(folder, 0o700))
        else:
            logger.warning(
                "the database folder %s is open to other users (%o) and holds other files; "
                "left as it is: keep the database in a folder of its own",
                folder,
                folder.stat().st_mode & 0o777,
            )
    for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if candidate.is_file() and _loose(candidate, 0o177):
            changes.append(_tighten(candidate, 0o600))
    if changes:
        logger.warning("database permissions were too open: %s", "; ".join(changes))


def _loose(path: Path, forbidden: int) -> bool:
    return bool(path.stat().st_mode & forbidden)


def _tighten(path: Path, mode: int) -> str:
    """Chmod ``path`` and describe what was done (or why not: not our file)."""
    old = path.stat().st_mode & 0o777
    try:
        path.chmod(mode)
    except OSError as exc:
        return f"could not tighten {path} ({old:o}): {exc}"
    return f"tightened {path} from {old:o} to {mode:o}"


def _audience_sql(audience: str, mark: str) -> tuple[str, tuple[str, ...]]:
    """Return the WHERE clause over ``users AS u`` for a broadcast audience, with its args."""
    if audience == "everyone":
        return "WHERE u.blocked = 0", ()
    if audience == "subscribers":
        return (
            "WHERE u.blocked = 0 AND u.id IN (SELECT user_id FROM subscriptions WHERE active = 1)",
            (),
        )
    if audience.startswith("channel:") and len(audience) > len("channel:"):
        return f"WHERE u.blocked = 0 AND u.channel = {mark}", (audience[len("channel:") :],)
    raise ValueError(f"unknown audience {audience!r}")


def _overview(
    by_channel: dict[str, int],
    blocked: int,
    active: dict[int, int],
    new_users: dict[str, int],
    course_rows: list[tuple[int, int, int]],
    lessons: dict[str, int],
    quiz: dict[int, tuple[int, int]],
    unanswered: int,
) -> Overview:
    """Assemble the overview; a course row's next_day N means days 1..N-1 were reached."""
    top = max((n for n, _, _ in course_rows), default=1)
    reached = {day: sum(count for n, count, _ in course_rows if n > day) for day in range(1, top)}
    subscribers = sum(active_n for _, _, active_n in course_rows)
    return Overview(
        by_channel, blocked, active, new_users, subscribers, lessons, reached, quiz, unanswered
    )


def _topic_stats(views: dict[str, int], votes: dict[str, tuple[int, int]]) -> list[TopicStats]:
    ids = sorted(set(views) | set(votes), key=lambda t: (-views.get(t, 0), t))
    return [TopicStats(t, views.get(t, 0), *votes.get(t, (0, 0))) for t in ids]


def _broadcast(row: Any, states: dict[str, int]) -> BroadcastInfo:
    buttons = tuple(str(row[2]).split()) if row[2] else ()
    return BroadcastInfo(
        int(row[0]),
        str(row[1]),
        buttons,
        str(row[3]),
        str(row[4]),
        str(row[5]),
        int(row[6]),
        states,
    )


def _streaks(days: list[date], today: date) -> tuple[int, int]:
    """Return (current, best) runs of consecutive days; the current run may end yesterday."""
    best = run = 0
    previous: date | None = None
    for day in days:
        run = run + 1 if previous is not None and (day - previous).days == 1 else 1
        best = max(best, run)
        previous = day
    current = run if previous is not None and (today - previous).days <= 1 else 0
    return current, best


def _split_sql(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement knows where they end)."""
    statements: list[str] = []
    buffer = ""
    for line in script.splitlines(keepends=True):
        if not buffer and line.strip().startswith("--"):
            continue
        buffer += line
        if sqlite3.complete_statement(buffer):
            statements.append(buffer.strip())
            buffer = ""
    if buffer.strip():
        statements.append(buffer.strip())
    return statements
