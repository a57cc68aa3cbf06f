"""Private data stays private: file modes, retention, deletion that really deletes, quiet logs."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import ConfigError, Settings
from bot.services import open_services
from db.store import Store
from tests.fakes.telegram_api import FakeTelegram
from tests.test_startup_errors import TOKEN, bot_env, run_main

NAME = "Zubaidakhatun"
QUESTION = "xyzzyplugh freelancing kivabe shuru korbo"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def raw_bytes(db: Path) -> bytes:
    """Everything SQLite keeps on disk for this database."""
    return b"".join(
        p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists()
    )


# -- file and folder modes -------------------------------------------------------------------


async def add_user(store: Store, user_id: int, name: str, language: str | None) -> None:
    """Register a Telegram user whose internal id is ``user_id`` (as older databases have)."""
    await store.add_subscribers([(user_id, 9)])
    assert await store.touch_user("telegram", str(user_id), name, language) == user_id


async def test_new_database_folder_is_0700_and_files_0600(tmp_path: Path) -> None:
    db = tmp_path / "data" / "bot.sqlite3"
    store = await Store.open(db)
    await add_user(store, 1, NAME, None)  # something in the -wal file
    assert mode(db.parent) == 0o700
    assert mode(db) == 0o600
    assert mode(Path(f"{db}-wal")) == 0o600
    assert mode(Path(f"{db}-shm")) == 0o600
    await store.close()


async def test_loose_modes_are_tightened_at_open_with_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "data"
    db = folder / "bot.sqlite3"
    store = await Store.open(db)
    await store.close()
    folder.chmod(0o755)
    db.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="db.store"):
        store = await Store.open(db)
        await store.close()
    assert (mode(folder), mode(db)) == (0o700, 0o600)
    tightened = [r.getMessage() for r in caplog.records if "tightened" in r.getMessage()]
    assert len(tightened) == 1, tightened  # one line for the folder, the file, -wal, -shm
    assert f"{folder} from 755 to 700" in tightened[0]
    assert f"{db} from 644 to 600" in tightened[0]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="db.store"):
        store = await Store.open(db)  # already private: nothing to say
        await store.close()
    assert [r for r in caplog.records if "tightened" in r.getMessage()] == []


async def test_shared_folder_is_left_alone_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    tmp_path.chmod(0o755)
    (tmp_path / "notes.txt").write_text("not ours")
    with caplog.at_level(logging.WARNING, logger="db.store"):
        store = await Store.open(tmp_path / "bot.sqlite3")
        await store.close()
    assert mode(tmp_path) == 0o755
    assert mode(tmp_path / "bot.sqlite3") == 0o600
    assert any("holds other files" in r.getMessage() for r in caplog.records)


# -- deletion and retention ------------------------------------------------------------------


async def test_deleted_user_leaves_no_name_or_text_in_the_files(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    await add_user(store, 7, NAME, "bn")
    await store.log_question(7, QUESTION, "what_is_freelancing", 0.9)
    await store.add_feedback(7, "what_is_freelancing", True, QUESTION)
    await add_user(store, 8, "Karim", "bn")  # someone who stays
    assert NAME.encode() in raw_bytes(db)  # the check below can fail
    await store.delete_user(7)
    data = raw_bytes(db)
    assert NAME.encode() not in data
    assert b"xyzzyplugh" not in data
    assert await store.count_users() == 1
    await store.close()


async def backdate(db: Path, days: int) -> None:
    """Move every question and feedback row ``days`` into the past (test setup on the file)."""
    when = (datetime.now(UTC) - timedelta(days=days)).isoformat(timespec="seconds")
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE questions SET asked_at = ?", (when,))
        conn.execute("UPDATE feedback SET created_at = ?", (when,))
    conn.close()


async def test_old_question_texts_are_removed_topic_and_score_stay(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    await add_user(store, 7, NAME, "bn")
    await store.log_question(7, QUESTION, "what_is_freelancing", 0.9)
    await store.log_question(7, "ajke brishti xyzzy", None, 0.05)
    await store.add_feedback(7, "what_is_freelancing", True, QUESTION)
    await store.close()
    await backdate(db, 91)
    store = await Store.open(db)
    await store.log_question(7, "payoneer theke taka", "payment_withdrawal", 0.8)  # recent

    removed = await store.forget_old_questions(datetime.now(UTC) - timedelta(days=90))

    assert removed == 2
    async with store._conn.execute(
        "SELECT text, topic_id, score FROM questions ORDER BY id"
    ) as cur:
        rows = [tuple(r) for r in await cur.fetchall()]
    assert rows == [
        ("", "what_is_freelancing", 0.9),
        ("", None, 0.05),
        ("payoneer theke taka", "payment_withdrawal", 0.8),
    ]
    assert await store.feedback_rows(7) == [("what_is_freelancing", True, None)]
    assert await store.unanswered(0.3) == []  # blanked texts are not listed
    assert await store.last_question_for(7, "what_is_freelancing") is None
    assert b"xyzzy" not in raw_bytes(db)
    assert await store.forget_old_questions(datetime.now(UTC) - timedelta(days=90)) == 0
    await store.close()


async def test_retention_runs_when_services_open(tmp_path: Path) -> None:
    db = tmp_path / "bot.sqlite3"
    store = await Store.open(db)
    await add_user(store, 7, NAME, "bn")
    await store.log_question(7, QUESTION, "what_is_freelancing", 0.9)
    await store.close()
    await backdate(db, 3)
    settings = Settings.from_env(
        {"DATABASE_URL": f"sqlite:///{db}", "QUESTION_RETENTION_DAYS": "2"}
    )
    services = await open_services(settings)
    assert await services.store.count_rows("questions") == 1
    assert await services.store.unanswered(1.0) == []
    assert b"xyzzy" not in raw_bytes(db)
    await services.close()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("QUESTION_RETENTION_DAYS", "0"),
        ("QUESTION_RETENTION_DAYS", "ninety"),
        ("LOG_USER_CONTENT", "maybe"),
    ],
)
def test_privacy_settings_are_validated(name: str, value: str) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: value})
    settings = Settings.from_env({})
    assert (settings.question_retention_days, settings.log_user_content) == (90, False)


# -- logs --------------------------------------------------------------------------------------


async def talk_to_bot_at_debug(tmp_path: Path, **extra: str) -> str:
    """Run the bot process at LOG_LEVEL=DEBUG, ask one question, return everything it printed."""
    async with FakeTelegram(token=TOKEN) as tg:
        env = bot_env(tg.base_url, tmp_path / "b.sqlite3", LOG_LEVEL="DEBUG", **extra)
        stop = asyncio.Event()
        task = asyncio.ensure_future(run_main(env=env, term_on=stop, timeout=30))
        await tg.wait_for(lambda t: any(c.method == "deleteWebhook" for c in t.calls), 10)
        tg.message(4242, QUESTION, first_name=NAME)
        await tg.wait_for(lambda t: len(t.sent(4242)) >= 1, timeout=10)
        stop.set()
        done = await task
    assert done.returncode == 0, done.err
    return done.both


async def test_debug_logs_show_no_user_names_or_texts(tmp_path: Path) -> None:
    output = await talk_to_bot_at_debug(tmp_path)
    assert " DEBUG " in output  # it really ran at DEBUG
    assert NAME not in output
    assert "xyzzyplugh" not in output


async def test_log_user_content_lets_debug_logs_show_them(tmp_path: Path) -> None:
    output = await talk_to_bot_at_debug(tmp_path, LOG_USER_CONTENT="1")
    assert NAME in output and "xyzzyplugh" in output
    assert "SECRETSECRET" not in output  # the token stays hidden all the same
