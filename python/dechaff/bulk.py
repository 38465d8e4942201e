"""Bulk cleaning: stream records from many files through the engine, in order, resumably.

The shape of a run::

    reader thread:  read + parse a batch of records (Python, holds the GIL)
    main thread:    pick each record's text → Engine.clean_batch(texts, threads)  (Rust, GIL released,
                    rayon across ``workers`` threads) → update records, write, count
    quarantine:     every record that cannot be cleaned, with its reason and the raw record

One batch is parsed while the previous one is cleaned, so memory is a few batches whatever the size
of the dump. Output order is input order. With an output directory each input file becomes one output
shard, written atomically and marked done in ``<dir>/.dechaff/``; ``resume=True`` skips finished shards,
so an interrupted run finishes with the same bytes an uninterrupted one writes.

HTML records go through :func:`dechaff.html.extract_html` in a pool of worker processes, each
with its own per-page timeout; a page whose extraction fails or times out is quarantined.
"""

from __future__ import annotations

import os
import queue
import shutil
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, Optional, TypeVar

from . import __version__, _core
from .api import LANGUAGES, Cleaner, detect_mode
from .errors import DechaffError, InputError, OptionError
from .io import jsonlib
from .io.compression import compression_from_name
from .io.readers import (
    InputFile,
    JsonlBlock,
    Reader,
    ReadEvent,
    jsonl_item,
    open_reader,
    split_suffixes,
)
from .io.records import MISSING, Item, QuarantineEntry, Skipped, get_path, set_path
from .io.remote import input_version, is_url
from .io.writers import (
    AtomicFile,
    JsonlWriter,
    ParquetWriter,
    RecordWriter,
    TxtDirWriter,
    output_format_from_name,
)
from .options import BulkOptions, make_cleaner

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

T = TypeVar("T")

#: Output formats accepted by ``format``; ``auto`` follows ``-o``'s extension (or the input, for a directory).
FORMAT_CHOICES = ("auto", "jsonl", "jsonl.gz", "jsonl.zst", "jsonl.bz2", "jsonl.xz", "parquet", "txt")

STATE_DIR = ".dechaff"


# ---------------------------------------------------------------------------------------------- stats


