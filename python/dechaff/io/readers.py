"""Readers: turn an input file (JSONL, text, HTML, WARC/WET, Parquet) into a stream of :class:`Item`.

Every reader streams (memory does not grow with the file) and never raises on bad data: a malformed
line, undecodable bytes, a truncated stream or a broken WARC record becomes an ``Item`` with an
``error`` so the run can quarantine it and go on. Only a file that cannot be opened at all raises
:class:`~dechaff.errors.InputError`.
"""

from __future__ import annotations

import glob
import gzip
import importlib
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO, Optional, Union

from .._core import count_lines
from ..errors import InputError
from . import jsonlib
from .compression import EXTENSIONS, SourceStream, open_source
from .records import Item, Skipped
from .remote import expand_remote, input_version, is_url, open_remote, open_seekable

#: Input formats dechaff reads.
FORMATS = ("jsonl", "text", "html", "warc", "parquet")

_EXT_FORMATS = {
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "json": "jsonl",
    "txt": "text",
    "text": "text",
    "md": "text",
    "html": "html",
    "htm": "html",
    "xhtml": "html",
    "warc": "warc",
    "wet": "warc",
    "arc": "warc",
    "parquet": "parquet",
    "pq": "parquet",
}

ReadEvent = Union[Item, Skipped]


@dataclass(frozen=True)
class ReadOptions:
    """How readers build records: field names and what to do with undecodable bytes."""

    text_field: str = "text"
    html_field: Optional[str] = None
    decode_errors: str = "quarantine"  # or "replace"


def split_suffixes(name: str) -> tuple[str, Optional[str], Optional[str]]:
    """``data/a.jsonl.gz`` → (``data/a``, ``jsonl``, ``gz``): stem, format and compression extensions."""
    base = name
    comp: Optional[str] = None
    head, dot, ext = base.rpartition(".")
    if dot and ext.lower() in EXTENSIONS and "/" not in ext:
        comp, base = ext.lower(), head
    head, dot, ext = base.rpartition(".")
    fmt: Optional[str] = None
    if dot and ext.lower() in _EXT_FORMATS and "/" not in ext:
        fmt, base = ext.lower(), head
        # WARC/WET dumps are often named *.warc.wet.gz
        h2, d2, e2 = base.rpartition(".")
        if d2 and e2.lower() in ("warc", "wet") and "/" not in e2:
            base = h2
    return base, fmt, comp


def format_from_name(name: str) -> Optional[str]:
    """The input format a name implies (``jsonl``, ``text``, ``html``, ``warc``, ``parquet``), or None."""
    _, fmt, _ = split_suffixes(os.path.basename(name))
    return _EXT_FORMATS.get(fmt) if fmt else None


def sniff_format(head: bytes) -> str:
    """The format of decompressed data starting with ``head``."""
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"PAR1"):
        return "parquet"
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith(b"{"):
        return "jsonl"
    if body.startswith(b"<"):
        return "html"
    return "text"


# --------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class InputFile:
    """One input: ``path`` to open (``-``: stdin) and ``name``, its path relative to the argument it
    came from (used for shard names and in quarantine entries)."""

    path: str
    name: str


