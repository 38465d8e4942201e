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

#: Magic bytes 1-3 of a zstd skippable frame (byte 0 is 0x50 to 0x5F).
_ZSTD_SKIPPABLE = b"\x2a\x4d\x18"

#: File extensions of the compressed formats (without the dot).
EXTENSIONS: dict[str, str] = {"gz": "gzip", "zst": "zstd", "zstd": "zstd", "bz2": "bz2", "xz": "xz"}

_BUFFER = 1 << 20
#: Compressed bytes fed to the zstd decoder at a time.
_ZSTD_PIECE = 1 << 13


def sniff_compression(head: bytes) -> Optional[str]:
    """The compression whose magic bytes start ``head`` (``gzip``, ``zstd``, ``bz2``, ``xz``), or None."""
    for name, magic in MAGIC.items():
        if head.startswith(magic):
            return name
    if len(head) >= 4 and head[0] & 0xF0 == 0x50 and head[1:4] == _ZSTD_SKIPPABLE:
        return "zstd"  # a zstd skippable frame first (pzstd writes one before each frame)
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
        raw = _ZstdFrames(buffered, _zstandard())
    else:
        raise OptionError(f"unknown compression {compression!r}")
    if compression in ("gzip", "bz2", "xz"):
        return raw  # already buffered, with readline
    return io.BufferedReader(raw, _BUFFER)


class _ZstdFrames(io.RawIOBase):
    """A raw reader decoding a zstd stream frame by frame (skippable frames included).

    ``zstandard``'s own ``stream_reader`` takes a stream that ends inside a frame for a clean end, and
    an error in one frame throws away what that read had decoded from the frames before it. Here a
    frame's output is handed out before the next frame is decoded, and a stream that breaks off inside
    a frame raises :class:`EOFError` (like ``gzip`` and ``lzma``) once the data before it is read; a
    corrupt frame raises ``ZstdError``. The error is sticky: every later read raises it again.

    Compressed input is fed in pieces of ``_ZSTD_PIECE`` bytes, so memory stays bounded and little of
    a corrupt frame's good start is lost with the piece that fails.
    """

    def __init__(self, src: Any, zstd: Any) -> None:
        self._read = getattr(src, "read1", None) or src.read
        self._dctx = zstd.ZstdDecompressor()
        self._dobj: Any = None  # the decoder of the current frame (None: between frames)
        self._fed = 0  # compressed bytes of the current frame fed so far
        self._frame = 0  # frames started
        self._frame_start = 0  # compressed offset where the current frame starts
        self._consumed = 0  # compressed bytes fed to decoders, in all
        self._leftover = b""  # bytes read past the end of the last frame: the next frame's start
        self._pending = memoryview(b"")
        self._error: Optional[BaseException] = None
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while not self._pending:
            if self._error is not None:
                raise self._error
            if self._done:
                return 0
            self._decode_more()
        n = min(len(b), len(self._pending))
        b[:n] = self._pending[:n]
        self._pending = self._pending[n:]
        return n

    def _decode_more(self) -> None:
        data = self._leftover or self._read(_ZSTD_PIECE)
        self._leftover = b""
        if not data:
            if self._dobj is not None and self._fed:
                self._error = EOFError(
                    f"Compressed file ended inside zstd frame {self._frame} (truncated stream: "
                    f"{self._fed} bytes of the frame from compressed byte {self._frame_start} read)"
                )
            self._done = True
            return
        if self._dobj is None:
            self._dobj = self._dctx.decompressobj()
            self._fed = 0
            self._frame += 1
            self._frame_start = self._consumed
        try:
            out = self._dobj.decompress(data)
        except Exception as exc:
            if not type(exc).__module__.startswith("zstandard"):
                raise
            error = type(exc)(
                f"{exc} (in zstd frame {self._frame}, which starts at compressed byte {self._frame_start})"
            )
            error.__cause__ = exc
            self._error = error
            return
        if self._dobj.eof:  # the frame ended: what follows it starts the next one
            self._leftover = self._dobj.unused_data
            used = len(data) - len(self._leftover)
            self._dobj = None
        else:
            used = len(data)
        self._fed += used
        self._consumed += used
        self._pending = memoryview(out)


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
