"""The public API: :func:`clean_article`, :class:`Cleaner`, :class:`CleanResult`, :func:`normalize`."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple, Union, cast

from . import _core

# What cleaning one document gives: defined in the Rust extension, so that a batch makes one
# object per document without running Python code.
from ._core import CleanResult as CleanResult
from .errors import InputError, ModeError, OptionError, RuleError
from .rules import RuleSource, builtin_sources, load_extra

#: Cleaning modes. ``article``: already-extracted article text. ``page``: whole-page text
#: (one line per block). ``html``: raw HTML, extracted first. ``auto``: chosen per input.
MODES = ("auto", "article", "page", "html")

#: Modes the engine can run today; the others raise :class:`ModeError`.
AVAILABLE_MODES = ("article", "page", "html")

#: HTML extractors (``mode="html"``): trafilatura (default) or resiliparse (``dechaff[fast]``).
EXTRACTORS = ("trafilatura", "resiliparse")

TextInput = Union[str, bytes]


class Removal(NamedTuple):
    """One removed span: ``normalized[start:end] == text`` (code-point offsets)."""

    start: int
    end: int
    rule: str
    category: str
    text: str


def _check_encodable(text: object, error: type[Exception], what: str) -> None:
    """Rule files and option values must be valid text: a lone surrogate is refused, named."""
    if not isinstance(text, str):
        raise error(f"{what} must be a string, not {type(text).__name__}")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise error(f"{what} holds a character that is not valid Unicode text: {exc.reason}") from None


def _as_text(value: object, meta: dict[str, Any]) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (bytes, bytearray, memoryview)):
        raw = bytes(value)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            meta["encoding"] = "utf-8"
            meta["decode_errors"] = "replaced"
            return raw.decode("utf-8", "replace")
    raise InputError(f"expected str or bytes, not {type(value).__name__}")


#: What every text detect_mode calls HTML starts with (markup after white space).
_MARKUP_START = re.compile(r"\s*<")


#: The modes the engine runs itself (auto also, on text that cannot be HTML).
_ENGINE_MODES = ("article", "page")


def _engine_takes(mode: str, text: str) -> bool:
    """Whether ``text`` (a ``str``) goes straight to the engine in ``mode``: always in article and
    page mode; in auto mode when it does not start like markup (so it cannot be HTML)."""
    return mode in _ENGINE_MODES or (mode == "auto" and not _MARKUP_START.match(text))


_TAG = re.compile(r"<[a-z][a-z0-9]*(?:\s[^<>]*)?>")
_BLOCK_TAG = re.compile(r"<(?:body|div|p|article|head|section|main|table)[\s>]")


def detect_mode(text: str | bytes | bytearray | memoryview) -> str:
    """``html`` for markup, else ``auto`` (the engine then tells whole-page text from an article).

    See :meth:`Cleaner.detect_mode` for the full decision, page mode included."""
    if isinstance(text, (bytes, bytearray, memoryview)):
        text = bytes(text[:4096]).decode("latin-1")
    if not isinstance(text, str):
        raise InputError(f"expected str or bytes, not {type(text).__name__}")
    head = text[:4096].lstrip().lower()
    if head.startswith(("<!doctype html", "<html")):
        return "html"
    if head.startswith("<") and len(_TAG.findall(head)) >= 3 and _BLOCK_TAG.search(head):
        return "html"
    return "auto"


class Cleaner:
    """Compiled rules plus options: build once, clean many documents.

    Options: ``mode`` (see :data:`MODES`), ``lang`` (a rule pack from :data:`LANGUAGES`, several
    joined by ``+`` such as ``"de+en"``, or ``"auto"``: every pack, chosen per document by
    :func:`detect_language`; undetermined text gets every pack), ``disable`` (categories to keep),
    ``extra_rules`` (paths to TOML rule files or TOML strings), ``strict`` (also apply the
    riskier rules), ``ascii_punctuation``, ``bullets``, ``space_before_punctuation``
    (normalisation switches; with ``lang="fr"`` or ``"auto"`` the space French needs before
    ``; : ! ?`` stays), ``max_bytes`` (refuse
    larger documents; 0: no limit),
    ``threads`` for :meth:`clean_batch` (0: all cores), and for HTML input ``extractor``
    (see :data:`EXTRACTORS`) and ``timeout`` (seconds per page; ``None``: no limit).
    """

    def __init__(
        self,
        *,
        mode: str = "auto",
        lang: str = "en",
        disable: Iterable[str] = (),
        extra_rules: Iterable[RuleSource] = (),
        strict: bool = False,
        ascii_punctuation: bool = False,
        bullets: bool = False,
        space_before_punctuation: bool = False,
        max_bytes: int = 0,
        threads: int = 0,
        extractor: str = "trafilatura",
        timeout: float | None = 30.0,
    ) -> None:
        if mode not in MODES:
            raise ModeError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        if extractor not in EXTRACTORS:
            raise OptionError(f"unknown extractor {extractor!r}; choose one of {', '.join(EXTRACTORS)}")
        if timeout is not None and timeout <= 0:
            raise OptionError("timeout must be a positive number of seconds, or None")
        if isinstance(disable, str):
            disable = [disable]
        if max_bytes < 0 or threads < 0:
            raise OptionError("max_bytes and threads must be >= 0")
        self.mode = mode
        self.lang = lang
        self.strict = strict
        self.disable = tuple(disable)
        self.threads = threads
        self.extractor = extractor
        self.timeout = timeout
        _check_encodable(lang, OptionError, "lang")
        sources = builtin_sources(lang) + load_extra(extra_rules)
        for name, text in sources:
            _check_encodable(text, RuleError, f"rule source {name!r}")
        for category in self.disable:
            _check_encodable(category, OptionError, "disable")
        self._engine = _core.Engine(
            sources,
            strict=strict,
            disable=list(self.disable),
            ascii_punctuation=ascii_punctuation,
            bullets=bullets,
            space_before_punctuation=space_before_punctuation,
            french_spacing=lang == "fr",  # the engine adds it for lang="auto"
            max_bytes=max_bytes,
            detect_language=lang == "auto",
        )

    def __repr__(self) -> str:
        return (
            f"Cleaner(mode={self.mode!r}, lang={self.lang!r}, strict={self.strict}, disable={self.disable})"
        )

    def _resolve_mode(self, text: str | bytes | bytearray | memoryview) -> str:
        mode = detect_mode(text) if self.mode == "auto" else self.mode
        if mode not in AVAILABLE_MODES and mode != "auto":
            raise ModeError(f"mode={mode!r} is not available in this version of dechaff")
        return mode

    def detect_mode(self, text: TextInput) -> str:
        """The mode ``mode="auto"`` would run for ``text``: ``html``, ``page`` or ``article``."""
        mode = detect_mode(text)
        if mode == "html":
            return mode
        return "page" if self._engine.detect_page(_as_text(text, {})) else "article"

    def _result(self, raw: _core.Result, meta: dict[str, Any], mode: str) -> CleanResult:
        if raw.error is not None:
            raise InputError(raw.error)
        found = raw.metadata
        metadata = dict(found) if found else {}
        if meta:
            metadata.update(meta)
        return CleanResult._from_engine(raw, metadata, "html" if mode == "html" else raw.mode)

    def _prepare(self, value: object) -> tuple[str, dict[str, Any], str]:
        """Input → (text for the engine, metadata so far, mode). HTML is extracted here; the
        returned mode is ``html``, or the engine's ``article``, ``page`` or ``auto``."""
        if not isinstance(value, (str, bytes, bytearray, memoryview)):
            raise InputError(f"expected str or bytes, not {type(value).__name__}")
        mode = self._resolve_mode(value)
        meta: dict[str, Any] = {}
        if mode == "html":
            from .html import extract_html

            text, meta = extract_html(value, extractor=self.extractor, timeout=self.timeout)
            return text, meta, mode
        return _as_text(value, meta), meta, mode

    def clean(self, text: TextInput) -> CleanResult:
        """Clean one document (``str``, or ``bytes``: UTF-8 for text, the declared charset for HTML)."""
        if type(text) is str and _engine_takes(self.mode, text):
            # The common call, taken as clean_batch takes it: the engine makes the result itself.
            return self._engine.clean_results([text], 1, self.mode)[0]
        s, meta, mode = self._prepare(text)
        raw = self._engine.clean(s, "article" if mode == "html" else mode)
        return self._result(raw, meta, mode)

    def clean_batch(self, texts: Sequence[TextInput], threads: int | None = None) -> list[CleanResult]:
        """Clean many documents in parallel (the GIL is released); equal to ``[clean(t) for t in texts]``."""
        n = self.threads if threads is None else threads
        if all(type(t) is str for t in texts):
            strs = cast("list[str]", list(texts))
            # The common case, without the per-document preparation: text in, one engine mode,
            # every text one the engine takes (_engine_takes; checked per text only in auto mode).
            # The engine makes the results itself, as _result would.
            if self.mode in _ENGINE_MODES or all(_engine_takes(self.mode, t) for t in strs):
                return self._engine.clean_results(strs, n, self.mode)
        prepared = [self._prepare(t) for t in texts]
        strs = [p[0] for p in prepared]
        metas = [p[1] for p in prepared]
        modes = [p[2] for p in prepared]
        out: list[CleanResult | None] = [None] * len(strs)
        # One engine call per engine mode (a batch usually has one), each across all cores.
        for engine_mode in sorted({"article" if m == "html" else m for m in modes}):
            idx = [i for i, m in enumerate(modes) if ("article" if m == "html" else m) == engine_mode]
            raws = self._engine.clean_batch([strs[i] for i in idx], n, engine_mode)
            for i, raw in zip(idx, raws, strict=True):
                out[i] = self._result(raw, metas[i], modes[i])
        return [r for r in out if r is not None]

    def normalize(self, text: TextInput) -> str:
        """The normaliser alone, with this cleaner's options."""
        return self._engine.normalize(_as_text(text, {}))

    def rules(self) -> list[dict[str, Any]]:
        """The active rules (id, category, scope, action, region, match, …)."""
        return self._engine.rules()


