"""Shared test helpers: where ../shared lives, and the hypothesis profile."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("DECHAFF_SHARED", REPO.parent / "shared"))

settings.register_profile(
    "dechaff",
    max_examples=int(os.environ.get("DECHAFF_HYPOTHESIS_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("dechaff")


def shared_dir(*parts: str) -> Path:
    """A folder of ../shared, or skip the test with a message when it is absent."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} not found: the shared seeds/benchmarks live beside the repo (../shared)")
    return path
