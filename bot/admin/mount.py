"""Build the dashboard for ``python main.py serve`` from the environment (None when off)."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Mapping, Sequence
from typing import Any

from bot.admin.app import AdminApp
from bot.admin.settings import AdminSettings
from bot.config import Settings
from bot.services import Services
from faq.channel import Sender

__all__ = ["admin_from_env", "attach_telegram_admin", "install_reload_signal"]

logger = logging.getLogger(__name__)


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


def install_reload_signal(services: Services, admin: AdminApp | None) -> None:
    """Reload the content on SIGHUP (``kill -HUP <pid>``), audited when the admin is on."""
    from bot.live_content import reload_content

    tasks: set[asyncio.Task[None]] = set()

    async def reload() -> None:
        if admin is not None:
            problems = await admin.reload("signal", "")
        else:
            problems = await reload_content(services)
        for problem in problems:
            logger.error("reload: %s", problem)
        if problems:
            logger.error("reload: %d problem(s); the old content is still served", len(problems))
        else:
            logger.info("reload: the new content is served")

    def on_signal() -> None:
        task = asyncio.get_running_loop().create_task(reload())
        tasks.add(task)
        task.add_done_callback(tasks.discard)

    asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, on_signal)
