"""The dashboard in the real server (``main.py serve``) over HTTP and in headless Chromium.

The browser test logs in, loads the overview and the review queue, fails on any console
error or a chart that did not render, and writes screenshots (into the test's folder, and
into ``ADMIN_SCREENSHOT_DIR`` when set: ``docs/`` holds the README's).
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from db.store import Store
from tests.admin.chromium import Browser, chromium_path
from tests.admin.conftest import TOKEN
from tests.fakes.telegram_api import FakeTelegram
from tests.web.test_serve import free_port, start_serve, wait_http

ROOT = Path(__file__).resolve().parents[2]
# questions people might ask that the bot is not sure about (written for this test)
ASKED = (
    ("kaj er rate koto chaibo", 31),
    ("Kaj er rate koto chaibo?", 12),
    ("ajker khelar score koto", 19),
    ("amar profile e kono invite ase na", 17),
    ("প্রোফাইলে কোনো ইনভাইট আসে না কেন", 9),
    ("graphics design shikhte laptop koto ram lagbe", 8),
    ("biryani ranna shikhbo", 6),
    ("ভিডিও এডিটিং শিখতে কত দিন লাগে", 5),
)


async def seed(db: Path) -> None:
    """A month of a small bot's life: users on two channels, lessons, quizzes, questions."""
    rng = random.Random(12)
    store = await Store.open(db)
    now = datetime.now(UTC)
    rows = []
    for i in range(1, 1201):
        made = now - timedelta(days=rng.randint(0, 29), hours=rng.randint(0, 23))
        seen = made + (now - made) * rng.random()
        channel = "telegram" if rng.random() < 0.7 else "messenger"
        blocked = int(rng.random() < 0.04)
        rows.append(
            (
                channel,
                str(10**9 + i),
                made.isoformat(timespec="seconds"),
                seen.isoformat(timespec="seconds"),
                blocked,
            )
        )
    await store.add_users(rows)
    today = now.date()
    for uid in range(1, 701):
        await store.subscribe(uid, 9)
        reached = min(21, int(rng.expovariate(1 / 6)) + 1)
        for day in range(1, reached + 1):
            await store.record_delivery(uid, day, today - timedelta(days=reached - day), "push")
            if rng.random() < 0.7:
                right = rng.random() < 0.55 + 0.015 * day
                await store.record_quiz_answer(uid, day, 0, right, today)
    topics = ("marketplaces", "common_scams", "first_job", "payment_withdrawal", "choose_skill")
    for uid in range(1, 400):
        topic = rng.choice(topics)
        await store.log_view(uid, topic, "button")
        if rng.random() < 0.3:
            await store.add_feedback(uid, topic, rng.random() < 0.8, None)
    await store.add_feedback(5, "payment_withdrawal", False, "payoneer theke bkash e ana jay?")
    for text, times in ASKED:
        for n in range(times):
            await store.log_question(1 + n, text, None, 0.1)
    await store.close()


@pytest.fixture
async def server(tmp_path: Path):  # type: ignore[no-untyped-def]
    db = tmp_path / "serve.sqlite3"
    await seed(db)
    port = free_port()
    async with FakeTelegram() as tg:
        env = {
            "TELEGRAM_BOT_TOKEN": tg.token,
            "TELEGRAM_BASE_URL": tg.base_url,
            "DATABASE_URL": f"sqlite:///{db}",
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "ADMIN_TOKEN": TOKEN,
        }
        proc = await start_serve(env)
        try:
            await wait_http(f"http://127.0.0.1:{port}/healthz")
            yield f"http://127.0.0.1:{port}", env, db, proc
        finally:
            if proc.returncode is None:
                proc.terminate()
                await asyncio.wait_for(proc.wait(), 20)


