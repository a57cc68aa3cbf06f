"""Keep the bot token out of every log line."""

from __future__ import annotations

import logging

__all__ = ["install_token_filter"]


class _Redact(logging.Filter):
    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.secret in message:
            record.msg = message.replace(self.secret, "<token>")
            record.args = None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            if self.secret in text:
                record.exc_text = text.replace(self.secret, "<token>")
        return True


def install_token_filter(token: str) -> None:
    """Redact the token from records passing through every root handler.

    httpx logs request URLs (which contain the token) at INFO; it is also set to WARNING,
    but a filter catches whatever else might print a URL.
    """
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)
    redact = _Redact(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
