"""Replies and inputs as plain data: what the core receives and returns."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Button", "Command", "Input", "Press", "Reply", "Text", "UserRef"]


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered under a reply; ``data`` is a packed action."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show. ``title`` is shown emphasised above ``text``.

    ``replace`` asks the channel to edit the message whose button was pressed instead of
    sending a new one (browsing the menu); ``notice`` is a short pop-up for the press.
    """

    text: str
    title: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    topic_id: str | None = None
    notice: str | None = None


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who is talking: the channel's user id and what the channel knows of them."""

    id: int
    first_name: str = ""
    language: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A typed message."""

    text: str


@dataclass(frozen=True, slots=True)
class Press:
    """A button press carrying the button's data."""

    data: str


@dataclass(frozen=True, slots=True)
class Command:
    """A command such as ``/start`` with its optional argument."""

    name: str
    arg: str = ""


Input = Text | Press | Command
