"""Replies and inputs as plain data: what the core receives and returns."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Button", "Command", "Input", "Press", "Reply", "Text", "UserRef"]


@dataclass(frozen=True, slots=True)
class Button:
    """A choice offered under a reply; ``data`` is a packed action (``faq.actions.pack``)."""

    label: str
    data: str


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to show. ``title`` is shown emphasised above ``text``.

    ``replace`` asks the channel to edit the message whose button was pressed instead of
    sending a new one (browsing the menu); ``notice`` is a short pop-up for the press (channels
    without pop-ups show it as a message); ``private_link`` asks the channel to add a link to
    the private chat with the bot (a group was asked something personal).
    """

    text: str
    title: str | None = None
    buttons: tuple[tuple[Button, ...], ...] = ()
    replace: bool = False
    topic_id: str | None = None
    notice: str | None = None
    private_link: bool = False


@dataclass(frozen=True, slots=True)
class UserRef:
    """Who is talking: the channel, the channel's id for the user and what it knows of them.

    ``private`` is False when the message came from a group chat: personal commands then
    answer only with a pointer to the private chat.
    """

    channel: str
    external_id: str
    first_name: str = ""
    language: str | None = None
    private: bool = True


@dataclass(frozen=True, slots=True)
class Text:
    """A typed message; ``forwarded`` when the user forwarded it from elsewhere (an offer)."""

    text: str
    forwarded: bool = False


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
