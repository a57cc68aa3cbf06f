"""The scam check: the shipped red flags, their validation, the matcher and the replies."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path

import pytest

from bot.console import run_console
from db.store import Store
from faq import offer_texts
from faq.actions import MAX_BYTES, parse
from faq.answer import Understanding
from faq.engine import Conversation
from faq.model import Content
from faq.offer_check import MAX_FLAGS, MAX_OFFER, check_offer
from faq.offer_reply import MAX_REPLY, offer_replies, quote, replies_for_text
from faq.offer_rules import RULES_PATH, RuleError, check_rules, default_rules, load_rules

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "bench" / "data" / "offers_dev.tsv"
SAFE_WORDS = ("নিরাপদ", "নিশ্চিন্ত", "safe", "legit", "আসল অফার")


def dev_offers() -> list[tuple[str, str]]:
    rows = []
    for line in DEV_SET.read_text(encoding="utf-8").splitlines():
        text, label = line.split("\t")
        rows.append((text.replace("\\n", "\n"), label))
    return rows


# --- the shipped rules ---------------------------------------------------------------


def test_shipped_rules_are_valid_and_link_existing_topics(content: Content) -> None:
    rules, problems = check_rules(RULES_PATH, content.topics.keys())
    assert problems == []
    assert rules is not None
    assert len(rules.flags) >= 20
    for flag in rules.flags:
        assert flag.topic in content.topics
        assert flag.explanation and len(flag.explanation) <= 160


# Hand-written offers, one per flag family the issue lists (none is in any data set).
FAMILIES = [
    ("upfront_fee", "Kaj shuru korar age 300 taka registration fee bKash korte hobe."),
    ("upfront_fee", "চাকরিতে যোগ দিতে ৫০০ টাকা জামানত লাগবে, পরে ফেরত।"),
    ("vip_upgrade", "VIP level e jete 1500 taka lagbe, tarpor commission double."),
    ("task_pay", "প্রতিটি পোস্টে লাইক দিলে ১০ টাকা, যত খুশি কাজ করুন।"),
    ("daily_pay_easy", "Ghore boshe daily 900 tk income, kono experience lagbe na."),
    ("recruit_commission", "Refer korle prottek jon er jonno 200 taka bonus paben."),
    ("off_platform", "Great profile! Let's continue on Telegram, payment will be faster there."),
    ("secret_code", "Apnar mobile e ekta OTP gese, oita amake diben please."),
    ("nid_selfie", "Kaj shuru korte NID card er chobi r ekta selfie inbox e pathan."),
    ("remote_access", "Setup er jonno AnyDesk install kore amake ID ta din."),
    ("crypto_invest", "USDT te invest kore protidin income korun, amader group e asen."),
    ("double_money", "৫০০০ টাকা রাখলে এক মাসে দ্বিগুণ ফেরত, কোনো ঝুঁকি নেই।"),
    ("account_trade", "Apnar purono Fiverr account ta amader kache sell korun, 15000 tk dibo."),
    ("money_mule", "Apnar bKash e taka ashbe, tule amader agent er kache diben, 3% commission."),
    ("overpayment", "Sorry, I sent $300 by mistake instead of $30, please refund the rest."),
    ("fake_payment_proof", "Payment kore diyechi, ei je screenshot, ekhon file gulo den."),
    ("urgency", "Offer ta shudhu ajker jonno, ajkei join korun, seat limited!"),
    ("secrecy", "Ei kajer kotha kauke bolben na, eta amader gopon system."),
    ("lookalike_link", "Login to your account at upw0rk-payments.com to get paid."),
    ("short_link", "Details ekhane: bit.ly/xyz-work"),
    ("risky_domain", "Register at job-online-bd.xyz"),
    ("training_job_promise", "কোর্স ফি ৬০০০ টাকা, কোর্স শেষে চাকরি নিশ্চিত।"),
    ("prize_bait", "You have won a laptop! Send 800 taka delivery charge to receive it."),
]


@pytest.mark.parametrize(("flag_id", "offer"), FAMILIES)
def test_every_flag_family_is_found(flag_id: str, offer: str) -> None:
    result = check_offer(offer)
    ids = [f.id for f in result.flags]
    assert flag_id in ids, result
    assert result.verdict in ("high", "medium")
    for flag in result.flags:
        assert flag.evidence and flag.evidence in offer


LEGIT = [
    "Upwork: আপনার প্রোফাইল ভেরিফাই হয়েছে। আমরা কখনো পাসওয়ার্ড বা কোড চাই না।",
    "Ami apnar Fiverr gig er logo ta order korbo, $40 Fiverr ei pay korbo.",
    "Office assistant lagbe Mirpur e, salary 14000 tk, office e CV jama din.",
    "ফ্রি ওয়ার্কশপ: কোনো রেজিস্ট্রেশন ফি নেই, শুধু ফর্ম পূরণ করুন।",
    "বিকাশ কখনো আপনার পিন বা ওটিপি জানতে চায় না, কাউকে দেবেন না।",
]


@pytest.mark.parametrize("offer", LEGIT)
def test_ordinary_offers_and_warnings_raise_nothing(offer: str) -> None:
    assert check_offer(offer).verdict == "none_found", check_offer(offer)


def test_one_weak_sign_is_medium_and_two_are_high() -> None:
    one = check_offer("Apply today only. Graphic designer, salary 20000 tk, office Banani.")
    assert [f.strength for f in one.flags] == ["weak"]
    assert one.verdict == "medium"
    two = check_offer("Apply today only, keep it secret. Designer, salary 20000 tk.")
    assert {f.id for f in two.flags} == {"urgency", "secrecy"}
    assert two.verdict == "high"


def test_spelling_variants_digits_and_amount_forms_meet_the_same_flag() -> None:
    for fee in (
        "রেজিস্ট্রেশন ফি ৫০০ টাকা",
        "রেজিস্ট্রেসন ফি ৫০০ টাকা",
        "registration fee 500tk",
        "Registration Fee ৳500",
        "registration fee ৫০০/-",
        "registration fee $5",
        "registration fee 1.5k",
        "registration fee BDT 1,500",
    ):
        offer = f"Data entry job, {fee}"
        assert [f.id for f in check_offer(offer).flags] == ["upfront_fee"], offer
    # a fee with nothing offered for it is not an offer (a receipt, a conference)
    assert check_offer("Registration Fee ৳500").verdict == "none_found"


def test_evidence_is_the_original_text_and_a_substring() -> None:
    offer = "ঘরে বসে প্রতিদিন ১,২০০ টাকা! কোনো অভিজ্ঞতা লাগবে না।"
    result = check_offer(offer)
    assert result.verdict == "high"
    evidence = {f.id: f.evidence for f in result.flags}
    assert "প্রতিদিন ১,২০০ টাকা" in evidence["daily_pay_easy"]
    for offer, _ in dev_offers():
        for flag in check_offer(offer).flags:
            assert flag.evidence in offer


def test_at_most_five_flags_strong_ones_first() -> None:
    offer = (
        "VIP upgrade 2000 taka. Registration fee 500 taka. OTP ta amake din. "
        "AnyDesk install korun. Refer korle 100 taka bonus. Ajkei join. Kauke bolben na. "
        "bit.ly/abc"
    )
    result = check_offer(offer)
    assert result.verdict == "high"
    assert len(result.flags) == MAX_FLAGS
    strengths = [f.strength for f in result.flags]
    assert strengths == sorted(strengths, key=lambda s: s != "strong")


@pytest.mark.parametrize(
    "offer",
    [
        "",
        "   \n\t ",
        "😀😀😀",
        "<b>registration fee</b> **500 taka** [link](http://x.y)",
        "\x00\x01\x1b[31m control \x7f registration fee 500 taka",
        "\ud800 lone surrogate registration fee 500 taka",
        "১২৩৪৫৬৭৮৯০" * 50,
        "$" * 1000,
        "a." * 5000,
    ],
)
def test_bad_input_gives_a_valid_result(offer: str) -> None:
    result = check_offer(offer)
    assert result.verdict in ("high", "medium", "none_found")
    for flag in result.flags:
        assert flag.evidence in offer
    replies = replies_for_text(offer)
    assert replies and all(len(r.text) <= MAX_REPLY for r in replies)


def test_long_offer_is_cut_at_the_limit_and_says_so() -> None:
    offer = "Normal job post text. " * 5000 + "job registration fee 500 taka"
    result = check_offer(offer)
    assert result.truncated and result.verdict == "none_found"
    late = "Data entry job, registration fee 500 taka " + "x" * 100_000
    assert check_offer(late).truncated
    assert check_offer(late).verdict == "high"
    (reply,) = offer_replies(check_offer(late))
    assert "২০,০০০" in reply.text
    assert check_offer("x" * MAX_OFFER).truncated is False


# --- replies -------------------------------------------------------------------------


def test_replies_quote_evidence_fit_one_message_and_never_say_safe(content: Content) -> None:
    titles = {tid: t.title for tid, t in content.topics.items()}
    for offer, label in dev_offers():
        result = check_offer(offer)
        (reply,) = offer_replies(result, titles)
        assert len(reply.text) <= MAX_REPLY
        own_words = re.sub(r"“[^”]*”", "", reply.text).casefold()  # without the quotes
        assert not any(word in own_words for word in SAFE_WORDS), reply.text
        assert offer_texts.VERDICT[result.verdict] in reply.text
        for flag in result.flags:
            assert quote(flag.evidence) in reply.text
        buttons = [b for row in reply.buttons for b in row]
        assert buttons[-1].data == "m"
        assert any(b.data == "t:if_scammed" for b in buttons)
        for button in buttons:
            assert len(button.data.encode()) <= MAX_BYTES
            assert parse(button.data) is not None
            assert len(button.label) <= 20
        if result.verdict == "none_found":
            assert offer_texts.NONE_FOUND_STEPS in reply.text
        else:
            assert offer_texts.STEPS in reply.text
        if label == "scam":
            assert result.verdict != "none_found"


def test_reply_with_five_long_flags_still_fits() -> None:
    filler = "অনেক লম্বা বাক্য " * 40
    offer = (
        f"VIP upgrade 2000 taka {filler} Registration fee 500 taka {filler} OTP ta amake din "
        f"{filler} AnyDesk install korun {filler} Refer korle 100 taka bonus {filler}"
    ) * 3
    (reply,) = offer_replies(check_offer(offer))
    assert len(reply.text) <= MAX_REPLY
    assert quote("x" * 500).endswith("…”") and len(quote("x" * 500)) <= 92
    assert "\n" not in quote("line one\nline two\x00")


def test_no_words_gets_a_prompt_not_a_verdict() -> None:
    (reply,) = replies_for_text("  😀 \n ")
    assert reply.text == offer_texts.EMPTY


# --- validation of a broken rules file ----------------------------------------------

VALID = """\
[words]
currency = ["টাকা", "taka"]
multipliers = ["k"]

