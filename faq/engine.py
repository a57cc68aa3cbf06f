"""The conversation core, shared by every channel (Telegram, Messenger, console).

It takes who the user is and what they sent (text, a button's data, a command) and returns
replies as plain data. Channels only translate updates in and replies out.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from db.protocol import ConversationStorage
from faq import texts
from faq.actions import (
    Action,
    DeleteCancel,
    DeleteConfirm,
    Feedback,
    Menu,
    OpenBranch,
    OpenTopic,
    pack,
    parse,
)
from faq.answer import Decision, Kind, Understanding
from faq.course import PERSONAL_ACTIONS, PERSONAL_COMMANDS, Course
from faq.model import Content, Topic
from faq.replies import Button, Command, Input, Press, Reply, UserRef

__all__ = ["Conversation", "menu_row"]

logger = logging.getLogger(__name__)
DHAKA = ZoneInfo("Asia/Dhaka")
# Commands that show or change one user's data: in a group they get a pointer to the
# private chat instead (the course adds its own to these).
_PERSONAL_COMMANDS = frozenset({"delete_me", *PERSONAL_COMMANDS})
_PERSONAL_ACTIONS = (DeleteConfirm, DeleteCancel, *PERSONAL_ACTIONS)


def menu_row() -> tuple[tuple[Button, ...], ...]:
    """Return one row with the main-menu button."""
    return ((Button(texts.BTN_MENU, pack(Menu())),),)


@dataclass
class Conversation:
    """Answers one user input at a time; keeps no per-user state outside the storage."""

    content: Content
    understanding: Understanding
    store: ConversationStorage
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(DHAKA))
    default_hour: int = 9
    # channels that may message a user only within a window after the user's last message
    # (Messenger: 24 hours); lessons due there are offered when the user writes
    windowed_channels: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        self.course = Course(self.content, self.store, self.clock, self.default_hour)
        # one dispatch table for every button the core itself handles; the course's own
        # actions are in Course.actions
        self._actions: dict[type[Action], Callable[[int, Action], Awaitable[list[Reply]]]] = {
            Menu: self._open_menu,
            OpenBranch: self._open_branch,
            OpenTopic: self._open_topic,
            Feedback: self._feedback,
            DeleteConfirm: self._delete,
            DeleteCancel: self._keep,
        }

    # -- entry points ----------------------------------------------------------------------

    async def handle(self, user: UserRef, message: Input) -> list[Reply]:
        """Return the replies to one input from one user (and record that they wrote)."""
        uid = await self.store.touch_user(
            user.channel, user.external_id, user.first_name, user.language
        )
        if isinstance(message, Command):
            replies = await self._command(uid, user, message)
        elif isinstance(message, Press):
            replies = await self._press(uid, user, message)
        else:
            replies = await self._text(uid, message.text)
        return await self._with_held_lesson(uid, user, replies)

    async def _with_held_lesson(
        self, uid: int, user: UserRef, replies: list[Reply]
    ) -> list[Reply]:
        """On a windowed channel, append the offer of a lesson that could not be pushed."""
        if user.channel not in self.windowed_channels or not user.private:
            return replies
        offer = await self.course.held_offer(uid)
        return replies if offer is None else [*replies, offer]

    async def set_reachable(self, user: UserRef, reachable: bool) -> None:
        """Record that a channel can (no longer) reach the user: blocked bot, chat gone."""
        uid = await self.store.user_id_for(user.channel, user.external_id)
        if uid is not None:
            await self.store.set_blocked(uid, not reachable)

    async def media(self, user: UserRef, *, like: bool = False) -> list[Reply]:
        """Answer a sticker, photo, voice message or the like: text and buttons work.

        ``like``: the channel's thumbs-up (Messenger's like button) gets a short thanks.
        """
        uid = await self.store.touch_user(
            user.channel, user.external_id, user.first_name, user.language
        )
        if like:
            replies = [Reply(texts.LIKE, buttons=menu_row())]
        else:
            replies = [self.main_menu(text=texts.NO_TEXT)]
        return await self._with_held_lesson(uid, user, replies)

    # -- commands --------------------------------------------------------------------------

    async def _command(self, uid: int, user: UserRef, cmd: Command) -> list[Reply]:
        name = cmd.name.lower().split("@", 1)[0]
        arg = cmd.arg.strip()
        if not user.private:
            if name in ("start", "help"):
                return [Reply(texts.GROUP_HINT, private_link=True)]
            if name in _PERSONAL_COMMANDS:
                return [Reply(texts.GROUP_PERSONAL, private_link=True)]
        if name == "start":
            if arg in self.content.topics:
                return [await self._topic(uid, self.content.topics[arg], "link")]
            if arg.startswith("b_") and self.content.branch(arg[2:]):
                return [self.branch_menu(arg[2:])]
            return await self._welcome(uid, user)
        if name == "menu":
            return [self.main_menu()]
        if name == "help":
            return [Reply(texts.HELP, buttons=menu_row())]
        if name == "delete_me":
            return [
                Reply(
                    texts.DELETE_CONFIRM,
                    buttons=(
                        (
                            Button(texts.BTN_YES_DELETE, pack(DeleteConfirm(uid))),
                            Button(texts.BTN_NO, pack(DeleteCancel())),
                        ),
                    ),
                )
            ]
        windowed = user.channel in self.windowed_channels
        course_reply = await self.course.command(uid, name, arg, windowed=windowed)
        if course_reply is not None:
            return course_reply
        return [Reply(texts.UNKNOWN_COMMAND, buttons=menu_row())]

    async def _welcome(self, uid: int, user: UserRef) -> list[Reply]:
        name = f", {user.first_name.strip()[:40]}" if user.first_name.strip() else ""
        welcome = texts.WELCOME.format(name=name)
        replies = [self.main_menu(text=f"{welcome}\n\n{texts.MENU}")]
        offer = await self.course.offer(uid)
        if offer is not None:
            replies.append(offer)
        return replies

    # -- buttons ---------------------------------------------------------------------------

    async def _press(self, uid: int, user: UserRef, press: Press) -> list[Reply]:
        action = parse(press.data)
        if action is None:
            logger.info("unknown button data from user %s", uid)
            return [self._stale()]
        if not user.private and isinstance(action, _PERSONAL_ACTIONS):
            return [Reply(texts.GROUP_PERSONAL, notice=texts.GROUP_PERSONAL)]
        handler = self._actions.get(type(action))
        if handler is not None:
            return await handler(uid, action)
        windowed = user.channel in self.windowed_channels
        course_reply = await self.course.act(uid, action, windowed=windowed)
        return course_reply if course_reply is not None else [self._stale()]

    async def _open_menu(self, uid: int, action: Action) -> list[Reply]:
        return [self.main_menu(replace=True)]

    async def _open_branch(self, uid: int, action: Action) -> list[Reply]:
        assert isinstance(action, OpenBranch)
        if self.content.branch(action.branch_id) is None:
            return [self._stale()]
        return [self.branch_menu(action.branch_id, replace=True)]

    async def _open_topic(self, uid: int, action: Action) -> list[Reply]:
        assert isinstance(action, OpenTopic)
        topic = self.content.topics.get(action.topic_id)
        if topic is None:
            return [self._stale()]
        return [await self._topic(uid, topic, "button", replace=True)]

    async def _feedback(self, uid: int, action: Action) -> list[Reply]:
        assert isinstance(action, Feedback)
        if action.topic_id not in self.content.topics:
            return [self._stale()]
        question = await self.store.last_question_for(uid, action.topic_id)
        await self.store.add_feedback(uid, action.topic_id, action.positive, question)
        notice = texts.FEEDBACK_THANKS_UP if action.positive else texts.FEEDBACK_THANKS_DOWN
        return [Reply(notice, notice=notice)]

    async def _delete(self, uid: int, action: Action) -> list[Reply]:
        assert isinstance(action, DeleteConfirm)
        if action.owner != uid:
            # a confirmation acts only for the user who asked for it
            logger.info("delete confirmation of user %s pressed by user %s", action.owner, uid)
            return [Reply(texts.NOT_YOUR_BUTTON, notice=texts.NOT_YOUR_BUTTON)]
        await self.store.delete_user(uid)
        return [Reply(texts.DELETED, replace=True)]

    async def _keep(self, uid: int, action: Action) -> list[Reply]:
        return [Reply(texts.DELETE_CANCELLED, replace=True, buttons=menu_row())]

    # -- free text -------------------------------------------------------------------------

    async def _text(self, uid: int, text: str) -> list[Reply]:
        decision = self.understanding.decide(text)
        if decision.kind in (Kind.ANSWER, Kind.UNSURE, Kind.OUT_OF_SCOPE):
            await self.store.log_question(uid, text, decision.topic_id, decision.score)
        return await self.reply_to(uid, decision)

    async def reply_to(self, uid: int, decision: Decision) -> list[Reply]:
        """Turn a decision about free text into replies."""
        kind = decision.kind
        if kind is Kind.ANSWER and decision.topic_id:
            topic = self.content.topics[decision.topic_id]
            return [await self._topic(uid, topic, "question")]
        if kind is Kind.UNSURE:
            rows = tuple(
                (Button(self.content.topics[t].title, pack(OpenTopic(t))),)
                for t in decision.suggestions
            )
            return [Reply(texts.UNSURE, buttons=(*rows, *menu_row()))]
        if kind is Kind.GREETING:
            return [Reply(texts.greeting(decision.greeting), buttons=menu_row())]
        if kind is Kind.THANKS:
            return [Reply(texts.THANKS, buttons=menu_row())]
        if kind is Kind.BYE:
            return [Reply(texts.BYE)]
        if kind is Kind.HELP:
            return [Reply(texts.HELP, buttons=menu_row())]
        if kind is Kind.EMPTY:
            return [Reply(texts.EMPTY, buttons=menu_row())]
        return [self.main_menu(text=texts.OUT_OF_SCOPE)]

    # -- views -----------------------------------------------------------------------------

    def main_menu(self, *, replace: bool = False, text: str = texts.MENU) -> Reply:
        """Return the main menu: one button per branch, then the daily lessons."""
        rows = [(Button(b.title, pack(OpenBranch(b.id))),) for b in self.content.branches]
        if self.content.lessons:
            rows.append((Button(texts.BTN_COURSE, pack(self.course.entry_action())),))
        return Reply(text, buttons=tuple(rows), replace=replace)

    def branch_menu(self, branch_id: str, *, replace: bool = False) -> Reply:
        """Return a branch's topics as buttons with a way back."""
        branch = self.content.branch(branch_id)
        assert branch is not None
        rows = [
            (Button(self.content.topics[t].title, pack(OpenTopic(t))),) for t in branch.topic_ids
        ]
        rows.append((Button(texts.BTN_MENU, pack(Menu())),))
        return Reply(branch.intro, title=branch.title, buttons=tuple(rows), replace=replace)

    async def _topic(self, uid: int, topic: Topic, source: str, *, replace: bool = False) -> Reply:
        await self.store.log_view(uid, topic.id, source)
        rows: list[tuple[Button, ...]] = [
            (Button("➡️ " + self.content.topics[r].title, pack(OpenTopic(r))),)
            for r in topic.related
        ]
        rows.append(
            (
                Button(texts.BTN_UP, pack(Feedback(True, topic.id))),
                Button(texts.BTN_DOWN, pack(Feedback(False, topic.id))),
            )
        )
        rows.append(
            (
                Button(texts.BTN_BACK, pack(OpenBranch(topic.branch_id))),
                Button(texts.BTN_MENU, pack(Menu())),
            )
        )
        body = f"{topic.answer}\n\n{texts.RELATED}" if topic.related else topic.answer
        return Reply(
            body, title=topic.title, buttons=tuple(rows), replace=replace, topic_id=topic.id
        )

    def _stale(self) -> Reply:
        return self.main_menu(text=texts.STALE_BUTTON)
