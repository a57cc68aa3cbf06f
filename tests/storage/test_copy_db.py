"""``python main.py copy-db``: SQLite → PostgreSQL and back, verified, refusing to overwrite."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from db.postgres import PostgresStore
from db.store import Store
from db.tables import TABLES

ROOT = Path(__file__).resolve().parents[2]


def copy_db(source: str, target: str, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "main.py", "copy-db", "--from", source, "--to", target, *extra],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "LOG_LEVEL": "WARNING"},
        timeout=60,
    )


async def _fill(path: Path) -> None:
    store = await Store.open(path)
    uid = await store.touch_user("telegram", "5551", "Rahim", "bn")
    await store.log_question(uid, "payoneer theke taka", "payment_withdrawal", 0.7)
    await store.log_view(uid, "payment_withdrawal", "question")
    await store.add_feedback(uid, "payment_withdrawal", True, "payoneer theke taka")
    await store.subscribe(uid, 20)
    await store.record_delivery(uid, 1, date(2026, 11, 30), "push")
    await store.record_quiz_answer(uid, 1, 2, True, date(2026, 11, 30))
    await store.inbox_put("telegram", "77", "{}")
    await store.add_subscribers([(900 + i, 9) for i in range(50)])
    await store.close()


async def test_copy_sqlite_to_postgres_and_back(tmp_path: Path, postgres_url: str) -> None:
    source = tmp_path / "old.sqlite3"
    await _fill(source)
    result = copy_db(f"sqlite:///{source}", postgres_url)
    assert result.returncode == 0, result.stderr.decode()
    assert b"copied and verified" in result.stdout

    pg = await PostgresStore.open(postgres_url)
    try:
        for table in TABLES:
            assert await pg.count_rows(table) > 0, table
        uid = await pg.user_id_for("telegram", "5551")
        assert uid is not None
        progress = await pg.progress(uid, date(2026, 11, 30))
        assert (progress.lessons_done, progress.quiz_right) == (1, 1)
        # new users after the copy get fresh ids (the id sequence moved past the copied ones)
        assert await pg.touch_user("messenger", "psid-1", "", None) > 949
    finally:
        await pg.close()

    again = copy_db(f"sqlite:///{source}", postgres_url)  # the target is no longer empty
    assert again.returncode != 0 and b"not empty" in again.stderr
    forced = copy_db(f"sqlite:///{source}", postgres_url, "--force")  # safe to rerun
    assert forced.returncode == 0, forced.stderr.decode()

    back = tmp_path / "back.sqlite3"
    result = copy_db(postgres_url, f"sqlite:///{back}")
    assert result.returncode == 0, result.stderr.decode()
    copied = await Store.open(back)
    try:
        assert await copied.count_users() == 51
        assert await copied.feedback_rows(uid) == [
            ("payment_withdrawal", True, "payoneer theke taka")
        ]
    finally:
        await copied.close()
