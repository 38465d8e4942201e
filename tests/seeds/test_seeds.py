"""Acceptance on the five real seed articles in ../shared/seeds (skipped when absent)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from dechaff import Cleaner, clean_article, normalize

from tests.conftest import shared_dir


def _expectations() -> tuple[Path, dict[str, Any]]:
    seeds = shared_dir("seeds")
    return seeds, json.loads((seeds / "expectations.json").read_text(encoding="utf-8"))


def test_every_seed_check_passes() -> None:
    seeds, expectations = _expectations()
    assert len(expectations) == 5
    failures = []
    for name, exp in expectations.items():
        out = normalize(clean_article((seeds / name).read_text(encoding="utf-8")))
        lines = out.split("\n")
        for s in exp.get("must_remove", []):
            if normalize(s) in out:
                failures.append(f"{name}: not removed {s!r}")
        for s in exp.get("must_keep", []):
            if normalize(s) not in out:
                failures.append(f"{name}: lost {s!r}")
        first = exp.get("first_line_starts_with")
        if first and not lines[0].startswith(normalize(first)):
            failures.append(f"{name}: first line {lines[0][:60]!r}")
        last = exp.get("last_line_ends_with")
        if last and not lines[-1].endswith(normalize(last)):
            failures.append(f"{name}: last line {lines[-1][-60:]!r}")
    assert not failures, "\n".join(failures)


def test_seed_metadata() -> None:
    seeds, expectations = _expectations()
    cleaner = Cleaner()
    for name, exp in expectations.items():
        result = cleaner.clean((seeds / name).read_text(encoding="utf-8"))
        for key, value in exp.get("metadata", {}).items():
            assert result.metadata.get(key) == value, (name, result.metadata)


def test_seed_000_date() -> None:
    seeds, _ = _expectations()
    seed = next(seeds.glob("000_*.txt"))
    assert Cleaner().clean(seed.read_text(encoding="utf-8")).metadata["date"] == "2022-12-18"


@pytest.mark.parametrize("strict", [False, True])
def test_seeds_idempotent(strict: bool) -> None:
    seeds, expectations = _expectations()
    cleaner = Cleaner(strict=strict)
    for name in expectations:
        once = cleaner.clean((seeds / name).read_text(encoding="utf-8"))
        twice = cleaner.clean(once.text)
        assert twice.text == once.text and not twice.removals, name
