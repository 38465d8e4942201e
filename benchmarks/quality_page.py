"""Page-mode quality on the development sets, scored with ../shared/bench/score.py (4-gram shingle
P/R/F1, macro-averaged; snippet F1 where a set has must-keep / must-drop snippets).

* field ``text_full`` (whole visible page text, one line per block, like a Common Crawl WET
  record): the input unchanged, a C4-style line filter, dechaff ``mode="page"`` and ``mode="auto"``;
* field ``text_recall`` (an already-extracted article with boilerplate): dechaff ``mode="article"``
  and ``mode="auto"`` (auto must keep article mode here).

The auto rows also give the share of pages on which auto ran page mode.

    python benchmarks/quality_page.py [--sets scrapinghub wcxb-dev] [--bootstrap 200]
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

import dechaff
from _shared import DEV_SETS, load_scorer, load_set

# ---------------------------------------------------------------------------------------------
# C4-style line filter, written from the description in Raffel et al. 2020 ("Exploring the Limits
# of Transfer Learning with a Unified Text-to-Text Transformer", section 2.2), reduced to one
# page of line-per-block text: the page-level rules become line rules, and the page itself is
# never dropped (its kept lines are returned). Rules:
#   * keep only lines that end in a terminal punctuation mark (period, !, ?, or an end quote);
#   * drop lines with fewer than 3 words;
#   * drop lines with "javascript", "lorem ipsum" or "{" (the paper drops the page);
#   * drop lines with a cookie / terms-of-use policy notice;
#   * remove citation markers such as [1], [citation needed], [edit].
# Not applied: the bad-words page filter, the five-sentence page minimum, three-sentence dedup.
_C4_TERMINAL = (".", "!", "?", '"', "\u201d", "\u2019", "'")
_C4_POLICY = (
    "terms of use",
    "privacy policy",
    "cookie policy",
    "uses cookies",
    "use of cookies",
    "use cookies",
)
_C4_CITE = re.compile(r"\[\d+\]|\[citation needed\]|\[edit\]", re.I)


def c4_keep(line: str) -> bool:
    """The C4-style test for one line: keep it?"""
    s = line.strip()
    if not s or not s.endswith(_C4_TERMINAL) or len(s.split()) < 3:
        return False
    low = s.lower()
    if "javascript" in low or "lorem ipsum" in low or "{" in s:
        return False
    return not any(p in low for p in _C4_POLICY)


def c4_filter(text: str) -> str:
    """The C4-style line filter over one page."""
    return "\n".join(_C4_CITE.sub("", line.strip()) for line in text.split("\n") if c4_keep(line))


# ---------------------------------------------------------------------------------------------

System = Callable[[list[str]], tuple[list[str], list[str]]]


def _cleaner(mode: str) -> System:
    cleaner = dechaff.Cleaner(mode=mode)

    def run(xs: list[str]) -> tuple[list[str], list[str]]:
        res = cleaner.clean_batch(xs)
        return [r.text for r in res], [r.mode for r in res]

    return run


def _plain(fn: Callable[[str], str]) -> System:
    return lambda xs: ([fn(x) for x in xs], [])


SYSTEMS: dict[str, dict[str, System]] = {
    "text_full": {
        "unchanged": _plain(lambda x: x),
        "C4-style filter": _plain(c4_filter),
        "dechaff page": _cleaner("page"),
        "dechaff auto": _cleaner("auto"),
    },
    "text_recall": {
        "unchanged": _plain(lambda x: x),
        "dechaff article": _cleaner("article"),
        "dechaff auto": _cleaner("auto"),
    },
}


def run(
    data: list[dict[str, Any]], field: str, scorer: Any, n_bootstrap: int
) -> list[tuple[str, dict, float, str]]:
    inputs = [r.get(field) or "" for r in data]
    mb = sum(len(x.encode()) for x in inputs) / 1e6
    rows = []
    for name, fn in SYSTEMS[field].items():
        t0 = time.perf_counter()
        outs, modes = fn(inputs)
        dt = time.perf_counter() - t0
        pred = {r["id"]: o for r, o in zip(data, outs, strict=False)}
        page_share = f"{100 * modes.count('page') / len(modes):.1f}%" if modes else "–"
        speed = "–" if name == "unchanged" else f"{mb / dt:.1f}" if dt > 0 else "inf"
        rows.append((name, scorer.score(data, pred, n_bootstrap=n_bootstrap), speed, page_share))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(DEV_SETS), choices=DEV_SETS)
    ap.add_argument("--fields", nargs="+", default=list(SYSTEMS), choices=list(SYSTEMS))
    ap.add_argument("--bootstrap", type=int, default=200, help="bootstrap rounds for the F1 std (0: none)")
    args = ap.parse_args()
    scorer = load_scorer()
    for set_name in args.sets:
        data = load_set(set_name)
        for field in args.fields:
            rows = run(data, field, scorer, args.bootstrap)
            print(f"\n### {set_name}, field {field} ({rows[0][1]['pages']} pages)\n")
            snippets = "snipF1" in rows[0][1]
            print(
                "| system | P | R | F1 |" + (" snippet F1 |" if snippets else "") + " page mode ran | MB/s |"
            )
            print("|---|---|---|---|" + ("---|" if snippets else "") + "---|---|")
            for name, s, speed, share in rows:
                f1 = f"{s['F1']:.3f}" + (f" ± {s['F1_std']:.3f}" if args.bootstrap else "")
                snip = f" {s['snipF1']:.3f} |" if snippets else ""
                print(f"| {name} | {s['P']:.3f} | {s['R']:.3f} | {f1} |{snip} {share} | {speed} |")


if __name__ == "__main__":
    main()
