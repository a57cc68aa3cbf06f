"""Entry point: ``python main.py [run|serve|chat|ask|check|validate|push|migrate|…]``.

With no sub-command it runs the Telegram bot when TELEGRAM_BOT_TOKEN is set (the web server,
``serve``, when WEBHOOK_BASE_URL is set too) and the console chat otherwise. Each
sub-command calls one function; heavy imports happen only where needed,
so ``ask`` answers without loading python-telegram-bot Every failure ends as
one ``error: …`` line on stderr and exit status 1 (``entry``); the token is never printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.logs import install_redaction, redact, setup_logging

# Before anything else can print: the token never reaches stdout or stderr.
install_redaction(os.environ.get("TELEGRAM_BOT_TOKEN", "").strip() or None)

if TYPE_CHECKING:
    from faq.content import Problem
    from faq.model import Content

# python-telegram-bot 22 reports retry_after as a timedelta with this set (its future
# default); bot/ and handlers/ accept both forms.
os.environ.setdefault("PTB_TIMEDELTA", "1")


def _settings():  # type: ignore[no-untyped-def]
    """Read the settings; a ConfigError becomes one line in ``entry``."""
    from bot.config import Settings

    return Settings.from_env(os.environ)


def cmd_validate(args: argparse.Namespace) -> int:
    """Check the content files and print every problem with file and line.

    Facts checked more than ``--stale-days`` days ago are listed as warnings; they do not
    change the exit status, since a fact is not wrong only because time has passed.
    """
    from faq.content import CONTENT_DIR, check_content, check_ui_texts, stale_facts, today

    content, problems = check_content(args.content_dir or CONTENT_DIR)
    problems += check_ui_texts()
    problems += _red_flag_problems(content)
    for problem in problems:
        print(problem)
    on = today()
    facts = content.facts()
    stale = stale_facts(content, args.stale_days, on)
    for fact in stale:
        age = (on - fact.checked).days
        print(
            f"{fact.file}:{fact.line}: warning: fact checked {fact.checked.isoformat()} is "
            f"{age} days old (limit {args.stale_days}); check it again at {fact.source}: "
            f"“{fact.claim}”"
        )
    dates = sorted(f.checked for f in facts)
    span = f", checked {dates[0].isoformat()} to {dates[-1].isoformat()}" if dates else ""
    print(
        f"stale-fact report: {len(facts)} dated fact(s){span}; {len(stale)} older than "
        f"{args.stale_days} days"
    )
    if problems:
        lint = sum(p.lint for p in problems)
        print(
            f"{len(problems)} problem(s) found ({len(problems) - lint} error(s), {lint} lint)",
            file=sys.stderr,
        )
        return 1
    print(
        f"ok: {len(content.branches)} branches, {len(content.topics)} topics, "
        f"{len(content.lessons)} lessons"
    )
    return 0


def _red_flag_problems(content: Content) -> list[Problem]:
    """Problems of the scam check's red flags, whose topics must exist in ``content``."""
    from faq.offer_rules import RULES_PATH, check_rules

    return check_rules(RULES_PATH, content.topics.keys())[1]


def cmd_check(args: argparse.Namespace) -> int:
    """Print the scam check of one offer, or of one offer per input line, as JSON."""
    from faq.offer_check import check_offer
    from faq.offer_rules import default_rules

    rules = default_rules()
    if args.jsonl:
        out = sys.stdout
        for line in _decode_lines(sys.stdin.buffer):
            # the offer is the first tab-separated field, so a TSV of (offer, label) can be
            # fed as it is; a literal \n in the line is a line break of the offer
            offer = line.split("\t", 1)[0].replace("\\n", "\n")
            out.write(json.dumps(check_offer(offer, rules).as_json()) + "\n")
        out.flush()
        return 0
    if not args.text:
        print(
            'usage: python main.py check "offer text"  or  python main.py check --jsonl < file',
            file=sys.stderr,
        )
        return 2
    print(json.dumps(check_offer(" ".join(args.text), rules).as_json()))
    return 0


def _decode_lines(stream: Iterable[bytes]) -> Iterable[str]:
    for raw in stream:
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def cmd_ask(args: argparse.Namespace) -> int:
    """Print the matched topic as JSON, for one question or one per input line."""
    from bot.services import build_understanding
    from faq.content import load_content

    content = load_content()
    understanding = build_understanding(content)
    if args.jsonl:
        out = sys.stdout
        for line in _decode_lines(sys.stdin.buffer):
            # the question is the first tab-separated field, so a TSV of (question, label)
            # can be fed as it is
            question = line.split("\t", 1)[0]
            out.write(json.dumps(understanding.decide(question).as_json(content)) + "\n")
        out.flush()
        return 0
    if not args.question:
        print(
            'usage: python main.py ask "প্রশ্ন"  or  python main.py ask --jsonl < file',
            file=sys.stderr,
        )
        return 2
    print(json.dumps(understanding.decide(" ".join(args.question)).as_json(content)))
    return 0


