"""JSON with orjson when installed, else the standard library; both behave the same for dechaff."""

from __future__ import annotations

import base64
import datetime
import decimal
import json
from typing import Any

try:
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the environment
    _orjson = None  # type: ignore[assignment]

#: Whether the fast path (orjson) is in use.
FAST = _orjson is not None


class JSONError(ValueError):
    """A line could not be parsed as JSON."""


def _default(obj: Any) -> Any:
    if isinstance(obj, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(obj)).decode("ascii")
    if isinstance(obj, (datetime.date, datetime.time)):
        return obj.isoformat()
    if isinstance(obj, decimal.Decimal):
        return str(obj)
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    return str(obj)


def _std_dumps(obj: Any) -> bytes:
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_default)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: only an ASCII escape keeps it valid UTF-8
        return json.dumps(obj, ensure_ascii=True, separators=(",", ":"), default=_default).encode("ascii")


def loads(line: bytes) -> Any:
    """Parse one JSON document from bytes; raises :class:`JSONError` or :class:`UnicodeDecodeError`.

    Big integers, NaN and lone surrogate escapes, which orjson refuses, fall back to the standard library.
    """
    if _orjson is not None:
        try:
            return _orjson.loads(line)
        except _orjson.JSONDecodeError:
            pass
    text = line.decode("utf-8")  # raises UnicodeDecodeError for invalid bytes
    try:
        return json.loads(text)
    except ValueError as exc:
        raise JSONError(str(exc)) from None


def dumps(obj: Any) -> bytes:
    """Serialise compactly to UTF-8 bytes, keeping key order (bytes become base64, dates ISO strings)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(obj, default=_default)
        except (TypeError, _orjson.JSONEncodeError):
            pass
    return _std_dumps(obj)
