"""Helpers shared by the benchmarks: data sets, language tags, baselines."""

from __future__ import annotations

import math
import re
import socket
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# the shared sample lives beside the repository (or beside the folder of work trees)
SHARED_SAMPLE = next(
    (
        folder / "shared" / "eval" / "dev_questions.tsv"
        for folder in (ROOT.parent, ROOT.parent.parent)
        if (folder / "shared" / "eval" / "dev_questions.tsv").exists()
    ),
    ROOT.parent / "shared" / "eval" / "dev_questions.tsv",
)
HELDOUT = ROOT / "bench" / "data" / "heldout_questions.tsv"
# written later by people who never saw the content: set 2 was used for tuning like set 1,
# sets 3 and 4 were only ever measured, so they are the honest estimate for unseen questions
HELDOUT2 = ROOT / "bench" / "data" / "heldout2_questions.tsv"
HELDOUT3 = ROOT / "bench" / "data" / "heldout3_questions.tsv"
HELDOUT4 = ROOT / "bench" / "data" / "heldout4_questions.tsv"
# the 35-topic sets (issue 9), each with 20 short queries (a third column lists the topics a
# one- or two-word query could mean): set 5 may be studied and tuned on; set 6 is never looked
# at line by line, only its totals are read, so it is the honest "never-tuned" figure
HELDOUT5 = ROOT / "bench" / "data" / "heldout5_questions.tsv"
HELDOUT6 = ROOT / "bench" / "data" / "heldout6_questions.tsv"
# written from shared/spec/topics.md only, labelled with the 23 required ids (+ none) the
# way the judges' hidden set is: set 7 is a tuning set (its misses may be studied), set 8
# was never read line by line until stop 16
HELDOUT7 = ROOT / "bench" / "data" / "heldout7_questions.tsv"
HELDOUT8 = ROOT / "bench" / "data" / "heldout8_questions.tsv"
# stop 16: set 8's misses were studied from then on (it became a tuning set). Sets 9, 10 and
# 11 came from three new writers, again from topics.md only, 23 ids + 50 out-of-scope
# questions each: set 9 is tuned on; sets 10 and 11 are never read line by line.
HELDOUT9 = ROOT / "bench" / "data" / "heldout9_questions.tsv"
HELDOUT10 = ROOT / "bench" / "data" / "heldout10_questions.tsv"
HELDOUT11 = ROOT / "bench" / "data" / "heldout11_questions.tsv"
# a fourth new writer's set, sealed: run once, at the end of stop 16, on the final matcher
HELDOUT12 = ROOT / "bench" / "data" / "heldout12_questions.tsv"
# a fifth writer's set, written after the matcher was frozen and run once on it
HELDOUT13 = ROOT / "bench" / "data" / "heldout13_questions.tsv"
# a sixth writer's set, written while the re-ranker was built and run once, on the final matcher
HELDOUT14 = ROOT / "bench" / "data" / "heldout14_questions.tsv"
# stop 17: three new writers, from topics.md only, as before. Sets 15 and 16 were never read
# line by line (their totals judged the first two changes); set 17 was sealed and run once,
# after the first. All three are tuning sets now (TUNING_SETS)
HELDOUT15 = ROOT / "bench" / "data" / "heldout15_questions.tsv"
HELDOUT16 = ROOT / "bench" / "data" / "heldout16_questions.tsv"
HELDOUT17 = ROOT / "bench" / "data" / "heldout17_questions.tsv"
# two more writers, after set 17 was run: set 19 is never read line by line (its totals
# judged the second change, with 15 and 16's); set 18 was sealed and run once after that
# change, then became a tuning set
HELDOUT18 = ROOT / "bench" / "data" / "heldout18_questions.tsv"
HELDOUT19 = ROOT / "bench" / "data" / "heldout19_questions.tsv"
# one more writer's set, written once 15-18 were tuning sets, sealed until the final run of
# stop 17 and run once then
HELDOUT20 = ROOT / "bench" / "data" / "heldout20_questions.tsv"
# The question sets the matcher is tuned on, by the name `bench/misses.py` takes: their
# misses may be read, and bench/fit_weights.py (gates, thresholds, learned weights) and
# bench/train_ranker.py (the re-ranker) fit on them. Every other set only measures.
TUNING_SETS = {
    "1": HELDOUT,
    "2": HELDOUT2,
    "5": HELDOUT5,
    "7": HELDOUT7,
    "8": HELDOUT8,
    "9": HELDOUT9,
    # stop 17: sets 10-13 (their totals already read many times, each run at least once on
    # a final matcher) became tuning sets; set 14 stays a measure
    "10": HELDOUT10,
    "11": HELDOUT11,
    "12": HELDOUT12,
    "13": HELDOUT13,
    # and sets 15-18 once set 18 had been run: more questions the way users write for the
    # re-ranker and the gate, and set 18's misses read; set 19 measures, set 20 is sealed
    "15": HELDOUT15,
    "16": HELDOUT16,
    "17": HELDOUT17,
    "18": HELDOUT18,
}

