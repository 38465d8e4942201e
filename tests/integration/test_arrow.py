"""dechaff.arrow.clean_table on Arrow tables, record batches and pandas frames (no engine needed)."""

from __future__ import annotations

import json
from typing import Any

import pytest

pa = pytest.importorskip("pyarrow", reason="needs the arrow extra: pip install 'dechaff[arrow]'")

import dechaff.integrations as integrations  # noqa: E402
from dechaff import Cleaner, OptionError  # noqa: E402
from dechaff.arrow import clean_table, report_type  # noqa: E402

from .conftest import make_articles  # noqa: E402

NULL_REPORT = {
    "removed": [],
    "chars_before": 0,
    "chars_after": 0,
    "metadata": {},
    "mode": None,
    "skipped": "null text",
}


def _table(n: int = 12) -> Any:
    recs = make_articles(n)
    texts: list[str | None] = [r["text"] for r in recs]
    texts[3] = None
    return pa.table({"id": [r["id"] for r in recs], "text": texts, "n": list(range(n))})


def test_table_json_reports_equal_the_api() -> None:
    table = _table()
    out = clean_table(table)
    assert out.column_names == ["id", "text", "n", "clean_text", "dechaff"]
    assert out.schema.field("clean_text").type == pa.string()
    assert out.select(["id", "text", "n"]).equals(table)
    texts = table.column("text").to_pylist()
    expected = Cleaner().clean_batch([t for t in texts if t is not None])
    it = iter(expected)
    for text, clean, report in zip(
        texts, out.column("clean_text").to_pylist(), out.column("dechaff").to_pylist(), strict=False
    ):
        if text is None:
            assert clean is None and json.loads(report) == NULL_REPORT
        else:
            res = next(it)
            assert clean == res.text and json.loads(report) == res.report()


def test_record_batch_struct_reports() -> None:
    batch = _table().to_batches()[0]
    out = clean_table(batch, report_format="struct", mode="article", disable=["share"])
    assert isinstance(out, pa.RecordBatch)
    assert out.schema.field("dechaff").type == report_type()
    rows = out.column("dechaff").to_pylist()
    cleaner = Cleaner(mode="article", disable=["share"])
    for text, row in zip(batch.column("text").to_pylist(), rows, strict=False):
        if text is None:
            assert row["skipped"] == "null text" and row["mode"] is None
            continue
        rep = cleaner.clean(text).report()
        assert row["skipped"] is None
        assert row["removed"] == rep["removed"]
        assert json.loads(row["metadata"]) == rep["metadata"]
        assert all(r["category"] != "share" for r in row["removed"])


def test_pandas_frame_as_dask_map_partitions_gives_it() -> None:
    pd = pytest.importorskip("pandas")
    df = _table().to_pandas()
    df.loc[5, "text"] = float("nan")
    out = clean_table(df, output_column="text", report_column=None)
    assert list(out.columns) == ["id", "text", "n"]
    assert pd.isna(out["text"][3]) and pd.isna(out["text"][5])  # pandas' missing value
    assert out["text"][0] == Cleaner().clean(df["text"][0]).text
    assert isinstance(df, pd.DataFrame) and df["text"][0] != out["text"][0]  # input untouched
    meta = clean_table(df.iloc[:0])  # what `ddf.map_partitions(clean_table, meta=...)` wants
    assert list(meta.columns) == ["id", "text", "n", "clean_text", "dechaff"]
    assert str(meta.dtypes["clean_text"]) == str(meta.dtypes["dechaff"]) == "object"


def test_large_string_binary_and_empty() -> None:
    table = _table(4)
    large = table.set_column(1, "text", table.column("text").cast(pa.large_string()))
    assert clean_table(large).schema.field("clean_text").type == pa.large_string()
    binary = table.set_column(1, "text", table.column("text").cast(pa.binary()))
    assert clean_table(binary).column("clean_text").equals(clean_table(table).column("clean_text"))
    empty = clean_table(table.slice(0, 0))
    assert empty.num_rows == 0 and empty.column_names[-2:] == ["clean_text", "dechaff"]


def test_errors() -> None:
    table = _table(4)
    with pytest.raises(OptionError, match="no column"):
        clean_table(table, text_column="body")
    with pytest.raises(OptionError, match="not a string"):
        clean_table(table, text_column="n")
    with pytest.raises(OptionError, match="report_format"):
        clean_table(table, report_format="xml")
    with pytest.raises(ValueError, match="max_bytes"):
        clean_table(table, max_bytes=50)
    out = clean_table(table, max_bytes=50, on_error="null")
    assert out.column("clean_text").null_count == 4
    assert json.loads(out.column("dechaff")[0].as_py())["skipped"].startswith("error: ")


def test_engine_built_once_per_process_and_options(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []

    class Counting(Cleaner):
        def __init__(self, **options: Any) -> None:
            built.append(options)
            super().__init__(**options)

    monkeypatch.setattr(integrations, "Cleaner", Counting)
    monkeypatch.setattr(integrations, "_cache", type(integrations._cache)())
    table = _table(6)
    for batch in table.to_batches(max_chunksize=2):
        clean_table(batch)
        clean_table(batch, disable=["ads"])
        clean_table(batch, disable=("ads",))
    assert built == [{"mode": "auto"}, {"mode": "auto", "disable": ["ads"]}]
