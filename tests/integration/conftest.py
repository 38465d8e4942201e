"""Integration tests: dechaff inside datatrove and Ray Data (``make test-integrations``).

They need the ``datatrove``, ``ray`` and ``arrow`` extras and skip without them. They take
longer than the unit tests (worker processes, a local Ray instance), so a plain ``pytest``
run from the repository root (``make test``) leaves them out; they run when this folder is
named on the command line (``pytest tests/integration``) or with ``DECHAFF_INTEGRATION=1``.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent

# Invented article bodies; each gets chaff lines and a teaser tail in `make_articles`.
_BODIES = [
    "The city council approved a revised budget on Monday after a three-hour debate, officials said. "
    "The plan moves money from road repairs to the bus network and adds two new routes in the north.",
    "Rain is expected across the region on Tuesday, forecasters said. The storm will move east by "
    "evening, and the weather service warned of flooding in low areas near the river.",
    "A new public library opened in the old railway depot this weekend. Volunteers spent two years "
    "restoring the building, which had been empty since the station closed in 1998.",
    "The regional hospital will add forty beds to its emergency ward by the end of the year, its "
    "director said, after a winter in which patients waited hours for a place.",
    "Farmers in the valley say the late frost damaged much of the apricot crop. Prices at the market "
    "have already risen, and growers expect a smaller harvest than last summer.",
]

_CHAFF = ["Advertisement", "Share this article", "ADVERTISEMENT"]
_TAILS = [
    "You may also like\n\nTen things to do in the city this weekend\n\nWhy the bridge closed again",
    "Related articles\n\nCouncil votes on parking fees\n\nSchool term dates announced",
    "",
]


def make_articles(n: int) -> list[dict[str, Any]]:
    """``n`` invented records ``{"id", "text"}``; every fifth one is nothing but chaff."""
    out = []
    for i in range(n):
        if i % 5 == 4:
            text = "Advertisement\n\nShare this article"
        else:
            body = _BODIES[i % len(_BODIES)]
            second = _BODIES[(i + 1) % len(_BODIES)]
            parts = [_CHAFF[i % len(_CHAFF)], body, f"Update {i}: {second}", "Share this article"]
            if tail := _TAILS[i % len(_TAILS)]:
                parts.append(tail)
            text = "\n\n".join(parts)
        out.append({"id": f"doc-{i:03d}", "text": text})
    return out


def write_jsonl_gz(path: Path, records: list[dict[str, Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(path, "wt", encoding="utf-8") as f:
        for rec in records:
            f.write(json.dumps(rec) + "\n")


def read_jsonl_dir(folder: Path) -> list[dict[str, Any]]:
    """Every record of every JSON-lines file (``.json``, ``.jsonl``, ``.jsonl.gz``) under ``folder``."""
    out = []
    for path in sorted(folder.rglob("*.json*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as f:
            out.extend(json.loads(line) for line in f if line.strip())
    return out


def _explicitly_named(config: pytest.Config) -> bool:
    if os.environ.get("DECHAFF_INTEGRATION") == "1":
        return True
    if config.args_source != pytest.Config.ArgsSource.ARGS:
        return False  # testpaths or the current directory: a plain `pytest`
    for arg in config.args:
        path = Path(arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if _explicitly_named(config):
        return
    mine = [item for item in items if HERE in Path(str(item.path)).parents]
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]
