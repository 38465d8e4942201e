"""What readers yield: :class:`Item` (a record, or why there is none), plus dotted field paths."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, Optional

#: Reason codes for quarantined records (the summary counts them by code).
REASONS = {
    "malformed_json": "the line is not valid JSON",
    "not_an_object": "the line is JSON but not an object",
    "missing_field": "the record has no text (or html) field",
    "field_not_string": "the text field is not a string",
    "invalid_utf8": "the bytes are not valid UTF-8",
    "compressed_stream": "the compressed stream is truncated or corrupt",
    "binary_file": "the file holds binary data, not text records",
    "warc_record": "a WARC record is broken or truncated",
    "mode_unavailable": "the record needs a cleaning mode this version does not have",
    "engine_error": "the engine refused the document (too large, …)",
    "output_schema": "the record does not fit the output file's schema",
    "read_error": "the file could not be read",
}

#: Raw records larger than this are not copied into the quarantine file (only their size is).
RAW_LIMIT = 16 << 20


@dataclass
class Item:
    """One unit read from an input: a parsed ``record`` or an ``error`` ``(code, detail)``.

    ``locator`` says where it came from (``{"line": 12}``, ``{"record": 3, "offset": 4096}``, …);
    ``raw`` keeps the original bytes when a quarantine entry may need them.
    """

    source: str
    locator: dict[str, int]
    record: Optional[dict[str, Any]] = None
    raw: Optional[bytes] = None
    error: Optional[tuple[str, str]] = None
    size: int = 0


@dataclass
class Skipped:
    """Records a reader passed over on purpose (WARC requests, metadata, …): counted, not documents."""

    reason: str
    count: int = 1


@dataclass
class QuarantineEntry:
    """One line of the quarantine file."""

    source: str
    locator: dict[str, int]
    code: str
    reason: str
    id: Optional[Any] = None
    raw: Optional[bytes] = None
    record: Optional[dict[str, Any]] = field(default=None, repr=False)

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form: source, locator keys, reason code and text, id, and the raw record if kept."""
        out: dict[str, Any] = {
            "source": self.source,
            **self.locator,
            "code": self.code,
            "reason": self.reason,
        }
        if self.id is not None:
            out["id"] = self.id
        if self.raw is not None:
            out["raw_bytes"] = len(self.raw)
            if len(self.raw) <= RAW_LIMIT:
                try:
                    out["raw"] = self.raw.decode("utf-8")
                except UnicodeDecodeError:
                    out["raw_b64"] = base64.b64encode(self.raw).decode("ascii")
        elif self.record is not None:
            out["record"] = self.record
        return out


_MISSING = object()


def get_path(record: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` (``meta.body.text``) in ``record``, or :data:`MISSING`."""
    if path in record:
        return record[path]
    cur: Any = record
    for part in path.split("."):
        if isinstance(cur, dict) and part in cur:
            cur = cur[part]
        else:
            return _MISSING
    return cur


def set_path(record: dict[str, Any], path: str, value: Any) -> None:
    """Set dotted ``path`` in ``record`` in place (an existing key keeps its position)."""
    if path in record or "." not in path:
        record[path] = value
        return
    parts = path.split(".")
    cur = record
    for part in parts[:-1]:
        nxt = cur.get(part)
        if not isinstance(nxt, dict):
            nxt = {}
            cur[part] = nxt
        cur = nxt
    cur[parts[-1]] = value


MISSING: Any = _MISSING