[links]
shorteners = ["bit.ly"]
risky_endings = [".xyz"]

[links.brands]
upwork = ["upwork.com"]

[[group]]
id = "money"
patterns = ["{amount}", "taka"]

[[flag]]
id = "upfront_fee"
strength = "strong"
topic = "scam_red_flags"
explanation = "কাজের আগে টাকা চাওয়া প্রতারণার লক্ষণ।"
patterns = ["registration fee", "রেজিস্ট্রেশন ফি"]
needs = ["money"]
window = 10

[[flag]]
id = "short_link"
strength = "weak"
topic = "verify_client"
explanation = "ছোট লিংক আসল ঠিকানা লুকায়।"
link = "shortener"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "red_flags.toml"
    path.write_text(text, encoding="utf-8")
    return path


def last_line_of(text: str, needle: str) -> int:
    """The last line containing ``needle`` (a duplicate is reported where it repeats)."""
    found = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    assert found, needle
    return found[-1]


def test_minimal_file_loads_and_works(tmp_path: Path) -> None:
    rules = load_rules(write(tmp_path, VALID), ["scam_red_flags", "verify_client"])
    assert check_offer("registration fee 300 taka", rules).verdict == "high"
    assert check_offer("registration fee", rules).verdict == "none_found"
    assert check_offer("see bit.ly/x", rules).verdict == "medium"


