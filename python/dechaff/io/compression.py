"""Transparent (de)compression: gzip, zstd, bz2 and xz, recognised by magic bytes or extension.

Reading sniffs the first bytes, so a ``.jsonl`` that is really gzip still reads; writing follows the
output file's extension. zstd needs the optional ``zstandard`` package (``pip install dechaff[cli]``).
"""

from __future__ import annotations

import bz2
import contextlib
import gzip
import importlib
import io
import lzma
import os
from typing import Any, BinaryIO, Optional

from ..errors import InputError, OptionError
from .remote import is_url, open_remote

#: Magic bytes of the compressed formats dechaff reads.
MAGIC: dict[str, bytes] = {
    "gzip": b"\x1f\x8b",
    "zstd": b"\x28\xb5\x2f\xfd",
    "bz2": b"BZh",
    "xz": b"\xfd7zXZ\x00",
}

#: File extensions of the compressed formats (without the dot).
EXTENSIONS: dict[str, str] = {"gz": "gzip", "zst": "zstd", "zstd": "zstd", "bz2": "bz2", "xz": "xz"}

_BUFFER = 1 << 20


def sniff_compression(head: bytes) -> Optional[str]:
    """The compression whose magic bytes start ``head`` (``gzip``, ``zstd``, ``bz2``, ``xz``), or None."""
    for name, magic in MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def compression_from_name(name: str) -> Optional[str]:
    """The compression a file name's last extension asks for, or None."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in os.path.basename(name) else ""
    return EXTENSIONS.get(ext)


def _zstandard() -> Any:
    try:
        zstandard = importlib.import_module("zstandard")
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise OptionError("zstd files need the 'zstandard' package: pip install 'dechaff[cli]'") from exc
    return zstandard


def decompressing_reader(buffered: Any, compression: Optional[str]) -> Any:
    """Wrap ``buffered`` (positioned at the start of the data) in a line-iterable decompressor."""
    if compression is None:
        return buffered
    raw: Any
    if compression == "gzip":
        raw = gzip.GzipFile(fileobj=buffered, mode="rb")
    elif compression == "bz2":
        raw = bz2.BZ2File(buffered, mode="rb")
    elif compression == "xz":
        raw = lzma.LZMAFile(buffered, mode="rb")  # noqa: SIM115  # returned open
    elif compression == "zstd":
        zstd = _zstandard()
        raw = zstd.ZstdDecompressor().stream_reader(buffered, read_across_frames=True)
    else:
        raise OptionError(f"unknown compression {compression!r}")
    if compression in ("gzip", "bz2", "xz"):
        return raw  # already buffered, with readline
    return io.BufferedReader(raw, _BUFFER)


class _Borrowed(io.RawIOBase):
    """A raw reader over a stream we do not own (stdin): closing it leaves the stream open."""

    def __init__(self, f: BinaryIO) -> None:
        self._read = getattr(f, "read1", f.read)

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        data = self._read(len(b))
        n = len(data)
        b[:n] = data
        return n


class SourceStream:
    """An input opened for reading: ``stream`` yields decompressed bytes; ``raw`` is the file on disk.

    ``position()`` is how far into the (compressed) file reading has got, for progress bars.
    """

    def __init__(
        self,
        raw: BinaryIO,
        stream: BinaryIO,
        compression: Optional[str],
        size: Optional[int],
        owned: bool = True,
    ) -> None:
        self.owned = owned
        self.buffered: Optional[Any] = None
        self.raw = raw
        self.stream = stream
        self.compression = compression
        self.size = size

    def position(self) -> int:
        """Bytes of the underlying file consumed so far (0 when unknown)."""
        try:
            return self.raw.tell()
        except (OSError, ValueError):
            return 0

    def close(self) -> None:
        """Close the decompressor and the file (stdin is left open)."""
        if not self.owned:
            return
        for f in (self.stream, self.buffered, self.raw):
            if f is None:
                continue
            with contextlib.suppress(OSError, ValueError, EOFError):
                f.close()

    def __enter__(self) -> SourceStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_source(path: str, stdin: Optional[BinaryIO] = None) -> tuple[SourceStream, bytes]:
    """Open ``path`` (``-``: ``stdin``) for reading, decompressing by magic bytes.

    Returns the stream and the first bytes of the *decompressed* data (for format sniffing; they are
    not consumed). Raises :class:`InputError` when the file cannot be opened.
    """
    try:
        if path == "-":
            if stdin is None:
                raise InputError("no stdin available")
            raw: Any = _Borrowed(stdin)
            size: Optional[int] = None
        elif is_url(path):
            raw, size = open_remote(path)
        else:
            raw = open(path, "rb", buffering=0)  # noqa: SIM115  # closed by SourceStream
            size = os.fstat(raw.fileno()).st_size
    except OSError as exc:
        raise InputError(f"cannot open {path}: {exc.strerror or exc}") from exc
    buffered: Any = io.BufferedReader(raw, _BUFFER)  # a raw FileIO or stdin
    compression = sniff_compression(buffered.peek(8)[:8])
    stream = decompressing_reader(buffered, compression)
    head = b""
    try:
        head = stream.peek(64)[:64] if hasattr(stream, "peek") else b""
    except (OSError, EOFError, ValueError, lzma.LZMAError):
        head = b""  # a broken stream: the reader reports it with its offset
    except Exception as exc:  # zstandard.ZstdError and friends
        if type(exc).__module__.startswith("zstandard"):
            head = b""
        else:
            raise
    src = SourceStream(raw, stream, compression, size, owned=path != "-")
    src.buffered = buffered
    return src, head


def open_sink(fileobj: BinaryIO, compression: Optional[str], level: Optional[int] = None) -> BinaryIO:
    """Wrap a binary file for writing with ``compression`` (None: as is). Closing it closes ``fileobj``."""
    if compression is None:
        return fileobj
    if compression == "gzip":
        return gzip.GzipFile(fileobj=fileobj, mode="wb", compresslevel=level or 6, mtime=0)  # type: ignore[return-value]
    if compression == "bz2":
        return bz2.BZ2File(fileobj, mode="wb", compresslevel=level or 9)  # type: ignore[return-value]
    if compression == "xz":
        return lzma.LZMAFile(fileobj, mode="wb", preset=level)  # type: ignore[return-value]
    if compression == "zstd":
        zstd = _zstandard()
        cctx = zstd.ZstdCompressor(level=level or 3)
        writer: BinaryIO = cctx.stream_writer(fileobj, closefd=True)
        return writer
    raise OptionError(f"unknown compression {compression!r}")