@functools.lru_cache(maxsize=16)
def _cached_cleaner(key: tuple[tuple[str, Any], ...]) -> Cleaner:
    return Cleaner(**dict(key))


def _cleaner_for(options: dict[str, Any]) -> Cleaner:
    try:
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in options.items()))
        hash(key)
    except TypeError:
        return Cleaner(**options)
    if options.get("extra_rules"):
        return Cleaner(**options)  # rule files may change between calls: do not cache them
    return _cached_cleaner(key)


def clean_article(text: TextInput, *, mode: str = "auto", lang: str = "en", **options: Any) -> str:
    """Clean one article and return the clean text. See :class:`Cleaner` for the options.

    Engines are compiled once per distinct set of options and reused.
    """
    if not options and type(text) is str and _engine_takes(mode, text):
        # The common call, without building an options key: straight to the engine.
        cleaner = _plain_cleaners.get((mode, lang))
        if cleaner is None:
            cleaner = _plain_cleaners[(mode, lang)] = _cleaner_for({"mode": mode, "lang": lang})
        return cleaner._engine.clean(text, mode).text
    return _cleaner_for({"mode": mode, "lang": lang, **options}).clean(text).text


#: Cleaners of plain ``clean_article(text, mode=..., lang=...)`` calls, by (mode, lang).
_plain_cleaners: dict[tuple[str, str], Cleaner] = {}