# (what to replace, replacement, expected message part, line to report: the text there)
BROKEN = [
    ('id = "money"', 'id = "Money!"', "not a short ASCII slug", 'id = "Money!"'),
    ('id = "short_link"', 'id = "upfront_fee"', "duplicate id", 'id = "upfront_fee"'),
    ('id = "short_link"', 'id = "money"', "duplicate id", 'id = "money"'),
    ('id = "short_link"', 'id = "scam_style"', "reserved for the learned", 'id = "scam_style"'),
    ('strength = "weak"', 'strength = "medium"', "strength must be", 'strength = "medium"'),
    ('topic = "verify_client"', 'topic = "Bad Topic"', "must be a topic id", "Bad Topic"),
    ('topic = "verify_client"', 'topic = "nope_topic"', "does not exist", "nope_topic"),
    ("ছোট লিংক আসল ঠিকানা লুকায়।", "x" * 10, "written in Bangla", 'explanation = "xxx'),
    ("ছোট লিংক আসল ঠিকানা লুকায়।", "ক" * 161, "at most 160", 'explanation = "ককক'),
    ("ছোট লিংক আসল ঠিকানা লুকায়।", "<b>ছোট</b>", "plain text", "<b>"),
    ('explanation = "ছোট লিংক আসল ঠিকানা লুকায়।"\n', "", "'explanation' is missing", None),
    ("window = 10", "window = 500", "window must be", "window = 500"),
    ("window = 10", "windw = 10", "unknown key 'windw'", "windw"),
    ('needs = ["money"]', 'needs = ["cash"]', "unknown group 'cash'", 'needs = ["cash"]'),
    ('link = "shortener"', 'link = "tinyurl"', "link must be one of", 'link = "tinyurl"'),
    ('link = "shortener"', 'link = "shortener"\npatterns = ["x"]', "a link flag has no", None),
    ('patterns = ["registration fee", "রেজিস্ট্রেশন ফি"]', "patterns = []", "at least one", None),
    ('"registration fee", ', '"{money} fee", ', "unknown placeholder", "{money}"),
    ('"registration fee", ', '"... fee", ', "'...' must stand between", '"... fee"'),
    ('"registration fee", ', '"ab*", ', "too short for a prefix", '"ab*"'),
    ('"registration fee", ', '"রেজিস্ট্রেশন ফি", ', "is listed twice", "রেজিস্ট্রেশন ফি"),
    ('"registration fee", ', '"!!", ', "has no words", '"!!"'),
    ('patterns = ["{amount}", "taka"]', 'patterns = "taka"', "non-empty", 'patterns = "taka"'),
    ('patterns = ["{amount}", "taka"]', "patterns = []", "needs at least one pattern", None),
    ('shorteners = ["bit.ly"]', 'shorteners = ["bit ly"]', "not a domain", "bit ly"),
    ('risky_endings = [".xyz"]', 'risky_endings = ["xyz"]', "must look like .xyz", '["xyz"]'),
    ('upwork = ["upwork.com"]', 'upwork = "upwork.com"', "needs a list of its real", "upwork ="),
    ('upwork = ["upwork.com"]', 'up = ["up.com"]', "four or more", "up = "),
    ('currency = ["টাকা", "taka"]', "currency = []", "needs at least one word", "[words]"),
    ('multipliers = ["k"]', 'multipliers = ["two words"]', "must be one word", "two words"),
    ("[words]", "[wordz]", "unknown table 'wordz'", "[wordz]"),
    ('[[group]]\nid = "money"', '[[group]]\nid = "money"\nweight = 2', "unknown key", "weight"),
]


