"""Bad input never stops a run: each case is quarantined with its reason; read == written + quarantined."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
from _helpers import SAMPLE, read_jsonl, run_cli, stats_of, write_jsonl


def _run(
    tmp_path: Path, src: Path, *extra: Any
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    out = tmp_path / "out.jsonl"
    q = tmp_path / "q.jsonl"
    res = run_cli(["clean", src, "-o", out, "--quarantine", q, "--stats", tmp_path / "s.json", "-q", *extra])
    assert res.code == 0, res.stderr
    written = read_jsonl(out)
    quarantined = read_jsonl(q) if q.exists() else []
    stats = stats_of(tmp_path / "s.json")
    docs = stats["documents"]
    assert docs["written"] == len(written) and docs["quarantined"] == len(quarantined)
    return docs, written, quarantined


def _counts(docs: dict[str, Any]) -> tuple[int, int, int]:
    return docs["read"], docs["written"], docs["quarantined"]


def test_malformed_json_line(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    lines = [json.dumps(r) for r in sample[:4]]
    lines.insert(2, '{"id": "broken", "text": "no closing brace"')
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (5, 4, 1)
    assert [r["id"] for r in written] == [r["id"] for r in sample[:4]]
    assert q == [
        {
            "source": "in.jsonl",
            "line": 3,
            "offset": q[0]["offset"],
            "code": "malformed_json",
            "reason": q[0]["reason"],
            "raw_bytes": len(lines[2]) + 1,
            "raw": lines[2] + "\n",
        }
    ]


@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_deeply_nested_records_are_quarantined_not_fatal(
    tmp_path: Path, sample: list[dict[str, Any]], fast_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Nesting past orjson's limits once reached the standard library's recursive parser and
    # encoder: a RecursionError ended the whole run (1,000 levels failed while writing, 1,025 and
    # more while reading). Up to MAX_DEPTH levels a record passes through; deeper, it is refused.
    monkeypatch.setenv("DECHAFF_FAST_PATH", fast_path)

    def nested(levels: int) -> str:
        return "[" * (levels - 1) + "]" * (levels - 1)

    lines = [json.dumps(sample[0])]
    lines += [f'{{"id":"d{n}","text":"Body.","x":{nested(n)}}}' for n in (300, 512, 513, 1000, 3000)]
    lines.append(json.dumps(sample[1]))
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (7, 4, 3)
    assert [r["id"] for r in written] == [sample[0]["id"], "d300", "d512", sample[1]["id"]]
    assert written[2]["x"] == json.loads(nested(512))
    assert [(e["line"], e["code"]) for e in q] == [(line, "malformed_json") for line in (4, 5, 6)]
    assert all("nested more than 512 levels" in e["reason"] for e in q)


def test_record_without_the_field_and_non_string_field(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    recs = [
        sample[0],
        {"id": "no-text", "body": "x"},
        {"id": "num", "text": 42},
        {"id": "null", "text": None},
        sample[1],
    ]
    docs, _written, q = _run(tmp_path, write_jsonl(tmp_path / "in.jsonl", recs))
    assert _counts(docs) == (5, 2, 3)
    assert [(e["id"], e["code"], e["line"]) for e in q] == [
        ("no-text", "missing_field", 2),
        ("num", "field_not_string", 3),
        ("null", "field_not_string", 4),
    ]
    assert json.loads(q[0]["raw"]) == recs[1]


def test_invalid_utf8_bytes(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    good = json.dumps(sample[0]).encode()
    bad = b'{"id": "latin1", "text": "caf\xe9 au lait, the council said."}'
    src = tmp_path / "in.jsonl"
    src.write_bytes(good + b"\n" + bad + b"\n")
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (2, 1, 1)
    assert q[0]["code"] == "invalid_utf8" and q[0]["line"] == 2
    import base64

    assert base64.b64decode(q[0]["raw_b64"]) == bad + b"\n"
    # --decode-errors replace cleans it instead
    docs, written, q = _run(tmp_path, src, "--decode-errors", "replace")
    assert _counts(docs) == (2, 2, 0)
    assert "\ufffd" in written[1]["text"]


def test_truncated_gzip(tmp_path: Path) -> None:
    data = gzip.compress(SAMPLE.read_bytes())
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(data[: len(data) // 2])
    docs, written, q = _run(tmp_path, src)
    n_ok = len(written)
    assert 0 < n_ok < 26
    assert _counts(docs) == (n_ok + 1, n_ok, 1)
    assert q[0]["code"] == "compressed_stream" and q[0]["line"] == n_ok + 1
    assert "ended before the end-of-stream marker" in q[0]["reason"]


def test_broken_zstd(tmp_path: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    data = bytearray(zstandard.ZstdCompressor().compress(SAMPLE.read_bytes()))
    for i in range(len(data) // 2, len(data) // 2 + 32):
        data[i] ^= 0x5A
    src = tmp_path / "in.jsonl.zst"
    src.write_bytes(bytes(data))
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (len(written) + 1, len(written), 1)
    assert q[-1]["code"] == "compressed_stream" and "ZstdError" in q[-1]["reason"]


def test_binary_junk_file(tmp_path: Path) -> None:
    rnd = random.Random(7)
    src = tmp_path / "junk.jsonl"
    src.write_bytes(bytes(rnd.getrandbits(8) for _ in range(20000)))
    docs, _written, q = _run(tmp_path, src)
    assert _counts(docs) == (1, 0, 1)
    assert q[0]["code"] == "binary_file" and q[0]["source"] == "junk.jsonl"


def test_empty_file(tmp_path: Path) -> None:
    src = tmp_path / "empty.jsonl"
    src.write_bytes(b"")
    docs, _written, _q = _run(tmp_path, src)
    assert _counts(docs) == (0, 0, 0)
    assert (tmp_path / "out.jsonl").read_bytes() == b""
    blank = tmp_path / "blank.txt"
    blank.write_text("\n\n")
    docs, _, _ = _run(tmp_path, blank)
    assert _counts(docs) == (0, 0, 0)


def test_5mb_single_line_record(tmp_path: Path) -> None:
    body = "The council approved the canal plan on Monday after a long debate about the budget. " * 62000
    body = body[:5_000_000]
    src = write_jsonl(
        tmp_path / "big.jsonl", [{"id": "big", "text": body}, {"id": "small", "text": "Short."}]
    )
    assert src.stat().st_size > 5_000_000
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (2, 2, 0)
    assert len(written[0]["text"]) > 4_900_000
    # with a size limit it is quarantined (raw kept), the small one still goes through
    docs, written, q = _run(tmp_path, src, "--max-bytes", "1000000")
    assert _counts(docs) == (2, 1, 1)
    assert q[0]["code"] == "engine_error" and "max_bytes" in q[0]["reason"] and q[0]["raw_bytes"] > 5_000_000


def test_many_bad_files_in_one_run(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    d = tmp_path / "in"
    d.mkdir()
    write_jsonl(d / "a.jsonl", sample[:3])
    (d / "b.jsonl").write_bytes(b"not json\n" + json.dumps(sample[3]).encode() + b"\n")
    (d / "c.jsonl").write_bytes(b"")
    (d / "d.jsonl").write_bytes(bytes(range(256)) * 8)
    data = gzip.compress(json.dumps(sample[4]).encode() * 50)
    (d / "e.jsonl.gz").write_bytes(data[:-20])
    out = tmp_path / "out"
    res = run_cli(["clean", d, "-o", out, "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    docs = stats_of(tmp_path / "s.json")["documents"]
    q = read_jsonl(out / "quarantine.jsonl")
    assert [(e["source"], e["code"]) for e in q] == [
        ("b.jsonl", "malformed_json"),
        ("d.jsonl", "binary_file"),
        ("e.jsonl.gz", "compressed_stream"),
    ]
    assert _counts(docs) == (3 + 2 + 1 + 1, 4, 3)


def test_max_error_rate_exit_status(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1}\n{"id": 2, "text": "Fine text."}\n')
    res = run_cli(["clean", src, "-o", tmp_path / "o.jsonl", "--max-error-rate", "0.1", "-q"])
    assert res.code == 3 and "max-error-rate" in res.stderr


@pytest.mark.parametrize(
    "extra",
    [
        ["-o", "{out}", "--quarantine", "{out}"],
        ["-o", "{out}", "--report", "{out}"],
        ["-o", "{out}", "--stats", "{out}"],
        ["-o", "{out}", "--quarantine", "{src}"],
        ["-o", "{src}"],
        ["-o", "{out}", "--report-field", "text"],
        ["-o", "{out}", "--report-field", "id"],
    ],
)
def test_options_that_would_overwrite_a_file_or_field_are_refused(
    tmp_path: Path, sample: list[dict[str, Any]], extra: list[str]
) -> None:
    # Each of these once exited 0 having destroyed data: the cleaned output replaced by the
    # quarantine or the reports, the input overwritten, every text replaced by its report.
    src = write_jsonl(tmp_path / "in.jsonl", sample[:3])
    before = src.read_bytes()
    out = tmp_path / "out.jsonl"
    res = run_cli(["clean", src, *[a.format(out=out, src=src) for a in extra], "-q"])
    assert res.code == 2, res.stderr
    assert "dechaff: error:" in res.stderr and "Traceback" not in res.stderr
    assert src.read_bytes() == before and not out.exists()


@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_a_stray_nul_byte_costs_its_line_not_the_file(
    tmp_path: Path, sample: list[dict[str, Any]], fast_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A NUL byte in the first 8 KiB once made the whole file a "binary_file": one quarantine entry
    # for 1,000 records, 999 of them good. UTF-16 JSON lines stay a binary file (NUL in every
    # other byte).
    monkeypatch.setenv("DECHAFF_FAST_PATH", fast_path)
    lines = [json.dumps({"id": f"r{i:04d}", "text": sample[i % len(sample)]["text"]}) for i in range(1000)]
    lines[3] = lines[3].replace('"text": "', '"text": "\x00', 1)
    src = tmp_path / "in.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (1000, 999, 1)
    assert [(e["line"], e["code"]) for e in q] == [(4, "malformed_json")]
    assert len(written) == 999 and "r0003" not in {r["id"] for r in written}
    wide = tmp_path / "wide.jsonl"
    wide.write_bytes(("\n".join(lines[:3]) + "\n").encode("utf-16"))
    docs, written, q = _run(tmp_path, wide)
    assert _counts(docs) == (1, 0, 1) and q[0]["code"] == "binary_file"


@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_numbers_pass_through_exactly_or_are_refused(
    tmp_path: Path, fast_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # orjson reads an integer beyond 64 bits as a float, and the standard library's NaN and 1e400
    # were written back as null (orjson) or as the invalid literals NaN and Infinity: values
    # changed with exit 0. Now big integers pass through exactly; the others are quarantined.
    monkeypatch.setenv("DECHAFF_FAST_PATH", fast_path)
    lines = [
        '{"id":"big","text":"Body one.","n":123456789012345678901234567890,"m":-9223372036854775809}',
        '{"id":"nan","text":"Body two.","n":NaN}',
        '{"id":"inf","text":"Body three.","n":1e400}',
        '{"id":"ninf","text":"Body four.","n":-Infinity}',
        '{"id":"u64","text":"Body five.","n":18446744073709551615,"f":0.1}',
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (5, 2, 3)
    assert [(r["id"], r["n"]) for r in written] == [
        ("big", 123456789012345678901234567890),
        ("u64", 2**64 - 1),
    ]
    assert written[0]["m"] == -9223372036854775809 and written[1]["f"] == 0.1
    out_lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    assert '"n":123456789012345678901234567890' in out_lines[0]
    assert [(e["line"], e["code"]) for e in q] == [
        (2, "malformed_json"),
        (3, "malformed_json"),
        (4, "malformed_json"),
    ]


def test_empty_text_and_html_files_are_counted_as_skipped(tmp_path: Path) -> None:
    # Empty and blank .txt/.html files once vanished from the counts: "3 files, read 1".
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("The council approved the canal plan on Monday, officials said.\n")
    (src / "empty.txt").write_bytes(b"")
    (src / "blank.txt").write_text("  \n\n")
    (src / "page.html").write_bytes(b"")
    res = run_cli(["clean", src, "-o", tmp_path / "out", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    stats = stats_of(tmp_path / "s.json")
    assert _counts(stats["documents"]) == (1, 1, 0)
    assert stats["skip_reasons"] == {"empty text or HTML file": 3}


@pytest.mark.parametrize("fast_path", ["1", "0"])
def test_a_byte_order_mark_before_the_first_record(
    tmp_path: Path, sample: list[dict[str, Any]], fast_path: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Files saved by some Windows tools start with a UTF-8 BOM; the first record was quarantined.
    monkeypatch.setenv("DECHAFF_FAST_PATH", fast_path)
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + "".join(json.dumps(r) + "\n" for r in sample[:3]).encode("utf-8"))
    docs, written, q = _run(tmp_path, src)
    assert _counts(docs) == (3, 3, 0) and q == []
    assert [r["id"] for r in written] == [r["id"] for r in sample[:3]]


def test_quiet_run_to_stdout_still_says_records_were_not_saved() -> None:
    # With -o - and -q, quarantined records were dropped without a word and exit status 0.
    res = run_cli(["clean", "-", "-o", "-", "-q"], stdin=b'{"id":"a","text":"Fine text."}\n{broken\n')
    assert res.code == 0 and len(res.jsonl()) == 1
    assert res.stderr.strip().startswith("dechaff: 1 quarantined records not saved (pass --quarantine")
    quiet = run_cli(["clean", "-", "-o", "-", "-q"], stdin=b'{"id":"a","text":"Fine text."}\n')
    assert quiet.code == 0 and quiet.stderr == ""


def test_a_fifo_inside_an_input_directory_is_passed_over(tmp_path: Path) -> None:
    # Opening a FIFO named *.txt found by a directory walk waited for a writer for ever.
    import os

    src = tmp_path / "in"
    src.mkdir()
    (src / "a.txt").write_text("The council approved the canal plan on Monday, officials said.\n")
    os.mkfifo(src / "pipe.txt")
    res = run_cli(["clean", src, "-o", tmp_path / "out", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    stats = stats_of(tmp_path / "s.json")
    assert stats["files"] == 1 and _counts(stats["documents"]) == (1, 1, 0)


def test_sigterm_stops_the_run_like_ctrl_c(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    # SIGTERM (what `kill` and job schedulers send) once left the hidden temporary output behind,
    # 170 MB in one run; now it stops the run as Ctrl-C does. A child process receives it.
    import signal
    import subprocess
    import sys
    import time

    text = " ".join(r["text"] for r in sample[:4])
    src = tmp_path / "big.jsonl"
    with src.open("w", encoding="utf-8") as fh:
        for i in range(60_000):
            fh.write(json.dumps({"id": i, "text": text}) + "\n")
    out = tmp_path / "out"
    out.mkdir()
    code = "from dechaff.cli import console_main; console_main()"  # what the dechaff command runs
    args = [sys.executable, "-c", code, "clean", str(src), "-o", str(out / "x.jsonl"), "-q", "-w", "1"]
    child = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list(out.glob(".*.tmp")) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if child.poll() is not None:
        pytest.skip("the run ended before a temporary file could be seen")
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=60)
    assert child.returncode == 128 + signal.SIGTERM, err
    assert "dechaff: terminated" in err and "Traceback" not in err
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-w", "-1"], "-1 is below 0"),
        (["--batch-size", "0"], "0 is below 1"),
        (["--max-error-rate", "nan"], "nan is not a fraction from 0 to 1"),
        (["--max-error-rate", "2"], "2 is not a fraction from 0 to 1"),
    ],
)
def test_counts_and_rates_out_of_range_are_usage_errors(
    tmp_path: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # -w -1 once failed with "max_bytes and threads must be >= 0"; a NaN rate was taken and
    # never triggered.
    from dechaff.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["clean", str(SAMPLE), "-o", str(tmp_path / "o.jsonl"), "-q", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
