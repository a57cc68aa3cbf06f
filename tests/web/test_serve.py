"""``python main.py serve``: the real ASGI app under uvicorn, health and metrics over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import httpx

from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def start_serve(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "serve",
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def wait_http(url: str, timeout: float = 20.0) -> httpx.Response:
    deadline = asyncio.get_running_loop().time() + timeout
    async with httpx.AsyncClient() as client:
        while True:
            try:
                return await client.get(url)
            except httpx.TransportError:
                assert asyncio.get_running_loop().time() < deadline, f"{url} never answered"
                await asyncio.sleep(0.1)


async def test_serve_answers_health_and_metrics_and_polls_telegram(tmp_path: Path) -> None:
    port = free_port()
    async with FakeTelegram() as tg:
        proc = await start_serve(
            {
                "TELEGRAM_BOT_TOKEN": tg.token,
                "TELEGRAM_BASE_URL": tg.base_url,
                "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
                "HOST": "127.0.0.1",
                "PORT": str(port),
            }
        )
        try:
            health = await wait_http(f"http://127.0.0.1:{port}/healthz")
            assert health.status_code == 200
            assert health.json()["channels"] == ["telegram"]
            tg.message(4242, "/start")
            await tg.wait_for(lambda t: len(t.sent(4242)) >= 2, timeout=10)
            async with httpx.AsyncClient() as client:
                metrics = await client.get(f"http://127.0.0.1:{port}/metrics")
            assert metrics.status_code == 200
            assert "bot_outbound_messages_total" in metrics.text
            assert "4242" not in metrics.text  # no user or chat id in any label
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), 15)
        assert proc.returncode == 0, err.decode()
        assert tg.rejected == []


async def test_serve_without_any_channel_refuses_to_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "MESSENGER_"))}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        "serve",
        cwd=ROOT,
        env={
            **env,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
            "PORT": str(free_port()),
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode != 0
    assert b"no channel is configured" in err
