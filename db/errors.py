"""Errors every storage backend may raise, so callers need not know the driver."""

from __future__ import annotations

__all__ = ["DatabaseUnavailable"]


class DatabaseUnavailable(RuntimeError):
    """The database server cannot be reached now (down, restarting, connection lost).

    Raised instead of the driver's many connection errors. The store has already logged the
    outage (once per kind of failure), so a caller that waits and tries again need not log it
    again; what was not stored was not acknowledged and is retried.
    """
