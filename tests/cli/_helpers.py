"""Helpers for the CLI tests: run ``dechaff`` in-process with captured binary stdin/stdout."""

from __future__ import annotations

import io
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dechaff.cli import main

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "examples" / "sample.jsonl"
WARC_DIR = (REPO / ".." / "shared" / "bench" / "warc").resolve()


@dataclass
class Result:
    code: int
    stdout: bytes
    stderr: str

    def jsonl(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]


class _Out(io.TextIOWrapper):
    def isatty(self) -> bool:
        return False


def run_cli(args: list[Any], stdin: bytes = b"") -> Result:
    """Run ``dechaff ARGS`` in this process; stdin/stdout are bytes, stderr is text."""
    out = io.BytesIO()
    err = io.StringIO()
    old = sys.stdin, sys.stdout, sys.stderr
    fake_in = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    fake_out = _Out(out, encoding="utf-8", write_through=True)
    sys.stdin, sys.stdout, sys.stderr = fake_in, fake_out, err
    try:
        code = main([str(a) for a in args])
        fake_out.flush()
        data = out.getvalue()
    finally:
        sys.stdin, sys.stdout, sys.stderr = old
        fake_out.detach()
        fake_in.detach()
    return Result(code, data, err.getvalue())


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """Records of a (possibly compressed) JSONL file."""
    from dechaff.io.compression import open_source

    src, _ = open_source(str(path))
    with src:
        return [json.loads(line) for line in src.stream if line.strip()]


def stats_of(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text())
    docs = data["documents"]
    assert docs["read"] == docs["written"] + docs["quarantined"], docs
    return data


def sample_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path