def cmd_chat(_: argparse.Namespace) -> int:
    """Talk to the bot in the terminal."""
    from bot.console import run_console
    from bot.services import open_services

    settings = _settings()

    async def main() -> None:
        services = await open_services(settings)
        try:
            await run_console(services.conversation)
        finally:
            await services.close()

    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        print("\nবিদায়!")
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    """Run the Telegram bot (long polling), or the console chat when no token is set.

    With WEBHOOK_BASE_URL or the Messenger settings, the web server runs instead (``serve``).
    """
    settings = _settings()
    if settings.webhook_base_url is not None or settings.messenger is not None:
        return cmd_serve(args)
    if settings.token is None and not sys.stdin.isatty():
        from bot.errors import StartupError

        # nobody could ever talk to this process: a supervisor should see it fail
        raise StartupError(
            "no channel is configured: TELEGRAM_BOT_TOKEN is not set and standard input is "
            "not a terminal, so neither Telegram nor the console chat can run (set "
            "TELEGRAM_BOT_TOKEN, or use python main.py chat to talk through a pipe)"
        )
    if settings.token is None:
        print(
            "TELEGRAM_BOT_TOKEN is not set, so the console chat starts. To connect Telegram, "
            "set TELEGRAM_BOT_TOKEN (see README.md) and run python main.py again."
        )
        return cmd_chat(args)
    from bot.telegram_bot import run_polling

    with asyncio.Runner(loop_factory=_fast_loop_factory()) as runner:
        runner.run(run_polling(settings))
    return 0


