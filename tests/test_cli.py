"""The command-line contract: ask, ask --jsonl, validate, and bad input on standard input."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str,
    stdin: bytes | None = None,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[bytes]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "main.py", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        timeout=60,
        env=full_env,
        check=False,
    )


def test_ask_prints_one_json_object() -> None:
    result = run("ask", "payoneer theke taka kivabe tulbo")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"topic_id", "score", "alternatives"}
    assert data["topic_id"] == "payment_withdrawal"
    assert 0 < data["score"] <= 1
    assert len(data["alternatives"]) <= 3
    assert "payment_withdrawal" not in data["alternatives"]


def test_ask_out_of_scope_is_null() -> None:
    data = json.loads(run("ask", "kacchi biriyani recipe").stdout)
    assert data["topic_id"] is None


def test_jsonl_keeps_one_line_per_input_line_even_for_garbage() -> None:
    lines = [
        "আউটসোর্সিং কী?".encode(),
        b"",
        b"   \t  ",
        "ক".encode() * 100_000,
        "😀😀".encode(),
        b"\x00\x01\x1b[31m control",
        b"\xff\xfe\xc3\x80 \xed\xa0\x80",
        b"<b>upwork</b> **profile** [link](http://x)",
        b"fiverr withdrawal charge",
    ]
    result = run("ask", "--jsonl", stdin=b"\n".join(lines) + b"\n")
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().splitlines()
    assert len(out) == len(lines)
    parsed = [json.loads(line) for line in out]
    assert all(set(p) == {"topic_id", "score", "alternatives"} for p in parsed)
    assert parsed[0]["topic_id"] == "what_is_outsourcing"
    assert [p["topic_id"] for p in parsed[1:7]] == [None] * 6
    assert parsed[-1]["topic_id"] == "payment_withdrawal"


def test_jsonl_without_final_newline_and_crlf() -> None:
    result = run("ask", "--jsonl", stdin=b"scam hole ki korbo\r\nupwork profile")
    assert len(result.stdout.decode().splitlines()) == 2


def test_validate_exits_zero_on_shipped_content() -> None:
    result = run("validate")
    assert result.returncode == 0, result.stdout + result.stderr
    topics = re.search(rb"ok: (\d+) branches, (\d+) topics", result.stdout)
    assert topics and int(topics.group(1)) >= 4 and int(topics.group(2)) >= 23
    assert b"stale-fact report: " in result.stdout  # printed even when nothing is stale


def test_chat_from_a_pipe_starts_console_and_ends_on_eof(tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/chat.sqlite3"}
    result = run("chat", stdin="1\n১\nbk\n0\nfreelancing ki\n".encode(), env=env)
    assert result.returncode == 0, result.stderr
    assert "মূল মেনু" in result.stdout.decode()
    assert "Traceback" not in result.stderr.decode()


@pytest.mark.parametrize("command", [[], ["run"]])
def test_no_token_and_no_terminal_means_no_channel(tmp_path: Path, command: list[str]) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/chat.sqlite3"}
    result = run(*command, stdin=b"1\n", env=env)
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "no channel is configured" in lines[0], lines
    assert "TELEGRAM_BOT_TOKEN" in lines[0]
    assert b"\xe0\xa6" not in result.stdout  # no console menu was shown


@pytest.mark.parametrize("command", [["ask", "upwork"], ["validate"], ["chat"], ["migrate"]])
def test_unknown_log_level_is_one_line_and_non_zero(tmp_path: Path, command: list[str]) -> None:
    env = {"LOG_LEVEL": "LOUD", "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3"}
    result = run(*command, stdin=b"", env=env)
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "LOG_LEVEL" in lines[0] and "LOUD" in lines[0], lines


def test_log_level_is_validated_by_settings() -> None:
    from bot.config import ConfigError, Settings

    assert Settings.from_env({"LOG_LEVEL": "debug"}).log_level == 10
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        Settings.from_env({"LOG_LEVEL": "LOUD"})


@pytest.mark.parametrize(
    "base", ["http://127.0.0.1:99999/bot", "http://127.0.0.1:abc/bot", "http://127.0.0.1:1"]
)
def test_bad_base_url_is_a_configuration_error(tmp_path: Path, base: str) -> None:
    env = {
        "TELEGRAM_BOT_TOKEN": "123456789:SECRETSECRETSECRET",
        "TELEGRAM_BASE_URL": base,
        "DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=20,
        check=False,
    )
    assert result.returncode != 0
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "TELEGRAM_BASE_URL" in lines[0], lines
    assert b"SECRET" not in result.stdout + result.stderr


@pytest.mark.parametrize("bad", ["sqlite://nope", "mysql://x/y", "sqlite:///"])
def test_bad_database_url_is_a_clear_error(bad: str) -> None:
    result = run("chat", stdin=b"", env={"DATABASE_URL": bad})
    assert result.returncode != 0
    assert b"DATABASE_URL" in result.stderr
    assert b"Traceback" not in result.stderr


def test_answers_do_not_depend_on_the_hash_seed() -> None:
    questions = "\n".join(
        [
            "autsorsing ki",
            "পেওনিয়ার থেকে টাকা তুলবো কিভাবে",
            "frilancing shuru korbo kivabe",
            "client scam korse ki korbo",
            "gaming laptop kinbo",
            "prfile sajabo kivabe",
        ]
    ).encode()
    outputs = {
        run("ask", "--jsonl", stdin=questions, env={"PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
