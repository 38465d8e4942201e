"""Clean a text column of Arrow batches: Ray Data, Spark's ``mapInArrow``, Dask.

``pip install 'dechaff[arrow]'`` (``'dechaff[ray]'`` for Ray Data)::

    import ray
    from dechaff.arrow import clean_table

    ds = ray.data.read_json("s3://bucket/articles/")
    ds = ds.map_batches(clean_table, batch_format="pyarrow", fn_kwargs={"mode": "article"})

:func:`clean_table` takes a ``pyarrow.Table`` (Ray Data), a ``pyarrow.RecordBatch`` (Spark's
``mapInArrow``: ``df.mapInArrow(lambda it: map(clean_table, it), schema)``) or a
``pandas.DataFrame`` (Dask's ``map_partitions``) and gives back the same kind, with two
columns added:

* ``clean_text`` (``output_column``): the cleaned text, ``string`` (``large_string`` when the
  input column is large); null where the input is null.
* ``dechaff`` (``report_column``): the report. ``report_format="json"`` (default): a JSON string,
  for a cleaned row exactly ``json.dumps(CleanResult.report())``. ``report_format="struct"``:
  an Arrow struct of type :func:`report_type`, the same fields, with ``metadata`` as a JSON
  string (its keys vary) and a ``skipped`` field that is null for a cleaned row.

A null text (or NaN / ``pd.NA`` in pandas) passes through as null, with the report
``{"removed": [], "chars_before": 0, "chars_after": 0, "metadata": {}, "mode": null,
"skipped": "null text"}``. A document that cannot be cleaned (above ``max_bytes``) raises by
default; with ``on_error="null"`` it gives a null text and ``"skipped": "error: <message>"``.

The engine is compiled once per worker process and set of options (see
:func:`dechaff.integrations.cached_cleaner`), not once per batch.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from .errors import DechaffError, OptionError
from .integrations import cached_cleaner, clean_many

__all__ = ["REPORT_FORMATS", "clean_table", "report_type"]

#: Encodings of the report column.
REPORT_FORMATS = ("json", "struct")

_ON_ERROR = ("raise", "null")


def _pa() -> Any:
    try:
        return importlib.import_module("pyarrow")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OptionError("dechaff.arrow needs pyarrow: pip install 'dechaff[arrow]'") from exc


def report_type() -> Any:
    """The Arrow type of the report column with ``report_format="struct"``."""
    pa = _pa()
    removal = pa.struct(
        [
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("rule", pa.string()),
            ("category", pa.string()),
        ]
    )
    return pa.struct(
        [
            ("removed", pa.list_(removal)),
            ("chars_before", pa.int64()),
            ("chars_after", pa.int64()),
            ("metadata", pa.string()),
            ("mode", pa.string()),
            ("skipped", pa.string()),
        ]
    )


def _skipped(reason: str) -> dict[str, Any]:
    return {
        "removed": [],
        "chars_before": 0,
        "chars_after": 0,
        "metadata": {},
        "mode": None,
        "skipped": reason,
    }


def _is_null(value: Any) -> bool:
    if value is None or isinstance(value, (str, bytes)):
        return value is None
    if isinstance(value, float):
        return value != value  # NaN (pandas' missing value in an object column)
    return type(value).__name__ in ("NAType", "NaTType")


def _clean_values(
    values: list[Any], mode: str, threads: int | None, on_error: str, options: dict[str, Any]
) -> tuple[list[str | None], list[dict[str, Any]]]:
    """Clean the non-null values: (clean texts, reports), one each per value."""
    texts: list[str | None] = [None] * len(values)
    reports: list[dict[str, Any]] = [_skipped("null text")] * len(values)
    idx = [i for i, v in enumerate(values) if not _is_null(v)]
    for i in idx:
        if not isinstance(values[i], (str, bytes)):
            raise OptionError(f"text column holds {type(values[i]).__name__} values, not strings")
    if idx:
        cleaner = cached_cleaner(mode=mode, **options)
        results = clean_many(cleaner, [values[i] for i in idx], threads, on_error)
        for i, res in zip(idx, results, strict=True):
            if isinstance(res, DechaffError):
                reports[i] = _skipped(f"error: {res}")
            else:
                texts[i] = res.text
                reports[i] = res.report()
    return texts, reports


def _struct_row(report: dict[str, Any]) -> dict[str, Any]:
    row = dict(report)
    row["metadata"] = json.dumps(report["metadata"], ensure_ascii=False, default=str)
    row.setdefault("skipped", None)
    return row


def _encode_reports(reports: list[dict[str, Any]], report_format: str) -> list[Any]:
    if report_format == "json":
        return [json.dumps(r, ensure_ascii=False, default=str) for r in reports]
    return [_struct_row(r) for r in reports]


def clean_table(
    table: Any,
    text_column: str = "text",
    mode: str = "auto",
    *,
    output_column: str = "clean_text",
    report_column: str | None = "dechaff",
    report_format: str = "json",
    threads: int | None = 1,
    on_error: str = "raise",
    **options: Any,
) -> Any:
    """Clean ``table[text_column]`` and return ``table`` with the clean text and a report added.

    ``table``: a ``pyarrow.Table``, ``pyarrow.RecordBatch`` or ``pandas.DataFrame``; the result
    is of the same kind, its other columns untouched. ``output_column`` may be ``text_column``
    to replace the text in place; an existing column of that name is replaced. ``report_column``
    ``None`` adds no report. ``report_format``: ``"json"`` or ``"struct"`` (module docs).
    ``threads``: engine threads per call (default 1: engines such as Ray and Spark already run
    one task per core; 0 uses all cores). ``on_error``: ``"raise"`` or ``"null"``.
    ``mode`` and ``**options`` are :class:`dechaff.Cleaner`'s.
    """
    if report_format not in REPORT_FORMATS:
        raise OptionError(
            f"unknown report_format {report_format!r}; choose one of {', '.join(REPORT_FORMATS)}"
        )
    if on_error not in _ON_ERROR:
        raise OptionError(f"unknown on_error {on_error!r}; choose one of {', '.join(_ON_ERROR)}")
    if type(table).__module__.startswith("pandas"):
        return _clean_pandas(
            table, text_column, mode, output_column, report_column, report_format, threads, on_error, options
        )
    pa = _pa()
    if not isinstance(table, (pa.Table, pa.RecordBatch)):
        raise OptionError(
            f"clean_table takes a pyarrow.Table, pyarrow.RecordBatch or pandas.DataFrame, "
            f"not {type(table).__name__}"
        )
    schema = table.schema
    if text_column not in schema.names:
        raise OptionError(f"no column {text_column!r} in the table (columns: {', '.join(schema.names)})")
    column = table.column(text_column)
    col_type = column.type
    if pa.types.is_dictionary(col_type):
        col_type = col_type.value_type
    if not _is_text_type(pa, col_type):
        raise OptionError(f"column {text_column!r} is {col_type}, not a string or binary column")
    large = pa.types.is_large_string(col_type) or pa.types.is_large_binary(col_type)
    texts, reports = _clean_values(column.to_pylist(), mode, threads, on_error, options)

    new: list[tuple[Any, Any]] = [
        (pa.field(output_column, pa.large_string() if large else pa.string()), texts)
    ]
    if report_column is not None:
        rtype = pa.string() if report_format == "json" else report_type()
        new.append((pa.field(report_column, rtype), _encode_reports(reports, report_format)))

    fields = list(schema)
    arrays = list(table.columns)
    for field, values in new:
        array = pa.array(values, type=field.type)
        if field.name in schema.names:
            i = [f.name for f in fields].index(field.name)
            fields[i], arrays[i] = field, array
        else:
            fields.append(field)
            arrays.append(array)
    out_schema = pa.schema(fields, metadata=schema.metadata)
    if isinstance(table, pa.RecordBatch):
        return pa.RecordBatch.from_arrays(arrays, schema=out_schema)
    return pa.Table.from_arrays(arrays, schema=out_schema)


_TEXT_TYPES = (
    "is_string",
    "is_large_string",
    "is_string_view",
    "is_binary",
    "is_large_binary",
    "is_binary_view",
)


def _is_text_type(pa: Any, t: Any) -> bool:
    """String or binary (UTF-8 bytes), of any width; the view types where pyarrow has them."""
    return any(getattr(pa.types, name, lambda _t: False)(t) for name in _TEXT_TYPES)


def _clean_pandas(
    df: Any,
    text_column: str,
    mode: str,
    output_column: str,
    report_column: str | None,
    report_format: str,
    threads: int | None,
    on_error: str,
    options: dict[str, Any],
) -> Any:
    if text_column not in df.columns:
        raise OptionError(f"no column {text_column!r} in the data frame")
    texts, reports = _clean_values(list(df[text_column]), mode, threads, on_error, options)
    pd = importlib.import_module("pandas")
    out = df.copy()
    # object columns (None for null), also when the frame is empty: Dask's `meta` needs the dtypes
    out[output_column] = pd.Series(texts, index=df.index, dtype=object)
    if report_column is not None:
        out[report_column] = pd.Series(_encode_reports(reports, report_format), index=df.index, dtype=object)
    return out
