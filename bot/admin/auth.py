"""Login, signed session cookies, CSRF tokens and the per-IP limit on failed logins.

Sessions are stateless: the cookie holds the editor's name, an expiry time and a random id,
signed with a key derived from ADMIN_TOKEN, so several replicas accept each other's sessions
and changing the token logs everyone out. A logout is remembered in memory.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["LoginLimiter", "Session", "Sessions", "token_matches"]


def token_matches(given: str, expected: str) -> bool:
    """Compare a login token in constant time (digests, so the length does not leak either)."""
    a = hashlib.sha256(given.encode("utf-8", "replace")).digest()
    b = hashlib.sha256(expected.encode("utf-8")).digest()
    return hmac.compare_digest(a, b)


@dataclass(frozen=True, slots=True)
class Session:
    """A logged-in editor."""

    name: str
    expires: int
    sid: str


class Sessions:
    """Issue and check session cookies and their CSRF tokens."""

    def __init__(self, token: str, lifetime: int, clock: Callable[[], float] = time.time) -> None:
        self._key = hashlib.sha256(b"admin-session\0" + token.encode()).digest()
        self._lifetime = lifetime
        self._clock = clock
        self._revoked: dict[str, int] = {}

    def _sign(self, payload: str) -> str:
        mac = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac[:24]).decode().rstrip("=")

    def issue(self, name: str) -> str:
        """Return a new session cookie value for ``name``."""
        expires = int(self._clock()) + self._lifetime
        encoded = base64.urlsafe_b64encode(name.encode()).decode().rstrip("=")
        payload = f"{encoded}.{expires}.{secrets.token_urlsafe(12)}"
        return f"{payload}.{self._sign(payload)}"

    def check(self, cookie: str | None) -> Session | None:
        """Return the session if the cookie is genuine, not expired and not logged out."""
        if not cookie or cookie.count(".") != 3:
            return None
        payload, _, signature = cookie.rpartition(".")
        if not hmac.compare_digest(self._sign(payload), signature):
            return None
        encoded, expires, sid = payload.split(".")
        if not expires.isdigit() or int(expires) <= self._clock() or sid in self._revoked:
            return None
        try:
            name = base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return Session(name, int(expires), sid)

    def revoke(self, session: Session) -> None:
        """Log a session out before it expires."""
        now = self._clock()
        self._revoked = {s: e for s, e in self._revoked.items() if e > now}
        self._revoked[session.sid] = session.expires

    def csrf(self, session_id: str) -> str:
        """Return the CSRF token that belongs to a session (or to a login form's nonce)."""
        return self._sign(f"csrf:{session_id}")

    def csrf_ok(self, session_id: str, given: str | None) -> bool:
        """Check a submitted CSRF token in constant time."""
        return bool(given) and hmac.compare_digest(self.csrf(session_id), str(given))


class LoginLimiter:
    """Allow at most ``attempts`` failed logins per IP within ``window`` seconds."""

    def __init__(
        self, attempts: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._attempts = attempts
        self._window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, ip: str) -> deque[float]:
        failures = self._failures[ip]
        cutoff = self._clock() - self._window
        while failures and failures[0] <= cutoff:
            failures.popleft()
        return failures

    def retry_after(self, ip: str) -> int:
        """Return seconds until this IP may try again (0: it may try now)."""
        failures = self._recent(ip)
        if len(failures) < self._attempts:
            if not failures:
                self._failures.pop(ip, None)
            return 0
        return max(1, int(failures[0] + self._window - self._clock()) + 1)

    def failed(self, ip: str) -> None:
        """Count a failed login."""
        self._recent(ip).append(self._clock())
        if len(self._failures) > 10_000:  # many IPs: forget the quiet ones
            for key in [k for k, v in self._failures.items() if not v][:5000]:
                del self._failures[key]

    def succeeded(self, ip: str) -> None:
        """Forget an IP's failures once it logged in."""
        self._failures.pop(ip, None)
