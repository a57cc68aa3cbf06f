"""Storage on a real SQLite file: migrations, users, questions, feedback, the course."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest

from db.store import MIGRATIONS_DIR, Store


async def test_migrations_create_schema_and_record_version(tmp_path: Path) -> None:
    path = tmp_path / "fresh.sqlite3"
    store = await Store.open(path)
    latest = max(int(p.name[:4]) for p in MIGRATIONS_DIR.glob("*.sql"))
    assert await store.schema_version() == latest
    await store.close()
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {
            "users",
            "questions",
            "topic_views",
            "feedback",
            "subscriptions",
            "deliveries",
            "quiz_answers",
            "rounds",
        } <= tables
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_migrations_apply_only_pending_ones(tmp_path: Path) -> None:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_a.sql").write_text("CREATE TABLE a (x INTEGER);\n")
    store = await Store.open(tmp_path / "m.sqlite3")
    assert await store.migrate(migrations) >= 1  # the shipped ones already ran
    await store.close()
    # a second open applies nothing twice (CREATE TABLE would fail if re-run)
    store = await Store.open(tmp_path / "m.sqlite3")
    assert await store.migrate(MIGRATIONS_DIR) == await store.schema_version()
    await store.close()


async def test_failed_migration_rolls_back(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "r.sqlite3")
    version = await store.schema_version()
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / f"{version + 1:04d}_bad.sql").write_text(
        "CREATE TABLE half (x INTEGER);\nTHIS IS NOT SQL;\n"
    )
    with pytest.raises(sqlite3.OperationalError):
        await store.migrate(bad)
    assert await store.schema_version() == version
    await store.close()
    with sqlite3.connect(tmp_path / "r.sqlite3") as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert "half" not in names


async def test_user_questions_feedback_and_delete(store: Store) -> None:
    first = await store.touch_user("telegram", "7", "Rahim", "bn")
    again = await store.touch_user("telegram", "7", "Rahim Uddin", "en")
    other_channel = await store.touch_user("messenger", "7", "Rahim", None)
    assert first == again != other_channel  # one user per (channel, external id)
    assert await store.user_id_for("telegram", "7") == first
    assert await store.user_id_for("telegram", "8") is None
    await store.delete_user(other_channel)
    assert await store.count_users() == 1
    uid = first
    await store.log_question(uid, "payoneer theke taka", "payment_withdrawal", 0.8)
    await store.log_question(uid, "ajke brishti hobe", None, 0.05)
    await store.log_question(uid, "ajke brishti hobe", None, 0.04)
    await store.log_view(uid, "payment_withdrawal", "question")
    last = await store.last_question_for(uid, "payment_withdrawal")
    assert last == "payoneer theke taka"
    await store.add_feedback(uid, "payment_withdrawal", False, last)
    assert await store.feedback_rows(uid) == [("payment_withdrawal", False, "payoneer theke taka")]
    unanswered = await store.unanswered(0.3)
    assert unanswered[0].text == "ajke brishti hobe" and unanswered[0].count == 2
    await store.set_blocked(uid, True)
    assert await store.is_blocked(uid)
    await store.touch_user("telegram", "7", "Rahim", "bn")  # writing again clears the flag
    assert not await store.is_blocked(uid)
    await store.delete_user(uid)
    for table in ("users", "questions", "topic_views", "feedback"):
        assert await store.count_rows(table) == 0


async def test_subscription_lifecycle(store: Store) -> None:
    assert await store.touch_user("telegram", "1", "A", None) == 1  # a fresh database
    assert await store.subscribe(1, 9) is True
    assert await store.subscribe(1, 9) is False  # repeated /subscribe changes nothing
    assert await store.set_hour(1, 20)
    sub = await store.get_subscription(1)
    assert sub is not None and sub.active and sub.hour == 20 and sub.next_day == 1
    assert await store.unsubscribe(1) is True
    assert await store.unsubscribe(1) is False
    assert await store.subscribe(1, 9) is True
    assert (await store.get_subscription(1)).hour == 20  # type: ignore[union-attr]


async def test_due_claim_and_delivery_once_a_day(store: Store) -> None:
    today = date(2026, 11, 26)
    await store.add_subscribers([(1, 9), (2, 9), (3, 21)])
    due = await store.due_subscribers(today, 10, 100)
    assert [(d.user_id, d.channel, d.external_id) for d in due] == [
        (1, "telegram", "1"),
        (2, "telegram", "2"),
    ]
    assert [d.user_id for d in await store.due_subscribers(today, None, 100)] == [1, 2, 3]
    await store.start_round("r1", 1000.0)
    await store.start_round("r2", 1000.0)
    assert await store.claim(1, "r1", today, stale_before=0.0)
    assert not await store.claim(1, "r2", today, stale_before=0.0)  # r1 is alive
    assert await store.record_delivery(1, 1, today, "push")
    assert not await store.claim(1, "r2", today, stale_before=0.0)  # sent today
    assert [d.user_id for d in await store.due_subscribers(today, None, 100)] == [2, 3]
    tomorrow = today + timedelta(days=1)
    due = await store.due_subscribers(tomorrow, 9, 100)
    assert [(d.user_id, d.next_day) for d in due] == [(1, 2), (2, 1)]


async def test_claim_of_a_dead_round_is_taken_over(store: Store) -> None:
    today = date(2026, 11, 26)
    await store.add_subscribers([(5, 9)])
    await store.start_round("dead", 100.0)
    assert await store.claim(5, "dead", today, stale_before=0.0)
    await store.start_round("alive", 200.0)
    assert not await store.claim(5, "alive", today, stale_before=50.0)
    assert await store.claim(5, "alive", today, stale_before=150.0)


async def test_quiz_answer_counts_once_and_streaks(store: Store) -> None:
    assert await store.touch_user("telegram", "3", "C", None) == 1
    start = date(2026, 11, 1)
    for offset in (0, 1, 2, 4, 5):  # a gap on day 3
        day = start + timedelta(days=offset)
        assert await store.record_delivery(1, offset + 1, day, "push")
        assert await store.record_quiz_answer(1, offset + 1, 0, offset != 1, day)
    assert not await store.record_quiz_answer(1, 1, 1, True, start)
    progress = await store.progress(1, start + timedelta(days=5))
    assert progress.lessons_done == 5
    assert (progress.quiz_answered, progress.quiz_right) == (5, 4)
    assert (progress.current_streak, progress.best_streak) == (2, 3)
    later = await store.progress(1, start + timedelta(days=9))
    assert later.current_streak == 0 and later.best_streak == 3


async def test_data_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "keep.sqlite3"
    store = await Store.open(path)
    uid = await store.touch_user("telegram", "9", "Keep", "bn")
    await store.log_question(uid, "q", None, 0.1)
    await store.close()
    store = await Store.open(path)
    assert await store.count_users() == 1
    assert await store.count_rows("questions") == 1
    await store.close()


async def test_inbox_dedupes_replays_and_forgets_payloads(store: Store) -> None:
    assert await store.inbox_put("telegram", "101", '{"update_id": 101}')
    assert not await store.inbox_put("telegram", "101", '{"update_id": 101}')  # duplicate
    assert await store.inbox_put("messenger", "101", "{}")  # another channel's id space
    assert await store.inbox_put("telegram", "102", '{"update_id": 102}')
    assert await store.inbox_pending("telegram") == [
        ("101", '{"update_id": 101}'),
        ("102", '{"update_id": 102}'),
    ]
    await store.inbox_done("telegram", "101")
    assert await store.inbox_pending("telegram") == [("102", '{"update_id": 102}')]
    assert not await store.inbox_put("telegram", "101", "again")  # still known when done
    assert await store.inbox_prune(older_than_days=1) == 0  # too recent
    assert await store.inbox_prune(older_than_days=-1) == 1  # the done one only
    assert await store.count_rows("inbox") == 2


async def test_one_round_leader_at_a_time(store: Store, tmp_path: Path) -> None:
    """PostgreSQL grants the round to one process at a time; SQLite always grants it."""
    from db.postgres import PostgresStore

    async with store.round_leadership() as first:
        assert first
        if isinstance(store, PostgresStore):
            other = await PostgresStore.open(_url_of(store))
            try:
                async with other.round_leadership() as second:
                    assert not second  # held by the first
            finally:
                await other.close()
    if isinstance(store, PostgresStore):
        other = await PostgresStore.open(_url_of(store))
        try:
            async with other.round_leadership() as again:
                assert again  # released when the first left
        finally:
            await other.close()


def _url_of(store: object) -> str:
    return str(store.url)  # type: ignore[attr-defined]
