"""Bulk-run faults: a failing writer, a full disk, SIGKILL of a single-file run, truncated
inputs. Whatever happens, no output is left under its final name unless it is complete, and the
counts add up (read == written + quarantined). Extends tests/cli/ (test_bad_inputs.py covers bad
records and broken compressed streams, test_resume.py SIGKILL + resume of directory runs)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from dechaff.io import writers

from tests.cli._helpers import read_jsonl, run_cli, sample_records

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="tmpfs, SIGKILL: Linux")


def _records(n: int, prefix: str = "r") -> list[dict[str, Any]]:
    recs = sample_records()
    return [{**recs[i % len(recs)], "id": f"{prefix}{i:04d}"} for i in range(n)]


def _write(path: Path, recs: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), encoding="utf-8")
    return path


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _outputs(root: Path) -> dict[str, bytes]:
    """Files under their final names (the run's own state folder left out)."""
    return {k: v for k, v in _files(root).items() if not k.startswith(".dechaff")}


# ---- a writer that fails


class _Boom(OSError):
    pass


def _fail_writes(monkeypatch: pytest.MonkeyPatch, after: int, exc: type[BaseException]) -> None:
    """JsonlWriter raises on every write after the first ``after`` (records or, on the JSONL fast
    path, a block of serialised lines)."""
    calls = {"n": 0}

    def failing(real: Any) -> Any:
        def write(self: Any, data: Any) -> Any:
            calls["n"] += 1
            if calls["n"] > after:
                raise exc("injected write failure")
            return real(self, data)

        return write

    for name in ("write", "write_bytes"):
        monkeypatch.setattr(writers.JsonlWriter, name, failing(getattr(writers.JsonlWriter, name)))


@pytest.fixture(params=["fast", "general"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run with the JSONL fast path (one write per block) and with the general path (one per batch)."""
    kind: str = request.param
    monkeypatch.setenv("DECHAFF_FAST_PATH", "1" if kind == "fast" else "0")
    return kind


@pytest.mark.parametrize("exc", [_Boom, RuntimeError])
def test_failing_writer_single_file_leaves_nothing_final(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, exc: type[BaseException], path_kind: str
) -> None:
    src = _write(tmp_path / "in.jsonl", [*_records(40), {"id": "bad"}])
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    # the fast path writes these 40 records as one block: fail on it
    _fail_writes(monkeypatch, 0 if path_kind == "fast" else 1, exc)
    args = ["clean", src, "-o", out_dir / "o.jsonl", "--batch-size", "8", "--workers", "1", "-q"]
    args += ["--stats", out_dir / "s.json"]
    if exc is RuntimeError:  # not an OSError: it propagates, and the sinks are aborted on the way
        with pytest.raises(RuntimeError, match="injected"):
            run_cli(args)
    else:
        res = run_cli(args)
        assert res.code == 1 and "injected write failure" in res.stderr
    assert os.listdir(out_dir) == []  # no o.jsonl, no quarantine, no stats, no temporary litter


def test_failing_writer_directory_run_then_resume(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path_kind: str
) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for k in range(3):
        _write(src / f"part-{k}.jsonl", _records(12, f"p{k}-"))
    base = ["--batch-size", "4", "--workers", "1", "-q"]
    ref = tmp_path / "ref"
    assert run_cli(["clean", src, "-o", ref, *base]).code == 0
    out = tmp_path / "out"
    # dies in shard 2: the general path writes each shard in 3 batches, the fast path in 1 block
    _fail_writes(monkeypatch, 4 if path_kind == "general" else 1, _Boom)
    res = run_cli(["clean", src, "-o", out, *base])
    assert res.code == 1
    partial = _outputs(out)
    assert partial == {"part-0.jsonl": _files(ref)["part-0.jsonl"]}  # the done shard only, complete
    assert os.listdir(out / ".dechaff" / "tmp") == []
    monkeypatch.undo()
    res = run_cli(["clean", src, "-o", out, "--resume", "--stats", tmp_path / "s.json", *base])
    assert res.code == 0, res.stderr
    assert _outputs(out) == _outputs(ref)
    docs = json.loads((tmp_path / "s.json").read_text())["documents"]
    assert (docs["read"], docs["written"], docs["quarantined"]) == (36, 36, 0)


# ---- a full disk


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {r.stderr.decode(errors='replace').strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


# A failed commit once left its sinks unaborted: temporary files stayed and their file objects
# were collected unclosed, which the suite's `filterwarnings = error` turns into an error
# (docs/robustness.md, F4).
def test_full_disk_single_file(tmp_path: Path, small_disk: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(120))  # ~150 KB of output for a 64 KB disk
    res = run_cli(["clean", src, "-o", small_disk / "o.jsonl", "-q"])
    assert res.code == 1 and "No space left on device" in res.stderr
    names = os.listdir(small_disk)
    assert "o.jsonl" not in names and "o.quarantine.jsonl" not in names  # nothing under a final name


def test_full_disk_single_file_leaves_no_litter(tmp_path: Path, small_disk: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(120))
    assert run_cli(["clean", src, "-o", small_disk / "o.jsonl", "-q"]).code == 1
    assert os.listdir(small_disk) == []


def test_full_disk_directory_run_then_resume(tmp_path: Path, small_disk: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    for k in range(4):
        _write(src / f"part-{k}.jsonl", _records(16, f"p{k}-"))  # ~20 KB of output each
    base = ["--workers", "1", "-q"]
    ref = tmp_path / "ref"
    assert run_cli(["clean", src, "-o", ref, *base]).code == 0
    out = small_disk / "out"
    res = run_cli(["clean", src, "-o", out, *base])
    assert res.code == 1 and "No space left on device" in res.stderr
    partial = _outputs(out)
    expected = _outputs(ref)
    assert 0 < len(partial) < 4
    assert all(expected[name] == data for name, data in partial.items())  # each shard whole or absent
    subprocess.run(["mount", "-o", "remount,size=2m", str(small_disk)], check=True)
    res = run_cli(["clean", src, "-o", out, "--resume", "--stats", tmp_path / "s.json", *base])
    assert res.code == 0, res.stderr
    assert _outputs(out) == expected
    docs = json.loads((tmp_path / "s.json").read_text())["documents"]
    assert (docs["read"], docs["written"], docs["quarantined"]) == (64, 64, 0)


# ---- SIGKILL of a single-file run (directory runs: tests/cli/test_resume.py)


def test_sigkill_single_file_leaves_no_output_and_the_next_run_sweeps_the_litter(tmp_path: Path) -> None:
    src = _write(tmp_path / "in.jsonl", _records(3000))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    cmd = [sys.executable, "-m", "dechaff.cli", "clean", str(src), "-o", str(out_dir / "o.jsonl")]
    cmd += ["--workers", "1", "--batch-size", "16", "-q"]
    proc = subprocess.Popen(cmd, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    deadline = time.monotonic() + 60
    while not any(n.endswith(".tmp") for n in os.listdir(out_dir)) and proc.poll() is None:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if proc.returncode == 0:
        pytest.skip("the run finished before SIGKILL")
    names = os.listdir(out_dir)
    assert "o.jsonl" not in names and "o.quarantine.jsonl" not in names
    # what is left is a dot-named temporary file of the killed process ...
    assert names and all(n.startswith(".o.") and f"-{proc.pid}-" in n for n in names), names
    # ... which the next run writing o.jsonl removes, writing what an uninterrupted run writes
    assert subprocess.run(cmd, env={**os.environ, "PYTHONWARNINGS": "ignore"}).returncode == 0
    assert sorted(os.listdir(out_dir)) == ["o.jsonl"]
    ref = tmp_path / "ref"
    ref.mkdir()
    assert subprocess.run([*cmd[:6], str(ref / "o.jsonl"), *cmd[7:]]).returncode == 0
    assert (out_dir / "o.jsonl").read_bytes() == (ref / "o.jsonl").read_bytes()


# ---- truncated inputs


def test_jsonl_truncated_anywhere(tmp_path: Path) -> None:
    """Cut a JSONL file at many offsets (mid-record, mid-UTF-8 sequence, mid-escape): every run
    succeeds, writes a prefix of the full run's records, and quarantines at most the cut record."""
    recs = [
        {"id": f"t{i}", "text": f"Record {i}: «café» — “quotes” and \\ escapes.\nSecond line é."}
        for i in range(4)
    ]
    full = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode()
    whole = run_cli(["clean", "-", "-o", "-", "--format", "jsonl", "-q"], stdin=full)
    assert whole.code == 0
    ref = whole.jsonl()
    cuts = sorted({*range(1, len(full), 23), full.index("é".encode()) + 1, len(full) - 1})
    for cut in cuts:
        src = tmp_path / "cut.jsonl"
        src.write_bytes(full[:cut])
        out, q, stats = tmp_path / "o.jsonl", tmp_path / "q.jsonl", tmp_path / "s.json"
        for f in (out, q):
            f.unlink(missing_ok=True)
        res = run_cli(["clean", src, "-o", out, "--quarantine", q, "--stats", stats, "-q"])
        assert res.code == 0, (cut, res.stderr)
        got = read_jsonl(out)
        quarantined = read_jsonl(q) if q.exists() else []
        docs = json.loads(stats.read_text())["documents"]
        assert docs["read"] == docs["written"] + docs["quarantined"] == len(got) + len(quarantined), cut
        assert got == ref[: len(got)], cut
        assert len(quarantined) <= 1, cut
        complete = full[:cut].count(b"\n")
        assert len(got) == complete or (len(got) == complete + 1 and full[:cut].rstrip().endswith(b"}"))


def test_atomic_file_sweeps_only_dead_writers_litter(tmp_path: Path) -> None:
    """Temporary files of a dead process go, those of a live one (or another target) stay."""
    from dechaff.io.writers import AtomicFile, _tmp_prefix

    target = str(tmp_path / "o.jsonl")
    prefix = _tmp_prefix(target)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f"{prefix}{dead.pid}-abc.tmp"
    live = tmp_path / f"{prefix}{os.getppid()}-abc.tmp"  # the test runner's parent is running
    other = tmp_path / f".p.jsonl.dechaff-{prefix.split('dechaff-')[1]}{dead.pid}-abc.tmp"
    for f in (stale, live, other):
        f.write_bytes(b"partial")
    w = AtomicFile(target)
    w.write(b"{}\n")
    w.commit()
    assert not stale.exists()
    assert live.exists() and other.exists()
    assert sorted(os.listdir(tmp_path)) == sorted([live.name, other.name, "o.jsonl"])