def _is_special(path: str) -> bool:
    """A FIFO, socket or device: opening one in a directory walk could wait for ever."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False  # a dangling link: reading it reports the error
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode) or stat.S_ISBLK(mode)


def _walk(root: str) -> list[str]:
    """The input files under a directory, sorted: those with a known extension, not hidden, not
    FIFOs, sockets or devices (a file named on the command line is read whatever it is)."""
    found: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for fn in sorted(filenames):
            if fn.startswith("."):
                continue
            path = os.path.join(dirpath, fn)
            if format_from_name(fn) is not None and not _is_special(path):
                found.append(path)
    return found


def _glob_root(pattern: str) -> str:
    parts = pattern.split(os.sep)
    keep: list[str] = []
    for part in parts:
        if glob.has_magic(part):
            break
        keep.append(part)
    return os.sep.join(keep) or "."


def expand_inputs(args: list[str], paths_file: Optional[str] = None) -> list[InputFile]:
    """Expand files, directories (recursively; files with a known extension), quoted globs and ``-``;
    the same for remote URLs (``s3://…``, through fsspec: :mod:`dechaff.io.remote`).

    The order is the argument order, each directory and glob sorted, so runs are reproducible.
    Raises :class:`InputError` for a path that does not exist or a glob that matches nothing.
    """
    items = list(args)
    if paths_file:
        try:
            with open(paths_file, encoding="utf-8") as fh:
                items += [ln.strip() for ln in fh if ln.strip() and not ln.startswith("#")]
        except OSError as exc:
            raise InputError(f"cannot read --paths-file {paths_file}: {exc.strerror}") from exc
    if not items:
        items = ["-"]
    out: list[InputFile] = []
    for arg in items:
        if arg == "-":
            out.append(InputFile("-", "stdin"))
        elif os.path.isdir(arg):
            files = _walk(arg)
            out += [InputFile(f, os.path.relpath(f, arg)) for f in files]
        elif os.path.exists(arg):
            out.append(InputFile(arg, os.path.basename(arg)))
        elif is_url(arg):
            known = lambda p: format_from_name(p) is not None  # noqa: E731
            out += [InputFile(url, name) for url, name in expand_remote(arg, glob.has_magic, known)]
        elif glob.has_magic(arg):
            matches = sorted(m for m in glob.glob(arg, recursive=True) if os.path.isfile(m))
            if not matches:
                raise InputError(f"no file matches {arg!r}")
            root = _glob_root(arg)
            out += [InputFile(m, os.path.relpath(m, root)) for m in matches]
        else:
            raise InputError(f"no such file or directory: {arg}")
    return out


# -------------------------------------------------------------------------------------------- readers


class Reader:
    """An open input. Iterate :meth:`events` for items; :meth:`position` / ``size`` drive progress."""

    def __init__(
        self,
        source: InputFile,
        fmt: str,
        events: Iterator[ReadEvent],
        stream: Optional[SourceStream],
        size: Optional[int],
    ) -> None:
        self.source = source
        self.format = fmt
        self._events = events
        self._stream = stream
        self.size = size
        self._pos_fn: Optional[Callable[[], int]] = None
        self._started = False

    def events(self) -> Iterator[ReadEvent]:
        """Items and skip notices, in file order."""
        self._started = True
        return self._events

    def jsonl_blocks(self, block_bytes: int) -> Optional[Iterator[Union[JsonlBlock, Item]]]:
        """For a JSONL input not read yet: its lines in blocks (instead of :meth:`events`); else None."""
        if self.format != "jsonl" or self._stream is None or self._started:
            return None
        self._started = True
        return _jsonl_blocks(self._stream, self.source.name, block_bytes)

    def position(self) -> int:
        """Bytes of the input file consumed so far (best effort)."""
        if self._pos_fn is not None:
            return self._pos_fn()
        return self._stream.position() if self._stream is not None else 0

    def close(self) -> None:
        """Release the file."""
        if self._stream is not None:
            self._stream.close()


def _is_stream_error(exc: BaseException) -> bool:
    if isinstance(exc, (EOFError, OSError, zlib.error, gzip.BadGzipFile)):
        return True
    mod = type(exc).__module__
    return mod.startswith(("zstandard", "_lzma", "lzma", "_bz2", "bz2"))


def _looks_binary(head: bytes) -> bool:
    """Whether the first bytes of a JSONL file say it holds binary data, not lines of JSON."""
    body = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if body.startswith((b"{", b"[")):
        # JSON lines with a stray NUL byte or two (each such line is quarantined on its own);
        # UTF-16 text or a binary format would hold NUL in a good share of its bytes.
        return head.count(b"\x00") * 100 > len(head)
    if b"\x00" in head:
        return True
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start < len(head) - 4  # not just a character cut off at the end of the peek
    return False


def _decode(data: bytes, opts: ReadOptions) -> tuple[Optional[str], Optional[str]]:
    """(text, None) or (None, error detail)."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        if opts.decode_errors == "replace":
            return data.decode("utf-8", "replace"), None
        return None, f"invalid UTF-8 at byte {exc.start}: {data[exc.start : exc.start + 4]!r}"


def jsonl_item(line: bytes, name: str, lineno: int, start: int, opts: ReadOptions) -> Optional[Item]:
    """One line of a JSONL file as an :class:`Item` (None for a blank line): the record, or why
    there is none. ``lineno`` counts from 1; ``start`` is the line's decompressed byte offset."""
    body = line.strip()
    if lineno == 1 and body.startswith(b"\xef\xbb\xbf"):
        body = body[3:].strip()  # a UTF-8 byte order mark before the first record
    if not body:
        return None
    loc = {"line": lineno, "offset": start}
    try:
        obj = jsonlib.loads(body)
    except UnicodeDecodeError as exc:
        if opts.decode_errors == "replace":
            try:
                obj = jsonlib.loads(body.decode("utf-8", "replace").encode("utf-8"))
            except (jsonlib.JSONError, UnicodeDecodeError) as exc2:
                return Item(name, loc, raw=line, error=("malformed_json", str(exc2)), size=len(line))
        else:
            detail = f"invalid UTF-8 at byte {exc.start} of the line"
            return Item(name, loc, raw=line, error=("invalid_utf8", detail), size=len(line))
    except jsonlib.JSONError as exc:
        return Item(name, loc, raw=line, error=("malformed_json", str(exc)), size=len(line))
    if not isinstance(obj, dict):
        kind = type(obj).__name__
        return Item(
            name,
            loc,
            raw=line,
            error=("not_an_object", f"JSON {kind}, not an object"),
            size=len(line),
        )
    return Item(name, loc, record=obj, raw=line, size=len(line))


def _jsonl_events(src: SourceStream, name: str, opts: ReadOptions) -> Iterator[ReadEvent]:
    stream = src.stream
    lineno = 0
    offset = 0
    try:
        peek = getattr(stream, "peek", None)
        head = peek(8192)[:8192] if peek is not None else b""
        if _looks_binary(head):
            yield Item(name, {"offset": 0}, error=("binary_file", "binary data, not JSON lines"))
            return
        for line in stream:
            lineno += 1
            start = offset
            offset += len(line)
            item = jsonl_item(line, name, lineno, start, opts)
            if item is not None:
                yield item
    except Exception as exc:
        if not _is_stream_error(exc):
            raise
        detail = f"{type(exc).__name__}: {exc} (after {lineno} lines, {offset} decompressed bytes)"
        yield Item(name, {"line": lineno + 1, "offset": offset}, error=("compressed_stream", detail))


@dataclass
class JsonlBlock:
    """Whole lines of a JSONL file: ``data[:end]`` starts at line ``lineno + 1``, decompressed byte
    ``offset``. Bytes of ``data`` past ``end`` (the start of the next line) are not part of the block:
    the buffer is passed on as read, not copied to cut them off."""

    data: bytes
    lineno: int
    offset: int
    end: int


def _jsonl_blocks(src: SourceStream, name: str, block_bytes: int) -> Iterator[Union[JsonlBlock, Item]]:
    """The lines :func:`_jsonl_events` reads, as blocks of about ``block_bytes`` whole lines, plus the
    same error items (a binary file; a broken stream after the lines read before the break)."""
    stream = src.stream
    lineno = 0
    offset = 0
    peek = getattr(stream, "peek", None)
    # read1: one read of the underlying stream at a time, so a stream that breaks gives up the lines
    # before the break, as line iteration does
    read = getattr(stream, "read1", None) or stream.read
    parts: list[bytes] = []
    have = 0
    error: Optional[BaseException] = None
    try:
        head = peek(8192)[:8192] if peek is not None else b""
        if _looks_binary(head):
            yield Item(name, {"offset": 0}, error=("binary_file", "binary data, not JSON lines"))
            return
    except Exception as exc:
        if not _is_stream_error(exc):
            raise
        error = exc
    while error is None:
        try:
            chunk = read(1 << 20)
        except Exception as exc:
            if not _is_stream_error(exc):
                raise
            error = exc
            break
        if not chunk:
            break
        parts.append(chunk)
        have += len(chunk)
        if have >= block_bytes and b"\n" in chunk:
            buf = b"".join(parts)
            cut = buf.rfind(b"\n") + 1
            yield JsonlBlock(buf, lineno, offset, cut)
            lineno += count_lines(buf, cut)
            offset += cut
            parts = [buf[cut:]] if cut < len(buf) else []
            have = len(buf) - cut
    buf = b"".join(parts)
    if error is None:
        if buf:
            yield JsonlBlock(buf, lineno, offset, len(buf))
        return
    cut = buf.rfind(b"\n") + 1
    if cut:
        yield JsonlBlock(buf, lineno, offset, cut)
        lineno += count_lines(buf, cut)
        offset += cut
    detail = f"{type(error).__name__}: {error} (after {lineno} lines, {offset} decompressed bytes)"
    yield Item(name, {"line": lineno + 1, "offset": offset}, error=("compressed_stream", detail))


def _whole_file_events(src: SourceStream, name: str, fmt: str, opts: ReadOptions) -> Iterator[ReadEvent]:
    try:
        data = src.stream.read()
    except Exception as exc:
        if not _is_stream_error(exc):
            raise
        yield Item(name, {"offset": 0}, error=("compressed_stream", f"{type(exc).__name__}: {exc}"))
        return
    if not data.strip():
        yield Skipped("empty text or HTML file")  # no document, but counted: no file goes unseen
        return
    loc = {"offset": 0}
    if b"\x00" in data[:8192]:
        yield Item(name, loc, raw=data, error=("binary_file", "binary data, not text"), size=len(data))
        return
    text, err = _decode(data[3:] if data.startswith(b"\xef\xbb\xbf") else data, opts)
    if text is None:
        if fmt == "html":
            text = data.decode("utf-8", "replace")  # HTML carries its own charset; extraction decides
        else:
            yield Item(name, loc, raw=data, error=("invalid_utf8", err or ""), size=len(data))
            return
    field = opts.text_field if fmt == "text" else (opts.html_field or "html")
    yield Item(name, loc, record={"id": name, field: text}, size=len(data))


# ------------------------------------------------------------------------------------------------ WARC

_CHARSET_RE = re.compile(rb"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.I)
_DOC_TYPES = ("text/html", "application/xhtml+xml", "text/plain")


def _parse_http(block: bytes) -> tuple[dict[str, str], bytes]:
    for sep in (b"\r\n\r\n", b"\n\n"):
        idx = block.find(sep)
        if idx >= 0:
            head, body = block[:idx], block[idx + len(sep) :]
            break
    else:
        return {}, block
    headers: dict[str, str] = {}
    for line in head.split(b"\n")[1:]:
        key, colon, value = line.partition(b":")
        if colon:
            headers[key.strip().decode("latin-1").lower()] = value.strip().decode("latin-1")
    return headers, body


def _dechunk(body: bytes) -> bytes:
    out = bytearray()
    pos = 0
    while True:
        end = body.find(b"\r\n", pos)
        if end < 0:
            raise ValueError("bad chunked encoding")
        size = int(body[pos:end].split(b";")[0].strip() or b"0", 16)
        if size == 0:
            return bytes(out)
        out += body[end + 2 : end + 2 + size]
        pos = end + 2 + size + 2


def _decode_payload(headers: dict[str, str], body: bytes) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    enc = headers.get("content-encoding", "").lower().strip()
    if enc in ("gzip", "x-gzip"):
        if body.startswith(b"\x1f\x8b"):
            body = gzip.decompress(body)
        # else: the crawler stored the decoded body but kept the header (ClueWeb does): use it as is
    elif enc == "deflate":
        try:
            body = zlib.decompress(body)
        except zlib.error:
            body = zlib.decompress(body, -zlib.MAX_WBITS)
    elif enc == "br":
        brotli: Any = importlib.import_module("brotli")  # optional: comes with fastwarc
        body = brotli.decompress(body)
    return body


def _decode_html(body: bytes, content_type: str) -> str:
    m = _CHARSET_RE.search(content_type.encode("latin-1", "replace")) or _CHARSET_RE.search(body[:4096])
    if m:
        try:
            return body.decode(m.group(1).decode("ascii"), "replace")
        except LookupError:
            pass
    return body.decode("utf-8", "replace")


def _warc_document(
    name: str, n: int, offset: int, wtype: str, headers: dict[str, str], block: bytes, opts: ReadOptions
) -> ReadEvent:
    loc = {"record_no": n, "offset": offset}
    base: dict[str, Any] = {
        "id": headers.get("warc-record-id"),
        "url": headers.get("warc-target-uri"),
        "date": headers.get("warc-date"),
        "warc_type": wtype,
    }
    if wtype == "response" and "application/http" in headers.get("content-type", ""):
        try:
            http, payload = _parse_http(block)
            payload = _decode_payload(http, payload)
        except Exception as exc:  # a bad chunk size, broken gzip body, …
            return Item(
                name, loc, record=base, error=("warc_record", f"bad HTTP payload: {exc}"), size=len(block)
            )
        ctype = http.get("content-type", "")
    else:
        payload = block
        ctype = headers.get("content-type", "")
    mime = ctype.split(";")[0].strip().lower()
    if mime not in _DOC_TYPES:
        return Skipped(f"WARC {wtype} with payload {mime or 'unknown'}")
    base["content_type"] = mime
    if mime == "text/plain":
        text, err = _decode(payload, opts)
        if text is None:
            return Item(
                name, loc, raw=payload, record=base, error=("invalid_utf8", err or ""), size=len(block)
            )
        base[opts.text_field] = text
    else:
        base[opts.html_field or "html"] = _decode_html(payload, ctype)
    return Item(name, loc, record=base, size=len(block))


_WARC_DOC_TYPES = ("response", "resource", "conversion")


def _fastwarc_events(
    source: InputFile, fileobj: Optional[BinaryIO], opts: ReadOptions
) -> Iterator[ReadEvent]:
    from fastwarc.warc import ArchiveIterator

    n = 0
    start = 0  # where this pass over the file began (a local file is read again after a break)
    while True:
        last_offset = start
        try:
            if fileobj is not None:
                target: Any = fileobj
            else:
                target = open(source.path, "rb")  # noqa: SIM115 - closed below
                target.seek(start)
            try:
                for rec in ArchiveIterator(target, parse_http=False, fsspec_args=False):
                    n += 1
                    wtype = str(rec.record_type).rsplit(".", 1)[-1]
                    last_offset = start + int(rec.stream_pos)
                    if wtype not in _WARC_DOC_TYPES:
                        yield Skipped(f"WARC {wtype} record")
                        continue
                    headers = {str(k).lower(): str(v) for k, v in rec.headers.items()}
                    block = rec.reader.read()
                    if len(block) < rec.content_length:
                        detail = f"truncated record: {len(block)} of {rec.content_length} bytes"
                        ids = {"id": headers.get("warc-record-id"), "url": headers.get("warc-target-uri")}
                        loc = {"record_no": n, "offset": last_offset}
                        error = ("warc_record", detail)
                        yield Item(source.name, loc, record=ids, error=error, size=len(block))
                        continue
                    yield _warc_document(source.name, n, last_offset, wtype, headers, block, opts)
            finally:
                if fileobj is None:
                    target.close()
            return
        except OSError as exc:
            detail = f"broken WARC stream after record {n}: {exc}"
            # A local file is searched for the next record after the break, and read on from there.
            resume = None if fileobj is not None else _next_warc_record(source.path, last_offset + 1)
            if resume is not None:
                detail += f"; reading goes on at byte {resume}, the next record found"
            loc = {"record_no": n + 1, "offset": last_offset}
            yield Item(source.name, loc, error=("warc_record", detail))
            if resume is None:
                return
            start = resume


def _next_warc_record(path: str, after: int) -> Optional[int]:
    """Byte offset of the first WARC record starting at or after ``after`` in the file at ``path``:
    a line that begins ``WARC/1.`` in a plain file, a gzip member whose text begins so in a
    ``.warc.gz`` (None when there is none). Reads the file in blocks: memory stays bounded."""
    with open(path, "rb") as fh, open(path, "rb") as probe:
        gz = fh.read(2) == b"\x1f\x8b"
        marker = b"\x1f\x8b\x08" if gz else b"\nWARC/1."
        fh.seek(max(after - 1, 0))  # a plain file's marker starts at the newline before the record
        tail = b""
        while True:
            block = fh.read(1 << 20)
            if not block:
                return None
            data = tail + block
            base = fh.tell() - len(data)
            at = data.find(marker)
            while at >= 0:
                found = base + at + (0 if gz else 1)
                if found >= after and (not gz or _gzip_member_is_warc(probe, found)):
                    return found
                at = data.find(marker, at + 1)
            tail = data[-(len(marker) - 1) :]


def _gzip_member_is_warc(fh: BinaryIO, at: int) -> bool:
    """Whether the gzip member at byte ``at`` of ``fh`` decompresses to text that starts like a WARC
    record."""
    fh.seek(at)
    try:
        head = zlib.decompressobj(31).decompress(fh.read(4096), 16)
    except zlib.error:
        return False
    return head.startswith(b"WARC/1.")


def _warcio_events(source: InputFile, fileobj: BinaryIO, opts: ReadOptions) -> Iterator[ReadEvent]:
    ArchiveIterator: Any = importlib.import_module("warcio.archiveiterator").ArchiveIterator
    ArchiveLoadFailed: Any = importlib.import_module("warcio.exceptions").ArchiveLoadFailed

    n = 0
    last_offset = 0
    try:
        it = ArchiveIterator(fileobj)
        for rec in it:
            n += 1
            wtype = rec.rec_type
            if wtype not in _WARC_DOC_TYPES:
                last_offset = it.get_record_offset()  # (reads the record to its end)
                yield Skipped(f"WARC {wtype} record")
                continue
            headers = {k.lower(): v for k, v in rec.rec_headers.headers}
            http_headers = rec.http_headers
            payload = rec.content_stream().read()  # decodes chunking and gzip
            missing = int(getattr(rec.raw_stream, "limit", 0) or 0)
            last_offset = it.get_record_offset()
            if missing > 0:
                detail = f"truncated record: {missing} of {rec.length} bytes missing"
                yield Item(
                    source.name,
                    {"record_no": n, "offset": last_offset},
                    record={"id": headers.get("warc-record-id"), "url": headers.get("warc-target-uri")},
                    error=("warc_record", detail),
                    size=len(payload),
                )
                continue
            if http_headers is not None:
                http = {k.lower(): v for k, v in http_headers.headers}
                http.pop("transfer-encoding", None)
                http.pop("content-encoding", None)
                head = "".join(f"{k}: {v}\r\n" for k, v in http.items()).encode("latin-1", "replace")
                block = b"HTTP/1.1 200 OK\r\n" + head + b"\r\n" + payload
            else:
                block = payload
            yield _warc_document(source.name, n, last_offset, wtype, headers, block, opts)
    except (ArchiveLoadFailed, OSError, EOFError, zlib.error) as exc:
        detail = f"broken WARC stream after record {n}: {' '.join(str(exc).split())}"
        yield Item(source.name, {"record_no": n + 1, "offset": last_offset}, error=("warc_record", detail))


def warc_backend() -> Optional[str]:
    """``fastwarc`` or ``warcio``, whichever is installed (fastwarc preferred), or None."""
    for mod in ("fastwarc", "warcio"):
        try:
            __import__(mod)
            return mod
        except ImportError:
            continue
    return None


# --------------------------------------------------------------------------------------------- Parquet


def _parquet_events(source: InputFile, opts: ReadOptions, batch_rows: int) -> tuple[Iterator[ReadEvent], int]:
    try:
        pq: Any = importlib.import_module("pyarrow.parquet")
    except ImportError as exc:
        raise InputError("Parquet input needs pyarrow: pip install 'dechaff[parquet]'") from exc
    if source.path == "-":
        raise InputError("Parquet cannot be read from stdin; pass the file")
    remote = open_seekable(source.path) if is_url(source.path) else None
    try:
        pf = pq.ParquetFile(remote if remote is not None else source.path)
    except Exception as exc:  # ArrowInvalid: not a Parquet file, …
        if remote is not None:
            remote.close()
        bad = Item(source.name, {"offset": 0}, error=("read_error", f"not a readable Parquet file: {exc}"))
        return iter([bad]), 0

    def gen() -> Iterator[ReadEvent]:
        row = 0
        try:
            for batch in pf.iter_batches(batch_size=batch_rows):
                for rec in batch.to_pylist():
                    yield Item(source.name, {"row": row}, record=rec, size=0)
                    row += 1
        except Exception as exc:
            yield Item(source.name, {"row": row}, error=("read_error", f"Parquet read failed: {exc}"))
        finally:
            if remote is not None:
                remote.close()

    return gen(), pf.metadata.num_rows


def _size(path: str) -> int:
    """Bytes of a local or remote input file."""
    return input_version(path)[0] if is_url(path) else os.path.getsize(path)


def open_reader(
    source: InputFile, opts: ReadOptions, stdin: Optional[BinaryIO] = None, fmt: Optional[str] = None
) -> Reader:
    """Open ``source`` and pick its reader by extension, else by magic bytes (or ``fmt`` when given)."""
    fmt = fmt or (format_from_name(source.path) if source.path != "-" else None)
    if fmt == "parquet":
        events, _ = _parquet_events(source, opts, 2048)
        reader = Reader(source, fmt, events, None, _size(source.path))
        return reader
    if fmt == "warc" and source.path != "-" and not is_url(source.path) and warc_backend() == "fastwarc":
        size = os.path.getsize(source.path)
        reader = Reader(source, "warc", _fastwarc_events(source, None, opts), None, size)
        return reader
    src, head = open_source(source.path, stdin)
    if fmt is None:
        fmt = sniff_format(head)
        if fmt == "parquet":
            src.close()
            return open_reader(source, opts, stdin, "parquet")
    if fmt == "warc":
        backend = warc_backend()
        if backend is None:
            src.close()
            raise InputError("WARC input needs fastwarc or warcio: pip install 'dechaff[warc]'")
        fh: Any = src.stream
        if source.path != "-" and src.compression in (None, "gzip"):
            # both libraries read gzip members themselves (and see where one breaks): give them the file
            src.close()
            raw: Any = open_remote(source.path)[0] if is_url(source.path) else open(source.path, "rb")  # noqa: SIM115
            src = SourceStream(raw, fh, None, src.size)  # closed by Reader
            fh = src.raw
            src.stream = fh
        if backend == "fastwarc":
            warc_events: Iterator[ReadEvent] = _fastwarc_events(source, fh, opts)
        else:
            warc_events = _warcio_events(source, fh, opts)
        return Reader(source, fmt, warc_events, src, src.size)
    if fmt == "jsonl":
        return Reader(source, fmt, _jsonl_events(src, source.name, opts), src, src.size)
    return Reader(source, fmt, _whole_file_events(src, source.name, fmt, opts), src, src.size)
