"""Text-mode quality on the development sets: dechaff article mode on `text_recall`
(a recall-oriented trafilatura extraction that still carries boilerplate), against the input
unchanged. Scored with ../shared/bench/score.py (4-gram shingle P/R/F1, macro-averaged).

    python benchmarks/quality_text.py [--sets scrapinghub wcxb-dev]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import dechaff
from _shared import DEV_SETS, load_scorer, load_set

Systems = dict[str, Callable[[list[str]], list[str]]]


def systems() -> Systems:
    default = dechaff.Cleaner(mode="article")
    strict = dechaff.Cleaner(mode="article", strict=True)
    return {
        "unchanged": lambda xs: xs,
        "dechaff article": lambda xs: [r.text for r in default.clean_batch(xs)],
        "dechaff article strict": lambda xs: [r.text for r in strict.clean_batch(xs)],
    }


def run(set_name: str, field: str, scorer: Any, chosen: Systems) -> list[tuple[str, dict[str, Any], float]]:
    data = load_set(set_name)
    inputs = [r.get(field) or "" for r in data]
    mb = sum(len(x.encode()) for x in inputs) / 1e6
    rows = []
    for name, fn in chosen.items():
        t0 = time.perf_counter()
        outs = fn(inputs)
        dt = time.perf_counter() - t0
        pred = {r["id"]: o for r, o in zip(data, outs, strict=False)}
        rows.append((name, scorer.score(data, pred, n_bootstrap=200), mb / dt if dt > 0 else float("inf")))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(DEV_SETS), choices=DEV_SETS)
    ap.add_argument("--field", default="text_recall")
    args = ap.parse_args()
    scorer = load_scorer()
    for set_name in args.sets:
        rows = run(set_name, args.field, scorer, systems())
        print(f"\n### {set_name}, field {args.field} ({rows[0][1]['pages']} pages)\n")
        snippets = "with" in rows[0][1]
        print("| system | P | R | F1 | ΔR vs unchanged |" + (" snippet F1 |" if snippets else "") + " MB/s |")
        print("|---|---|---|---|---|" + ("---|" if snippets else "") + "---|")
        base_r = rows[0][1]["R"]
        for name, s, speed in rows:
            snip = f" {s['snipF1']:.3f} |" if snippets else ""
            speed_cell = "–" if name == "unchanged" else f"{speed:.1f}"
            print(
                f"| {name} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.3f} ± {s['F1_std']:.3f} | "
                f"{s['R'] - base_r:+.4f} |{snip} {speed_cell} |"
            )


if __name__ == "__main__":
    main()
