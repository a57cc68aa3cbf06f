"""Daily lessons end to end: subscribing, delivery rounds, crashes, quizzes and progress."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config import Settings
from bot.delivery import run_round
from bot.services import open_services
from db.store import Store
from faq import texts
from faq.actions import QuizAnswer, pack
from faq.replies import Command, Press, UserRef
from handlers.telegram.app import telegram_bot
from handlers.telegram.output import TelegramOutput
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import Harness, settings_for

ROOT = Path(__file__).resolve().parents[2]
USER = 7001
DHAKA_TODAY = date(2026, 11, 26)


def lesson_messages(tg: FakeTelegram, chat_id: int | None = None) -> list[dict]:
    return [s for s in tg.sent(chat_id) if s["text"].startswith("<b>পাঠ ")]


async def test_subscribe_time_push_quiz_progress(harness: Harness) -> None:
    await harness.say(USER, "/start", replies=2)
    await harness.press(USER, "s")
    sub = await harness.store.get_subscription(await harness.uid(USER))
    assert sub is not None and sub.active and sub.hour == 9
    assert not lesson_messages(harness.tg, USER)  # the first lesson waits for the round
    reply = (await harness.say(USER, "/time 25:99"))[-1]
    assert "বুঝতে পারিনি" in reply
    assert (await harness.store.get_subscription(await harness.uid(USER))).hour == 9  # type: ignore[union-attr]
    reply = (await harness.say(USER, "/time"))[-1]
    assert "h:20" in harness.buttons(USER)
    await harness.press(USER, "h:20")
    assert (await harness.store.get_subscription(await harness.uid(USER))).hour == 20  # type: ignore[union-attr]

    services = harness.services
    send = {"telegram": TelegramOutput(harness.app.bot)}
    early = await run_round(services.store, services.conversation.course, send, DHAKA_TODAY, 19)
    assert early.sent == 0  # 19:00 is before the chosen 20:00
    report = await run_round(services.store, services.conversation.course, send, DHAKA_TODAY, 20)
    assert report.sent == 1
    again = await run_round(services.store, services.conversation.course, send, DHAKA_TODAY, 23)
    assert again.sent == 0  # once a day
    lesson = lesson_messages(harness.tg, USER)
    assert len(lesson) == 1 and "পাঠ ১/" in lesson[0]["text"]

    quiz = services.content.lesson(1).quiz
    wrong = (quiz.answer + 1) % len(quiz.options)
    shown = await harness.press(USER, f"q:1:{wrong}", message_id=None)
    assert "❌" in shown[-1]
    # a second answer does not count: only a pop-up says so
    assert await harness.press(USER, f"q:1:{quiz.answer}", expect_reply=False) == []
    assert harness.last_popup() == texts.QUIZ_ALREADY
    not_sent = await harness.press(USER, "q:5:0", harness.buttons(USER)["q:1:0"][0])
    assert texts.QUIZ_NOT_SENT in not_sent[-1]
    out_of_range = await harness.press(USER, "q:1:9", harness.buttons(USER)["q:1:0"][0])
    assert texts.QUIZ_BAD in out_of_range[-1]
    progress = (await harness.say(USER, "/progress"))[-1]
    assert "পাঠ শেষ: ১/২১" in progress and "কুইজ: ০/১টি ঠিক" in progress
    assert "টানা দিন:" in progress
    reply = (await harness.say(USER, "/subscribe"))[-1]
    assert "আগেই" in reply
    reply = (await harness.say(USER, "/stop"))[-1]
    assert "বন্ধ" in reply
    assert not (await harness.store.get_subscription(await harness.uid(USER))).active  # type: ignore[union-attr]


async def test_blocked_user_is_marked_and_skipped(harness: Harness) -> None:
    services = harness.services
    await services.store.add_subscribers([(801, 9), (802, 9), (803, 9)])
    harness.tg.block_chat(802)
    send = {"telegram": TelegramOutput(harness.app.bot)}
    report = await run_round(services.store, services.conversation.course, send, DHAKA_TODAY, None)
    assert (report.sent, report.blocked) == (2, 1)
    assert await services.store.is_blocked(802)
    tomorrow = await run_round(
        services.store, services.conversation.course, send, DHAKA_TODAY + timedelta(days=1), None
    )
    assert tomorrow.sent == 2 and tomorrow.blocked == 0  # not pushed to until they write
    harness.tg.unblock_chat(802)
    await harness.say(802, "/menu")
    assert not await services.store.is_blocked(802)


async def test_429_and_5xx_during_a_round_lose_nobody(harness: Harness) -> None:
    services = harness.services
    await services.store.add_subscribers([(900 + i, 9) for i in range(10)])
    harness.tg.fail_next("sendMessage", 429, retry_after=1)
    harness.tg.fail_next("sendMessage", 502, chat_id=905)
    send = {"telegram": TelegramOutput(harness.app.bot)}
    report = await run_round(services.store, services.conversation.course, send, DHAKA_TODAY, None)
    assert report.sent == 10 and report.rate_limited == 1
    assert {s["chat_id"] for s in lesson_messages(harness.tg)} == {900 + i for i in range(10)}


async def test_concurrent_rounds_do_not_double_send(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite3"
    async with FakeTelegram(latency=0.02) as tg:
        settings = settings_for(tg, db)
        first, second = await open_services(settings), await open_services(settings)
        await first.store.add_subscribers([(2000 + i, 9) for i in range(120)])
        bot = telegram_bot(settings.token or "", settings.base_url)
        async with bot:
            send = {"telegram": TelegramOutput(bot)}
            reports = await asyncio.gather(
                run_round(
                    first.store, first.conversation.course, send, DHAKA_TODAY, None, rate=200
                ),
                run_round(
                    second.store, second.conversation.course, send, DHAKA_TODAY, None, rate=200
                ),
            )
        await first.close()
        await second.close()
    chats = [s["chat_id"] for s in lesson_messages(tg)]
    assert sorted(chats) == [2000 + i for i in range(120)]
    assert sum(r.sent for r in reports) == 120


async def test_after_downtime_one_lesson_not_a_backlog(harness: Harness) -> None:
    services = harness.services
    await services.store.add_subscribers([(3001, 9)])
    send = {"telegram": TelegramOutput(harness.app.bot)}
    course = services.conversation.course
    await run_round(services.store, course, send, DHAKA_TODAY, None)
    later = DHAKA_TODAY + timedelta(days=5)
    report = await run_round(services.store, course, send, later, None)
    assert report.sent == 1
    heads = [m["text"].split(":")[0] for m in lesson_messages(harness.tg, 3001)]
    assert heads == ["<b>পাঠ ১/২১", "<b>পাঠ ২/২১"]


async def test_a_week_of_days_builds_the_streak(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        settings = settings_for(tg, tmp_path / "w.sqlite3")
        services = await open_services(settings)
        clock = {"now": datetime(2026, 11, 20, 21, 0)}
        services.conversation.course.clock = lambda: clock["now"]
        user = UserRef("telegram", "4001", "Karim")
        await services.conversation.handle(user, Command("subscribe"))
        bot = telegram_bot(settings.token or "", settings.base_url)
        async with bot:
            send = {"telegram": TelegramOutput(bot)}
            for offset in range(7):
                day = clock["now"].date()
                await run_round(services.store, services.conversation.course, send, day, 21)
                lesson_day = offset + 1
                if offset != 3:  # skips the quiz on the fourth day
                    quiz = services.content.lesson(lesson_day).quiz
                    await services.conversation.handle(
                        user, Press(pack(QuizAnswer(lesson_day, quiz.answer)))
                    )
                clock["now"] += timedelta(days=1)
        uid = await services.store.user_id_for("telegram", "4001")
        assert uid is not None
        progress = await services.store.progress(uid, clock["now"].date() - timedelta(days=1))
        reply = await services.conversation.handle(user, Command("progress"))
        await services.close()
    assert (progress.lessons_done, progress.quiz_answered, progress.quiz_right) == (7, 6, 6)
    assert (progress.current_streak, progress.best_streak) == (3, 3)
    assert "টানা দিন: ৩ (সেরা: ৩)" in reply[0].text


async def _push(
    settings: Settings,
    *extra: str,
    concurrency: int = 4,
) -> asyncio.subprocess.Process:
    env = {
        **os.environ,
        "TELEGRAM_BOT_TOKEN": settings.token or "",
        "TELEGRAM_BASE_URL": settings.base_url,
        "DATABASE_URL": f"sqlite:///{settings.database_path}",
        "LOG_LEVEL": "WARNING",
        "PUSH_RATE": "28",
        "PUSH_CONCURRENCY": str(concurrency),
    }
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "push",
        *extra,
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def test_push_now_twice_sends_one_lesson_each(tmp_path: Path) -> None:
    async with FakeTelegram(latency=0.01) as tg:
        settings = settings_for(tg, tmp_path / "p.sqlite3")
        store = await Store.open(settings.database_path)
        await store.add_subscribers([(5000 + i, 23) for i in range(40)])
        await store.close()
        for _ in range(2):
            proc = await _push(settings, "--now")
            _out, err = await proc.communicate()
            assert proc.returncode == 0, err.decode()
    chats = [s["chat_id"] for s in lesson_messages(tg)]
    assert sorted(chats) == [5000 + i for i in range(40)]


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_sigkill_mid_round_then_rerun(tmp_path: Path, concurrency: int) -> None:
    """Kill -9 a push round half-way, run it again: nobody missed, only in-flight resent.

    With one message in flight at a time (PUSH_CONCURRENCY=1) at most one lesson is sent
    twice; with the default four (needed for 27+ messages/s at 100 ms per call) at most four,
    and never more than two to one subscriber.
    """
    subscribers = [6000 + i for i in range(120)]
    async with FakeTelegram(latency=0.1, global_rate=30) as tg:
        settings = settings_for(tg, tmp_path / "k.sqlite3")
        store = await Store.open(settings.database_path)
        await store.add_subscribers([(u, 9) for u in subscribers])
        await store.close()
        proc = await _push(settings, "--now", concurrency=concurrency)
        await tg.wait_for(lambda t: len(lesson_messages(t)) >= 25, timeout=60)
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        assert len(lesson_messages(tg)) < len(subscribers)
        rerun = await _push(settings, "--now", concurrency=concurrency)
        _, err = await rerun.communicate()
        assert rerun.returncode == 0, err.decode()
        store = await Store.open(settings.database_path)
        recorded = await store.count_deliveries_on(datetime.now(settings.timezone).date())
        await store.close()
    chats = [s["chat_id"] for s in lesson_messages(tg)]
    assert set(chats) == set(subscribers)  # nobody missed
    assert recorded == len(subscribers)  # and the database knows it
    assert max(chats.count(u) for u in subscribers) <= 2
    assert len(chats) - len(set(chats)) <= concurrency


async def test_course_ends_with_a_summary_once(harness: Harness) -> None:
    services = harness.services
    course = services.conversation.course
    await services.store.add_subscribers([(8800, 9)])
    send = {"telegram": TelegramOutput(harness.app.bot)}
    for offset in range(course.total + 2):
        await run_round(services.store, course, send, DHAKA_TODAY + timedelta(days=offset), None)
    texts_sent = [s["text"] for s in harness.tg.sent(8800)]
    assert len(lesson_messages(harness.tg, 8800)) == course.total
    assert sum("অভিনন্দন" in t for t in texts_sent) == 1  # the summary, exactly once
    assert not (await services.store.get_subscription(8800)).active  # type: ignore[union-attr]
    progress = (await harness.say(8800, "/progress"))[-1]
    assert "পাঠ শেষ: ২১/২১" in progress


async def test_timeouts_leave_subscribers_due_for_the_next_round(tmp_path: Path) -> None:
    from telegram import Bot
    from telegram.request import HTTPXRequest

    async with FakeTelegram() as tg:
        settings = settings_for(tg, tmp_path / "t.sqlite3")
        services = await open_services(settings)
        await services.store.add_subscribers([(9100 + i, 9) for i in range(3)])
        impatient = Bot(
            settings.token or "",
            base_url=settings.base_url,
            request=HTTPXRequest(read_timeout=0.1, connect_timeout=1),
        )
        async with impatient:
            tg.latency = 0.5  # Telegram slows down after the bot has started
            first = await run_round(
                services.store,
                services.conversation.course,
                {"telegram": TelegramOutput(impatient)},
                DHAKA_TODAY,
                None,
            )
        assert (first.sent, first.deferred) == (0, 3)
        assert await services.store.count_deliveries_on(DHAKA_TODAY) == 0
        tg.latency = 0.0
        bot = telegram_bot(settings.token or "", settings.base_url)
        async with bot:
            second = await run_round(
                services.store,
                services.conversation.course,
                {"telegram": TelegramOutput(bot)},
                DHAKA_TODAY,
                None,
            )
        await services.close()
    assert second.sent == 3