def normalize(
    text: TextInput,
    *,
    ascii_punctuation: bool = False,
    bullets: bool = False,
    space_before_punctuation: bool = False,
    french_spacing: bool = False,
) -> str:
    """Normalise text: NFC, one line ending, no invisible or control characters, single spaces,
    at most one blank line between paragraphs; optionally ASCII punctuation, ``- `` bullets and
    no space before closing punctuation (``french_spacing``: except before ``; : ! ?``). Lone
    surrogates become U+FFFD."""
    s = _as_text(text, {})
    kwargs = {
        "ascii_punctuation": ascii_punctuation,
        "bullets": bullets,
        "space_before_punctuation": space_before_punctuation,
        "french_spacing": french_spacing,
    }
    return _core.normalize(s, **kwargs)


def list_rules(lang: str = "en") -> list[dict[str, Any]]:
    """Every shipped rule for ``lang`` (strict ones included, flagged ``strict``)."""
    return Cleaner(lang=lang, strict=True).rules()


#: Languages with a rule pack and known to :func:`detect_language`.
LANGUAGES: tuple[str, ...] = tuple(_core.LANGUAGES)


def detect_language(text: TextInput) -> str | None:
    """The language ``lang="auto"`` picks rules for: a code from :data:`LANGUAGES`, or ``None``
    when the text has too few function words of one language or is in another script.

    It reads the first 64 KiB: letters by script (Cyrillic: Russian or Ukrainian by the letters
    and function words only one of them uses), then counts of frequent short words."""
    return _core.detect_language(_as_text(text, {}))


def categories() -> list[str]:
    """The categories the shipped rules use."""
    return list(_core.CATEGORIES)
