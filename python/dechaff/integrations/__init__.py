"""Scale-out helpers: dechaff inside other engines.

* :mod:`dechaff.integrations.datatrove`: :class:`~dechaff.integrations.datatrove.DechaffCleaner`,
  a datatrove pipeline step (``pip install 'dechaff[datatrove]'``).
* :mod:`dechaff.arrow`: :func:`~dechaff.arrow.clean_table` for Arrow batches (Ray Data, Spark's
  ``mapInArrow``, Dask's ``map_partitions``; ``pip install 'dechaff[arrow]'`` or ``'dechaff[ray]'``).

This package imports no optional dependency itself; the shared pieces below are used by both.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any

from ..api import Cleaner, CleanResult
from ..errors import DechaffError

__all__ = ["cached_cleaner", "clean_many"]

_CACHE_SIZE = 8
_cache: OrderedDict[tuple[Any, ...], Cleaner] = OrderedDict()
_lock = threading.Lock()


def _freeze(value: Any) -> Any:
    """A hashable stand-in for an option value; rule files are keyed by path and mtime."""
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [_freeze(v) for v in value]
        return tuple(sorted(items, key=repr)) if isinstance(value, (set, frozenset)) else tuple(items)
    if isinstance(value, os.PathLike) or (isinstance(value, str) and "[[rule]]" not in value):
        path = os.fspath(value)
        try:
            return ("file", str(path), os.stat(path).st_mtime_ns)
        except (OSError, ValueError):
            return value
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    return value


def _key(options: dict[str, Any]) -> tuple[Any, ...]:
    out = []
    for name, value in sorted(options.items()):
        # Only extra_rules may name files; other string options are plain values.
        out.append((name, _freeze(value) if name == "extra_rules" else _freeze_plain(value)))
    return tuple(out)


def _freeze_plain(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return tuple(_freeze_plain(v) for v in value)
    if isinstance(value, (set, frozenset)):
        return tuple(sorted((_freeze_plain(v) for v in value), key=repr))
    return value


def cached_cleaner(**options: Any) -> Cleaner:
    """The process-wide :class:`~dechaff.Cleaner` for these options, built on first use.

    Engines are cached per distinct set of options (the last few sets), so a worker process
    that cleans many batches compiles its rules once. Rule files given in ``extra_rules`` are
    keyed by path and modification time: an edited file gives a new engine.
    """
    key = _key(options)
    try:
        hash(key)
    except TypeError:
        return Cleaner(**options)
    with _lock:
        found = _cache.get(key)
        if found is not None:
            _cache.move_to_end(key)
            return found
    cleaner = Cleaner(**options)  # outside the lock: compiling takes a while
    with _lock:
        _cache[key] = cleaner
        _cache.move_to_end(key)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return cleaner


def clean_many(
    cleaner: Cleaner, texts: Sequence[str | bytes], threads: int | None, on_error: str
) -> list[CleanResult | DechaffError]:
    """``cleaner.clean_batch(texts)``; a document that cannot be cleaned (above ``max_bytes``, …)
    raises when ``on_error == "raise"``, else comes back as its :class:`~dechaff.DechaffError`
    (the batch is then cleaned again one document at a time, so only the bad ones fail)."""
    try:
        return list(cleaner.clean_batch(texts, threads=threads))
    except DechaffError:
        if on_error == "raise":
            raise
    out: list[CleanResult | DechaffError] = []
    for text in texts:
        try:
            out.append(cleaner.clean(text))
        except DechaffError as exc:
            out.append(exc)
    return out
