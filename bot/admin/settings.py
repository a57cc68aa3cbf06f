"""The dashboard's settings (ADMIN_*), apart from ``bot.config`` so the admin stays optional."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.config import ConfigError

__all__ = ["MIN_TOKEN", "AdminSettings"]

MIN_TOKEN = 32


@dataclass(frozen=True, slots=True)
class AdminSettings:
    """``ADMIN_TOKEN`` and what goes with it."""

    token: str
    session_seconds: int = 3600
    telegram_ids: frozenset[int] = field(default_factory=frozenset)
    base_url: str = ""  # the public URL of the server; https → Secure cookies
    login_attempts: int = 5  # failed logins per IP and window before 429
    login_window: float = 900.0

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> AdminSettings | None:
        """Return the settings, None when ADMIN_TOKEN is unset; raise ConfigError if bad."""
        token = env.get("ADMIN_TOKEN", "").strip()
        if not token:
            return None
        if len(token) < MIN_TOKEN:
            raise ConfigError(
                f"ADMIN_TOKEN must be at least {MIN_TOKEN} characters long (it has {len(token)});"
                " the admin dashboard was not started. Generate one with"
                " `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        ids: set[int] = set()
        for part in env.get("ADMIN_TELEGRAM_IDS", "").replace(",", " ").split():
            try:
                ids.add(int(part))
            except ValueError as exc:
                raise ConfigError(
                    f"ADMIN_TELEGRAM_IDS must be Telegram user ids (numbers), not {part!r}"
                ) from exc
        minutes = env.get("ADMIN_SESSION_MINUTES", "").strip() or "60"
        if not minutes.isdigit() or not 1 <= int(minutes) <= 1440:
            raise ConfigError(f"ADMIN_SESSION_MINUTES must be 1..1440, not {minutes!r}")
        base_url = env.get("ADMIN_BASE_URL", "").strip()
        if base_url and not base_url.startswith(("http://", "https://")):
            raise ConfigError(f"ADMIN_BASE_URL must start with http:// or https://: {base_url!r}")
        return cls(token, int(minutes) * 60, frozenset(ids), base_url)

    @property
    def secure_cookies(self) -> bool:
        """Tell whether the session cookie must be Secure (the server is reached over HTTPS)."""
        return self.base_url.startswith("https://")
