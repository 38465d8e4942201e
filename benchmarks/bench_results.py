"""What a result object costs, on short documents (tweets, paragraphs), where it weighs most.

    python benchmarks/bench_results.py [--docs 100000] [--repeat 9]

A batch makes one ``CleanResult`` per document on the calling thread, with the GIL held; the
engine cleans with it released. On long documents the object is a sliver of the time; on short
ones it can cost as much as cleaning. Each row cleans the same generated short documents on one
thread (newly made strings each round, the result list dropped inside the clock) and keeps its
best round; the last column is the cost per document over the texts-only row, which makes no
result objects at all.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import dechaff

SENTENCES = (
    "The council approved the budget on Monday after a long debate, item {i}.",
    "date 2024-03-0{d} Officials said the plan would cut costs by a tenth over {i} years.",
    "Rain is expected across the north by the evening, forecast {i}.\n\nShare this article",
    "Local schools will open an hour later from next week, notice {i}.\n\nAdvertisement",
)


def short_documents(n: int) -> list[str]:
    """``n`` short documents (one or two lines), a quarter each with a label, a share line or an ad."""
    return [SENTENCES[i % len(SENTENCES)].format(i=i, d=i % 9 + 1) for i in range(n)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=100_000, help="documents (default 100,000)")
    ap.add_argument("--repeat", type=int, default=9, help="rounds; each row keeps its best")
    args = ap.parse_args()

    docs = short_documents(args.docs)
    encoded = [d.encode() for d in docs]
    cleaner = dechaff.Cleaner(mode="article")
    engine = cleaner._engine
    rows: list[tuple[str, Callable[[list[str]], object]]] = [
        ("texts only (Engine.clean_texts)", lambda d: engine.clean_texts(d, 1)),
        ("clean_batch, results dropped", lambda d: cleaner.clean_batch(d, threads=1)),
        ("clean_batch, .text read", lambda d: [r.text for r in cleaner.clean_batch(d, threads=1)]),
        ("clean_batch, .metadata read", lambda d: [r.metadata for r in cleaner.clean_batch(d, threads=1)]),
        ("clean_batch, .removals read", lambda d: [r.removals for r in cleaner.clean_batch(d, threads=1)]),
        ("clean() loop", lambda d: [cleaner.clean(x) for x in d]),
    ]
    best = dict.fromkeys((name for name, _ in rows), float("inf"))
    for _ in range(args.repeat):
        for name, fn in rows:
            fresh = [b.decode() for b in encoded]
            t0 = time.perf_counter()
            fn(fresh)
            best[name] = min(best[name], time.perf_counter() - t0)
    base = best[rows[0][0]]
    size = sum(map(len, encoded)) / len(docs)
    print(f"{len(docs):,} short documents, {size:.0f} bytes each on average; one thread\n")
    print("| row | ns per document | over texts only |")
    print("|---|---|---|")
    for name, _ in rows:
        per_doc, over = best[name] * 1e9 / len(docs), (best[name] - base) * 1e9 / len(docs)
        print(f"| {name} | {per_doc:,.0f} | {over:+,.0f} |")


if __name__ == "__main__":
    main()
