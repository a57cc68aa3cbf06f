"""Typed button actions and their compact codec, shared by every channel.

Telegram allows 64 bytes of ``callback_data`` and Messenger a short payload, so a button carries
only a short prefix and ids, never a title. Each action is a frozen dataclass; ``pack`` turns it
into text and ``parse`` turns untrusted text back into an action (or None for anything forged,
stale or malformed). The conversation core dispatches on the action's type in one table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import ClassVar

__all__ = [
    "MAX_BYTES",
    "Action",
    "CheckOffer",
    "ChooseTime",
    "DeleteCancel",
    "DeleteConfirm",
    "Feedback",
    "Menu",
    "NextLesson",
    "OpenBranch",
    "OpenTopic",
    "QuizAnswer",
    "SetHour",
    "ShowProgress",
    "Subscribe",
    "Unsubscribe",
    "pack",
    "parse",
]

MAX_BYTES = 64
_ARG = re.compile(r"^[a-z0-9_]{1,32}$")


@dataclass(frozen=True, slots=True)
class Action:
    """Base of every button action; ``prefix`` is what the packed form starts with."""

    prefix: ClassVar[str] = ""


@dataclass(frozen=True, slots=True)
class Menu(Action):
    """Open the main menu."""

    prefix: ClassVar[str] = "m"


@dataclass(frozen=True, slots=True)
class OpenBranch(Action):
    """Open a branch of the topic tree."""

    prefix: ClassVar[str] = "b"
    branch_id: str


@dataclass(frozen=True, slots=True)
class OpenTopic(Action):
    """Open a topic's answer."""

    prefix: ClassVar[str] = "t"
    topic_id: str


@dataclass(frozen=True, slots=True)
class Feedback(Action):
    """👍 (1) or 👎 (0) on a topic's answer."""

    prefix: ClassVar[str] = "f"
    positive: bool
    topic_id: str


@dataclass(frozen=True, slots=True)
class Subscribe(Action):
    """Turn daily lessons on."""

    prefix: ClassVar[str] = "s"


@dataclass(frozen=True, slots=True)
class Unsubscribe(Action):
    """Turn daily lessons off."""

    prefix: ClassVar[str] = "u"


@dataclass(frozen=True, slots=True)
class ChooseTime(Action):
    """Show the delivery-hour buttons."""

    prefix: ClassVar[str] = "tm"


@dataclass(frozen=True, slots=True)
class SetHour(Action):
    """Set the delivery hour."""

    prefix: ClassVar[str] = "h"
    hour: int


@dataclass(frozen=True, slots=True)
class NextLesson(Action):
    """Send the next lesson now."""

    prefix: ClassVar[str] = "l"


@dataclass(frozen=True, slots=True)
class ShowProgress(Action):
    """Show the user's progress."""

    prefix: ClassVar[str] = "p"


@dataclass(frozen=True, slots=True)
class QuizAnswer(Action):
    """An answer to a lesson's quiz: the course day and the option's index."""

    prefix: ClassVar[str] = "q"
    day: int
    option: int


@dataclass(frozen=True, slots=True)
class DeleteConfirm(Action):
    """Delete my data: confirmed. ``owner`` is the internal id of the user who asked."""

    prefix: ClassVar[str] = "dy"
    owner: int


@dataclass(frozen=True, slots=True)
class DeleteCancel(Action):
    """Delete my data: cancelled."""

    prefix: ClassVar[str] = "dn"


@dataclass(frozen=True, slots=True)
class CheckOffer(Action):
    """Check an offer for scam red flags (the text offered before, or ask for one)."""

    prefix: ClassVar[str] = "ck"


_KINDS: dict[str, type[Action]] = {
    cls.prefix: cls
    for cls in (
        Menu,
        OpenBranch,
        OpenTopic,
        Feedback,
        Subscribe,
        Unsubscribe,
        ChooseTime,
        SetHour,
        NextLesson,
        ShowProgress,
        QuizAnswer,
        DeleteConfirm,
        DeleteCancel,
        CheckOffer,
    )
}


def _encode(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)


def pack(action: Action) -> str:
    """Encode an action; raise ValueError if an argument is malformed or the result too long."""
    parts = [_encode(getattr(action, f.name)) for f in fields(action)]
    if not all(_ARG.match(p) for p in parts):
        raise ValueError(f"bad action {action!r}")
    data = ":".join([action.prefix, *parts])
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"action longer than {MAX_BYTES} bytes: {data!r}")
    return data


def parse(data: object) -> Action | None:
    """Decode button data from a user; None for anything malformed, forged or unknown."""
    if not isinstance(data, str) or not data or len(data.encode("utf-8", "replace")) > MAX_BYTES:
        return None
    prefix, *args = data.split(":")
    cls = _KINDS.get(prefix)
    if cls is None:
        return None
    params = fields(cls)
    if len(args) != len(params) or not all(_ARG.match(a) for a in args):
        return None
    values: list[object] = []
    for param, raw in zip(params, args, strict=True):
        if param.type in ("int", int):
            if not raw.isdigit() or len(raw) > 9:
                return None
            values.append(int(raw))
        elif param.type in ("bool", bool):
            if raw not in ("0", "1"):
                return None
            values.append(raw == "1")
        else:
            values.append(raw)
    return cls(*values)
