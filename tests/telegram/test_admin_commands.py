"""/stats and /reload for the ids in ADMIN_TELEGRAM_IDS, through the fake Bot API."""

from __future__ import annotations

import shutil
from pathlib import Path

from bot.admin.app import AdminApp
from bot.admin.mount import attach_telegram_admin
from bot.admin.settings import AdminSettings
from faq.content import CONTENT_DIR
from tests.telegram.conftest import Harness

ADMIN = 424242
OTHER = 515151


async def test_admin_commands_answer_only_admins(harness: Harness, tmp_path: Path) -> None:
    content_dir = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content_dir)
    settings = AdminSettings("a" * 40, telegram_ids=frozenset({ADMIN}))
    admin = AdminApp(harness.services, settings, {}, content_dir=content_dir)
    assert attach_telegram_admin(admin, [harness.runtime.channel])
    await harness.say(OTHER, "upwork ki")
    stats = (await harness.say(ADMIN, "/stats"))[-1]
    # one user so far: the admin's /stats does not pass through the core
    assert "পরিসংখ্যান" in stats and "ব্যবহারকারী: ১ (Telegram ১)" in stats
    other = (await harness.say(OTHER, "/stats"))[-1]
    assert "পরিসংখ্যান" not in other  # an ordinary user gets the unknown-command answer
    ok = (await harness.say(ADMIN, "/reload"))[-1]
    assert ok.startswith("✅")
    start = content_dir / "topics" / "start.toml"
    broken = start.read_text("utf-8").replace('id = "first_job"', 'id = "Bad Id"')
    start.write_text(broken, "utf-8")
    failed = (await harness.say(ADMIN, "/reload"))[-1]
    assert failed.startswith("❌") and "start.toml:" in failed
    assert harness.services.content.topics.get("first_job") is not None  # old content kept
    audit = await harness.store.audit_entries()
    assert [(e.actor, e.action) for e in audit[:2]] == [
        (f"telegram:{ADMIN}", "reload_failed"),
        (f"telegram:{ADMIN}", "reload"),
    ]
