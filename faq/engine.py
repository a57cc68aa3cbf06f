"""The conversation core, shared by every channel (Telegram, console, later Messenger).

It takes who the user is and what they sent (text, a button's data, a command) and returns
replies as plain data. Channels only translate updates in and replies out.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from db.store import Store
from faq import texts
from faq.actions import Action, pack, parse
from faq.answer import Decision, Kind, Understanding
from faq.course import Course
from faq.model import Content, Topic
from faq.replies import Button, Command, Input, Press, Reply, Text, UserRef

__all__ = ["Button", "Command", "Conversation", "Press", "Reply", "Text", "UserRef"]

logger = logging.getLogger(__name__)
DHAKA = ZoneInfo("Asia/Dhaka")


@dataclass
class Conversation:
    """Answers one user input at a time; keeps no per-user state outside the Store."""

    content: Content
    understanding: Understanding
    store: Store
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(DHAKA))
    default_hour: int = 9

    def __post_init__(self) -> None:
        self.course = Course(self.content, self.store, self.clock, self.default_hour)

    # -- entry point -----------------------------------------------------------------------

    async def handle(self, user: UserRef, message: Input) -> list[Reply]:
        """Return the replies to one input from one user."""
        await self.store.upsert_user(user.id, user.first_name, user.language)
        if isinstance(message, Command):
            return await self._command(user, message)
        if isinstance(message, Press):
            return await self._press(user, message)
        return await self._text(user, message.text)

    # -- commands --------------------------------------------------------------------------

    async def _command(self, user: UserRef, cmd: Command) -> list[Reply]:
        name = cmd.name.lower().split("@", 1)[0]
        arg = cmd.arg.strip()
        if name == "start":
            if arg in self.content.topics:
                return [await self._topic(user, self.content.topics[arg], "link")]
            if arg.startswith("b_") and self.content.branch(arg[2:]):
                return [self.branch_menu(arg[2:])]
            return await self._welcome(user)
        if name == "menu":
            return [self.main_menu()]
        if name == "help":
            return [Reply(texts.HELP, buttons=self._menu_row())]
        if name == "delete_me":
            return [
                Reply(
                    texts.DELETE_CONFIRM,
                    buttons=(
                        (
                            Button(texts.BTN_YES_DELETE, pack("dy")),
                            Button(texts.BTN_NO, pack("dn")),
                        ),
                    ),
                )
            ]
        course_reply = await self.course.command(user.id, name, arg)
        if course_reply is not None:
            return course_reply
        return [Reply(texts.UNKNOWN_COMMAND, buttons=self._menu_row())]

    async def _welcome(self, user: UserRef) -> list[Reply]:
        name = f", {user.first_name.strip()[:40]}" if user.first_name.strip() else ""
        welcome = texts.WELCOME.format(name=name)
        replies = [self.main_menu(text=f"{welcome}\n\n{texts.MENU}")]
        offer = await self.course.offer(user.id)
        if offer is not None:
            replies.append(offer)
        return replies

    # -- buttons ---------------------------------------------------------------------------

    async def _press(self, user: UserRef, press: Press) -> list[Reply]:
        action = parse(press.data)
        if action is None:
            logger.info("unknown button data from user %s", user.id)
            return [self._stale()]
        return await self._act(user, action)

    async def _act(self, user: UserRef, action: Action) -> list[Reply]:
        kind, args = action.kind, action.args
        if kind == "m":
            return [self.main_menu(replace=True)]
        if kind == "b":
            if self.content.branch(args[0]) is None:
                return [self._stale()]
            return [self.branch_menu(args[0], replace=True)]
        if kind == "t":
            topic = self.content.topics.get(args[0])
            if topic is None:
                return [self._stale()]
            return [await self._topic(user, topic, "button", replace=True)]
        if kind == "f":
            return await self._feedback(user, args[0] == "1", args[1])
        if kind == "dy":
            await self.store.delete_user(user.id)
            return [Reply(texts.DELETED, replace=True)]
        if kind == "dn":
            return [Reply(texts.DELETE_CANCELLED, replace=True, buttons=self._menu_row())]
        course_reply = await self.course.act(user.id, action)
        return course_reply if course_reply is not None else [self._stale()]

    async def _feedback(self, user: UserRef, positive: bool, topic_id: str) -> list[Reply]:
        if topic_id not in self.content.topics:
            return [self._stale()]
        question = await self.store.last_question_for(user.id, topic_id)
        await self.store.add_feedback(user.id, topic_id, positive, question)
        notice = texts.FEEDBACK_THANKS_UP if positive else texts.FEEDBACK_THANKS_DOWN
        return [Reply(notice, notice=notice)]

    # -- free text -------------------------------------------------------------------------

    async def _text(self, user: UserRef, text: str) -> list[Reply]:
        decision = self.understanding.decide(text)
        if decision.kind in (Kind.ANSWER, Kind.UNSURE, Kind.OUT_OF_SCOPE):
            await self.store.log_question(user.id, text, decision.topic_id, decision.score)
        return await self.reply_to(user, decision)

    async def reply_to(self, user: UserRef, decision: Decision) -> list[Reply]:
        """Turn a decision about free text into replies."""
        kind = decision.kind
        if kind is Kind.ANSWER and decision.topic_id:
            topic = self.content.topics[decision.topic_id]
            return [await self._topic(user, topic, "question")]
        if kind is Kind.UNSURE:
            rows = tuple(
                (Button(self.content.topics[t].title, pack("t", t)),) for t in decision.suggestions
            )
            return [Reply(texts.UNSURE, buttons=(*rows, *self._menu_row()))]
        if kind is Kind.GREETING:
            return [Reply(texts.greeting(decision.greeting), buttons=self._menu_row())]
        if kind is Kind.THANKS:
            return [Reply(texts.THANKS, buttons=self._menu_row())]
        if kind is Kind.BYE:
            return [Reply(texts.BYE)]
        if kind is Kind.HELP:
            return [Reply(texts.HELP, buttons=self._menu_row())]
        if kind is Kind.EMPTY:
            return [Reply(texts.EMPTY, buttons=self._menu_row())]
        return [self.main_menu(text=texts.OUT_OF_SCOPE)]

    # -- views -----------------------------------------------------------------------------

    def main_menu(self, *, replace: bool = False, text: str = texts.MENU) -> Reply:
        """Return the main menu: one button per branch, then the daily lessons."""
        rows = [(Button(b.title, pack("b", b.id)),) for b in self.content.branches]
        if self.content.lessons:
            rows.append((Button(texts.BTN_COURSE, pack("p")),))
        return Reply(text, buttons=tuple(rows), replace=replace)

    def branch_menu(self, branch_id: str, *, replace: bool = False) -> Reply:
        """Return a branch's topics as buttons with a way back."""
        branch = self.content.branch(branch_id)
        assert branch is not None
        rows = [(Button(self.content.topics[t].title, pack("t", t)),) for t in branch.topic_ids]
        rows.append((Button(texts.BTN_MENU, pack("m")),))
        return Reply(branch.intro, title=branch.title, buttons=tuple(rows), replace=replace)

    async def _topic(
        self, user: UserRef, topic: Topic, source: str, *, replace: bool = False
    ) -> Reply:
        await self.store.log_view(user.id, topic.id, source)
        rows: list[tuple[Button, ...]] = [
            (Button("➡️ " + self.content.topics[r].title, pack("t", r)),) for r in topic.related
        ]
        rows.append(
            (
                Button(texts.BTN_UP, pack("f", 1, topic.id)),
                Button(texts.BTN_DOWN, pack("f", 0, topic.id)),
            )
        )
        rows.append(
            (Button(texts.BTN_BACK, pack("b", topic.branch_id)), Button(texts.BTN_MENU, pack("m")))
        )
        body = f"{topic.answer}\n\n{texts.RELATED}" if topic.related else topic.answer
        return Reply(
            body, title=topic.title, buttons=tuple(rows), replace=replace, topic_id=topic.id
        )

    def _menu_row(self) -> tuple[tuple[Button, ...], ...]:
        return ((Button(texts.BTN_MENU, pack("m")),),)

    def _stale(self) -> Reply:
        return self.main_menu(text=texts.STALE_BUTTON)
