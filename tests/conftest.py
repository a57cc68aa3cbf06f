"""Shared fixtures: the shipped content and matcher are built once per test session."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")  # as main.py does
# bots started as subprocesses copy this environment: Telegram's one message a second per
# chat is tested on its own (tests/telegram/test_rate_limit.py), elsewhere it only slows tests
os.environ.setdefault("TELEGRAM_CHAT_RATE", "100")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from faq.answer import Understanding  # noqa: E402
from faq.content import load_content  # noqa: E402
from faq.match import Matcher  # noqa: E402
from faq.model import Content  # noqa: E402
from tests.postgres_server import Cluster  # noqa: E402


@pytest.fixture(scope="session")
def content() -> Content:
    return load_content()


@pytest.fixture(scope="session")
def matcher(content: Content) -> Matcher:
    return Matcher(content)


@pytest.fixture(scope="session")
def understanding(matcher: Matcher) -> Understanding:
    return Understanding(matcher)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """A PostgreSQL cluster for the whole test session (URL of its ``postgres`` database)."""
    from tests.postgres_server import postgres_cluster

    _require_postgres()
    with postgres_cluster() as (url, _bin_dir):
        yield url


def _require_postgres() -> None:
    """Skip a PostgreSQL test where the server is not installed; in CI, fail it."""
    from tests.postgres_server import find_bin_dir

    if find_bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed, and CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    """A throwaway cluster of its own, which the test may stop and start again."""
    from tests.postgres_server import throwaway_cluster

    _require_postgres()
    with throwaway_cluster() as running:
        yield running


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes this runs on SQLite and on PostgreSQL (a fresh database each)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'bot.sqlite3'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's cluster; return its URL."""
    from tests.postgres_server import create_database

    return create_database(postgres_server, f"t_{uuid.uuid4().hex[:12]}")
