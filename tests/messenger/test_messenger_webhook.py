"""The Messenger webhook under bad input and faults: signatures, replays, bodies, Graph errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

from bot.messenger_bot import build_messenger
from faq import texts
from faq.channel import Outcome
from faq.replies import Reply
from handlers.messenger.webhook import MAX_BODY
from tests.messenger.conftest import Messenger, page_body, sign

DATA = Path(__file__).resolve().parents[1] / "data"
PSID = "2400000000000002"
# Recorded bodies as Meta sends them (escaped: \uXXXX with lowercase hex, "/" as "\/") and as
# raw UTF-8, with the X-Hub-Signature-256 each carries for the tests' app secret.
ESCAPED = (DATA / "messenger_bangla_escaped.json").read_bytes()
ESCAPED_SIGNATURE = "sha256=65e593f44b47c655c972a48a08ea44f070b437d26c9573c1d48636ee025f7ee8"
UTF8 = (DATA / "messenger_bangla_utf8.json").read_bytes()
UTF8_SIGNATURE = "sha256=ef9d11c86868243df42b2d603dbf09c7304d420a620c09da2fd7cbe5f0864a8d"
RECORDED_PSID = "2400000000000077"


def text_event(mid: str, text: str) -> dict[str, object]:
    return {"message": {"mid": mid, "text": text}}


async def test_recorded_bangla_bodies_verify_on_their_raw_bytes(messenger: Messenger) -> None:
    m = messenger
    assert ESCAPED.isascii() and not UTF8.isascii()
    m.graph.user_wrote(RECORDED_PSID)
    response = await m.post(ESCAPED, ESCAPED_SIGNATURE)
    assert response.status_code == 200
    await m.graph.wait_for(lambda g: len(g.texts(RECORDED_PSID)) == 1)
    answer = m.graph.texts(RECORDED_PSID)[0]
    assert len(answer) > 100 and any("\u0980" <= ch <= "\u09ff" for ch in answer)
    # the same event as raw UTF-8 (same mid): verified on its own bytes, then a duplicate
    assert (await m.post(UTF8, UTF8_SIGNATURE)).status_code == 200
    # one body's signature never fits the other's bytes
    assert (await m.post(UTF8, ESCAPED_SIGNATURE)).status_code == 403
    await m.channel.idle()
    assert len(m.graph.texts(RECORDED_PSID)) == 1


async def test_forged_or_missing_signatures_are_refused_and_nothing_is_stored(
    messenger: Messenger,
) -> None:
    m = messenger
    body = page_body(PSID, text_event("m_forged", "আউটসোর্সিং কী?"))
    m.graph.user_wrote(PSID)
    other = page_body(PSID, text_event("m_other", "hello"))
    for signature in (
        None,
        "",
        "sha256=",
        "sha1=" + sign(body)[7:],
        sign(body, "wrong-secret"),
        sign(other),
        sign(body)[:-2] + "00",
        sign(body).upper(),
    ):
        response = await m.post(body, signature)
        assert response.status_code == 403, signature
    await asyncio.sleep(0.2)
    await m.channel.idle()
    assert m.graph.calls == []
    assert await (await m.inbox()).count_rows("inbox") == 0
    assert await m.store.user_id_for("messenger", PSID) is None


async def test_a_replayed_body_is_answered_once(messenger: Messenger) -> None:
    m = messenger
    body = page_body(PSID, text_event("m_replayed", "ফ্রিল্যান্সিং কী?"))
    m.graph.user_wrote(PSID)
    for _ in range(3):
        assert (await m.post(body)).status_code == 200
    await m.graph.wait_for(lambda g: len(g.texts(PSID)) >= 1)
    await asyncio.sleep(0.2)
    await m.channel.idle()
    assert len(m.graph.texts(PSID)) == 1
    assert await (await m.inbox()).count_rows("inbox") == 1


async def test_odd_bodies_get_clear_answers_and_the_server_keeps_serving(
    messenger: Messenger,
) -> None:
    m = messenger
    not_json = b'{"object": "page", "entry": [ oops'
    assert (await m.post(not_json)).status_code == 400
    assert (await m.post(b"\xff\xfe binary")).status_code == 400
    for wrong in (b"[1, 2]", b'"page"', b'{"object": "page", "entry": {"a": 1}}'):
        assert (await m.post(wrong)).status_code == 400, wrong
    # another product's subscription and entries/events we do not handle: 200, nothing done
    assert (
        await m.post(json.dumps({"object": "instagram", "entry": []}).encode())
    ).status_code == 200
    unknown = json.dumps(
        {
            "object": "page",
            "entry": [
                {"id": "1", "time": 1, "standby": [{"sender": {"id": PSID}}]},
                {"id": "1", "time": 1, "changes": [{"field": "feed"}]},
                {
                    "id": "1",
                    "time": 1,
                    "messaging": [
                        {"sender": {"id": PSID}, "read": {"watermark": 1}},
                        {"sender": {"id": PSID}, "delivery": {"mids": ["m_1"]}},
                        {"sender": {"id": PSID}, "reaction": {"reaction": "love", "mid": "m_1"}},
                        {"sender": {"id": PSID}, "message": {"mid": "m_echo", "is_echo": True}},
                        {"sender": {"id": "not-a-psid"}, "message": {"mid": "m_x", "text": "x"}},
                        {"sender": {"id": PSID}, "message": {"text": "no mid"}},
                        "not an object",
                    ],
                },
                "junk",
            ],
        }
    ).encode()
    assert (await m.post(unknown)).status_code == 200
    # bodies over 1 MiB: refused by their declared length or while being read
    huge = b'{"object":"page","entry":[],"pad":"' + b"x" * MAX_BODY + b'"}'
    assert (await m.post(huge)).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(20):
            yield b"x" * 65536

    streamed = await m.client.post(
        f"{m.url}/messenger", content=chunks(), headers={"X-Hub-Signature-256": "sha256=00"}
    )
    assert streamed.status_code == 413
    # just under the limit is accepted
    body = page_body(PSID, text_event("m_big", "আউটসোর্সিং কী?"))
    padded = body[:-1] + b', "pad": "' + b" " * (MAX_BODY - len(body) - 20) + b'"}'
    assert len(padded) <= MAX_BODY
    m.graph.user_wrote(PSID)
    assert (await m.post(padded)).status_code == 200
    await m.graph.wait_for(lambda g: len(g.texts(PSID)) == 1)
    await m.channel.idle()
    assert await (await m.inbox()).count_rows("inbox") == 1  # only the real message was stored
    assert (await m.client.get(f"{m.url}/healthz")).status_code == 200


async def test_graph_down_loses_nothing_and_sends_nothing_twice(messenger: Messenger) -> None:
    m = messenger
    users = [f"24000000000001{i:02d}" for i in range(6)]
    m.graph.down_for(2.5)
    for i, psid in enumerate(users):
        m.graph.user_wrote(psid)
        body = page_body(psid, text_event(f"m_down_{i}_a", "আউটসোর্সিং কী?"))
        assert (await m.post(body)).status_code == 200
        body = page_body(psid, text_event(f"m_down_{i}_b", "/help"))
        assert (await m.post(body)).status_code == 200
        assert (await m.post(body)).status_code == 200  # Meta's redelivery meanwhile
    assert all(m.graph.texts(psid) == [] for psid in users)
    await m.graph.wait_for(lambda g: all(len(g.texts(p)) >= 2 for p in users), timeout=15)
    await m.channel.idle()
    for psid in users:
        sent = m.graph.texts(psid)
        assert len(sent) == 2 and sent[1] == texts.HELP  # in order, once each
    assert any(call.status == 503 for call in m.graph.calls)
    assert await m.channel.inbox.inbox_pending("messenger") == []


async def test_graph_errors_follow_one_policy(messenger: Messenger) -> None:
    m = messenger
    output = m.channel.output
    # 613: wait and retry; the reply arrives
    m.graph.fail_next("rate_limit", psid=PSID)
    assert await m.say(PSID, "/help") == [texts.HELP]
    # 5xx twice: retried with backoff
    m.graph.fail_next("server", count=2, psid=PSID)
    assert await m.say(PSID, "/help") == [texts.HELP]
    # 551: the user is marked unreachable, nothing retried
    gone = "2400000000000003"
    await m.say(gone, "/help")
    m.graph.fail_next("unavailable", psid=gone)
    m.graph.user_wrote(gone)
    calls = len(m.graph.calls)
    assert (await m.post(page_body(gone, text_event("m_gone", "/menu")))).status_code == 200
    await m.graph.wait_for(lambda g: len(g.calls) > calls)
    await m.channel.idle()
    assert await m.store.is_blocked(await m.uid(gone))
    assert len(m.graph.calls) == calls + 1
    # 10/2018278 on a push: outside the window, not retried
    m.graph.fail_next("outside_window", psid=PSID)
    now = "2099-01-01T00:00:00+00:00"  # the bot believes the window open; Meta disagrees
    result = await output.push(PSID, Reply("x"), now)
    assert result.outcome is Outcome.OUTSIDE_WINDOW
    # 190 (token): everything stops at once, loudly; the event stays pending
    m.graph.fail_next("token")
    calls = len(m.graph.calls)
    assert (await m.post(page_body(PSID, text_event("m_token", "/help")))).status_code == 200
    await m.graph.wait_for(lambda g: len(g.calls) > calls)
    await m.channel.idle()
    assert output.halted
    assert [e for e, _ in await m.channel.inbox.inbox_pending("messenger")] == ["m_token"]
    pushed = await output.push(PSID, Reply("x"), now)
    assert pushed.outcome is Outcome.DROPPED and len(m.graph.calls) == calls + 1


async def test_one_users_events_stay_in_order_while_others_go_ahead(messenger: Messenger) -> None:
    m = messenger
    m.graph.latency = 0.05
    slow, other = "2400000000000020", "2400000000000021"
    m.graph.user_wrote(slow)
    m.graph.user_wrote(other)
    commands = ["/help", "/menu", "/progress", "/help", "/menu"]
    for i, command in enumerate(commands):
        assert (
            await m.post(page_body(slow, text_event(f"m_order_{i}", command)))
        ).status_code == 200
    assert (await m.post(page_body(other, text_event("m_other_0", "/help")))).status_code == 200
    await m.graph.wait_for(lambda g: len(g.texts(slow)) >= 5 and g.texts(other), timeout=10)
    sent = m.graph.texts(slow)
    assert [sent[0], sent[1], sent[3], sent[4]] == [texts.HELP, texts.MENU, texts.HELP, texts.MENU]
    assert sent[2].startswith("📊")
    # the other user's reply did not wait for the five in a row (each takes 50 ms at least)
    order = [c.body["recipient"]["id"] for c in m.graph.calls if "message" in c.body]
    assert order.index(other) < [i for i, p in enumerate(order) if p == slow][2]


async def test_events_left_pending_are_answered_at_start(messenger: Messenger) -> None:
    m = messenger
    await m.channel.stop()  # as if the process had stopped with an event stored, not answered
    raw = {
        "sender": {"id": PSID},
        "recipient": {"id": "1"},
        "timestamp": 1,
        "message": {"mid": "m_left", "text": "/help"},
    }
    assert await (await m.inbox()).inbox_put("messenger", "m_left", json.dumps(raw))
    m.graph.user_wrote(PSID)
    restarted = build_messenger(m.settings, m.services)  # the next process
    await restarted.start()
    try:
        await m.graph.wait_for(lambda g: g.texts(PSID) == [texts.HELP])
        await restarted.idle()
        assert await restarted.inbox.inbox_pending("messenger") == []
    finally:
        await restarted.stop()


async def test_a_flooding_user_is_warned_once_and_others_are_unaffected(
    messenger: Messenger,
) -> None:
    m = messenger
    flooder, calm = "2400000000000030", "2400000000000031"
    m.graph.user_wrote(flooder)
    for i in range(26):
        body = page_body(flooder, text_event(f"m_flood_{i}", "/help"))
        assert (await m.post(body)).status_code == 200
    await m.graph.wait_for(lambda g: texts.FLOOD in g.texts(flooder), timeout=10)
    await m.channel.idle()
    sent = m.graph.texts(flooder)
    assert sent.count(texts.HELP) == 20 and sent.count(texts.FLOOD) == 1
    assert m.graph.actions(flooder) == ["mark_seen"] * 5  # seen, deliberately unanswered
    assert await m.say(calm, "/help") == [texts.HELP]


async def test_a_restricted_page_stops_pushes_for_the_round(messenger: Messenger) -> None:
    m = messenger
    now = "2099-01-01T00:00:00+00:00"
    m.graph.user_wrote(PSID)
    m.graph.fail_next("page_restricted")
    first = await m.channel.output.push(PSID, Reply("পাঠ"), now)
    assert first.outcome is Outcome.DROPPED and m.channel.output.halted
    calls = len(m.graph.calls)
    for _ in range(3):
        assert (await m.channel.output.push(PSID, Reply("পাঠ"), now)).outcome is Outcome.DROPPED
    assert len(m.graph.calls) == calls  # nothing more was even tried


async def test_an_outage_longer_than_the_retries_is_answered_once_it_ends(
    messenger: Messenger,
) -> None:
    m = messenger
    m.channel.output.retry_seconds = 0.3  # replies give up quickly; the events stay stored
    users = [f"24000000000002{i:02d}" for i in range(4)]
    m.graph.down_for(2.0)
    for i, psid in enumerate(users):
        m.graph.user_wrote(psid)
        assert (
            await m.post(page_body(psid, text_event(f"m_long_{i}", "/help")))
        ).status_code == 200
    await asyncio.sleep(1.0)
    assert {e for e, _ in await m.channel.inbox.inbox_pending("messenger")} == {
        f"m_long_{i}" for i in range(4)
    }
    await m.graph.wait_for(lambda g: all(g.texts(p) for p in users), timeout=10)
    await asyncio.sleep(1.5)  # another sweep: nothing is sent twice
    await m.channel.idle()
    assert all(m.graph.texts(p) == [texts.HELP] for p in users)
    assert await m.channel.inbox.inbox_pending("messenger") == []
