"""Which red-flag families carry the verdicts on the tuning sets, and which rest on one phrasing.

    python bench/offer_families.py

Reads only the sets the rules were tuned on (dev, dev2-dev17, held-out A). For every flag:
how many scam offers it fires on, on how many it *carries* the verdict (without it the offer
would drop from ``high``, or from ``medium`` to ``none_found``), and how many distinct
phrasings (the evidence, case-folded, digits blanked) those carried offers used. A family
that carries many offers with few phrasings is fragile: a new wording misses it. It also
lists legit offers that raise flags (the false-alarm side).
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

from common import ROOT

from faq.offer_check import Flag, check_offer
from faq.offer_rules import default_rules

DATA = ROOT / "bench" / "data"
TUNING = [*sorted(p for p in DATA.glob("offers_dev*.tsv")), DATA / "offers_heldout_a.tsv"]
_DIGITS = re.compile(r"[0-9\u09e6-\u09ef]+")


def load_tuning() -> list[tuple[str, str, str]]:
    """(set name, text, label) of every row of the tuning sets."""
    rows = []
    for path in TUNING:
        for line in path.read_text("utf-8").splitlines():
            text, _, label = line.partition("\t")
            if text.strip() and label.strip() in ("scam", "legit"):
                rows.append((path.stem, text.replace("\\n", "\n"), label.strip()))
    return rows


def verdict_of(flags: list[Flag]) -> str:
    strong = sum(f.strength == "strong" for f in flags)
    weak = len(flags) - strong
    return "high" if strong or weak >= 2 else "medium" if weak else "none_found"


def phrasing(evidence: str) -> str:
    """The first two words of the evidence, case-folded, digits blanked: roughly its pattern."""
    return " ".join(_DIGITS.sub("#", evidence.casefold()).split()[:2])


def main() -> None:
    rules = default_rules()
    fires: Counter[str] = Counter()
    carries: Counter[str] = Counter()
    alone: Counter[str] = Counter()
    phrasings: dict[str, Counter[str]] = defaultdict(Counter)
    legit_fires: Counter[str] = Counter()
    per_set: dict[str, Counter[str]] = defaultdict(Counter)
    for name, text, label in load_tuning():
        result = check_offer(text, rules)
        flags = list(result.flags)
        if label == "legit":
            legit_fires.update(f.id for f in flags)
            continue
        per_set[name][result.verdict] += 1
        if len(flags) == 1:
            alone[flags[0].id] += 1
        for flag in flags:
            fires[flag.id] += 1
            without = [f for f in flags if f is not flag]
            if verdict_of(without) != result.verdict:
                carries[flag.id] += 1
                phrasings[flag.id][phrasing(flag.evidence)] += 1
    print("scam verdicts per tuning set:")
    for name, counts in per_set.items():
        print(f"  {name:22} " + "  ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(
        f"\n{'flag':24} {'fires':>5} {'carries':>7} {'alone':>5} {'phrasings':>9}"
        "  top phrasing (share)"
    )
    for flag_id, n in carries.most_common():
        top, top_n = phrasings[flag_id].most_common(1)[0]
        share = top_n / n
        mark = "  <- one phrasing" if share >= 0.5 and n >= 4 else ""
        print(
            f"{flag_id:24} {fires[flag_id]:5} {n:7} {alone[flag_id]:5} "
            f"{len(phrasings[flag_id]):9}  "
            f"{top!r} ({share:.0%}){mark}"
        )
    scams = sum(sum(c.values()) for c in per_set.values())
    print(f"\n{sum(alone.values())} of {scams} tuning scams raise exactly one flag")
    never = sorted({r.id for r in rules.flags} - set(carries))
    print(f"\nflags that never carry a scam verdict: {', '.join(never)}")
    print(f"flags raised on legit tuning offers: {dict(legit_fires.most_common())}")


if __name__ == "__main__":
    main()
