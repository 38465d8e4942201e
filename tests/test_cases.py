"""The shared cases in tests/cases/*.toml, through the Python API (cargo test runs them too)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import dechaff
import pytest
import tomllib
from dechaff import Cleaner, normalize

CASE_DIR = Path(__file__).parent / "cases"


def _load() -> list[Any]:
    out = []
    for path in sorted(CASE_DIR.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in doc["case"]:
            # A file may name the language its cases are written in (default: English). Every
            # case runs with that language's rules and again with lang="auto" (detection).
            for lang in (doc.get("lang", "en"), "auto"):
                case_lang = {**case, "options": {"lang": lang, **case.get("options", {})}}
                out.append(pytest.param(case_lang, id=f"{path.stem}:{case['name']}:{lang}"))
    return out


CASES = _load()


@cache
def _cleaner(options: tuple[tuple[str, Any], ...]) -> Cleaner:
    kwargs = {k: list(v) if isinstance(v, tuple) else v for k, v in options}
    return Cleaner(**{"mode": "article", **kwargs})


def test_enough_cases() -> None:
    cases = [c.values[0] for c in CASES if c.values[0]["options"]["lang"] != "auto"]
    negatives = [c for c in cases if c["name"].startswith("neg-")]
    assert len(cases) >= 80
    assert len(negatives) >= 30
    for lang in dechaff.LANGUAGES:
        mine = [c for c in cases if c["options"]["lang"] == lang]
        neg = [c for c in mine if c["name"].startswith("neg-")]
        assert len(mine) >= 25 and 3 * len(neg) >= len(mine), (
            f"{lang}: {len(mine)} cases, {len(neg)} negative"
        )


@pytest.mark.parametrize("case", CASES)
def test_case(case: dict[str, Any]) -> None:
    opts = tuple(
        sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in case.get("options", {}).items())
    )
    cleaner = _cleaner(opts)
    result = cleaner.clean(case["input"])
    text = normalize(result.text)
    for snippet in case.get("must_remove", []):
        assert normalize(snippet) not in text, f"not removed: {snippet!r}"
    for snippet in case.get("must_keep", []):
        assert normalize(snippet) in text, f"lost: {snippet!r}"
    categories = {r.category for r in result.removals}
    for cat in case.get("categories", []):
        assert cat in categories, f"no removal of category {cat}: {categories}"
    for key, value in case.get("metadata", {}).items():
        assert result.metadata.get(key) == value
    for span in case.get("spans", []):
        assert any(
            r.text == span["text"] and span.get("category", r.category) == r.category for r in result.removals
        ), f"span {span} not reported: {result.removals}"
    for r in result.removals:
        assert result.normalized[r.start : r.end] == r.text
