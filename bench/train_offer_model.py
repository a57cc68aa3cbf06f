"""Train the scam check's learned fallback (``faq/offer_model.json``) on our own tuning sets.

    python bench/train_offer_model.py [--folds 5] [--medium-fa 5] [--high-fa 1] [--dry-run]

Data: only the sets the rules were already tuned on (``bench/data/offers_dev*.tsv`` and
held-out A). Never the shared sample (style only), never held-out B, C or D.

1. Out-of-fold probabilities: the rows are split into folds (stratified, deterministic);
   each fold is scored by a model trained on the others.
2. Thresholds from those out-of-fold scores on the legitimate offers: ``medium`` is the
   lowest probability at which at most ``--medium-fa`` % of the legitimate offers that the
   rules leave at ``none_found`` would be raised; ``high`` (one weak flag + the model) the
   lowest at which at most ``--high-fa`` % of all legitimate offers score above it.
3. The final model is trained on every row and written with its thresholds; weights below
   1e-3 are dropped to keep the file small.
"""

from __future__ import annotations

import argparse
import json
import time

from common import ROOT

from faq.offer_check import check_offer, model_quiet
from faq.offer_model import MODEL_PATH, features, model_from, train
from faq.offer_rules import default_rules

DATA = ROOT / "bench" / "data"
TUNING = [
    *sorted(DATA.glob("offers_dev*.tsv")),
    DATA / "offers_heldout_a.tsv",
    DATA / "offers_heldout_c.tsv",  # joined after its one measurement and study
]


def load_tuning() -> list[tuple[str, int]]:
    return [(text, y) for text, y, _ in load_tuning_sets()]


def load_tuning_sets() -> list[tuple[str, int, str]]:
    """(text, 1 for scam, the set's file stem) of every row of the tuning sets."""
    rows = []
    for path in TUNING:
        for line in path.read_text("utf-8").splitlines():
            text, _, label = line.partition("\t")
            if text.strip() and label.strip() in ("scam", "legit"):
                rows.append((text.replace("\\n", "\n"), int(label.strip() == "scam"), path.stem))
    return rows


def fold_of_set(stem: str, folds: int) -> int:
    """Grouped folds: whole sets are held out together (A, C, then the dev sets in runs),
    so the thresholds come from offers written by another hand than the training data."""
    if stem == "offers_heldout_a":
        return 0
    if stem == "offers_heldout_c":
        return 1 % folds
    number = int("".join(ch for ch in stem if ch.isdigit()) or 1)
    return 2 + (number - 1) * (folds - 2) // 18 if folds > 2 else number % folds


def threshold(scores: list[float], share: float) -> float:
    """The lowest cut at which at most ``share`` of ``scores`` lie at or above it."""
    ordered = sorted(scores, reverse=True)
    allowed = int(share * len(ordered))
    if allowed >= len(ordered):
        return 0.0
    return ordered[allowed] + 1e-6 if allowed < len(ordered) else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--medium-fa", type=float, default=4.0, help="% of rule-clean legit")
    parser.add_argument("--high-fa", type=float, default=1.0, help="% of all legit")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--dry-run", action="store_true", help="do not write the model")
    parser.add_argument(
        "--interleaved", action="store_true", help="folds mix every set (default: sets held out)"
    )
    args = parser.parse_args()

    tagged = load_tuning_sets()
    rows = [(text, y) for text, y, _ in tagged]
    docs = [(features(text), y) for text, y in rows]
    seen = {0: 0, 1: 0}
    fold_of = []
    for _, y, stem in tagged:
        if args.interleaved:  # the i-th scam and the i-th legit offer go to fold i % folds
            fold_of.append(seen[y] % args.folds)
        else:
            fold_of.append(fold_of_set(stem, args.folds))
        seen[y] += 1
    oof = [0.0] * len(rows)
    started = time.perf_counter()
    for fold in range(args.folds):
        train_docs = [d for d, f in zip(docs, fold_of, strict=True) if f != fold]
        weights, bias = train(train_docs, epochs=args.epochs, l2=args.l2)
        model = model_from({"weights": weights, "bias": bias, "medium": 1, "high": 1})
        for i, (text, _) in enumerate(rows):
            if fold_of[i] == fold:
                oof[i] = model.probability(text)
    print(
        f"{len(rows)} rows ({seen[1]} scam, {seen[0]} legit), {args.folds}-fold out-of-fold "
        f"scores in {time.perf_counter() - started:.1f} s"
    )

    rules = default_rules()
    verdicts = [check_offer(text, rules, learned=False).verdict for text, _ in rows]
    quiet = [model_quiet(text, rules) for text, _ in rows]
    # the legit offers the model could raise: no rule flag and no honest context found
    legit_clean = [
        p
        for p, (_, y), v, q in zip(oof, rows, verdicts, quiet, strict=True)
        if y == 0 and v == "none_found" and not q
    ]
    legit_all = [p for p, (_, y) in zip(oof, rows, strict=True) if y == 0]
    scam_all = [p for p, (_, y) in zip(oof, rows, strict=True) if y == 1]
    print(
        "  budget (% of rule-clean legit raised) -> threshold, out-of-fold scams the model flags:"
    )
    for budget in (2, 3, 4, 5, 6, 8):
        cut = threshold(legit_clean, budget / 100)
        caught = sum(p >= cut for p in scam_all) / len(scam_all)
        print(f"    {budget}% -> {cut:.3f}, {caught:.1%}")
    medium = threshold(legit_clean, args.medium_fa / 100)
    high = max(medium, threshold(legit_all, args.high_fa / 100))
    print(f"thresholds: medium {medium:.3f}, high {high:.3f}")
    for name, cut in (("medium", medium), ("high", high)):
        caught = sum(p >= cut for p in scam_all) / len(scam_all)
        alarms = sum(p >= cut for p in legit_all) / len(legit_all)
        print(f"  out of fold, model alone at {name}: scams {caught:.1%}, legit {alarms:.1%}")

    started = time.perf_counter()
    weights, bias = train(docs, epochs=args.epochs, l2=args.l2)
    kept = {f: round(w, 4) for f, w in sorted(weights.items()) if abs(w) >= 1e-3}
    print(
        f"final model: {len(kept)} of {len(weights)} weights kept, "
        f"trained in {time.perf_counter() - started:.1f} s"
    )
    if args.dry_run:
        return
    data = {
        "about": "bench/train_offer_model.py on bench/data/offers_dev*.tsv and held-out A",
        "medium": round(medium, 4),
        "high": round(high, 4),
        "bias": round(bias, 4),
        "weights": kept,
    }
    MODEL_PATH.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), "utf-8")
    print(f"wrote {MODEL_PATH.relative_to(ROOT)} ({MODEL_PATH.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
