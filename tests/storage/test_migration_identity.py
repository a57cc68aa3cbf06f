"""Migration 0004: a database of the schema before channels upgrades with nothing lost."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from db.store import MIGRATIONS_DIR, Store, _split_sql


def _old_database(path: Path) -> None:
    """Build the schema of migrations 0001-0003 and fill it as the Telegram-only bot did."""
    conn = sqlite3.connect(path)
    for migration in sorted(MIGRATIONS_DIR.glob("000[123]_*.sql")):
        for statement in _split_sql(migration.read_text(encoding="utf-8")):
            conn.execute(statement)
    conn.execute("PRAGMA user_version = 3")
    now = "2026-11-20T10:00:00+00:00"
    for telegram_id, name in ((111222333, "Rahim"), (444555666, "Karima")):
        conn.execute(
            "INSERT INTO users (id, first_name, language, created_at, last_seen, blocked)"
            " VALUES (?, ?, 'bn', ?, ?, 0)",
            (telegram_id, name, now, now),
        )
    conn.execute(
        "INSERT INTO subscriptions (user_id, active, hour, next_day, last_sent_on, subscribed_at)"
        " VALUES (111222333, 1, 20, 4, '2026-11-19', ?)",
        (now,),
    )
    for day in (1, 2, 3):
        conn.execute(
            "INSERT INTO deliveries VALUES (111222333, ?, ?, ?, 'push')",
            (day, f"2026-11-1{day + 6}", now),
        )
        conn.execute(
            "INSERT INTO quiz_answers VALUES (111222333, ?, 0, 1, ?, ?)",
            (day, f"2026-11-1{day + 6}", now),
        )
    conn.execute(
        "INSERT INTO feedback (user_id, topic_id, positive, question, created_at)"
        " VALUES (444555666, 'if_scammed', 0, 'taka ferot pabo?', ?)",
        (now,),
    )
    conn.commit()
    conn.close()


async def test_telegram_users_keep_everything_after_the_identity_migration(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite3"
    _old_database(path)
    store = await Store.open(path)
    try:
        assert await store.schema_version() >= 4
        rahim = await store.user_id_for("telegram", "111222333")
        karima = await store.user_id_for("telegram", "444555666")
        assert (rahim, karima) == (111222333, 444555666)  # internal ids kept
        sub = await store.get_subscription(rahim)
        assert sub is not None and sub.active and (sub.hour, sub.next_day) == (20, 4)
        progress = await store.progress(rahim, date(2026, 11, 19))
        assert (progress.lessons_done, progress.quiz_right, progress.current_streak) == (3, 3, 3)
        assert await store.feedback_rows(karima) == [("if_scammed", False, "taka ferot pabo?")]
        # the same Telegram user writing again is the same user, not a new one
        assert await store.touch_user("telegram", "111222333", "Rahim", "bn") == rahim
        new = await store.touch_user("telegram", "777", "New", None)
        assert new not in (rahim, karima)
        due = await store.due_subscribers(date(2026, 11, 20), 21, 10)
        assert [(d.user_id, d.channel, d.external_id, d.next_day) for d in due] == [
            (rahim, "telegram", "111222333", 4)
        ]
        assert due[0].last_inbound_at is not None
    finally:
        await store.close()
