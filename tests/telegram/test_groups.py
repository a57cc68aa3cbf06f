"""Issue 7 #3: personal commands and buttons stay private in group chats."""

from __future__ import annotations

from faq import texts
from faq.actions import DeleteConfirm, pack
from tests.telegram.conftest import Harness

ALICE, BOB = 6101, 6102
GROUP = -100777


def _private_button(harness: Harness, chat_id: int) -> bool:
    """Tell whether the bot's latest message in the chat carries the private-chat link."""
    last = harness.tg.sent(chat_id)[-1]
    rows = (last.get("reply_markup") or {}).get("inline_keyboard", [])
    return any(b.get("url") == "https://t.me/test_bot" for row in rows for b in row)


# -- #3 group chats ------------------------------------------------------------------------


async def test_personal_commands_in_a_group_only_point_to_the_private_chat(
    harness: Harness,
) -> None:
    await harness.say(ALICE, "/start", replies=2)
    await harness.say(ALICE, "/subscribe")
    for command in ("/progress", "/lesson", "/delete_me", "/subscribe", "/time 20", "/Progress"):
        reply = (await harness.say(ALICE, command, chat_type="supergroup", chat_id=GROUP))[-1]
        assert reply == texts.GROUP_PERSONAL, (command, reply)
        assert _private_button(harness, GROUP), command
    shown = " ".join(s["text"] for s in harness.tg.sent(GROUP))
    assert "পাঠ শেষ" not in shown and "কুইজ" not in shown  # no progress leaked to the group
    assert not any(d.startswith("dy:") for d in harness.buttons(GROUP))  # no delete button
    sub = await harness.store.get_subscription(await harness.uid(ALICE))
    assert sub is not None and sub.hour == 9  # /time in the group changed nothing


async def test_start_and_help_in_any_case_give_the_group_hint_without_the_name(
    harness: Harness,
) -> None:
    for command in ("/START", "/Help", "/sTaRt@test_bot", "/HELP@Test_Bot"):
        reply = (
            await harness.say(ALICE, command, chat_type="group", chat_id=GROUP, first_name="Alice")
        )[-1]
        assert reply == texts.GROUP_HINT, (command, reply)
        assert "Alice" not in reply
        assert _private_button(harness, GROUP)
    # in private, any capitalisation is the same command
    assert "/subscribe" in (await harness.say(ALICE, "/HELP"))[-1]


async def test_a_delete_confirmation_acts_only_for_the_user_who_asked(harness: Harness) -> None:
    await harness.say(ALICE, "payoneer fee koto")
    await harness.say(BOB, "upwork ki")
    await harness.say(ALICE, "/delete_me")
    asked = await harness.store.count_rows("questions")
    confirm = next(d for d in harness.buttons(ALICE) if d.startswith("dy:"))
    assert confirm == pack(DeleteConfirm(await harness.uid(ALICE)))
    # Bob forges Alice's confirmation, in a group and in his private chat
    for chat_id, chat_type in ((GROUP, "supergroup"), (BOB, "private")):
        harness.tg.message(BOB, "@test_bot hi", chat_type=chat_type, chat_id=chat_id)
        await harness.tg.wait_for(lambda tg, c=chat_id: len(tg.sent(c)) >= 1)
        before = harness.last_popup()
        shown = max(m for c, m in harness.tg.messages if c == chat_id)
        harness.tg.callback(BOB, confirm, shown, chat_id=chat_id)
        await harness.tg.wait_for(lambda _, b=before: harness.last_popup() not in (None, b))
        assert harness.last_popup() in (texts.GROUP_PERSONAL, texts.NOT_YOUR_BUTTON)
    assert await harness.store.count_users() == 2  # nobody was deleted
    assert await harness.store.count_rows("questions") == asked + 1  # Bob's "hi" only
    await harness.press(ALICE, confirm)
    assert await harness.store.count_users() == 1
    assert await harness.store.user_id_for("telegram", str(BOB)) is not None
