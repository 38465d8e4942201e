"""Parquet output never crashes on a record it cannot store and never changes a value silently: each record
is written exactly (it reads back equal) or quarantined with reason ``output_schema``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from _helpers import read_jsonl, run_cli, stats_of, write_jsonl

pq = pytest.importorskip("pyarrow.parquet")

TEXT = "The council approved the plan on Monday."


def _rec(ident: str, **fields: Any) -> dict[str, Any]:
    return {"id": ident, "text": TEXT, **fields}


def _same(stored: Any, given: Any) -> bool:
    """``stored`` (read back from Parquet) is ``given`` (the input value), unchanged. A missing key reads
    back as null; an integer may read back as the float it equals exactly; nothing else may differ."""
    if given is None:
        return stored is None
    if isinstance(given, bool) or isinstance(stored, bool):
        return type(given) is type(stored) and given == stored
    if isinstance(given, float):
        return isinstance(stored, float) and (stored == given or (math.isnan(stored) and math.isnan(given)))
    if isinstance(given, int):
        return isinstance(stored, (int, float)) and stored == given
    if isinstance(given, dict):
        return (
            isinstance(stored, dict)
            and set(given) <= set(stored)
            and all(_same(stored[k], given.get(k)) for k in stored)
        )
    if isinstance(given, list):
        return (
            isinstance(stored, list)
            and len(stored) == len(given)
            and all(_same(s, g) for s, g in zip(stored, given, strict=True))
        )
    return type(stored) is type(given) and stored == given


def _run_parquet(tmp_path: Path, records: list[dict[str, Any]], *extra: Any) -> tuple[list[str], list[str]]:
    """Clean ``records`` to Parquet; check the contract; return the ids written and the ids quarantined."""
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out = tmp_path / "out.parquet"
    q = tmp_path / "q.jsonl"
    res = run_cli(["clean", src, "-o", out, "--quarantine", q, "--stats", tmp_path / "s.json", "-q", *extra])
    assert res.code == 0, res.stderr
    assert "Traceback" not in res.stderr, res.stderr
    docs = stats_of(tmp_path / "s.json")["documents"]  # read == written + quarantined
    assert docs["read"] == len(records)
    written = pq.read_table(out).to_pylist() if docs["written"] else []
    quarantined = read_jsonl(q) if q.exists() else []
    assert (docs["written"], docs["quarantined"]) == (len(written), len(quarantined))
    given = {r["id"]: r for r in records}
    for row in written:
        rec = given[row["id"]]
        for key, value in row.items():
            if key != "dechaff":
                assert _same(value, rec.get(key)), (key, value, rec.get(key))
        assert set(rec) <= set(row), (rec, row)
    for entry in quarantined:
        assert entry["code"] == "output_schema", entry
        assert entry["reason"], entry
        assert entry["record"]["id"] in given
        assert {k: v for k, v in entry["record"].items() if k != "dechaff"} == given[entry["record"]["id"]]
    w_ids = [row["id"] for row in written]
    q_ids = [e["record"]["id"] for e in quarantined]
    assert sorted(w_ids + q_ids) == sorted(given)
    return w_ids, q_ids


# D2: a type conflict, or a value Arrow cannot store, in the FIRST batch once ended the run with a traceback.
FIRST_BATCH_CASES = {
    "mixed_list_alone": ([_rec("a", x=[1, "1"])], [], ["a"]),
    "mixed_list_then_good": ([_rec("a", x=[1, "1"]), _rec("b", x=[2, 3])], ["b"], ["a"]),
    "empty_object_alone": ([_rec("a", meta={})], [], ["a"]),
    "empty_object_then_filled": ([_rec("a", meta={}), _rec("b", meta={"k": "v"})], ["a", "b"], []),
    "empty_object_nested": ([_rec("a", meta={"inner": {}}), _rec("b", meta={"n": 1})], ["b"], ["a"]),
    "int_then_str": ([_rec("a", x=1), _rec("b", x="one")], ["a"], ["b"]),
    "str_then_int": ([_rec("a", x="one"), _rec("b", x=1)], ["a"], ["b"]),
    "bool_then_int": ([_rec("a", x=True), _rec("b", x=1)], ["a"], ["b"]),
    "int_too_big": ([_rec("a", x=2**64), _rec("b", x=5)], ["b"], ["a"]),
    "unstorable_beside_null": ([_rec("a", meta={}), _rec("b", meta=None), _rec("c")], ["b", "c"], ["a"]),
}


@pytest.mark.parametrize("batch", [[], ["--batch-size", "2"], ["--batch-size", "1000"]])
@pytest.mark.parametrize("case", sorted(FIRST_BATCH_CASES))
def test_first_batch_type_conflict_is_quarantined_not_fatal(
    tmp_path: Path, case: str, batch: list[str]
) -> None:
    records, want_written, want_quarantined = FIRST_BATCH_CASES[case]
    written, quarantined = _run_parquet(tmp_path, records, *batch)
    assert (sorted(written), sorted(quarantined)) == (want_written, want_quarantined)


def test_first_batch_conflict_reason_names_the_field(tmp_path: Path) -> None:
    src = write_jsonl(tmp_path / "in.jsonl", [_rec("a", x=1), _rec("b", x="one")])
    q = tmp_path / "q.jsonl"
    res = run_cli(["clean", src, "-o", tmp_path / "o.parquet", "--quarantine", q, "-q"])
    assert res.code == 0, res.stderr
    (entry,) = read_jsonl(q)
    assert entry["code"] == "output_schema" and "'x'" in entry["reason"], entry


# D3: a float after the batch that made the column an integer was stored truncated (2.75 -> 2), exit 0.
def test_float_after_int_batch_is_quarantined_not_truncated(tmp_path: Path) -> None:
    records = [_rec("a", score=1), _rec("b", score=2.75), _rec("c", score=3)]
    written, quarantined = _run_parquet(tmp_path, records, "--batch-size", "1")
    assert (written, quarantined) == (["a", "c"], ["b"])


def test_int_and_float_in_one_batch_make_a_float_column(tmp_path: Path) -> None:
    records = [_rec("a", score=1), _rec("b", score=2.75)]
    written, quarantined = _run_parquet(tmp_path, records)
    assert (written, quarantined) == (["a", "b"], [])
    assert [r["score"] for r in pq.read_table(tmp_path / "out.parquet").to_pylist()] == [1.0, 2.75]


def test_int_after_float_batch_is_stored_exactly_or_quarantined(tmp_path: Path) -> None:
    records = [_rec("a", score=0.5), _rec("b", score=2), _rec("c", score=2**60 + 1)]
    written, quarantined = _run_parquet(tmp_path, records, "--batch-size", "1")
    assert (written, quarantined) == (["a", "b"], ["c"])  # 2**60 + 1 has no exact float


# Every other way a later record can disagree with the schema of the first batch.
LATER_BATCH_CASES = {
    "int_to_string": ([_rec("a", x="s"), _rec("b", x=1)], ["a"], ["b"]),
    "float_to_string": ([_rec("a", x="s"), _rec("b", x=1.5)], ["a"], ["b"]),
    "string_to_int": ([_rec("a", x=1), _rec("b", x="1")], ["a"], ["b"]),
    "float_to_int": ([_rec("a", x=1), _rec("b", x=2.0)], ["a"], ["b"]),
    "bool_to_int": ([_rec("a", x=1), _rec("b", x=True)], ["a"], ["b"]),
    "int_to_bool": ([_rec("a", x=False), _rec("b", x=0)], ["a"], ["b"]),
    "float_in_int_list": ([_rec("a", x=[1, 2]), _rec("b", x=[3, 4.5])], ["a"], ["b"]),
    "float_in_struct": ([_rec("a", m={"n": 1}), _rec("b", m={"n": 2.5})], ["a"], ["b"]),
    "extra_struct_key": ([_rec("a", m={"n": 1}), _rec("b", m={"n": 2, "extra": "kept?"})], ["a"], ["b"]),
    "missing_struct_key": ([_rec("a", m={"n": 1, "s": "x"}), _rec("b", m={"n": 2})], ["a", "b"], []),
    "struct_list": (
        [_rec("a", m=[{"n": 1}]), _rec("b", m=[{"n": 2}, {"n": 3.25}]), _rec("c", m=[])],
        ["a", "c"],
        ["b"],
    ),
    "null_only_then_value": ([_rec("a", x=None), _rec("b", x=5), _rec("c", x=None)], ["a", "c"], ["b"]),
    "empty_list_then_values": ([_rec("a", x=[]), _rec("b", x=[1])], ["a"], ["b"]),
    "extra_field": ([_rec("a"), _rec("b", new=1)], ["a"], ["b"]),
    "nothing_stored_yet": ([_rec("a", x=[1, "1"]), _rec("b", m={}), _rec("c", x=[2])], ["c"], ["a", "b"]),
    "missing_field": ([_rec("a", x=1), _rec("b")], ["a", "b"], []),
    "list_of_lists": (
        [_rec("a", x=[[1], [2, 3]]), _rec("b", x=[[4]]), _rec("c", x=[[1.5]])],
        ["a", "b"],
        ["c"],
    ),
}


@pytest.mark.parametrize("case", sorted(LATER_BATCH_CASES))
def test_later_batch_values_are_never_silently_changed(tmp_path: Path, case: str) -> None:
    records, want_written, want_quarantined = LATER_BATCH_CASES[case]
    written, quarantined = _run_parquet(tmp_path, records, "--batch-size", "1")
    assert (sorted(written), sorted(quarantined)) == (want_written, want_quarantined)
