"""Grouped inbox writes: one transaction for many events, repeats recognised."""

from __future__ import annotations

from db.store import Store


async def test_put_many_and_done_many(store: Store) -> None:
    assert await store.inbox_put("telegram", "1", "{}")
    new = await store.inbox_put_many(
        "telegram", [("1", "{}"), ("2", '{"a": 1}'), ("3", "{}"), ("2", "{}")]
    )
    assert new == {"2", "3"}  # 1 was stored before; the second 2 is a repeat
    assert await store.inbox_put_many("messenger", [("2", "{}")]) == {"2"}  # per channel
    pending = await store.inbox_pending("telegram")
    assert pending == [("1", "{}"), ("2", '{"a": 1}'), ("3", "{}")]
    await store.inbox_done_many("telegram", ["1", "3"])
    assert await store.inbox_pending("telegram") == [("2", '{"a": 1}')]
    assert await store.inbox_put_many("telegram", []) == set()
