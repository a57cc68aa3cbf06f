"""Tests of the fake Telegram Bot API server, driven by the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import datetime as dtm
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from telegram.ext import ApplicationBuilder, CallbackQueryHandler, CommandHandler, ContextTypes

from tests.fakes.telegram_api import FakeTelegram

# PTB itself warns about RetryAfter.retry_after becoming a timedelta in a future version.
pytestmark = pytest.mark.filterwarnings("ignore:.*retry_after:DeprecationWarning")


@pytest.fixture
async def tg() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as fake:
        yield fake


@pytest.fixture
async def bot(tg: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(tg.token, base_url=tg.base_url) as real_bot:
        yield real_bot


def keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"b{i}", callback_data=d)] for i, d in enumerate(data)]
    )


def seconds(retry_after: int | dtm.timedelta) -> float:
    return retry_after.total_seconds() if isinstance(retry_after, dtm.timedelta) else retry_after


async def test_get_me(bot: Bot, tg: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "test_bot" and me.id == 123
    assert tg.calls[0].method == "getMe" and tg.calls[0].status == 200


async def test_wrong_token_and_unknown_method(tg: FakeTelegram, bot: Bot) -> None:
    with pytest.raises(InvalidToken):
        await Bot("999:WRONG", base_url=tg.base_url).get_me()
    async with httpx.AsyncClient() as client:
        response = await client.post(f"{tg.base_url}{tg.token}/noSuchMethod")
    assert response.status_code == 404
    assert response.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }


async def test_send_message_records_call(bot: Bot, tg: FakeTelegram) -> None:
    first = await bot.send_message(42, "আসসালামু আলাইকুম", reply_markup=keyboard("faq:1"))
    second = await bot.send_message(42, "second")
    other = await bot.send_message(7, "other chat")
    assert (first.message_id, second.message_id, other.message_id) == (1, 2, 1)
    assert first.chat.id == 42 and first.chat.type == "private"
    assert first.from_user is not None and first.from_user.username == "test_bot"
    assert first.text == "আসসালামু আলাইকুম"
    assert first.reply_markup == keyboard("faq:1")
    assert [params["text"] for params in tg.sent(42)] == ["আসসালামু আলাইকুম", "second"]
    assert tg.sent(42)[0]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "faq:1"
    assert len(tg.sent()) == 3 and tg.rejected == []


async def test_text_length_limit(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(1, "a" * 4096)
    await bot.send_message(1, "<b>" + "a" * 4095 + "</b>&amp;", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(1, "a" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(1, "<b> </b>", parse_mode="HTML")
    assert [r.description for r in tg.rejected] == [
        "Bad Request: message is too long",
        "Bad Request: message text is empty",
    ]
    assert len(tg.sent()) == 2


async def test_callback_data_limit(bot: Bot, tg: FakeTelegram) -> None:
    await bot.send_message(1, "ok", reply_markup=keyboard("a" * 64))
    for data in ("a" * 65, "আ" * 22):  # the second is 66 bytes in UTF-8
        with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
            await bot.send_message(1, "too long", reply_markup=keyboard(data))
    too_many = InlineKeyboardMarkup([[InlineKeyboardButton("x", callback_data="x")]] * 101)
    with pytest.raises(BadRequest):
        await bot.send_message(1, "too many", reply_markup=too_many)
    assert len(tg.rejected) == 3 and len(tg.sent()) == 1


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold",
        "<b>x</i>",
        "<p>para</p>",
        "1 < 2",
        "AT&T",
        "x</b>",
        "&nbsp;",
        '<span class="x">s</span>',
    ],
)
async def test_bad_html_rejected(bot: Bot, tg: FakeTelegram, text: str) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(1, text, parse_mode="HTML")
    assert tg.rejected[0].method == "sendMessage" and tg.sent() == []


async def test_good_html_is_stripped(bot: Bot) -> None:
    message = await bot.send_message(
        1,
        '<b>১</b> &lt; <a href="https://x.org/?a=1&amp;b=2">link</a> &#2437;&#x41; '
        '<tg-spoiler>s</tg-spoiler> <span class="tg-spoiler">p</span>',
        parse_mode="HTML",
    )
    assert message.text == "১ < link অA s p"


async def test_edits(bot: Bot, tg: FakeTelegram) -> None:
    sent = await bot.send_message(3, "menu", reply_markup=keyboard("a"))
    edited = await bot.edit_message_text("menu 2", 3, sent.message_id, reply_markup=keyboard("b"))
    assert not isinstance(edited, bool) and edited.text == "menu 2"
    assert tg.edited(3)[0]["text"] == "menu 2"
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text("menu 2", 3, sent.message_id, reply_markup=keyboard("b"))
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", 3, 999)
    await bot.edit_message_reply_markup(3, sent.message_id, reply_markup=None)
    assert tg.messages[(3, sent.message_id)].get("reply_markup") is None
    assert await bot.delete_message(3, sent.message_id)
    assert len(tg.rejected) == 2


async def test_fail_next_429_raises_retry_after(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(1, "hi")
    assert seconds(caught.value.retry_after) == 7
    await bot.send_message(1, "hi again")
    assert [call.status for call in tg.calls[-2:]] == [429, 200] and tg.rejected == []


async def test_fail_next_for_one_chat_and_count(bot: Bot, tg: FakeTelegram) -> None:
    tg.fail_next("sendMessage", 500, count=2, chat_id=5)
    await bot.send_message(6, "other chat is fine")
    for _ in range(2):
        with pytest.raises(NetworkError, match=r"(?i)Internal Server Error"):
            await bot.send_message(5, "x")
    await bot.send_message(5, "recovered")
    assert [params["text"] for params in tg.sent()] == ["other chat is fine", "recovered"]


async def test_block_chat_raises_forbidden(bot: Bot, tg: FakeTelegram) -> None:
    tg.block_chat(9)
    with pytest.raises(Forbidden, match=r"(?i)bot was blocked by the user"):
        await bot.send_message(9, "hello?")
    await bot.send_message(10, "someone else")
    tg.unblock_chat(9)
    await bot.send_message(9, "welcome back")
    assert len(tg.sent()) == 2 and tg.rejected == []


async def test_get_updates_and_offset(bot: Bot, tg: FakeTelegram) -> None:
    pushed = tg.message(5, "/start hello")
    tg.sticker(5)
    updates = await bot.get_updates(timeout=1)
    assert [u.update_id for u in updates] == [pushed["update_id"], pushed["update_id"] + 1]
    assert updates[0].message is not None and updates[0].message.text == "/start hello"
    assert updates[0].message.parse_entities() != {} and updates[1].message is not None
    assert updates[1].message.sticker is not None
    assert await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0) == ()
    started = time.monotonic()
    assert await bot.get_updates(timeout=1) == ()
    assert time.monotonic() - started >= 0.9


async def test_long_poll_wakes_on_push(bot: Bot, tg: FakeTelegram) -> None:
    poll = asyncio.create_task(bot.get_updates(timeout=5))
    await asyncio.sleep(0.1)
    started = time.monotonic()
    tg.callback(5, "faq:1", 1)
    updates = await poll
    assert time.monotonic() - started < 1
    assert updates[0].callback_query is not None and updates[0].callback_query.data == "faq:1"
    assert await bot.answer_callback_query(updates[0].callback_query.id)
    with pytest.raises(BadRequest, match=r"(?i)query ID is invalid"):
        await bot.answer_callback_query(updates[0].callback_query.id)


async def test_builders_parse_with_ptb(bot: Bot, tg: FakeTelegram) -> None:
    tg.photo(1), tg.voice(1), tg.location(1), tg.edited_message(1, "fixed")
    tg.message(2, "hi", chat_type="group", chat_id=-100)
    tg.my_chat_member(1, "kicked")
    updates = await bot.get_updates()
    assert len(updates) == 6
    assert updates[3].edited_message is not None and updates[4].effective_chat is not None
    assert updates[4].effective_chat.type == "group"
    member = updates[5].my_chat_member
    assert member is not None and member.new_chat_member.status == "kicked"
    with pytest.raises(Forbidden):
        await bot.send_message(1, "blocked now")


async def test_global_rate_limit(tg: FakeTelegram) -> None:
    async with (
        FakeTelegram(global_rate=5) as limited,
        Bot(limited.token, base_url=limited.base_url) as limited_bot,
    ):
        results = await asyncio.gather(
            *(limited_bot.send_message(i, f"m{i}") for i in range(8)), return_exceptions=True
        )
        errors = [result for result in results if isinstance(result, Exception)]
        assert len(errors) == 3 and all(isinstance(error, RetryAfter) for error in errors)
        assert limited.too_many_requests == 3 and len(limited.sent()) == 5
        await asyncio.sleep(1.05)
        await limited_bot.send_message(1, "after the window")


async def test_per_chat_rate_limit() -> None:
    async with (
        FakeTelegram(per_chat_rate=1) as limited,
        Bot(limited.token, base_url=limited.base_url) as limited_bot,
    ):
        await limited_bot.send_message(1, "a")
        await limited_bot.send_message(2, "b")
        with pytest.raises(RetryAfter):
            await limited_bot.send_message(1, "c")
        assert limited.too_many_requests == 1


async def test_latency_is_concurrent() -> None:
    async with FakeTelegram(latency=0.2) as slow, Bot(slow.token, base_url=slow.base_url) as b:
        started = time.monotonic()
        await asyncio.gather(*(b.send_message(i, "x") for i in range(20)))
        assert 0.2 <= time.monotonic() - started < 1.0


async def test_json_and_multipart_bodies(tg: FakeTelegram) -> None:
    url = f"{tg.base_url}{tg.token}/sendMessage"
    markup = {"inline_keyboard": [[{"text": "a", "callback_data": "a"}]]}
    async with httpx.AsyncClient() as client:
        body = {"chat_id": 4, "text": "123", "reply_markup": markup}
        as_json = await client.post(url, json=body)
        multipart = await client.post(
            url, data={"chat_id": "4", "text": "true"}, files={"doc": ("a.txt", b"abc")}
        )
    assert as_json.json()["result"]["reply_markup"] == markup
    assert multipart.status_code == 200
    assert [params["text"] for params in tg.sent(4)] == ["123", "true"]
    assert tg.sent(4)[1]["doc"] == "<file a.txt: 3 bytes>"


async def test_application_polling_end_to_end(tg: FakeTelegram) -> None:
    async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text("স্বাগতম", reply_markup=keyboard("go"))

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None
        await query.answer()
        await query.edit_message_text(f"pressed {query.data}")

    app = ApplicationBuilder().token(tg.token).base_url(tg.base_url).build()
    app.add_handler(CommandHandler("start", start))
    app.add_handler(CallbackQueryHandler(pressed))
    async with app:
        await app.start()
        assert app.updater is not None
        await app.updater.start_polling(poll_interval=0, timeout=1)
        tg.message(77, "/start")
        await tg.wait_for(lambda t: len(t.sent(77)) == 1)
        tg.callback(77, "go", 2)  # 1 is the user's /start, 2 the bot's reply
        await tg.wait_for(lambda t: len(t.edited(77)) == 1)
        await app.updater.stop()
        await app.stop()
    assert tg.edited(77)[0]["text"] == "pressed go" and tg.rejected == []
    with pytest.raises(TimeoutError, match=r"(?i)condition not met"):
        await tg.wait_for(lambda t: False, timeout=0.05)


async def test_webhook_delivery_per_chat_order_and_secret(bot: Bot, tg: FakeTelegram) -> None:
    """setWebhook makes the fake post updates (getUpdates then 409); a chat's next update
    waits for the previous one's 2xx; the secret header is sent, or left out on request."""
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    seen: list[tuple[int, str | None]] = []

    async def hook(request: Request) -> Response:
        body = await request.json()
        seen.append((body["update_id"], request.headers.get("X-Telegram-Bot-Api-Secret-Token")))
        await asyncio.sleep(0.05)
        retried = [u for u, _ in seen].count(body["update_id"]) > 1
        failing = body["message"]["text"] == "two" and not retried
        return Response(status_code=500 if failing else 200)  # "two" fails once

    import socket

    import uvicorn

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(
            Starlette(routes=[Route("/hook", hook, methods=["POST"])]),
            port=port,
            log_config=None,
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        url = f"http://127.0.0.1:{port}/hook"
        assert await bot.set_webhook(url, secret_token="abc_DEF-123", max_connections=4)
        with pytest.raises(Exception, match="webhook is active"):
            await bot.get_updates(timeout=0)
        first, second = tg.message(7, "one"), tg.message(7, "two")
        other = tg.message(8, "three")
        await tg.wait_for(lambda t: not t._updates, timeout=5)
        ids = [update_id for update_id, _ in seen]
        assert ids.count(second["update_id"]) == 2  # redelivered after the 500
        assert ids.index(first["update_id"]) < ids.index(second["update_id"])  # chat order
        assert other["update_id"] in ids
        assert {secret for _, secret in seen} == {"abc_DEF-123"}
        unqueued = {"update_id": 999, "message": {"text": "x"}}
        assert await tg.post_to_webhook(unqueued, send_secret=False) == 200
        assert (999, None) in seen
        info = await bot.get_webhook_info()
        assert info.url == url
        assert await bot.delete_webhook()
        assert (await bot.get_webhook_info()).url == ""
    finally:
        server.should_exit = True
        await serving
