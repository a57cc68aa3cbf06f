"""Settings read once from environment variables (documented in README and .env.example)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["ConfigError", "Settings", "is_postgres", "sqlite_path"]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def is_postgres(url: str) -> bool:
    """Tell whether a DATABASE_URL names a PostgreSQL database."""
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    """Turn ``sqlite:///relative/path`` or ``sqlite:////absolute/path`` into a file path.

    A PostgreSQL URL has no path: "" is returned.
    """
    prefix = "sqlite:///"
    if is_postgres(url):
        return ""
    if url == "sqlite:///:memory:":
        return ":memory:"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ConfigError(
            f"DATABASE_URL must look like sqlite:///data/bot.sqlite3, "
            f"sqlite:////absolute/path.sqlite3 or postgresql://user:password@host:port/db, "
            f"not {_redact_url(url)!r}"
        )
    return url[len(prefix) :]


def _redact_url(url: str) -> str:
    """Hide a password in a URL before it is printed."""
    head, at, tail = url.rpartition("@")
    if not at or "://" not in head:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{tail}"


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the bot needs to know about its environment."""

    token: str | None
    base_url: str
    database_path: str
    timezone: ZoneInfo
    lesson_hour: int
    concurrency: int
    push_rate: float
    push_concurrency: int
    host: str = "0.0.0.0"
    port: int = 8080
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = 10

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from a mapping such as ``os.environ``; raise ConfigError if bad."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"TELEGRAM_BASE_URL must start with http:// or https://: {base_url!r}"
            )
        database_url = env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL
        database = sqlite_path(database_url)
        tz_name = env.get("BOT_TIMEZONE", "").strip() or "Asia/Dhaka"
        try:
            timezone = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"BOT_TIMEZONE {tz_name!r} is not a known time zone") from exc
        return cls(
            token=token,
            base_url=base_url,
            database_path=database,
            timezone=timezone,
            lesson_hour=_int(env, "LESSON_HOUR", 9, 0, 23),
            concurrency=_int(env, "BOT_CONCURRENCY", 32, 1, 512),
            push_rate=float(_int(env, "PUSH_RATE", 28, 1, 30)),
            push_concurrency=_int(env, "PUSH_CONCURRENCY", 4, 1, 64),
            host=env.get("HOST", "").strip() or "0.0.0.0",
            port=_int(env, "PORT", 8080, 1, 65535),
            database_url=database_url,
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", 10, 1, 200),
        )

    @property
    def database_dir(self) -> Path | None:
        """Return the folder the database lives in, if it is a file."""
        return None if self.database_path == ":memory:" else Path(self.database_path).parent


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from exc
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value
