"""Start-up errors whose message is the one line an operator needs (no traceback)."""

from __future__ import annotations

__all__ = ["StartupError"]


class StartupError(RuntimeError):
    """A start-up problem that retrying cannot fix; the message is one clear line."""
