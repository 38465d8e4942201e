"""SIGKILL a run at a random point, resume it: the output equals an uninterrupted run's, byte for byte."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from _helpers import sample_records

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")


RECORDS = 1200  # per shard: enough work that a kill lands inside it on a fast machine


def _make_inputs(root: Path) -> None:
    recs = sample_records()
    root.mkdir()
    for shard in range(4):
        lines = []
        for i in range(RECORDS):
            r = dict(recs[(i + shard) % len(recs)])
            r["id"] = f"s{shard}-{i:04d}"
            lines.append(json.dumps(r, ensure_ascii=False))
        if shard == 1:
            lines.insert(100, '{"id": "broken"')  # one quarantined line
        name = root / f"part-{shard}.jsonl"
        name.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _cmd(src: Path, out: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "dechaff.cli",
        "clean",
        str(src),
        "-o",
        str(out),
        "--workers",
        "1",
        "--batch-size",
        "16",
        "-q",
        *extra,
    ]


def _snapshot(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".dechaff" not in p.parts
    }


def _wait_for_output(proc: subprocess.Popen[bytes], out: Path) -> float:
    """Wait until the run has written its first output file (or ended); the time it did."""
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline and not any(out.rglob("*.jsonl*")):
        time.sleep(0.002)
    return time.monotonic()


def test_sigkill_then_resume_is_byte_identical(tmp_path: Path) -> None:
    src = tmp_path / "in"
    _make_inputs(src)
    env: dict[str, Any] = {**os.environ, "PYTHONWARNINGS": "ignore"}

    ref = tmp_path / "ref"
    subprocess.run(_cmd(src, ref), check=True, env=env, timeout=120)  # cold: imports, .pyc files
    shutil.rmtree(ref)
    # Warm: how long the work lasts from its first output file to the end of the run.
    proc = subprocess.Popen(_cmd(src, ref), env=env)
    first = _wait_for_output(proc, ref)
    proc.wait(timeout=120)
    assert proc.returncode == 0
    work = max(time.monotonic() - first, 0.05)
    expected = _snapshot(ref)
    assert sorted(expected) == [
        "part-0.jsonl",
        "part-1.jsonl",
        "part-2.jsonl",
        "part-3.jsonl",
        "quarantine.jsonl",
    ]

    seed = int(os.environ.get("DECHAFF_KILL_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    out = tmp_path / "out"
    killed = False
    for _attempt in range(6):
        proc = subprocess.Popen(_cmd(src, out, "--resume"), env=env)
        # A random point of the work (between the first output file and the end of the warm
        # run), whatever the speed of the machine.
        _wait_for_output(proc, out)
        time.sleep(rng.uniform(0.0, 0.8) * work)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            killed = True
            break
        proc.wait()  # finished before the kill: start again from nothing
        shutil.rmtree(out)
    assert killed, f"the run always finished before SIGKILL (seed {seed})"
    partial = _snapshot(out)
    assert all(expected.get(name) == data for name, data in partial.items() if name != "quarantine.jsonl"), (
        f"a shard visible after SIGKILL differs from the reference (seed {seed})"
    )

    subprocess.run(
        _cmd(src, out, "--resume", "--stats", str(tmp_path / "s.json")), check=True, env=env, timeout=120
    )
    assert _snapshot(out) == expected, f"resumed output differs (seed {seed})"
    docs = json.loads((tmp_path / "s.json").read_text())["documents"]
    assert (docs["read"], docs["written"], docs["quarantined"]) == (4 * RECORDS + 1, 4 * RECORDS, 1)
