"""The console chat: the conversation core in a terminal, no Telegram needed.

Buttons are shown numbered; typing a number presses one. ``0`` or «মেনু» opens the main menu,
«back»/«পেছনে» goes back one screen, ``/commands`` work as in Telegram. ``check`` followed by
an offer's text (or ``check`` and then the text on the next line) shows the scam check.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from faq.actions import Menu, OpenBranch, OpenTopic, pack, parse
from faq.engine import Conversation
from faq.normalize import fold_bangla_digits
from faq.offer_reply import check_prompt, replies_for_text
from faq.replies import Button, Command, Press, Reply, Text, UserRef
from faq.texts import bn_number

__all__ = ["run_console"]

CONSOLE_USER = UserRef("console", "1", first_name="", language="bn")
_BACK_WORDS = {"back", "b", "পেছনে", "পিছনে", "ফিরে"}
_MENU_WORDS = {"0", "০", "menu", "মেনু"}
_MENU = pack(Menu())
_BROWSING = (Menu, OpenBranch, OpenTopic)  # screens that «back» returns to


def _render(reply: Reply, out: TextIO, first: int) -> list[Button]:
    """Print a reply; its buttons are numbered from ``first`` on."""
    buttons = [b for row in reply.buttons for b in row]
    out.write("\n")
    if reply.title:
        out.write(f"== {reply.title} ==\n")
    out.write(reply.text + "\n")
    for number, button in enumerate(buttons, first):
        out.write(f"  [{bn_number(number)}] {button.label}\n")
    out.flush()
    return buttons


async def _read_line(stream: TextIO) -> str | None:
    line = await asyncio.to_thread(stream.readline)
    return None if line == "" else line


async def run_console(
    conversation: Conversation, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    """Chat on the terminal until end of input, «exit» or Ctrl-C."""
    user = CONSOLE_USER
    buttons: list[Button] = []
    history: list[str] = []

    checking = False  # the next line is an offer to check

    def render(replies: list[Reply]) -> None:
        nonlocal buttons
        shown: list[Button] = []
        for reply in replies:
            shown += _render(reply, stdout, len(shown) + 1)
        if shown:
            buttons = shown

    async def show(message: Text | Press | Command) -> None:
        render(await conversation.handle(user, message))

    def check(offer: str) -> None:
        titles = {tid: topic.title for tid, topic in conversation.content.topics.items()}
        render(replies_for_text(offer, titles=titles))

    await show(Command("start"))
    stdout.write("\n(নম্বর লিখে বোতাম বেছে নিন, প্রশ্ন লিখুন, শেষ করতে exit লিখুন)\n")
    while True:
        stdout.write("\n> ")
        stdout.flush()
        line = await _read_line(stdin)
        if line is None:
            stdout.write("\nবিদায়!\n")
            return
        text = line.strip()
        lowered = text.lower()
        if lowered in {"exit", "quit", "বিদায়"}:
            stdout.write("বিদায়!\n")
            return
        number = fold_bangla_digits(text)
        if checking:
            checking = False
            check(text)
        elif lowered == "check" or lowered.startswith("check "):
            offer = text[len("check") :].strip()
            if offer:
                check(offer)
            else:
                checking = True
                render([check_prompt()])
        elif lowered in _MENU_WORDS:
            history.clear()
            await show(Press(_MENU))
        elif lowered in _BACK_WORDS:
            if len(history) > 1:
                history.pop()
                await show(Press(history[-1]))
            else:
                history.clear()
                await show(Press(_MENU))
        elif number.isdigit() and 1 <= int(number) <= len(buttons):
            data = buttons[int(number) - 1].data
            if isinstance(parse(data), _BROWSING):
                history.append(data)
            await show(Press(data))
        elif text.startswith("/"):
            name, _, arg = text[1:].partition(" ")
            await show(Command(name, arg))
        else:
            await show(Text(text))
