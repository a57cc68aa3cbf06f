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
FIELDS = {"topic_id", "score", "alternatives", "answer_topic_id", "answer_alternatives"}


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
    assert set(data) == FIELDS
    assert data["topic_id"] == data["answer_topic_id"] == "payment_withdrawal"
    assert 0 < data["score"] <= 1
    assert len(data["alternatives"]) <= 3
    assert "payment_withdrawal" not in data["alternatives"]
    assert len(data["answer_alternatives"]) <= 3


def test_ask_names_the_required_topic_and_the_one_shown() -> None:
    """A question one of our own topics answers counts as the required id covering it."""
    from faq.content import REQUIRED_IDS, load_content

    content = load_content()
    question = "ল্যাপটপ নেই, শুধু স্মার্টফোন দিয়ে কি ফ্রিল্যান্সিং শেখা ও করা যাবে?"
    data = json.loads(run("ask", question).stdout)
    assert data["answer_topic_id"] == "phone_only"
    assert data["topic_id"] == "requirements"
    required = data["alternatives"]
    assert len(required) == len(set(required)) <= 3
    assert "requirements" not in required
    assert set(required) <= REQUIRED_IDS
    mapped = content.required_ids(data["answer_alternatives"], leave_out="requirements")
    assert required[: len(mapped)] == mapped  # in the order shown, filled from the ranking


def test_ask_out_of_scope_is_null() -> None:
    data = json.loads(run("ask", "kacchi biriyani recipe").stdout)
    assert data["topic_id"] is None and data["answer_topic_id"] is None


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
    assert all(set(p) == FIELDS for p in parsed)
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


# --- scam check ------------------------------------------------------------------------

# the shared sample sits next to the main checkout (../shared) or a work tree (../../shared)
SAMPLE = next(
    (
        base / "shared" / "eval" / "offers_sample.tsv"
        for base in (ROOT.parent, ROOT.parent.parent)
        if (base / "shared" / "eval" / "offers_sample.tsv").exists()
    ),
    ROOT / "missing_offers_sample.tsv",
)
DEV_OFFERS = ROOT / "bench" / "data" / "offers_dev.tsv"


def test_check_prints_one_json_object() -> None:
    result = run("check", "VIP task er jonno 2000 taka deposit korun, ajkei")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {"verdict", "flags"}
    assert data["verdict"] == "high"
    assert {"vip_upgrade", "upfront_fee"} <= {f["id"] for f in data["flags"]}
    for flag in data["flags"]:
        assert set(flag) == {"id", "evidence"}
        assert flag["evidence"] in "VIP task er jonno 2000 taka deposit korun, ajkei"


def test_check_without_text_explains_usage() -> None:
    result = run("check")
    assert result.returncode == 2
    assert b"usage" in result.stderr


def test_check_jsonl_over_the_dev_set_gives_one_line_each() -> None:
    raw = DEV_OFFERS.read_bytes()
    result = run("check", "--jsonl", stdin=raw)
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().splitlines()
    assert len(out) == len(raw.decode().splitlines()) >= 80
    for line in out:
        assert json.loads(line)["verdict"] in {"high", "medium", "none_found"}


def test_check_jsonl_over_the_shared_sample_gives_50_lines() -> None:
    if not SAMPLE.exists():
        pytest.skip("the shared sample is not next to this checkout")
    result = run("check", "--jsonl", stdin=SAMPLE.read_bytes())
    assert result.returncode == 0, result.stderr
    out = result.stdout.decode().splitlines()
    assert len(out) == 50
    for line in out:
        assert json.loads(line)["verdict"] in {"high", "medium", "none_found"}


def test_check_jsonl_survives_garbage_and_reads_literal_newlines() -> None:
    lines = [
        b"Online job. Join fee\\n500 taka\tscam",
        b"",
        b"   \t  ",
        "ক".encode() * 100_000,
        "😀😀".encode(),
        b"\x00\x01\x1b[31m control job registration fee 300 taka",
        b"\xff\xfe\xc3\x80 \xed\xa0\x80 job registration fee 300 taka",
        b"<b>job registration fee</b> **300 taka**",
        b"Office assistant needed, salary 15000 tk",
    ]
    result = run("check", "--jsonl", stdin=b"\n".join(lines))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == len(lines)
    assert out[0]["flags"][0]["evidence"] == "Join fee\n500 taka"
    assert [o["verdict"] for o in out[1:5]] == ["none_found"] * 4
    assert [o["verdict"] for o in out[5:8]] == ["high"] * 3
    assert out[8]["verdict"] == "none_found"
