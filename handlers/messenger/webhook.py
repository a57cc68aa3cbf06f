"""The Messenger webhook and its workers: a ``bot.web.WebChannel`` for the web server.

``GET /messenger`` answers Meta's verification. ``POST /messenger``:

1. bodies over 1 MiB → 413 (read in chunks, never more than that into memory);
2. ``X-Hub-Signature-256`` is checked (HMAC-SHA256 of the raw body with the app secret,
   constant-time) before anything else; bad or missing → 403, nothing parsed or stored;
3. a body that is not JSON, or JSON that is not an object with an ``entry`` list → 400
   (Meta always sends such objects, so this is a broken or forged client); an object other
   than ``page`` (another product's subscription) → 200 and ignored: retrying cannot help;
4. every handled event of every entry is stored in the inbox (deduplicated by ``mid``)
   before the 200, so an event is either refused (Meta retries) or kept; a database failure
   answers 500 and Meta delivers again.

Workers then handle the stored events: one user's events in order, different users at once
(``concurrency`` at most), and mark each done once its replies were sent. Events still
pending at start (a crash, a stop during an outage) are handled first, and events whose
replies could not be sent (Meta down longer than the retry time, sending halted) are tried
again every ``RETRY_PENDING_EVERY`` seconds. An event cut short because the database went
away stays pending too; then the pending events are looked at every ``OUTAGE_RETRY`` seconds
until the database answers again (the store logs the outage, once per kind of failure).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from db.errors import DatabaseUnavailable, retry_while_unavailable
from db.protocol import InboxStorage
from faq import texts
from faq.channel import Outcome, Sender
from faq.engine import Conversation
from faq.replies import Press, Reply, UserRef
from handlers.flood import Admission, FloodGuard
from handlers.messenger import CHANNEL
from handlers.messenger.inbound import Event, events_of, is_like, to_input
from handlers.messenger.output import MessengerOutput
from handlers.metrics import inbound, reply_seconds, webhook_seconds

__all__ = ["MAX_BODY", "MessengerChannel", "signature_ok"]

logger = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024
PATH = "/messenger"
STOP_GRACE = 5.0  # seconds given to in-flight events at shutdown; the rest stay pending
KEEP_DONE_DAYS = 3.0  # handled events are remembered this long (Meta redelivers within hours)
PRUNE_EVERY = 3600.0
RETRY_PENDING_EVERY = 60.0  # events whose replies could not be sent are tried again this often
OUTAGE_RETRY = 2.0  # seconds between looks at the pending events while the database is away


def signature_ok(secret: str, body: bytes, header: str | None) -> bool:
    """Check ``X-Hub-Signature-256: sha256=<hex>`` against the raw body, in constant time."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