@pytest.mark.parametrize(("old", "new", "message", "where"), BROKEN)
def test_each_validation_error_fires_with_its_line(
    tmp_path: Path, old: str, new: str, message: str, where: str | None
) -> None:
    assert old in VALID
    text = VALID.replace(old, new, 1)
    rules, problems = check_rules(write(tmp_path, text), ["scam_red_flags", "verify_client"])
    assert rules is None
    found = [p for p in problems if message in p.message]
    assert found, problems
    if where is not None:
        assert found[0].line == last_line_of(text, where), found[0]
    with pytest.raises(RuleError):
        load_rules(write(tmp_path, text), ["scam_red_flags", "verify_client"])


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"[words\ncurrency = 1", "TOML syntax error"),
        (b"\xff\xfe[words]", "not UTF-8"),
        (b'[words]\ncurrency = ["taka"]\n', "no [[flag]] tables"),
    ],
)
def test_unreadable_files_are_reported(tmp_path: Path, raw: bytes, message: str) -> None:
    path = tmp_path / "red_flags.toml"
    path.write_bytes(raw)
    rules, problems = check_rules(path)
    assert rules is None and any(message in p.message for p in problems)
    missing = check_rules(tmp_path / "missing.toml")[1]
    assert "cannot read" in missing[0].message


