"""One ASGI web server for every channel: webhooks, ``/healthz`` and ``/metrics``.

``python main.py serve`` builds it with whichever channels are configured. Each channel is a
``WebChannel``: it adds its routes (a webhook, or none for Telegram long polling) and is
started and stopped with the server (Starlette's ``lifespan``), together with the lesson
scheduler.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol

from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from bot.scheduling import Scheduler
from bot.services import Services
from db.errors import DatabaseUnavailable
from faq.channel import Sender
from handlers.metrics import REGISTRY

__all__ = ["WebChannel", "build_web_app"]

logger = logging.getLogger(__name__)
HEALTH_TIMEOUT = 2.0


class WebChannel(Protocol):
    """A channel served by the web server."""

    name: str

    @property
    def sender(self) -> Sender:
        """Return what lesson rounds push through."""
        ...

    def routes(self) -> Sequence[BaseRoute]:
        """Return the channel's HTTP routes (may be empty)."""
        ...

    async def start(self) -> None:
        """Start receiving (register a webhook, start polling, start workers)."""
        ...

    async def stop(self) -> None:
        """Stop receiving and finish or hand back what is in flight."""
        ...


def build_web_app(
    services: Services,
    channels: Sequence[WebChannel],
    scheduler: Scheduler | None = None,
    *,
    extra_routes: Sequence[BaseRoute] = (),
    on_stop: Sequence[Callable[[], Awaitable[None]]] = (),
) -> Starlette:
    """Return the ASGI app serving ``channels``; it closes ``services`` on shutdown.

    ``extra_routes`` (the admin dashboard) are served too; ``on_stop`` run at shutdown,
    after the channels stop and before the services close.
    """

    async def healthz(request: Request) -> Response:
        try:
            await asyncio.wait_for(services.store.schema_version(), HEALTH_TIMEOUT)
        except DatabaseUnavailable:  # the store logs outages, once per kind: not per probe
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, 503)
        except Exception as exc:  # any failure of the database makes the process unhealthy
            logger.warning("health check: database unreachable: %s", exc)
            return JSONResponse({"status": "unhealthy", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ok", "channels": [c.name for c in channels]})

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        started: list[WebChannel] = []
        try:
            for channel in channels:
                await channel.start()
                started.append(channel)
                logger.info("channel %s is receiving", channel.name)
            if scheduler is not None:
                scheduler.start()
            yield
        finally:
            if scheduler is not None:
                await scheduler.stop()
            for channel in reversed(started):
                try:
                    await channel.stop()
                except Exception:
                    logger.exception("channel %s did not stop cleanly", channel.name)
            for stop in on_stop:
                await stop()
            await services.close()

    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
    for channel in channels:
        routes.extend(channel.routes())
    routes.extend(extra_routes)
    return Starlette(routes=routes, lifespan=lifespan)
