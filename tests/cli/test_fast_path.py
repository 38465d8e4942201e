"""The JSONL fast path (whole blocks of lines cleaned in Rust) writes what the general path writes.

Both paths run over the same generated dump of tricky records; the output files, the quarantine files
and the statistics must be identical, byte for byte.
"""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path
from typing import Any

import pytest
from _helpers import sample_records
from dechaff.bulk import BulkOptions, BulkRun
from dechaff.io import jsonlib
from dechaff.io.readers import expand_inputs

pytestmark = pytest.mark.skipif(not jsonlib.FAST, reason="the fast path needs orjson")


def _tricky_lines(rng: random.Random, field: str) -> list[bytes]:
    """Lines (with newlines) that exercise every way a record can differ from the common case."""
    texts = [r["text"] for r in sample_records()]

    def rec(text: Any, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"id": f"r{rng.randrange(10**6)}", **extra}
        if field == "text":
            out["text"] = text
        else:
            out["doc"] = {"meta": 1, "body": text}
        return out

    def dumps(obj: Any, **kw: Any) -> bytes:
        return json.dumps(obj, **kw).encode("utf-8") + b"\n"

    lines: list[bytes] = []
    for i, t in enumerate(texts):
        lines.append(dumps(rec(t, n=i, score=0.25 * i, tags=["a", "b"], flag=True, none=None)))
        lines.append(dumps(rec(t), ensure_ascii=False))  # raw UTF-8
    t0 = texts[0]
    esc = json.dumps(t0)[1:-1]
    if field == "text":
        pre, post = '{"id":"x","text":"', '","z":1}'
    else:
        pre, post = '{"id":"x","doc":{"body":"', '"},"z":1}'

    def raw(body: str) -> bytes:
        return (pre + body + post + "\n").encode("utf-8")

    lines += [
        raw(esc + "\\u00e9\\u00E9\\/\\u0000\\u001f\\b\\f\\t\\r\\u2028 \\ud83d\\ude00"),  # escapes, a pair
        raw(esc + "\\ud800 lone high"),  # a lone surrogate in the text
        raw(esc + "\\udc00 lone low"),
        (pre + esc + post[:-1] + ',"other":"\\ud800"}\n').encode(),  # a lone surrogate elsewhere
        raw(""),  # empty text
        raw("   \\n\\n  "),  # blank text
        raw("Share this article"),  # emptied
        raw("<p>Looks like markup</p> " + esc),  # HTML check in auto mode
        raw(" \\u2003\\u001c<div>markup after Python whitespace</div>"),
        raw("\\u0085x<b>not markup first</b>"),
        raw(esc * 40),  # a long line
        raw((esc + "\\n\\n") * 400),  # a huge line (> block sizes used below)
        b'{"id":"dup","text":"a","text":"b"}\n',  # repeated key
        b'{"id":"dupn","doc":{"body":"a","body":"b"},"x":{"k":1,"k":2}}\n',
        b'{"id":"rep","text":"t","dechaff":{"old":1}}\n',  # the report field exists
        b'{"dechaff":1,"id":"rep2","doc":{"body":"t"}}\n',
        b'{"id":"lit","doc.body":"Literal dotted key wins.","doc":{"body":"nested"}}\n',
        b'{"id":"lit2","doc.body":5,"doc":{"body":"nested"}}\n',
        b'{"id":"notdict","doc":"flat","text":"flat"}\n',
        b'{"id":"num","text":42,"doc":{"body":[1]}}\n',
        b'{"id":"null","text":null,"doc":{"body":null}}\n',
        b'{"id":"obj","text":{"a":1},"doc":{"body":{"a":1}}}\n',
        b'{"id":"missing","body":"no text field"}\n',
        b'{"id":"broken","text":"no closing brace"\n',
        b"[1, 2, 3]\n",
        b'"just a string"\n',
        b"5\n",
        b"\n",
        b"   \t \n",
        b'\x0b {"id":"ws","text":"padded with \\u000b and spaces","doc":{"body":"x"}} \x0c\r\n',
        b'\xef\xbb\xbf{"id":"bom","text":"a BOM","doc":{"body":"b"}}\n',
        b'{"id":"badutf8","text":"caf\xe9 latin-1","doc":{"body":"\xff"}}\n',
        b'{ "id" : "spaced" , "text" : "Spaces between tokens." , "doc" : { "body" : "Nested." } }\n',
        b'{"id":"ctl","text":"raw\tcontrol","doc":{"body":"raw\tcontrol"}}\n',
        b'{"id":"nan","text":"x","doc":{"body":"y"},"v":NaN,"w":Infinity}\n',
        b'{"id":"deep","text":"d","doc":{"body":"e"},"x":' + b"[" * 100 + b"]" * 100 + b"}\n",
        b'{"id":"deep2","text":"d","doc":{"body":"e"},"x":' + b'{"a":' * 70 + b"1" + b"}" * 70 + b"}\n",
        b'{"id":"trailing","text":"t","doc":{"body":"t"}} extra\n',
        b'{"id":"empty","text":"","doc":{"body":""},"e":{},"f":[]}\n',
    ]
    numbers = [
        "0", "-1", "1.0", "-0", "-0.0", "0.0", "1e5", "1E5", "2.5e-3", "1.5e-7", "0.1", "0.10", "0.00001",
        "0.000001", "123456789012345.5", "1234567890123456.5", "0.123456789012345", "0.1234567890123456",
        "9223372036854775807", "-9223372036854775808", "-9223372036854775809", "18446744073709551615",
        "18446744073709551616", "123456789012345678901", "100.25", "3.14159", "-7.5", "1e400",
    ]  # fmt: skip
    for num in numbers:
        line = b'{"id":"n","v":%s,"text":"Numbers keep their form.","doc":{"body":"Nested."},"l":[%s]}\n'
        lines.append(line % (num.encode(), num.encode()))
    for _ in range(300):  # random floats as the bench's scores would be
        v = rng.choice([rng.random(), rng.uniform(-1e6, 1e6), rng.random() / 1e4, float(rng.randrange(9**9))])
        lines.append(dumps(rec(rng.choice(texts), score=v, rounded=round(v, rng.randrange(0, 8)))))
    rng.shuffle(lines)
    lines[-1] = lines[-1].rstrip(b"\n")  # the last line without its newline
    return lines