async def test_real_server_login_overview_and_cli_reload(server) -> None:  # type: ignore[no-untyped-def]
    base, env, db, proc = server
    async with httpx.AsyncClient(base_url=base) as client:
        assert (await client.get("/admin/overview")).status_code == 303
        login = await client.get("/admin/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        response = await client.post(
            "/admin/login", data={"name": "Nila", "token": TOKEN, "csrf": csrf}
        )
        assert response.status_code == 303
        overview = await client.get("/admin/overview")
        assert overview.status_code == 200 and overview.text.count('class="chart"') == 5
        assert "১,২০০" in overview.text  # users, in Bangla digits
    reload = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "reload",
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await reload.communicate()
    assert reload.returncode == 0, err.decode()
    assert "reloaded" in out.decode()
    store = await Store.open(db)
    actions = [(e.actor, e.action) for e in await store.audit_entries()]
    await store.close()
    assert actions[:2] == [("cli", "reload"), ("Nila", "login")]
    proc.send_signal(signal.SIGHUP)  # kill -HUP reloads too
    for _ in range(100):
        store = await Store.open(db)
        actions = [(e.actor, e.action) for e in await store.audit_entries()]
        await store.close()
        if actions[0] == ("signal", "reload"):
            break
        await asyncio.sleep(0.1)
    assert actions[0] == ("signal", "reload")
    assert proc.returncode is None  # and the server goes on


async def test_short_admin_token_refuses_to_start(tmp_path: Path) -> None:
    async with FakeTelegram() as tg:
        proc = await start_serve(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 's.sqlite3'}",
                "HOST": "127.0.0.1",
                "PORT": str(free_port()),
                "ADMIN_TOKEN": "too-short",
            }
        )
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode != 0
    assert "ADMIN_TOKEN must be at least 32 characters" in err.decode()


def browse(base: str, out: Path) -> dict[str, object]:
    """Log in with Chromium, check the overview and the review queue, take screenshots."""
    binary = chromium_path()
    assert binary is not None
    browser = Browser(binary)
    try:
        browser.navigate(f"{base}/admin/overview")  # not logged in: the login page
        assert browser.evaluate("location.pathname") == "/admin/login"
        assert browser.evaluate("!!document.querySelector('input[name=token]')")
        browser.submit(
            "document.querySelector('#name').value = 'Chromium';"
            f"document.querySelector('#token').value = {TOKEN!r};"
            "document.querySelector('form[action=\"/admin/login\"]').submit()"
        )
        assert browser.evaluate("location.pathname") == "/admin/overview"
        charts = browser.evaluate(
            "Array.from(document.querySelectorAll('svg.chart')).map(s => [s.dataset.chart,"
            " Math.round(s.getBoundingClientRect().width), s.querySelectorAll('rect').length,"
            " Math.round(s.getBoundingClientRect().height)])"
        )
        browser.screenshot(out / "admin-overview.png")
        browser.screenshot(out / "admin-overview-phone.png", width=390, mobile=True)
        phone_overflow = None
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True},
            session=True,
        )
        phone_overflow = browser.evaluate("document.documentElement.scrollWidth")
        browser.call("Emulation.clearDeviceMetricsOverride", session=True)
        browser.navigate(f"{base}/admin/review")
        groups = browser.evaluate("document.querySelectorAll('.review-group').length")
        browser.screenshot(out / "admin-review.png")
        return {
            "charts": charts,
            "errors": browser.errors(),
            "groups": groups,
            "phone_width": phone_overflow,
        }
    finally:
        browser.close()


async def test_headless_chromium_logs_in_and_sees_the_charts(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    if chromium_path() is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed, and CI must run the browser test")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    base, _env, db, _proc = server
    result = await asyncio.to_thread(browse, base, tmp_path)
    assert result["errors"] == []
    charts = result["charts"]
    assert [c[0] for c in charts] == ["new_users", "lessons", "channels", "funnel", "quiz"]  # type: ignore[union-attr]
    for name, width, rects, height in charts:  # type: ignore[union-attr]
        assert width > 200 and height > 20 and rects > 1, name
    assert result["groups"] >= 5  # type: ignore[operator]
    assert result["phone_width"] <= 392  # type: ignore[operator]  # no sideways scrolling
    for name in ("admin-overview.png", "admin-review.png"):
        data = (tmp_path / name).read_bytes()
        assert data.startswith(b"\x89PNG") and len(data) > 20_000
    target = os.environ.get("ADMIN_SCREENSHOT_DIR")
    if target:
        for name in ("admin-overview.png", "admin-review.png", "admin-overview-phone.png"):
            (Path(target) / name).write_bytes((tmp_path / name).read_bytes())
    store = await Store.open(db)
    assert (await store.audit_entries())[0].actor == "Chromium"
    await store.close()
