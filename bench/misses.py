"""List the matcher's misses on a tuning set, to study them (never on set 6).

    python bench/misses.py 5          # held-out set 5; also 1, 2 or "sample"

Set 6 is the never-tuned estimate: this script refuses to show its lines. Sets 3 and 4
are refused too, since they are the older honest estimate.
"""

from __future__ import annotations

import sys

from common import HELDOUT, HELDOUT2, HELDOUT5, SHARED_SAMPLE, load_rows

TUNING = {"1": HELDOUT, "2": HELDOUT2, "5": HELDOUT5, "sample": SHARED_SAMPLE}


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "5"
    if name not in TUNING:
        sys.exit(f"only tuning sets can be studied: {', '.join(TUNING)}")
    from bot.services import build_understanding

    understanding = build_understanding()
    for question, label, plausible in load_rows(TUNING[name]):
        d = understanding.decide(question)
        if plausible:
            ok = d.topic_id == label or label in d.suggestions
        else:
            ok = d.topic_id == (None if label == "none" else label)
        if not ok:
            got = d.topic_id or f"[{d.kind.value}: {','.join(d.suggestions or d.alternatives)}]"
            print(f"{label:<24} {got:<40} {d.score:.3f}  {question}")


if __name__ == "__main__":
    main()
