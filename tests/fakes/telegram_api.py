"""A fake Telegram Bot API server for end-to-end tests and benchmarks (standard library only).

Serves HTTP/1.1 on 127.0.0.1 (free port) with asyncio streams; point the real
python-telegram-bot at it with ``ApplicationBuilder().token(tg.token).base_url(tg.base_url)``.
It checks requests like Telegram does, records every call, and can add latency, rate limits
and faults. ``rejected`` lists calls the fake refused on its own (the bot did something
wrong); answers caused by ``fail_next``, ``block_chat`` or the rate limits are only in ``calls``.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import re
import time
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qsl, urlsplit

JSONDict = dict[str, Any]
ChatId = int | str

MAX_TEXT_LENGTH, MAX_CALLBACK_DATA_BYTES, MAX_BUTTONS = 4096, 64, 100
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
HTML_TAGS = frozenset(
    "b strong i em u ins s strike del a code pre tg-spoiler span blockquote".split()
)
INLINE_ACTIONS = frozenset(
    "callback_data url login_url web_app switch_inline_query switch_inline_query_current_chat "
    "switch_inline_query_chosen_chat copy_text callback_game pay".split()
)
# Form values are JSON-decoded ("123" -> 123, reply_markup -> dict) except these plain strings.
STRING_PARAMS = frozenset(
    "text caption parse_mode callback_query_id inline_message_id action url language_code "
    "description short_description name title query emoji business_connection_id".split()
)
RATE_LIMITED = frozenset({"sendmessage", "editmessagetext"})
TRIVIAL_METHODS = "sendchataction close logout setmydescription setchatmenubutton"
WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to "
    "delete the webhook first"
)
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")

_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][\w-]*)((?:\s+[\w-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)\s*>"
)
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(lt|gt|amp|quot));")
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPECIAL_RE = re.compile(r"[<&]")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]+)?")


class Call(NamedTuple):
    method: str
    params: JSONDict
    time: float  # time.monotonic() when the request was received
    status: int


class Rejection(NamedTuple):
    method: str
    params: JSONDict
    description: str


class ApiError(Exception):
    """An error answer; ``injected`` marks faults and rate limits (not the bot's fault)."""

    def __init__(
        self, status: int, description: str, retry_after: int | None = None, injected: bool = False
    ) -> None:
        super().__init__(description)
        self.status, self.description = status, description
        self.retry_after, self.injected = retry_after, injected

    def payload(self) -> JSONDict:
        body: JSONDict = {"ok": False, "error_code": self.status, "description": self.description}
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class _Fault:
    method: str
    error: ApiError
    chat_id: ChatId | None
    remaining: int


def bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


def _phrase(status: int) -> str:
    return HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Error"


def html_to_text(text: str) -> str:
    """Remove Telegram HTML markup like the server does; raise ApiError if it is malformed."""

    def fail(problem: str, pos: int) -> ApiError:
        offset = len(text[:pos].encode())
        return bad_request(f"can't parse entities: {problem} at byte offset {offset}")

    out: list[str] = []
    stack: list[str] = []
    i = 0
    while (match := _SPECIAL_RE.search(text, i)) is not None:
        out.append(text[i : match.start()])
        i = match.start()
        if text[i] == "<":
            if not (tag := _TAG_RE.match(text, i)):
                raise fail('Unexpected "<", it must be escaped as "&lt;"', i)
            name = tag[2].lower()
            if tag[1] and not stack:
                raise fail(f'Unexpected end tag "{name}"', i)
            if tag[1] and (expected := stack.pop()) != name:
                raise fail(f'Unmatched end tag "</{name}>", expected "</{expected}>"', i)
            if not tag[1] and name not in HTML_TAGS:
                raise fail(f'Unsupported start tag "{name}"', i)
            if not tag[1] and name == "span" and "tg-spoiler" not in tag[3]:
                raise fail('Tag "span" must have class "tg-spoiler"', i)
            if not tag[1]:
                stack.append(name)
            i = tag.end()
            continue
        if not (entity := _ENTITY_RE.match(text, i)):
            raise fail('Character "&" must be escaped as "&amp;"', i)
        code = int(entity[1] or entity[2] or "0", 10 if entity[1] else 16)
        if not entity[3] and (not 0 < code <= 0x10FFFF or 0xD800 <= code <= 0xDFFF):
            raise fail("Invalid character entity", i)
        out.append(_NAMED_ENTITIES[entity[3]] if entity[3] else chr(code))
        i = entity.end()
    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1]}"', len(text))
    return "".join(out) + text[i:]


