"""Telegram update handlers: thin adapters between updates and the conversation core.

``TelegramHandlers`` holds its typed dependencies (the core, the output module, flood
control); ``handlers.telegram.register`` adds its methods to the application.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from telegram import Chat, ChatMember, Message, Update
from telegram.constants import ChatType
from telegram.ext import ContextTypes

from faq import texts
from faq.channel import Outcome
from faq.engine import Conversation
from faq.replies import Command, Input, Press, Reply, Text, UserRef
from handlers.flood import Admission, FloodGuard
from handlers.telegram.output import TelegramOutput

__all__ = ["CHANNEL", "TelegramHandlers", "clean_text", "user_of"]

logger = logging.getLogger(__name__)
Context = ContextTypes.DEFAULT_TYPE
CHANNEL = "telegram"
MAX_TEXT = 4096 * 4
# JSON decoding joins valid surrogate pairs, so any surrogate left in a str is a lone one
_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Make text safe to store and send: each lone surrogate (invalid UTF-16) becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


def user_of(update: Update) -> UserRef | None:
    """Return who sent the update, or None for bots and anonymous senders."""
    user = update.effective_user
    if user is None or user.is_bot:
        return None
    return UserRef(
        CHANNEL,
        str(user.id),
        clean_text(user.first_name or ""),
        user.language_code,
        private=_is_private(update.effective_chat),
    )


def _is_private(chat: Chat | None) -> bool:
    return chat is not None and chat.type == ChatType.PRIVATE


def _bot_mentioned(message: Message, username: str) -> bool:
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.username == username:
        return True
    return f"@{username}".lower() in (message.text or "").lower()


@dataclass
class TelegramHandlers:
    """Every Telegram handler, with what it needs."""

    conversation: Conversation
    output: TelegramOutput
    flood: FloodGuard  # typed messages and commands
    flood_buttons: FloodGuard  # button presses: browsing quickly is normal

    async def _deliver(
        self, user: UserRef, chat_id: int, replies: list[Reply], edit_id: int | None = None
    ) -> None:
        outcome = await self.output.send(chat_id, replies, edit_message_id=edit_id)
        if outcome is Outcome.UNREACHABLE and user.private:
            logger.info("telegram user %s cannot be reached; marked", user.external_id)
            await self.conversation.set_reachable(user, False)

    async def admit(self, update: object) -> bool:
        """Flood control, before the update waits in its chat's queue; False: not processed.

        Counted: private messages and presses, and in groups only what the bot answers
        (commands, mentions, replies). The first update over the limit gets one warning; a
        refused press is still acknowledged so that the button stops spinning.
        """
        if not isinstance(update, Update):
            return True
        user = user_of(update)
        chat = update.effective_chat
        if user is None or chat is None:
            return True
        query = update.callback_query
        if query is not None:
            guard = self.flood_buttons
        elif update.message is not None and self._counted(update.message, user):
            guard = self.flood
        else:
            return True
        verdict = guard.check(user.external_id)  # synchronous: arrival order is kept
        if verdict is Admission.OK:
            return True
        if query is not None:
            await self.output.answer_callback(query.id)
        if verdict is Admission.WARN:
            logger.info("telegram user %s is flooding; slowing down", user.external_id)
            await self._deliver(user, chat.id, [Reply(texts.FLOOD)])
        return False

    def _counted(self, message: Message, user: UserRef) -> bool:
        if user.private:
            return True
        text = message.text or ""
        if text.startswith("/"):
            return True
        try:
            username = message.get_bot().username
        except RuntimeError:
            return True
        return _bot_mentioned(message, username)

    async def _run(self, update: Update, message: Input) -> None:
        user = user_of(update)
        chat = update.effective_chat
        if user is None or chat is None:
            return
        replies = await self.conversation.handle(user, message)
        await self._deliver(user, chat.id, replies)

    async def on_text(self, update: Update, context: Context) -> None:
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
        await self._run(update, Text(clean_text(text[:MAX_TEXT])))

    async def on_command(self, update: Update, context: Context) -> None:
        """Handle /start, /menu, /help and every other command through the core."""
        message = update.effective_message
        if message is None or not message.text:
            return
        head, *rest = message.text.strip().split(maxsplit=1)
        name, _, addressed_to = head[1:].partition("@")
        if addressed_to and addressed_to.lower() != (context.bot.username or "").lower():
            return  # a command for another bot in a group
        arg = clean_text(rest[0][:200]) if rest else ""
        await self._run(update, Command(name.lower(), arg))

    async def on_callback(self, update: Update, context: Context) -> None:
        """Handle a button press: acknowledge it and answer through the core."""
        query = update.callback_query
        if query is None:
            return
        user = user_of(update)
        message = query.message
        chat_id = message.chat.id if message is not None else None
        if user is None or chat_id is None:
            await self.output.answer_callback(query.id)
            return
        replies = await self.conversation.handle(user, Press(query.data or ""))
        notice = next((r.notice for r in replies if r.notice), None)
        await self.output.answer_callback(query.id, notice)
        to_send = [r for r in replies if not r.notice]
        edit_id = message.message_id if isinstance(message, Message) else None
        await self._deliver(user, chat_id, to_send, edit_id)

    async def on_other(self, update: Update, context: Context) -> None:
        """Stickers, photos, voice and the like: say kindly that text and buttons work."""
        chat = update.effective_chat
        user = user_of(update)
        if user is None or chat is None or not user.private:
            return
        await self._deliver(user, chat.id, await self.conversation.media(user))

    async def on_chat_member(self, update: Update, context: Context) -> None:
        """Track whether a user blocked (status kicked) or unblocked (member) the bot."""
        change = update.my_chat_member
        if change is None or change.chat.type != ChatType.PRIVATE:
            return
        status = change.new_chat_member.status
        user = UserRef(CHANNEL, str(change.from_user.id))
        if status == ChatMember.BANNED:
            await self.conversation.set_reachable(user, False)
            logger.info("telegram user %s blocked the bot", user.external_id)
        elif status == ChatMember.MEMBER:
            await self.conversation.set_reachable(user, True)
