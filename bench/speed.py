"""Speed and memory of the matcher, beside a BM25 and a rapidfuzz baseline, in one run.

    python bench/speed.py [--questions 10000]

Figures: per-question latency (median, p99) over N questions, index build time, process
start to first answer (``python main.py ask``), and peak memory of ``ask --jsonl`` over the N
questions. The questions are the shared sample and our held-out set, each repeated with
random one-letter typos, so most are unseen strings (the matcher's word cache is also
measured cold, cleared before every question).
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time

from common import (
    HELDOUT,
    ROOT,
    SHARED_SAMPLE,
    BM25Baseline,
    FuzzBaseline,
    load_tsv,
    topic_documents,
)


def make_questions(count: int, seed: int = 7) -> list[str]:
    base = [q for path in (SHARED_SAMPLE, HELDOUT) if path.exists() for q, _ in load_tsv(path)]
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        words = rng.choice(base).split()
        for _ in range(rng.randint(0, 2)):  # a typo or two: drop, double or swap a letter
            i = rng.randrange(len(words))
            w = words[i]
            if len(w) > 3:
                j = rng.randrange(1, len(w) - 1)
                w = rng.choice(
                    [
                        w[:j] + w[j + 1 :],
                        w[:j] + w[j] + w[j:],
                        w[: j - 1] + w[j] + w[j - 1] + w[j + 1 :],
                    ]
                )
            words[i] = w
        out.append(" ".join(words))
    return out


def latencies(fn, questions: list[str], before=None) -> list[float]:
    times = []
    for q in questions:
        if before is not None:
            before()
        start = time.perf_counter_ns()
        fn(q)
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def describe(times: list[float]) -> str:
    times = sorted(times)
    p99 = times[int(len(times) * 0.99) - 1]
    return f"median {statistics.median(times):.3f} ms   p99 {p99:.3f} ms"


def wall(cmd: list[str], stdin: bytes | None = None, repeat: int = 5) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, input=stdin, capture_output=True, check=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def peak_memory_mb(cmd: list[str], stdin: bytes) -> float:
    code = (
        "import resource, subprocess, sys; "
        f"subprocess.run({cmd!r}, input=sys.stdin.buffer.read(), stdout=subprocess.DEVNULL, "
        f"check=True, cwd={str(ROOT)!r}); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=stdin, capture_output=True, check=True
    )
    return int(out.stdout.strip()) / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--questions", type=int, default=10_000)
    args = parser.parse_args()
    questions = make_questions(args.questions)

    from faq.answer import Understanding
    from faq.content import load_content
    from faq.match import Matcher

    start = time.perf_counter()
    content = load_content()
    load_ms = (time.perf_counter() - start) * 1000
    from faq.normalize import clear_caches

    builds = []
    for _ in range(5):
        clear_caches()  # each build starts cold, as in a fresh process
        start = time.perf_counter()
        matcher = Matcher(content)
        builds.append((time.perf_counter() - start) * 1000)
    understanding = Understanding(matcher)
    ids, texts = topic_documents()
    start = time.perf_counter()
    bm25 = BM25Baseline(ids, texts)
    bm25_build = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    fuzz = FuzzBaseline()
    fuzz_build = (time.perf_counter() - start) * 1000

    print(f"{len(questions)} questions, one core, Python {sys.version.split()[0]}")
    print(f"content load + validation: {load_ms:.1f} ms")
    print(
        f"index build   matcher {statistics.median(builds):.1f} ms (median of 5)   "
        f"bm25 {bm25_build:.1f} ms   rapidfuzz {fuzz_build:.1f} ms"
    )
    ours = latencies(understanding.decide, questions)
    cold = latencies(understanding.decide, questions, before=matcher.clear_caches)
    base = latencies(bm25.rank, questions)
    fz = latencies(fuzz.rank, questions)
    print(f"latency  matcher (word cache warm)  {describe(ours)}")
    print(f"latency  matcher (word cache cold)  {describe(cold)}")
    print(f"latency  bm25 baseline              {describe(base)}")
    print(f"latency  rapidfuzz baseline         {describe(fz)}")
    print(
        f"ratio    matcher/bm25 median {statistics.median(ours) / statistics.median(base):.2f}"
        f"   matcher/rapidfuzz median {statistics.median(ours) / statistics.median(fz):.2f}"
    )

    py = sys.executable
    first = wall([py, "main.py", "ask", "freelancing kivabe shuru korbo"])
    bare = wall([py, "-c", "pass"])
    print(
        f"start to first answer: {first * 1000:.0f} ms (median of 5; bare python start "
        f"{bare * 1000:.0f} ms)"
    )
    stdin = "\n".join(questions).encode()
    peak = peak_memory_mb([py, "main.py", "ask", "--jsonl"], stdin)
    bare_peak = peak_memory_mb([py, "-c", "import sys; sys.stdin.read()"], stdin)
    print(
        f"peak memory, ask --jsonl over {len(questions)} questions: {peak:.1f} MB "
        f"(bare python {bare_peak:.1f} MB)"
    )


if __name__ == "__main__":
    main()
