"""End-to-end: users talk to the real application through the fake Bot API."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.telegram_bot import TelegramRuntime
from faq import texts
from faq.content import REQUIRED_TOPICS
from handlers.telegram.app import BOT_COMMANDS
from tests.fakes.telegram_api import FakeTelegram
from tests.telegram.conftest import Harness, settings_for

USER = 5001


async def test_start_registers_user_and_shows_menu(harness: Harness) -> None:
    replies = await harness.say(USER, "/start", replies=2)
    assert replies[0].startswith("স্বাগতম")  # a greeting every reader shares
    assert "আউটসোর্সিং বন্ধু" in replies[0]
    assert texts.MENU in replies[0]
    assert "পাঠ আর কুইজ" in replies[1]  # the offer to subscribe
    assert "s" in harness.buttons(USER)
    menu = harness.buttons(USER)
    assert {f"b:{b}" for b in REQUIRED_TOPICS} <= set(menu)
    assert await harness.store.count_users() == 1
    commands = next(iter(harness.tg.commands.values()))
    assert [c["command"] for c in commands] == [name for name, _ in BOT_COMMANDS]
    assert all(any("\u0980" <= ch <= "\u09ff" for ch in c["description"]) for c in commands)


@pytest.mark.parametrize(
    ("greeting", "reply"),
    [("আসসালামু আলাইকুম", "ওয়ালাইকুম আসসালাম!"), ("নমস্কার দাদা", "নমস্কার!"), ("hi", "হ্যালো!")],
)
async def test_a_greeting_is_mirrored(harness: Harness, greeting: str, reply: str) -> None:
    (answer,) = await harness.say(USER, greeting)
    assert answer.startswith(reply)


async def test_every_required_topic_is_reachable_by_buttons(harness: Harness) -> None:
    await harness.say(USER, "/start", replies=2)
    content = harness.services.content
    for branch_id, topic_ids in REQUIRED_TOPICS.items():
        menu_id = harness.buttons(USER)[f"b:{branch_id}"][0]
        shown = await harness.press(USER, f"b:{branch_id}", menu_id)
        assert content.branch(branch_id).title in shown[-1]
        for topic_id in topic_ids:
            shown = await harness.press(USER, f"t:{topic_id}", menu_id)
            topic = content.topics[topic_id]
            assert topic.title in shown[-1]
            assert topic.answer.split("\n")[0][:30] in shown[-1].replace("&amp;", "&")
            # every answer offers its related topics, feedback, back and the main menu
            here = {d for d, (m, _) in harness.buttons(USER).items() if m == menu_id}
            assert {f"t:{r}" for r in topic.related} <= here
            assert {f"f:1:{topic_id}", f"f:0:{topic_id}", f"b:{branch_id}", "m"} <= here
            await harness.press(USER, f"b:{branch_id}", menu_id)
        await harness.press(USER, "m", menu_id)
    # browsing edits the menu message in place instead of sending new ones
    assert len(harness.tg.edited(USER)) > 25
    assert all(len(d.encode()) <= 64 for d in harness.buttons(USER))


async def test_questions_in_bangla_banglish_and_english(harness: Harness) -> None:
    content = harness.services.content
    for question, topic_id in (
        ("পেওনিয়ার থেকে টাকা কিভাবে তুলবো?", "payment_withdrawal"),
        ("freelancing shuru korte ki ki lage", "requirements"),
        ("What are the warning signs that a job offer is a scam?", "scam_red_flags"),
    ):
        reply = (await harness.say(USER, question))[-1]
        assert content.topics[topic_id].title in reply, (question, reply[:80])
    off_topic = (await harness.say(USER, "আজকের আবহাওয়া কেমন থাকবে ঢাকায়?"))[-1]
    assert "দুঃখিত" in off_topic
    assert "b:basics" in harness.buttons(USER)
    assert await harness.store.count_rows("questions") == 4


async def test_thumbs_down_is_recorded_with_the_question(harness: Harness) -> None:
    await harness.say(USER, "upwork e client verify kivabe korbo")
    data = next(d for d in harness.buttons(USER) if d.startswith("f:0:"))
    harness.tg.callback(USER, data, harness.buttons(USER)[data][0])
    await harness.tg.wait_for(
        lambda tg: any(
            c.method.lower() == "answercallbackquery" and c.params.get("text") for c in tg.calls
        )
    )
    rows = await harness.store.feedback_rows(await harness.uid(USER))
    assert rows == [(data.split(":")[2], False, "upwork e client verify kivabe korbo")]


async def test_deep_link_opens_topic(harness: Harness) -> None:
    reply = (await harness.say(USER, "/start if_scammed"))[-1]
    assert "৯৯৯" in reply or "999" in reply
    assert "f:1:if_scammed" in harness.buttons(USER)


@pytest.mark.parametrize(
    "data",
    [
        "zzz",
        "t:no_such_topic",
        "b:nope",
        "q:99:0",
        "f:1:none",
        "t:" + "x" * 40,
        "\u0995\u0996",
        "",
    ],
)
async def test_forged_or_stale_buttons_get_the_menu(harness: Harness, data: str) -> None:
    await harness.say(USER, "/menu")
    menu_id = harness.buttons(USER)["b:basics"][0]
    shown = await harness.press(USER, data, menu_id)
    assert shown, "a reply was expected"
    assert "b:basics" in harness.buttons(USER)


async def test_stickers_photos_voice_and_locations(harness: Harness) -> None:
    for send in (harness.tg.sticker, harness.tg.photo, harness.tg.voice, harness.tg.location):
        before = len(harness.tg.sent(USER))
        send(USER)
        await harness.tg.wait_for(lambda tg, b=before: len(tg.sent(USER)) > b)
        assert texts.NO_TEXT in harness.tg.sent(USER)[-1]["text"]


async def test_documents_contacts_and_channel_posts(harness: Harness) -> None:
    tg = harness.tg
    before = len(tg.sent(USER))
    tg._push_message(USER, document={"file_id": "d1", "file_unique_id": "u1"})
    tg._push_message(USER, contact={"phone_number": "+8801700000000", "first_name": "X"})
    await tg.wait_for(lambda t: len(t.sent(USER)) >= before + 2)
    assert all(texts.NO_TEXT in s["text"] for s in tg.sent(USER)[before:])
    channel = -100777
    tg.push_update(
        {
            "channel_post": {
                "message_id": 1,
                "date": 0,
                "text": "freelancing ki",
                "chat": {"id": channel, "type": "channel", "title": "News"},
            }
        }
    )
    await harness.say(USER, "/menu")  # processed after the channel post
    assert tg.sent(channel) == []


async def test_edited_messages_unknown_commands_and_huge_text(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    harness.tg.edited_message(USER, "freelancing ki")
    reply = (await harness.say(USER, "/frobnicate now"))[-1]
    assert "কমান্ডটি আমি চিনি না" in reply
    huge = (await harness.say(USER, "outsourcing " * 2000))[-1]
    assert huge
    html = (await harness.say(USER, "<b>payoneer</b> & <i>fee</i> <script>"))[-1]
    assert html
    sent_texts = [s["text"] for s in harness.tg.sent(USER)]
    assert not any("freelancing ki" in t for t in sent_texts)  # the edit got no reply
    assert "Traceback" not in caplog.text


async def test_group_chat_answers_only_mentions_and_commands(harness: Harness) -> None:
    group = -100123
    harness.tg.message(USER, "freelancing ki", chat_type="group", chat_id=group)
    reply = (
        await harness.say(USER, "@test_bot payoneer fee koto", chat_type="group", chat_id=group)
    )[-1]
    assert "Payoneer" in reply
    hint = (await harness.say(USER, "/start", chat_type="group", chat_id=group))[-1]
    assert "সরাসরি" in hint
    assert len(harness.tg.sent(group)) == 2  # the plain message got no answer


async def test_429_is_waited_out_and_the_reply_arrives(harness: Harness) -> None:
    harness.tg.fail_next("sendMessage", 429, retry_after=1, chat_id=USER)
    reply = await asyncio.wait_for(harness.say(USER, "/help"), timeout=10)
    assert "/subscribe" in reply[-1]
    statuses = [c.status for c in harness.tg.calls if c.method.lower() == "sendmessage"]
    assert statuses[:2] == [429, 200]


async def test_5xx_and_timeouts_are_retried(harness: Harness) -> None:
    harness.tg.fail_next("sendMessage", 502, count=2, chat_id=USER)
    reply = await asyncio.wait_for(harness.say(USER, "/help"), timeout=10)
    assert "/subscribe" in reply[-1]


async def _until_blocked_is(harness: Harness, expected: bool, timeout: float = 5.0) -> None:
    """Poll the database (handlers run concurrently) until the flag is as expected."""
    deadline = asyncio.get_running_loop().time() + timeout
    uid = await harness.uid(USER)
    while await harness.store.is_blocked(uid) != expected:
        assert asyncio.get_running_loop().time() < deadline, f"blocked never became {expected}"
        await asyncio.sleep(0.02)


async def test_403_and_my_chat_member_mark_user_blocked(harness: Harness) -> None:
    await harness.say(USER, "/menu")
    harness.tg.block_chat(USER)
    harness.tg.message(USER, "freelancing ki")
    await harness.tg.wait_for(lambda tg: any(c.status == 403 for c in tg.calls))
    await _until_blocked_is(harness, True)
    harness.tg.my_chat_member(USER, "member")
    await _until_blocked_is(harness, False)
    harness.tg.my_chat_member(USER, "kicked")
    await _until_blocked_is(harness, True)


async def test_flooding_user_is_slowed_without_hurting_others(harness: Harness) -> None:
    for i in range(30):
        harness.tg.message(USER, f"freelancing ki {i}")
    reply = (await harness.say(USER + 1, "outsourcing ki"))[-1]
    assert reply
    await harness.tg.wait_for(lambda tg: any(texts.FLOOD in s["text"] for s in tg.sent(USER)))
    await harness.tg.wait_for(lambda tg: len(tg.sent(USER)) >= 21)
    await asyncio.sleep(0.5)  # give any (wrong) extra replies time to show up
    answered = [s for s in harness.tg.sent(USER) if texts.FLOOD not in s["text"]]
    assert len(answered) == 20
    assert sum(texts.FLOOD in s["text"] for s in harness.tg.sent(USER)) == 1


async def test_replies_keep_each_users_order(harness: Harness) -> None:
    for i in range(5):
        harness.tg.message(USER, ["/help", "/menu"][i % 2])
    await harness.tg.wait_for(lambda tg: len(tg.sent(USER)) >= 5)
    kinds = ["/subscribe" in s["text"] for s in harness.tg.sent(USER)]
    assert kinds == [True, False, True, False, True]


async def test_delete_me_removes_everything_after_confirmation(harness: Harness) -> None:
    await harness.say(USER, "payoneer fee")
    await harness.say(USER, "/delete_me")
    assert await harness.store.count_users() == 1
    confirm = next(d for d in harness.buttons(USER) if d.startswith("dy:"))
    await harness.press(USER, confirm)
    assert await harness.store.count_users() == 0
    assert await harness.store.count_rows("questions") == 0


async def test_restart_with_the_same_database_keeps_data(tmp_path: Path) -> None:
    db = tmp_path / "keep.sqlite3"
    async with FakeTelegram() as tg:
        for round_number in range(2):
            runtime = await TelegramRuntime.open(settings_for(tg, db), schedule=False)
            await runtime.start(poll_timeout=1)
            harness = Harness(tg, runtime, settings_for(tg, db))
            await harness.say(USER + round_number, "freelancing ki")
            assert await harness.store.count_users() == round_number + 1
            assert await harness.store.count_rows("questions") == round_number + 1
            await runtime.stop()


async def test_token_never_appears_in_logs(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    async with FakeTelegram(token="987654:SECRET-token-value") as tg:
        settings = settings_for(tg, tmp_path / "t.sqlite3")
        runtime = await TelegramRuntime.open(settings, schedule=False)
        await runtime.start(poll_timeout=1)
        harness = Harness(tg, runtime, settings)
        tg.fail_next("sendMessage", 500, chat_id=USER)
        await harness.say(USER, "/help")
        await runtime.stop()
    out, err = capfd.readouterr()
    assert "SECRET-token-value" not in caplog.text + out + err
    assert caplog.records  # something was logged, so the check means something