def check_reply_markup(markup: Any) -> None:
    """Validate reply_markup like Telegram: button texts, callback_data, number of buttons."""
    if markup is None:
        return
    if not isinstance(markup, dict):
        raise bad_request("can't parse reply keyboard markup JSON object")
    inline = "inline_keyboard" in markup
    rows = markup.get("inline_keyboard", markup.get("keyboard", []))
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request('field "inline_keyboard" of the InlineKeyboardMarkup should be an Array')
    buttons = [
        button if isinstance(button, dict) else {"text": button} for row in rows for button in row
    ]
    if len(buttons) > MAX_BUTTONS:
        raise bad_request("reply markup is too long")
    for button in buttons:
        if not button.get("text"):
            raise bad_request("button text is empty")
        if inline and "callback_data" in button:
            if not 1 <= len(str(button["callback_data"]).encode()) <= MAX_CALLBACK_DATA_BYTES:
                raise bad_request("BUTTON_DATA_INVALID")
        elif inline and not INLINE_ACTIONS & button.keys():
            raise bad_request("text buttons are unallowed in the inline keyboard")


def _decode(key: str, value: Any) -> Any:
    if isinstance(value, str) and key not in STRING_PARAMS:
        with contextlib.suppress(ValueError):
            return json.loads(value)
    return value


def parse_params(content_type: str, body: bytes, target: str) -> JSONDict:
    """Parameters from the query string and a JSON, urlencoded or multipart body."""
    pairs: list[tuple[str, Any]] = parse_qsl(urlsplit(target).query, keep_blank_values=True)
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json" and body:
        data = json.loads(body)
        if not isinstance(data, dict):
            raise ValueError("the JSON body must be an object")
        pairs += data.items()
    elif kind == "multipart/form-data":
        head = f"Content-Type: {content_type}\r\n\r\n".encode()
        form = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
        for part in form.iter_parts():  # type: ignore[attr-defined]
            payload, filename = part.get_payload(decode=True) or b"", part.get_filename()
            value = f"<file {filename}: {len(payload)} bytes>" if filename else payload.decode()
            pairs.append((str(part.get_param("name", header="content-disposition")), value))
    elif body:
        pairs += parse_qsl(body.decode(), keep_blank_values=True)
    return {key: _decode(key, value) for key, value in pairs}


