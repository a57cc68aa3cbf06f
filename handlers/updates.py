"""Telegram update handlers: thin adapters between updates and the conversation core."""

from __future__ import annotations

import logging

from telegram import Chat, ChatMember, Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from bot.services import Services
from faq import texts
from faq.replies import Command, Press, Reply, Text, UserRef
from handlers.flood import FloodGuard
from handlers.sending import Blocked, call_with_retry, send_replies

__all__ = [
    "on_callback",
    "on_chat_member",
    "on_command",
    "on_other",
    "on_text",
    "services_of",
]

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
MAX_TEXT = 4096


def services_of(context: Context) -> Services:
    """Return the services stored in bot_data at start-up."""
    return context.application.bot_data["services"]  # type: ignore[no-any-return]


def _flood(context: Context, buttons: bool = False) -> FloodGuard:
    # Messages and button presses have separate budgets: browsing the menu quickly is
    # normal, typing twenty messages in ten seconds is not.
    key = "flood_buttons" if buttons else "flood"
    return context.application.bot_data[key]  # type: ignore[no-any-return]


def _user(update: Update) -> UserRef | None:
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return UserRef(user.id, user.first_name or "", user.language_code)


def _is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


async def _admit(context: Context, user: UserRef, chat_id: int, buttons: bool = False) -> bool:
    """Apply flood control; warn a flooding user once per burst."""
    verdict = _flood(context, buttons).check(user.id)
    if verdict == "ok":
        return True
    if verdict == "warn":
        logger.info("user %s is flooding; slowing down", user.id)
        services = services_of(context)
        await send_replies(context.bot, services.store, user.id, chat_id, [Reply(texts.FLOOD)])
    return False


async def _run(update: Update, context: Context, message: Text | Command) -> None:
    """Pass a message or command from a user through the core and send the replies."""
    user = _user(update)
    chat = update.effective_chat
    if user is None or chat is None:
        return
    if not await _admit(context, user, chat.id):
        return
    services = services_of(context)
    replies = await services.conversation.handle(user, message)
    await send_replies(context.bot, services.store, user.id, chat.id, replies)


def _bot_mentioned(message: Message, username: str) -> bool:
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.username == username:
        return True
    return f"@{username}".lower() in (message.text or "").lower()


async def on_text(update: Update, context: Context) -> None:
    """Answer a typed question (in groups only when the bot is mentioned or replied to)."""
    message = update.effective_message
    if message is None or message.text is None:
        return
    text = message.text
    if not _is_private(update.effective_chat):
        username = context.bot.username
        if not _bot_mentioned(message, username):
            return
        text = text.replace(f"@{username}", " ")
    await _run(update, context, Text(text[: MAX_TEXT * 4]))


async def on_command(update: Update, context: Context) -> None:
    """Handle /start, /menu, /help and every other command through the core."""
    message = update.effective_message
    if message is None or not message.text:
        return
    head, _, arg = message.text.strip().partition(" ")
    name, _, addressed_to = head[1:].partition("@")
    if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
        return  # a command for another bot in a group
    if not _is_private(update.effective_chat) and name in ("start", "help"):
        user = _user(update)
        if user is not None and update.effective_chat is not None:
            services = services_of(context)
            await send_replies(
                context.bot,
                services.store,
                user.id,
                update.effective_chat.id,
                [Reply(texts.GROUP_HINT)],
            )
        return
    await _run(update, context, Command(name, arg[:200]))


async def on_callback(update: Update, context: Context) -> None:
    """Handle a button press: acknowledge it and answer through the core."""
    query = update.callback_query
    if query is None:
        return
    user = _user(update)
    message = query.message
    chat_id = message.chat.id if message is not None else (user.id if user else None)
    if user is None or chat_id is None:
        return
    if not await _admit(context, user, chat_id, buttons=True):
        await _answer_query(query)
        return
    services = services_of(context)
    replies = await services.conversation.handle(user, Press(query.data or ""))
    notice = next((r.notice for r in replies if r.notice), None)
    await _answer_query(query, notice)
    to_send = [r for r in replies if not r.notice]
    edit_id = message.message_id if isinstance(message, Message) else None
    await send_replies(context.bot, services.store, user.id, chat_id, to_send, edit_id)


async def _answer_query(query: object, text: str | None = None) -> None:
    try:
        await call_with_retry(
            lambda: query.answer(text=text),
            "answerCallbackQuery",  # type: ignore[attr-defined]
        )
    except Blocked:
        pass
    except Exception as exc:  # a late or duplicate answer must not stop the reply
        logger.info("answerCallbackQuery failed: %s", exc)


async def on_other(update: Update, context: Context) -> None:
    """Stickers, photos, voice and the like: say kindly that text and buttons work."""
    if not _is_private(update.effective_chat) or update.effective_message is None:
        return
    if update.edited_message is not None:
        return
    user = _user(update)
    chat = update.effective_chat
    if user is None or chat is None or not await _admit(context, user, chat.id):
        return
    services = services_of(context)
    await services.store.upsert_user(user.id, user.first_name, user.language)
    menu = services.conversation.main_menu(text=texts.NO_TEXT)
    await send_replies(context.bot, services.store, user.id, chat.id, [menu])


async def on_chat_member(update: Update, context: Context) -> None:
    """Track whether a user blocked (status kicked) or unblocked (member) the bot."""
    change = update.my_chat_member
    if change is None or change.chat.type != ChatType.PRIVATE:
        return
    status = change.new_chat_member.status
    store = services_of(context).store
    user_id = change.from_user.id
    if status == ChatMember.BANNED:
        await store.set_blocked(user_id, True)
        logger.info("user %s blocked the bot", user_id)
    elif status == ChatMember.MEMBER:
        await store.set_blocked(user_id, False)
