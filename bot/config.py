"""Settings read once from environment variables (documented in README and .env.example)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["ConfigError", "MessengerSettings", "Settings", "sqlite_path"]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v25.0"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def sqlite_path(url: str) -> str:
    """Turn ``sqlite:///relative/path`` or ``sqlite:////absolute/path`` into a file path."""
    prefix = "sqlite:///"
    if url == "sqlite:///:memory:":
        return ":memory:"
    if not url.startswith(prefix) or len(url) == len(prefix):
        raise ConfigError(
            f"DATABASE_URL must look like sqlite:///data/bot.sqlite3 or "
            f"sqlite:////absolute/path.sqlite3, not {url!r}"
        )
    return url[len(prefix) :]


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
    webhook_base_url: str | None = None
    messenger: MessengerSettings | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """Build settings from a mapping such as ``os.environ``; raise ConfigError if bad."""
        token = env.get("TELEGRAM_BOT_TOKEN", "").strip() or None
        base_url = env.get("TELEGRAM_BASE_URL", "").strip() or DEFAULT_BASE_URL
        if not base_url.startswith(("http://", "https://")):
            raise ConfigError(
                f"TELEGRAM_BASE_URL must start with http:// or https://: {base_url!r}"
            )
        database = sqlite_path(env.get("DATABASE_URL", "").strip() or DEFAULT_DATABASE_URL)
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
            webhook_base_url=_url(env, "WEBHOOK_BASE_URL", None),
            messenger=MessengerSettings.from_env(env),
        )

    @property
    def database_dir(self) -> Path | None:
        """Return the folder the database lives in, if it is a file."""
        return None if self.database_path == ":memory:" else Path(self.database_path).parent


@dataclass(frozen=True, slots=True)
class MessengerSettings:
    """The Messenger channel: on when the Page token and the app secret are both set."""

    page_token: str
    app_secret: str
    verify_token: str
    graph_url: str = DEFAULT_GRAPH_URL
    send_rate: float = 240.0  # Graph calls per second for the Page (Meta allows 250)
    concurrency: int = 64  # events handled at once (each user's events stay in order)
    retry_seconds: float = 600.0  # how long a reply is retried while Graph fails

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> MessengerSettings | None:
        """Return the settings, None when the channel is off; ConfigError if half set."""
        token = env.get("MESSENGER_PAGE_ACCESS_TOKEN", "").strip()
        secret = env.get("MESSENGER_APP_SECRET", "").strip()
        if not token:
            return None
        if not secret:
            # fail closed: without the secret no webhook call can be verified
            raise ConfigError(
                "MESSENGER_PAGE_ACCESS_TOKEN is set but MESSENGER_APP_SECRET is not: the "
                "Messenger webhook cannot verify X-Hub-Signature-256 without the app secret "
                "(Meta App Dashboard → Settings → Basic → App secret)"
            )
        verify = env.get("MESSENGER_VERIFY_TOKEN", "").strip()
        if not verify:
            raise ConfigError(
                "MESSENGER_VERIFY_TOKEN is not set: choose a random string and enter the same "
                "one as the Verify token of the webhook in the Meta App Dashboard"
            )
        return cls(
            page_token=token,
            app_secret=secret,
            verify_token=verify,
            graph_url=_url(env, "MESSENGER_GRAPH_URL", DEFAULT_GRAPH_URL) or DEFAULT_GRAPH_URL,
            send_rate=float(_int(env, "MESSENGER_SEND_RATE", 240, 1, 249)),
            concurrency=_int(env, "MESSENGER_CONCURRENCY", 64, 1, 512),
            retry_seconds=float(_int(env, "MESSENGER_RETRY_SECONDS", 600, 1, 86400)),
        )


def _url(env: Mapping[str, str], name: str, default: str | None) -> str | None:
    raw = env.get(name, "").strip().rstrip("/")
    if not raw:
        return default
    if not raw.startswith(("http://", "https://")):
        raise ConfigError(
            f"{name} must start with https:// (or http:// for a local fake): {raw!r}"
        )
    return raw


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
