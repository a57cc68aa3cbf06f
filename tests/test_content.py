"""Content validation: the shipped files pass; broken files are reported with file and line."""

from __future__ import annotations

import shutil
import textwrap
from datetime import date
from pathlib import Path

import pytest

from faq.actions import Feedback, OpenTopic, pack
from faq.content import (
    CONTENT_DIR,
    MAX_TITLE,
    REQUIRED_TOPICS,
    TEXTS_FILE,
    ContentError,
    check_content,
    check_ui_texts,
    load_content,
    stale_facts,
)
from faq.lint import BANNED_SPELLINGS, lint_text, quiz_balance
from faq.model import Content, Quiz


def test_shipped_content_is_valid() -> None:
    content, problems = check_content(CONTENT_DIR)
    assert [str(p) for p in problems if not p.lint] == []
    assert {t for ids in REQUIRED_TOPICS.values() for t in ids} <= set(content.topics)


SHIPPED_FILES = [*sorted(CONTENT_DIR.glob("*/*.toml")), TEXTS_FILE]


@pytest.mark.parametrize("path", SHIPPED_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_shipped_file_passes_the_lint(path: Path) -> None:
    """Quotes, spellings, explanation prefixes and quiz balance, one file at a time."""
    _, problems = check_content(CONTENT_DIR)
    problems += check_ui_texts()
    assert [str(p) for p in problems if p.file == path] == []


def test_shipped_content_fits_the_channels(content: Content) -> None:
    for topic in content.topics.values():
        assert len(topic.title) <= MAX_TITLE
        assert 600 <= len(topic.answer) <= 1900, topic.id
        assert len(pack(OpenTopic(topic.id)).encode()) <= 64
        assert len(pack(Feedback(False, topic.id)).encode()) <= 64
        assert topic.id not in topic.related
        assert len(topic.examples) >= 15, topic.id
    assert len(content.lessons) >= 21
    for lesson in content.lessons:
        assert len(lesson.text) <= 1500
        assert 3 <= len(lesson.quiz.options) <= 4


@pytest.fixture
def broken_copy(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, target)
    return target


def _line_of(path: Path, needle: str) -> int:
    for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_dangling_related_id_is_reported_with_its_line(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "scams.toml"
    text = path.read_text("utf-8")
    start = text.index('id = "if_scammed"')
    related = text.index("related = [", start)
    text = text[:related] + 'related = ["no_such_topic"]\n#' + text[related + len("related = [") :]
    path.write_text(text, "utf-8")
    _, problems = check_content(broken_copy)
    matching = [p for p in problems if "no_such_topic" in p.message]
    assert matching, problems
    assert matching[0].file == path
    assert matching[0].line == _line_of(path, 'related = ["no_such_topic"]')


def test_duplicate_id_and_long_title_are_reported(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "earning.toml"
    extra = (
        '\n[[topic]]\nid = "tax_and_registration"\ntitle = "এটি একটি অনেক লম্বা শিরোনাম যা সীমা ছাড়ায়"\n'
        'answer = """'
        + "ক"
        * 700
        + '"""\nexamples = ["a", "b", "c"]\nkeywords = ["a", "b", "c"]\n'
        'related = ["how_much_income"]\n'
    )
    path.write_text(path.read_text("utf-8") + extra, "utf-8")
    _, problems = check_content(broken_copy)
    messages = [str(p) for p in problems]
    assert any("duplicate topic id 'tax_and_registration'" in m for m in messages), messages
    lines = path.read_text("utf-8").splitlines()
    dup_line = len(lines) - lines[::-1].index('id = "tax_and_registration"')
    assert any(p.line == dup_line and "duplicate" in p.message for p in problems)


def test_toml_syntax_error_points_at_the_line(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "basics.toml"
    lines = path.read_text("utf-8").splitlines()
    lines.insert(3, "this is = = not toml")
    path.write_text("\n".join(lines), "utf-8")
    _, problems = check_content(broken_copy)
    assert any(p.file == path and p.line == 4 and "syntax" in p.message for p in problems)


def test_missing_required_topic_and_quiz_answer_out_of_range(broken_copy: Path) -> None:
    (broken_copy / "topics" / "scams.toml").unlink()
    lesson_file = sorted((broken_copy / "lessons").glob("*.toml"))[0]
    text = lesson_file.read_text("utf-8")
    first = text.index("answer = ")
    end = text.index("\n", first)
    lesson_file.write_text(text[:first] + "answer = 9" + text[end:], "utf-8")
    _, problems = check_content(broken_copy)
    messages = " | ".join(str(p) for p in problems)
    assert "required topic 'common_scams' is missing" in messages
    bad = [p for p in problems if "'answer' must be" in p.message]
    assert bad and bad[0].file == lesson_file
    assert bad[0].line == _line_of(lesson_file, "answer = 9")


def test_html_in_an_answer_is_rejected(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "start.toml"
    text = path.read_text("utf-8").replace('answer = """', 'answer = """<b>bold</b> ', 1)
    path.write_text(text, "utf-8")
    _, problems = check_content(broken_copy)
    assert any("HTML" in p.message and p.file == path for p in problems)


# --- small content trees written to tmp_path: each new check must fire -------------------

TODAY = date(2026, 12, 2)
ANSWER = (
    "২০২৬ সালের জানুয়ারি থেকে ফ্রিল্যান্সারদের জন্য বিনা মূল্যে নিবন্ধনের একটি প্ল্যাটফর্ম চালু "
    "হয়েছে। " + "এটি একটি নমুনা উত্তর, যা শুধু পরীক্ষার জন্য লেখা। " * 12
)


def _topic(
    topic_id: str = "sample_topic",
    *,
    title: str = "নমুনা বিষয়",
    answer: str = ANSWER,
    examples: str = '["ek", "dui", "tin"]',
    facts: str = "",
) -> str:
    return (
        f'[[topic]]\nid = "{topic_id}"\ncovers = "what_is_outsourcing"\ntitle = "{title}"\n'
        f'answer = """\n{answer}\n"""\nexamples = {examples}\nkeywords = ["ক", "খ", "গ"]\n'
        f'related = ["{"sample_topic" if topic_id == "other_topic" else "other_topic"}"]\n'
        + textwrap.dedent(facts)
    )


def _branch(branch_id: str, order: int, *topics: str) -> str:
    head = (
        f'[branch]\nid = "{branch_id}"\ntitle = "শাখা {branch_id}"\norder = {order}\n'
        'intro = "এক লাইনের পরিচিতি।"\n\n'
    )
    return head + "\n".join(topics)


def _tree(tmp_path: Path, topics: str, lessons: str | None = None) -> Path:
    root = tmp_path / "content"
    (root / "topics").mkdir(parents=True)
    (root / "topics" / "one.toml").write_text(topics, "utf-8")
    if lessons is not None:
        (root / "lessons").mkdir()
        (root / "lessons" / "course.toml").write_text(lessons, "utf-8")
    return root


def _sample(tmp_path: Path, **kwargs: str) -> tuple[Path, list]:
    text = _branch("basics", 1, _topic(**kwargs), _topic("other_topic"))
    root = _tree(tmp_path, text)
    _, problems = check_content(root, on=TODAY)
    # the tree lacks the 23 required topics on purpose; those problems are not under test
    return root / "topics" / "one.toml", [p for p in problems if "required" not in p.message]


GOOD_FACT = """
[[topic.facts]]
claim = "২০২৬ সালের জানুয়ারি থেকে ফ্রিল্যান্সারদের জন্য বিনা মূল্যে নিবন্ধনের"
checked = 2026-11-26
source = "https://www.prothomalo.com/example"
"""


def test_a_good_fact_is_loaded_into_the_model(tmp_path: Path) -> None:
    root = _tree(tmp_path, _branch("basics", 1, _topic(facts=GOOD_FACT), _topic("other_topic")))
    content, problems = check_content(root, on=TODAY)
    assert [p for p in problems if "required" not in p.message] == []
    (fact,) = content.topics["sample_topic"].facts
    path = root / "topics" / "one.toml"
    assert fact.checked == date(2026, 11, 26)
    assert fact.source.startswith("https://")
    assert (fact.file, fact.line) == (path, _line_of(path, "[[topic.facts]]"))
    assert content.facts() == (fact,)


@pytest.mark.parametrize(
    ("change", "needle", "message"),
    [
        (('claim = "২০২৬', 'claim = "২০২৫'), "claim =", "does not occur word for word"),
        (("checked = 2026-11-26", 'checked = "2026-11-26"'), "checked =", "must be a TOML date"),
        (("checked = 2026-11-26", "checked = 2027-01-01"), "checked =", "is in the future"),
        (("checked = 2026-11-26\n", ""), "[[topic.facts]]", "'checked' (the date"),
        (("https://www.prothomalo", "http://www.prothomalo"), "source =", "https:// URL"),
        (
            ('source = "https://www.prothomalo.com/example"', 'source = "prothomalo.com"'),
            "source =",
            "https:// URL",
        ),
        (("source = ", "url = "), "url =", "unknown key 'url'"),
    ],
)
def test_a_broken_fact_is_reported_at_its_line(
    tmp_path: Path, change: tuple[str, str], needle: str, message: str
) -> None:
    path, problems = _sample(tmp_path, facts=GOOD_FACT.replace(*change))
    matching = [p for p in problems if message in p.message]
    assert matching, problems
    assert (matching[0].file, matching[0].line) == (path, _line_of(path, needle))
    assert not matching[0].lint  # a broken fact stops the bot from loading the content


def test_a_claim_may_wrap_where_the_answer_wraps(tmp_path: Path) -> None:
    wrapped = GOOD_FACT.replace("ফ্রিল্যান্সারদের জন্য", "ফ্রিল্যান্সারদের\\nজন্য")
    _, problems = _sample(tmp_path, facts=wrapped)
    assert problems == []


def test_lesson_facts_use_the_same_format(tmp_path: Path) -> None:
    lessons = _lessons([2, 1, 3, 1, 2], facts_on_day=1)
    root = _tree(tmp_path, _branch("basics", 1, _topic(), _topic("other_topic")), lessons)
    content, problems = check_content(root, on=TODAY)
    assert [p for p in problems if "required" not in p.message] == []
    (fact,) = content.lessons[0].facts
    assert fact.checked == date(2025, 1, 1)
    bad = lessons.replace("আজকের পাঠ দিন 1।", "আজকের পাঠ দিন এক।", 1)
    (root / "lessons" / "course.toml").write_text(bad, "utf-8")
    _, problems = check_content(root, on=TODAY)
    assert any("does not occur word for word" in p.message for p in problems), problems


def test_stale_facts_are_listed_by_validate_without_failing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import main

    root = _tree(tmp_path, _branch("basics", 1, _topic(facts=GOOD_FACT), _topic("other_topic")))
    content, _ = check_content(root, on=TODAY)
    assert stale_facts(content, 5, TODAY) == list(content.facts())
    assert stale_facts(content, 6, TODAY) == []
    codes = []
    for days in ("100000", "0"):
        codes.append(main.main(["validate", "--content-dir", str(root), "--stale-days", days]))
        out = capsys.readouterr().out
        assert "stale-fact report: 1 dated fact(s)" in out
    path = root / "topics" / "one.toml"
    assert f"{path}:{_line_of(path, '[[topic.facts]]')}: warning: fact checked 2026-11-26" in out
    assert "older than 0 days" in out
    assert codes[0] == codes[1]  # stale facts are a warning, not a failure


# --- covers: every topic counts as one of the 23 required ids -----------------------------


def test_every_topic_covers_a_required_topic(content: Content) -> None:
    from faq.content import REQUIRED_IDS

    assert len(REQUIRED_IDS) == 23
    for topic in content.topics.values():
        assert topic.covers in REQUIRED_IDS
        if topic.id in REQUIRED_IDS:
            assert topic.covers == topic.id
    assert content.required_id("payment_routes") == "payment_withdrawal"
    assert content.required_ids(
        ["payment_routes", "payment_withdrawal", "phone_only", "requirements", "marketplaces"],
        leave_out="marketplaces",
    ) == ["payment_withdrawal", "requirements"]


@pytest.mark.parametrize(
    ("covers", "message"),
    [
        ("", "'covers' is missing"),
        ('covers = "govt_programs"\n', "must be one of the 23 required topic ids"),
        ("covers = 3\n", "must be one of the 23 required topic ids"),
    ],
)
def test_a_bad_covers_is_reported_at_its_line(tmp_path: Path, covers: str, message: str) -> None:
    text = _branch("basics", 1, _topic(), _topic("other_topic"))
    text = text.replace('covers = "what_is_outsourcing"\n', covers, 1)
    root = _tree(tmp_path, text)
    _, problems = check_content(root, on=TODAY)
    found = [p for p in problems if message in p.message]
    assert found and not found[0].lint, problems
    path = root / "topics" / "one.toml"
    needle = "covers =" if covers else 'id = "sample_topic"'
    assert (found[0].file, found[0].line) == (path, _line_of(path, needle))
    with pytest.raises(ContentError, match="covers"):
        load_content(root)


def test_a_required_topic_covers_itself(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "earning.toml"
    text = path.read_text("utf-8")
    path.write_text(
        text.replace('id = "how_much_income"\n', 'id = "how_much_income"\ncovers = "first_job"\n'),
        "utf-8",
    )
    _, problems = check_content(broken_copy)
    found = [p for p in problems if "covers itself" in p.message]
    assert found and found[0].line == _line_of(path, 'covers = "first_job"'), problems


# --- branches: any number, in the order given by `order` ----------------------------------


def test_another_branch_is_accepted_in_menu_order(broken_copy: Path) -> None:
    topic = _topic("new_extra_topic").replace('"other_topic"', '"account_safety"')
    (broken_copy / "topics" / "extra.toml").write_text(_branch("extra", 6, topic), "utf-8")
    content, problems = check_content(broken_copy)
    assert [str(p) for p in problems if not p.lint] == []
    assert [b.id for b in content.branches] == [
        "basics",
        "start",
        "earning",
        "accounts",
        "scams",
        "extra",
    ]


def test_branch_order_must_be_unique_and_whole(broken_copy: Path) -> None:
    topic = _topic("new_extra_topic").replace('"other_topic"', '"account_safety"')
    path = broken_copy / "topics" / "extra.toml"
    path.write_text(_branch("extra", 4, topic), "utf-8")  # accounts has order 4
    _, problems = check_content(broken_copy)
    assert any("order 4 is also branch" in p.message for p in problems), problems
    path.write_text(_branch("extra", 4, topic).replace("order = 4", 'order = "4"'), "utf-8")
    _, problems = check_content(broken_copy)
    bad = [p for p in problems if "'order' must be a whole number" in p.message]
    assert bad and bad[0].line == _line_of(path, "order =")


# --- lint: quotes, spellings, prefixes -----------------------------------------------------


@pytest.mark.parametrize("mark", ["«", "»", '\\"'])
def test_forbidden_quotes_are_reported_at_their_line(tmp_path: Path, mark: str) -> None:
    answer = ANSWER + f"\nশেষ লাইনে {mark}উদ্ধৃতি{mark} আছে।"
    path, problems = _sample(tmp_path, answer=answer)
    quotes = [p for p in problems if p.message.startswith("topic sample_topic: 'answer': quotes")]
    assert quotes and all(p.lint for p in quotes), problems
    assert quotes[0].line == _line_of(path, "শেষ লাইনে")


def test_curly_quotes_pass_and_examples_are_exempt(tmp_path: Path) -> None:
    answer = ANSWER + "\nতিনি বললেন, “এটি ‘নমুনা’ কথা”।"
    _, problems = _sample(tmp_path, answer=answer, examples='["«kivabe» korbo", "a", "b"]')
    assert problems == []
    _, problems = _sample(tmp_path / "x", answer=ANSWER + "\nএকটি “খোলা উদ্ধৃতি।")
    assert any("unbalanced" in p.message for p in problems), problems


@pytest.mark.parametrize(("bad", "good"), BANNED_SPELLINGS)
def test_every_banned_spelling_fires(bad: str, good: str) -> None:
    assert any(f"«{bad}» → «{good}»" in f.message for f in lint_text(f"এখানে {bad} লেখা"))
    assert not any(bad in f.message for f in lint_text(f"এখানে {good} লেখা"))


def test_banned_spelling_in_a_title_is_reported_and_examples_are_exempt(tmp_path: Path) -> None:
    path, problems = _sample(
        tmp_path, title="কিভাবে শিখবো?", examples='["kivabe", "কিভাবে শুরু করবো", "c"]'
    )
    messages = [p.message for p in problems]
    assert "topic sample_topic: 'title': spelling: «কিভাবে» → «কীভাবে»" in messages
    assert "topic sample_topic: 'title': spelling: «শিখবো» → «শিখব»" in messages
    assert all(p.line == _line_of(path, 'title = "কিভাবে') for p in problems)
    assert len(problems) == 2  # nothing from the examples


def test_any_colloquial_future_in_bo_fires() -> None:
    (finding,) = lint_text("আমরা পরে জানাবো।")
    assert finding.message == "spelling: «জানাবো» → «জানাব» (প্রমিত -ব)"
    assert lint_text("আমরা পরে জানাব।") == []


def test_a_placeholder_is_an_error(tmp_path: Path) -> None:
    _, problems = _sample(tmp_path, answer=ANSWER + "\nফি {fee} টাকা। TODO")
    placeholders = [p for p in problems if "placeholder" in p.message]
    assert len(placeholders) == 3 and not any(p.lint for p in placeholders)


def _quiz(answer: int, lengths: tuple[int, ...] = (10, 10, 10)) -> str:
    options = ", ".join(f'"{chr(0x995 + i) * n}"' for i, n in enumerate(lengths))
    explanations = ", ".join(
        f'"{"ঠিক।" if i + 1 == answer else "ভুল।"} কারণ {i + 1}"' for i in range(len(lengths))
    )
    return (
        '[lesson.quiz]\nquestion = "কোনটি ঠিক?"\n'
        f"options = [{options}]\nanswer = {answer}\nexplanations = [{explanations}]\n"
    )


def _lessons(
    answers: list[int],
    lengths: list[tuple[int, ...]] | None = None,
    facts_on_day: int | None = None,
) -> str:
    out = []
    for day, answer in enumerate(answers, 1):
        text = f"আজকের পাঠ দিন {day}। " + "এটি একটি নমুনা পাঠ। " * 10
        facts = ""
        if day == facts_on_day:
            facts = (
                f'[[lesson.facts]]\nclaim = "আজকের পাঠ দিন {day}"\nchecked = 2025-01-01\n'
                'source = "https://example.org/page"\n'
            )
        out.append(
            f'[[lesson]]\nday = {day}\ntitle = "দিন {day}"\ntext = """\n{text}\n"""\n'
            'related = ["sample_topic"]\n\n'
            + _quiz(answer, (lengths or [(10, 10, 10)] * len(answers))[day - 1])
            + facts
        )
    return "\n".join(out)


def _course_problems(tmp_path: Path, lessons: str) -> tuple[Path, list]:
    root = _tree(tmp_path, _branch("basics", 1, _topic(), _topic("other_topic")), lessons)
    _, problems = check_content(root, on=TODAY)
    return root / "lessons" / "course.toml", [p for p in problems if "required" not in p.message]


def test_explanation_prefixes_are_checked(tmp_path: Path) -> None:
    lessons = _lessons([2, 1, 3, 1, 2]).replace('"ভুল। কারণ 3"', '"কারণ 3"', 1)
    lessons = lessons.replace('"ঠিক। কারণ 1"', '"ভুল। কারণ 1"', 1)  # day 2's right option
    path, problems = _course_problems(tmp_path, lessons)
    messages = {(p.line, p.message) for p in problems}
    assert (
        _line_of(path, '"কারণ 3"'),
        "lesson day 1: explanation 3 (a wrong option) must begin with «ভুল।»",
    ) in messages
    assert any(
        "day 2: explanation 1 (the right option) must begin with «ঠিক।»" in m for _, m in messages
    )
    assert len(problems) == 2


def test_a_balanced_course_passes(tmp_path: Path) -> None:
    # the right option is the middle one by length on four days, longest once, shortest once
    lengths = [(14, 12, 8), (11, 14, 9), (15, 10, 12), (10, 8, 13), (8, 12, 10), (8, 11, 13)]
    _, problems = _course_problems(tmp_path, _lessons([2, 1, 3, 3, 1, 2], lengths))
    assert problems == []


def test_longest_option_course_is_reported(tmp_path: Path) -> None:
    lengths = [(10, 20, 8), (30, 14, 11), (15, 10, 22), (10, 11, 13), (12, 19, 10), (8, 13, 11)]
    path, problems = _course_problems(tmp_path, _lessons([2, 1, 3, 3, 1, 2], lengths))
    (problem,) = problems
    assert "'always pick the longest option' scores 83% of 6 quizzes" in problem.message
    assert problem.message.endswith("days 1, 2, 3, 4, 6")
    assert (problem.file, problem.line) == (path, _line_of(path, "answer ="))


def test_fixed_position_and_cycle_are_reported(tmp_path: Path) -> None:
    _, problems = _course_problems(tmp_path, _lessons([2, 2, 1, 2, 3, 2]))
    assert ["'always pick option 2' scores 67%" in p.message for p in problems] == [True]
    _, problems = _course_problems(tmp_path / "x", _lessons([2, 3, 1, 2, 3, 1, 2, 3]))
    assert any("repeat every 3 quiz(zes)" in p.message for p in problems), problems


def test_quiz_balance_figures() -> None:
    quizzes = [
        (1, Quiz("?", ("কক", "ক", "ককক"), 2, ("", "", ""))),  # right and longest
        (2, Quiz("?", ("কক", "কক", "ক"), 0, ("", "", ""))),  # tied longest: half a point
        (3, Quiz("?", ("ককক", "ক", "কক", "ক"), 1, ("", "", "", ""))),  # right and shortest (tie)
    ]
    balance = quiz_balance(quizzes)
    assert balance.longest == pytest.approx(1.5 / 3)
    assert balance.shortest == pytest.approx(0.5 / 3)
    assert balance.positions == {1: 1 / 3, 2: 1 / 3, 3: 1 / 3, 4: 0.0}
    assert balance.longest_days == (1,)
    assert balance.problems() == []  # fewer than five quizzes are not judged


def test_ui_texts_are_linted(tmp_path: Path) -> None:
    path = tmp_path / "texts.py"
    path.write_text(
        'OK = "ঠিক আছে"\nBAD = (\n    "একটি লাইন, "\n    "যেমন «কিভাবে শুরু করবো»"\n)\n', "utf-8"
    )
    problems = check_ui_texts(path)
    assert {(p.line, p.message) for p in problems} == {
        (4, "BAD: quotes: « is not used; write “ ” (and ‘ ’ inside quotes)"),
        (4, "BAD: quotes: » is not used; write “ ” (and ‘ ’ inside quotes)"),
        (4, "BAD: spelling: «কিভাবে» → «কীভাবে»"),
        (4, "BAD: spelling: «করবো» → «করব»"),
    }


def test_lint_problems_do_not_stop_the_bot_but_errors_do(broken_copy: Path) -> None:
    path = broken_copy / "topics" / "basics.toml"
    text = path.read_text("utf-8").replace('answer = """\n', 'answer = """\nকিভাবে «এটি» ', 1)
    path.write_text(text, "utf-8")
    load_content(broken_copy)  # style problems are for `validate`, not a reason to go dark
    path.write_text(text.replace('answer = """\n', 'answer = """\n{placeholder} ', 1), "utf-8")
    with pytest.raises(ContentError):
        load_content(broken_copy)


def test_single_quotes_belong_inside_double_ones() -> None:
    (finding,) = lint_text("তিনি ‘হ্যাঁ’ বললেন।")
    assert finding.message == "quotes: ‘ ’ go inside “ ”; write “ ” here"
    assert finding.offset == len("তিনি ")
    assert lint_text("তিনি বললেন, “এটি ‘নমুনা’ কথা”। Fiverr’s fee.") == []
