"""A fake Meta Graph API (Messenger Send API and Profile API) for tests and benchmarks.

Serves HTTP/1.1 on 127.0.0.1 (free port) with asyncio streams, standard library only. It
checks what Meta checks for the calls the bot makes — 2,000-character texts, at most 13
quick replies with titles of at most 20 characters, payloads of at most 1,000 characters,
button templates with at most 3 buttons under at most 640 characters, no message tags, and
the 24-hour window counted from the events the test says the user sent (``user_wrote``).
``rejected`` lists the calls the fake refused on its own (the bot did something wrong; tests
assert it stays empty); faults injected with ``fail_next`` or ``down_for`` only show in
``calls``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qsl, urlsplit

JSONDict = dict[str, Any]
VERSION = "v25.0"
MAX_TEXT, MAX_QUICK_REPLIES, MAX_TITLE, MAX_PAYLOAD = 2000, 13, 20, 1000
MAX_TEMPLATE_TEXT, MAX_TEMPLATE_BUTTONS = 640, 3
MAX_MENU_ITEMS, MAX_MENU_TITLE = 20, 30
WINDOW_SECONDS = 24 * 3600
MESSAGING_TYPES = frozenset({"RESPONSE", "UPDATE"})
SENDER_ACTIONS = frozenset({"mark_seen", "typing_on", "typing_off"})
PROFILE_FIELDS = frozenset({"get_started", "persistent_menu", "greeting", "ice_breakers"})

# what Meta answers for the faults the bot must handle: (HTTP status, code, subcode, message)
FAULTS: dict[str, tuple[int, int, int, str]] = {
    "rate_limit": (400, 613, 0, "Calls to this api have exceeded the rate limit."),
    "unavailable": (400, 551, 0, "This person isn't available right now."),
    "outside_window": (
        400,
        10,
        2018278,
        "This message is sent outside of allowed window.",
    ),
    "page_restricted": (400, 10, 1893063, "The Page is restricted from sending messages."),
    "token": (400, 190, 0, "Invalid OAuth access token."),
    "server": (500, 2, 0, "An unexpected error has occurred. Please retry your request later."),
}


class Call(NamedTuple):
    method: str
    path: str
    body: JSONDict
    time: float  # time.monotonic() when the request was received
    status: int


class Rejection(NamedTuple):
    path: str
    body: JSONDict
    description: str


class GraphApiError(Exception):
    def __init__(
        self, status: int, code: int, message: str, subcode: int = 0, injected: bool = False
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.subcode = status, code, subcode
        self.message, self.injected = message, injected

    def payload(self) -> JSONDict:
        error: JSONDict = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "fbtrace_id": "FAKEtrace",
        }
        if self.subcode:
            error["error_subcode"] = self.subcode
        return {"error": error}


def invalid(message: str) -> GraphApiError:
    return GraphApiError(400, 100, f"(#100) {message}")


@dataclass
class _Fault:
    kind: str
    psid: str | None
    remaining: int


class FakeGraph:
    def __init__(self, token: str = "PAGE-TOKEN", latency: float = 0.0) -> None:
        self.token, self.latency = token, latency
        self.calls: list[Call] = []
        self.rejected: list[Rejection] = []
        self.profile: JSONDict = {}
        self.profile_writes = 0
        self.rate_per_second: float | None = None
        self.last_inbound: dict[str, float] = {}  # psid → time.time() of the user's last event
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self._faults: list[_Fault] = []
        self._down_until = 0.0
        self._window: deque[float] = deque()
        self._ids = itertools.count(1)

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    async def stop(self) -> None:
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
            raise RuntimeError("FakeGraph is not started")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/{VERSION}"

    # ---------------------------------------------------------------- the test's side
    def user_wrote(self, psid: str, at: float | None = None) -> None:
        """Record that the user sent an event (opens the 24-hour window from ``at``)."""
        self.last_inbound[psid] = time.time() if at is None else at

    def fail_next(self, kind: str, count: int = 1, psid: str | None = None) -> None:
        """Answer the next ``count`` Send API calls (to ``psid``, or any) with a fault."""
        if kind not in FAULTS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULTS)}")
        self._faults.append(_Fault(kind, psid, count))

    def down_for(self, seconds: float) -> None:
        """Answer every call with 503 for ``seconds``."""
        self._down_until = time.monotonic() + seconds

    # ---------------------------------------------------------------- HTTP
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while line := (await reader.readline()).strip():
                method, target = line.decode("latin-1").split(" ")[:2]
                headers: dict[str, str] = {}
                while (header := (await reader.readline()).strip()) != b"":
                    key, _, value = header.decode("latin-1").partition(":")
                    headers[key.strip().lower()] = value.strip()
                body = await reader.readexactly(int(headers.get("content-length") or 0))
                status, payload = await self._handle(method.upper(), target, body)
                data = json.dumps(payload, ensure_ascii=False).encode()
                phrase = HTTPStatus(status).phrase
                writer.write(
                    f"HTTP/1.1 {status} {phrase}\r\nContent-Length: {len(data)}\r\n"
                    "Content-Type: application/json\r\n\r\n".encode()
                    + data
                )
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, ValueError, IndexError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._connections.discard(task)
            writer.close()

    async def _handle(self, method: str, target: str, raw: bytes) -> tuple[int, JSONDict]:
        received = time.monotonic()
        url = urlsplit(target)
        query = dict(parse_qsl(url.query))
        body: JSONDict = {}
        await asyncio.sleep(self.latency)
        try:
            if raw:
                try:
                    body = json.loads(raw)
                except ValueError:
                    raise invalid("the body is not JSON") from None
                if not isinstance(body, dict):
                    raise invalid("the body must be a JSON object")
            if time.monotonic() < self._down_until:
                raise GraphApiError(503, 2, "Service temporarily unavailable", injected=True)
            if query.get("access_token") != self.token:
                raise GraphApiError(400, 190, "Invalid OAuth access token.")
            route = (method, url.path)
            if route == ("POST", f"/{VERSION}/me/messages"):
                result = self._send(body)
            elif route == ("GET", f"/{VERSION}/me/messenger_profile"):
                fields = [f for f in query.get("fields", "").split(",") if f]
                result = {"data": [{k: v for k, v in self.profile.items() if k in fields}]}
            elif route == ("POST", f"/{VERSION}/me/messenger_profile"):
                result = self._set_profile(body)
            else:
                raise GraphApiError(404, 803, f"Unknown path {method} {url.path}")
            status, payload = 200, result
        except GraphApiError as error:
            status, payload = error.status, error.payload()
            if not error.injected:
                self.rejected.append(Rejection(url.path, body, error.message))
        self.calls.append(Call(method, url.path, body, received, status))
        return status, payload

    # ---------------------------------------------------------------- Send API
    def _send(self, body: JSONDict) -> JSONDict:
        recipient = body.get("recipient")
        psid = recipient.get("id") if isinstance(recipient, dict) else None
        if not isinstance(psid, str) or not psid.isdigit():
            raise invalid("param recipient[id] must be a valid ID string")
        if "tag" in body or body.get("messaging_type") == "MESSAGE_TAG":
            raise invalid("message tags are not allowed for this bot")
        has_message, has_action = "message" in body, "sender_action" in body
        if has_message == has_action:
            raise invalid("exactly one of message and sender_action must be set")
        self._check_faults(psid)
        self._check_rate()
        last = self.last_inbound.get(psid)
        if last is None or time.time() - last >= WINDOW_SECONDS:
            _status, code, subcode, message = FAULTS["outside_window"]
            raise GraphApiError(400, code, message, subcode)
        if has_action:
            if body["sender_action"] not in SENDER_ACTIONS:
                raise invalid(
                    "param sender_action must be one of mark_seen, typing_on, typing_off"
                )
            return {"recipient_id": psid}
        if body.get("messaging_type") not in MESSAGING_TYPES:
            raise invalid("param messaging_type must be RESPONSE or UPDATE")
        _check_message(body["message"])
        return {"recipient_id": psid, "message_id": f"m_{next(self._ids)}"}

    def _check_faults(self, psid: str) -> None:
        for fault in self._faults:
            if fault.psid in (None, psid):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self._faults.remove(fault)
                status, code, subcode, message = FAULTS[fault.kind]
                raise GraphApiError(status, code, message, subcode, injected=True)

    def _check_rate(self) -> None:
        if not self.rate_per_second:
            return
        now = time.monotonic()
        while self._window and now - self._window[0] >= 1.0:
            self._window.popleft()
        if len(self._window) >= self.rate_per_second:
            status, code, subcode, message = FAULTS["rate_limit"]
            raise GraphApiError(status, code, message, subcode, injected=True)
        self._window.append(now)

    # ---------------------------------------------------------------- Profile API
    def _set_profile(self, body: JSONDict) -> JSONDict:
        unknown = set(body) - PROFILE_FIELDS
        if not body or unknown:
            raise invalid(f"unknown or missing profile fields: {sorted(unknown)}")
        if "get_started" in body:
            started = body["get_started"]
            payload = started.get("payload") if isinstance(started, dict) else None
            _check_payload(payload)
        if "persistent_menu" in body:
            if "get_started" not in body and "get_started" not in self.profile:
                raise invalid("the persistent menu requires the get started button")
            menus = body["persistent_menu"]
            if not isinstance(menus, list) or not menus:
                raise invalid("persistent_menu must be a non-empty array")
            for menu in menus:
                items = menu.get("call_to_actions") if isinstance(menu, dict) else None
                if not isinstance(items, list) or not 1 <= len(items) <= MAX_MENU_ITEMS:
                    raise invalid("call_to_actions must have 1 to 20 items")
                for item in items:
                    _check_title(item.get("title"), MAX_MENU_TITLE)
                    if item.get("type") != "postback":
                        raise invalid("only postback menu items are expected")
                    _check_payload(item.get("payload"))
        self.profile.update(body)
        self.profile_writes += 1
        return {"result": "success"}

    # ---------------------------------------------------------------- recording
    def messages(self, psid: str | None = None) -> list[JSONDict]:
        """Messages (not sender actions) Meta accepted, to ``psid`` or to anyone."""
        return [
            call.body["message"]
            for call in self.calls
            if call.path.endswith("/me/messages")
            and call.status == 200
            and "message" in call.body
            and psid in (None, call.body["recipient"]["id"])
        ]

    def actions(self, psid: str | None = None) -> list[str]:
        return [
            call.body["sender_action"]
            for call in self.calls
            if call.status == 200
            and "sender_action" in call.body
            and psid in (None, call.body["recipient"]["id"])
        ]

    def texts(self, psid: str | None = None) -> list[str]:
        return [text_of(message) for message in self.messages(psid)]

    def summary(self) -> str:
        recent = [(c.path, c.body.get("message"), c.status) for c in self.calls[-6:]]
        return f"{len(self.calls)} calls, last: {recent}; rejected: {self.rejected[-5:]}"

    async def wait_for(self, predicate: Callable[[Self], bool], timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while not predicate(self):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"condition not met within {timeout}s: {self.summary()}")
            await asyncio.sleep(0.01)


def text_of(message: JSONDict) -> str:
    """The text a message shows: its text or its button template's text."""
    if "text" in message:
        return str(message["text"])
    return str(message["attachment"]["payload"]["text"])


