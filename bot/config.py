"""Settings read once from environment variables (documented in README and .env.example)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from db.urls import redact_url

__all__ = [
    "LOG_LEVELS",
    "ConfigError",
    "MessengerSettings",
    "Settings",
    "is_postgres",
    "log_level",
    "log_user_content",
    "sqlite_path",
]

DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite:///data/bot.sqlite3"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v25.0"
LOG_LEVELS = {"DEBUG": 10, "INFO": 20, "WARNING": 30, "ERROR": 40, "CRITICAL": 50}
MIN_SECRET = 16
_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{16,256}")  # what Telegram accepts as secret_token


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
    send_rate: float = 28.0
    chat_rate: float = 1.0  # messages per second to one chat (Telegram: about 1)
    in_flight: int = 128  # Bot API calls at once (one bounded path, handlers/outbound.py)
    host: str = "0.0.0.0"
    port: int = 8080
    webhook_base_url: str | None = None  # set: Telegram through a webhook, not polling
    webhook_secret: str | None = None
    webhook_max_connections: int = 40
    database_url: str = DEFAULT_DATABASE_URL
    database_pool_size: int = 10
    database_connect_wait: float = 30.0  # seconds start-up waits for an unreachable server
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
            concurrency=_int(env, "BOT_CONCURRENCY", 128, 1, 512),
            push_rate=float(_int(env, "PUSH_RATE", 28, 1, 30)),
            push_concurrency=_int(env, "PUSH_CONCURRENCY", 4, 1, 64),
            log_level=log_level(env),
            log_user_content=log_user_content(env),
            question_retention_days=_int(env, "QUESTION_RETENTION_DAYS", 90, 1, 3650),
            # Telegram: about 30 messages/s per bot; more only against a server without limits
            send_rate=float(_int(env, "TELEGRAM_SEND_RATE", 28, 1, 1000)),
            in_flight=_int(env, "TELEGRAM_IN_FLIGHT", 128, 1, 512),
            # Telegram: about one message a second per chat; more only against a test server
            chat_rate=float(_int(env, "TELEGRAM_CHAT_RATE", 1, 1, 1000)),
            host=env.get("HOST", "").strip() or "0.0.0.0",
            port=_int(env, "PORT", 8080, 1, 65535),
            database_url=database_url,
            database_pool_size=_int(env, "DATABASE_POOL_SIZE", 10, 1, 200),
            database_connect_wait=float(_int(env, "DATABASE_CONNECT_WAIT", 30, 0, 3600)),
            **_webhook(env),
            messenger=MessengerSettings.from_env(env),
        )

    @property
    def telegram_webhook_url(self) -> str | None:
        """Return the URL Telegram posts updates to, if webhook mode is on."""
        return None if self.webhook_base_url is None else f"{self.webhook_base_url}/telegram"

    @property
    def database_dir(self) -> Path | None:
        """Return the folder the database lives in, if it is a file."""
        return None if self.database_path == ":memory:" else Path(self.database_path).parent


def _webhook(env: Mapping[str, str]) -> dict[str, object]:
    """Read WEBHOOK_BASE_URL and what Telegram's webhook mode then requires."""
    base = env.get("WEBHOOK_BASE_URL", "").strip().rstrip("/") or None
    secret = env.get("TELEGRAM_WEBHOOK_SECRET", "").strip() or None
    connections = _int(env, "WEBHOOK_MAX_CONNECTIONS", 40, 1, 100)
    if base is None:
        return {"webhook_max_connections": connections}
    if not base.startswith(("https://", "http://")):
        raise ConfigError(
            f"WEBHOOK_BASE_URL must be the public https:// address of this server "
            f"(for example https://bot.example.com), not {base!r}"
        )
    if base.startswith("http://"):
        host = base[len("http://") :].split("/", 1)[0].split(":", 1)[0]
        if host not in ("127.0.0.1", "localhost"):
            raise ConfigError(
                "WEBHOOK_BASE_URL must start with https:// (Telegram posts only to HTTPS)"
            )
    if not env.get("TELEGRAM_BOT_TOKEN", "").strip():
        # Messenger alone: nothing of Telegram's is needed
        return {"webhook_base_url": base, "webhook_max_connections": connections}
    if secret is None or len(secret) < MIN_SECRET:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is required with WEBHOOK_BASE_URL: at least "
            f"{MIN_SECRET} characters of A-Z, a-z, 0-9, _ and - (for example the output of "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))')"
        )
    if not _SECRET_RE.fullmatch(secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET may contain only A-Z, a-z, 0-9, _ and - "
            "(at most 256 characters)"
        )
    return {
        "webhook_base_url": base,
        "webhook_secret": secret,
        "webhook_max_connections": connections,
    }


@dataclass(frozen=True, slots=True)
class MessengerSettings:
    """The Messenger channel: on when the Page token and the app secret are both set."""

    page_token: str
    app_secret: str
    verify_token: str
    graph_url: str = DEFAULT_GRAPH_URL
    send_rate: float = 280.0  # Graph calls per second for the Page (Meta allows 300)
    in_flight: int = 128  # Graph calls at once (one bounded path, handlers/outbound.py)
    concurrency: int = 128  # events handled at once (each user's events stay in order)
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
            # Meta (rate-limiting page, updated 2026-03-23): 300 Send API calls/s per Page
            # for text; more only against a test server without limits
            send_rate=float(_int(env, "MESSENGER_SEND_RATE", 280, 1, 1000)),
            in_flight=_int(env, "MESSENGER_IN_FLIGHT", 128, 1, 512),
            concurrency=_int(env, "MESSENGER_CONCURRENCY", 128, 1, 512),
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
