"""One bounded path for a channel's outgoing HTTP calls: a fixed number in flight, by priority.

Every call of a channel (Telegram's Bot API through ``handlers.telegram.request``,
Messenger's Graph API through ``handlers.messenger.graph``) goes through one
``OutboundPool``:

* at most ``in_flight`` calls at once; the others wait here, by priority: replies (a person
  is waiting) before bulk sends (lessons, broadcasts). The priority of a call is ``bulk()``'s
  context, so callers above the channel library (PTB) need no new parameter;
* over aiohttp, one connection pool of ``in_flight`` kept-alive connections. Measured on this
  machine (``bench/outbound.py``, 3,000 POSTs, 64 in flight, 100 ms server latency):
  httpx with one 64-connection pool 10.4 ms of CPU per call, httpx over 8 pools of 8
  (the Messenger client's earlier design) 1.2–1.4 ms, aiohttp 0.3 ms. httpx stays for
  everything that is not on the hot path (long polling, tests).

Rate budgets (Telegram's ~30 messages/s for bulk, 1/s per chat; the Page's send rate) and
retries with ``retry_after`` are the channel output modules' business; they sit on top.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import itertools
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from enum import IntEnum

import aiohttp

__all__ = [
    "OutboundPool",
    "Priority",
    "Response",
    "TransportError",
    "TransportTimeout",
    "UnusableAddress",
    "bulk",
    "current_priority",
]


class Priority(IntEnum):
    """Lower goes first."""

    REPLY = 0
    BULK = 1


class TransportError(Exception):
    """The call did not get an HTTP answer (refused, reset, DNS …)."""


class TransportTimeout(TransportError):
    """Connecting or reading took longer than allowed."""


class UnusableAddress(TransportError):
    """The URL cannot be used at all (malformed, not http/https): retrying cannot help."""


@dataclass(frozen=True, slots=True)
class Response:
    """An HTTP answer, read in full."""

    status: int
    body: bytes
    reason: str


_priority: ContextVar[Priority] = ContextVar("outbound_priority", default=Priority.REPLY)


def current_priority() -> Priority:
    """Return the priority of calls made in this context (REPLY unless inside ``bulk()``)."""
    return _priority.get()


@contextlib.contextmanager
def bulk() -> Iterator[None]:
    """Mark the calls made inside as bulk sends: they wait behind every waiting reply."""
    token = _priority.set(Priority.BULK)
    try:
        yield
    finally:
        _priority.reset(token)


class OutboundPool:
    """At most ``in_flight`` calls at once over one kept-alive connection pool."""

    def __init__(
        self,
        *,
        in_flight: int = 64,
        connect_timeout: float = 10.0,
        read_timeout: float = 20.0,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        self.in_flight = in_flight
        self.connect_timeout, self.read_timeout = connect_timeout, read_timeout
        self._headers = dict(headers or {})
        self._session: aiohttp.ClientSession | None = None
        self._closed = False
        self._running = 0
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    @property
    def running(self) -> int:
        """Return how many calls are in flight now."""
        return self._running

    @property
    def waiting(self) -> int:
        """Return how many calls wait for a slot."""
        return sum(not f.done() for _, _, f in self._waiters)

    @property
    def is_closed(self) -> bool:
        """Return whether ``aclose`` was called."""
        return self._closed

    async def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes | aiohttp.FormData | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        read_timeout: float | None = None,
        connect_timeout: float | None = None,
    ) -> Response:
        """Make one HTTP call through the pool and read the answer in full.

        Raises ``TransportTimeout`` or ``TransportError`` when no HTTP answer came.
        """
        if self._closed:
            raise TransportError("the outbound pool is closed")
        timeout = aiohttp.ClientTimeout(
            total=None,
            sock_connect=connect_timeout or self.connect_timeout,
            sock_read=read_timeout or self.read_timeout,
        )
        await self._acquire(current_priority())
        try:
            async with self._open().request(
                method, url, data=body, headers=headers, params=params, timeout=timeout
            ) as answer:
                return Response(answer.status, await answer.read(), answer.reason or "")
        except TimeoutError as exc:
            raise TransportTimeout(f"{method} timed out") from exc
        except (aiohttp.InvalidURL, aiohttp.NonHttpUrlClientError, ValueError) as exc:
            raise UnusableAddress(f"{type(exc).__name__}: {exc}") from exc
        except aiohttp.ClientError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._release()

    async def aclose(self) -> None:
        """Close every connection; later calls fail with ``TransportError``."""
        self._closed = True
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open(self) -> aiohttp.ClientSession:
        if self._session is None:  # made on first use: it belongs to the running loop
            connector = aiohttp.TCPConnector(limit=self.in_flight, limit_per_host=0)
            self._session = aiohttp.ClientSession(
                connector=connector, headers=self._headers, auto_decompress=True
            )
        return self._session

    async def _acquire(self, priority: Priority) -> None:
        if self._running < self.in_flight and not self._waiters:
            self._running += 1
            return
        slot: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiters, (int(priority), next(self._order), slot))
        try:
            await slot
        except asyncio.CancelledError:
            if slot.done() and not slot.cancelled():
                self._release()  # the slot was handed over just as the caller gave up
            raise

    def _release(self) -> None:
        while self._waiters:
            _, _, slot = heapq.heappop(self._waiters)
            if not slot.done():
                slot.set_result(None)  # the slot passes straight to the next caller
                return
        self._running -= 1
