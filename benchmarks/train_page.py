"""Train the page-mode models on wcxb-dev (only) and write src/page/weights.rs.

    python benchmarks/train_page.py [--folds 5] [--dry-run]

Needs numpy (``pip install numpy``) and cargo. The features come from the Rust code itself
(``cargo test --profile dev-opt --lib page::tests::export -- --ignored``), so training and the
engine never drift apart. Steps:

1. line labels from the gold (a line is content when most of its 4-gram shingles are in the
   gold; a short line when its tokens occur in the gold between its content neighbours);
2. stage 1: L2 logistic regression over the per-line features; out-of-fold probabilities by
   5-fold cross-validation over pages (fixed seed);
3. stage 2: the same over context features of the out-of-fold stage-1 probabilities;
4. selection threshold T and marker penalty B: the grid point with the best cross-validated
   4-gram F1 on wcxb-dev of the whole pipeline (selection, then the article rules);
5. mode="auto": logistic regression over page-level statistics of text_full (whole page) and
   text_recall (extracted article) pages, each weighted by how much F1 the wrong mode would cost
   on it; its threshold is the cross-validated one that keeps the loss against the right mode
   smallest against the explicitly chosen mode (page on text_full, article on text_recall),
   counting a wrongly cut article twice (be conservative).

scrapinghub is never read here.
"""

from __future__ import annotations

import argparse
import bisect
import os
import re
import subprocess
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

import numpy as np
from _shared import REPO, load_scorer, load_set

TOK = re.compile(r"\w+")
WEIGHTS = REPO / "src" / "page" / "weights.rs"
TB_GRID = [(t, b) for t in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6) for b in (0.5, 1.0, 2.0)]


# ------------------------------------------------------------------------------------ export
def export(job: str, docs: list[str], probs: np.ndarray | None = None, tb: str | None = None) -> str:
    """Run the Rust export for `docs`; returns its output text."""
    with tempfile.TemporaryDirectory() as d:
        inp, out, pf = Path(d, "in"), Path(d, "out"), Path(d, "p")
        with open(inp, "wb") as f:
            for t in docs:
                b = t.encode()
                f.write(f"{len(b)}\n".encode() + b)
        env = dict(os.environ, DECHAFF_PAGE_EXPORT=job, DECHAFF_PAGE_IN=str(inp), DECHAFF_PAGE_OUT=str(out))
        if probs is not None:
            pf.write_text("\n".join(f"{v:.9g}" for v in probs))
            env["DECHAFF_PAGE_P"] = str(pf)
        if tb:
            env["DECHAFF_PAGE_TB"] = tb
        cmd = [
            "cargo",
            "test",
            "--quiet",
            "--profile",
            "dev-opt",
            "--lib",
            "page::tests::export",
            "--",
            "--ignored",
        ]
        subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
        return out.read_text(encoding="utf-8")


def read_records(text: str) -> list[str]:
    raw, out, i = text.encode(), [], 0
    while i < len(raw):
        nl = raw.index(b"\n", i)
        n = int(raw[i:nl])
        out.append(raw[nl + 1 : nl + 1 + n].decode())
        i = nl + 1 + n
    return out


def stage1_rows(docs: list[str]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    doc, rows, texts = [], [], []
    for line in export("stage1", docs).split("\n"):
        if not line:
            continue
        parts = line.split("\t")
        doc.append(int(parts[0]))
        rows.append([float(v) for v in parts[1:-1]])
        texts.append(parts[-1])
    return np.array(doc), np.array(rows), texts


def stage2_rows(docs: list[str], p1: np.ndarray) -> np.ndarray:
    rows = [[float(v) for v in ln.split("\t")[1:]] for ln in export("stage2", docs, p1).split("\n") if ln]
    return np.array(rows)


# ------------------------------------------------------------------------------------ labels
def label_lines(lines: list[str], gold: str) -> list[int]:
    """Content labels of one page's lines from its gold text (see the module docstring)."""
    g = TOK.findall(gold)
    pos4: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i in range(len(g) - 3):
        pos4[tuple(g[i : i + 4])].append(i)
    first: dict[str, list[int]] = defaultdict(list)
    for i, t in enumerate(g):
        first[t].append(i)
    lab, span, toks = [0] * len(lines), [None] * len(lines), []
    for k, ln in enumerate(lines):
        t = TOK.findall(ln)
        toks.append(t)
        if len(t) >= 4:
            sh = [tuple(t[i : i + 4]) for i in range(len(t) - 3)]
            hits = [pos4[s] for s in sh if s in pos4]
            if len(hits) / len(sh) > 0.5:
                lab[k] = 1
                span[k] = (min(h[0] for h in hits), max(h[-1] for h in hits) + 4)
    n = len(lines)
    prev_end, next_start = [0] * n, [len(g)] * n
    cur = 0
    for k in range(n):
        prev_end[k] = cur
        if span[k]:
            cur = span[k][0]
    cur = len(g)
    for k in range(n - 1, -1, -1):
        next_start[k] = cur
        if span[k]:
            cur = span[k][1]
    for k, t in enumerate(toks):
        if not t or len(t) >= 4:
            continue
        lo, hi, m = prev_end[k], next_start[k], len(t)
        cand = first.get(t[0], [])
        j = bisect.bisect_left(cand, lo)
        while j < len(cand) and cand[j] < hi and cand[j] <= len(g) - m:
            if g[cand[j] : cand[j] + m] == t:
                lab[k] = 1
                break
            j += 1
    return lab


# ------------------------------------------------------------------------------------ models
def fit_lr(
    x: np.ndarray, y: np.ndarray, w: np.ndarray | None = None, c: float = 1.0
) -> tuple[np.ndarray, float]:
    """L2 logistic regression on standardised features (Newton); weights in raw feature units."""
    mu, sd = x.mean(0), x.std(0)
    sd[sd < 1e-9] = 1.0
    z = np.hstack([(x - mu) / sd, np.ones((len(x), 1))])
    w = np.ones(len(x)) if w is None else w
    beta = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], 1.0 / c)
    reg[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -30, 30)))
        grad = z.T @ (w * (p - y)) + reg * beta
        hess = (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    coef = beta[:-1] / sd
    return coef, float(beta[-1] - np.sum(beta[:-1] * mu / sd))


def predict(model: tuple[np.ndarray, float], x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x @ model[0] + model[1], -30, 30)))


