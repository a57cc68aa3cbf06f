"""The Page's Messenger profile: the Get Started button and the persistent menu, in Bangla."""

from __future__ import annotations

from typing import Any

from faq.actions import Menu, NextLesson, ShowProgress, pack
from handlers.messenger.graph import GraphClient
from handlers.messenger.inbound import COMMAND_PREFIX

__all__ = ["GET_STARTED", "desired_profile", "set_up_profile"]

GET_STARTED = f"{COMMAND_PREFIX}start"
MAX_MENU_TITLE = 30


def desired_profile() -> dict[str, Any]:
    """Return the profile fields the bot needs (Meta's payload shapes)."""
    items = [
        ("🏠 মূল মেনু", pack(Menu())),
        ("📖 পরের পাঠ", pack(NextLesson())),
        ("📊 আমার অগ্রগতি", pack(ShowProgress())),
        ("❓ সাহায্য", f"{COMMAND_PREFIX}help"),
    ]
    assert all(len(title) <= MAX_MENU_TITLE for title, _ in items)
    return {
        "get_started": {"payload": GET_STARTED},
        "persistent_menu": [
            {
                "locale": "default",
                "composer_input_disabled": False,
                "call_to_actions": [
                    {"type": "postback", "title": title, "payload": payload}
                    for title, payload in items
                ],
            }
        ],
    }


async def set_up_profile(graph: GraphClient) -> bool:
    """Set the Get Started button and the menu unless already so; True if it changed them.

    Idempotent: the current profile is read first and written only when it differs.
    """
    wanted = desired_profile()
    current = await graph.get_profile(list(wanted))
    data = current.get("data")
    have = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
    if all(have.get(key) == value for key, value in wanted.items()):
        return False
    await graph.set_profile(wanted)
    return True
