"""Limits: max_bytes per document, rule-file validation limits (each gives a RuleError naming the
rule or the file), user patterns on the linear-time regex engine. Times are recorded in
docs/robustness.md; here only completion and outcomes are asserted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from dechaff import Cleaner, DechaffError, InputError, RuleError

from ._invariants import check_result

# ---- max_bytes


def test_max_bytes_counts_utf8_bytes_and_the_boundary_passes() -> None:
    c = Cleaner(mode="article", max_bytes=10)
    assert c.clean("Some text.").text == "Some text."  # exactly max_bytes: cleaned
    with pytest.raises(InputError, match="max_bytes=10"):
        c.clean("Some texts.")
    with pytest.raises(InputError, match="12 bytes"):
        c.clean("é" * 6)  # 6 code points, 12 UTF-8 bytes
    with pytest.raises(InputError):
        c.clean(("é" * 6).encode())
    assert c.clean("é" * 5).text == "é" * 5


def test_max_bytes_in_a_batch_raises_for_the_batch() -> None:
    c = Cleaner(mode="article", max_bytes=100)
    with pytest.raises(InputError, match="max_bytes=100"):
        c.clean_batch(["short", "y" * 101, "short"])
    assert [r.text for r in c.clean_batch(["a", "b"])] == ["a", "b"]


def test_max_bytes_applies_to_every_mode() -> None:
    for mode in ("article", "page", "auto"):
        with pytest.raises(InputError):
            Cleaner(mode=mode, max_bytes=1000).clean("word " * 1000)


def test_max_bytes_in_html_mode_bounds_the_extracted_text() -> None:
    """HTML mode: the limit is checked on the extracted text (the raw page goes to the extractor,
    which only the timeout bounds): see docs/robustness.md."""
    paras = "".join(
        f"<p>Paragraph {i} of the story is long enough to be kept, surely.</p>" for i in range(400)
    )
    page = f"<html><head><title>T</title></head><body><article>{paras}</article></body></html>"
    with pytest.raises(InputError, match="exceeds max_bytes=2000"):
        Cleaner(mode="html", max_bytes=2000, timeout=None).clean(page)
    small = "<html><body><article><p>" + "Short story text here, with words." + "</p></article></body></html>"
    Cleaner(mode="html", max_bytes=len(page), timeout=None).clean(small)


def test_cli_max_bytes_quarantines_in_directory_mode(tmp_path: Path) -> None:
    """Extends tests/cli/test_bad_inputs.py::test_5mb_single_line_record (single output file):
    output directory, a JSONL shard and a whole .txt document above the limit."""
    from tests.cli._helpers import read_jsonl, run_cli

    src = tmp_path / "in"
    src.mkdir()
    recs = [
        {"id": "a", "text": "Fine text of the first record."},
        {"id": "big", "text": "x" * 5000},
        {"id": "c", "text": "é" * 600},  # 1,200 bytes: over, though 600 code points
    ]
    (src / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in recs), encoding="utf-8")
    (src / "b.txt").write_text("word " * 400, encoding="utf-8")
    (src / "c.txt").write_text("A short document.", encoding="utf-8")
    out = tmp_path / "out"
    res = run_cli(["clean", src, "-o", out, "--max-bytes", "1000", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    stats = json.loads((tmp_path / "s.json").read_text())["documents"]
    q = read_jsonl(out / "quarantine.jsonl")
    assert (stats["read"], stats["written"], stats["quarantined"]) == (5, 2, 3)
    assert sorted((e["source"], e["code"]) for e in q) == [
        ("a.jsonl", "engine_error"),
        ("a.jsonl", "engine_error"),
        ("b.txt", "engine_error"),
    ]
    assert all("max_bytes" in e["reason"] for e in q)
    assert [r["id"] for r in read_jsonl(out / "a.jsonl")] == ["a"]
    assert [r["text"] for r in read_jsonl(out / "c.jsonl")] == ["A short document."]
    assert read_jsonl(out / "b.jsonl") == []  # its one document went to quarantine


# ---- rule files: each limit is refused with a RuleError that names the rule or the file


def _rule(rid: str, body: str) -> str:
    return f"[[rule]]\nid = '{rid}'\ncategory = 'ads'\n{body}\n"


def _refused(sources: list[str], *needles: str) -> str:
    with pytest.raises(RuleError) as info:
        Cleaner(mode="article", extra_rules=sources)
    msg = str(info.value)
    for n in needles:
        assert n in msg, msg
    return msg


def test_rule_file_larger_than_1_mib() -> None:
    text = _rule("ok.rule", "phrases = ['fine phrase']") + "# " + "x" * (1 << 20) + "\n"
    _refused([text], "extra_rules[0]", "larger than 1048576 bytes")


def test_more_than_5000_rules_in_one_file() -> None:
    text = "".join(_rule(f"r{i}", "phrases = ['p']") for i in range(5001))
    _refused([text], "extra_rules[0]", "more than 5000 rules in one file")


def test_more_than_5000_rules_in_all() -> None:
    a = "".join(_rule(f"a{i}", f"phrases = ['pa{i}']") for i in range(2600))
    b = "".join(_rule(f"b{i}", f"phrases = ['pb{i}']") for i in range(2600))
    _refused([a, b], "more than 5000 rules in all")


def test_more_than_50000_phrases_in_all() -> None:
    phrases = ", ".join(f"'p{i}'" for i in range(50_001))
    _refused([_rule("many.phrases", f"phrases = [{phrases}]")], "more than 50000 phrases")


def test_phrase_longer_than_300_bytes() -> None:
    _refused([_rule("long.phrase", f"phrases = ['{'w' * 301}']")], "long.phrase", "longer than 300 bytes")


def test_pattern_longer_than_2000_bytes() -> None:
    _refused([_rule("long.pattern", f"pattern = '{'ab|' * 700}c'")], "long.pattern", "longer than 2000 bytes")


def test_pattern_longer_than_8000_bytes_after_vars() -> None:
    text = "[vars]\nBIG = '" + "|".join(f"w{i:04d}" for i in range(1400)) + "'\n"
    text += _rule("expanded.pattern", "pattern = '{{BIG}} {{BIG}}'")
    _refused([text], "expanded.pattern", "longer than 8000 bytes")


def test_pattern_above_the_compiled_size_limit() -> None:
    _refused([_rule("huge.regex", r"pattern = '\w{1000}x'")], "huge.regex", "does not compile")


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ("pattern = ''", "empty"),
        ("pattern = 'x*'", "empty line"),
        ("pattern = '(?s).+'", "every probe"),
        ("phrases = ['!!!']", "no letter or digit"),
        ("pattern = '(a'", "does not compile"),
        ("pattern = '(?=lookahead)'", "does not compile"),  # no look-around: linear-time engine
        ("pattern = '(a)\\1'", "does not compile"),  # no back-references either
    ],
)
def test_invalid_patterns_name_the_rule(body: str, needle: str) -> None:
    _refused([_rule("bad.one", body)], "bad.one", needle)


# ---- user patterns run on the linear-time engine (regex crate: no backtracking)


@pytest.mark.parametrize("pattern", ["(a+)+$", "(a|aa)+b", "(a*)*b", "(a|a)+c", "^(\\w+\\s?)+!$"])
def test_catastrophic_patterns_complete_on_a_megabyte(pattern: str) -> None:
    rules = _rule("evil", f"pattern = '{pattern}'\nscope = 'contains'")
    c = Cleaner(mode="article", extra_rules=[rules])
    for doc in ("a" * 1_000_000, "a" * 1_000_000 + "!", ("a" * 999 + "\n") * 1000):
        res = c.clean(doc)  # completes (1 MB vs 4 MB times: docs/robustness.md)
        check_result(res)


# ---- hostile option values: only DechaffError subclasses should escape


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lang": "e\x00n"},
        {"lang": "\udc80"},
        {"lang": "../../etc/passwd"},
        {"disable": ["\x00"]},
        {"mode": "\ud800"},
    ],
)
def test_hostile_option_values_are_dechaff_errors(kwargs: dict[str, object]) -> None:
    with pytest.raises(DechaffError):
        Cleaner(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"extra_rules": ["rules\x00.toml"]},
        {"extra_rules": ["[[rule]]\nid = 'x'\ncategory = 'ads'\nphrases = ['\ud800ad']\n"]},
        {"disable": ["\ud800"]},
    ],
)
def test_hostile_rule_sources_are_dechaff_errors(kwargs: dict[str, object]) -> None:
    try:
        Cleaner(**kwargs)  # type: ignore[arg-type]
    except DechaffError:
        return
    except ValueError as exc:
        raise ValueError(f"{type(exc).__name__} escaped: {exc}") from exc
    raise AssertionError("accepted")
