"""``POST /telegram``: Telegram's webhook, answered 200 only once the update is stored.

The secret given to setWebhook comes back in ``X-Telegram-Bot-Api-Secret-Token``; anything
without it (compared in constant time) is refused with 403 before the body is read, and is
neither stored nor processed. A stored update goes through the same inbox and
``application.update_queue`` as with long polling, so the same handlers answer it, each
chat's updates in order.
"""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from db.errors import DatabaseUnavailable
from handlers import metrics
from handlers.telegram.intake import Accepted, TelegramIntake

__all__ = ["MAX_BODY", "SECRET_HEADER", "webhook_route"]

logger = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1_000_000  # an update is a few kilobytes; Telegram texts are at most 4096 characters


def webhook_route(intake: TelegramIntake, secret: str, path: str = "/telegram") -> Route:
    """Return the Starlette route that receives Telegram's updates."""
    expected = secret.encode()

    async def receive(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, expected):
            metrics.inbound.labels("telegram", "rejected").inc()
            logger.warning("telegram webhook: request without the right secret refused")
            return JSONResponse({"error": "forbidden"}, 403)
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            metrics.inbound.labels("telegram", "rejected").inc()
            return JSONResponse({"error": "too large"}, 413)
        body = bytearray()
        try:
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    metrics.inbound.labels("telegram", "rejected").inc()
                    return JSONResponse({"error": "too large"}, 413)
        except ClientDisconnect:
            return Response(status_code=400)
        try:
            raw = json.loads(body)
        except ValueError:
            logger.warning("telegram webhook: body is not JSON")
            metrics.inbound.labels("telegram", "rejected").inc()
            return JSONResponse({"error": "not JSON"}, 400)
        if not isinstance(raw, dict):
            metrics.inbound.labels("telegram", "rejected").inc()
            return JSONResponse({"error": "not an update"}, 400)
        try:
            accepted = await intake.accept(raw)
        except DatabaseUnavailable:  # logged by the store, once per outage and kind
            return JSONResponse({"error": "unavailable"}, 503)
        except Exception as exc:  # not stored: Telegram must deliver it again
            logger.error("telegram webhook: could not store the update: %s", exc)
            return JSONResponse({"error": "unavailable"}, 503)
        if accepted is Accepted.MALFORMED and not isinstance(raw.get("update_id"), int):
            return JSONResponse({"error": "not an update"}, 400)
        return Response(status_code=200)

    return Route(path, receive, methods=["POST"])