def buttons_of(message: JSONDict) -> list[tuple[str, str]]:
    """(title, payload) of a message's quick replies or template buttons."""
    if "quick_replies" in message:
        return [(q["title"], q["payload"]) for q in message["quick_replies"]]
    if "attachment" in message:
        return [(b["title"], b["payload"]) for b in message["attachment"]["payload"]["buttons"]]
    return []


def _check_title(title: object, limit: int = MAX_TITLE) -> None:
    if not isinstance(title, str) or not title.strip():
        raise invalid("title is required")
    if len(title) > limit:
        raise invalid(f"title has more than {limit} characters")


def _check_payload(payload: object) -> None:
    if not isinstance(payload, str) or not payload:
        raise invalid("payload is required")
    if len(payload) > MAX_PAYLOAD:
        raise invalid(f"payload has more than {MAX_PAYLOAD} characters")


def _check_message(message: object) -> None:
    if not isinstance(message, dict):
        raise invalid("param message must be an object")
    if ("text" in message) == ("attachment" in message):
        raise invalid("message must have exactly one of text and attachment")
    if "text" in message:
        text = message["text"]
        if not isinstance(text, str) or not text.strip():
            raise invalid("message text is empty")
        if len(text) > MAX_TEXT:
            raise invalid(
                "param message[text] must be UTF-8 encoded with 2000 or fewer characters"
            )
    else:
        attachment = message["attachment"]
        payload = attachment.get("payload") if isinstance(attachment, dict) else None
        if attachment.get("type") != "template" or not isinstance(payload, dict):
            raise invalid("only template attachments are expected")
        if payload.get("template_type") != "button":
            raise invalid("only button templates are expected")
        text, buttons = payload.get("text"), payload.get("buttons")
        if not isinstance(text, str) or not text.strip():
            raise invalid("template text is required")
        if len(text) > MAX_TEMPLATE_TEXT:
            raise invalid("param message[attachment][payload][text] must be 640 or fewer")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= MAX_TEMPLATE_BUTTONS:
            raise invalid("a button template has 1 to 3 buttons")
        for button in buttons:
            if button.get("type") != "postback":
                raise invalid("only postback buttons are expected")
            _check_title(button.get("title"))
            _check_payload(button.get("payload"))
    quick = message.get("quick_replies")
    if quick is not None:
        if not isinstance(quick, list) or not 1 <= len(quick) <= MAX_QUICK_REPLIES:
            raise invalid("param message[quick_replies] must have 1 to 13 elements")
        for reply in quick:
            if reply.get("content_type") != "text":
                raise invalid("only text quick replies are expected")
            _check_title(reply.get("title"))
            _check_payload(reply.get("payload"))
