"""Per-user flood control: a sliding window kept in memory, independent for each user."""

from __future__ import annotations

import time
from collections import deque

__all__ = ["FloodGuard"]


class FloodGuard:
    """Allow ``limit`` updates per ``window`` seconds per user.

    ``check`` answers "ok", "warn" (first update over the limit: tell the user once) or
    "drop" (further updates in the same burst).
    """

    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[int, deque[float]] = {}
        self._warned: dict[int, float] = {}

    def check(self, user_id: int, now: float | None = None) -> str:
        """Record one update from the user and say whether to process it."""
        now = time.monotonic() if now is None else now
        stamps = self._seen.setdefault(user_id, deque())
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.pop(user_id, None)
            if len(self._seen) > 50_000:
                self._forget_idle(now)
            return "ok"
        if now - self._warned.get(user_id, -self.window - 1) > self.window:
            self._warned[user_id] = now
            return "warn"
        return "drop"

    def _forget_idle(self, now: float) -> None:
        for user_id in [u for u, s in self._seen.items() if not s or now - s[-1] > self.window]:
            del self._seen[user_id]
