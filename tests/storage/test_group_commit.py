"""Group commit in the SQLite store: concurrent hot statements share one transaction, inline
when the file is free, on aiosqlite's thread when it is busy; one failure fails one caller."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from db.store import Store


async def test_concurrent_users_share_batches_and_get_their_own_ids(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "g.sqlite3")
    try:
        ids = await asyncio.gather(
            *(store.touch_user("telegram", str(i), f"n{i}", None) for i in range(50))
        )
        again = await store.touch_user("telegram", "7", "renamed", None)
        hot = store._hot
        assert len(set(ids)) == 50 and again == ids[7]
        assert hot.inline_batches >= 1 and hot.inline_batches < 50  # batched, inline
        assert await store.count_users() == 50
    finally:
        await store.close()


async def test_one_failing_unit_fails_only_its_caller(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "f.sqlite3")
    try:
        uid = await store.touch_user("telegram", "1", "a", None)

        def broken(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO no_such_table VALUES (1)")

        results = await asyncio.gather(
            store.log_question(uid, "one", None, 0.0),
            store._hot.run(broken),
            store.log_question(uid, "two", None, 0.0),
            return_exceptions=True,
        )
        assert results[0] is None and results[2] is None
        assert isinstance(results[1], sqlite3.OperationalError)
        assert await store.count_rows("questions") == 2
    finally:
        await store.close()


async def test_a_busy_file_sends_the_batch_to_the_thread(tmp_path: Path) -> None:
    """Another process (here: another connection) holds the write lock for 300 ms: the
    event loop is not blocked, the batch waits on aiosqlite's thread and then lands."""
    path = tmp_path / "busy.sqlite3"
    store = await Store.open(path)
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        uid = await store.touch_user("telegram", "1", "a", None)
        other.execute("BEGIN IMMEDIATE")
        loop = asyncio.get_running_loop()
        asyncio.get_running_loop().call_later(0.3, other.execute, "COMMIT")
        before = store._hot.thread_batches
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        ticker = asyncio.create_task(tick())
        started = loop.time()
        await store.log_view(uid, "marketplaces", "question")
        ticker.cancel()
        assert loop.time() - started >= 0.25  # it waited for the lock …
        assert ticks >= 15  # … without blocking the loop
        assert store._hot.thread_batches == before + 1
        assert await store.count_rows("topic_views") == 1
    finally:
        other.close()
        await store.close()


@pytest.mark.parametrize("name", [":memory:"])
async def test_an_in_memory_database_has_no_inline_connection(name: str) -> None:
    store = await Store.open(name)
    try:
        assert await store.touch_user("telegram", "1", "a", None) > 0
        assert store._hot.inline_batches == 0 and store._hot.thread_batches == 1
    finally:
        await store.close()


async def test_inline_writes_still_get_the_wal_checkpointed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The inline connection never checkpoints; the checkpoints on the thread let the WAL
    start again from its beginning (without them it only grows)."""

    async def frames_after_writes(name: str, every: int) -> tuple[int, int]:
        monkeypatch.setattr("db.group_commit.CHECKPOINT_EVERY", every)
        store = await Store.open(tmp_path / name)
        try:
            uid = await store.touch_user("telegram", "1", "a", None)
            for i in range(200):
                await store.log_question(uid, "প্রশ্ন " * 200 + str(i), None, 0.0)
                await asyncio.sleep(0)  # let a checkpoint task run between writes
            await store._hot.wait_checkpoint()
            await store.log_question(uid, "the last one", None, 0.0)
            [(_, frames, _)] = await store._conn.execute_fetchall("PRAGMA wal_checkpoint(PASSIVE)")
            return frames, store._hot.checkpoints
        finally:
            await store.close()

    with_checkpoints, count = await frames_after_writes("with.sqlite3", 10)
    without, none = await frames_after_writes("without.sqlite3", 10**9)
    assert count >= 1 and none == 0
    assert without > 300  # every write stayed in the WAL
    assert with_checkpoints < without / 2, (with_checkpoints, without)
