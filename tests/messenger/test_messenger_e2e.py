"""A Messenger conversation end to end: the real web app over HTTP, the fake Graph API."""

from __future__ import annotations

from faq import texts
from faq.actions import Feedback, Menu, NextLesson, QuizAnswer, Subscribe, pack
from handlers.messenger.profile import GET_STARTED
from tests.messenger.conftest import VERIFY, Messenger

PSID = "2400000000000001"


async def test_verification_echoes_the_challenge_only_for_the_right_token(
    messenger: Messenger,
) -> None:
    url = f"{messenger.url}/messenger"
    ok = await messenger.client.get(
        url,
        params={
            "hub.mode": "subscribe",
            "hub.verify_token": VERIFY,
            "hub.challenge": "1158201444",
        },
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    wrong = await messenger.client.get(
        url, params={"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
    )
    assert wrong.status_code == 403 and "1" not in wrong.text
    mode = await messenger.client.get(
        url, params={"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "7"}
    )
    assert mode.status_code == 403


async def test_a_whole_conversation(messenger: Messenger) -> None:
    m = messenger
    # Get Started: the welcome with the menu, then the course offer
    welcome = await m.postback(PSID, GET_STARTED, replies=2)
    assert "আউটসোর্সিং বন্ধু" in welcome[0]
    assert texts.OFFER_SUBSCRIBE.split("?")[0] in welcome[1]
    menu = await m.say(PSID, "/menu")
    assert menu == [texts.MENU]
    branches = m.buttons(PSID)
    assert len(branches) >= 3 and all(len(title) <= 20 for title in branches.values())
    # a Bangla question, then a Banglish one: answers with follow-ups as quick replies
    bangla = await m.say(PSID, "ফ্রিল্যান্সিং কীভাবে শুরু করব?")
    assert len(bangla[0]) > 100
    follow_ups = m.buttons(PSID)
    assert pack(Menu()) in follow_ups
    feedback = next(p for p in follow_ups if p.startswith(pack(Feedback(True, "x"))[:4]))
    banglish = await m.say(PSID, "payoneer theke taka kivabe tulbo")
    assert banglish[0] != bangla[0] and len(banglish[0]) > 100
    # a quick-reply tap (a branch of the menu) and a template/menu postback
    branch = next(p for p in branches if p.startswith("b:"))
    opened = await m.tap(PSID, branch)
    assert opened and m.buttons(PSID)
    assert await m.postback(PSID, pack(Menu())) == [texts.MENU]
    # 👍 on an answer: shown as text (Messenger has no pop-up)
    assert await m.tap(PSID, feedback) == [texts.FEEDBACK_THANKS_UP]
    # a sticker, the like button, a photo and a location: short Bangla replies
    assert await m.attachment(PSID, "image", url="https://x/y.png", sticker_id=1) == [
        texts.NO_TEXT
    ]
    assert await m.attachment(
        PSID, "image", url="https://x/l.png", sticker_id=369239263222822
    ) == [texts.LIKE]
    assert await m.attachment(PSID, "location", coordinates={"lat": 23.8, "long": 90.4}) == [
        texts.NO_TEXT
    ]
    # subscribe: the 24-hour rule is explained once; today's lesson (LESSON_HOUR=0, so due
    # already) is offered rather than pushed
    subscribed = await m.tap(PSID, pack(Subscribe()), replies=2)
    assert texts.WINDOW_RULE in subscribed[0]
    assert subscribed[1] == texts.HELD_LESSON
    again = await m.say(PSID, "/subscribe")
    assert texts.WINDOW_RULE not in again[0]
    # a lesson (split on paragraphs if long), its quiz, progress
    lesson = await m.tap(PSID, pack(NextLesson()))
    assert "পাঠ ১/" in lesson[0] and all(len(part) <= 2000 for part in lesson)
    answers = [p for p in m.buttons(PSID) if p.startswith("q:")]
    assert answers == [pack(QuizAnswer(1, i)) for i in range(len(answers))]
    quiz = await m.tap(PSID, answers[0])
    assert quiz[0].startswith(("✅", "❌"))
    progress = await m.say(PSID, "/progress")
    assert "পাঠ শেষ: ১/" in progress[0]
    # delete my data: a confirmation with template buttons, then everything is gone
    confirm = await m.say(PSID, "/delete_me")
    assert confirm == [texts.DELETE_CONFIRM]
    yes = next(p for p in m.buttons(PSID) if p.startswith("dy:"))
    uid = await m.uid(PSID)
    assert await m.postback(PSID, yes) == [texts.DELETED]
    assert await m.store.get_subscription(uid) is None
    # … and writing again starts afresh as a new user
    hello = await m.say(PSID, "আসসালামু আলাইকুম")
    assert hello == [texts.GREETING]
    fresh = await m.uid(PSID)
    assert await m.store.get_subscription(fresh) is None
    assert await m.store.feedback_rows(fresh) == []
    # the branch tap and everything else were answered in order, each exactly once
    assert not await m.channel.inbox.inbox_pending("messenger")
    assert "mark_seen" not in m.graph.actions(PSID)
