"""Keep the bot token out of everything the process prints.

``install_redaction`` runs first in ``main.py``, before any other import can print: it wraps
``sys.stdout`` and ``sys.stderr`` so that every write (log lines, tracebacks, warnings,
``print``) has the token replaced, whichever library produced it. The Bot API URL contains
the token, and python-telegram-bot and httpx put URLs in exception texts and DEBUG lines.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO
from urllib.parse import quote

__all__ = [
    "REDACTED",
    "install_redaction",
    "install_token_filter",
    "redact",
    "setup_logging",
]

REDACTED = "<token>"
_secrets: list[str] = []  # longest first, so the full token is replaced before its parts


def _forms(token: str) -> set[str]:
    """The token as it may appear: whole, percent-encoded, and its secret part alone."""
    forms = {token, quote(token, safe="")}
    _, _, secret = token.partition(":")
    if len(secret) >= 8:
        forms.add(secret)
    return {form for form in forms if form}


def _add_secret(token: str) -> None:
    for form in _forms(token):
        if form not in _secrets:
            _secrets.append(form)
    _secrets.sort(key=len, reverse=True)


def redact(text: str) -> str:
    """Return ``text`` with every registered secret replaced by ``<token>``."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class _RedactingStream:
    """A text stream that redacts each write and delegates everything else."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _RedactFilter(logging.Filter):
    """Redact a record's message and exception text (for handlers outside our streams)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


_FILTER = _RedactFilter()


def install_redaction(token: str | None) -> None:
    """Register the token and wrap stdout and stderr so that no write can show it.

    Call before anything else runs; calling it again with the same token changes nothing.
    """
    if not token:
        return
    _add_secret(token)
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, _RedactingStream):
            setattr(sys, name, _RedactingStream(stream))
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


# At DEBUG these log whole payloads: PTB every update and API call (names, texts), aiosqlite
# every statement with its parameters (questions, names).
USER_CONTENT_LOGGERS = ("telegram", "aiosqlite")


def setup_logging(level: int, *, user_content: bool = False) -> None:
    """Configure the root logger once for the process (after ``install_redaction``).

    Unless ``user_content`` (LOG_USER_CONTENT=1), the libraries that log users' names and
    texts at DEBUG are held at INFO, so even LOG_LEVEL=DEBUG shows none.
    """
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO, and Bot API URLs contain the token; aiohttp
    # (the outgoing calls) may put URLs in its DEBUG lines.
    for name in ("httpx", "httpcore", "aiohttp"):
        logging.getLogger(name).setLevel(logging.WARNING)
    if not user_content:
        for name in USER_CONTENT_LOGGERS:
            logging.getLogger(name).setLevel(max(level, logging.INFO))
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)


def install_token_filter(token: str) -> None:
    """Redact the token from records passing through every root handler.

    ``main.py`` has already wrapped the output streams; this covers handlers that tests or
    embedding code set up themselves.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    _add_secret(token)
    for handler in logging.getLogger().handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
