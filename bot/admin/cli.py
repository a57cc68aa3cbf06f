"""The dashboard's terminal commands: ``export-examples``, ``reload`` and ``broadcast``.

``main.py`` adds them with ``add_commands``; each returns the process exit code.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from bot.admin.broadcast import MAX_TEXT, BroadcastReport, broadcast_reply, run_broadcast
from bot.config import Settings
from faq.content import CONTENT_DIR, check_content

__all__ = ["add_commands"]

Command = Callable[[argparse.Namespace, Settings], int]


def cmd_export_examples(args: argparse.Namespace, settings: Settings) -> int:
    """Write learned examples into the topic files (for a commit)."""
    from bot.services import open_storage
    from faq.learned import ExportError, export_examples

    async def learned() -> list[tuple[str, str]]:
        store = await open_storage(settings)
        try:
            return [(e.topic_id, e.text) for e in await store.learned_examples()]
        finally:
            await store.close()

    try:
        added = export_examples(asyncio.run(learned()), Path(args.dir))
    except ExportError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    if not added:
        print("nothing to export: every learned example is in the content files already")
        return 0
    for topic_id, phrasings in sorted(added.items()):
        print(f"{topic_id}: +{len(phrasings)}")
    print(f"wrote {sum(map(len, added.values()))} example(s) into {args.dir}/topics; commit them")
    return 0


def cmd_reload(args: argparse.Namespace, settings: Settings) -> int:
    """Validate the content, then ask the running server to swap it in."""
    import httpx

    _, problems = check_content(CONTENT_DIR)
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s): the server keeps its content", file=sys.stderr)
        return 1
    token = os.environ.get("ADMIN_TOKEN", "").strip()
    if not token:
        print("the content is valid; set ADMIN_TOKEN to reload a running server", file=sys.stderr)
        return 1
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = args.url or f"http://{host}:{settings.port}/admin/api/reload"
    try:
        response = httpx.post(url, headers={"Authorization": f"Bearer {token}"}, timeout=60)
    except httpx.HTTPError as exc:
        print(f"the content is valid, but no server answered at {url}: {exc}", file=sys.stderr)
        return 1
    if response.status_code != 200:
        print(f"{url} answered {response.status_code}: {response.text[:200]}", file=sys.stderr)
        return 1
    result = response.json()
    for problem in result.get("problems", []):
        print(problem)
    print("reloaded" if result.get("ok") else "the server kept its content")
    return 0 if result.get("ok") else 1


def _bar(report: BroadcastReport, total: int) -> None:
    done = report.sent + report.skipped + report.blocked + report.failed
    width = 30
    filled = int(width * done / total) if total else width
    sys.stderr.write(
        f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        f" sent {report.sent} skipped {report.skipped} blocked {report.blocked}"
        f" failed {report.failed}"
    )
    sys.stderr.flush()


def cmd_broadcast(args: argparse.Namespace, settings: Settings) -> int:
    """Send a message to an audience through the configured channels, once per user."""
    from bot.services import open_storage
    from faq.content import load_content

    if args.resume is None:
        if not args.file:
            print("--file is required (or --resume ID)", file=sys.stderr)
            return 2
        text = Path(args.file).read_text(encoding="utf-8").strip()
        if not text or len(text) > MAX_TEXT:
            print(f"the message must have 1..{MAX_TEXT} characters", file=sys.stderr)
            return 2
    audience = args.to if args.to in ("everyone", "subscribers") else f"channel:{args.to}"
    content = load_content()
    unknown = [b for b in args.button if b not in content.topics]
    if unknown:
        print(f"unknown topic id(s): {', '.join(unknown)}", file=sys.stderr)
        return 2

    async def main() -> int:
        store = await open_storage(settings)
        try:
            if args.resume is not None:
                info = await store.broadcast_info(args.resume)  # type: ignore[attr-defined]
                if info is None:
                    print(f"no broadcast #{args.resume}", file=sys.stderr)
                    return 1
            else:
                count = await store.count_audience(audience)  # type: ignore[attr-defined]
                if args.dry_run:
                    reply = broadcast_reply(text, tuple(args.button), content)
                    print(f"{count} recipient(s) ({audience}); nothing sent (--dry-run)")
                    print(reply.text)
                    for row in reply.buttons:
                        print("  [" + "] [".join(b.label for b in row) + "]")
                    return 0
                bid = await store.create_broadcast(  # type: ignore[attr-defined]
                    text, tuple(args.button), audience, "cli"
                )
                await store.add_audit("cli", "broadcast", f"#{bid} to {audience}: {count}")  # type: ignore[attr-defined]
                info = await store.broadcast_info(bid)  # type: ignore[attr-defined]
                print(f"broadcast #{bid}: {info.total} recipient(s)", file=sys.stderr)
            if settings.token is None:
                print("TELEGRAM_BOT_TOKEN is not set: nothing can be sent", file=sys.stderr)
                return 1
            from handlers.telegram.app import telegram_bot
            from handlers.telegram.output import TelegramOutput

            reply = broadcast_reply(info.text, info.buttons, content)
            bot = telegram_bot(settings.token, settings.base_url)
            async with bot:
                report = await run_broadcast(
                    store,  # type: ignore[arg-type]
                    info.id,
                    reply,
                    {"telegram": TelegramOutput(bot)},
                    rate=settings.push_rate,
                    concurrency=settings.push_concurrency,
                    progress=lambda r: _bar(r, info.pending),
                )
            sys.stderr.write("\n")
            print(json.dumps({"broadcast": info.id, **report.as_dict()}))
            return 0
        finally:
            await store.close()

    return asyncio.run(main())


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    """Add the admin sub-commands to ``main.py``'s parser; return name → function."""
    export = sub.add_parser("export-examples", help="write learned examples into content files")
    export.add_argument("--dir", default=str(CONTENT_DIR), help="the content folder")
    reload = sub.add_parser("reload", help="validate content and reload the running server")
    reload.add_argument("--url", default="", help="the server's /admin/api/reload URL")
    cast = sub.add_parser("broadcast", help="send a message to many users, once each")
    cast.add_argument("--file", help="the message (UTF-8 text)")
    cast.add_argument("--to", default="subscribers", help="everyone, subscribers or a channel")
    cast.add_argument("--button", action="append", default=[], help="a topic id (repeatable)")
    cast.add_argument("--dry-run", action="store_true", help="count and preview, send nothing")
    cast.add_argument("--resume", type=int, help="send what broadcast ID left pending")
    return {
        "export-examples": cmd_export_examples,
        "reload": cmd_reload,
        "broadcast": cmd_broadcast,
    }