def _fast_loop_factory():  # type: ignore[no-untyped-def]
    """Return uvloop's loop factory when it is installed (a cheaper event loop), else None."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


def cmd_serve(_: argparse.Namespace) -> int:
    """Run the web server with every configured channel (webhooks, health, metrics)."""
    from bot.serve import serve

    settings = _settings()
    with (
        contextlib.suppress(KeyboardInterrupt),  # Ctrl-C is a normal stop
        asyncio.Runner(loop_factory=_fast_loop_factory()) as runner,
    ):
        runner.run(serve(settings))
    return 0


def cmd_messenger_setup(_: argparse.Namespace) -> int:
    """Set the Messenger Page's Get Started button and persistent menu (idempotent)."""
    settings = _settings()
    if settings.messenger is None:
        sys.exit(
            "configuration error: MESSENGER_PAGE_ACCESS_TOKEN, MESSENGER_APP_SECRET and "
            "MESSENGER_VERIFY_TOKEN must be set (see README.md)"
        )
    from bot.messenger_bot import messenger_setup
    from handlers.messenger.graph import GraphError

    try:
        changed = asyncio.run(messenger_setup(settings))
    except GraphError as exc:
        sys.exit(f"messenger-setup failed: {exc}")
    print("messenger profile set" if changed else "messenger profile already up to date")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Run one delivery round of the daily lesson and exit."""
    settings = _settings()
    if settings.token is None:
        sys.exit("TELEGRAM_BOT_TOKEN is not set: push sends through Telegram")
    from bot.push import push_once

    report = asyncio.run(push_once(settings, everyone_due=args.now))
    if report is None:
        print(json.dumps({"skipped": "another process is running a delivery round"}))
        return 0
    print(json.dumps(report.as_dict(), ensure_ascii=False))
    return 0


def cmd_migrate(_: argparse.Namespace) -> int:
    """Create or upgrade the database schema."""
    from bot.services import open_storage

    settings = _settings()

    async def main() -> int:
        store = await open_storage(settings)
        try:
            return await store.schema_version()
        finally:
            await store.close()

    where = settings.database_path or "the PostgreSQL database"
    print(f"schema version {asyncio.run(main())} at {where}")
    return 0


def cmd_unanswered(args: argparse.Namespace) -> int:
    """List the most frequent questions the bot was not sure about."""
    from bot.services import open_storage
    from faq.answer import ANSWER_THRESHOLD

    settings = _settings()

    async def main() -> None:
        store = await open_storage(settings)
        try:
            for row in await store.unanswered(ANSWER_THRESHOLD, args.limit):
                print(f"{row.count}\t{row.best_score:.2f}\t{row.text}")
        finally:
            await store.close()

    asyncio.run(main())
    return 0


def cmd_copy_db(args: argparse.Namespace) -> int:
    """Copy every table from one database to another (SQLite ↔ PostgreSQL), verified."""
    from bot.config import ConfigError, Settings
    from bot.services import open_storage
    from db.copy import CopyError, copy_database

    def settings_for(url: str) -> Settings:
        try:
            return Settings.from_env({"DATABASE_URL": url})
        except ConfigError as exc:
            sys.exit(f"configuration error: {exc}")

    source_settings, target_settings = settings_for(args.source), settings_for(args.target)

    async def main() -> dict[str, int]:
        source = await open_storage(source_settings)
        try:
            target = await open_storage(target_settings)
            try:
                return await copy_database(source, target, force=args.force)
            finally:
                await target.close()
        finally:
            await source.close()

    try:
        counts = asyncio.run(main())
    except CopyError as exc:
        sys.exit(f"copy-db: {exc}")
    for table, count in counts.items():
        print(f"{table}: {count} rows")
    print("copied and verified")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """Describe the sub-commands."""
    parser = argparse.ArgumentParser(prog="main.py", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Telegram bot (console chat without a token)")
    sub.add_parser("serve", help="run the web server: webhooks, /healthz, /metrics")
    sub.add_parser("chat", help="chat with the bot in the terminal")
    sub.add_parser(
        "messenger-setup", help="set the Messenger Get Started button and persistent menu"
    )
    ask = sub.add_parser("ask", help="match a question and print JSON")
    ask.add_argument("question", nargs="*")
    ask.add_argument("--jsonl", action="store_true", help="one question per stdin line")
    check = sub.add_parser("check", help="check an offer for scam red flags, print JSON")
    check.add_argument("text", nargs="*")
    check.add_argument("--jsonl", action="store_true", help="one offer per stdin line")
    validate = sub.add_parser("validate", help="check the content files")
    validate.add_argument(
        "--stale-days",
        type=int,
        default=180,
        metavar="N",
        help="warn about facts last checked more than N days ago (default 180)",
    )
    validate.add_argument(
        "--content-dir", type=Path, default=None, help="content directory (default faq/content)"
    )
    push = sub.add_parser("push", help="one delivery round of the daily lesson")
    push.add_argument("--now", action="store_true", help="treat every delivery time as reached")
    sub.add_parser("migrate", help="create or upgrade the database")
    copy = sub.add_parser("copy-db", help="copy every table to another database, verified")
    copy.add_argument("--from", dest="source", required=True, help="source DATABASE_URL")
    copy.add_argument("--to", dest="target", required=True, help="target DATABASE_URL")
    copy.add_argument("--force", action="store_true", help="replace a non-empty target")
    unanswered = sub.add_parser("unanswered", help="most frequent low-confidence questions")
    unanswered.add_argument("--limit", type=int, default=30)
    from bot.admin.cli import add_commands

    parser.set_defaults(admin_commands=add_commands(sub))
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments and run one sub-command."""
    from bot.config import log_level, log_user_content

    setup_logging(log_level(os.environ), user_content=log_user_content(os.environ))
    args = build_parser().parse_args(argv)
    commands = {
        None: cmd_run,
        "run": cmd_run,
        "serve": cmd_serve,
        "chat": cmd_chat,
        "ask": cmd_ask,
        "check": cmd_check,
        "validate": cmd_validate,
        "push": cmd_push,
        "messenger-setup": cmd_messenger_setup,
        "migrate": cmd_migrate,
        "copy-db": cmd_copy_db,
        "unanswered": cmd_unanswered,
    }
    admin = getattr(args, "admin_commands", {})
    if args.command in admin:
        return admin[args.command](args, _settings())
    return commands[args.command](args)


def _fatal_message(exc: Exception) -> str | None:
    """The one line for errors whose message says it all; None for unexpected ones."""
    from bot.config import ConfigError
    from bot.errors import StartupError
    from db.store import DatabaseOpenError

    if isinstance(exc, ConfigError):
        return f"configuration error: {exc}"
    if isinstance(exc, StartupError | DatabaseOpenError):
        return str(exc)
    return None


def entry(argv: Sequence[str] | None = None) -> int:
    """Run ``main`` and turn any failure into one redacted line and a non-zero status."""
    try:
        return main(argv)
    except BrokenPipeError:
        # the reader went away (for example `| head`); nothing is left to say
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        known = _fatal_message(exc)
        if known is None:
            if logging.getLogger().isEnabledFor(logging.DEBUG):
                logging.exception("unexpected error")
            known = f"unexpected error: {type(exc).__name__}: {exc}"
        print(f"error: {redact(known)}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(entry())
