"""One outgoing limiter per bot: every message (reply or lesson push) takes a slot from it.

Telegram allows about 30 messages a second per bot for bulk sends, about one a second per
chat, and answers 429 with ``retry_after`` beyond that. Without a shared limiter each handler
met the limit on its own, all slept the same ``retry_after`` and retried at the same moment.
Here slots are spaced evenly at ``rate`` per second, messages to one chat at least
``1 / chat_rate`` apart, waiting replies are served before waiting bulk sends (a person is
waiting for a reply; a lesson can be a few seconds late). A 429 holds its chat; 429s for
several chats at once (the bot's own limit) hold everyone.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from handlers.outbound import Priority

__all__ = ["OutgoingLimiter", "Priority"]

_PRUNE_AT = 4096  # chats remembered before the ones free again are forgotten
GLOBAL_429_CHATS = 3  # 429s for this many chats within a second hold every send
CATCH_UP = 0.05  # seconds of missed slots a late dispatcher may still hand out
GROUP_SHARE = 3.0  # Telegram: about 20 messages a minute to a group, a third of a chat's rate


class OutgoingLimiter:
    """Spaces sends at ``rate`` per second and per chat; replies first; ``pause`` holds all."""

    def __init__(self, rate: float = 28.0, chat_rate: float = 1.0) -> None:
        self.interval = 1.0 / rate
        self.chat_interval = 1.0 / chat_rate
        self.group_interval = GROUP_SHARE / chat_rate
        self._next = 0.0  # loop time of the next free slot
        self._paused_until = 0.0
        self._chat_next: dict[int | str, float] = {}  # chat → loop time of its next slot
        self._recent_429: list[tuple[float, int | str]] = []
        self._prune_at = _PRUNE_AT
        self._waiters: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._dispatcher: asyncio.Task[None] | None = None

    async def acquire(
        self, priority: Priority = Priority.REPLY, chat_id: int | str | None = None
    ) -> None:
        """Wait for this message's slot (and its chat's, when ``chat_id`` is given)."""
        loop = asyncio.get_running_loop()
        if chat_id is not None:
            await self._chat_slot(loop, chat_id)
        now = loop.time()
        if not self._waiters and now >= max(self._next, self._paused_until):
            self._next = now + self.interval
            return
        slot: asyncio.Future[None] = loop.create_future()
        heapq.heappush(self._waiters, (int(priority), next(self._order), slot))
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="telegram-limiter")
        await slot

    async def _chat_slot(self, loop: asyncio.AbstractEventLoop, chat_id: int | str) -> None:
        """Reserve the chat's next slot at once (concurrent senders queue up), then wait."""
        now = loop.time()
        at = max(now, self._chat_next.get(chat_id, 0.0))
        self._chat_next[chat_id] = at + self._interval_of(chat_id)
        if len(self._chat_next) > self._prune_at:
            self._chat_next = {c: t for c, t in self._chat_next.items() if t > now}
            # with more chats busy than that, pruning on every send would cost O(chats) each
            self._prune_at = max(_PRUNE_AT, 2 * len(self._chat_next))
        if at > now:
            await asyncio.sleep(at - now)

    def sent(self, chat_id: int | str) -> None:
        """A message to the chat was answered: its next one waits a whole interval from now.

        Telegram counts arrivals; a message can wait in the outbound pool after its slot, so
        spacing slots alone could let two arrive closer than the interval. The answer comes
        after the arrival, so counting from it keeps them apart.
        """
        at = asyncio.get_running_loop().time() + self._interval_of(chat_id)
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), at)

    def _interval_of(self, chat_id: int | str) -> float:
        group = isinstance(chat_id, int) and chat_id < 0  # groups and channels
        return self.group_interval if group else self.chat_interval

    def too_many(self, chat_id: int | str, seconds: float) -> None:
        """Telegram answered a message to this chat with 429 and ``retry_after``.

        Telegram does not say which limit was hit. One chat's 429 is most likely its own
        limit (another replica answered the same user a moment ago): only that chat waits.
        429s for ``GLOBAL_429_CHATS`` different chats within a second mean the bot's limit:
        everyone waits.
        """
        loop = asyncio.get_running_loop()
        now = loop.time()
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), now + seconds)
        self._recent_429 = [(t, c) for t, c in self._recent_429 if now - t < 1.0]
        self._recent_429.append((now, chat_id))
        if len({c for _, c in self._recent_429}) >= GLOBAL_429_CHATS:
            self.pause(seconds)

    def pause(self, seconds: float) -> None:
        """Telegram said "wait": hold every further send for ``seconds``."""
        until = asyncio.get_running_loop().time() + seconds
        self._paused_until = max(self._paused_until, until)

    @property
    def waiting(self) -> int:
        """Return how many sends wait for a slot (cancelled ones are skipped later)."""
        return sum(not slot.done() for _, _, slot in self._waiters)

    async def _dispatch(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiters:
            now = loop.time()
            at = max(self._next, self._paused_until)
            if at > now:
                await asyncio.sleep(at - now)
                continue
            # a busy loop wakes this task later than asked: hand out every slot that came due
            # meanwhile (at most CATCH_UP seconds' worth), or the loop's pace, not ``rate``,
            # would cap the sends (at 1,000/s one slot per loop turn was ~250/s under load)
            self._next = max(self._next, self._paused_until, now - CATCH_UP)
            while self._waiters and self._next <= now:
                _, _, slot = heapq.heappop(self._waiters)
                if slot.done():  # its sender was cancelled
                    continue
                slot.set_result(None)
                self._next += self.interval
