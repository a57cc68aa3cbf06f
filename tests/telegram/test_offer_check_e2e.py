"""Issue 10 end to end: a forwarded or pasted offer gets its red flags, in Telegram's limits."""

from __future__ import annotations

import asyncio
import time

from faq.offer_texts import CHECK_PROMPT, TITLE
from tests.telegram.conftest import Harness

USER = 7301
SCAM = (
    "ঘরে বসে দৈনিক ১৫০০ টাকা আয় করুন! কোনো অভিজ্ঞতা লাগবে না, শুধু ইউটিউব ভিডিও লাইক। "
    "রেজিস্ট্রেশন ফি মাত্র ৩০০ টাকা বিকাশে পাঠান, তারপর টেলিগ্রাম গ্রুপে যোগ দিন।"
)
LEGIT = (
    "Motijheel office e Accounts Assistant lagbe. Excel jana thakte hobe. Salary 18,000 tk "
    "monthly. CV niye Sunday 10-4 tar moddhe office e ashun."
)
ORIGIN = {"type": "hidden_user", "date": 1_700_000_000, "sender_user_name": "Unknown"}


async def _offer_text_stored(harness: Harness, offer: str) -> bool:
    """Whether any stored text holds the offer (questions, inbox payloads once done)."""
    deadline = time.monotonic() + 5
    while await harness.store.inbox_pending("telegram") and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    snippet = offer[:40]
    pending = await harness.store.inbox_pending("telegram")
    stored = [payload for _, payload in pending]
    stored += [r.text for r in await harness.store.unanswered(2.0, 1000)]
    return any(snippet in text for text in stored)


async def test_a_forwarded_scam_gets_a_high_verdict_with_quoted_evidence(harness: Harness) -> None:
    reply = (await harness.say(USER, SCAM, forward_origin=ORIGIN))[-1]
    assert TITLE in reply and "ঝুঁকি বেশি" in reply
    assert "“" in reply  # the offer's own words are quoted
    assert any(data.startswith("t:") for data in harness.buttons(USER))  # learn more
    assert await harness.store.count_rows("offer_checks") == 1
    assert await harness.store.count_rows("questions") == 0
    assert not await _offer_text_stored(harness, SCAM)


async def test_a_legitimate_job_post_gets_no_high_verdict(harness: Harness) -> None:
    reply = (await harness.say(USER, LEGIT, forward_origin=ORIGIN))[-1]
    assert TITLE in reply
    assert "ঝুঁকি বেশি" not in reply
    assert "নিশ্চয়তা দিতে পারছি না" in reply or "সাবধান" in reply  # never "safe"


async def test_check_command_with_the_text_and_then_the_next_message(harness: Harness) -> None:
    reply = (await harness.say(USER, f"/check {SCAM}"))[-1]
    assert "ঝুঁকি বেশি" in reply
    prompt = (await harness.say(USER, "/check"))[-1]
    assert CHECK_PROMPT.split("\n")[0][:30] in prompt
    reply = (await harness.say(USER, SCAM))[-1]
    assert "ঝুঁকি বেশি" in reply
    # after one check the next message is a question again
    reply = (await harness.say(USER, "payoneer theke taka kivabe tulbo"))[-1]
    assert TITLE not in reply


async def test_the_menu_button_of_the_scams_branch(harness: Harness) -> None:
    await harness.say(USER, "/menu")
    await harness.press(USER, "b:scams")
    assert "ck" in harness.buttons(USER)
    prompt = (await harness.press(USER, "ck"))[-1]
    assert CHECK_PROMPT.split("\n")[0][:30] in prompt
    reply = (await harness.say(USER, SCAM))[-1]
    assert "ঝুঁকি বেশি" in reply


async def test_a_long_pasted_offer_gets_the_check_offered(harness: Harness) -> None:
    reply = (await harness.say(USER, SCAM))[-1]
    assert TITLE not in reply and "ck" in harness.buttons(USER)
    reply = (await harness.press(USER, "ck"))[-1]
    assert "ঝুঁকি বেশি" in reply


async def test_a_forwarded_photo_caption_is_checked(harness: Harness) -> None:
    harness.tg._push_message(
        USER,
        photo=[{"file_id": "p1", "file_unique_id": "u1", "width": 9, "height": 9}],
        caption=SCAM,
        forward_origin=ORIGIN,
    )
    await harness.tg.wait_for(lambda t: any(TITLE in s["text"] for s in t.sent(USER)))