@dataclass
class Stats:
    """Counters of a run (or one shard). ``read == written + quarantined`` always holds."""

    files: int = 0
    read: int = 0
    written: int = 0
    quarantined: int = 0
    changed: int = 0
    emptied: int = 0
    skipped: int = 0
    chars_before: int = 0
    chars_after: int = 0
    bytes_in: int = 0
    removals_by_category: Counter[str] = field(default_factory=Counter)
    chars_by_category: Counter[str] = field(default_factory=Counter)
    removals_by_rule: Counter[str] = field(default_factory=Counter)
    chars_by_rule: Counter[str] = field(default_factory=Counter)
    quarantine_reasons: Counter[str] = field(default_factory=Counter)
    skip_reasons: Counter[str] = field(default_factory=Counter)
    #: Documents written per language pack that ran, when it varies per document (``lang="auto"``,
    #: where ``all`` means undetermined, or ``lang_field``).
    languages: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def chars_removed(self) -> int:
        """Characters of normalised text removed by rules."""
        return self.chars_before - self.chars_after

    @property
    def balanced(self) -> bool:
        """True when every record read was either written or quarantined."""
        return self.read == self.written + self.quarantined

    def merge(self, other: Stats) -> None:
        """Add ``other``'s counts (not its time) into this one."""
        for name in (
            "files",
            "read",
            "written",
            "quarantined",
            "changed",
            "emptied",
            "skipped",
            "chars_before",
            "chars_after",
            "bytes_in",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in (
            "removals_by_category",
            "chars_by_category",
            "removals_by_rule",
            "chars_by_rule",
            "quarantine_reasons",
            "skip_reasons",
            "languages",
        ):
            getattr(self, name).update(getattr(other, name))

    def to_json(self) -> dict[str, Any]:
        """JSON-ready form (``stats.json``)."""
        mb = self.bytes_in / 1e6
        return {
            "dechaff_version": __version__,
            "files": self.files,
            "documents": {
                "read": self.read,
                "written": self.written,
                "quarantined": self.quarantined,
                "changed": self.changed,
                "emptied": self.emptied,
                "balanced": self.balanced,
            },
            "skipped_records": self.skipped,
            "skip_reasons": dict(sorted(self.skip_reasons.items())),
            "chars": {"before": self.chars_before, "after": self.chars_after, "removed": self.chars_removed},
            "categories": {
                c: {"removals": n, "chars": self.chars_by_category[c]}
                for c, n in sorted(self.removals_by_category.items(), key=lambda kv: (-kv[1], kv[0]))
            },
            "rules": {
                r: {"removals": n, "chars": self.chars_by_rule[r]}
                for r, n in sorted(self.removals_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
            },
            "quarantine_reasons": dict(sorted(self.quarantine_reasons.items())),
            "languages": dict(sorted(self.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "bytes_in": self.bytes_in,
            "seconds": round(self.seconds, 3),
            "mb_per_s": round(mb / self.seconds, 2) if self.seconds > 0 else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Stats:
        """Rebuild counts from :meth:`to_json` output (as stored in a shard's done marker)."""
        docs = data["documents"]
        s = cls(
            files=data["files"],
            read=docs["read"],
            written=docs["written"],
            quarantined=docs["quarantined"],
            changed=docs["changed"],
            emptied=docs["emptied"],
            skipped=data["skipped_records"],
            chars_before=data["chars"]["before"],
            chars_after=data["chars"]["after"],
            bytes_in=data["bytes_in"],
        )
        for c, v in data["categories"].items():
            s.removals_by_category[c] = v["removals"]
            s.chars_by_category[c] = v["chars"]
        for r, v in data["rules"].items():
            s.removals_by_rule[r] = v["removals"]
            s.chars_by_rule[r] = v["chars"]
        s.quarantine_reasons.update(data["quarantine_reasons"])
        s.skip_reasons.update(data["skip_reasons"])
        s.languages.update(data.get("languages", {}))  # absent in done markers written before it existed
        return s


# ------------------------------------------------------------------------------------ HTML extraction


class HtmlExtractor:
    """Turns HTML into article text. Subclasses run extraction (Python work) in a process pool.

    :meth:`extract` returns, per document, the text or an error ``(code, detail)``.
    """

    def extract(self, html: Sequence[str]) -> list[str | tuple[str, str]]:
        """Extract the text of each document, in order."""
        raise NotImplementedError

    def close(self) -> None:
        """Shut the pool down."""


def _extract_one(job: tuple[str, str, Optional[float]]) -> str | tuple[str, str]:
    """One page through :func:`dechaff.html.extract_html`: its text, or ``(code, reason)`` when the
    extractor failed or timed out (a page with no main text gives an empty text, not an error)."""
    from .html import extract_html

    html, extractor, timeout = job
    try:
        text, meta = extract_html(html, extractor=extractor, timeout=timeout)
    except DechaffError as exc:
        return ("html_error", str(exc))
    error = meta.get("error")
    if error and error != "no main text found":
        return ("html_timeout" if str(error).startswith("timeout") else "html_error", str(error))
    return text


class ProcessHtmlExtractor(HtmlExtractor):
    """HTML extraction in a pool of worker processes (extraction is Python work that holds the GIL).
    Each process runs :func:`dechaff.html.extract_html`, whose own worker enforces the per-page
    timeout; output order is input order."""

    def __init__(self, workers: int, extractor: str = "trafilatura", timeout: Optional[float] = 30.0) -> None:
        self.extractor = extractor
        self.timeout = timeout
        self.workers = max(1, workers)
        self._pool: Optional[ProcessPoolExecutor] = None

    def extract(self, html: Sequence[str]) -> list[str | tuple[str, str]]:
        """Extract every page, in order."""
        jobs = [(h, self.extractor, self.timeout) for h in html]
        if self.workers == 1 or len(jobs) == 1:
            return [_extract_one(j) for j in jobs]
        if self._pool is None:
            # imported here: runs without HTML start 10 ms sooner without multiprocessing
            import multiprocessing
            from concurrent.futures import ProcessPoolExecutor

            self._pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))
        return list(self._pool.map(_extract_one, jobs, chunksize=max(1, len(jobs) // (self.workers * 4))))

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


# ------------------------------------------------------------------------------------------ utilities


def prefetch(iterator: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Run ``iterator`` in a background thread, ``depth`` items ahead; re-raise its exceptions here."""
    q: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        q.put((0, item), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put((1, None))
        except BaseException as exc:
            q.put((2, exc))

    t = threading.Thread(target=work, name="dechaff-reader", daemon=True)
    t.start()
    try:
        while True:
            kind, value = q.get()
            if kind == 0:
                yield value
            elif kind == 1:
                return
            else:
                raise value
    finally:
        stop.set()


def batches(events: Iterable[ReadEvent], max_docs: int, max_bytes: int) -> Iterator[list[ReadEvent]]:
    """Group events into lists of at most ``max_docs`` items or about ``max_bytes`` input bytes."""
    batch: list[ReadEvent] = []
    size = 0
    for ev in events:
        batch.append(ev)
        if isinstance(ev, Item):
            size += ev.size
        if len(batch) >= max_docs or size >= max_bytes:
            yield batch
            batch = []
            size = 0
    if batch:
        yield batch


# ----------------------------------------------------------------------------------------- processing


#: Three-letter codes (ISO 639-2/3) of the languages with a rule pack.
_THREE_LETTER = {"eng": "en", "deu": "de", "ger": "de", "fra": "fr", "fre": "fr", "spa": "es"}
_THREE_LETTER.update({"ita": "it", "por": "pt", "rus": "ru", "ukr": "uk"})


def language_pack(label: object) -> Optional[str]:
    """The rule pack for a record's language label, or None when there is none.

    Labels are read as a language code followed by an optional region or script (``de``, ``de-AT``,
    ``pt_BR``, ``deu_Latn``, ``ENG``); two- and three-letter codes both work. Anything else, or a
    language without a pack (``ja``), gives None.
    """
    if not isinstance(label, str):
        return None
    code = label.strip().lower().replace("-", "_").split("_", 1)[0]
    code = _THREE_LETTER.get(code, code)
    return code if code in LANGUAGES else None


class Processor:
    """Cleans batches of items: picks the text, runs the engine, builds output records and reports."""

    def __init__(
        self, opts: BulkOptions, cleaner: Cleaner, extractor: Optional[HtmlExtractor] = None
    ) -> None:
        self.opts = opts
        self.cleaner = cleaner
        self.html_key = opts.html_field or "html"
        self.workers = opts.workers if opts.workers > 0 else (os.cpu_count() or 1)
        # On this path the reader and this thread hold the GIL for every record (parsing, records,
        # reports, serialising): one of the workers' cores is theirs, the others clean. An engine
        # thread more only took CPU from them (200 MB dump, 2 cores, article mode: 1 engine thread
        # 3.6-3.9 s, 2 threads 4.0-5.1 s; page mode 5.5-5.9 s against 6.6 s).
        self.engine_threads = max(1, self.workers - 1)
        self.extractor = extractor or ProcessHtmlExtractor(
            self.workers, opts.html_extractor, opts.html_timeout
        )
        # The engine's own modes: "auto" lets it tell whole-page text from an extracted article.
        self.engine_mode = {"article": "article", "page": "page", "auto": "auto", "html": "article"}[
            opts.mode
        ]
        self._pool: Optional[ThreadPoolExecutor] = None
        #: Cleaners by rule pack, for ``lang_field`` (built on first use).
        self._pack_cleaners: dict[str, Cleaner] = {}

    def _pack_of(self, record: dict[str, Any]) -> Optional[str]:
        """The rule pack ``record``'s language field names (None: the run's own ``--lang``); its
        cleaner is built on first use."""
        if self.opts.lang_field is None:
            return None
        pack = language_pack(get_path(record, self.opts.lang_field))
        if pack is not None and pack not in self._pack_cleaners:
            self._pack_cleaners[pack] = make_cleaner(self.opts, pack)
        return pack

    def _pack_cleaner(self, pack: Optional[str]) -> Cleaner:
        """The cleaner of rule pack ``pack`` (None: the run's own)."""
        return self.cleaner if pack is None else self._pack_cleaners[pack]

    def _quarantine(self, item: Item, code: str, reason: str) -> QuarantineEntry:
        ident = get_path(item.record, self.opts.id_field) if item.record is not None else None
        return QuarantineEntry(
            source=item.source,
            locator=item.locator,
            code=code,
            reason=reason,
            id=None if ident is MISSING else ident,
            raw=item.raw,
            record=item.record if item.raw is None else None,
        )

    def process(self, batch: Sequence[ReadEvent], stats: Stats) -> list[tuple[str, Any, Any]]:
        """Clean one batch. Returns, in input order, ``("write", record, report)`` and
        ``("quarantine", entry, None)`` outcomes; counts skips and documents into ``stats``."""
        return self.finish(self.prepare(batch, stats), stats)

    def prepare(self, batch: Sequence[ReadEvent], stats: Stats) -> _Pending:
        """First half of :meth:`process`: pick texts, quarantine what cannot be cleaned, and start
        the engine on the rest in the background. Pass the result to :meth:`finish`."""
        opts = self.opts
        outcomes: list[Optional[tuple[str, Any, Any]]] = []
        # Texts by the rule pack their record's language field names (None: the run's --lang).
        texts: dict[Optional[str], list[str]] = {}
        slots_of: dict[Optional[str], list[int]] = {}
        html: list[str] = []
        html_slots: list[int] = []
        items: list[Item] = []
        packs: dict[int, str] = {}
        for ev in batch:
            if isinstance(ev, Skipped):
                stats.skipped += ev.count
                stats.skip_reasons[ev.reason] += ev.count
                continue
            item = ev
            stats.read += 1
            stats.bytes_in += item.size
            slot = len(items)
            items.append(item)
            outcomes.append(None)
            if item.error is not None:
                outcomes[slot] = ("quarantine", self._quarantine(item, *item.error), None)
                continue
            rec = item.record
            assert rec is not None
            value: Any = MISSING
            kind = "text"
            if opts.html_field is not None:
                value = get_path(rec, opts.html_field)
                kind = "html"
            if value is MISSING or value is None:
                value = get_path(rec, opts.text_field)
                kind = "text"
            if value is MISSING and opts.html_field is None and self.html_key in rec:
                value = rec[self.html_key]
                kind = "html"
            if value is MISSING:
                wanted = f"{opts.text_field!r}" + (f" or {opts.html_field!r}" if opts.html_field else "")
                outcomes[slot] = (
                    "quarantine",
                    self._quarantine(item, "missing_field", f"no field {wanted}"),
                    None,
                )
                continue
            if not isinstance(value, str):
                outcomes[slot] = (
                    "quarantine",
                    self._quarantine(
                        item, "field_not_string", f"field is {type(value).__name__}, not a string"
                    ),
                    None,
                )
                continue
            if kind == "text" and (
                opts.mode == "html"
                or (opts.mode == "auto" and value.lstrip()[:1] == "<" and detect_mode(value) == "html")
            ):
                kind = "html"
            pack = self._pack_of(rec)
            if pack is not None:
                packs[slot] = pack
            if kind == "html":
                html.append(value)
                html_slots.append(slot)
            else:
                texts.setdefault(pack, []).append(value)
                slots_of.setdefault(pack, []).append(slot)
        text_slots: list[int] = []
        futures: list[Future[list[Any]]] = []
        for pack, group in texts.items():
            futures += self._submit(group, self.engine_mode, self._pack_cleaner(pack))
            text_slots += slots_of[pack]
        if html:
            extracted: dict[Optional[str], list[str]] = {}
            extracted_slots: dict[Optional[str], list[int]] = {}
            for slot, res in zip(html_slots, self.extractor.extract(html), strict=True):
                if isinstance(res, tuple):
                    outcomes[slot] = ("quarantine", self._quarantine(items[slot], *res), None)
                else:
                    extracted.setdefault(packs.get(slot), []).append(res)
                    extracted_slots.setdefault(packs.get(slot), []).append(slot)
            # Extracted main text is an article: no page-mode guess on it.
            for pack, group in extracted.items():
                futures += self._submit(group, "article", self._pack_cleaner(pack))
                text_slots += extracted_slots[pack]
        return _Pending(outcomes, items, text_slots, futures, packs)

    def finish(self, pending: _Pending, stats: Stats) -> list[tuple[str, Any, Any]]:
        """Second half of :meth:`process`: wait for the engine, build records and reports, count."""
        outcomes = pending.outcomes
        slots = iter(pending.text_slots)
        for fut in pending.futures:
            raws = fut.result()
            rules, chars_before, chars_after, changed, emptied = _core.tally(raws)
            _add_rule_counts(stats, rules)
            stats.chars_before += chars_before
            stats.chars_after += chars_after
            stats.changed += changed
            stats.emptied += emptied
            for raw in raws:
                slot = next(slots)
                outcomes[slot] = self._finish(pending.items[slot], raw, stats, pending.packs.get(slot))
        return [o for o in outcomes if o is not None]

    def _submit(self, texts: list[str], mode: str, cleaner: Cleaner) -> list[Future[list[Any]]]:
        """Start the engine on ``texts`` on ``engine_threads`` threads; the futures' results, in order, are
        the results of ``texts``.

        Each thread calls ``clean_batch(chunk, 1)``, which releases the GIL, so the threads run in
        parallel with each other and with the Python work on the previous batch. The threads persist
        across batches (warm per-thread engine caches).
        """
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.engine_threads, thread_name_prefix="dechaff-engine")
        n = min(len(texts), self.engine_threads * 4) if self.engine_threads > 1 else 1
        step = -(-len(texts) // n)
        return [
            self._pool.submit(cleaner._engine.clean_batch, texts[i : i + step], 1, mode)
            for i in range(0, len(texts), step)
        ]

    def close(self) -> None:
        """Stop the engine threads and the extraction processes."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self.extractor.close()

    def _finish(self, item: Item, raw: Any, stats: Stats, pack: Optional[str] = None) -> tuple[str, Any, Any]:
        """One engine result as its outcome; :meth:`finish` has counted its removals and sizes."""
        if raw.error is not None:
            return ("quarantine", self._quarantine(item, "engine_error", str(raw.error)), None)
        report = raw.report()  # what CleanResult.report() gives, built in the engine
        lang = raw.lang if pack is None else pack
        if pack is not None:
            report["lang"] = pack  # the pack the record's language field chose
        if lang is not None:
            stats.languages[lang] += 1
        rec = item.record
        assert rec is not None
        if not self.opts.dry_run:
            set_path(rec, self.opts.text_field, raw.text)
            if self.opts.report is None:
                rec[self.opts.report_field] = report
        return ("write", rec, report)


def _add_rule_counts(stats: Stats, rules: Iterable[tuple[str, str, int, int]]) -> None:
    """Add (rule, category, removals, characters) counts to ``stats``."""
    for rule, cat, n, chars in rules:
        stats.removals_by_rule[rule] += n
        stats.chars_by_rule[rule] += chars
        stats.removals_by_category[cat] += n
        stats.chars_by_category[cat] += chars


@dataclass
class _Pending:
    """A batch between :meth:`Processor.prepare` and :meth:`Processor.finish`."""

    outcomes: list[Optional[tuple[str, Any, Any]]]
    items: list[Item]
    text_slots: list[int]
    futures: list[Future[list[Any]]]
    #: Rule pack by slot, for records whose language field named one.
    packs: dict[int, str]


# -------------------------------------------------------------------------------------------- running


@dataclass
class Shard:
    """One input and where its output goes (``output`` is None when writing to one file or stdout)."""

    source: InputFile
    output: Optional[str] = None
    format: str = "jsonl"
    key: str = ""


class _Sink:
    """JSONL side output (quarantine or report lines), atomic, or stdout; ``None`` path drops lines."""

    def __init__(self, path: Optional[str], stdout: Optional[BinaryIO] = None, tmp_dir: Optional[str] = None):
        self.count = 0
        self._file: Optional[AtomicFile] = None
        self._fh: Optional[BinaryIO] = None
        if path == "-":
            self._fh = stdout or sys.stdout.buffer
        elif path is not None:
            self._file = AtomicFile(path, tmp_dir=tmp_dir)
            self._fh = self._file.fh

    def write(self, obj: dict[str, Any]) -> None:
        if self._fh is not None:
            self._fh.write(jsonlib.dumps(obj) + b"\n")
        self.count += 1

    def commit(self) -> None:
        if self._file is not None:
            self._file.commit()
        elif self._fh is not None:
            self._fh.flush()

    def abort(self) -> None:
        if self._file is not None:
            self._file.abort()


def is_directory_output(path: str, fmt: str) -> bool:
    """True when ``-o path`` names a directory: it is one, ends with ``/``, or has no known extension."""
    if path == "-":
        return False
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        return True
    if os.path.exists(path):
        return False  # an existing file, /dev/null, a FIFO, …
    low = path.lower()
    return not any(
        low.endswith(ext)
        for ext in (
            ".jsonl",
            ".ndjson",
            ".json",
            ".gz",
            ".zst",
            ".zstd",
            ".bz2",
            ".xz",
            ".parquet",
            ".pq",
            ".txt",
        )
    )


def _shard_output(source: InputFile, fmt: str, out_dir: str, reader_format: Optional[str]) -> tuple[str, str]:
    stem, in_fmt, in_comp = split_suffixes(source.name)
    if fmt == "auto":
        if in_fmt in ("parquet", "pq"):
            fmt = "parquet"
        elif in_fmt in ("jsonl", "ndjson", "json") and in_comp:
            fmt = f"jsonl.{'zst' if in_comp == 'zstd' else in_comp}"
        else:
            fmt = "jsonl"
    if fmt == "txt":
        single = reader_format in ("text", "html")
        return os.path.join(out_dir, stem + (".txt" if single else "")), fmt
    return os.path.join(out_dir, f"{stem}.{fmt}"), fmt


def _input_version(path: str) -> tuple[int, Any]:
    """An input's size and what tells one version of it from the next (``--resume`` compares both):
    the modification time of a local file, the file system's modification time or ETag of a remote one."""
    if is_url(path):
        return input_version(path)
    st = os.stat(path)
    return st.st_size, st.st_mtime_ns


def _key(rel: str) -> str:
    import hashlib

    return (
        hashlib.sha1(rel.encode("utf-8")).hexdigest()[:12] + "-" + rel.replace(os.sep, "_").replace("/", "_")
    )


ProgressFn = Callable[[int], None]


class BulkRun:
    """One ``dechaff clean`` run over ``inputs`` with ``opts``. Call :meth:`run`; read :attr:`stats`.

    ``cleaner``, when given, is the one :func:`make_cleaner` makes of ``opts`` (built beforehand,
    for instance on another thread); otherwise the run builds it.
    """

    def __init__(
        self,
        inputs: list[InputFile],
        opts: BulkOptions,
        *,
        stdin: Optional[BinaryIO] = None,
        stdout: Optional[BinaryIO] = None,
        progress: Optional[Any] = None,
        extractor: Optional[HtmlExtractor] = None,
        cleaner: Optional[Cleaner] = None,
    ) -> None:
        if opts.decode_errors not in ("quarantine", "replace"):
            raise OptionError("decode_errors must be 'quarantine' or 'replace'")
        if opts.format not in FORMAT_CHOICES:
            raise OptionError(f"unknown format {opts.format!r}; choose one of {', '.join(FORMAT_CHOICES)}")
        for what, path in (
            ("output", opts.output),
            ("quarantine", opts.quarantine),
            ("report", opts.report),
            ("stats", opts.stats),
        ):
            if path is not None and is_url(path):
                raise OptionError(
                    f"{what} {path}: remote outputs are not supported (shards are written atomically by "
                    "renaming files); write to a local path and copy it"
                )
        self.inputs = inputs
        self.opts = opts
        self.stdin = stdin
        self.stdout = stdout
        self.progress = progress
        self.cleaner = cleaner if cleaner is not None else make_cleaner(opts, opts.lang)
        self.processor = Processor(opts, self.cleaner, extractor)
        self._block_pool: Optional[ThreadPoolExecutor] = None
        self.stats = Stats()
        self.resumed_shards = 0
        self.dir_mode = not opts.dry_run and is_directory_output(opts.output, opts.format)
        if opts.output == "-" and not opts.dry_run and opts.format not in ("auto", "jsonl", "txt"):
            raise OptionError(
                f"-f {opts.format} cannot go to stdout: write JSONL and compress it in the pipe, "
                "or pass -o FILE"
            )
        self.quarantine_path = opts.quarantine
        if self.quarantine_path is None and not opts.dry_run and opts.output != "-":
            if self.dir_mode:
                self.quarantine_path = os.path.join(opts.output, "quarantine.jsonl")
            else:
                stem, _, _ = split_suffixes(opts.output)
                self.quarantine_path = stem + ".quarantine.jsonl"
        self._refuse_clobbering()

    def _refuse_clobbering(self) -> None:
        """Refuse options under which one file the run writes would replace another, or an input
        (``--quarantine x.jsonl`` beside ``-o x.jsonl``, ``-o`` naming the input), or the report
        field would replace the text, id or HTML field of each record."""
        opts = self.opts
        if opts.dry_run:
            written = [("--report", opts.report)]
        else:
            output = None if self.dir_mode or opts.output == "-" else opts.output
            written = [
                ("-o", output),
                ("--quarantine", self.quarantine_path),
                ("--report", opts.report),
                ("--stats", opts.stats),
            ]
        seen: dict[str, str] = {}
        for flag, path in written:
            if path is None or path == "-":
                continue
            real = os.path.realpath(path)
            if real in seen:
                raise OptionError(f"{seen[real]} and {flag} both name {path}: each needs a file of its own")
            seen[real] = flag
        for source in self.inputs:
            if source.path == "-" or is_url(source.path):
                continue
            writer = seen.get(os.path.realpath(source.path))
            if writer is not None:
                raise OptionError(f"{writer} names the input {source.path}: writing it would destroy it")
        if opts.report is None and not opts.dry_run:
            fields = [("--text-field", opts.text_field), ("--id-field", opts.id_field)]
            for flag, field in [*fields, ("--html-field", opts.html_field)]:
                if field and field == opts.report_field:
                    raise OptionError(
                        f"--report-field {field!r} is also the {flag}: the report would replace that field"
                    )

    # -- progress ------------------------------------------------------------------------------------
    def _advance(self, n: int) -> None:
        if self.progress is not None and n > 0:
            self.progress.update(n)

    # -- the loop over one reader ----------------------------------------------------------------------
    def _pump(
        self, reader: Reader, writer: Optional[RecordWriter], quarantine: _Sink, report: _Sink, stats: Stats
    ) -> None:
        opts = self.opts
        proc = self.processor
        if self._fast_path_fits(writer):
            blocks = reader.jsonl_blocks(opts.block_bytes)
            if blocks is not None:
                assert isinstance(writer, JsonlWriter)
                self._pump_blocks(reader, blocks, writer, quarantine, report, stats)
                return
        last = 0
        pending: Optional[_Pending] = None
        # one batch in the engine while the previous one is finished and written here
        for batch in prefetch(batches(reader.events(), opts.batch_docs, opts.batch_bytes)):
            nxt = proc.prepare(batch, stats)
            if pending is not None:
                self._emit(reader, proc.finish(pending, stats), writer, quarantine, report, stats)
            pending = nxt
            pos = reader.position()
            self._advance(pos - last)
            last = pos
        if pending is not None:
            self._emit(reader, proc.finish(pending, stats), writer, quarantine, report, stats)
        if reader.size:
            self._advance(reader.size - last)

    def _fast_path_fits(self, writer: Optional[RecordWriter]) -> bool:
        """Whether :meth:`_pump_blocks` gives this run's output: JSONL out with orjson (whose bytes
        the Rust path reproduces), the report in a field, text records (no HTML field or mode)."""
        opts = self.opts
        return (
            opts.fast_path
            and jsonlib.FAST
            and isinstance(writer, JsonlWriter)
            and not opts.dry_run
            and opts.report is None
            and opts.html_field is None
            and opts.lang_field is None
            and opts.mode in ("auto", "article", "page")
        )

    def _pump_blocks(
        self,
        reader: Reader,
        blocks: Iterator[JsonlBlock | Item],
        writer: JsonlWriter,
        quarantine: _Sink,
        report: _Sink,
        stats: Stats,
    ) -> None:
        """The JSONL fast path. A reader thread reads and decompresses blocks of whole lines; each
        block goes to ``Engine.clean_jsonl`` (Rust, GIL released, one thread per block), which parses, cleans
        and serialises every record it can reproduce exactly; while the next block is cleaned, this
        thread writes the previous one and runs the lines handed back (malformed, quarantined, …)
        through the general path at their place, so output, quarantine and counts are the same."""
        opts = self.opts
        proc = self.processor
        engine = self.cleaner._engine
        # One block per worker in the engine at once, each cleaned on its own thread: blocks are
        # independent, and splitting one block's documents across threads (rayon) only added
        # work (200 MB dump, 2 workers, 16 interleaved pairs: median 1.21 s with two blocks on
        # two rayon threads each, 1.17 s with a thread per block; same output).
        engine_blocks = proc.workers
        if self._block_pool is None:
            self._block_pool = ThreadPoolExecutor(engine_blocks, thread_name_prefix="dechaff-block")
        pool = self._block_pool
        inflight: deque[tuple[JsonlBlock, Future[Any]]] = deque()
        last = 0

        def finish_one() -> None:
            nonlocal last
            blk, fut = inflight.popleft()
            self._emit_block(reader, blk, fut.result(), writer, quarantine, report, stats)
            pos = reader.position()
            self._advance(pos - last)
            last = pos

        try:
            for ev in prefetch(blocks):
                if isinstance(ev, Item):  # a binary file or a broken stream: after what came before
                    while inflight:
                        finish_one()
                    self._emit(reader, proc.process([ev], stats), writer, quarantine, report, stats)
                    continue
                fut = pool.submit(
                    engine.clean_jsonl,
                    ev.data,
                    opts.text_field,
                    opts.report_field,
                    1,
                    proc.engine_mode,
                    ev.end,
                )
                inflight.append((ev, fut))
                if len(inflight) > engine_blocks:  # blocks in the engine while the one before is written
                    finish_one()
            while inflight:
                finish_one()
        finally:
            for _, fut in inflight:
                fut.cancel()
        if reader.size:
            self._advance(reader.size - last)

    def _emit_block(
        self,
        reader: Reader,
        blk: JsonlBlock,
        result: Any,
        writer: JsonlWriter,
        quarantine: _Sink,
        report: _Sink,
        stats: Stats,
    ) -> None:
        out, fallbacks, counts, rules, languages = result
        written, bytes_in, changed, emptied, chars_before, chars_after = counts
        stats.read += written
        stats.written += written
        stats.bytes_in += bytes_in
        stats.changed += changed
        stats.emptied += emptied
        stats.chars_before += chars_before
        stats.chars_after += chars_after
        _add_rule_counts(stats, rules)
        stats.languages.update(dict(languages))
        if not fallbacks:
            writer.write_bytes(out)
            return
        read_opts = self.opts.read_options()
        name = reader.source.name
        items: list[tuple[int, Item]] = []
        for line, start, end, at in fallbacks:
            item = jsonl_item(blk.data[start:end], name, blk.lineno + line + 1, blk.offset + start, read_opts)
            if item is not None:
                items.append((at, item))
        outcomes = self.processor.process([it for _, it in items], stats)
        pos = 0
        for (at, _), outcome in zip(items, outcomes, strict=True):
            if at > pos:
                writer.write_bytes(out[pos:at])
                pos = at
            self._emit(reader, [outcome], writer, quarantine, report, stats)
        if pos < len(out):
            writer.write_bytes(out[pos:])

    def _emit(
        self,
        reader: Reader,
        outcomes: list[tuple[str, Any, Any]],
        writer: Optional[RecordWriter],
        quarantine: _Sink,
        report: _Sink,
        stats: Stats,
    ) -> None:
        opts = self.opts
        records = [o[1] for o in outcomes if o[0] == "write"]
        failures: list[Optional[str]] = writer.write(records) if writer is not None and records else []
        fail_iter = iter(failures)
        for kind, obj, rep in outcomes:
            if kind == "write":
                err = next(fail_iter, None)
                if err is not None:
                    entry = QuarantineEntry(reader.source.name, {}, "output_schema", err, record=obj)
                    stats.quarantined += 1
                    stats.quarantine_reasons["output_schema"] += 1
                    quarantine.write(entry.to_json())
                    continue
                stats.written += 1
                if rep is not None and (opts.report is not None or opts.dry_run):
                    ident = get_path(obj, opts.id_field)
                    line: dict[str, Any] = {"source": reader.source.name}
                    if ident is not MISSING:
                        line["id"] = ident
                    line[opts.report_field] = rep
                    report.write(line)
            else:
                stats.quarantined += 1
                stats.quarantine_reasons[obj.code] += 1
                quarantine.write(obj.to_json())

    def _open(self, source: InputFile) -> Reader:
        try:
            return open_reader(source, self.opts.read_options(), self.stdin)
        except InputError as exc:
            if "pip install" in str(exc) or "stdin" in str(exc):
                raise
            # an unreadable file: one quarantined unit, and the run goes on
            item = Item(source.name, {"offset": 0}, error=("read_error", str(exc)))
            return Reader(source, "error", iter([item]), None, None)

    # -- single output (file or stdout) ----------------------------------------------------------------
    def _run_single(self) -> None:
        opts = self.opts
        fmt = opts.format if opts.format != "auto" else output_format_from_name(opts.output)
        writer: Optional[RecordWriter] = None
        quarantine: Optional[_Sink] = None
        report: Optional[_Sink] = None
        try:
            # Made inside the try: an interrupt (Ctrl-C, SIGTERM) right after a temporary file is
            # created still removes it.
            if not opts.dry_run:
                if fmt == "parquet":
                    writer = ParquetWriter(
                        opts.output, report_field=opts.report_field if opts.report is None else None
                    )
                elif fmt == "txt":
                    writer = _TxtFileWriter(opts.output, opts, self.stdout)
                else:
                    # -f jsonl.gz and the like compress whatever the output's name says; otherwise
                    # the name's extension decides
                    comp = compression_from_name(opts.format) if opts.format.startswith("jsonl.") else "auto"
                    writer = JsonlWriter(opts.output, stdout=self.stdout, compression=comp)
            quarantine = _Sink(None if opts.dry_run else self.quarantine_path)
            report_path = opts.report if opts.report is not None else ("-" if opts.dry_run else None)
            report = _Sink(report_path, stdout=self.stdout)
            for source in self.inputs:
                reader = self._open(source)
                self.stats.files += 1
                try:
                    self._pump(reader, writer, quarantine, report, self.stats)
                finally:
                    reader.close()
            if writer is not None:
                writer.commit()
            if quarantine.count or self.opts.quarantine is not None:
                quarantine.commit()
            else:
                quarantine.abort()
            report.commit()
        except BaseException:
            # Nothing half-written stays behind (an abort after a commit changes nothing).
            for s in (writer, quarantine, report):
                if s is not None:
                    s.abort()
            raise

    # -- output directory: one shard per input, resumable ------------------------------------------
    def _run_dir(self) -> None:
        opts = self.opts
        out_dir = opts.output
        state = os.path.join(out_dir, STATE_DIR)
        done_dir = os.path.join(state, "done")
        parts = os.path.join(state, "parts")
        tmp_dir = os.path.join(state, "tmp")
        manifest_path = os.path.join(state, "manifest.json")
        fp = opts.fingerprint()
        if os.path.isdir(done_dir) and os.listdir(done_dir) and not opts.resume and not opts.overwrite:
            raise OptionError(
                f"{out_dir} holds shards of an earlier run: pass --resume to continue it "
                "or --overwrite to start again"
            )
        if opts.overwrite and os.path.isdir(state):
            shutil.rmtree(state)
        if opts.resume and os.path.exists(manifest_path):
            with open(manifest_path, "rb") as fh:
                old = jsonlib.loads(fh.read())
            if old.get("fingerprint") != fp:
                raise OptionError(
                    f"the options differ from the run that wrote {out_dir}; use --overwrite to start again"
                )
        shutil.rmtree(tmp_dir, ignore_errors=True)  # litter of an interrupted run
        for d in (done_dir, parts, tmp_dir):
            os.makedirs(d, exist_ok=True)
        manifest = AtomicFile(manifest_path, compression=None, tmp_dir=tmp_dir)
        manifest.write(
            jsonlib.dumps(
                {"fingerprint": fp, "dechaff_version": __version__, "inputs": [s.name for s in self.inputs]}
            )
        )
        manifest.commit()

        seen: dict[str, str] = {}
        shard_list: list[Shard] = []
        for source in self.inputs:
            if source.path == "-":
                raise OptionError("stdin cannot be written to an output directory; use -o FILE or -o -")
            from .io.readers import format_from_name

            out, fmt = _shard_output(source, opts.format, out_dir, format_from_name(source.path))
            if out in seen:
                raise OptionError(f"inputs {seen[out]} and {source.path} would both write {out}")
            seen[out] = source.path
            shard_list.append(Shard(source, out, fmt, _key(os.path.relpath(out, out_dir))))

        for shard in shard_list:
            done_path = os.path.join(done_dir, shard.key + ".json")
            size, version = _input_version(shard.source.path)
            if opts.resume and os.path.exists(done_path):
                with open(done_path, "rb") as fh:
                    marker = jsonlib.loads(fh.read())
                if (
                    marker.get("size") == size
                    and marker.get("mtime_ns") == version
                    and os.path.exists(str(shard.output))
                ):
                    self.stats.merge(Stats.from_json(marker["stats"]))
                    self.resumed_shards += 1
                    self._advance(size)
                    continue
            self._run_shard(shard, parts, tmp_dir, done_path, (size, version))

        self._assemble(shard_list, parts, tmp_dir)

    def _run_shard(
        self, shard: Shard, parts: str, tmp_dir: str, done_path: str, version: tuple[int, Any]
    ) -> None:
        opts = self.opts
        assert shard.output is not None
        reader = self._open(shard.source)
        writer: RecordWriter
        if shard.format == "parquet":
            writer = ParquetWriter(
                shard.output, report_field=opts.report_field if opts.report is None else None, tmp_dir=tmp_dir
            )
        elif shard.format == "txt":
            single = reader.format in ("text", "html")
            writer = TxtDirWriter(
                shard.output if not single else os.path.dirname(shard.output),
                text_field=opts.text_field,
                id_field=opts.id_field,
                single_file=shard.output if single else None,
                tmp_dir=tmp_dir,
            )
        else:
            writer = JsonlWriter(shard.output, tmp_dir=tmp_dir)
        quarantine = _Sink(os.path.join(parts, shard.key + ".quarantine.jsonl"), tmp_dir=tmp_dir)
        report = _Sink(
            os.path.join(parts, shard.key + ".report.jsonl") if opts.report else None, tmp_dir=tmp_dir
        )
        stats = Stats(files=1)
        try:
            self._pump(reader, writer, quarantine, report, stats)
        except BaseException:
            writer.abort()
            quarantine.abort()
            report.abort()
            raise
        finally:
            reader.close()
        writer.commit()
        quarantine.commit()
        report.commit()
        marker = AtomicFile(done_path, compression=None, tmp_dir=tmp_dir)
        marker.write(
            jsonlib.dumps(
                {
                    "input": shard.source.name,
                    "output": os.path.relpath(shard.output, opts.output),
                    "size": version[0],
                    "mtime_ns": version[1],  # the key local markers have always had; a remote version too
                    "stats": stats.to_json(),
                }
            )
        )
        marker.commit()
        self.stats.merge(stats)

    def _assemble(self, shards: list[Shard], parts: str, tmp_dir: str) -> None:
        """Concatenate per-shard quarantine and report parts into the requested files, in shard order."""
        targets = [("quarantine", self.quarantine_path, self.stats.quarantined > 0 or self.opts.quarantine)]
        if self.opts.report:
            targets.append(("report", self.opts.report, True))
        for kind, path, wanted in targets:
            if not path or not wanted:
                continue
            out = AtomicFile(
                path,
                tmp_dir=tmp_dir
                if os.path.abspath(path).startswith(os.path.abspath(self.opts.output))
                else None,
            )
            try:
                for shard in shards:
                    part = os.path.join(parts, f"{shard.key}.{kind}.jsonl")
                    if os.path.exists(part):
                        with open(part, "rb") as fh:
                            shutil.copyfileobj(fh, out.fh, 1 << 20)
            except BaseException:
                out.abort()
                raise
            out.commit()

    def run(self) -> Stats:
        """Run to the end and return the merged :class:`Stats`."""
        t0 = time.perf_counter()
        try:
            if self.dir_mode:
                self._run_dir()
            else:
                self._run_single()
        finally:
            self.processor.close()
            if self._block_pool is not None:
                self._block_pool.shutdown()
                self._block_pool = None
        self.stats.seconds = time.perf_counter() - t0
        if self.opts.stats:
            f = AtomicFile(self.opts.stats, compression=None)
            f.write(jsonlib.dumps(self.stats.to_json()) + b"\n")
            f.commit()
        return self.stats


class _TxtFileWriter(RecordWriter):
    """Cleaned texts, one after another (a blank line between documents), to one file or stdout."""

    def __init__(self, path: str, opts: BulkOptions, stdout: Optional[BinaryIO]) -> None:
        self._atomic = None if path == "-" else AtomicFile(path, compression=None)
        fh = self._atomic.fh if self._atomic is not None else (stdout or sys.stdout.buffer)
        self._inner = TxtDirWriter("-", text_field=opts.text_field, id_field=opts.id_field, stdout=fh)

    def write(self, records: Sequence[dict[str, Any]]) -> list[Optional[str]]:
        return self._inner.write(records)

    def commit(self) -> None:
        self._inner.commit()
        if self._atomic is not None:
            self._atomic.commit()

    def abort(self) -> None:
        if self._atomic is not None:
            self._atomic.abort()
