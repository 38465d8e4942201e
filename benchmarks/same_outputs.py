"""Outputs before and after an engine change, byte for byte: a guard for speed work.

    python benchmarks/same_outputs.py save build/outputs-before.jsonl.gz   # on the old build
    python benchmarks/same_outputs.py check build/outputs-before.jsonl.gz  # on the new build

Cleans every ``text_full`` and ``text_recall`` of the WCXB dev set (``../shared/bench``), plus the
seed articles, in article, page and auto mode with the default options, and in article and page mode
with every normalisation option on and ``strict``. Every field of every result is compared: text,
normalized text, removals (offsets, rule, category, text), metadata and the mode that ran.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import dechaff

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DECHAFF_SHARED", REPO.parent / "shared"))

CONFIGS: list[tuple[str, dict[str, object]]] = [
    ("article", {"mode": "article"}),
    ("page", {"mode": "page"}),
    ("auto", {"mode": "auto"}),
    (
        "article-all-options",
        {
            "mode": "article",
            "strict": True,
            "ascii_punctuation": True,
            "bullets": True,
            "space_before_punctuation": True,
        },
    ),
    (
        "page-all-options",
        {
            "mode": "page",
            "strict": True,
            "ascii_punctuation": True,
            "bullets": True,
            "space_before_punctuation": True,
        },
    ),
]


def inputs() -> list[tuple[str, str]]:
    docs: list[tuple[str, str]] = []
    path = SHARED / "bench" / "wcxb-dev" / "docs.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        for line in f:
            rec = json.loads(line)
            for field in ("text_full", "text_recall"):
                if rec.get(field):
                    docs.append((f"{rec['id']}/{field}", rec[field]))
    for p in sorted((SHARED / "seeds").glob("*.txt")):
        docs.append((f"seeds/{p.name}", p.read_text(encoding="utf-8")))
    return docs


def results(docs: list[tuple[str, str]]) -> Iterator[dict[str, object]]:
    for name, opts in CONFIGS:
        cleaner = dechaff.Cleaner(**opts)  # type: ignore[arg-type]
        texts = [t for _, t in docs]
        for (doc_id, _), r in zip(docs, cleaner.clean_batch(texts, threads=1), strict=False):
            yield {
                "config": name,
                "id": doc_id,
                "text": r.text,
                "normalized": r.normalized,
                "removals": [list(x) for x in r.removals],
                "metadata": sorted((k, str(v)) for k, v in r.metadata.items()),
                "mode": r.mode,
            }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("action", choices=["save", "check"])
    ap.add_argument("path", type=Path)
    args = ap.parse_args()
    docs = inputs()
    if args.action == "save":
        args.path.parent.mkdir(parents=True, exist_ok=True)
        n = 0
        with gzip.open(args.path, "wt", encoding="utf-8") as f:
            for rec in results(docs):
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
                n += 1
        print(f"saved {n} results ({len(docs)} documents × {len(CONFIGS)} configurations) to {args.path}")
        return 0
    with gzip.open(args.path, "rt", encoding="utf-8") as f:
        before = [json.loads(line) for line in f]
    after = list(results(docs))
    if len(before) != len(after):
        print(f"result counts differ: {len(before)} saved, {len(after)} now")
        return 1
    bad = 0
    for b, a in zip(before, after, strict=False):
        a = json.loads(json.dumps(a, ensure_ascii=False))
        if b != a:
            bad += 1
            if bad <= 10:
                fields = [k for k in a if a[k] != b.get(k)]
                print(f"DIFFERENT: {a['config']} {a['id']}: {', '.join(fields)}")
    print(f"{len(after) - bad} of {len(after)} results identical")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
