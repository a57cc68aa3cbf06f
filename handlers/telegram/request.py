"""python-telegram-bot's network seam (``BaseRequest``) over our bounded ``OutboundPool``.

PTB stays unmodified: ``ApplicationBuilder().request(OutboundRequest(...))`` makes every Bot
API call of the bot (replies, edits, lesson pushes, setMyCommands…) go through one
``handlers.outbound.OutboundPool``: a fixed number in flight, replies ahead of bulk sends,
over aiohttp (a quarter of httpx's CPU per call, see that module). Bodies are sent as JSON
(the Bot API accepts it; one ``json.dumps`` is cheaper than PTB's urlencoding of
JSON-encoded values); uploads, which the bot does not make today, go as multipart. Failures
map to PTB's exceptions as its own ``HTTPXRequest`` does (``TimedOut``, ``NetworkError``),
so ``handlers.telegram.output.classify`` sees the same types.

The answer to a sent or edited message echoes the whole message (text, keyboard), which PTB
turns into a ``Message`` with every button: 18 % of the bot's CPU under load. Nothing here
reads more of it than its identity, so those answers are trimmed to ``message_id``, ``date``
and ``chat`` before PTB sees them.
"""

from __future__ import annotations

import json

import aiohttp
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from handlers.outbound import OutboundPool, TransportError, TransportTimeout

__all__ = ["OutboundRequest"]

_JSON = {"Content-Type": "application/json"}
_ECHOING = ("/sendMessage", "/editMessageText")
_IDENTITY = ("message_id", "date", "chat")


class OutboundRequest(BaseRequest):
    """A ``BaseRequest`` whose calls share one ``OutboundPool``."""

    def __init__(
        self, *, in_flight: int = 64, connect_timeout: float = 10.0, read_timeout: float = 20.0
    ) -> None:
        self._in_flight = in_flight
        self._connect_timeout, self._read_timeout = connect_timeout, read_timeout
        self._pool: OutboundPool | None = None

    @property
    def pool(self) -> OutboundPool:
        """Return the pool (a new one after ``shutdown``: PTB may initialise again)."""
        if self._pool is None or self._pool.is_closed:
            self._pool = OutboundPool(
                in_flight=self._in_flight,
                connect_timeout=self._connect_timeout,
                read_timeout=self._read_timeout,
                headers={"User-Agent": self.USER_AGENT},
            )
        return self._pool

    @property
    def read_timeout(self) -> float | None:
        return self._read_timeout

    async def initialize(self) -> None:
        self.pool  # noqa: B018 - make it now

    async def shutdown(self) -> None:
        if self._pool is not None and not self._pool.is_closed:
            await self._pool.aclose()

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        body: bytes | aiohttp.FormData | None = None
        headers = None
        if request_data is not None:
            if request_data.contains_files:
                body = _form(request_data)
            else:
                body = _json_body(request_data.parameters)
                headers = _JSON
        try:
            answer = await self.pool.request(
                method,
                url,
                body=body,
                headers=headers,
                read_timeout=_seconds(read_timeout),
                connect_timeout=_seconds(connect_timeout),
            )
        except TransportTimeout as exc:
            raise TimedOut from exc
        except TransportError as exc:
            raise NetworkError(str(exc)) from exc
        if answer.status == 200 and url.endswith(_ECHOING):
            return answer.status, _trimmed(answer.body)
        return answer.status, answer.body


def _json_body(parameters: object) -> bytes:
    """UTF-8 JSON (Bangla stays one character a letter); ASCII escapes if a lone surrogate
    slipped through (it cannot be UTF-8; Telegram reads the escape as U+FFFD)."""
    try:
        return json.dumps(parameters, ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(parameters).encode()


def _trimmed(body: bytes) -> bytes:
    """Keep only the identity of the message in a sendMessage/editMessageText answer."""
    try:
        data = json.loads(body)
    except ValueError:
        return body
    result = data.get("result") if isinstance(data, dict) else None
    if not isinstance(result, dict) or "message_id" not in result:
        return body  # e.g. ``true`` for an inline message's edit: left as it is
    data["result"] = {key: result[key] for key in _IDENTITY if key in result}
    # ASCII escapes: a name with a lone surrogate (invalid UTF-16) stays valid JSON
    return json.dumps(data).encode()


def _form(request_data: RequestData) -> aiohttp.FormData:
    form = aiohttp.FormData()
    for name, value in request_data.json_parameters.items():
        form.add_field(name, value)
    for name, file in request_data.multipart_data.items():
        filename, content, mime = file if len(file) == 3 else (*file, None)  # type: ignore[misc]
        form.add_field(name, content, filename=filename, content_type=mime)
    return form


def _seconds(value: object) -> float | None:
    """PTB passes DEFAULT_NONE for "use your default"; a number (or None) is the caller's."""
    return value if isinstance(value, int | float) else None  # type: ignore[return-value]
