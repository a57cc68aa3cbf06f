"""Settings read once from environment variables (documented in README and .env.example)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.urls import redact_url

__all__ = [
    "LOG_LEVELS",
    "ConfigError",
    "Settings",
    "is_postgres",
    "log_level",
    "log_user_content",
    "sqlite_path",
]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
LOG_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}


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
            f"not {redact_url(url)!r}"
        )
    return url[len(prefix) :]


def log_level(env: Mapping[str, str]) -> int:
    """Return LOG_LEVEL as a logging level (default INFO); raise ConfigError if unknown."""
    raw = env.get("LOG_LEVEL", "").strip()
    if not raw:
        return LOG_LEVELS["INFO"]
    if raw.upper() not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {raw!r}")
    return LOG_LEVELS[raw.upper()]


def log_user_content(env: Mapping[str, str]) -> bool:
    """Return LOG_USER_CONTENT: whether DEBUG logs may show users' names and texts."""
    raw = env.get("LOG_USER_CONTENT", "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise ConfigError(f"LOG_USER_CONTENT must be 0 or 1, not {raw!r}")


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
    log_level: int
    log_user_content: bool
    question_retention_days: int
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
        try:
            base_parts = urlsplit(base_url)
            base_parts.port  # noqa: B018  (raises ValueError for a port out of range)
        except ValueError as exc:
            raise ConfigError(
                f"TELEGRAM_BASE_URL is not a usable URL ({exc}): {base_url!r}"
            ) from None
        if "{token}" not in base_url and base_parts.path in ("", "/"):
            # the token is appended as it is: http://host:1 would become http://host:1TOKEN
            raise ConfigError(
                f"TELEGRAM_BASE_URL needs the path the token follows, such as "
                f"https://api.telegram.org/bot or http://127.0.0.1:8081/bot, not {base_url!r}"
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
            log_level=log_level(env),
            log_user_content=log_user_content(env),
            question_retention_days=_int(env, "QUESTION_RETENTION_DAYS", 90, 1, 3650),
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
