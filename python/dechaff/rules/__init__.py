"""Rule files shipped with dechaff, and loading of user rule files.

Rules are data: one TOML file per language (``en.toml``) plus ``common.toml`` for
language-independent rules. The schema is documented in ``SEMANTICS.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Union

from ..errors import OptionError, RuleError

if TYPE_CHECKING:
    from importlib.abc import Traversable

RuleSource = Union[str, "os.PathLike[str]"]

_COMMON = "common.toml"


def _shipped() -> Traversable:
    """Where the shipped rule files are. Their directory when the package is installed as files
    (every wheel install), without importing ``importlib.resources`` (and what it imports): about
    9 ms of each CLI start. Otherwise (a zipped package), the files ``importlib.resources`` finds."""
    here = Path(__file__).parent
    if (here / _COMMON).is_file():
        return here
    from importlib import resources

    return resources.files(__name__)


def available_languages() -> list[str]:
    """Languages with a shipped rule file (``common.toml`` applies to all of them)."""
    names = [p.name for p in _shipped().iterdir() if p.name.endswith(".toml")]
    return sorted(n[: -len(".toml")] for n in names if n != _COMMON)


def builtin_sources(lang: str) -> list[tuple[str, str]]:
    """``(name, TOML text)`` of the shipped rule files for ``lang``: one language, several joined
    by ``+`` (``"de+en"``), or ``"auto"`` (every language); ``common.toml`` always comes first."""
    langs = available_languages()
    wanted = langs if lang == "auto" else lang.split("+")
    for code in wanted:
        if code not in langs:
            raise OptionError(f"no rules for lang={lang!r}; available: auto, {', '.join(langs)}")
    files = _shipped()
    names = [_COMMON] + [f"{code}.toml" for code in dict.fromkeys(wanted)]
    return [(name, (files / name).read_text(encoding="utf-8")) for name in names]


def load_extra(extra: Iterable[RuleSource]) -> list[tuple[str, str]]:
    """Read user rule files: each item is a path to a TOML file or a TOML string."""
    out: list[tuple[str, str]] = []
    for i, item in enumerate(extra):
        if isinstance(item, os.PathLike) or (isinstance(item, str) and "[[rule]]" not in item):
            path = Path(item)
            try:
                out.append((str(path), path.read_text(encoding="utf-8")))
            except (OSError, ValueError) as exc:  # ValueError: a NUL in the path, or bad UTF-8
                raise RuleError(f"cannot read rule file {str(path)!r}: {exc}") from exc
        elif isinstance(item, str):
            out.append((f"extra_rules[{i}]", item))
        else:
            raise RuleError(f"extra_rules[{i}] must be a path or a TOML string, not {type(item).__name__}")
    return out
