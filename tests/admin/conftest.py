"""The dashboard over HTTP: the real ASGI app (httpx's ASGI transport) on a real SQLite file."""

from __future__ import annotations

import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from bot.admin.app import AdminApp
from bot.admin.settings import AdminSettings
from bot.config import Settings
from bot.services import Services, open_services
from faq.channel import Sender
from faq.content import CONTENT_DIR

TOKEN = "t" * 16 + "-admin-token-for-tests-0123456789"


class Clock:
    """A settable clock (seconds), starting now."""

    def __init__(self) -> None:
        import time

        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Admin:
    services: Services
    app: AdminApp
    client: httpx.AsyncClient
    clock: Clock
    content_dir: Path
    database_url: str
    senders: dict[str, Sender] = field(default_factory=dict)

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.services.store

    async def csrf(self, path: str) -> str:
        response = await self.client.get(path)
        assert response.status_code == 200, (path, response.status_code)
        found = re.search(r'name="csrf" value="([^"]+)"', response.text)
        assert found, path
        return found.group(1)

    async def login(self, name: str = "Rina", token: str = TOKEN) -> httpx.Response:
        csrf = await self.csrf("/admin/login")
        return await self.client.post(
            "/admin/login", data={"name": name, "token": token, "csrf": csrf}
        )


def make_admin_app(
    services: Services, senders: dict[str, Sender], clock: Clock, content_dir: Path, **kw: object
) -> AdminApp:
    settings = AdminSettings(TOKEN, session_seconds=600, **kw)  # type: ignore[arg-type]
    return AdminApp(
        services, settings, senders, clock=clock, content_dir=content_dir, push_rate=1000.0
    )


@pytest.fixture
async def admin(tmp_path: Path, database_url: str) -> AsyncIterator[Admin]:
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    settings = Settings.from_env({"DATABASE_URL": database_url})
    services = await open_services(settings)
    clock = Clock()
    senders: dict[str, Sender] = {}
    app = make_admin_app(services, senders, clock, content_dir)
    asgi = Starlette(routes=app.routes())
    client = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=asgi), base_url="http://testserver"
    )
    try:
        yield Admin(services, app, client, clock, content_dir, database_url, senders)
    finally:
        await app.close()
        await client.aclose()
        await services.close()
