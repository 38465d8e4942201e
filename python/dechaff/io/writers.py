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
        self._raw = os.fdopen(fd, "wb", buffering=1 << 20)
        self.fh = open_sink(self._raw, comp)
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
    """JSON lines to a file (atomic; compressed by extension) or to ``-`` (stdout)."""

    def __init__(
        self, path: str, *, stdout: Optional[BinaryIO] = None, tmp_dir: Optional[str] = None
    ) -> None:
        self._atomic: Optional[AtomicFile] = None
        if path == "-":
            self._fh: BinaryIO = stdout or sys.stdout.buffer
        else:
            self._atomic = AtomicFile(path, tmp_dir=tmp_dir)
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


class ParquetWriter(RecordWriter):
    """Records to a Parquet file. The schema comes from the first batch; ``report_field`` (a dict) is
    stored as a JSON string column. A later record that does not fit the schema is refused (and then
    quarantined)."""

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

    def _prepare(self, rec: dict[str, Any]) -> dict[str, Any]:
        if self._report_field and isinstance(rec.get(self._report_field), dict):
            rec = dict(rec)
            rec[self._report_field] = jsonlib.dumps(rec[self._report_field]).decode("utf-8")
        return rec

    def write(self, records: Sequence[dict[str, Any]]) -> list[Optional[str]]:
        """Append a row group (rows that do not fit the schema get an error instead)."""
        pa: Any = importlib.import_module("pyarrow")
        pq: Any = importlib.import_module("pyarrow.parquet")

        rows = [self._prepare(r) for r in records]
        errors: list[Optional[str]] = [None] * len(rows)
        if not rows:
            return errors
        if self._schema is None:
            table = pa.Table.from_pylist(rows)
            self._schema = table.schema
            self._writer = pq.ParquetWriter(self._atomic.fh, self._schema, compression="zstd")
            self._writer.write_table(table)
            return errors
        names = set(self._schema.names)
        good: list[dict[str, Any]] = []
        for i, r in enumerate(rows):
            extra = [k for k in r if k not in names]
            if extra:
                errors[i] = f"field(s) {', '.join(extra)} not in the Parquet schema of the first batch"
                continue
            good.append(r)
        try:
            table = pa.Table.from_pylist(good, schema=self._schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError):
            good = []
            idx = [i for i, e in enumerate(errors) if e is None]
            for i in idx:
                try:
                    pa.Table.from_pylist([rows[i]], schema=self._schema)
                    good.append(rows[i])
                except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError, TypeError) as exc:
                    errors[i] = f"does not fit the Parquet schema: {exc}"
            table = pa.Table.from_pylist(good, schema=self._schema)
        self._writer.write_table(table)
        return errors

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
