"""HTML-mode quality and speed on the development sets, side by side with other extractors.

dechaff html (trafilatura, and the resiliparse fast path) against trafilatura (default,
``include_comments=False``, ``favor_precision``), readability-lxml, jusText, resiliparse,
boilerpy3 and newspaper4k, scored with ../shared/bench/score.py (4-gram shingle P/R/F1,
macro-averaged; snippet F1 on wcxb-dev). Peers that are not installed are skipped with a note
(``pip install 'dechaff[bench]'``).

Speed: each system first runs once untimed in each process (imports, caches, the timeout
worker's start); then each page is run through every system in turn inside one task, so the systems share the
same load; docs/s is pages divided by the summed per-page time (per core). For the dechaff rows
the extraction and the article engine are timed separately ("engine +%" is the engine's time
as a share of the extraction time). "dechaff html (trafilatura, in-process)" runs with
``timeout=None`` and so shows the cost of the timeout worker process.

    python benchmarks/quality.py [--sets scrapinghub wcxb-dev] [--limit N] [--jobs 2] [--systems NAME ...]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any, Optional

from _shared import DEV_SETS, load_scorer, load_set, require_bench

# (system, needs) — ``needs``: the import name that must be present for the system to run.
SYSTEMS: list[tuple[str, str]] = [
    ("dechaff html (trafilatura)", "trafilatura"),
    ("dechaff html (trafilatura, in-process)", "trafilatura"),
    ("dechaff html (resiliparse)", "resiliparse"),
    ("trafilatura default", "trafilatura"),
    ("trafilatura include_comments=False", "trafilatura"),
    ("trafilatura favor_precision", "trafilatura"),
    ("readability-lxml", "readability"),
    ("jusText", "justext"),
    ("resiliparse", "resiliparse"),
    ("boilerpy3", "boilerpy3"),
    ("newspaper4k", "newspaper"),
]
BASELINE = "trafilatura default"

Result = tuple[str, float, float]  # text, extraction seconds, engine seconds
_cleaner: Any = None


def _init() -> None:
    global _cleaner
    warnings.simplefilter("ignore")
    import logging

    logging.disable(logging.CRITICAL)
    import dechaff

    _cleaner = dechaff.Cleaner(mode="article")


def _lxml_text(html: str) -> str:
    import lxml.html

    if not html or not html.strip():
        return ""
    return "\n".join(t.strip() for t in lxml.html.fromstring(html).itertext() if t.strip())


def _dechaff(extractor: str, timeout: Optional[float]) -> Callable[[str, str], Result]:
    def run(html: str, url: str) -> Result:
        from dechaff.html import extract_html

        t0 = time.perf_counter()
        text, _meta = extract_html(html, extractor=extractor, timeout=timeout, url=url or None)
        t1 = time.perf_counter()
        out = _cleaner.clean(text).text
        return out, t1 - t0, time.perf_counter() - t1

    return run


def _timed(fn: Callable[[str, str], str]) -> Callable[[str, str], Result]:
    def run(html: str, url: str) -> Result:
        t0 = time.perf_counter()
        try:
            out = fn(html, url) or ""
        except Exception:
            out = ""
        return out, time.perf_counter() - t0, 0.0

    return run


def _trafilatura(**kw: Any) -> Callable[[str, str], str]:
    def run(html: str, url: str) -> str:
        import trafilatura

        return trafilatura.extract(html, url=url or None, **kw) or ""

    return run


def _readability(html: str, url: str) -> str:
    from readability import Document

    return _lxml_text(Document(html).summary(html_partial=True))


def _justext(html: str, url: str) -> str:
    import justext

    paras = justext.justext(html.encode("utf-8"), justext.get_stoplist("English"), encoding="utf-8")
    return "\n".join(p.text for p in paras if not p.is_boilerplate)


def _resiliparse(html: str, url: str) -> str:
    from resiliparse.extract.html2text import extract_plain_text

    return str(extract_plain_text(html, main_content=True, preserve_formatting=True))


def _boilerpy3(html: str, url: str) -> str:
    from boilerpy3 import extractors

    return str(extractors.ArticleExtractor(raise_on_failure=False).get_content(html))


def _newspaper(html: str, url: str) -> str:
    import newspaper

    # no image downloads (top-image scoring fetches them over the network)
    art = newspaper.Article(url or "http://example.com/", fetch_images=False)
    art.download(input_html=html)
    art.parse()
    return str(art.text)


RUNNERS: dict[str, Callable[[str, str], Result]] = {
    "dechaff html (trafilatura)": _dechaff("trafilatura", 30.0),
    "dechaff html (trafilatura, in-process)": _dechaff("trafilatura", None),
    "dechaff html (resiliparse)": _dechaff("resiliparse", 30.0),
    "trafilatura default": _timed(_trafilatura()),
    "trafilatura include_comments=False": _timed(_trafilatura(include_comments=False)),
    "trafilatura favor_precision": _timed(_trafilatura(favor_precision=True)),
    "readability-lxml": _timed(_readability),
    "jusText": _timed(_justext),
    "resiliparse": _timed(_resiliparse),
    "boilerpy3": _timed(_boilerpy3),
    "newspaper4k": _timed(_newspaper),
}


_warm: set[str] = set()


def _page(args: tuple[list[str], str, str]) -> dict[str, Result]:
    names, html, url = args
    if _cleaner is None:
        _init()
    out = {}
    for name in names:
        if name not in _warm:  # imports, caches, the timeout worker's start: not timed
            RUNNERS[name](html, url)
            _warm.add(name)
        out[name] = RUNNERS[name](html, url)
    return out


def _available(names: list[str]) -> tuple[list[str], list[str]]:
    needs = dict(SYSTEMS)
    ok, skipped = [], []
    for name in names:
        if importlib.util.find_spec(needs[name]) is None:
            skipped.append(f"{name} (not installed: `pip install` its package, or 'dechaff[bench]')")
        else:
            ok.append(name)
    return ok, skipped


def run_set(set_name: str, names: list[str], limit: int, jobs: int, scorer: Any) -> None:
    data = load_set(set_name)
    if limit:
        data = data[:limit]
    tasks = [(names, r["html"], r.get("url") or "") for r in data]
    t0 = time.perf_counter()
    if jobs > 1:
        with ProcessPoolExecutor(jobs, initializer=_init) as ex:
            results = list(ex.map(_page, tasks, chunksize=2))
    else:
        _init()
        results = [_page(t) for t in tasks]
    wall = time.perf_counter() - t0
    rows = []
    for name in names:
        pred = {r["id"]: res[name][0] for r, res in zip(data, results, strict=False)}
        t_ext = sum(res[name][1] for res in results)
        t_eng = sum(res[name][2] for res in results)
        rows.append((name, scorer.score(data, pred, n_bootstrap=200), t_ext, t_eng))
    base = next((t_ext + t_eng for name, _s, t_ext, t_eng in rows if name == BASELINE), None)
    snippets = "snipF1" in rows[0][1]
    print(f"\n### {set_name} ({len(data)} pages, {jobs} job(s), {wall:.0f}s wall)\n")
    head = (
        "| system | P | R | F1 |"
        + (" snippet F1 |" if snippets else "")
        + " empty | docs/s | × trafilatura | engine +% |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for name, s, t_ext, t_eng in rows:
        total = t_ext + t_eng
        dps = len(data) / total if total else float("inf")
        ratio = f"{base / total:.1f}" if base and total else "–"
        engine = f"{100 * t_eng / t_ext:.1f}" if t_eng and t_ext else "–"
        snip = f" {s['snipF1']:.3f} |" if snippets else ""
        print(
            f"| {name} | {s['P']:.3f} | {s['R']:.3f} | {s['F1']:.4f} ± {s['F1_std']:.3f} |{snip} "
            f"{s['empty']} | {dps:.1f} | {ratio} | {engine} |"
        )
    times = {name: t_ext for name, _s, t_ext, _e in rows}
    a, b = "dechaff html (trafilatura)", "dechaff html (trafilatura, in-process)"
    if a in times and b in times and times[b]:
        print(f"\ntimeout worker: extraction time {100 * (times[a] / times[b] - 1):+.1f}% vs in-process")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(DEV_SETS), choices=DEV_SETS)
    ap.add_argument("--limit", type=int, default=0, help="first N pages of each set (0: all)")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1), help="worker processes")
    ap.add_argument("--systems", nargs="+", default=None, help="run only these systems (names as listed)")
    args = ap.parse_args()
    require_bench()
    names = [n for n, _ in SYSTEMS]
    if args.systems:
        unknown = set(args.systems) - set(names)
        if unknown:
            ap.error(f"unknown systems: {', '.join(sorted(unknown))}; choose from: {'; '.join(names)}")
        names = [n for n in names if n in args.systems]
    names, skipped = _available(names)
    for note in skipped:
        print(f"skipped: {note}", file=sys.stderr)
    if not names:
        print("nothing to run", file=sys.stderr)
        return
    scorer = load_scorer()
    for set_name in args.sets:
        run_set(set_name, names, args.limit, args.jobs, scorer)
    if skipped:
        print("\nSkipped (not installed): " + "; ".join(s.split(" (")[0] for s in skipped))


if __name__ == "__main__":
    main()
