"""Per-user flood control: a sliding window kept in memory, independent for each user."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Hashable
from enum import Enum

__all__ = ["Admission", "FloodGuard"]


class Admission(Enum):
    """What to do with one update."""

    OK = "ok"
    WARN = "warn"  # the first update over the limit: tell the user once, do not process
    DROP = "drop"  # further updates in the same burst: ignore silently


class FloodGuard:
    """Allow ``limit`` updates per ``window`` seconds per user (any hashable key)."""

    def __init__(self, limit: int = 20, window: float = 10.0) -> None:
        self.limit = limit
        self.window = window
        self._seen: dict[Hashable, deque[float]] = {}
        self._warned: dict[Hashable, float] = {}

    def check(self, key: Hashable, now: float | None = None) -> Admission:
        """Record one update from the user and say whether to process it."""
        now = time.monotonic() if now is None else now
        stamps = self._seen.setdefault(key, deque())
        while stamps and now - stamps[0] > self.window:
            stamps.popleft()
        if len(stamps) < self.limit:
            stamps.append(now)
            self._warned.pop(key, None)
            if len(self._seen) > 50_000:
                self._forget_idle(now)
            return Admission.OK
        if now - self._warned.get(key, -self.window - 1) > self.window:
            self._warned[key] = now
            return Admission.WARN
        return Admission.DROP

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, s in self._seen.items() if not s or now - s[-1] > self.window]:
            del self._seen[key]
