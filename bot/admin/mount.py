"""Build the dashboard for ``python main.py serve`` from the environment (None when off)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.admin.app import AdminApp
from bot.admin.settings import AdminSettings
from bot.config import Settings
from bot.services import Services
from faq.channel import Sender

__all__ = ["admin_from_env", "attach_telegram_admin"]


def admin_from_env(
    env: Mapping[str, str], settings: Settings, services: Services, senders: Mapping[str, Sender]
) -> AdminApp | None:
    """Return the dashboard if ADMIN_TOKEN is set; raise ConfigError if it is too short."""
    admin_settings = AdminSettings.from_env(env)
    if admin_settings is None:
        return None
    return AdminApp(
        services,
        admin_settings,
        senders,
        timezone=settings.timezone,
        push_rate=settings.push_rate,
        push_concurrency=settings.push_concurrency,
    )


def attach_telegram_admin(admin: AdminApp, channels: Sequence[Any]) -> bool:
    """Give the ADMIN_TELEGRAM_IDS /stats and /reload in the Telegram channel, if any."""
    from handlers.telegram.admin import register_admin

    for channel in channels:
        if channel.name == "telegram" and admin.settings.telegram_ids:
            register_admin(
                channel.app,
                channel.handlers.output,
                admin.settings.telegram_ids,
                admin.stats_text,
                admin.telegram_reload,
            )
            return True
    return False
