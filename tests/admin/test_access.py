"""Access to the dashboard: login, wrong token, CSRF, rate limit, expiry, cookie flags, audit."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette

from bot.admin.settings import AdminSettings
from bot.config import ConfigError
from tests.admin.conftest import TOKEN, Admin, make_admin_app


def test_admin_is_off_without_a_token_and_refuses_a_short_one() -> None:
    assert AdminSettings.from_env({}) is None
    with pytest.raises(ConfigError, match="at least 32 characters"):
        AdminSettings.from_env({"ADMIN_TOKEN": "short-token"})
    with pytest.raises(ConfigError, match="ADMIN_TELEGRAM_IDS"):
        AdminSettings.from_env({"ADMIN_TOKEN": TOKEN, "ADMIN_TELEGRAM_IDS": "12, abc"})
    ok = AdminSettings.from_env(
        {"ADMIN_TOKEN": TOKEN, "ADMIN_TELEGRAM_IDS": "12, 34", "ADMIN_BASE_URL": "https://x.org"}
    )
    assert ok is not None and ok.telegram_ids == {12, 34} and ok.secure_cookies


async def test_login_sets_a_strict_http_only_cookie_and_is_audited(admin: Admin) -> None:
    response = await admin.client.get("/admin/overview")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    response = await admin.login("Rina")
    assert response.status_code == 303 and response.headers["location"] == "/admin/overview"
    cookie = response.headers["set-cookie"]
    assert "admin_session=" in cookie and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie and "Path=/admin" in cookie
    assert "Secure" not in cookie  # plain http and no https base URL
    page = await admin.client.get("/admin/overview")
    assert page.status_code == 200 and "সারসংক্ষেপ" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    entries = await admin.store.audit_entries()
    assert [(e.actor, e.action, e.ip) for e in entries] == [("Rina", "login", "127.0.0.1")]


async def test_cookie_is_secure_when_the_base_url_is_https(admin: Admin) -> None:
    app = make_admin_app(
        admin.services, {}, admin.clock, admin.content_dir, base_url="https://bot.example.org"
    )
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Starlette(routes=app.routes())),
        base_url="http://testserver",
    ) as client:
        # over plain http (TLS ends at a proxy) the setting alone makes cookies Secure
        plain = await client.get("/admin/login")
        assert "Secure" in plain.headers["set-cookie"]
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=Starlette(routes=app.routes())),
        base_url="https://testserver",
    ) as client:
        login = await client.get("/admin/login")
        csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
        response = await client.post(
            "/admin/login", data={"name": "A", "token": TOKEN, "csrf": csrf}
        )
    assert response.status_code == 303
    assert "Secure" in response.headers["set-cookie"]


async def test_wrong_token_is_refused_and_failures_are_rate_limited(admin: Admin) -> None:
    for _ in range(5):
        response = await admin.login("Mallory", token="x" * 40)
        assert response.status_code == 401 and "admin_session" not in response.headers.get(
            "set-cookie", ""
        )
    response = await admin.login("Mallory", token=TOKEN)  # even the right token waits now
    assert response.status_code == 429 and int(response.headers["retry-after"]) > 0
    assert (await admin.client.get("/admin/overview")).status_code == 303
    actions = [e.action for e in await admin.store.audit_entries()]
    assert actions.count("login_failed") == 5


async def test_login_and_every_form_need_their_csrf_token(admin: Admin) -> None:
    await admin.client.get("/admin/login")
    response = await admin.client.post("/admin/login", data={"name": "A", "token": TOKEN})
    assert response.status_code == 403
    assert (await admin.login()).status_code == 303
    for path, data in (
        ("/admin/content/reload", {}),
        ("/admin/review", {"action": "reject", "key": "x"}),
        ("/admin/broadcast", {"text": "x", "audience": "everyone", "step": "send"}),
        ("/admin/logout", {"csrf": "forged"}),
    ):
        response = await admin.client.post(path, data=data)
        assert response.status_code == 403, path
    assert await admin.store.broadcast_ids() == []
    actions = [e.action for e in await admin.store.audit_entries()]
    assert actions.count("csrf_rejected") == 4


async def test_session_expires_and_logout_ends_it(admin: Admin) -> None:
    assert (await admin.login()).status_code == 303
    assert (await admin.client.get("/admin/topics")).status_code == 200
    admin.clock.now += 601  # the test session lives 600 s
    response = await admin.client.get("/admin/topics")
    assert response.status_code == 303 and response.headers["location"] == "/admin/login"
    assert (await admin.login()).status_code == 303
    csrf = await admin.csrf("/admin/overview")
    cookie = admin.client.cookies.get("admin_session")
    assert (await admin.client.post("/admin/logout", data={"csrf": csrf})).status_code == 303
    admin.client.cookies.set("admin_session", cookie or "", path="/admin")  # a copied cookie
    assert (await admin.client.get("/admin/overview")).status_code == 303
    assert next(e.action for e in await admin.store.audit_entries()) == "logout"


async def test_tampered_cookie_is_refused(admin: Admin) -> None:
    assert (await admin.login("Rina")).status_code == 303
    cookie = admin.client.cookies.get("admin_session") or ""
    name, rest = cookie.split(".", 1)
    admin.client.cookies.clear()
    admin.client.cookies.set("admin_session", "QWRtaW4." + rest, path="/admin")
    assert (await admin.client.get("/admin/overview")).status_code == 303
    assert name  # the genuine cookie carried a name


async def test_reload_endpoint_needs_the_bearer_token(admin: Admin) -> None:
    response = await admin.client.post("/admin/api/reload")
    assert response.status_code == 401
    response = await admin.client.post(
        "/admin/api/reload", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    assert response.status_code == 200 and response.json() == {"ok": True, "problems": []}
    latest = (await admin.store.audit_entries())[0]
    assert (latest.actor, latest.action) == ("cli", "reload")
