"""Type stub of the Rust extension ``dechaff._core`` (checked by mypy.stubtest in ``make lint``)."""

from collections.abc import Iterable
from typing import Any, Optional, final

from .api import Removal

__all__ = [
    "CATEGORIES",
    "LANGUAGES",
    "CleanResult",
    "DechaffError",
    "Engine",
    "InputError",
    "OptionError",
    "Result",
    "RuleError",
    "count_lines",
    "detect_language",
    "normalize",
    "tally",
]

__version__: str
LANGUAGES: list[str]
CATEGORIES: list[str]

_RawRemoval = tuple[int, int, str, str]

class DechaffError(ValueError): ...
class RuleError(DechaffError): ...
class InputError(DechaffError): ...
class OptionError(DechaffError): ...

@final
class Result:
    @property
    def text(self) -> str: ...
    @property
    def metadata(self) -> list[tuple[str, str]]: ...
    @property
    def mode(self) -> str: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def error(self) -> Optional[str]: ...
    @property
    def removal_count(self) -> int: ...
    @property
    def normalized_chars(self) -> int: ...
    def normalized(self) -> str: ...
    def removals(self) -> list[_RawRemoval]: ...
    def report(self) -> dict[str, Any]: ...

@final
class CleanResult:
    """What cleaning one document gives (see ``dechaff.CleanResult``)."""

    def __new__(
        cls,
        text: str,
        normalized: str,
        removals: Optional[Iterable[Removal]] = None,
        metadata: Optional[dict[str, Any]] = None,
        mode: Optional[str] = None,
        lang: Optional[str] = None,
    ) -> CleanResult: ...
    @staticmethod
    def _from_engine(raw: Result, metadata: dict[str, Any], mode: str) -> CleanResult: ...
    @property
    def text(self) -> str: ...
    @property
    def normalized(self) -> str: ...
    @property
    def removals(self) -> tuple[Removal, ...]: ...
    @property
    def metadata(self) -> dict[str, Any]: ...
    @property
    def mode(self) -> str: ...
    @property
    def lang(self) -> Optional[str]: ...
    @property
    def changed(self) -> bool: ...
    @property
    def chars_removed(self) -> int: ...
    def report(self) -> dict[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    __hash__: None  # type: ignore[assignment]
    def __reduce__(self) -> tuple[type[CleanResult], tuple[Any, ...]]: ...

@final
class Engine:
    def __new__(
        cls,
        sources: list[tuple[str, str]],
        *,
        strict: bool = False,
        disable: list[str] = ...,
        ascii_punctuation: bool = False,
        bullets: bool = False,
        space_before_punctuation: bool = False,
        french_spacing: bool = False,
        max_bytes: int = 0,
        detect_language: bool = False,
    ) -> Engine: ...
    def clean(self, text: str, mode: str = "article") -> Result: ...
    def clean_batch(self, texts: list[str], threads: int = 0, mode: str = "article") -> list[Result]: ...
    def clean_results(
        self, texts: list[str], threads: int = 0, mode: str = "article"
    ) -> list[CleanResult]: ...
    def clean_texts(
        self, texts: list[str], threads: int = 0, mode: str = "article"
    ) -> list[Optional[str]]: ...
    def detect_page(self, text: str) -> bool: ...
    def normalize(self, text: str) -> str: ...
    def rules(self) -> list[dict[str, Any]]: ...
    def clean_jsonl(
        self,
        block: bytes,
        text_field: str = "text",
        report_field: str = "dechaff",
        threads: int = 0,
        mode: str = "article",
        end: int | None = None,
    ) -> tuple[
        bytes,
        list[tuple[int, int, int, int]],
        tuple[int, int, int, int, int, int],
        list[tuple[str, str, int, int]],
        list[tuple[str, int]],
    ]: ...

def normalize(
    text: str,
    *,
    ascii_punctuation: bool = False,
    bullets: bool = False,
    space_before_punctuation: bool = False,
    french_spacing: bool = False,
) -> str: ...
def detect_language(text: str) -> Optional[str]: ...
def count_lines(data: bytes, end: Optional[int] = None) -> int: ...
def tally(results: list[Result]) -> tuple[list[tuple[str, str, int, int]], int, int, int, int]: ...
