"""The core and the storage never depend on a channel library."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_and_storage_do_not_import_telegram() -> None:
    code = (
        "import sys, faq.engine, faq.course, faq.answer, faq.content, faq.channel, db.store, "
        "bot.console, bot.delivery; "
        "print(sorted(m for m in sys.modules if m == 'telegram' or m.startswith('telegram.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


def test_sql_lives_only_in_db() -> None:
    keywords = ("SELECT ", "INSERT INTO", "UPDATE ", "DELETE FROM", "CREATE TABLE")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("bot", "handlers", "faq")
        for path in (ROOT / folder).rglob("*.py")
        if any(k in path.read_text("utf-8") for k in keywords)
    ]
    assert offenders == []
