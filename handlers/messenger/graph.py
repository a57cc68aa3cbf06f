"""A thin client of the Graph API calls the bot makes: Send API, sender actions, Profile API.

No maintained Python Messenger library exists, so this is our own. Every call goes through
one ``handlers.outbound.OutboundPool`` (a fixed number in flight, replies before bulk sends,
aiohttp underneath: see that module for why) and is paced below the Page's send rate.
Errors come back as ``GraphError`` with Meta's ``code`` and ``error_subcode``; what to do
about them is decided in one place, ``handlers.messenger.output.classify``.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any

from handlers.outbound import OutboundPool, TransportError

__all__ = ["GraphClient", "GraphError", "Pacer"]

JSONDict = dict[str, Any]
SENDER_ACTIONS = frozenset({"mark_seen", "typing_on", "typing_off"})


class GraphError(Exception):
    """A failed Graph call: HTTP status, Meta's error code and subcode (0 when absent).

    ``status`` is 0 for transport failures (timeout, connection refused or reset).
    """

    def __init__(self, status: int, code: int = 0, subcode: int = 0, message: str = "") -> None:
        super().__init__(f"HTTP {status}, code {code}/{subcode}: {message}")
        self.status, self.code, self.subcode, self.message = status, code, subcode, message


class Pacer:
    """Space calls evenly at ``rate`` per second (one Page's budget shared by every call)."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self._next = 0.0

    async def wait(self) -> None:
        """Wait for this call's slot (no lock: the event loop runs one coroutine at a time)."""
        now = time.monotonic()
        slot = max(now, self._next)
        self._next = slot + self.interval
        if slot > now:
            await asyncio.sleep(slot - now)


class GraphClient:
    """Calls the Graph API for one Page; ``base_url`` is e.g. https://graph.facebook.com/v25.0."""

    def __init__(
        self,
        base_url: str,
        page_token: str,
        *,
        rate: float = 240.0,
        in_flight: int = 64,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = page_token
        self.pacer = Pacer(rate)
        self.pool = OutboundPool(
            in_flight=in_flight, connect_timeout=timeout, read_timeout=timeout
        )

    async def close(self) -> None:
        """Close every connection."""
        await self.pool.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        body: JSONDict | None = None,
        params: dict[str, str] | None = None,
    ) -> JSONDict:
        await self.pacer.wait()
        try:
            response = await self.pool.request(
                method,
                f"{self.base_url}{path}",
                params={**(params or {}), "access_token": self._token},
                body=None if body is None else json.dumps(body, ensure_ascii=False).encode(),
                headers={"Content-Type": "application/json"},
            )
        except TransportError as exc:  # timeouts, refused and reset connections
            raise GraphError(0, message=type(exc).__name__) from exc
        try:
            data = json.loads(response.body)
        except ValueError:
            data = {}
        if response.status == 200 and isinstance(data, dict) and "error" not in data:
            return data
        error = data.get("error") if isinstance(data, dict) else None
        error = error if isinstance(error, dict) else {}
        raise GraphError(
            response.status,
            _as_int(error.get("code")),
            _as_int(error.get("error_subcode")),
            str(error.get("message") or response.reason)[:300],
        )

    async def send_message(
        self, psid: str, message: JSONDict, messaging_type: str = "RESPONSE"
    ) -> JSONDict:
        """Send one message (Send API): ``messaging_type`` is RESPONSE for replies, or UPDATE."""
        return await self._call(
            "POST",
            "/me/messages",
            {"recipient": {"id": psid}, "messaging_type": messaging_type, "message": message},
        )

    async def sender_action(self, psid: str, action: str) -> JSONDict:
        """Show ``mark_seen``, ``typing_on`` or ``typing_off`` to the user."""
        if action not in SENDER_ACTIONS:
            raise ValueError(f"unknown sender action {action!r}")
        return await self._call(
            "POST", "/me/messages", {"recipient": {"id": psid}, "sender_action": action}
        )

    async def get_profile(self, fields: list[str]) -> JSONDict:
        """Read the Page's Messenger profile (Get Started button, persistent menu …)."""
        return await self._call(
            "GET", "/me/messenger_profile", params={"fields": ",".join(fields)}
        )

    async def set_profile(self, profile: JSONDict) -> JSONDict:
        """Set fields of the Page's Messenger profile (POST replaces each field given)."""
        return await self._call("POST", "/me/messenger_profile", profile)


def _as_int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload,no-any-return]
    except (TypeError, ValueError):
        return 0
