"""Shared fixtures: the shipped content and matcher are built once per test session."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("PTB_TIMEDELTA", "1")  # as main.py does
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
