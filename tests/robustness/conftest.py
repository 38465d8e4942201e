"""Robustness tests: hostile text, limits, bulk faults (docs/robustness.md). Quick by default;
``DECHAFF_SLOW=1`` also runs the tests marked ``slow`` (the 100 MB line)."""

from __future__ import annotations

import os

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: minutes or gigabytes; run with DECHAFF_SLOW=1")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("DECHAFF_SLOW") == "1":
        return
    skip = pytest.mark.skip(reason="slow: set DECHAFF_SLOW=1 to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
