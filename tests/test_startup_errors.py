"""Start-up failures of ``main.py`` as a real process: one clear line, never the token.

The Bot API is the fake in ``tests/fakes`` (which answers 401 to a wrong token and 404 to a
wrong path) or a closed port on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.fakes.telegram_api import FakeTelegram

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:SECRETSECRETSECRET"
SECRET = TOKEN.split(":")[1]


@dataclass
class Finished:
    returncode: int
    out: str
    err: str
    seconds: float

    @property
    def both(self) -> str:
        return self.out + self.err

    def assert_no_token(self) -> None:
        assert SECRET not in self.both, self.both
        assert "SECRETSECRET" not in self.both


async def run_main(
    *args: str,
    env: dict[str, str],
    timeout: float = 30.0,
    term_after: float | None = None,
    term_on: asyncio.Event | None = None,
) -> Finished:
    """Run main.py; send SIGTERM after ``term_after`` seconds or once ``term_on`` is set."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TELEGRAM_")}
    full_env.pop("LOG_LEVEL", None)
    full_env.update(env)
    started = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        *args,
        cwd=ROOT,
        env=full_env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    communicate = asyncio.ensure_future(proc.communicate())
    if term_after is not None:
        done, _ = await asyncio.wait({communicate}, timeout=term_after)
        assert not done, "main.py ended before SIGTERM: " + repr(communicate.result())
        proc.send_signal(signal.SIGTERM)
    if term_on is not None:
        stopping = asyncio.ensure_future(term_on.wait())
        done, _ = await asyncio.wait(
            {communicate, stopping}, timeout=timeout, return_when="FIRST_COMPLETED"
        )
        assert communicate not in done, "main.py ended before SIGTERM: " + repr(
            communicate.result()
        )
        proc.send_signal(signal.SIGTERM)
    try:
        out, err = await asyncio.wait_for(communicate, timeout)
    except TimeoutError:
        proc.kill()
        out, err = await proc.communicate()
        raise AssertionError(f"main.py did not exit within {timeout}s: {out!r} {err!r}") from None
    return Finished(
        proc.returncode or 0,
        out.decode(errors="replace"),
        err.decode(errors="replace"),
        time.monotonic() - started,
    )


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bot_env(base_url: str, db: Path, **extra: str) -> dict[str, str]:
    return {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": base_url,
        "DATABASE_URL": f"sqlite:///{db}",
        **extra,
    }


async def test_unreachable_api_at_start_is_retried_with_one_line_per_attempt(
    tmp_path: Path,
) -> None:
    base = f"http://127.0.0.1:{closed_port()}/bot"
    done = await run_main(env=bot_env(base, tmp_path / "b.sqlite3"), term_after=3.5, timeout=10)
    done.assert_no_token()
    attempts = [line for line in done.err.splitlines() if "not reachable" in line]
    assert len(attempts) >= 2, done.err  # backoff 1 s, 2 s: attempts at 0, 1 and 3 s
    assert "Traceback" not in done.both
    assert done.returncode == 0, done.err  # SIGTERM during the wait is a normal stop


async def test_issue_reproduction_base_url_without_path(tmp_path: Path) -> None:
    done = await run_main(env=bot_env("http://127.0.0.1:1", tmp_path / "b.sqlite3"))
    done.assert_no_token()
    assert done.returncode != 0
    assert "TELEGRAM_BASE_URL" in done.err
    assert "Traceback" not in done.both


@pytest.mark.parametrize("command", [[], ["run"], ["push", "--now"]])
async def test_wrong_token_401_is_fatal_with_one_line(tmp_path: Path, command: list[str]) -> None:
    async with FakeTelegram(token="987654321:THEREALTOKENOFTHEBOT") as tg:
        env = bot_env(tg.base_url, tmp_path / "b.sqlite3", LOG_LEVEL="DEBUG")
        done = await run_main(*command, env=env)
    done.assert_no_token()
    assert done.returncode != 0
    assert "Traceback" not in done.both
    errors = [line for line in done.err.splitlines() if line.startswith("error: ")]
    assert len(errors) == 1, done.err
    assert "TELEGRAM_BOT_TOKEN" in errors[0] and "Unauthorized" in errors[0]
    assert done.seconds < 20


@pytest.mark.parametrize("command", [["run"], ["push"]])
async def test_base_url_ending_in_slash_404_is_fatal_with_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    async with FakeTelegram(token=TOKEN) as tg:
        env = bot_env(tg.base_url + "/", tmp_path / "b.sqlite3")
        done = await run_main(*command, env=env)
        assert any(call.status == 404 for call in tg.calls)  # the fake really answered 404
    done.assert_no_token()
    assert done.returncode != 0
    assert "Traceback" not in done.both
    lines = done.err.strip().splitlines()
    assert len(lines) == 1, done.err
    assert "404" in lines[0] and "TELEGRAM_BASE_URL" in lines[0]


async def test_push_gives_up_on_an_unreachable_api_with_one_line(tmp_path: Path) -> None:
    base = f"http://127.0.0.1:{closed_port()}/bot"
    done = await run_main("push", env=bot_env(base, tmp_path / "b.sqlite3"), timeout=30)
    done.assert_no_token()
    assert done.returncode != 0
    assert "Traceback" not in done.both
    assert done.err.strip().splitlines()[-1].startswith("error: the Bot API at ")


