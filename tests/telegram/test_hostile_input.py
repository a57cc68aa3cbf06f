"""Issue 7 #8, #9, #11: hostile or odd input never stalls or breaks the bot."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import pytest

from faq import texts
from tests.telegram.conftest import Harness

ALICE = 6101


# -- #8 lone surrogates --------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads the file
async def test_lone_surrogates_in_text_and_name_are_answered(harness: Harness) -> None:
    broken = "\ud800"
    welcome = await harness.say(ALICE, "/start", replies=2, first_name=f"Al{broken}ice")
    assert "স্বাগতম" in welcome[0]
    reply = (await harness.say(ALICE, f"freelancing {broken} ki", first_name=broken))[-1]
    assert reply
    with sqlite3.connect(harness.settings.database_path) as db:
        names = db.execute("SELECT first_name FROM users").fetchall()
        questions = db.execute("SELECT text FROM questions").fetchall()
    assert names == [("\ufffd",)]
    assert questions == [("freelancing \ufffd ki",)]
    await harness.press(ALICE, "m")  # her buttons still work


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # reads the file
async def test_the_error_handler_answers_the_pending_button_press(harness: Harness) -> None:
    await harness.say(ALICE, "payoneer fee koto")
    feedback = next(d for d in harness.buttons(ALICE) if d.startswith("f:1:"))
    # a real fault: the table the press writes to is gone
    with sqlite3.connect(harness.settings.database_path) as db:
        db.execute("ALTER TABLE feedback RENAME TO feedback_gone")
    await harness.press(ALICE, feedback, expect_reply=False)
    await harness.tg.wait_for(lambda tg: texts.ERROR in [s["text"] for s in tg.sent(ALICE)])
    with sqlite3.connect(harness.settings.database_path) as db:
        db.execute("ALTER TABLE feedback_gone RENAME TO feedback")


# -- #11 command arguments after any whitespace ----------------------------------------------


async def test_time_argument_after_a_newline_or_a_tab(harness: Harness) -> None:
    await harness.say(ALICE, "/subscribe")
    for text, hour in (("/time\n20", 20), ("/time\t7", 7), ("/time  \n 21:00", 21)):
        reply = (await harness.say(ALICE, text))[-1]
        assert texts.UNKNOWN_COMMAND not in reply, text
        sub = await harness.store.get_subscription(await harness.uid(ALICE))
        assert sub is not None and sub.hour == hour, text


# -- #9 a malformed update -------------------------------------------------------------------


async def test_a_malformed_update_is_skipped_once_and_polling_goes_on(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    bad = harness.tg.push_update(
        {
            "message": {
                "message_id": 1,
                "date": 0,
                "chat": {"id": 6201, "type": "private"},
                "from": {"id": 6201, "is_bot": False},  # no first_name: PTB cannot parse it
                "text": "hello",
            }
        }
    )
    reply = await harness.say(6202, "/help")  # fetched after (or with) the bad one
    assert "/subscribe" in reply[-1]
    await asyncio.sleep(0.5)
    polls = [c for c in harness.tg.calls if c.method == "getUpdates"]
    assert len(polls) < 20  # no tight refetch loop
    about_bad = [r for r in caplog.records if str(bad["update_id"]) in r.getMessage()]
    assert len(about_bad) == 1 and "malformed" in about_bad[0].getMessage()
    assert "Traceback" not in caplog.text
    assert await harness.store.inbox_pending("telegram") == []
    harness.tg.message(6201, "/help", first_name="Rina")  # the same user, now well-formed
    await harness.tg.wait_for(lambda tg: len(tg.sent(6201)) == 1)
