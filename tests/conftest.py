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
    from tests.postgres_server import find_bin_dir, postgres_cluster

    if find_bin_dir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed, and CI must run the PostgreSQL tests")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    with postgres_cluster() as (url, _bin_dir):
        yield url


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the session's cluster; return its URL."""
    from tests.postgres_server import create_database

    return create_database(postgres_server, f"t_{uuid.uuid4().hex[:12]}")