def _run(src: Path, out: Path, fast: bool, **opts: Any) -> tuple[bytes, bytes, dict[str, Any]]:
    out.mkdir(parents=True, exist_ok=True)
    o = BulkOptions(
        output=str(out / "out.jsonl"),
        quarantine=str(out / "q.jsonl"),
        stats=str(out / "stats.json"),
        fast_path=fast,
        **opts,
    )
    BulkRun(expand_inputs([str(src)]), o).run()
    stats = json.loads((out / "stats.json").read_text())
    for k in ("seconds", "mb_per_s"):
        stats.pop(k)
    q = out / "q.jsonl"
    return (out / "out.jsonl").read_bytes(), q.read_bytes() if q.exists() else b"", stats


@pytest.mark.parametrize(
    ("field", "mode", "block_bytes", "workers", "compress", "extra"),
    [
        ("text", "article", 4 << 20, 2, None, {}),
        ("text", "auto", 1, 1, "gz", {}),  # one block per line
        ("doc.body", "article", 5000, 2, None, {"max_bytes": 20000}),
        ("doc.body", "page", 64 << 10, 2, "gz", {"decode_errors": "replace"}),
        ("text", "article", 100_000, 2, None, {"report_field": "report", "disable": ["share"]}),
        ("text", "auto", 50_000, 2, None, {"lang": "auto"}),  # the report names the language
    ],
)
def test_fast_path_writes_what_the_general_path_writes(
    tmp_path: Path,
    field: str,
    mode: str,
    block_bytes: int,
    workers: int,
    compress: str | None,
    extra: dict[str, Any],
) -> None:
    lines = _tricky_lines(random.Random(f"{field}{mode}{block_bytes}"), field)
    data = b"".join(lines)
    src = tmp_path / ("in.jsonl.gz" if compress else "in.jsonl")
    src.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    opts = {"text_field": field, "mode": mode, "workers": workers, "block_bytes": block_bytes, **extra}
    slow = _run(src, tmp_path / "slow", False, **opts)
    fast = _run(src, tmp_path / "fast", True, **opts)
    assert slow[2]["documents"]["written"] > 50 and slow[2]["documents"]["quarantined"] > 5
    assert fast[2] == slow[2]
    assert fast[1] == slow[1]
    if fast[0] != slow[0]:  # name the first differing line
        for a, b in zip(fast[0].splitlines(), slow[0].splitlines(), strict=False):
            assert a == b
    assert fast[0] == slow[0]


