"""Load the content files under ``faq/content`` and validate them.

Every problem is reported with its file and line, so an editor who broke a file sees where.
"""

from __future__ import annotations

import ast
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from faq.lint import find_placeholders, lint_explanations, lint_text, quiz_balance
from faq.model import Branch, Content, Fact, Lesson, Quiz, Topic

__all__ = [
    "CONTENT_DIR",
    "REQUIRED_IDS",
    "REQUIRED_TOPICS",
    "TEXTS_FILE",
    "ContentError",
    "Problem",
    "check_content",
    "check_ui_texts",
    "load_content",
    "stale_facts",
    "today",
]

CONTENT_DIR = Path(__file__).with_name("content")
TEXTS_FILE = Path(__file__).with_name("texts.py")

# The ids that links, analytics, lessons and evaluation refer to (shared/spec/topics.md).
REQUIRED_TOPICS: dict[str, tuple[str, ...]] = {
    "basics": (
        "what_is_outsourcing",
        "freelancing_vs_outsourcing",
        "ict_outsourcing",
        "pros_and_cons",
        "bangladesh_outsourcing",
    ),
    "start": (
        "work_types",
        "choose_skill",
        "how_to_learn",
        "requirements",
        "english_needed",
        "marketplaces",
        "profile_and_portfolio",
        "first_job",
        "time_to_first_income",
    ),
    "earning": ("how_much_income", "payment_withdrawal", "tax_and_registration"),
    "scams": (
        "common_scams",
        "scam_red_flags",
        "fake_training",
        "verify_client",
        "account_safety",
        "if_scammed",
    ),
}

ID_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")
MAX_TITLE = 20  # a Messenger quick reply title holds 20 characters
# One Messenger message holds 2,000 characters (Telegram 4,096); the answer leaves room for
# its title and the "more" line.
MAX_ANSWER = 1900
MIN_ANSWER = 200
MAX_LESSON_TITLE = 40
MAX_LESSON = 1500
MAX_QUESTION = 300
MAX_OPTION = 100
MAX_EXPLANATION = 250
MAX_RELATED = 4


def today() -> date:
    """Return today's date in Bangladesh, where the content is checked and read."""
    return datetime.now(ZoneInfo("Asia/Dhaka")).date()


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a content file.

    ``lint`` problems (quotation marks, spelling, quiz design) fail ``validate`` but do not
    stop the bot from loading the content; every other problem does.
    """

    file: Path
    line: int
    message: str
    lint: bool = False

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(Exception):
    """Raised when the content has problems; ``problems`` lists them all."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(map(str, problems)))
        self.problems = problems


class _Source:
    """A parsed TOML file with a way to find the line a table or key starts on."""

    def __init__(self, path: Path, problems: list[Problem]) -> None:
        self.path = path
        self.data: dict[str, Any] = {}
        self.lines: list[str] = []
        try:
            raw = path.read_bytes()
            self.lines = raw.decode("utf-8").splitlines()
            self.data = tomllib.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            problems.append(Problem(path, 1, f"not UTF-8 text: {exc.reason}"))
        except tomllib.TOMLDecodeError as exc:
            found = re.search(r"line (\d+)", str(exc))
            line = int(found.group(1)) if found else 1
            problems.append(Problem(path, line, f"TOML syntax error: {exc}"))

    def line_of(self, pattern: str, start: int = 1) -> int:
        """Return the 1-based line at or after ``start`` whose text matches ``pattern``."""
        regex = re.compile(pattern)
        for number in range(max(start, 1), len(self.lines) + 1):
            if regex.search(self.lines[number - 1]):
                return number
        return start

    def key_line(self, key: str, start: int) -> int:
        """Return the line where ``key = …`` is set at or after ``start``."""
        return self.line_of(rf"^\s*{re.escape(key)}\s*=", start)

    def locate(self, start: int, value: str, offset: int) -> int:
        """Return the line at or after ``start`` that holds ``value[offset]``.

        The text around the offset (up to a line break or a TOML escape) is looked up in
        the file, so this works for one-line strings, multi-line strings and list items.
        """
        if not hasattr(self, "_nfc_lines"):
            self._nfc_lines = [unicodedata.normalize("NFC", line) for line in self.lines]
        stop = re.compile(r'[\n"\\]')
        before = stop.split(value[max(0, offset - 24) : offset])[-1].strip()
        after = stop.split(value[offset + 1 : offset + 25])[0].strip()
        # long snippets first; shorter ones when the text wraps inside the snippet
        for size in (24, 10, 5):
            for snippet in (before[-size:].strip(), after[:size].strip()):
                if len(snippet) < 3:
                    continue
                for number in range(max(start, 1), len(self._nfc_lines) + 1):
                    if snippet in self._nfc_lines[number - 1]:
                        return number
        return start


