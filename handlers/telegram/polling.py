"""Our own long-polling loop: getUpdates → inbox → ``application.update_queue``.

PTB's Updater confirms an offset with the next getUpdates whether or not the fetched updates
were handled, and re-fetches a whole batch forever when one update in it cannot be parsed.
Here each update is stored (``TelegramIntake.accept``) before the offset moves past it, and a
malformed one is skipped with one log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

import httpx

from db.errors import DatabaseUnavailable
from handlers.telegram.intake import TelegramIntake

__all__ = ["Poller"]

logger = logging.getLogger(__name__)
MAX_BACKOFF = 30.0
DATABASE_RETRY = 1.0  # while the database is away: a backlog is answered soon after it is back


class Poller:
    """Fetch updates with long polling and hand each to the intake, in order."""

    def __init__(
        self,
        intake: TelegramIntake,
        api_url: str,
        *,
        timeout: int = 10,
        allowed_updates: Sequence[str] = (),
    ) -> None:
        self.intake = intake
        self._url = f"{api_url}/getUpdates"  # holds the token: never logged
        self.timeout = timeout
        self.allowed_updates = list(allowed_updates)
        self.offset = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start polling in the background."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="telegram-polling")

    async def stop(self) -> None:
        """Stop polling; an update fetched but not yet stored is fetched again next time."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = 1.0
        limits = httpx.Limits(max_connections=1)
        async with httpx.AsyncClient(timeout=self.timeout + 15, limits=limits) as client:
            while True:
                try:
                    await self._poll_once(client)
                    delay = 1.0
                except asyncio.CancelledError:
                    raise
                except DatabaseUnavailable:  # logged by the store; the updates stay at Telegram
                    await asyncio.sleep(DATABASE_RETRY)  # fetched again, stored once it is back
                except Exception as exc:  # network or API: wait and try again
                    # the exception text may hold the URL, and the URL holds the token
                    logger.warning(
                        "getUpdates failed (%s); retrying in %.0fs", _describe(exc), delay
                    )
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, MAX_BACKOFF)

    async def _poll_once(self, client: httpx.AsyncClient) -> None:
        body = {
            "offset": self.offset,
            "timeout": self.timeout,
            "allowed_updates": self.allowed_updates,
        }
        response = await client.post(self._url, json=body)
        data: Any = response.json()
        if not isinstance(data, dict) or not data.get("ok"):
            code = data.get("error_code") if isinstance(data, dict) else response.status_code
            raise _ApiRefused(f"HTTP {response.status_code}, error_code {code}")
        results = data.get("result")
        if not isinstance(results, list):
            raise _ApiRefused("result is not a list")
        fresh = [raw for raw in results if _update_id(raw) is not None]
        fresh = [raw for raw in fresh if raw["update_id"] >= self.offset]
        if len(fresh) < len(results):
            logger.info(
                "getUpdates: %d item(s) without a new update_id skipped", len(results) - len(fresh)
            )
        if not fresh:
            return
        await self.intake.accept_many(fresh)  # stored before the offset moves past them
        self.offset = max(raw["update_id"] for raw in fresh) + 1


def _update_id(raw: Any) -> int | None:
    update_id = raw.get("update_id") if isinstance(raw, dict) else None
    if isinstance(update_id, int) and not isinstance(update_id, bool):
        return update_id
    return None


class _ApiRefused(Exception):
    """getUpdates answered, but not with updates."""


def _describe(exc: Exception) -> str:
    if isinstance(exc, _ApiRefused):
        return str(exc)
    return type(exc).__name__