def test_default_rules_are_loaded_once() -> None:
    assert default_rules() is default_rules()


# --- console -------------------------------------------------------------------------


def test_console_check_both_ways(
    tmp_path: Path, content: Content, understanding: Understanding
) -> None:
    async def main() -> str:
        store = await Store.open(tmp_path / "bot.sqlite3")
        try:
            conversation = Conversation(content, understanding, store)
            stdin = io.StringIO(
                "check Salary protidin 1200 taka, kono experience lagbe na, ghore boshe\n"
                "check\n"
                "Apnar OTP ta amake din, account verify korbo\n"
                "exit\n"
            )
            stdout = io.StringIO()
            await run_console(conversation, stdin, stdout)
            return stdout.getvalue()
        finally:
            await store.close()

    out = asyncio.run(main())
    assert out.count(offer_texts.TITLE) == 2
    assert offer_texts.CHECK_PROMPT in out
    assert "“Salary protidin 1200 taka" in out or "“protidin 1200 taka" in out
    assert "“OTP ta amake din" in out or "“OTP" in out
    assert out.count(offer_texts.VERDICT["high"]) == 2


# --- links and gaps ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offer", "flag_id", "evidence"),
    [
        ("Login at upw0rk.com to get paid", "lookalike_link", "upw0rk.com"),
        ("message @upwork_hr_desk now", "lookalike_link", "@upwork_hr_desk"),
        (
            "join https://t.me/fiverr_support_bd",
            "lookalike_link",
            "https://t.me/fiverr_support_bd",
        ),
        ("mail jobs@fiverr-careers.net", "lookalike_link", "jobs@fiverr-careers.net"),
        ("details: bit.ly/earn-bd", "short_link", "bit.ly/earn-bd"),
        ("register at job-online-bd.xyz", "risky_domain", "job-online-bd.xyz"),
    ],
)
def test_links_and_handles(offer: str, flag_id: str, evidence: str) -> None:
    flags = {f.id: f.evidence for f in check_offer(offer).flags}
    assert flags.get(flag_id) == evidence, flags


@pytest.mark.parametrize(
    "offer",
    [
        "Send your CV to hr@upwork.com or apply at https://www.upwork.com/jobs",
        "Join our group t.me/bdfreelancerstalk, free for everyone.",
        "আবেদন করুন https://doict.gov.bd ওয়েবসাইটে",
    ],
)
def test_real_domains_and_ordinary_handles_are_not_look_alikes(offer: str) -> None:
    assert check_offer(offer).verdict == "none_found", check_offer(offer)


def test_a_gap_in_a_pattern_does_not_cross_a_sentence() -> None:
    # "{amount} ... পাঠান" must not join a salary to "send your CV" in the next sentence
    offer = "হিসাব সহকারী নিয়োগ, বেতন ১৮,০০০ টাকা। সিভি পাঠান hr@example.com ঠিকানায়।"
    assert check_offer(offer).verdict == "none_found", check_offer(offer)
    same_sentence = "চাকরির জন্য ৫০০ টাকা এখনই বিকাশে পাঠান"
    assert "upfront_fee" in {f.id for f in check_offer(same_sentence).flags}


def test_looks_like_offer_tells_offers_from_questions() -> None:
    from faq.offer_check import looks_like_offer

    assert looks_like_offer(
        "Online data entry job! Protidin 2 ghonta kaj kore mashe 20 hajar taka income. "
        "Join korte 500 taka registration fee bKash korun, ajkei."
    )
    assert looks_like_offer(
        "Junior web developer needed at our Dhanmondi office. Salary 25,000 taka per month. "
        "Send your CV to careers@example.com before the end of the month."
    )
    assert not looks_like_offer("Upwork e profile kivabe banabo? Ami notun, kichu bujhi na.")
    assert not looks_like_offer(
        "ফ্রিল্যান্সিং শুরু করতে কী কী শিখতে হবে আর কোন মার্কেটপ্লেস দিয়ে শুরু করা ভালো, "
        "একটু বিস্তারিত বলবেন? আমি একদম নতুন, কম্পিউটার চালাতে পারি শুধু।"
    )
    assert not looks_like_offer("")
