"""The storage contract: tests that take ``store`` run against SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.store import Store


@pytest.fixture(params=["sqlite", "postgres"])
async def store(request: pytest.FixtureRequest, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The storage contract: every test using this fixture runs against both backends."""
    if request.param == "sqlite":
        opened = await Store.open(tmp_path / "bot.sqlite3")
    else:
        from db.postgres import PostgresStore

        opened = await PostgresStore.open(request.getfixturevalue("postgres_url"))
    yield opened
    await opened.close()