# Sets 5 and 6 were labelled with our own ids, and their writers were told "govt_programs =
# freelancer ID"; topics.md puts "registration / freelancer ID" in tax_and_registration.
# So a question labelled govt_programs that mentions an ID card or registration also
# counts as right when answered with tax_and_registration (the label itself is kept).
ID_CARD_WORDS = (
    "আইডি",
    "id card",
    "idcard",
    "id-card",
    "কার্ড",
    "card",
    "নিবন্ধন",
    "রেজিস্ট্রেশন",
    "রেজিস্ট্রেসন",
    "রেজিস্টার",
    "registration",
    "register",
    "regist",
    "nibondhon",
)


# Likewise they were told "account_suspended = profile rejected or account suspended";
# topics.md's profile_and_portfolio holds a profile that is not approved, and three
# writers of the 23-id sets (1, 2, 7) labelled it so. The content now answers a rejected
# profile in profile_and_portfolio, so such a row also accepts that topic.
REJECTED_PROFILE_WORDS = (
    "reject",
    "রিজেক্ট",
    "approve",
    "approval",
    "অ্যাপ্রুভ",
    "এপ্রুভ",
    "অনুমোদন",
    "under review",
)


def accepted_labels(question: str, label: str) -> frozenset[str]:
    """Return the answers that count as right for a labelled row (our own topic ids)."""
    text = question.lower()
    if label == "govt_programs" and any(w in text for w in ID_CARD_WORDS):
        return frozenset({label, "tax_and_registration"})
    if label == "account_suspended" and any(w in text for w in REJECTED_PROFILE_WORDS):
        return frozenset({label, "profile_and_portfolio"})
    return frozenset({label})


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free now (for a bot or a fake to listen on)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def peak_rss_mb(pid: int) -> float:
    """Return a running process's peak resident memory (VmHWM) in MB, 0.0 if it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except FileNotFoundError:
        pass
    return 0.0


def load_tsv(path: Path) -> list[tuple[str, str]]:
    """Return (question, topic id or 'none') rows of a TSV file (short queries included)."""
    return [(question, label) for question, label, _ in load_rows(path)]


def load_rows(path: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    """Return (question, topic id or 'none', plausible topics) rows of a TSV file.

    The third column is only present on short queries ("taka", "upwork"): the topics the
    query could mean. Rows without it get an empty tuple.
    """
    rows = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            question, label, *rest = line.split("\t")
            plausible = tuple(t.strip() for t in rest[0].split(",") if t.strip()) if rest else ()
            rows.append((question, label.strip() or "none", plausible))
    return rows


def language(question: str) -> str:
    """Tag a question as 'bangla' (mostly Bangla script) or 'latin' (Banglish or English)."""
    bangla = len(re.findall(r"[\u0980-\u09ff]", question))
    latin = len(re.findall(r"[A-Za-z]", question))
    return "bangla" if bangla >= latin else "latin"


def topic_documents() -> tuple[list[str], list[str]]:
    """Return (topic id, text) pairs for baselines: title, keywords, examples and answer."""
    from faq.content import load_content

    content = load_content()
    ids, texts = [], []
    for topic in content.topics.values():
        ids.append(topic.id)
        texts.append(" ".join([topic.title, *topic.keywords, *topic.examples, topic.answer]))
    return ids, texts


class BM25Baseline:
    """Plain BM25 over whitespace tokens, no normalisation: the baseline for the matcher."""

    def __init__(self, ids: list[str], texts: list[str], k1: float = 1.5, b: float = 0.75):
        self.ids = ids
        self.docs = [Counter(t.lower().split()) for t in texts]
        self.lengths = [sum(d.values()) for d in self.docs]
        self.avg = sum(self.lengths) / len(self.lengths)
        df: Counter[str] = Counter()
        for doc in self.docs:
            df.update(doc.keys())
        n = len(self.docs)
        self.idf = {w: math.log(1 + (n - d + 0.5) / (d + 0.5)) for w, d in df.items()}
        self.k1, self.b = k1, b

    def rank(self, question: str) -> list[tuple[str, float]]:
        words = question.lower().split()
        scores = []
        for topic_id, doc, length in zip(self.ids, self.docs, self.lengths, strict=True):
            score = 0.0
            for word in words:
                tf = doc.get(word)
                if tf:
                    norm = tf + self.k1 * (1 - self.b + self.b * length / self.avg)
                    score += self.idf[word] * tf * (self.k1 + 1) / norm
            scores.append((topic_id, score))
        scores.sort(key=lambda x: -x[1])
        return scores


class FuzzBaseline:
    """rapidfuzz token_set_ratio against every example phrasing, no normalisation."""

    def __init__(self) -> None:
        from rapidfuzz import fuzz, process

        from faq.content import load_content

        content = load_content()
        self.choices: list[str] = []
        self.owner: list[str] = []
        for topic in content.topics.values():
            for text in (topic.title, *topic.examples):
                self.choices.append(text)
                self.owner.append(topic.id)
        self._process, self._scorer = process, fuzz.token_set_ratio

    def rank(self, question: str) -> list[tuple[str, float]]:
        hits = self._process.extract(question, self.choices, scorer=self._scorer, limit=30)
        best: dict[str, float] = {}
        for _, score, index in hits:
            topic = self.owner[index]
            best[topic] = max(best.get(topic, 0.0), score / 100)
        return sorted(best.items(), key=lambda x: -x[1])
