"""JSON with orjson when installed, else the standard library; both behave the same for dechaff."""

from __future__ import annotations

import base64
import contextlib
import datetime
import decimal
import json
import math
import re
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


#: The deepest nesting of arrays and objects a document may have. orjson reads up to 1,024 levels
#: but writes only 254; the standard library, which writes what orjson cannot, recurses once per
#: level and stops near Python's recursion limit. A deeper document is refused when read, so that
#: every document read can be written again.
MAX_DEPTH = 512


def _nesting(obj: Any) -> int:
    """Levels of arrays and objects in ``obj`` (0 for a scalar), counted without recursion."""
    deepest, todo = 0, [(obj, 1)]
    while todo:
        node, depth = todo.pop()
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        todo.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def _too_deep() -> JSONError:
    return JSONError(f"arrays and objects nested more than {MAX_DEPTH} levels deep")


#: A run of digits as long as an integer orjson would read as a float (beyond 64 bits).
_LONG_DIGITS = re.compile(rb"[0-9]{19}")


def _finite(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"the number {literal[:40]} is out of range")
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def loads(line: bytes) -> Any:
    """Parse one JSON document from bytes; raises :class:`JSONError` or :class:`UnicodeDecodeError`.

    Every value is read exactly or refused, so that a record written back holds what it held:
    integers beyond 64 bits (which orjson reads as floats) and lone surrogate escapes (which it
    refuses) go to the standard library; ``NaN``, ``Infinity`` and numbers beyond a double's range
    are a :class:`JSONError`, and so is a document nested more than :data:`MAX_DEPTH` levels deep.
    """
    obj: Any = None
    parsed = False
    if _orjson is not None and _LONG_DIGITS.search(line) is None:
        with contextlib.suppress(_orjson.JSONDecodeError):
            obj, parsed = _orjson.loads(line), True
    if not parsed:
        text = line.decode("utf-8")  # raises UnicodeDecodeError for invalid bytes
        try:
            obj = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
        except RecursionError:
            raise _too_deep() from None
        except ValueError as exc:
            raise JSONError(str(exc)) from None
    # Only a line with that many brackets can nest that deep: most lines skip the walk.
    if line.count(b"[") + line.count(b"{") > MAX_DEPTH and _nesting(obj) > MAX_DEPTH:
        raise _too_deep()
    return obj


def dumps(obj: Any) -> bytes:
    """Serialise compactly to UTF-8 bytes, keeping key order (bytes become base64, dates ISO strings)."""
    if _orjson is not None:
        try:
            return _orjson.dumps(obj, default=_default)
        except (TypeError, _orjson.JSONEncodeError):
            pass
    return _std_dumps(obj)
