"""``python main.py serve`` and ``messenger-setup`` as their own processes against the fake
Graph API: verification, a signed Bangla message answered in Bangla, a forged one refused."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

import httpx

from handlers.messenger.profile import GET_STARTED, desired_profile
from tests.fakes.graph_api import FakeGraph
from tests.messenger.conftest import SECRET, VERIFY, page_body, sign
from tests.web.test_serve import ROOT, free_port, start_serve, wait_http

PSID = "2400000000000050"


def messenger_env(graph: FakeGraph, db: Path) -> dict[str, str]:
    return {
        "MESSENGER_PAGE_ACCESS_TOKEN": graph.token,
        "MESSENGER_APP_SECRET": SECRET,
        "MESSENGER_VERIFY_TOKEN": VERIFY,
        "MESSENGER_GRAPH_URL": graph.base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        "TELEGRAM_BOT_TOKEN": "",
    }


async def run_main(*args: str, env: dict[str, str]) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env={**os.environ, "LOG_LEVEL": "WARNING", **env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode is not None
    return proc.returncode, out.decode(), err.decode()


async def test_serve_runs_messenger_against_the_fake_graph_api(tmp_path: Path) -> None:
    port = free_port()
    async with FakeGraph() as graph:
        proc = await start_serve(
            {
                **messenger_env(graph, tmp_path / "m.sqlite3"),
                "HOST": "127.0.0.1",
                "PORT": str(port),
            }
        )
        base = f"http://127.0.0.1:{port}"
        try:
            health = await wait_http(f"{base}/healthz")
            assert health.json()["channels"] == ["messenger"]
            async with httpx.AsyncClient() as client:
                challenge = await client.get(
                    f"{base}/messenger",
                    params={
                        "hub.mode": "subscribe",
                        "hub.verify_token": VERIFY,
                        "hub.challenge": "987654321",
                    },
                )
                assert challenge.status_code == 200 and challenge.text == "987654321"
                forged = page_body(PSID, {"message": {"mid": "m_f", "text": "আউটসোর্সিং কী?"}})
                refused = await client.post(
                    f"{base}/messenger",
                    content=forged,
                    headers={"X-Hub-Signature-256": sign(forged, "not-the-secret")},
                )
                assert refused.status_code == 403
                body = page_body(PSID, {"message": {"mid": "m_ok", "text": "আউটসোর্সিং কী?"}})
                graph.user_wrote(PSID)
                accepted = await client.post(
                    f"{base}/messenger", content=body, headers={"X-Hub-Signature-256": sign(body)}
                )
                assert accepted.status_code == 200
                await graph.wait_for(lambda g: len(g.texts(PSID)) >= 1, timeout=10)
                reply = graph.texts(PSID)[0]
                assert sum("\u0980" <= ch <= "\u09ff" for ch in reply) > 50
                metrics = await client.get(f"{base}/metrics")
                assert 'channel="messenger"' in metrics.text and PSID not in metrics.text
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), 15)
        assert proc.returncode == 0, err.decode()
        assert len(graph.messages(PSID)) == 1  # the forged message was never answered
        assert graph.rejected == []


async def test_a_page_token_without_the_app_secret_refuses_to_start(tmp_path: Path) -> None:
    async with FakeGraph() as graph:
        env = {**messenger_env(graph, tmp_path / "m.sqlite3"), "MESSENGER_APP_SECRET": ""}
        code, _out, err = await run_main("serve", env={**env, "PORT": str(free_port())})
    assert code != 0
    assert "MESSENGER_APP_SECRET" in err and "configuration error" in err


async def test_messenger_setup_sets_get_started_and_menu_once(tmp_path: Path) -> None:
    async with FakeGraph() as graph:
        env = messenger_env(graph, tmp_path / "m.sqlite3")
        code, out, err = await run_main("messenger-setup", env=env)
        assert code == 0, err
        assert "set" in out
        assert graph.profile["get_started"] == {"payload": GET_STARTED}
        menu = graph.profile["persistent_menu"][0]["call_to_actions"]
        assert all(any("\u0980" <= ch <= "\u09ff" for ch in item["title"]) for item in menu)
        assert json.dumps(graph.profile, sort_keys=True) == json.dumps(
            desired_profile(), sort_keys=True
        )
        code, out, err = await run_main("messenger-setup", env=env)
        assert code == 0, err
        assert "already up to date" in out
        assert graph.profile_writes == 1
        assert graph.rejected == []


async def test_main_without_a_command_serves_when_messenger_is_configured(tmp_path: Path) -> None:
    port = free_port()
    async with FakeGraph() as graph:
        env = {
            **messenger_env(graph, tmp_path / "m.sqlite3"),
            "HOST": "127.0.0.1",
            "PORT": str(port),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            cwd=ROOT,
            env={**os.environ, "LOG_LEVEL": "WARNING", **env},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            health = await wait_http(f"http://127.0.0.1:{port}/healthz")
            assert health.json() == {"status": "ok", "channels": ["messenger"]}
        finally:
            proc.send_signal(signal.SIGTERM)
            _out, err = await asyncio.wait_for(proc.communicate(), 15)
        assert proc.returncode == 0, err.decode()