class FakeTelegram:
    def __init__(
        self,
        token: str = "123:ABC",
        latency: float = 0.0,
        global_rate: float | None = None,
        per_chat_rate: float | None = None,
    ) -> None:
        self.token, self.latency = token, latency
        self.global_rate, self.per_chat_rate = global_rate, per_chat_rate
        bot_id = token.split(":")[0]
        self.bot_user: JSONDict = {
            "id": int(bot_id) if bot_id.isdigit() else 123,
            "is_bot": True,
            "first_name": "Test Bot",
            "username": "test_bot",
        }
        self.calls: list[Call] = []
        self.rejected: list[Rejection] = []
        self.too_many_requests = 0
        self.messages: dict[tuple[ChatId, int], JSONDict] = {}  # the bot's live messages
        self.commands: dict[str, list[JSONDict]] = {}  # by JSON-encoded scope + language
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._updates: list[JSONDict] = []
        self._new_update = asyncio.Event()
        self._next_update_id = 1
        self._message_ids: defaultdict[ChatId, int] = defaultdict(int)
        self._ids = itertools.count(1)
        self._open_queries: set[str] = set()
        self._chats: dict[ChatId, JSONDict] = {}
        self._blocked: set[ChatId] = set()
        self._faults: list[_Fault] = []
        self._windows: defaultdict[Any, deque[float]] = defaultdict(deque)  # "all" or chat id
        # webhook mode: setWebhook's parameters, the delivery workers and what they did
        self.webhook: JSONDict | None = None
        self.webhook_deliveries: list[tuple[int, int, float]] = []  # update_id, status, time
        self._webhook_workers: list[asyncio.Task[None]] = []
        self._webhook_idle: list[asyncio.Event] = []  # wakers of workers with nothing to do
        self._webhook_taken: set[int] = set()  # update ids being delivered
        self._webhook_busy: set[Any] = set()  # chats with a delivery in flight
        self._methods: dict[str, Callable[[JSONDict], Any]] = {
            "getme": lambda _: {
                **self.bot_user,
                "can_join_groups": True,
                "can_read_all_group_messages": False,
                "supports_inline_queries": False,
            },
            "sendmessage": self._send_message,
            "editmessagetext": self._edit_message_text,
            "editmessagereplymarkup": self._edit_reply_markup,
            "answercallbackquery": self._answer_callback_query,
            "deletemessage": self._delete_message,
            "setmycommands": self._set_my_commands,
            "getmycommands": lambda params: self.commands.get(_scope(params), []),
            "setwebhook": self._set_webhook,
            "deletewebhook": self._delete_webhook,
            "getwebhookinfo": self._webhook_info,
            **{name: lambda _: True for name in TRIVIAL_METHODS.split()},
        }

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
        await self._stop_webhook_workers()
        if self._server is not None:
            self._server.close()
            for task in list(self._connections):
                task.cancel()
            await asyncio.gather(*self._connections, return_exceptions=True)
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeTelegram is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    # ---------------------------------------------------------------- HTTP and dispatch
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while line := (await reader.readline()).strip():
                target = line.decode("latin-1").split(" ")[1]
                headers: dict[str, str] = {}
                while (header := (await reader.readline()).strip()) != b"":
                    key, _, value = header.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                try:
                    params = parse_params(headers.get("content-type", ""), body, target)
                except ValueError:
                    status, payload = 400, bad_request("can't parse request body").payload()
                else:
                    status, payload = await self._handle(target, params)
                data = _json_bytes(payload)
                writer.write(
                    f"HTTP/1.1 {status} {_phrase(status)}\r\nContent-Length: "
                    f"{len(data)}\r\nContent-Type: application/json\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            pass  # the client went away or sent garbage
        except asyncio.CancelledError:
            pass  # stop(); ending quietly avoids asyncio's "Exception in callback" noise
        finally:
            self._connections.discard(task)
            writer.close()

    async def _handle(self, target: str, params: JSONDict) -> tuple[int, JSONDict]:
        received = time.monotonic()
        path = urlsplit(target).path
        match = re.fullmatch(r"/bot([^/]*)/(\w+)", path)
        method = match[2] if match else path
        await asyncio.sleep(self.latency)
        try:
            if not match:
                raise ApiError(404, "Not Found")
            if match[1] != self.token:
                raise ApiError(401, "Unauthorized")
            name = method.lower()
            if name != "getupdates" and name not in self._methods:
                raise ApiError(404, "Not Found: method not found")
            self._check_faults(name, params)
            self._check_rate(name, params)
            if name == "getupdates":
                if self.webhook is not None:
                    raise ApiError(409, WEBHOOK_ACTIVE)
                result = await self._get_updates(params)
            else:
                result = self._methods[name](params)
            status, payload = 200, {"ok": True, "result": result}
        except ApiError as error:
            status, payload = error.status, error.payload()
            if not error.injected:
                self.rejected.append(Rejection(method, params, error.description))
        self.calls.append(Call(method, params, received, status))
        return status, payload

    def _check_faults(self, method: str, params: JSONDict) -> None:
        chat_id = params.get("chat_id")
        if chat_id is not None and chat_id in self._blocked:
            raise ApiError(403, BLOCKED, injected=True)
        for fault in self._faults:
            if fault.method == method and fault.chat_id in (None, chat_id):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                raise fault.error

    def _check_rate(self, method: str, params: JSONDict) -> None:
        if method not in RATE_LIMITED:
            return
        now = time.monotonic()
        limits = [
            (self._windows["all"], self.global_rate),
            (self._windows[params.get("chat_id")], self.per_chat_rate),
        ]
        limits = [(window, rate) for window, rate in limits if rate]
        for window, _rate in limits:
            while window and now - window[0] >= 1.0:
                window.popleft()
        if any(len(window) >= rate for window, rate in limits):
            self.too_many_requests += 1
            raise ApiError(429, "Too Many Requests: retry after 1", retry_after=1, injected=True)
        for window, _rate in limits:
            window.append(now)

    # ---------------------------------------------------------------- API methods
    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        offset, limit = int(params.get("offset") or 0), int(params.get("limit") or 100)
        if offset > 0:
            self._updates = [update for update in self._updates if update["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        deadline = time.monotonic() + float(params.get("timeout") or 0)
        while not self._updates and (remaining := deadline - time.monotonic()) > 0:
            self._new_update.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._new_update.wait(), remaining)
        return self._updates[:limit]

    def _checked_text(self, params: JSONDict) -> str:
        text, mode = str(params.get("text") or ""), str(params.get("parse_mode") or "").lower()
        if mode == "html":
            text = html_to_text(text)
        elif mode not in ("", "markdown", "markdownv2"):
            raise bad_request(f'unsupported parse_mode "{params["parse_mode"]}"')
        if not (text := text.strip()):
            raise bad_request("message text is empty")
        if len(text) > MAX_TEXT_LENGTH:
            raise bad_request("message is too long")
        return text

    def _chat_id(self, params: JSONDict) -> ChatId:
        if (chat_id := params.get("chat_id")) in (None, ""):
            raise bad_request("chat_id is empty")
        return chat_id  # type: ignore[no-any-return]

    def _find_message(self, params: JSONDict, action: str) -> JSONDict | None:
        """The bot message addressed by chat_id + message_id; None for inline messages."""
        if params.get("inline_message_id"):
            return None
        key = (self._chat_id(params), int(params.get("message_id") or 0))
        if key not in self.messages:
            raise bad_request(f"message to {action} not found")
        return self.messages[key]

    def _send_message(self, params: JSONDict) -> JSONDict:
        chat_id, text = self._chat_id(params), self._checked_text(params)
        check_reply_markup(markup := params.get("reply_markup"))
        message = self._new_message(chat_id, self.bot_user, text=text)
        if _inline(markup):
            message["reply_markup"] = markup
        self.messages[(chat_id, message["message_id"])] = message
        return message

    def _edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        message, text = self._find_message(params, "edit"), self._checked_text(params)
        check_reply_markup(markup := params.get("reply_markup"))
        return message is None or self._apply_edit(message, text, _inline(markup))

    def _edit_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        message = self._find_message(params, "edit")
        check_reply_markup(markup := params.get("reply_markup"))
        return message is None or self._apply_edit(message, message["text"], _inline(markup))

    def _apply_edit(self, message: JSONDict, text: str, markup: JSONDict | None) -> JSONDict:
        if message["text"] == text and message.get("reply_markup") == markup:
            raise ApiError(400, NOT_MODIFIED)
        message.update(text=text, edit_date=int(time.time()))
        message.pop("reply_markup", None)
        if markup:
            message["reply_markup"] = markup
        return message

    def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        if len(str(params.get("text") or "")) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        return True

    def _delete_message(self, params: JSONDict) -> bool:
        if message := self._find_message(params, "delete"):
            del self.messages[(message["chat"]["id"], message["message_id"])]
        return True

    def _set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list) or not all(
            re.fullmatch(r"[a-z0-9_]{1,32}", str(c.get("command"))) for c in commands
        ):
            raise bad_request("BOT_COMMAND_INVALID")
        self.commands[_scope(params)] = commands
        return True

    # ---------------------------------------------------------------- webhook mode
    def _set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params)
        if not url.startswith(("https://", "http://127.0.0.1")):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not SECRET_RE.fullmatch(str(secret)):
            raise bad_request("secret token contains unallowed characters")
        connections = int(params.get("max_connections") or 40)
        if not 1 <= connections <= 100:
            raise bad_request("bad webhook: max_connections must be between 1 and 100")
        self.webhook = {
            "url": url,
            "secret_token": None if secret is None else str(secret),
            "max_connections": connections,
            "allowed_updates": params.get("allowed_updates"),
        }
        asyncio.get_running_loop().create_task(self._start_webhook_workers(connections))
        return True

    def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook = None
        if params.get("drop_pending_updates"):
            self._updates.clear()
        self._wake_webhook(everyone=True)
        return True

    def _webhook_info(self, params: JSONDict) -> JSONDict:
        return {
            "url": self.webhook["url"] if self.webhook else "",
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
            **({"max_connections": self.webhook["max_connections"]} if self.webhook else {}),
        }

    async def _start_webhook_workers(self, connections: int) -> None:
        await self._stop_webhook_workers()
        self._webhook_idle = []
        self._webhook_workers = [
            asyncio.create_task(self._webhook_worker()) for _ in range(connections)
        ]

    async def _stop_webhook_workers(self) -> None:
        workers, self._webhook_workers = self._webhook_workers, []
        for worker in workers:
            worker.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    def _wake_webhook(self, everyone: bool = False) -> None:
        """Wake one idle delivery worker (all of them when the webhook changes)."""
        while self._webhook_idle:
            waker = self._webhook_idle.pop()
            waker.set()
            if not everyone:
                return

    def _next_for_webhook(self) -> JSONDict | None:
        """The oldest update not in flight whose chat has nothing in flight (order per chat)."""
        for update in self._updates:
            chat = _update_chat(update)
            if update["update_id"] not in self._webhook_taken and chat not in self._webhook_busy:
                return update
        return None

    async def _webhook_worker(self) -> None:
        """One of Telegram's ``max_connections``: a kept-alive HTTP/1.1 connection."""
        connection = _HookConnection()
        waker = asyncio.Event()
        try:
            while self.webhook is not None:
                update = self._next_for_webhook()
                if update is None:
                    waker.clear()
                    self._webhook_idle.append(waker)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(waker.wait(), 1.0)
                    with contextlib.suppress(ValueError):
                        self._webhook_idle.remove(waker)
                    continue
                chat = _update_chat(update)
                self._webhook_taken.add(update["update_id"])
                self._webhook_busy.add(chat)
                try:
                    status = await self.post_to_webhook(update, connection=connection)
                finally:
                    self._webhook_taken.discard(update["update_id"])
                    self._webhook_busy.discard(chat)
                if 200 <= status < 300:
                    self._updates = [u for u in self._updates if u is not update]
                else:
                    await asyncio.sleep(0.2)  # Telegram retries later
                self._wake_webhook()  # the chat is free again: its next update may go
        finally:
            connection.close()

    async def post_to_webhook(
        self,
        update: JSONDict | bytes,
        *,
        secret: str | None = None,
        send_secret: bool = True,
        connection: _HookConnection | None = None,
    ) -> int:
        """POST one update (or raw bytes) to the webhook as Telegram does; return the status.

        The secret header carries ``secret`` or else the one given to setWebhook; with
        ``send_secret=False`` there is no header. A network failure counts as status 0.
        """
        assert self.webhook is not None, "setWebhook was not called"
        secret = secret if secret is not None else self.webhook["secret_token"]
        headers = {"Content-Type": "application/json"}
        if send_secret and secret is not None:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        body = update if isinstance(update, bytes) else _json_bytes(update)
        own = connection is None
        connection = connection or _HookConnection()
        try:
            status = await connection.post(self.webhook["url"], headers, body)
        finally:
            if own:
                connection.close()
        if isinstance(update, dict):
            self.webhook_deliveries.append((update["update_id"], status, time.monotonic()))
        return status

    # ---------------------------------------------------------------- fault injection
    def fail_next(
        self,
        method: str,
        status: int,
        description: str = "",
        retry_after: int | None = None,
        count: int = 1,
        chat_id: ChatId | None = None,
    ) -> None:
        """Make the next ``count`` calls of ``method`` (optionally to one chat) fail."""
        if status == 429 and retry_after is None:
            retry_after = 1
        if not description:
            defaults = {403: BLOCKED, 429: f"Too Many Requests: retry after {retry_after}"}
            description = defaults.get(status, _phrase(status))
        error = ApiError(status, description, retry_after, injected=True)
        self._faults.append(_Fault(method.lower(), error, chat_id, count))

    def block_chat(self, chat_id: ChatId) -> None:
        self._blocked.add(chat_id)

    def unblock_chat(self, chat_id: ChatId) -> None:
        self._blocked.discard(chat_id)

    # ---------------------------------------------------------------- recording
    def _succeeded(self, method: str, chat_id: ChatId | None) -> list[JSONDict]:
        return [
            call.params
            for call in self.calls
            if call.method.lower() == method
            and call.status == 200
            and chat_id in (None, call.params.get("chat_id"))
        ]

    def sent(self, chat_id: ChatId | None = None) -> list[JSONDict]:
        return self._succeeded("sendmessage", chat_id)

    def edited(self, chat_id: ChatId | None = None) -> list[JSONDict]:
        return self._succeeded("editmessagetext", chat_id)

    def summary(self) -> str:
        recent = [(call.method, call.params.get("text"), call.status) for call in self.calls[-8:]]
        return f"{len(self.calls)} calls, last: {recent}; rejected: {self.rejected[-5:]}"

    async def wait_for(self, predicate: Callable[[Self], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s: {self.summary()}")
            await asyncio.sleep(0.01)

    # ---------------------------------------------------------------- feeding updates
    def push_update(self, update: JSONDict) -> JSONDict:
        update.setdefault("update_id", self._next_update_id)
        self._next_update_id = max(self._next_update_id, update["update_id"] + 1)
        self._updates.append(update)
        self._updates.sort(key=lambda queued: queued["update_id"])
        self._new_update.set()
        self._wake_webhook()
        return update

    def _new_message(self, chat_id: ChatId, sender: JSONDict, **fields: Any) -> JSONDict:
        self._message_ids[chat_id] += 1
        chat = self._chats.get(chat_id, {"id": chat_id, "type": "private"})
        return {
            "message_id": self._message_ids[chat_id],
            "date": int(time.time()),
            "chat": dict(chat),
            "from": sender,
            **fields,
        }

    def _push_message(
        self,
        user_id: int,
        *,
        first_name: str = "Rahim",
        chat_type: str = "private",
        chat_id: int | None = None,
        kind: str = "message",
        **fields: Any,
    ) -> JSONDict:
        chat_id = user_id if chat_id is None else chat_id
        name = {"first_name": first_name} if chat_type == "private" else {"title": "Test group"}
        self._chats[chat_id] = {"id": chat_id, "type": chat_type, **name}
        sender = {"id": user_id, "is_bot": False, "first_name": first_name}
        return self.push_update({kind: self._new_message(chat_id, sender, **fields)})

    def _file(self, **fields: Any) -> JSONDict:
        number = next(self._ids)
        return {"file_id": f"file{number}", "file_unique_id": f"unique{number}", **fields}

    def message(
        self,
        user_id: int,
        text: str,
        *,
        first_name: str = "Rahim",
        chat_type: str = "private",
        chat_id: int | None = None,
        **extra: Any,
    ) -> JSONDict:
        """A text message; a leading /command gets its bot_command entity."""
        fields: JSONDict = {"text": text}
        if command := _COMMAND_RE.match(text):
            length = len(command[0].encode("utf-16-le")) // 2
            fields["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return self._push_message(
            user_id,
            first_name=first_name,
            chat_type=chat_type,
            chat_id=chat_id,
            **{**fields, **extra},
        )

    def callback(
        self, user_id: int, data: str, message_id: int, *, chat_id: int | None = None
    ) -> JSONDict:
        """A button press on the bot's message ``message_id``."""
        chat_id = user_id if chat_id is None else chat_id
        message = self.messages.get((chat_id, message_id)) or {
            "message_id": message_id,
            "date": int(time.time()),
            "from": self.bot_user,
            "chat": self._chats.get(chat_id, {"id": chat_id, "type": "private"}),
            "text": "…",
        }
        query_id = str(next(self._ids))
        self._open_queries.add(query_id)
        return self.push_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": {"id": user_id, "is_bot": False, "first_name": "Rahim"},
                    "message": copy.deepcopy(message),
                    "chat_instance": f"ci{chat_id}",
                    "data": data,
                }
            }
        )

    def sticker(self, user_id: int) -> JSONDict:
        return self._push_message(
            user_id,
            sticker=self._file(
                type="regular",
                width=512,
                height=512,
                is_animated=False,
                is_video=False,
                emoji="👍",
            ),
        )

    def photo(self, user_id: int) -> JSONDict:
        sizes = [self._file(width=side, height=side, file_size=side * 40) for side in (90, 800)]
        return self._push_message(user_id, photo=sizes)

    def voice(self, user_id: int) -> JSONDict:
        return self._push_message(user_id, voice=self._file(duration=3, mime_type="audio/ogg"))

    def location(self, user_id: int) -> JSONDict:
        return self._push_message(user_id, location={"latitude": 23.81, "longitude": 90.41})

    def edited_message(self, user_id: int, text: str) -> JSONDict:
        return self._push_message(
            user_id, kind="edited_message", text=text, edit_date=int(time.time())
        )

    def my_chat_member(self, user_id: int, new_status: str) -> JSONDict:
        """The user blocked ("kicked") or restarted ("member") the bot; (un)blocks the chat."""
        old_status = "kicked" if new_status == "member" else "member"
        (self.block_chat if new_status == "kicked" else self.unblock_chat)(user_id)
        self._chats[user_id] = {"id": user_id, "type": "private", "first_name": "Rahim"}

        def member(status: str) -> JSONDict:
            return {
                "user": self.bot_user,
                "status": status,
                **({"until_date": 0} if status == "kicked" else {}),
            }

        return self.push_update(
            {
                "my_chat_member": {
                    "chat": dict(self._chats[user_id]),
                    "date": int(time.time()),
                    "from": {"id": user_id, "is_bot": False, "first_name": "Rahim"},
                    "old_chat_member": member(old_status),
                    "new_chat_member": member(new_status),
                }
            }
        )


