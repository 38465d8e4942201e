"""Remote inputs: ``s3://``, ``gs://``, ``hf://``, ``https://``, … through fsspec, when it is installed.

An input argument with a URL scheme is listed and opened with ``fsspec`` (``pip install
'dechaff[remote]'``, plus the file system's own package such as ``s3fs`` or ``gcsfs``): a file, a
directory (recursively, files with a known extension), or a quoted glob, as for local paths.
Outputs stay local: a run writes its shards atomically by renaming temporary files, which object
stores do not offer.
"""

from __future__ import annotations

import importlib
import io
import re
from collections.abc import Callable
from typing import Any, Optional

from ..errors import InputError, OptionError

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def is_url(path: str) -> bool:
    """Whether ``path`` names a remote file (``scheme://…``) rather than a local path."""
    return bool(_URL.match(path))


def _fsspec() -> Any:
    try:
        return importlib.import_module("fsspec")
    except ImportError as exc:
        raise OptionError("remote paths need the 'fsspec' package: pip install 'dechaff[remote]'") from exc


def _fs_error(url: str, exc: Exception) -> InputError:
    if isinstance(exc, ImportError):  # the file system's own package (s3fs, gcsfs, …) is missing
        return InputError(f"cannot read {url}: {exc}")
    return InputError(f"cannot read {url}: {type(exc).__name__}: {exc}")


def _hidden(rel: str) -> bool:
    return any(part.startswith(".") for part in rel.split("/"))


def expand_remote(
    arg: str, has_magic: Callable[[str], bool], known: Callable[[str], bool]
) -> list[tuple[str, str]]:
    """``(url, name)`` of every file ``arg`` names: a file, a directory (recursively, files for which
    ``known(name)`` holds, none hidden) or a glob, sorted; ``name`` is the path relative to the
    argument (the directory, or the glob's fixed part). Raises :class:`InputError` when nothing is
    there or the file system cannot be reached."""
    fsspec = _fsspec()
    try:
        fs, root = fsspec.core.url_to_fs(arg)
        if has_magic(root):
            base = root.split("*", 1)[0].split("?", 1)[0].split("[", 1)[0].rsplit("/", 1)[0]
            found = sorted(p for p in fs.glob(root) if fs.isfile(p))
            if not found:
                raise InputError(f"no file matches {arg!r}")
        elif fs.isdir(root):
            base = root.rstrip("/")
            found = sorted(p for p in fs.find(root) if known(p) and not _hidden(p[len(base) :].lstrip("/")))
        elif fs.exists(root):
            base = root.rsplit("/", 1)[0] if "/" in root else ""
            found = [root]
        else:
            raise InputError(f"no such file or directory: {arg}")
        return [(fs.unstrip_protocol(p), p[len(base) :].lstrip("/") if base else p) for p in found]
    except InputError:
        raise
    except Exception as exc:  # the file system's errors: missing package, credentials, network
        raise _fs_error(arg, exc) from exc


class _RemoteFile(io.RawIOBase):
    """A raw, owned reader over an fsspec file (so that ``io.BufferedReader`` can wrap it). A file
    system's own read errors (a dropped connection, an expired token) become ``OSError``, which the
    readers treat as a broken stream: what was read is kept and the break is quarantined."""

    def __init__(self, f: Any, url: str) -> None:
        self._f = f
        self._url = url

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        try:
            data = self._f.read(len(b))
        except OSError:
            raise
        except Exception as exc:  # botocore, aiohttp, … errors are not OSError
            raise OSError(f"reading {self._url}: {type(exc).__name__}: {exc}") from exc
        n = len(data)
        b[:n] = data
        return n

    def tell(self) -> int:
        return int(self._f.tell())

    def close(self) -> None:
        if not self.closed:
            self._f.close()
        super().close()


def open_seekable(url: str) -> Any:
    """``url`` as the file system's own seekable file object (for readers that seek, as Parquet's)."""
    fsspec = _fsspec()
    try:
        return fsspec.open(url, "rb").open()
    except Exception as exc:
        raise _fs_error(url, exc) from exc


def open_remote(url: str) -> tuple[io.RawIOBase, Optional[int]]:
    """Open ``url`` for reading: a raw stream and the file's size (None when unknown)."""
    f = open_seekable(url)
    size = getattr(f, "size", None)
    return _RemoteFile(f, url), size if isinstance(size, int) else None


def input_version(url: str) -> tuple[int, Any]:
    """``url``'s size and what its file system says about its version (modification time, ETag, …;
    None when it says nothing), for ``--resume`` to tell a changed input from the one it finished."""
    fsspec = _fsspec()
    try:
        fs, path = fsspec.core.url_to_fs(url)
        info = fs.info(path)
    except Exception as exc:
        raise _fs_error(url, exc) from exc
    stamp = next(
        (
            info[k]
            for k in ("mtime", "LastModified", "last_modified", "updated", "ETag", "etag", "created")
            if info.get(k) is not None
        ),
        None,
    )
    return int(info.get("size") or 0), None if stamp is None else str(stamp)
