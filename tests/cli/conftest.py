"""Fixtures for the CLI tests (helpers live in ``_helpers.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import sample_records


@pytest.fixture
def sample() -> list[dict[str, Any]]:
    return sample_records()
