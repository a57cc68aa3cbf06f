"""The 24-hour rule for daily lessons on Messenger: pushed inside the window, held and
offered outside it; a quiz answer keeps the window open."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from bot.delivery import run_round
from faq import texts
from faq.actions import NextLesson, QuizAnswer, Subscribe, pack
from tests.messenger.conftest import Messenger

PSID = "2400000000000010"


def hours_ago(hours: float) -> tuple[str, float]:
    """(ISO time as storage keeps it, epoch seconds) of ``hours`` ago."""
    moment = datetime.now(UTC) - timedelta(hours=hours)
    return moment.isoformat(timespec="seconds"), moment.timestamp()


async def lesson_round(m: Messenger):  # type: ignore[no-untyped-def]
    return await run_round(
        m.store, m.services.course, {"messenger": m.channel.sender}, m.clock().date(), None
    )


async def test_silent_for_25_hours_gets_no_push_and_the_lesson_is_offered_on_return(
    messenger: Messenger,
) -> None:
    m = messenger
    subscribed = await m.tap(PSID, pack(Subscribe()), replies=2)
    assert subscribed[1] == texts.HELD_LESSON  # day 0: offered at once, not read
    m.clock.days = 1
    iso, epoch = hours_ago(25)
    await m.store.set_last_inbound("messenger", PSID, iso)
    m.graph.user_wrote(PSID, at=epoch)
    before = len(m.graph.messages(PSID))
    report = await lesson_round(m)
    assert report.held == 1 and report.sent == 0
    assert len(m.graph.messages(PSID)) == before  # the fake recorded no push
    assert [c for c in m.graph.calls if c.body.get("messaging_type") == "UPDATE"] == []
    # a second round in the same day holds it again, still without asking Meta
    calls = len(m.graph.calls)
    assert (await lesson_round(m)).held == 1 and len(m.graph.calls) == calls
    # the user writes: the answer, then the offer of today's lesson, once
    back = await m.say(PSID, "আসসালামু আলাইকুম", replies=2)
    assert back == [texts.GREETING, texts.HELD_LESSON]
    assert m.buttons(PSID)[pack(NextLesson())] == texts.BTN_READ_NOW
    assert await m.say(PSID, "ধন্যবাদ") == [texts.THANKS]
    # … and the round leaves them alone today (the offer stands for the push)
    assert (await lesson_round(m)).due == 0
    lesson = await m.tap(PSID, pack(NextLesson()))
    assert lesson[0].startswith("পাঠ ১/")


async def test_who_answered_yesterdays_quiz_gets_todays_lesson(messenger: Messenger) -> None:
    m = messenger
    await m.tap(PSID, pack(Subscribe()), replies=2)
    await m.tap(PSID, pack(NextLesson()))
    answer = await m.tap(PSID, pack(QuizAnswer(1, 0)))
    assert answer[0].startswith(("✅", "❌"))
    # the next day, 20 hours after that answer, the round pushes lesson 2 inside the window
    m.clock.days = 1
    iso, epoch = hours_ago(20)
    await m.store.set_last_inbound("messenger", PSID, iso)
    m.graph.user_wrote(PSID, at=epoch)
    report = await lesson_round(m)
    assert report.sent == 1 and report.held == 0
    pushes = [c.body for c in m.graph.calls if c.body.get("messaging_type") == "UPDATE"]
    assert pushes and all(p["recipient"]["id"] == PSID and "tag" not in p for p in pushes)
    assert m.graph.texts(PSID)[-len(pushes)].startswith("পাঠ ২/")
    # the user writes later that day: no offer, the lesson came already
    assert await m.say(PSID, "ধন্যবাদ") == [texts.THANKS]
    assert time.time() - epoch < 24 * 3600
