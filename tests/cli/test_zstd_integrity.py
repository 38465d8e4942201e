"""A damaged ``.zst`` input is reported, never read as a shorter clean file.

A stream cut off inside a frame gives a ``compressed_stream`` quarantine entry (as truncated ``.gz`` and
``.xz`` do) after the records decoded before the cut; a corrupt frame costs only itself: the records of
the good frames before it are cleaned and written. Good multi-frame files (skippable frames too) read
whole. The JSONL fast path and the general path (``DECHAFF_FAST_PATH=0``) behave the same.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import read_jsonl, run_cli, stats_of

zstandard = pytest.importorskip("zstandard")

FAST_PATHS = pytest.mark.parametrize("fast_path", ["1", "0"], ids=["fast", "general"])


def _records(first: int, count: int) -> list[dict[str, Any]]:
    return [
        {
            "id": f"r{i:04d}",
            "text": f"The council approved the canal plan on Monday, officials said. paragraph {i}",
        }
        for i in range(first, first + count)
    ]


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode("utf-8")


def _frame(records: list[dict[str, Any]]) -> bytes:
    data: bytes = zstandard.ZstdCompressor().compress(_jsonl(records))
    return data


def _ids(first: int, count: int) -> list[str]:
    return [f"r{i:04d}" for i in range(first, first + count)]


def _lines_decodable(data: bytes) -> int:
    """Complete lines the zstd library gets out of (damaged) ``data`` in one go, frame by frame."""
    lines = 0
    while data:
        dobj = zstandard.ZstdDecompressor().decompressobj()
        try:
            lines += dobj.decompress(data).count(b"\n")
        except zstandard.ZstdError:
            break
        if not dobj.eof:
            break
        data = dobj.unused_data
    return lines


def _clean(
    tmp_path: Path, data: bytes, fast_path: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    monkeypatch.setenv("DECHAFF_FAST_PATH", fast_path)
    src = tmp_path / "in.jsonl.zst"
    src.write_bytes(data)
    out = tmp_path / "out.jsonl"
    q = tmp_path / "q.jsonl"
    stats = tmp_path / "s.json"
    res = run_cli(["clean", src, "-o", out, "--quarantine", q, "--stats", stats, "-q"])
    assert res.code == 0, res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    docs: dict[str, Any] = stats_of(stats)["documents"]  # asserts read == written + quarantined
    written = read_jsonl(out)
    quarantined = read_jsonl(q) if q.exists() else []
    assert docs["written"] == len(written) and docs["quarantined"] == len(quarantined)
    assert docs["read"] == len(written) + len(quarantined)
    return docs, written, quarantined


@FAST_PATHS
@pytest.mark.parametrize("cut", ["tail", "first_frame", "magic_only"])
def test_truncated_zstd_is_reported(
    tmp_path: Path, fast_path: str, cut: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A .zst cut off inside a frame once read as a clean, shorter file: exit 0, the records before
    # the cut, no word of the damage (a file of only the magic bytes read as empty).
    full = _frame(_records(1, 2000))
    if cut == "tail":  # the end of the only frame (last block and checksum) is missing
        data = full[:-20]
    elif cut == "first_frame":  # two frames, cut inside the first one
        data = (full + _frame(_records(2001, 500)))[:3000]
        assert len(data) < len(full)
    else:
        data = full[:4]
    n_ok = _lines_decodable(data)
    assert n_ok < 2000
    docs, written, q = _clean(tmp_path, data, fast_path, monkeypatch)
    assert [r["id"] for r in written] == _ids(1, n_ok)
    assert docs["read"] == n_ok + 1
    assert len(q) == 1
    assert q[0]["code"] == "compressed_stream" and q[0]["line"] == n_ok + 1
    assert "ended inside zstd frame 1" in q[0]["reason"]
    assert q[0]["reason"].startswith("EOFError")


@FAST_PATHS
@pytest.mark.parametrize("n_good", [2000, 40000])
def test_corrupt_second_frame_keeps_the_first(
    tmp_path: Path, fast_path: str, n_good: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An error in the second frame once threw away the first frame's records decoded in the same
    # read (all of them, for a small file: "read 1, written 0 ... after 0 lines").
    bad = bytearray(_frame(_records(n_good + 1, 500)))
    for i in range(20, len(bad) - 4):
        bad[i] ^= 0x5A
    data = _frame(_records(1, n_good)) + bytes(bad)
    docs, written, q = _clean(tmp_path, data, fast_path, monkeypatch)
    assert [r["id"] for r in written] == _ids(1, n_good)
    assert (docs["read"], docs["written"], docs["quarantined"]) == (n_good + 1, n_good, 1)
    assert q[0]["code"] == "compressed_stream" and q[0]["line"] == n_good + 1
    assert "ZstdError" in q[0]["reason"] and "zstd frame 2" in q[0]["reason"]


@FAST_PATHS
@pytest.mark.parametrize("lead", ["frame", "skippable"])
def test_good_multi_frame_zstd_reads_whole(
    tmp_path: Path, fast_path: str, lead: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Frames of any size, an empty frame and skippable frames between them read whole. A file that
    # starts with a skippable frame (pzstd writes one before each frame) was once not taken for zstd.
    skippable = b"\x50\x2a\x4d\x18" + (5).to_bytes(4, "little") + b"dechf"
    data = (
        (skippable if lead == "skippable" else b"")
        + _frame(_records(1, 700))
        + _frame([])
        + _frame(_records(701, 1))
        + skippable
        + _frame(_records(702, 1299))
        + skippable
    )
    docs, written, q = _clean(tmp_path, data, fast_path, monkeypatch)
    assert [r["id"] for r in written] == _ids(1, 2000)
    assert (docs["read"], docs["written"], docs["quarantined"]) == (2000, 2000, 0)
    assert q == []