async def test_bot_starts_and_polls_with_the_right_token(tmp_path: Path) -> None:
    """The start-up wait must not get in the way of a good configuration."""
    async with FakeTelegram(token=TOKEN) as tg:
        env = bot_env(tg.base_url, tmp_path / "b.sqlite3", LOG_LEVEL="DEBUG")
        stop = asyncio.Event()
        task = asyncio.ensure_future(run_main(env=env, term_on=stop, timeout=20))
        await tg.wait_for(lambda t: any(c.method == "deleteWebhook" for c in t.calls), timeout=10)
        tg.message(42, "/start")
        await tg.wait_for(lambda t: len(t.sent(42)) >= 1, timeout=10)
        stop.set()
        done = await task
    done.assert_no_token()
    assert done.returncode == 0, done.err
    assert "is ready" in done.err


# -- the database cannot be opened -------------------------------------------------------------


def bad_database(kind: str, tmp_path: Path) -> str:
    """A DATABASE_URL path that SQLite cannot use, of the given kind."""
    if kind == "not a db":
        (tmp_path / "x.db").write_bytes(b"not a db\n")
        (tmp_path / "x.db").chmod(0o600)  # private already: no "tightened" line
        return str(tmp_path / "x.db")
    if kind == "/dev/null":
        return "/dev/null"
    if kind == "folder":
        return str(tmp_path)
    if kind == "under a file":
        (tmp_path / "plain").write_text("x")
        return str(tmp_path / "plain" / "bot.sqlite3")
    raise ValueError(kind)


@pytest.mark.parametrize("command", [["run"], ["chat"], ["push"], ["migrate"], ["unanswered"]])
async def test_unusable_database_is_one_line_and_exit_for_every_command(
    tmp_path: Path, command: list[str]
) -> None:
    path = bad_database("not a db", tmp_path)
    # run and push would wait for this closed port if they got past the database
    env = bot_env(f"http://127.0.0.1:{closed_port()}/bot", Path(path))
    done = await run_main(*command, env=env, timeout=20)
    assert done.returncode != 0
    assert "Traceback" not in done.both
    assert done.err.strip().splitlines() == [
        f"error: cannot open the database at {path}: file is not a database"
    ]


@pytest.mark.parametrize("kind", ["/dev/null", "folder", "under a file"])
async def test_every_kind_of_unusable_database_path_ends_migrate(
    tmp_path: Path, kind: str
) -> None:
    path = bad_database(kind, tmp_path)
    done = await run_main("migrate", env={"DATABASE_URL": f"sqlite:///{path}"}, timeout=20)
    assert done.returncode != 0
    assert "Traceback" not in done.both
    lines = done.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot open the database at {path}: ")


async def test_failed_open_leaves_no_connection_thread(tmp_path: Path) -> None:
    import threading

    from db.store import DatabaseOpenError, Store

    before = set(threading.enumerate())
    with pytest.raises(DatabaseOpenError, match="file is not a database"):
        await Store.open(bad_database("not a db", tmp_path))
    await asyncio.sleep(0.1)
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []


def test_whatever_fails_after_main_is_imported_prints_no_token() -> None:
    """An uncaught exception, a warning and a print that carry the token: all redacted."""
    import subprocess

    code = (
        "import os, warnings, main\n"
        "token = os.environ['TELEGRAM_BOT_TOKEN']\n"
        "print('printed', token, token.replace(':', '%3A'))\n"
        "warnings.warn('warned ' + token)\n"
        "raise RuntimeError('raised http://x/bot' + token + '/getMe')\n"
    )
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, timeout=30
    )
    output = (result.stdout + result.stderr).decode()
    assert result.returncode != 0
    assert "printed" in output and "warned" in output and "raised" in output, output
    assert SECRET not in output, output
    assert output.count("<token>") >= 4, output


@pytest.fixture
def make_read_only():  # type: ignore[no-untyped-def]
    """Make a path read-only even for root (chattr +i), undone after the test."""
    import shutil
    import subprocess

    done: list[Path] = []

    def read_only(path: Path) -> None:
        if os.geteuid() != 0:
            path.chmod(0o500 if path.is_dir() else 0o400)
            return
        if shutil.which("chattr") is None:
            pytest.skip("root without chattr cannot make a file read-only")
        result = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
        if result.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {result.stderr!r}")
        done.append(path)

    yield read_only
    for path in done:
        subprocess.run(["chattr", "-i", str(path)], check=False)


@pytest.mark.parametrize("what", ["file", "folder"])
async def test_read_only_database_or_folder_is_one_line_and_exit(
    tmp_path: Path, make_read_only, what: str
) -> None:
    import sqlite3

    folder = tmp_path / "data"
    folder.mkdir(mode=0o700)
    db = folder / "bot.sqlite3"
    if what == "file":
        with sqlite3.connect(db) as conn:  # a database from an older version, not migrated
            conn.execute("CREATE TABLE old (x)")
        conn.close()
        db.chmod(0o600)
    make_read_only(db if what == "file" else folder)
    done = await run_main("migrate", env={"DATABASE_URL": f"sqlite:///{db}"}, timeout=20)
    assert done.returncode != 0
    assert "Traceback" not in done.both
    lines = done.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: cannot open the database at {db}: ")
