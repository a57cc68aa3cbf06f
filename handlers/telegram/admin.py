"""Optional Telegram commands for the bot's operators: ``/stats`` and ``/reload``.

Only private messages from the ids in ADMIN_TELEGRAM_IDS reach them; anyone else's
``/stats`` goes on to the core like any unknown command. What the commands do is passed in
(handlers never import ``bot/``); ``register_admin`` is the one function to call.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from telegram import Update
from telegram.ext import Application, ApplicationHandlerStop, CommandHandler, ContextTypes, filters

from faq.replies import Reply
from handlers.telegram.output import TelegramOutput

__all__ = ["ADMIN_COMMANDS", "register_admin"]

ADMIN_COMMANDS = ("stats", "reload")
Action = Callable[[int], Awaitable[str]]  # the admin's Telegram id → the text to answer


def register_admin(
    app: Application,  # type: ignore[type-arg]
    output: TelegramOutput,
    admin_ids: Collection[int],
    stats: Action,
    reload: Action,
) -> None:
    """Add /stats and /reload for ``admin_ids`` ahead of the core's handlers (group -1)."""
    if not admin_ids:
        return
    actions = {"stats": stats, "reload": reload}

    async def handle(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        message, user = update.effective_message, update.effective_user
        if message is None or user is None or not message.text:
            return
        name = message.text.split(maxsplit=1)[0][1:].split("@", 1)[0].lower()
        text = await actions[name](user.id)
        await output.send(message.chat_id, [Reply(text)])
        raise ApplicationHandlerStop

    app.add_handler(
        CommandHandler(
            list(ADMIN_COMMANDS),
            handle,
            filters=filters.User(user_id=list(admin_ids)) & filters.ChatType.PRIVATE,
        ),
        group=-1,
    )
