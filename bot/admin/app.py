"""The dashboard's routes under ``/admin``: login, pages, forms and the reload endpoint.

Every page but the login needs a session cookie; every form carries a CSRF token bound to
the session; every action is written to the audit table with the editor's name and IP.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from bot.admin import pages
from bot.admin.auth import LoginLimiter, Session, Sessions, token_matches
from bot.admin.broadcast import MAX_BUTTONS, MAX_TEXT, broadcast_reply, run_broadcast
from bot.admin.html import bn, page
from bot.admin.review import ReviewGroup, group_questions, suggest
from bot.admin.settings import AdminSettings
from bot.delivery import Pacer
from bot.live_content import relearn, reload_content
from bot.services import Services
from db.admin_types import BroadcastInfo, LearnedExample
from faq.answer import ANSWER_THRESHOLD
from faq.channel import Sender
from faq.content import CONTENT_DIR, Problem
from faq.learned import example_problem

if TYPE_CHECKING:
    from db.postgres import PostgresStore
    from db.store import Store

__all__ = ["COOKIE", "REVIEW_BELOW", "AdminApp"]

logger = logging.getLogger(__name__)
COOKIE = "admin_session"
LOGIN_COOKIE = "admin_login"
# answered questions below this score are low-confidence and join the refused ones
REVIEW_BELOW = ANSWER_THRESHOLD + 0.1
PAGE_SIZE = 20
QUEUE_TTL = 60.0
MAX_FORM = 64 * 1024
_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
}
_DONE = {
    "accepted": "গ্রহণ করা হয়েছে; এখন থেকেই এই প্রশ্নগুলোর উত্তর মিলবে।",
    "rejected": "বিষয়ের বাইরে হিসেবে রাখা হয়েছে।",
    "skipped": "পরে দেখার জন্য সরিয়ে রাখা হয়েছে।",
    "gone": "এই দলটির সিদ্ধান্ত আগেই হয়ে গেছে।",
}

Form = dict[str, list[str]]
Handler = Callable[[Request, Session, Form], Awaitable[Response]]


def _first(form: Mapping[str, list[str]], key: str) -> str:
    values = form.get(key)
    return values[0] if values else ""


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


class AdminApp:
    """The dashboard over the shared services and the channels' senders."""

    def __init__(
        self,
        services: Services,
        settings: AdminSettings,
        senders: Mapping[str, Sender],
        *,
        timezone: ZoneInfo | None = None,
        content_dir: Path = CONTENT_DIR,
        clock: Callable[[], float] = time.time,
        push_rate: float = 28.0,
        push_concurrency: int = 4,
    ) -> None:
        self.services = services
        self.store: Store | PostgresStore = services.store  # type: ignore[assignment]
        self.settings = settings
        self.senders = senders
        self.timezone = timezone or ZoneInfo("Asia/Dhaka")
        self.content_dir = content_dir
        self.clock = clock
        self.push_rate = push_rate
        self.push_concurrency = push_concurrency
        self.sessions = Sessions(settings.token, settings.session_seconds, clock)
        self.limiter = LoginLimiter(settings.login_attempts, settings.login_window)
        self.running: dict[int, asyncio.Task[Any]] = {}
        self.pacer = Pacer(push_rate)  # one rate for every broadcast of this process
        self._queue: tuple[float, list[ReviewGroup]] | None = None
        self.loaded_at = self._now().isoformat(timespec="seconds")
        self.problems: list[Problem] = []

    # -- plumbing --------------------------------------------------------------------------

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def routes(self) -> list[BaseRoute]:
        """Return the ``/admin`` mount to add to the web app."""
        guarded = self._guarded
        return [
            Mount(
                "/admin",
                routes=[
                    Route("/", self.home, methods=["GET"]),
                    Route("/login", self.login_form, methods=["GET"]),
                    Route("/login", self.login, methods=["POST"]),
                    Route("/logout", guarded(self.logout), methods=["POST"]),
                    Route("/overview", guarded(self.overview), methods=["GET"]),
                    Route("/topics", guarded(self.topics), methods=["GET"]),
                    Route("/review", guarded(self.review), methods=["GET"]),
                    Route("/review", guarded(self.decide), methods=["POST"]),
                    Route("/broadcast", guarded(self.broadcast_page), methods=["GET"]),
                    Route("/broadcast", guarded(self.broadcast_post), methods=["POST"]),
                    Route("/broadcast/{id:int}", guarded(self.broadcast_status), methods=["GET"]),
                    Route(
                        "/broadcast/{id:int}/resume",
                        guarded(self.broadcast_resume),
                        methods=["POST"],
                    ),
                    Route("/content", guarded(self.content_page), methods=["GET"]),
                    Route("/content/reload", guarded(self.content_reload), methods=["POST"]),
                    Route("/audit", guarded(self.audit_page), methods=["GET"]),
                    Route("/api/reload", self.api_reload, methods=["POST"]),
                ],
            )
        ]

    async def close(self) -> None:
        """Stop running broadcasts (their claims are released; a resume sends the rest)."""
        for task in list(self.running.values()):
            task.cancel()
        for task in list(self.running.values()):
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _html(self, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(body, status, headers=_HEADERS)

    def _page(
        self, title: str, body: str, session: Session, active: str, refresh: int = 0
    ) -> HTMLResponse:
        csrf = self.sessions.csrf(session.sid)
        return self._html(
            page(title, body, active=active, user=session.name, csrf=csrf, refresh=refresh)
        )

    def _secure(self, request: Request) -> bool:
        return self.settings.secure_cookies or request.url.scheme == "https"

    async def _audit(self, who: str, action: str, detail: str, request: Request) -> None:
        await self.store.add_audit(who, action, detail, _ip(request))

    async def _form(self, request: Request) -> dict[str, list[str]] | None:
        body = await request.body()
        if len(body) > MAX_FORM:
            return None
        return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)

    def _guarded(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        async def wrapped(request: Request) -> Response:
            session = self.sessions.check(request.cookies.get(COOKIE))
            if session is None:
                if request.method == "GET":
                    return RedirectResponse("/admin/login", 303, headers=_HEADERS)
                return self._html(
                    page(
                        "প্রবেশ",
                        '<p class="msg err">সেশন শেষ; আবার প্রবেশ করুন। '
                        '<a href="/admin/login">Log in</a></p>',
                    ),
                    401,
                )
            form: dict[str, list[str]] = {}
            if request.method == "POST":
                parsed = await self._form(request)
                if parsed is None:
                    return self._html(page("ত্রুটি", "<p>form too large</p>"), 413)
                form = parsed
                if not self.sessions.csrf_ok(session.sid, _first(form, "csrf")):
                    await self._audit(session.name, "csrf_rejected", request.url.path, request)
                    return self._html(
                        page(
                            "ত্রুটি",
                            '<p class="msg err">CSRF টোকেন মেলেনি; পাতাটি আবার '
                            'খুলে চেষ্টা করুন। <span class="en">CSRF token missing or wrong'
                            "</span></p>",
                        ),
                        403,
                    )
            return await handler(request, session, form)

        return wrapped

    # -- access ----------------------------------------------------------------------------

    async def home(self, request: Request) -> Response:
        """Send to the overview (or the login)."""
        return RedirectResponse("/admin/overview", 303, headers=_HEADERS)

    def _login_page(self, request: Request, error: str = "", status: int = 200) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        fresh = len(nonce) < 16
        if fresh:
            nonce = secrets.token_urlsafe(18)
        body = page("প্রবেশ", pages.login_body(self.sessions.csrf("login:" + nonce), error))
        response = self._html(body, status)
        if fresh:
            response.set_cookie(
                LOGIN_COOKIE,
                nonce,
                max_age=3600,
                path="/admin",
                httponly=True,
                samesite="strict",
                secure=self._secure(request),
            )
        return response

    async def login_form(self, request: Request) -> Response:
        """The login page (with the login form's CSRF nonce cookie)."""
        if self.sessions.check(request.cookies.get(COOKIE)) is not None:
            return RedirectResponse("/admin/overview", 303, headers=_HEADERS)
        return self._login_page(request)

    async def login(self, request: Request) -> Response:
        """Check the token (rate-limited per IP) and issue the session cookie."""
        ip = _ip(request)
        wait = self.limiter.retry_after(ip)
        if wait:
            response = self._login_page(
                request,
                f"অনেকবার ভুল হয়েছে; {wait} সেকেন্ড পরে চেষ্টা করুন। (too many attempts)",
                429,
            )
            response.headers["Retry-After"] = str(wait)
            return response
        form = await self._form(request) or {}
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        name = " ".join(_first(form, "name").split())[:40] or "admin"
        if not nonce or not self.sessions.csrf_ok("login:" + nonce, _first(form, "csrf")):
            await self.store.add_audit(name, "login_csrf_rejected", "", ip)
            return self._login_page(request, "ফর্মটি পুরোনো; আবার চেষ্টা করুন। (CSRF)", 403)
        if not token_matches(_first(form, "token"), self.settings.token):
            self.limiter.failed(ip)
            await self.store.add_audit(name, "login_failed", "", ip)
            return self._login_page(request, "টোকেন ভুল। (wrong token)", 401)
        self.limiter.succeeded(ip)
        await self.store.add_audit(name, "login", "", ip)
        response = RedirectResponse("/admin/overview", 303, headers=_HEADERS)
        response.set_cookie(
            COOKIE,
            self.sessions.issue(name),
            max_age=self.settings.session_seconds,
            path="/admin",
            httponly=True,
            samesite="strict",
            secure=self._secure(request),
        )
        return response

    async def logout(self, request: Request, session: Session, form: Form) -> Response:
        """End the session."""
        self.sessions.revoke(session)
        await self._audit(session.name, "logout", "", request)
        response = RedirectResponse("/admin/login", 303, headers=_HEADERS)
        response.delete_cookie(COOKIE, path="/admin")
        return response

    async def api_reload(self, request: Request) -> Response:
        """``POST /admin/api/reload`` with ``Authorization: Bearer ADMIN_TOKEN`` (the CLI)."""
        ip = _ip(request)
        if self.limiter.retry_after(ip):
            return JSONResponse({"error": "too many attempts"}, 429)
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token_matches(given.strip(), self.settings.token):
            self.limiter.failed(ip)
            return JSONResponse({"error": "unauthorized"}, 401)
        problems = await self.reload("cli", ip)
        return JSONResponse({"ok": not problems, "problems": [str(p) for p in problems]})

    # -- pages -----------------------------------------------------------------------------

    async def overview(self, request: Request, session: Session, form: Form) -> Response:
        """Users, activity, subscribers, lessons, the course funnel and the quiz."""
        now = self._now()
        today = now.astimezone(self.timezone).date()
        ov = await self.store.admin_overview(now, today, 30)
        body = pages.overview_body(ov, now.date(), today, 30)
        return self._page("সারসংক্ষেপ", body, session, "overview")

    async def topics(self, request: Request, session: Session, form: Form) -> Response:
        """Views and votes per topic, and the questions behind the 👎."""
        stats = await self.store.topic_stats()
        down = await self.store.downvoted_questions(50)
        body = pages.topics_body(self.services.content, stats, down)
        return self._page("বিষয়", body, session, "topics")

    async def queue(self, *, fresh: bool = False) -> list[ReviewGroup]:
        """Return the review groups (cached for a minute; decisions clear the cache)."""
        if not fresh and self._queue is not None and time.monotonic() - self._queue[0] < QUEUE_TTL:
            return self._queue[1]
        candidates = await self.store.review_candidates(REVIEW_BELOW)
        decided = await self.store.review_decisions()
        groups = await asyncio.to_thread(group_questions, candidates, decided)
        self._queue = (time.monotonic(), groups)
        return groups

    async def review(self, request: Request, session: Session, form: Form) -> Response:
        """The review queue, one page of groups."""
        groups = await self.queue()
        pages_n = max(1, math.ceil(len(groups) / PAGE_SIZE))
        raw = request.query_params.get("page", "1")
        number = min(max(int(raw) if raw.isdigit() else 1, 1), pages_n)
        shown = groups[(number - 1) * PAGE_SIZE : number * PAGE_SIZE]
        suggest(shown, self.services.conversation.understanding.matcher)
        body = pages.review_body(
            self.services.content,
            shown,
            len(groups),
            sum(g.count for g in groups),
            number,
            pages_n,
            self.sessions.csrf(session.sid),
            _DONE.get(request.query_params.get("done", ""), ""),
        )
        return self._page("পর্যালোচনা", body, session, "review")

    async def decide(self, request: Request, session: Session, form: Form) -> Response:
        """Accept a group for a topic, reject it as out of scope, or skip it."""
        action, key, topic = _first(form, "action"), _first(form, "key"), _first(form, "topic")
        back = _first(form, "page")
        back = back if back.isdigit() else "1"
        group = next((g for g in await self.queue(fresh=True) if g.key == key), None)
        if group is None or action not in ("accept", "reject", "skip"):
            return RedirectResponse(f"/admin/review?page={back}&done=gone", 303)
        content = self.services.content
        if action == "accept":
            learned = [
                LearnedExample(topic, text, key)
                for text, _ in group.phrasings
                if example_problem(content, topic, text) is None
            ]
            if not learned:
                return RedirectResponse(f"/admin/review?page={back}&done=gone", 303)
            await self.store.add_learned_examples(learned, session.name)
            await self.store.decide_review(key, "accepted", topic, session.name)
            await self._audit(
                session.name,
                "review_accept",
                f"{key} → {topic} ({len(learned)} phrasings)",
                request,
            )
            await relearn(self.services)
        else:
            decision = "rejected" if action == "reject" else "skipped"
            await self.store.decide_review(key, decision, None, session.name)
            await self._audit(session.name, f"review_{action}", key, request)
        self._queue = None
        done = {"accept": "accepted", "reject": "rejected", "skip": "skipped"}[action]
        return RedirectResponse(f"/admin/review?page={back}&done={done}", 303)

    # -- broadcasts ------------------------------------------------------------------------

    def channels(self) -> list[str]:
        """Return the channels a broadcast can go through in this process."""
        return sorted(self.senders) or ["telegram"]

    async def _recent(self) -> list[BroadcastInfo]:
        infos = [await self.store.broadcast_info(i) for i in await self.store.broadcast_ids(10)]
        return [i for i in infos if i is not None]

    async def broadcast_page(self, request: Request, session: Session, form: Form) -> Response:
        """Compose a broadcast."""
        body = pages.broadcast_form(
            self.services.content,
            self.channels(),
            await self._recent(),
            self.sessions.csrf(session.sid),
        )
        return self._page("ঘোষণা", body, session, "broadcast")

    def _check_broadcast(
        self, form: dict[str, list[str]]
    ) -> tuple[str, tuple[str, ...], str, str]:
        text = _first(form, "text").replace("\r\n", "\n").strip()
        buttons = tuple(dict.fromkeys(b for b in form.get("button", []) if b))
        audience = _first(form, "audience")
        error = ""
        if not text:
            error = "বার্তা খালি। (the message is empty)"
        elif len(text) > MAX_TEXT:
            error = f"বার্তা {len(text)} অক্ষরের; সর্বোচ্চ {MAX_TEXT}। (too long)"
        elif len(buttons) > MAX_BUTTONS or any(
            b not in self.services.content.topics for b in buttons
        ):
            error = "বোতামের বিষয় পাওয়া যায়নি। (unknown topic)"
        elif (
            audience not in ("everyone", "subscribers")
            and audience.removeprefix("channel:") not in self.channels()
        ):
            error = "এই শ্রোতা চেনা নয়। (unknown audience)"
        return text, buttons, audience, error

    async def broadcast_post(self, request: Request, session: Session, form: Form) -> Response:
        """Preview (step=preview) or create and start (step=send) a broadcast."""
        text, buttons, audience, error = self._check_broadcast(form)
        csrf = self.sessions.csrf(session.sid)
        if error:
            body = pages.broadcast_form(
                self.services.content,
                self.channels(),
                await self._recent(),
                csrf,
                text=text,
                buttons=buttons,
                audience=audience,
                error=error,
            )
            return self._page("ঘোষণা", body, session, "broadcast")
        if _first(form, "step") != "send":
            reply = broadcast_reply(text, buttons, self.services.content)
            count = await self.store.count_audience(audience)
            body = pages.broadcast_preview(
                reply, self.channels(), count, text, buttons, audience, csrf
            )
            return self._page("প্রিভিউ", body, session, "broadcast")
        broadcast_id = await self.store.create_broadcast(text, buttons, audience, session.name)
        info = await self.store.broadcast_info(broadcast_id)
        assert info is not None
        await self._audit(
            session.name,
            "broadcast",
            f"#{broadcast_id} to {audience}: {info.total} recipients",
            request,
        )
        self.start_broadcast(info)
        return RedirectResponse(f"/admin/broadcast/{broadcast_id}", 303)

    def start_broadcast(self, info: BroadcastInfo) -> None:
        """Run a broadcast in the background of the server."""
        if info.id in self.running:
            return
        reply = broadcast_reply(info.text, info.buttons, self.services.content)
        task = asyncio.create_task(
            run_broadcast(
                self.store,
                info.id,
                reply,
                self.senders,
                rate=self.push_rate,
                concurrency=self.push_concurrency,
                pacer=self.pacer,
            )
        )
        self.running[info.id] = task

        def finished(done: asyncio.Task[Any]) -> None:
            self.running.pop(info.id, None)
            if not done.cancelled() and done.exception() is not None:
                logger.error("broadcast %s failed", info.id, exc_info=done.exception())

        task.add_done_callback(finished)

    async def broadcast_status(self, request: Request, session: Session, form: Form) -> Response:
        """Live progress of one broadcast."""
        info = await self.store.broadcast_info(int(request.path_params["id"]))
        if info is None:
            return self._html(page("নেই", "<p>not found</p>"), 404)
        running = info.id in self.running
        body = pages.broadcast_progress(info, running, self.sessions.csrf(session.sid))
        return self._page("ঘোষণা", body, session, "broadcast", refresh=2 if running else 0)

    async def broadcast_resume(self, request: Request, session: Session, form: Form) -> Response:
        """Send what a stopped run left pending."""
        info = await self.store.broadcast_info(int(request.path_params["id"]))
        if info is None:
            return self._html(page("নেই", "<p>not found</p>"), 404)
        await self._audit(session.name, "broadcast_resume", f"#{info.id}", request)
        self.start_broadcast(info)
        return RedirectResponse(f"/admin/broadcast/{info.id}", 303)

    # -- content and audit ------------------------------------------------------------------

    async def reload(self, who: str, ip: str) -> list[Problem]:
        """Validate and swap in the content on disk; keep the old one on any problem."""
        problems = await reload_content(self.services, self.content_dir)
        self.problems = problems
        if problems:
            await self.store.add_audit(who, "reload_failed", f"{len(problems)} problem(s)", ip)
        else:
            self.loaded_at = self._now().isoformat(timespec="seconds")
            self._queue = None
            content = self.services.content
            await self.store.add_audit(
                who, "reload", f"{len(content.topics)} topics, {len(content.lessons)} lessons", ip
            )
        return problems

    async def stats_text(self, telegram_id: int = 0) -> str:
        """The overview's key numbers as one short Bangla message (Telegram ``/stats``)."""
        now = self._now()
        today = now.astimezone(self.timezone).date()
        ov = await self.store.admin_overview(now, today, 30)
        channels = ", ".join(
            f"{pages.CHANNEL_NAMES.get(c, c)} {bn(n)}"
            for c, n in sorted(ov.users_by_channel.items())
        )
        return (
            "📊 পরিসংখ্যান\n"
            f"ব্যবহারকারী: {bn(ov.users)}" + (f" ({channels})" if channels else "") + "\n"
            f"সক্রিয়: ১ দিনে {bn(ov.active.get(1, 0))} · ৭ দিনে {bn(ov.active.get(7, 0))}"
            f" · ৩০ দিনে {bn(ov.active.get(30, 0))}\n"
            f"কোর্সের গ্রাহক: {bn(ov.subscribers)}\n"
            f"আজ পাঠ গেছে: {bn(ov.lessons_by_day.get(today.isoformat(), 0))}\n"
            f"পৌঁছানো যায় না: {bn(ov.blocked)}\n"
            f"উত্তর দিতে পারেনি: {bn(ov.unanswered)}"
        )

    async def telegram_reload(self, telegram_id: int) -> str:
        """Reload the content for Telegram ``/reload`` and say what happened."""
        problems = await self.reload(f"telegram:{telegram_id}", "")
        if not problems:
            content = self.services.content
            return (
                f"✅ নতুন কনটেন্ট চালু হয়েছে: {bn(len(content.topics))}টি বিষয়,"
                f" {bn(len(content.lessons))}টি পাঠ।"
            )
        listed = "\n".join(f"• {p}" for p in problems[:10])
        more = f"\n… আরও {bn(len(problems) - 10)}টি" if len(problems) > 10 else ""
        return f"❌ পুরোনো কনটেন্টই চালু আছে। সমস্যা {bn(len(problems))}টি:\n{listed}{more}"

    async def content_page(self, request: Request, session: Session, form: Form) -> Response:
        """What is served, with the reload button."""
        done = request.query_params.get("done", "")
        message = "নতুন কনটেন্ট চালু হয়েছে। (reloaded)" if done == "ok" else ""
        body = pages.content_body(
            self.services.content,
            self.loaded_at,
            self.problems if done == "failed" else [],
            self.sessions.csrf(session.sid),
            message,
        )
        return self._page("কনটেন্ট", body, session, "content")

    async def content_reload(self, request: Request, session: Session, form: Form) -> Response:
        """Reload the content files."""
        problems = await self.reload(session.name, _ip(request))
        return RedirectResponse(f"/admin/content?done={'failed' if problems else 'ok'}", 303)

    async def audit_page(self, request: Request, session: Session, form: Form) -> Response:
        """The latest admin actions."""
        body = pages.audit_body(await self.store.audit_entries(200))
        return self._page("অডিট", body, session, "audit")