def oof(x: np.ndarray, y: np.ndarray, fold_of_row: np.ndarray, folds: int, **kw) -> np.ndarray:
    p = np.zeros(len(x))
    for f in range(folds):
        te = fold_of_row == f
        p[te] = predict(fit_lr(x[~te], y[~te], **kw), x[te])
    return p


# ------------------------------------------------------------------------------------ scoring
def page_f1(scorer, gold: str, pred: str) -> float:
    tp, fp, fn = scorer.page_counts(scorer.tokens(gold), scorer.tokens(pred), 4)
    return tp / (tp + (fp + fn) / 2) if tp else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--dry-run", action="store_true", help="print the weights, do not write them")
    args = ap.parse_args()
    scorer = load_scorer()
    data = load_set("wcxb-dev")
    full = [r.get("text_full") or "" for r in data]
    recall = [r.get("text_recall") or "" for r in data]
    rng = np.random.default_rng(0)
    page_fold = rng.permutation(len(data)) % args.folds

    print("stage 1 features …", file=sys.stderr)
    doc, x1, texts = stage1_rows(full)
    y = np.zeros(len(doc))
    for d in range(len(data)):
        idx = np.nonzero(doc == d)[0]
        if len(idx):
            y[idx] = label_lines([texts[i] for i in idx], data[d].get("gold") or "")
    row_fold = page_fold[doc]
    p1 = oof(x1, y, row_fold, args.folds)
    m1 = fit_lr(x1, y)
    print("stage 2 features …", file=sys.stderr)
    x2 = stage2_rows(full, p1)
    p2 = oof(x2, y, row_fold, args.folds)
    m2 = fit_lr(x2, y)
    for name, p in (("stage 1", p1), ("stage 2", p2)):
        print(f"{name}: CV line accuracy {np.mean((p > 0.5) == (y > 0.5)):.4f}", file=sys.stderr)

    # Selection parameters by cross-validated F1 of the whole pipeline.
    tb = ";".join(f"{t},{b}" for t, b in TB_GRID)
    outs = read_records(export("clean", full, p2, tb))
    best = None
    for g, (t, b) in enumerate(TB_GRID):
        pred = {r["id"]: outs[i * len(TB_GRID) + g] for i, r in enumerate(data)}
        s = scorer.score(data, pred, n_bootstrap=0)
        print(
            f"T={t} B={b}: CV P={s['P']:.3f} R={s['R']:.3f} F1={s['F1']:.4f} snipF1={s['snipF1']:.3f}",
            file=sys.stderr,
        )
        if best is None or s["F1"] > best[0] + 1e-4:
            best = (s["F1"], t, b)
    assert best is not None
    _, t_sel, b_mark = best
    page_full = [outs[i * len(TB_GRID) + TB_GRID.index((t_sel, b_mark))] for i in range(len(data))]

    # mode="auto": page-level features of both kinds of input, cost-weighted.
    print("auto-detector …", file=sys.stderr)
    _, x1_r, _ = stage1_rows(recall)
    p1_r = predict(m1, x1_r)
    p2_r = predict(m2, stage2_rows(recall, p1_r))
    tbs = f"{t_sel},{b_mark}"
    page_recall = read_records(export("clean", recall, p2_r, tbs))
    art_full = read_records(export("article", full))
    art_recall = read_records(export("article", recall))

    def auto_rows(docs: list[str], p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = [ln.split("\t") for ln in export("auto", docs, p, tbs).split("\n") if ln]
        return np.array([int(r[1]) for r in rows]), np.array([[float(v) for v in r[2:]] for r in rows])

    n_full, xa_full = auto_rows(full, p2)
    n_rec, xa_rec = auto_rows(recall, p2_r)
    xa = np.vstack([xa_full, xa_rec])
    nlines = np.concatenate([n_full, n_rec])
    gain = np.array(
        [
            page_f1(scorer, r.get("gold") or "", a) - page_f1(scorer, r.get("gold") or "", o)
            for r, a, o in zip(data, page_full, art_full, strict=False)
        ]
        + [
            page_f1(scorer, r.get("gold") or "", a) - page_f1(scorer, r.get("gold") or "", o)
            for r, a, o in zip(data, page_recall, art_recall, strict=False)
        ]
    )  # F1(page) − F1(article) per input
    ya = (gain > 0).astype(float)
    wa = np.abs(gain) + 0.01
    fold_a = np.concatenate([page_fold, page_fold])
    za = np.zeros(len(xa))
    for f in range(args.folds):
        te = fold_a == f
        coef, bias = fit_lr(xa[~te], ya[~te], wa[~te], c=10.0)
        za[te] = xa[te] @ coef + bias
    # Whole-page text: every wcxb-dev text_full page has >= 20 lines; short articles stay articles.
    min_lines = 20

    def loss(th: float) -> tuple[float, float, float, float]:
        # F1 lost against the explicit mode: page mode on text_full, article mode on text_recall.
        chose = (za > th) & (nlines >= min_lines)
        half = len(data)
        lost_full = np.where(chose[:half], 0.0, gain[:half])
        lost_recall = np.where(chose[half:], -gain[half:], 0.0)
        return (
            lost_full.mean(),
            lost_recall.mean(),
            float(np.mean(chose[:half])),
            float(np.mean(chose[half:])),
        )

    grid = [x / 4 for x in range(-8, 25)]
    th = min(grid, key=lambda th: loss(th)[0] + 2 * loss(th)[1])
    for g in grid:
        lf, lr, cf, cr = loss(g)
        print(
            f"auto threshold {g:+.2f}: CV F1 lost text_full {lf:.4f} text_recall {lr:.4f}; "
            f"page chosen {cf:.3f} / {cr:.3f}",
            file=sys.stderr,
        )
    ma = fit_lr(xa, ya, wa, c=10.0)
    print(f"chosen: T={t_sel} B={b_mark} auto threshold {th}", file=sys.stderr)
    write_weights(m1, m2, ma, t_sel, b_mark, th, min_lines, args.dry_run)


def arr(v: np.ndarray) -> str:
    return (
        "[\n    "
        + ", ".join(f"{x:.9g}" if "." in f"{x:.9g}" or "e" in f"{x:.9g}" else f"{x:.9g}.0" for x in v)
        + ",\n]"
    )


def write_weights(m1, m2, ma, t_sel, b_mark, th, min_lines, dry_run: bool) -> None:
    def num(x: float) -> str:
        s = f"{x:.9g}"
        return s if ("." in s or "e" in s) else s + ".0"

    src = f"""//! Page-mode weights, written by `benchmarks/train_page.py` (wcxb-dev only; do not edit).
//! Logistic regressions over the features of `page.rs`, standardisation folded in.

pub const N1: usize = {len(m1[0])};
pub const N2: usize = {len(m2[0])};
pub const NA: usize = {len(ma[0])};
pub const W1: [f64; N1] = {arr(m1[0])};
pub const B1: f64 = {num(m1[1])};
pub const W2: [f64; N2] = {arr(m2[0])};
pub const B2: f64 = {num(m2[1])};
pub const WA: [f64; NA] = {arr(ma[0])};
pub const BA: f64 = {num(ma[1])};
/// Threshold of the stage-1 region (a stage-2 feature).
pub const T_REGION: f64 = 0.3;
/// Selection: maximum-sum run of `p2 - T_SELECT - B_MARKER * marker`.
pub const T_SELECT: f64 = {num(t_sel)};
pub const B_MARKER: f64 = {num(b_mark)};
/// mode="auto": whole-page text when the detector's logit exceeds this, and the text has at
/// least `AUTO_MIN_LINES` non-blank lines.
pub const AUTO_T: f64 = {num(th)};
pub const AUTO_MIN_LINES: usize = {min_lines};
"""
    if dry_run:
        print(src)
    else:
        WEIGHTS.write_text(src)
        print(f"wrote {WEIGHTS}", file=sys.stderr)


if __name__ == "__main__":
    main()
