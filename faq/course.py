"""The daily course inside the conversation core: subscribing, lessons, quiz and progress."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import datetime

from db.protocol import ConversationStorage
from faq import texts
from faq.actions import (
    Action,
    ChooseTime,
    Menu,
    NextLesson,
    OpenTopic,
    QuizAnswer,
    SetHour,
    ShowProgress,
    Subscribe,
    Unsubscribe,
    pack,
)
from faq.model import Content
from faq.normalize import fold_bangla_digits
from faq.replies import Button, Reply
from faq.texts import bn_number

__all__ = ["PERSONAL_ACTIONS", "PERSONAL_COMMANDS", "Course", "hour_label", "parse_hour"]

TIME_CHOICES = (6, 7, 8, 9, 10, 12, 14, 16, 18, 20, 21, 22)
_TIME_RE = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?$")
# Every course command and button shows or changes one user's course: personal.
PERSONAL_COMMANDS = frozenset({"subscribe", "unsubscribe", "stop", "time", "lesson", "progress"})
PERSONAL_ACTIONS = (
    Subscribe,
    Unsubscribe,
    ChooseTime,
    SetHour,
    NextLesson,
    ShowProgress,
    QuizAnswer,
)
_MENU = Button(texts.BTN_MENU, pack(Menu()))


def hour_label(hour: int) -> str:
    """Write an hour of the day the way people say it in Bangla: «সকাল ৯টা»."""
    if 4 <= hour < 12:
        part = "সকাল"
    elif 12 <= hour < 15:
        part = "দুপুর"
    elif 15 <= hour < 18:
        part = "বিকেল"
    elif 18 <= hour < 20:
        part = "সন্ধ্যা"
    else:
        part = "রাত"
    return f"{part} {bn_number(hour % 12 or 12)}টা"


def parse_hour(text: str) -> int | None:
    """Read an hour from «20», «20:00» or «৮»; None if it is not a valid time of day."""
    found = _TIME_RE.match(fold_bangla_digits(text.strip()))
    if not found:
        return None
    hour, minute = int(found.group(1)), int(found.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return hour


class Course:
    """Lessons and quizzes for one Content and Store."""

    def __init__(
        self,
        content: Content,
        store: ConversationStorage,
        clock: Callable[[], datetime],
        default_hour: int,
    ) -> None:
        self.content = content
        self.store = store
        self.clock = clock
        self.default_hour = default_hour
        self._commands: dict[str, Callable[[int, str], Awaitable[Reply]]] = {
            "subscribe": lambda uid, _: self.subscribe(uid),
            "unsubscribe": lambda uid, _: self.unsubscribe(uid),
            "stop": lambda uid, _: self.unsubscribe(uid),
            "time": self.set_time,
            "lesson": lambda uid, _: self.next_lesson(uid),
            "progress": lambda uid, _: self.progress(uid),
        }

    @staticmethod
    def entry_action() -> Action:
        """Return the action of the main menu's course button."""
        return ShowProgress()

    @property
    def total(self) -> int:
        """Return the number of lessons in the course."""
        return len(self.content.lessons)

    # -- rendering -------------------------------------------------------------------------

    def lesson_reply(self, day: int) -> Reply:
        """Return one lesson with its quiz as a single message."""
        lesson = self.content.lesson(day)
        assert lesson is not None
        quiz = lesson.quiz
        options = "\n".join(f"{bn_number(i + 1)}. {o}" for i, o in enumerate(quiz.options))
        body = f"{lesson.text}\n\n{texts.QUIZ_HEADER.format(question=quiz.question)}\n{options}"
        title = texts.LESSON_HEADER.format(
            day=bn_number(day), total=bn_number(self.total), title=lesson.title
        )
        answer_row = tuple(
            Button(bn_number(i + 1), pack(QuizAnswer(day, i))) for i in range(len(quiz.options))
        )
        related = tuple(
            (Button("➡️ " + self.content.topics[t].title, pack(OpenTopic(t))),)
            for t in lesson.related[:2]
        )
        return Reply(body, title=title, buttons=(answer_row, *related))

    def done_reply(self) -> Reply:
        """Return the end-of-course message."""
        return Reply(
            texts.COURSE_DONE.format(total=bn_number(self.total)),
            buttons=((Button(texts.BTN_PROGRESS, pack(ShowProgress())), _MENU),),
        )

    def _time_buttons(self) -> tuple[tuple[Button, ...], ...]:
        buttons = [Button(hour_label(h), pack(SetHour(h))) for h in TIME_CHOICES]
        return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))

    @staticmethod
    def _reply(text: str) -> Reply:
        """A course message with buttons for the next lesson, progress and the menu."""
        return Reply(
            text,
            buttons=(
                (
                    Button(texts.BTN_LESSON, pack(NextLesson())),
                    Button(texts.BTN_PROGRESS, pack(ShowProgress())),
                ),
                (_MENU,),
            ),
        )

    # -- entry points from the conversation ------------------------------------------------

    async def offer(self, user_id: int) -> Reply | None:
        """Offer the daily lesson to a user who is not subscribed."""
        if not self.total:
            return None
        sub = await self.store.get_subscription(user_id)
        if sub is not None and sub.active:
            return None
        return Reply(
            texts.OFFER_SUBSCRIBE.format(days=bn_number(self.total)),
            buttons=((Button(texts.BTN_SUBSCRIBE, pack(Subscribe())),),),
        )

    async def command(
        self, user_id: int, name: str, arg: str, *, windowed: bool = False
    ) -> list[Reply] | None:
        """Handle a course command; None if ``name`` is not one.

        ``windowed``: the user's channel may message them only within 24 hours of their last
        message (Messenger); subscribing then explains what that means for the lessons.
        """
        if name == "subscribe":
            return [await self.subscribe(user_id, windowed=windowed)]
        handler = self._commands.get(name)
        return None if handler is None else [await handler(user_id, arg)]

    async def act(
        self, user_id: int, action: Action, *, windowed: bool = False
    ) -> list[Reply] | None:
        """Handle a course button; None if the action is not one (``windowed``: see command)."""
        match action:
            case Subscribe():
                return [await self.subscribe(user_id, windowed=windowed)]
            case Unsubscribe():
                return [await self.unsubscribe(user_id)]
            case ChooseTime():
                return [await self.set_time(user_id, "")]
            case SetHour(hour=hour):
                return [await self.set_time(user_id, str(hour))]
            case NextLesson():
                return [await self.next_lesson(user_id)]
            case ShowProgress():
                return [await self.progress(user_id)]
            case QuizAnswer(day=day, option=option):
                return await self.answer_quiz(user_id, day, option)
        return None

    # -- actions ---------------------------------------------------------------------------

    async def subscribe(self, user_id: int, *, windowed: bool = False) -> Reply:
        """Turn daily lessons on; the first one comes with the next delivery round.

        On a channel with a 24-hour window the first subscription also explains the rule.
        """
        fresh = await self.store.subscribe(user_id, self.default_hour)
        sub = await self.store.get_subscription(user_id)
        when = hour_label(sub.hour if sub else self.default_hour)
        text = (texts.SUBSCRIBED if fresh else texts.ALREADY_SUBSCRIBED).format(time=when)
        if windowed and fresh:
            text = f"{text}\n\n{texts.WINDOW_RULE}"
        return Reply(
            text,
            buttons=(
                (
                    Button(texts.BTN_LESSON, pack(NextLesson())),
                    Button(texts.BTN_TIME, pack(ChooseTime())),
                ),
                (_MENU,),
            ),
        )

    async def held_offer(self, user_id: int) -> Reply | None:
        """Offer today's lesson to a subscriber whose lesson is due but was not sent.

        For channels that hold pushes outside a window: the user just wrote, so instead of a
        push they get the offer once, and today's round skips them (``hold_lesson``).
        """
        sub = await self.store.get_subscription(user_id)
        now = self.clock()
        today = now.date().isoformat()
        if (
            sub is None
            or not sub.active
            or sub.next_day > self.total
            or sub.hour > now.hour
            or (sub.last_sent_on is not None and sub.last_sent_on >= today)
        ):
            return None
        await self.store.hold_lesson(user_id, now.date())
        return Reply(
            texts.HELD_LESSON,
            buttons=((Button(texts.BTN_READ_NOW, pack(NextLesson())), _MENU),),
        )

    async def unsubscribe(self, user_id: int) -> Reply:
        """Turn daily lessons off, keeping progress."""
        stopped = await self.store.unsubscribe(user_id)
        return self._reply(texts.UNSUBSCRIBED if stopped else texts.NOT_SUBSCRIBED)

    async def set_time(self, user_id: int, arg: str) -> Reply:
        """Show the hour buttons, or set the hour given as an argument."""
        sub = await self.store.get_subscription(user_id)
        current = hour_label(sub.hour if sub else self.default_hour)
        if not arg:
            return Reply(texts.CHOOSE_TIME.format(time=current), buttons=self._time_buttons())
        hour = parse_hour(arg)
        if hour is None:
            return Reply(texts.TIME_BAD, buttons=self._time_buttons())
        if sub is None:
            await self.store.ensure_course_row(user_id, hour)
        await self.store.set_hour(user_id, hour)
        text = texts.TIME_SET.format(time=hour_label(hour))
        if sub is None or not sub.active:
            text += "\n" + texts.NOT_SUBSCRIBED
        return self._reply(text)

    async def next_lesson(self, user_id: int) -> Reply:
        """Send the user's next lesson now (it counts as today's lesson)."""
        await self.store.ensure_course_row(user_id, self.default_hour)
        sub = await self.store.get_subscription(user_id)
        day = sub.next_day if sub else 1
        if day > self.total:
            return self.done_reply()
        await self.store.record_delivery(user_id, day, self.clock().date(), "request")
        return self.lesson_reply(day)

    async def answer_quiz(self, user_id: int, day: int, option: int) -> list[Reply]:
        """Check a quiz answer; count it once."""
        lesson = self.content.lesson(day)
        if lesson is None or day not in await self.store.delivered_days(user_id):
            return [Reply(texts.QUIZ_NOT_SENT)]
        quiz = lesson.quiz
        if not 0 <= option < len(quiz.options):
            return [Reply(texts.QUIZ_BAD)]
        right = option == quiz.answer
        fresh = await self.store.record_quiz_answer(
            user_id, day, option, right, self.clock().date()
        )
        if not fresh:
            return [Reply(texts.QUIZ_ALREADY, notice=texts.QUIZ_ALREADY)]
        if right:
            text = texts.QUIZ_RIGHT.format(why=quiz.explanations[option])
        else:
            text = texts.QUIZ_WRONG.format(
                why=quiz.explanations[option],
                right=f"{bn_number(quiz.answer + 1)}. {quiz.options[quiz.answer]}",
            )
        replies = [self._reply(text)]
        if day == self.total:
            replies.append(self.done_reply())
        return replies

    async def progress(self, user_id: int) -> Reply:
        """Show lessons done, quiz score and streaks, in Bangla numerals."""
        prog = await self.store.progress(user_id, self.clock().date())
        sub = await self.store.get_subscription(user_id)
        status = (
            texts.PROGRESS_ON.format(time=hour_label(sub.hour))
            if sub is not None and sub.active
            else texts.PROGRESS_OFF
        )
        text = texts.PROGRESS.format(
            done=bn_number(min(prog.lessons_done, self.total)),
            total=bn_number(self.total),
            right=bn_number(prog.quiz_right),
            answered=bn_number(prog.quiz_answered),
            streak=bn_number(prog.current_streak),
            best=bn_number(prog.best_streak),
            status=status,
        )
        second = (
            Button(texts.BTN_UNSUBSCRIBE, pack(Unsubscribe()))
            if sub is not None and sub.active
            else Button(texts.BTN_SUBSCRIBE, pack(Subscribe()))
        )
        return Reply(
            text,
            buttons=(
                (
                    Button(texts.BTN_LESSON, pack(NextLesson())),
                    Button(texts.BTN_TIME, pack(ChooseTime())),
                ),
                (second, _MENU),
            ),
        )