def _squash(text: str) -> str:
    """Collapse runs of white space, so a claim may wrap where the answer wraps."""
    return " ".join(text.split())


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value.strip())
    if isinstance(value, list):
        return [_nfc(v) for v in value]
    return value


FACT_KEYS = ("claim", "checked", "source")


class _Checker:
    def __init__(self, on: date, lint: bool) -> None:
        self.problems: list[Problem] = []
        self.today = on
        self.lint = lint

    def add(self, src: _Source, line: int, message: str, *, lint: bool = False) -> None:
        self.problems.append(Problem(src.path, line, message, lint))

    def voice(self, src: _Source, start: int, value: str, what: str) -> None:
        """Lint a text in the bot's own voice; report each finding on its own line."""
        seen: set[tuple[int, str]] = set()
        for found in lint_text(value) if self.lint else find_placeholders(value):
            line = src.locate(start, value, found.offset)
            if (line, found.message) in seen:
                continue  # one report per line is enough to find it
            seen.add((line, found.message))
            placeholder = found.message.startswith("placeholder")
            self.add(src, line, f"{what}: {found.message}", lint=not placeholder)

    def facts(
        self, src: _Source, raw: dict[str, Any], line: int, header: str, body: str, what: str
    ) -> tuple[Fact, ...]:
        """Read the ``[[topic.facts]]`` or ``[[lesson.facts]]`` tables of one entry."""
        items = raw.get("facts", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            self.add(src, line, f"{what}: 'facts' must be written as [[{header}]] tables")
            return ()
        facts = []
        flat_body = _squash(body)
        cursor = line
        header_re = rf"^\s*\[\[\s*{re.escape(header)}\s*\]\]"
        for item in items:
            fline = src.line_of(header_re, cursor)
            cursor = fline + 1
            fact = self._fact(src, item, fline, flat_body, f"{what}: fact")
            if fact is not None:
                facts.append(fact)
        return tuple(facts)

    def _fact(
        self, src: _Source, item: dict[str, Any], fline: int, flat_body: str, what: str
    ) -> Fact | None:
        ok = True
        for key in item:
            if key not in FACT_KEYS:
                self.add(
                    src,
                    src.key_line(key, fline),
                    f"{what}: unknown key {key!r} (a fact has claim, checked and source)",
                )
                ok = False
        claim = _nfc(item.get("claim"))
        cline = src.key_line("claim", fline) if "claim" in item else fline
        if not isinstance(claim, str) or not claim:
            self.add(src, cline, f"{what}: 'claim' is missing or empty")
            ok = False
        elif _squash(claim) not in flat_body:
            self.add(
                src,
                cline,
                f"{what}: the claim “{claim}” does not occur word for word in the text it "
                "belongs to",
            )
            ok = False
        checked = item.get("checked")
        dline = src.key_line("checked", fline) if "checked" in item else fline
        if checked is None:
            self.add(src, dline, f"{what}: 'checked' (the date it was last checked) is missing")
            ok = False
        elif not isinstance(checked, date) or isinstance(checked, datetime):
            self.add(
                src,
                dline,
                f"{what}: 'checked' must be a TOML date such as 2026-12-02 (no quotes, no "
                f"time), not {checked!r}",
            )
            ok = False
        elif checked > self.today:
            self.add(src, dline, f"{what}: 'checked' {checked.isoformat()} is in the future")
            ok = False
        source = item.get("source")
        sline = src.key_line("source", fline) if "source" in item else fline
        if not isinstance(source, str) or not source:
            self.add(src, sline, f"{what}: 'source' (an https URL) is missing")
            ok = False
        else:
            parts = urlsplit(source)
            if (
                parts.scheme != "https"
                or "." not in parts.netloc
                or any(c.isspace() for c in source)
            ):
                self.add(
                    src,
                    sline,
                    f"{what}: 'source' must be an https:// URL with a host, not {source!r}",
                )
                ok = False
        if not ok:
            return None
        return Fact(claim=claim, checked=checked, source=source, file=src.path, line=fline)

    def text(
        self,
        src: _Source,
        table: dict[str, Any],
        key: str,
        line: int,
        low: int,
        high: int,
        what: str,
        *,
        voice: bool = True,
    ) -> str:
        value = _nfc(table.get(key))
        where = src.key_line(key, line) if key in table else line
        if not isinstance(value, str) or not value:
            self.add(src, where, f"{what}: '{key}' is missing or empty")
            return ""
        if voice:
            self.voice(src, where, value, f"{what}: '{key}'")
        if not low <= len(value) <= high:
            self.add(
                src, where, f"{what}: '{key}' has {len(value)} characters (allowed {low}–{high})"
            )
        if "<" in value and re.search(r"</?[a-zA-Z][^>]*>", value):
            self.add(src, where, f"{what}: '{key}' contains HTML; content is plain text")
        return value

    def strings(
        self,
        src: _Source,
        table: dict[str, Any],
        key: str,
        line: int,
        low: int,
        what: str,
    ) -> tuple[str, ...]:
        value = _nfc(table.get(key, []))
        where = src.key_line(key, line) if key in table else line
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            self.add(src, where, f"{what}: '{key}' must be a list of non-empty strings")
            return ()
        if len(value) < low:
            self.add(src, where, f"{what}: '{key}' needs at least {low} entries, has {len(value)}")
        return tuple(value)


def _load_topics(
    files: list[Path], check: _Checker
) -> tuple[list[Branch], dict[str, Topic], dict[str, tuple[_Source, int]]]:
    branches: list[Branch] = []
    topics: dict[str, Topic] = {}
    where: dict[str, tuple[_Source, int]] = {}
    orders: dict[int, str] = {}
    for path in files:
        src = _Source(path, check.problems)
        if not src.data:
            continue
        head = src.data.get("branch")
        line = src.line_of(r"^\s*\[branch\]")
        if not isinstance(head, dict):
            check.add(src, 1, "missing the [branch] table")
            continue
        branch_id = head.get("id", "")
        if not isinstance(branch_id, str) or not ID_RE.match(branch_id):
            check.add(
                src, src.key_line("id", line), f"branch id {branch_id!r} is not a short ASCII slug"
            )
        if any(b.id == branch_id for b in branches):
            check.add(src, src.key_line("id", line), f"duplicate branch id {branch_id!r}")
        title = check.text(src, head, "title", line, 1, MAX_TITLE, f"branch {branch_id}")
        intro = check.text(src, head, "intro", line, 1, 300, f"branch {branch_id}")
        order = head.get("order")
        oline = src.key_line("order", line) if "order" in head else line
        if not isinstance(order, int) or isinstance(order, bool) or order < 1:
            check.add(
                src,
                oline,
                f"branch {branch_id}: 'order' must be a whole number from 1 (its place in the "
                "main menu)",
            )
            order = 99
        elif order in orders:
            check.add(
                src, oline, f"branch {branch_id}: order {order} is also branch {orders[order]}'s"
            )
        else:
            orders[order] = str(branch_id)
        ids: list[str] = []
        cursor = line
        for raw in src.data.get("topic", []):
            topic_id = raw.get("id", "")
            tline = src.line_of(rf"^\s*id\s*=\s*[\"']{re.escape(str(topic_id))}[\"']", cursor)
            cursor = tline + 1
            what = f"topic {topic_id}"
            if not isinstance(topic_id, str) or not ID_RE.match(topic_id):
                check.add(src, tline, f"topic id {topic_id!r} is not a short ASCII slug")
                continue
            if topic_id in topics:
                first = where[topic_id]
                check.add(
                    src,
                    tline,
                    f"duplicate topic id {topic_id!r} (first in {first[0].path}:{first[1]})",
                )
                continue
            title = check.text(src, raw, "title", tline, 1, MAX_TITLE, what)
            answer = check.text(src, raw, "answer", tline, MIN_ANSWER, MAX_ANSWER, what)
            covers = _covers(src, raw, tline, topic_id, check)
            topic = Topic(
                id=topic_id,
                branch_id=branch_id,
                title=title,
                answer=answer,
                examples=check.strings(src, raw, "examples", tline, 3, what),
                keywords=check.strings(src, raw, "keywords", tline, 3, what),
                related=check.strings(src, raw, "related", tline, 1, what),
                facts=check.facts(src, raw, tline, "topic.facts", answer, what),
                covers=covers,
            )
            topics[topic_id] = topic
            where[topic_id] = (src, tline)
            ids.append(topic_id)
        if not ids:
            check.add(src, line, f"branch {branch_id} has no topics")
        branches.append(Branch(branch_id, title, intro, order, tuple(ids)))
    branches.sort(key=lambda b: (b.order, b.id))
    return branches, topics, where


REQUIRED_IDS = frozenset(t for ids in REQUIRED_TOPICS.values() for t in ids)


def _covers(src: _Source, raw: dict[str, Any], line: int, topic_id: str, check: _Checker) -> str:
    """Read a topic's ``covers``: the required id whose scope (topics.md) holds it.

    A required topic covers itself (the key may be left out); every other topic must name
    one of the 23 required ids, since evaluation only knows those.
    """
    value = raw.get("covers")
    where = src.key_line("covers", line) if "covers" in raw else line
    if topic_id in REQUIRED_IDS:
        if value is not None and value != topic_id:
            check.add(
                src,
                where,
                f"topic {topic_id}: a required topic covers itself, not {value!r} (leave "
                "'covers' out)",
            )
        return topic_id
    if value is None:
        check.add(
            src,
            where,
            f"topic {topic_id}: 'covers' is missing: name the required topic of "
            "shared/spec/topics.md whose scope holds this one",
        )
    elif not isinstance(value, str) or value not in REQUIRED_IDS:
        check.add(
            src,
            where,
            f"topic {topic_id}: 'covers' must be one of the 23 required topic ids, not {value!r}",
        )
    else:
        return value
    return topic_id


def _check_tree(
    branches: list[Branch],
    topics: dict[str, Topic],
    where: dict[str, tuple[_Source, int]],
    check: _Checker,
    any_file: Path,
) -> None:
    present = {b.id for b in branches}
    for branch_id, required in REQUIRED_TOPICS.items():
        if branch_id not in present:
            check.problems.append(
                Problem(any_file, 1, f"required branch {branch_id!r} is missing")
            )
        for topic_id in required:
            topic = topics.get(topic_id)
            if topic is None:
                check.problems.append(
                    Problem(any_file, 1, f"required topic {topic_id!r} is missing")
                )
            elif topic.branch_id != branch_id:
                src, line = where[topic_id]
                check.add(src, line, f"topic {topic_id!r} belongs under branch {branch_id!r}")
    for topic in topics.values():
        src, line = where[topic.id]
        rline = src.key_line("related", line)
        if len(topic.related) > MAX_RELATED:
            check.add(src, rline, f"topic {topic.id}: at most {MAX_RELATED} related topics")
        for rel in topic.related:
            if rel not in topics:
                check.add(src, rline, f"topic {topic.id}: related id {rel!r} does not exist")
            elif rel == topic.id:
                check.add(src, rline, f"topic {topic.id}: related to itself")


def _load_lessons(files: list[Path], topics: dict[str, Topic], check: _Checker) -> list[Lesson]:
    lessons: dict[int, Lesson] = {}
    quiz_at: dict[int, tuple[_Source, int]] = {}
    for path in files:
        src = _Source(path, check.problems)
        for raw in src.data.get("lesson", []):
            day = raw.get("day")
            line = src.line_of(rf"^\s*day\s*=\s*{day}\b")
            what = f"lesson day {day}"
            if not isinstance(day, int) or day < 1:
                check.add(src, line, f"lesson day {day!r} must be a positive whole number")
                continue
            if day in lessons:
                check.add(src, line, f"duplicate lesson day {day}")
                continue
            related = check.strings(src, raw, "related", line, 1, what)
            for rel in related:
                if rel not in topics:
                    check.add(
                        src,
                        src.key_line("related", line),
                        f"{what}: related id {rel!r} does not exist",
                    )
            quiz_raw = raw.get("quiz")
            qline = src.line_of(r"^\s*\[lesson\.quiz\]", line)
            if not isinstance(quiz_raw, dict):
                check.add(src, line, f"{what}: the [lesson.quiz] table is missing")
                quiz_raw = {}
            options = check.strings(src, quiz_raw, "options", qline, 3, what)
            explanations = check.strings(src, quiz_raw, "explanations", qline, 3, what)
            for key, texts in (("options", options), ("explanations", explanations)):
                kline = src.key_line(key, qline)
                for number, text in enumerate(texts, 1):
                    check.voice(src, kline, text, f"{what}: {key[:-1]} {number}")
            answer = quiz_raw.get("answer")
            if len(options) > 4:
                check.add(src, src.key_line("options", qline), f"{what}: at most 4 options")
            for option in options:
                if len(option) > MAX_OPTION:
                    check.add(
                        src,
                        src.key_line("options", qline),
                        f"{what}: option longer than {MAX_OPTION} characters",
                    )
            for text in explanations:
                if len(text) > MAX_EXPLANATION:
                    check.add(
                        src,
                        src.key_line("explanations", qline),
                        f"{what}: explanation longer than {MAX_EXPLANATION} characters",
                    )
            if len(explanations) != len(options):
                check.add(
                    src,
                    src.key_line("explanations", qline),
                    f"{what}: one explanation per option is needed",
                )
            if not isinstance(answer, int) or not 1 <= answer <= len(options):
                check.add(
                    src,
                    src.key_line("answer", qline),
                    f"{what}: 'answer' must be an option number from 1 to {len(options)}",
                )
                answer = 1
            quiz = Quiz(
                question=check.text(src, quiz_raw, "question", qline, 1, MAX_QUESTION, what),
                options=options,
                answer=answer - 1,
                explanations=explanations,
            )
            if check.lint and len(explanations) == len(options):
                eline = src.key_line("explanations", qline)
                for index, message in lint_explanations(quiz):
                    at = src.locate(eline, explanations[index], 0)
                    check.add(src, at, f"{what}: {message}", lint=True)
            title = check.text(src, raw, "title", line, 1, MAX_LESSON_TITLE, what)
            text = check.text(src, raw, "text", line, 100, MAX_LESSON, what)
            lessons[day] = Lesson(
                day=day,
                title=title,
                text=text,
                related=related,
                quiz=quiz,
                facts=check.facts(src, raw, line, "lesson.facts", text, what),
            )
            quiz_at[day] = (src, src.key_line("answer", qline))
    days = sorted(lessons)
    if days and days != list(range(1, len(days) + 1)):
        missing = sorted(set(range(1, days[-1] + 1)) - set(days))
        check.problems.append(Problem(files[0], 1, f"lesson days have gaps: missing {missing}"))
    balance = quiz_balance([(d, lessons[d].quiz) for d in days if len(lessons[d].quiz.options)])
    for message in balance.problems() if check.lint else ():
        src, line = quiz_at[days[0]]
        check.add(src, line, message, lint=True)
    return [lessons[d] for d in days]


def _load_synonyms(path: Path, check: _Checker) -> tuple[tuple[str, ...], ...]:
    if not path.exists():
        return ()
    src = _Source(path, check.problems)
    groups = []
    for index, group in enumerate(src.data.get("group", [])):
        words = group.get("words") if isinstance(group, dict) else None
        line = src.line_of(r"^\s*words\s*=", 1)
        for _ in range(index):
            line = src.line_of(r"^\s*words\s*=", line + 1)
        if (
            not isinstance(words, list)
            or len(words) < 2
            or not all(isinstance(w, str) and w for w in words)
        ):
            check.add(src, line, "a synonym group needs 'words' with at least two words")
            continue
        groups.append(tuple(_nfc(words)))
    return tuple(groups)


def _load_domain_words(path: Path, check: _Checker) -> tuple[str, ...]:
    if not path.exists():
        return ()
    src = _Source(path, check.problems)
    words = src.data.get("words", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        check.add(src, src.key_line("words", 1), "'words' must be a list of non-empty strings")
        return ()
    return tuple(_nfc(words))


def check_content(
    directory: Path = CONTENT_DIR, *, on: date | None = None, lint: bool = True
) -> tuple[Content, list[Problem]]:
    """Load the content under ``directory`` and return it with every problem found.

    ``on`` is the date a fact's ``checked`` may not be after (default: today in Dhaka);
    ``lint=False`` skips the style checks (the bot does not need them to start).
    """
    check = _Checker(on or today(), lint)
    topic_files = sorted((directory / "topics").glob("*.toml"))
    lesson_files = sorted((directory / "lessons").glob("*.toml"))
    if not topic_files:
        check.problems.append(Problem(directory / "topics", 0, "no topic files found"))
    branches, topics, where = _load_topics(topic_files, check)
    if topic_files:
        _check_tree(branches, topics, where, check, topic_files[0])
    lessons = _load_lessons(lesson_files, topics, check) if lesson_files else []
    synonyms = _load_synonyms(directory / "synonyms.toml", check)
    domain = _load_domain_words(directory / "domain.toml", check)
    content = Content(tuple(branches), topics, tuple(lessons), synonyms, domain)
    return content, check.problems


def load_content(directory: Path = CONTENT_DIR) -> Content:
    """Load and validate the content; raise ContentError listing every problem.

    Lint problems (style) are left to ``python main.py validate``; anything that would make
    the bot show a broken answer, lesson or fact stops the load.
    """
    content, problems = check_content(directory, lint=False)
    errors = [p for p in problems if not p.lint]
    if errors:
        raise ContentError(errors)
    return content


def stale_facts(content: Content, max_age_days: int, on: date | None = None) -> list[Fact]:
    """Return the facts last checked more than ``max_age_days`` days before ``on``."""
    day = on or today()
    return [f for f in content.facts() if (day - f.checked).days > max_age_days]


def check_ui_texts(path: Path = TEXTS_FILE) -> list[Problem]:
    """Lint every string constant of ``faq/texts.py`` like content in the bot's voice."""
    problems: list[Problem] = []
    source = path.read_text("utf-8")
    lines = [unicodedata.normalize("NFC", line) for line in source.splitlines()]
    src = _Source.__new__(_Source)
    src.path, src.lines, src.data = path, lines, {}
    for node in ast.parse(source).body:
        if not isinstance(node, ast.Assign):
            continue
        name = ", ".join(t.id for t in node.targets if isinstance(t, ast.Name))
        seen: set[tuple[int, str]] = set()
        # every string in the value: a plain constant, "a" + NAME, a dict of texts…
        for part in ast.walk(node.value):
            if not (isinstance(part, ast.Constant) and isinstance(part.value, str)):
                continue
            value = unicodedata.normalize("NFC", part.value)
            for found in lint_text(value, placeholders=False):
                line = src.locate(part.lineno, value, found.offset)
                if (line, found.message) not in seen:
                    seen.add((line, found.message))
                    problems.append(Problem(path, line, f"{name}: {found.message}", lint=True))
    return problems
