"""The real web app (Starlette under uvicorn on 127.0.0.1) with the Messenger channel, driven
over HTTP with bodies signed the way Meta signs them, against the fake Graph API."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from bot.config import Settings
from bot.messenger_bot import InboxConnection, build_messenger
from bot.services import Services, open_services
from bot.web import build_web_app
from handlers.messenger.webhook import MessengerChannel
from tests.fakes.graph_api import FakeGraph, buttons_of

SECRET = "app-secret-for-tests"
VERIFY = "verify-token-for-tests"
PAGE_ID = "1000000000000001"
_mids = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def sign(body: bytes, secret: str = SECRET) -> str:
    """The X-Hub-Signature-256 value Meta sends with ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def page_body(psid: str, *events: dict[str, Any]) -> bytes:
    """A webhook body as Meta sends it: non-ASCII escaped as \\uXXXX (lowercase hex)."""
    now = int(time.time() * 1000)
    messaging = [
        {"sender": {"id": psid}, "recipient": {"id": PAGE_ID}, "timestamp": now, **event}
        for event in events
    ]
    body = {"object": "page", "entry": [{"id": PAGE_ID, "time": now, "messaging": messaging}]}
    return json.dumps(body).encode()


def settings_for(graph: FakeGraph, db: Path | str, **extra: str) -> Settings:
    """Settings for the fake Graph API; ``db`` is a SQLite file or a database URL."""
    return Settings.from_env(
        {
            "DATABASE_URL": db if isinstance(db, str) else f"sqlite:///{db}",
            "MESSENGER_PAGE_ACCESS_TOKEN": graph.token,
            "MESSENGER_APP_SECRET": SECRET,
            "MESSENGER_VERIFY_TOKEN": VERIFY,
            "MESSENGER_GRAPH_URL": graph.base_url,
            "MESSENGER_CONCURRENCY": "8",
            "LESSON_HOUR": "0",  # every subscriber's hour has come: lessons are due today
            **extra,
        }
    )


@dataclass
class Clock:
    """The core's clock (Dhaka time), moved forward by whole days in tests."""

    settings: Settings
    days: int = 0

    def __call__(self) -> datetime:
        return datetime.now(self.settings.timezone) + timedelta(days=self.days)


@dataclass
class Messenger:
    graph: FakeGraph
    channel: MessengerChannel
    services: Services
    settings: Settings
    url: str
    clock: Clock
    client: httpx.AsyncClient = field(default_factory=httpx.AsyncClient)

    @property
    def store(self) -> Any:
        """The running bot's storage (SQLite or PostgreSQL, with the inspection methods)."""
        return self.services.store

    async def post(self, body: bytes, signature: str | None = "sign") -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            signature = sign(body)
        if signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return await self.client.post(f"{self.url}/messenger", content=body, headers=headers)

    async def send(self, psid: str, event: dict[str, Any], replies: int = 1) -> list[str]:
        """Post one signed event from the user and wait for ``replies`` new messages."""
        before = len(self.graph.texts(psid))
        self.graph.user_wrote(psid)
        response = await self.post(page_body(psid, event))
        assert response.status_code == 200, response.text
        await self.graph.wait_for(lambda g: len(g.texts(psid)) >= before + replies)
        await self.channel.idle()
        return self.graph.texts(psid)[before:]

    async def say(self, psid: str, text: str, replies: int = 1) -> list[str]:
        return await self.send(
            psid, {"message": {"mid": f"m_{next(_mids)}", "text": text}}, replies
        )

    async def tap(self, psid: str, payload: str, replies: int = 1) -> list[str]:
        """Tap a quick reply (its title is what the user's message shows)."""
        message = {"mid": f"m_{next(_mids)}", "text": "…", "quick_reply": {"payload": payload}}
        return await self.send(psid, {"message": message}, replies)

    async def postback(self, psid: str, payload: str, replies: int = 1) -> list[str]:
        event = {"postback": {"mid": f"m_{next(_mids)}", "title": "…", "payload": payload}}
        return await self.send(psid, event, replies)

    async def attachment(self, psid: str, kind: str, **payload: Any) -> list[str]:
        message = {"mid": f"m_{next(_mids)}", "attachments": [{"type": kind, "payload": payload}]}
        return await self.send(psid, {"message": message})

    def buttons(self, psid: str) -> dict[str, str]:
        """payload → title of the buttons on the bot's latest message to the user."""
        messages = self.graph.messages(psid)
        return {payload: title for title, payload in buttons_of(messages[-1])} if messages else {}

    async def inbox(self) -> Any:
        """The storage the webhook keeps its events in: with SQLite a file of its own, with
        PostgreSQL the shared ``inbox`` table of the main database."""
        inbox = self.channel.inbox
        if isinstance(inbox, InboxConnection):
            return await inbox.store()
        assert inbox is self.services.store
        return inbox

    async def uid(self, psid: str) -> int:
        uid = await self.store.user_id_for("messenger", psid)
        assert uid is not None, psid
        return uid


async def serve_app(app: Any, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="on")
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "uvicorn did not start"
        await asyncio.sleep(0.02)
    return server, task


@pytest.fixture
async def messenger(database_url: str) -> AsyncIterator[Messenger]:
    async with FakeGraph() as graph:
        settings = settings_for(graph, database_url)
        clock = Clock(settings)
        services = await open_services(settings, clock=clock)
        channel = build_messenger(settings, services)
        channel.output.max_backoff = 0.5
        channel.output.rate_limit_wait = 0.3
        channel.retry_pending_every = 1.0
        port = free_port()
        server, task = await serve_app(build_web_app(services, [channel]), port)
        harness = Messenger(graph, channel, services, settings, f"http://127.0.0.1:{port}", clock)
        try:
            yield harness
        finally:
            await harness.client.aclose()
            server.should_exit = True
            await task
        assert graph.rejected == [], graph.rejected  # nothing broke a Messenger limit