@dataclass
class MessengerChannel:
    """Receives Messenger events over the webhook and answers through ``output``."""

    conversation: Conversation
    inbox: InboxStorage
    output: MessengerOutput
    app_secret: str
    verify_token: str
    concurrency: int = 64
    flood: FloodGuard = field(default_factory=lambda: FloodGuard(limit=20, window=10.0))
    flood_buttons: FloodGuard = field(default_factory=lambda: FloodGuard(limit=60, window=10.0))
    name: str = CHANNEL
    on_stop: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    _queues: dict[str, deque[tuple[Event, float]]] = field(default_factory=dict)
    _ready: asyncio.Queue[str] | None = None
    _workers: list[asyncio.Task[None]] = field(default_factory=list)
    _busy: int = 0
    _inflight: set[str] = field(default_factory=set)  # event ids queued or being handled
    retry_pending_every: float = RETRY_PENDING_EVERY
    _sweep_now: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def sender(self) -> Sender:
        """Return what lesson rounds push through."""
        return self.output

    def routes(self) -> Sequence[BaseRoute]:
        """Return the verification and event routes."""
        return [
            Route(PATH, self.verify, methods=["GET"]),
            Route(PATH, self.receive, methods=["POST"]),
        ]

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the workers and queue the events a previous run left pending."""
        self._ready = asyncio.Queue()
        self._workers = [asyncio.create_task(self._work()) for _ in range(self.concurrency)]
        self._workers.append(asyncio.create_task(self._prune()))
        replayed = await self._queue_pending()
        if replayed:
            logger.info("replaying %d pending messenger events", replayed)
        self._workers.append(asyncio.create_task(self._retry_pending()))

    async def stop(self) -> None:
        """Give in-flight events a moment, then stop; unfinished ones stay pending."""
        deadline = time.monotonic() + STOP_GRACE
        while (self._queues or self._busy) and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for task in self._workers:
            task.cancel()
        for task in self._workers:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._workers = []
        await self.output.graph.close()
        for close in self.on_stop:
            await close()

    async def _queue_pending(self) -> int:
        """Queue stored events that are neither handled nor queued; return how many."""
        queued = 0
        for event_id, payload in await self.inbox.inbox_pending(CHANNEL, limit=100_000):
            if event_id in self._inflight:
                continue
            try:
                raw = json.loads(payload)
                event = Event(str(raw["sender"]["id"]), event_id, raw)
            except (ValueError, KeyError, TypeError):
                logger.warning("unreadable pending event %s dropped", event_id)
                await self.inbox.inbox_done(CHANNEL, event_id)
                continue
            self._enqueue(event)
            queued += 1
        return queued

    async def _retry_pending(self) -> None:
        """Try again, now and then, the events whose replies could not be sent (Meta down
        longer than the retry time, sending halted by a token error)."""
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sweep_now.wait(), self.retry_pending_every)
            self._sweep_now.clear()
            try:
                again = await self._queue_pending()
            except DatabaseUnavailable:  # look again soon: answer the backlog once it is back
                await asyncio.sleep(OUTAGE_RETRY)
                self._sweep_now.set()
                continue
            except Exception as exc:  # the next round tries again
                logger.warning("messenger pending events not read: %s", exc)
                continue
            if again:
                logger.info("trying %d pending messenger events again", again)

    async def _prune(self) -> None:
        """Forget handled events after a few days (their payloads are cleared at once)."""
        while True:
            try:
                await self.inbox.inbox_prune(KEEP_DONE_DAYS)
            except DatabaseUnavailable:
                pass  # logged by the store; the next hour tries again
            except Exception as exc:  # pruning is housekeeping; the next hour tries again
                logger.warning("messenger inbox prune failed: %s", exc)
            await asyncio.sleep(PRUNE_EVERY)

    async def idle(self) -> None:
        """Wait until every queued event was handled (tests, benchmarks)."""
        while self._queues or self._busy:
            await asyncio.sleep(0.01)

    # -- HTTP ---------------------------------------------------------------------------------

    async def verify(self, request: Request) -> Response:
        """Answer Meta's subscription check: echo ``hub.challenge`` for the right token."""
        query = request.query_params
        token = query.get("hub.verify_token") or ""
        challenge = query.get("hub.challenge") or ""
        if (
            query.get("hub.mode") == "subscribe"
            and hmac.compare_digest(token.encode(), self.verify_token.encode())
            and challenge
            and len(challenge) <= 200
        ):
            return PlainTextResponse(challenge)
        logger.warning("messenger webhook verification refused (wrong mode or token)")
        return PlainTextResponse("forbidden", 403)

    async def receive(self, request: Request) -> Response:
        """Check, store and acknowledge one webhook delivery (see the module docstring)."""
        started = time.monotonic()
        try:
            return await self._receive(request)
        finally:
            webhook_seconds.labels(CHANNEL).observe(time.monotonic() - started)

    async def _receive(self, request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_BODY:
            inbound.labels(CHANNEL, "rejected").inc()
            return PlainTextResponse("too large", 413)
        chunks, size = [], 0
        async for chunk in request.stream():
            size += len(chunk)
            if size > MAX_BODY:
                inbound.labels(CHANNEL, "rejected").inc()
                return PlainTextResponse("too large", 413)
            chunks.append(chunk)
        body = b"".join(chunks)
        if not signature_ok(self.app_secret, body, request.headers.get("x-hub-signature-256")):
            logger.warning("messenger webhook: bad or missing X-Hub-Signature-256; refused")
            inbound.labels(CHANNEL, "rejected").inc()
            return PlainTextResponse("forbidden", 403)
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            logger.warning("messenger webhook: signed body is not JSON; refused")
            inbound.labels(CHANNEL, "rejected").inc()
            return PlainTextResponse("not json", 400)
        if not isinstance(data, dict) or not isinstance(data.get("entry", []), list):
            logger.warning("messenger webhook: body is not a webhook object; refused")
            inbound.labels(CHANNEL, "rejected").inc()
            return PlainTextResponse("bad shape", 400)
        if data.get("object") != "page":
            logger.info("messenger webhook: object %r ignored", data.get("object"))
            inbound.labels(CHANNEL, "ignored").inc()
            return PlainTextResponse("EVENT_RECEIVED")
        events, ignored = events_of(data)
        if ignored:
            inbound.labels(CHANNEL, "ignored").inc(ignored)
        received = time.monotonic()
        for event in events:
            payload = json.dumps(event.raw, ensure_ascii=False)
            try:
                fresh = await self.inbox.inbox_put(CHANNEL, event.event_id, payload)
            except DatabaseUnavailable:  # logged by the store; Meta delivers again
                return PlainTextResponse("storage unavailable", 500)
            except Exception:
                logger.exception("messenger webhook: could not store an event; Meta will retry")
                return PlainTextResponse("storage unavailable", 500)
            if not fresh:
                inbound.labels(CHANNEL, "duplicate").inc()
                continue
            self._enqueue(event, received)
        return PlainTextResponse("EVENT_RECEIVED")

    # -- workers --------------------------------------------------------------------------------

    def _enqueue(self, event: Event, received: float | None = None) -> None:
        """Queue an event behind the same user's earlier ones."""
        assert self._ready is not None, "the channel is not started"
        if event.event_id in self._inflight:
            return  # queued already (a retry sweep and the webhook can meet here)
        self._inflight.add(event.event_id)
        queue = self._queues.get(event.psid)
        item = (event, time.monotonic() if received is None else received)
        if queue is None:
            self._queues[event.psid] = deque([item])
            self._ready.put_nowait(event.psid)
        else:
            queue.append(item)

    async def _work(self) -> None:
        assert self._ready is not None
        while True:
            psid = await self._ready.get()
            queue = self._queues[psid]
            event, received = queue.popleft()
            self._busy += 1
            try:
                await self._process(event, received)
            finally:
                self._busy -= 1
                if queue:
                    self._ready.put_nowait(psid)  # the user's next event, after this one
                else:
                    del self._queues[psid]

    async def _process(self, event: Event, received: float) -> None:
        try:
            done = await self._handle(event)
        except DatabaseUnavailable:
            # the database went away mid-event: it stays pending and is handled again
            # once the database is back (the sweep looks every OUTAGE_RETRY seconds)
            inbound.labels(CHANNEL, "failed").inc()
            self._inflight.discard(event.event_id)
            self._sweep_now.set()
            return
        except Exception:
            # a bug must not replay the same event forever: log it and mark it handled
            logger.exception("messenger event %s failed", event.event_id)
            inbound.labels(CHANNEL, "failed").inc()
            done = True
        else:
            inbound.labels(CHANNEL, "handled" if done else "failed").inc()
            reply_seconds.labels(CHANNEL).observe(time.monotonic() - received)
        if done:
            try:  # answered: unmarked, it would be answered again
                await retry_while_unavailable(
                    lambda: self.inbox.inbox_done(CHANNEL, event.event_id)
                )
            except DatabaseUnavailable:
                logger.warning("messenger event %s answered but not marked done", event.event_id)
        else:
            logger.warning("messenger event %s stays pending (tried again later)", event.event_id)
        self._inflight.discard(event.event_id)

    async def _handle(self, event: Event) -> bool:
        """Answer one event; False when its replies could not be sent (kept pending)."""
        user = UserRef(CHANNEL, event.psid)
        message = to_input(event.raw)
        guard = self.flood_buttons if isinstance(message, Press) else self.flood
        verdict = guard.check(event.psid)
        if verdict is Admission.DROP:
            await self.output.action(event.psid, "mark_seen")  # seen, deliberately not answered
            return True
        if verdict is Admission.WARN:
            logger.info("messenger user %s is flooding; slowing down", event.psid)
            return await self._deliver(user, [Reply(texts.FLOOD)])
        if message is None:
            replies = await self.conversation.media(user, like=is_like(event.raw))
        else:
            replies = await self.conversation.handle(user, message)
        return await self._deliver(user, replies)

    async def _deliver(self, user: UserRef, replies: list[Reply]) -> bool:
        outcome = await self.output.send(user.external_id, replies)
        if outcome is Outcome.UNREACHABLE:
            logger.info("messenger user %s cannot be reached; marked", user.external_id)
            await self.conversation.set_reachable(user, False)
        return outcome is not Outcome.RETRY
