"""Writers: JSONL (compressed by extension), Parquet, or a directory of ``.txt`` files.

File outputs are atomic: data goes to a temporary file beside the target, renamed over it by
:meth:`commit`; :meth:`abort` (or a crash) leaves the target untouched.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import re
import stat
import sys
import tempfile
from collections.abc import Sequence
from typing import Any, BinaryIO, Optional

from ..errors import InputError, OptionError
from . import jsonlib
from .compression import compression_from_name, open_sink

#: Output formats.
OUTPUT_FORMATS = ("jsonl", "parquet", "txt")


def _tmp_prefix(path: str) -> str:
    """Start of the temporary files' names for ``path``: ``.<name>.dechaff-<host>-``, then the
    writing process's id; its own runs find the litter a killed run left by this name."""
    node = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    host = re.sub(r"[^A-Za-z0-9_.]", "_", node)[:64] or "host"
    return f".{os.path.basename(path)}.dechaff-{host}-"


def _sweep_stale(directory: str, prefix: str) -> None:
    """Remove the temporary files that writers of the same target on this host left when they died
    (SIGKILL, power loss): those whose process id is no longer running. A live writer's file stays.
    POSIX only (elsewhere ``os.kill`` does not just probe a process)."""
    if os.name != "posix":
        return
    try:
        names = os.listdir(directory)
    except OSError:
        return
    for name in names:
        if not (name.startswith(prefix) and name.endswith(".tmp")):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(directory, name))
        except (OSError, OverflowError):
            pass  # alive under another user, or not a process id: leave it