def test_fast_path_truncated_stream(tmp_path: Path) -> None:
    """A stream that breaks: the lines before the break, then one compressed_stream entry, as before."""
    lines = _tricky_lines(random.Random(7), "text")
    packed = gzip.compress(b"".join(lines), mtime=0)
    src = tmp_path / "cut.jsonl.gz"
    src.write_bytes(packed[: len(packed) * 2 // 3])
    slow = _run(src, tmp_path / "slow", False, block_bytes=8192)
    fast = _run(src, tmp_path / "fast", True, block_bytes=8192)
    assert slow[2]["quarantine_reasons"].get("compressed_stream") == 1
    assert fast == slow


def test_fast_path_is_taken(tmp_path: Path) -> None:
    """The common case really goes through Rust: no record of a plain dump is handed back."""
    from dechaff.api import Cleaner

    recs = sample_records()
    data = b"".join(json.dumps(r).encode() + b"\n" for r in recs)
    engine = Cleaner(mode="article")._engine
    out, fallbacks, counts, rules, _ = engine.clean_jsonl(data, "text", "dechaff", 2, "article")
    assert fallbacks == []
    assert counts[0] == len(recs) and out.count(b"\n") == len(recs)
    assert rules and all(n > 0 for _, _, n, _ in rules)
    # `end`: only the block's own lines are read, not the start of the next one behind them
    tail = b'{"text": "the next block"}\n'
    cut = engine.clean_jsonl(data + tail, "text", "dechaff", 2, "article", len(data))
    assert cut[0] == out and cut[2] == counts


def _number_token(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return repr(rng.random() * 10 ** rng.randint(-12, 25))
    if kind == 1:
        return str(rng.randint(-(2**70), 2**70))
    if kind == 2:
        return f"{rng.uniform(-1e4, 1e4):.{rng.randint(0, 12)}f}"
    if kind == 3:
        mant = f"{rng.randint(0, 10 ** rng.randint(1, 18))}"
        frac = f".{rng.randint(0, 10**6):0{rng.randint(1, 8)}d}" if rng.random() < 0.5 else ""
        exp = f"{rng.choice(['e', 'E'])}{rng.choice(['', '+', '-'])}{rng.randint(0, 30)}"
        return f"{rng.choice(['', '-'])}{mant}{frac}{exp}"
    if kind == 4:
        return rng.choice(["0", "-0", "0.0", "-0.0", "1.0", "1e-5", "1e16", "9.999999999999999e15", "5e-324"])
    return f"{rng.choice(['', '-'])}0.{'0' * rng.randint(0, 8)}{rng.randint(1, 10 ** rng.randint(1, 17))}"


def test_fast_path_numbers(tmp_path: Path) -> None:
    """Numbers of every form come out as orjson writes them (the fast path rewrites floats)."""
    rng = random.Random(11)
    lines = []
    for i in range(4000):
        toks = ",".join(_number_token(rng) for _ in range(3))
        lines.append(f'{{"id":{i},"v":[{toks}],"text":"Numbers, in every form there is."}}\n'.encode())
    src = tmp_path / "numbers.jsonl"
    src.write_bytes(b"".join(lines))
    slow = _run(src, tmp_path / "slow", False)
    fast = _run(src, tmp_path / "fast", True)
    assert slow[2]["documents"]["written"] == 4000
    for a, b in zip(fast[0].splitlines(), slow[0].splitlines(), strict=False):
        assert a == b
    assert fast == slow


def test_cli_takes_the_fast_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """JSONL to JSONL runs on the fast path by default; a report file or HTML field does not."""
    calls: list[str] = []
    real = BulkRun._pump_blocks

    def spy(self: BulkRun, reader: Any, *args: Any) -> None:
        calls.append(reader.source.name)
        real(self, reader, *args)

    monkeypatch.setattr(BulkRun, "_pump_blocks", spy)
    monkeypatch.delenv("DECHAFF_FAST_PATH", raising=False)
    src = tmp_path / "in.jsonl"
    src.write_bytes(b"".join(json.dumps(r).encode() + b"\n" for r in sample_records()))
    _run(src, tmp_path / "a", True)
    assert calls == ["in.jsonl"]
    BulkRun(expand_inputs([str(src)]), BulkOptions(output=str(tmp_path / "b.jsonl"))).run()
    assert calls == ["in.jsonl"] * 2
    for opts in ({"report": str(tmp_path / "r.jsonl")}, {"html_field": "html"}, {"mode": "html"}):
        BulkRun(expand_inputs([str(src)]), BulkOptions(output=str(tmp_path / "c.jsonl"), **opts)).run()
    monkeypatch.setenv("DECHAFF_FAST_PATH", "0")
    BulkRun(expand_inputs([str(src)]), BulkOptions(output=str(tmp_path / "d.jsonl"))).run()
    assert calls == ["in.jsonl"] * 2


def test_count_lines_counts_newlines_up_to_end() -> None:
    from dechaff._core import count_lines

    data = b'{"a": 1}\n{"b": 2}\n{"c"'
    assert count_lines(data) == data.count(b"\n") == 2
    assert count_lines(data, 9) == 1 and count_lines(data, 8) == 0 and count_lines(data, 10**9) == 2
    assert count_lines(b"") == 0
