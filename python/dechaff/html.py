"""HTML mode: extract the main text and metadata of a page, then the article engine cleans it.

(Placeholder: the extraction lands with the HTML-mode issue.)
"""

from __future__ import annotations

from typing import Any

from .errors import ModeError


def extract_html(
    source: str | bytes | bytearray | memoryview,
    *,
    extractor: str = "trafilatura",
    timeout: float | None = 30.0,
) -> tuple[str, dict[str, Any]]:
    """Extract the main text of an HTML page: ``(text, metadata)``."""
    raise ModeError("mode='html' is not available yet")
