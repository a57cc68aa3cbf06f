"""The compact codec for button actions, shared by every channel.

Telegram allows 64 bytes of ``callback_data`` and Messenger a short postback payload, so a
button carries only a letter and ids, never a title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_BYTES", "Action", "pack", "parse"]

MAX_BYTES = 64

# kind → how many arguments it takes
_ARITY = {
    "m": 0,  # main menu
    "b": 1,  # open a branch
    "t": 1,  # open a topic
    "f": 2,  # feedback: "1"/"0", topic id
    "s": 0,  # subscribe to the daily lesson
    "u": 0,  # unsubscribe
    "tm": 0,  # choose the delivery time
    "h": 1,  # set the delivery hour
    "l": 0,  # next lesson now
    "p": 0,  # progress
    "q": 2,  # quiz answer: day, option index
    "dy": 0,  # delete my data: confirmed
    "dn": 0,  # delete my data: cancelled
}
_ARG = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass(frozen=True, slots=True)
class Action:
    """A decoded button press."""

    kind: str
    args: tuple[str, ...] = ()


def pack(kind: str, *args: object) -> str:
    """Encode an action; raise ValueError if it is unknown or too long."""
    parts = [str(a) for a in args]
    if _ARITY.get(kind) != len(parts) or not all(_ARG.match(p) for p in parts):
        raise ValueError(f"bad action {kind!r} {parts!r}")
    data = ":".join([kind, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"action longer than {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: object) -> Action | None:
    """Decode button data from a user; return None for anything malformed or forged."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    kind, *args = data.split(":")
    if _ARITY.get(kind) != len(args) or not all(_ARG.match(a) for a in args):
        return None
    return Action(kind, tuple(args))