def _read_umask() -> int:
    """The process's umask (read by setting it, then setting it back: once, at import, before the
    run's threads create files)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


_UMASK = _read_umask()


class AtomicFile:
    """A binary file written to ``<dir>/.<name>.dechaff-<host>-<pid>-XXXX.tmp`` and renamed to
    ``path`` on :meth:`commit`. Opening one removes the temporary files that killed writers of the
    same ``path`` on this host left behind.

    ``tmp_dir`` puts the temporary file elsewhere on the same file system (so crashes leave no litter
    in the output directory). Compression follows ``path``'s extension unless ``compression`` is given.
    """

    def __init__(
        self, path: str, *, compression: Optional[str] = "auto", tmp_dir: Optional[str] = None
    ) -> None:
        self.path = path
        comp = compression_from_name(path) if compression == "auto" else compression
        # A device or FIFO (/dev/null, a named pipe) is written in place: renaming a temporary
        # file over it would replace the device with a regular file.
        self._special = os.path.exists(path) and not stat.S_ISREG(os.stat(path).st_mode)
        if self._special:
            self.tmp = ""
            self._raw: BinaryIO = open(path, "wb", buffering=1 << 20)  # noqa: SIM115
            self.fh: BinaryIO = open_sink(self._raw, comp)
            self._done = False
            return
        directory = tmp_dir or os.path.dirname(os.path.abspath(path))
        os.makedirs(directory, exist_ok=True)
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        prefix = _tmp_prefix(path)
        _sweep_stale(directory, prefix)
        fd, self.tmp = tempfile.mkstemp(prefix=f"{prefix}{os.getpid()}-", suffix=".tmp", dir=directory)
        try:
            # mkstemp makes the file private (0600); the output gets the mode an open() would give
            # it (0666 less the umask), or keeps the mode of the file it replaces.
            mode = stat.S_IMODE(os.stat(path).st_mode) if os.path.exists(path) else 0o666 & ~_UMASK
            with contextlib.suppress(OSError):  # a file system without modes
                os.fchmod(fd, mode)
            self._raw = os.fdopen(fd, "wb", buffering=1 << 20)
            self.fh = open_sink(self._raw, comp)
        except BaseException:  # an interrupt here too leaves no temporary file behind
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
            raise
        self._done = False

    def write(self, data: bytes) -> None:
        """Append bytes."""
        self.fh.write(data)

    def commit(self) -> None:
        """Flush, fsync and rename over the target."""
        if self._done:
            return
        try:
            self.fh.close()
        except BaseException:
            self.abort()
            raise
        if self._special:
            if not self._raw.closed:
                self._raw.close()
            self._done = True
            return
        try:
            if not self._raw.closed:
                self._raw.flush()
                os.fsync(self._raw.fileno())
                self._raw.close()
            os.replace(self.tmp, self.path)
        except BaseException:
            self.abort()  # a full disk or a failing writer leaves no temporary file behind
            raise
        self._done = True

    def abort(self) -> None:
        """Drop the temporary file; the target is not touched."""
        if self._done:
            return
        for f in (self.fh, self._raw):
            with contextlib.suppress(Exception):
                f.close()
        if not self._special:
            with contextlib.suppress(OSError):
                os.unlink(self.tmp)
        self._done = True


class RecordWriter:
    """Base class: :meth:`write` a batch of records (returns per-record errors or None), then close."""

    def write(self, records: Sequence[dict[str, Any]]) -> list[Optional[str]]:
        """Write records in order; the result has an error string for each record that could not be."""
        raise NotImplementedError

    def commit(self) -> None:
        """Finish the output (rename into place)."""

    def abort(self) -> None:
        """Give up: leave no partial output."""


class JsonlWriter(RecordWriter):
    """JSON lines to a file (atomic; compressed as ``compression`` says, by default by extension)
    or to ``-`` (stdout, uncompressed)."""

    def __init__(
        self,
        path: str,
        *,
        stdout: Optional[BinaryIO] = None,
        tmp_dir: Optional[str] = None,
        compression: Optional[str] = "auto",
    ) -> None:
        self._atomic: Optional[AtomicFile] = None
        if path == "-":
            self._fh: BinaryIO = stdout or sys.stdout.buffer
        else:
            self._atomic = AtomicFile(path, compression=compression, tmp_dir=tmp_dir)
            self._fh = self._atomic.fh

    def write(self, records: Sequence[dict[str, Any]]) -> list[Optional[str]]:
        """Write one JSON object per line."""
        dumps = jsonlib.dumps
        self._fh.write(b"".join([dumps(r) + b"\n" for r in records]))
        return [None] * len(records)

    def write_bytes(self, data: bytes) -> None:
        """Write lines already serialised (each ending in a newline)."""
        self._fh.write(data)

    def commit(self) -> None:
        """Rename into place (stdout: flush)."""
        if self._atomic is not None:
            self._atomic.commit()
        else:
            self._fh.flush()

    def abort(self) -> None:
        """Drop the temporary file."""
        if self._atomic is not None:
            self._atomic.abort()


def _show(value: Any) -> str:
    """A short form of ``value`` for a quarantine reason: its repr (cut) and its Python type."""
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{text} ({type(value).__name__})"


def _same(stored: Any, given: Any) -> bool:
    """Whether ``stored`` (a value read back from Arrow) is ``given`` unchanged. A missing struct key reads
    back as null; an integer may read back as the float it equals exactly (Python compares ``int`` and
    ``float`` exactly); a float never reads back as an integer, nor a bool as a number or the reverse."""
    if given is None:
        return stored is None
    kind = type(given)
    if kind is str:
        return type(stored) is str and stored == given
    if isinstance(given, bool) or isinstance(stored, bool):
        return isinstance(given, bool) and isinstance(stored, bool) and stored == given
    if isinstance(given, float):
        return isinstance(stored, float) and (stored == given or (stored != stored and given != given))
    if isinstance(given, int):
        return isinstance(stored, (int, float)) and stored == given
    if isinstance(given, dict):
        if not isinstance(stored, dict) or any(k not in stored for k in given):
            return False
        return all(_same(v, given.get(k)) for k, v in stored.items())
    if isinstance(given, (list, tuple)):
        return (
            isinstance(stored, list)
            and len(stored) == len(given)
            and all(_same(s, g) for s, g in zip(stored, given, strict=True))
        )
    return type(stored) is type(given) and bool(stored == given)


class ParquetWriter(RecordWriter):
    """Records to a Parquet file; ``report_field`` (a dict) is stored as a JSON string column.

    The schema comes from the first batch that has a record to write. Each field's type is the one Arrow
    infers from that batch's values; when they disagree (``1`` and ``"one"``, ``[1, "1"]``), the values
    seen first win and the records that do not fit are refused. A column whose values Parquet cannot
    store at all (an empty object ``{}``, which has no Parquet type; an integer beyond 64 bits) gets the
    null type, like a field that is null in every record of that batch: the records holding a value
    there are refused, in that batch and later ones (a larger ``--batch-size`` lets more records
    decide the schema).

    Values are never changed silently: a record is written only if every value reads back equal to its
    input. An integer goes into a float column when the float is exact (a batch holding both ``1`` and
    ``2.75`` makes a float column); a float never goes into an integer column (``2.75`` is not stored
    as ``2``, nor ``2.0`` as ``2``); bools and numbers, strings and numbers do not mix; an object with a
    key its struct column lacks is refused; a missing field or struct key reads back as null. Refused
    records get an error string from :meth:`write` (the caller quarantines them as ``output_schema``).
    """

    def __init__(
        self, path: str, *, report_field: Optional[str] = "dechaff", tmp_dir: Optional[str] = None
    ) -> None:
        try:
            importlib.import_module("pyarrow")
        except ImportError as exc:
            raise OptionError("Parquet output needs pyarrow: pip install 'dechaff[parquet]'") from exc
        if path == "-":
            raise OptionError("Parquet cannot be written to stdout; give -o FILE.parquet")
        self._atomic = AtomicFile(path, compression=None, tmp_dir=tmp_dir)
        self._report_field = report_field
        self._writer: Any = None
        self._schema: Any = None
        self._pa: Any = importlib.import_module("pyarrow")
        self._pq: Any = importlib.import_module("pyarrow.parquet")
        self._errors: tuple[type[BaseException], ...] = (
            self._pa.ArrowException,
            ValueError,
            TypeError,
            OverflowError,
            NotImplementedError,
            RecursionError,
        )
        self._writable_cache: dict[Any, bool] = {}

    def _prepare(self, rec: dict[str, Any]) -> dict[str, Any]:
        if self._report_field and isinstance(rec.get(self._report_field), dict):
            rec = dict(rec)
            rec[self._report_field] = jsonlib.dumps(rec[self._report_field]).decode("utf-8")
        return rec

    def write(self, records: Sequence[dict[str, Any]]) -> list[Optional[str]]:
        """Append a row group; a record that cannot be stored exactly gets an error instead."""
        rows = [self._prepare(r) for r in records]
        if not rows:
            return []
        if self._schema is None:
            schema, refused = self._infer_schema(rows)
            table, errors = self._fit(rows, schema, refused)
            if table.num_rows == 0:
                return errors  # nothing to write yet: the next batch decides the schema
            self._schema = schema
            self._writer = self._pq.ParquetWriter(self._atomic.fh, schema, compression="zstd")
        else:
            table, errors = self._fit(rows, self._schema, {})
        if table.num_rows:
            self._writer.write_table(table)
        return errors

    # -- schema of the first batch -------------------------------------------------------------------
    def _writable(self, arrow_type: Any) -> bool:
        """Whether Parquet can store a column of ``arrow_type`` (a struct without fields it cannot)."""
        known = self._writable_cache.get(arrow_type)
        if known is None:
            pa, pq = self._pa, self._pq
            try:
                pq.ParquetWriter(pa.BufferOutputStream(), pa.schema([pa.field("c", arrow_type)])).close()
                known = True
            except self._errors:
                known = False
            self._writable_cache[arrow_type] = known
        return known

    def _infer_schema(self, rows: list[dict[str, Any]]) -> tuple[Any, dict[str, str]]:
        """The schema for ``rows``, field by field in order of appearance, and the fields no value of
        which can be stored (typed null), with the reason."""
        pa = self._pa
        names: dict[str, None] = {}
        for r in rows:
            names.update(dict.fromkeys(r))
        fields: list[Any] = []
        refused: dict[str, str] = {}
        for name in names:
            values = [r.get(name) for r in rows]
            try:
                arrow_type = pa.array(values).type
                if not self._writable(arrow_type):
                    arrow_type = None
            except self._errors:
                arrow_type = None
            if arrow_type is None:
                arrow_type = self._column_type([v for v in values if v is not None])
            if arrow_type is None:
                refused[name] = self._refusal(name, values)
                arrow_type = pa.null()
            fields.append(pa.field(name, arrow_type))
        return pa.schema(fields), refused

    def _column_type(self, values: list[Any]) -> Any:
        """The type of the values that Arrow can convert and Parquet store together, the first ones
        winning (greedily, in halves), or None when there are none."""
        pa = self._pa
        kept: list[Any] = []

        def fits(chunk: list[Any]) -> bool:
            try:
                return bool(self._writable(pa.array(kept + chunk).type))
            except self._errors:
                return False

        def grow(chunk: list[Any]) -> None:
            if fits(chunk):
                kept.extend(chunk)
            elif len(chunk) > 1:
                half = len(chunk) // 2
                grow(chunk[:half])
                grow(chunk[half:])

        grow(values)
        return pa.array(kept).type if kept else None

    def _refusal(self, name: str, values: list[Any]) -> str:
        """Why no value of the field ``name`` can be stored."""
        for v in values:
            if v is None:
                continue
            try:
                arrow_type = self._pa.array([v]).type
            except self._errors as exc:
                return f"field '{name}': {_show(v)} cannot be converted to Arrow: {exc}"
            return f"field '{name}': {_show(v)} has the Arrow type {arrow_type}, which Parquet cannot store"
        return f"field '{name}': no value Parquet can store"  # pragma: no cover - a null column fits

    # -- fitting records to the schema -----------------------------------------------------------------
    def _fit(
        self, rows: list[dict[str, Any]], schema: Any, refused: dict[str, str]
    ) -> tuple[Any, list[Optional[str]]]:
        """The table of the rows that ``schema`` holds exactly, and an error for each other row
        (``refused``: the reason for a non-null value in a column typed null for want of a type)."""
        pa = self._pa
        errors: list[Optional[str]] = [None] * len(rows)
        names = set(schema.names)
        idx: list[int] = []
        for i, r in enumerate(rows):
            extra = [k for k in r if k not in names]
            if extra:
                errors[i] = f"field(s) {', '.join(extra)} not in the Parquet schema of the first batch"
            else:
                idx.append(i)
        good = [rows[i] for i in idx]
        try:
            table = pa.Table.from_pylist(good, schema=schema)
            bad = self._changed(table, good)
        except self._errors:
            table = None
            bad = list(range(len(good)))
        if not bad:
            return table, errors
        keep = [True] * len(good)
        for j in bad:
            err = self._row_error(good[j], schema, refused)
            if err is not None or table is not None:
                keep[j] = False
                errors[idx[j]] = err or "does not read back unchanged from the Parquet schema"
        if table is not None:
            return table.filter(pa.array(keep)), errors
        kept = [r for r, k in zip(good, keep, strict=True) if k]
        try:
            return pa.Table.from_pylist(kept, schema=schema), errors
        except self._errors as exc:  # pragma: no cover - each row was converted alone above
            for j, k in enumerate(keep):
                if k:
                    errors[idx[j]] = f"does not fit the Parquet schema: {exc}"
            return schema.empty_table(), errors

    def _changed(self, table: Any, rows: list[dict[str, Any]]) -> list[int]:
        """Positions of the rows that do not read back from ``table`` unchanged, column by column (a
        column of strings, floats, integers or bools holding only that Python type is exact as it is:
        only the other columns are read back)."""
        pa = self._pa
        exact = {pa.string(): str, pa.float64(): float, pa.int64(): int, pa.bool_(): bool}
        bad: set[int] = set()
        for name, column in zip(table.column_names, table.columns, strict=True):
            values = [r.get(name) for r in rows]
            kind = exact.get(column.type)
            if kind is not None and all(v is None or type(v) is kind for v in values):
                continue
            bad.update(
                j for j, (b, v) in enumerate(zip(column.to_pylist(), values, strict=True)) if not _same(b, v)
            )
        return sorted(bad)

    def _row_error(self, row: dict[str, Any], schema: Any, refused: dict[str, str]) -> Optional[str]:
        """Why ``row`` cannot be stored exactly (naming the first field that fails), or None."""
        pa = self._pa
        for field in schema:
            value = row.get(field.name)
            if value is not None and field.name in refused:
                return refused[field.name]
            null = pa.types.is_null(field.type)
            hint = " (the first batch written had no value it could store there)" if null else ""
            where = f"the Parquet column of type {field.type}{hint}"
            try:
                back = pa.array([value], type=field.type).to_pylist()[0]
            except self._errors as exc:
                return f"field '{field.name}': {_show(value)} does not fit {where}: {exc}"
            if not _same(back, value):
                return f"field '{field.name}': {_show(value)} would be stored as {_show(back)} in {where}"
        return None

    def commit(self) -> None:
        """Close the Parquet file and rename it into place (an empty run writes an empty file)."""
        if self._writer is not None:
            self._writer.close()
        self._atomic.commit()

    def abort(self) -> None:
        """Drop the temporary file."""
        self._atomic.abort()


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str, limit: int = 120) -> str:
    """A file-system-safe version of ``name`` (an id or URL)."""
    s = _UNSAFE.sub("_", name).strip("._") or "doc"
    return s[:limit]


class TxtDirWriter(RecordWriter):
    """One ``.txt`` file per record in ``directory`` (named from the id, else the position), or, with
    ``single_file``, the only record's text to that one path. ``-`` writes texts to stdout, one per line
    block. Each file is written atomically."""

    def __init__(
        self,
        directory: str,
        *,
        text_field: str = "text",
        id_field: str = "id",
        single_file: Optional[str] = None,
        stdout: Optional[BinaryIO] = None,
        tmp_dir: Optional[str] = None,
    ) -> None:
        self.directory = directory
        self.text_field = text_field
        self.id_field = id_field
        self.single_file = single_file
        self._stdout = stdout or (sys.stdout.buffer if directory == "-" else None)
        self._tmp_dir = tmp_dir
        self._n = 0
        self._used: set[str] = set()

    def write(self, records: Sequence[dict[str, Any]]) -> list[Optional[str]]:
        """Write each record's text."""
        from .records import MISSING, get_path

        for rec in records:
            text = get_path(rec, self.text_field)
            data = ("" if text is MISSING or text is None else str(text)).encode("utf-8", "replace")
            self._n += 1
            if self._stdout is not None:
                self._stdout.write(data + b"\n")
                continue
            if self.single_file is not None and self._n == 1:
                path = self.single_file
            else:
                ident = get_path(rec, self.id_field)
                known = ident is not MISSING and ident is not None
                base = safe_filename(str(ident)) if known else f"{self._n:08d}"
                name = base
                k = 1
                while name in self._used:
                    k += 1
                    name = f"{base}-{k}"
                self._used.add(name)
                path = os.path.join(self.directory, name + ".txt")
            f = AtomicFile(path, compression=None, tmp_dir=self._tmp_dir)
            f.write(data + (b"\n" if data and not data.endswith(b"\n") else b""))
            f.commit()
        return [None] * len(records)

    def commit(self) -> None:
        """Flush stdout."""
        if self._stdout is not None:
            self._stdout.flush()


def output_format_from_name(path: str) -> str:
    """``parquet`` for ``*.parquet``, ``txt`` for ``*.txt``, else ``jsonl``."""
    low = path.lower()
    if low.endswith((".parquet", ".pq")):
        return "parquet"
    if low.endswith(".txt"):
        return "txt"
    return "jsonl"


def check_writable(path: str) -> None:
    """Raise :class:`InputError` when ``path``'s directory cannot be created or written."""
    d = os.path.dirname(os.path.abspath(path))
    try:
        os.makedirs(d, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create {d}: {exc.strerror}") from exc
