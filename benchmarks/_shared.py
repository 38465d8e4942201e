"""Helpers for benchmarks: find ../shared/bench, load its data sets, load its scorer."""

from __future__ import annotations

import gzip
import importlib.util
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DECHAFF_SHARED", REPO.parent / "shared"))
BENCH = SHARED / "bench"
#: The development sets. The WCXB test split and trafilatura's evaluation pages are reserved for
#: independent evaluation and are never read here.
DEV_SETS = ("scrapinghub", "wcxb-dev")


def require_bench() -> Path:
    """The benchmark folder, or exit cleanly with a message when it is absent."""
    if not (BENCH / "score.py").exists():
        print(f"skipped: {BENCH} not found (the benchmark data lives in ../shared/bench)", file=sys.stderr)
        raise SystemExit(0)
    return BENCH


def load_scorer() -> ModuleType:
    """Import ../shared/bench/score.py as a module."""
    spec = importlib.util.spec_from_file_location("dechaff_bench_score", require_bench() / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_set(name: str) -> list[dict[str, Any]]:
    """All records of one development set."""
    with gzip.open(require_bench() / name / "docs.jsonl.gz", "rt", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