def _json_bytes(payload: JSONDict) -> bytes:
    """Encode an answer; text with lone surrogates goes out \\u-escaped, as Telegram sends it."""
    try:
        return json.dumps(payload, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(payload).encode()


class _HookConnection:
    """A minimal kept-alive HTTP/1.1 client for webhook deliveries (cheap on CPU, unlike a
    full client, so that benchmarks measure the bot rather than the fake)."""

    def __init__(self) -> None:
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> int:
        """Return the status, 0 if the connection failed."""
        parts = urlsplit(url)
        for attempt in range(2):  # a kept-alive connection the server closed: reconnect once
            try:
                if self._writer is None:
                    self._reader, self._writer = await asyncio.open_connection(
                        parts.hostname, parts.port or 80
                    )
                assert self._reader is not None
                head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
                self._writer.write(
                    f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\n{head}"
                    f"Content-Length: {len(body)}\r\n\r\n".encode("latin-1")
                    + body
                )
                await self._writer.drain()
                status_line = await self._reader.readline()
                if not status_line:
                    raise ConnectionError("closed")
                status = int(status_line.split()[1])
                length, close = 0, False
                while (line := (await self._reader.readline()).strip()) != b"":
                    key, _, value = line.decode("latin-1").partition(":")
                    if key.strip().lower() == "content-length":
                        length = int(value.strip())
                    elif key.strip().lower() == "connection" and "close" in value.lower():
                        close = True
                await self._reader.readexactly(length)
                if close:
                    self.close()
                return status
            except (OSError, ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
                self.close()
                if attempt == 1:
                    return 0
        return 0

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


def _update_chat(update: JSONDict) -> Any:
    """The chat (or user) an update belongs to, for per-chat ordering of webhook deliveries."""
    for kind in ("message", "edited_message", "my_chat_member"):
        if kind in update and isinstance(update[kind], dict):
            return update[kind].get("chat", {}).get("id")
    query = update.get("callback_query")
    if isinstance(query, dict):
        return (query.get("from") or {}).get("id")
    return update.get("update_id")


def _inline(markup: Any) -> JSONDict | None:
    return markup if isinstance(markup, dict) and "inline_keyboard" in markup else None


def _scope(params: JSONDict) -> str:
    scope = params.get("scope") or {"type": "default"}
    return json.dumps([scope, params.get("language_code") or ""], sort_keys=True)
