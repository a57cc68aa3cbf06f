"""Copy a whole deployment between databases (``python main.py copy-db``)."""

from __future__ import annotations

from typing import Any

from db.tables import TABLES

__all__ = ["CopyError", "copy_database"]


class CopyError(RuntimeError):
    """The copy was refused or did not verify; the message says why."""


async def copy_database(source: Any, target: Any, *, force: bool = False) -> dict[str, int]:
    """Copy every table of ``TABLES`` from ``source`` to ``target``; return rows per table.

    Both are stores (``db.store.Store`` or ``db.postgres.PostgresStore``), already migrated.
    A non-empty target is refused unless ``force``; the target is replaced in one transaction,
    so a failed copy leaves it as it was and a rerun starts over (never doubles a row).
    Row counts are compared afterwards.
    """
    existing = {table: await target.count_rows(table) for table in TABLES}
    if any(existing.values()) and not force:
        filled = ", ".join(f"{t} ({n})" for t, n in existing.items() if n)
        raise CopyError(f"the target database is not empty: {filled}; use --force to replace it")
    rows: dict[str, list[tuple]] = {}
    for table in TABLES:
        rows[table] = [row async for batch in source.read_table(table) for row in batch]
    await target.replace_all(rows)
    counts = {}
    for table in TABLES:
        wanted, got = await source.count_rows(table), await target.count_rows(table)
        if wanted != got:
            raise CopyError(f"{table}: {wanted} rows in the source but {got} in the target")
        counts[table] = got
    return counts
