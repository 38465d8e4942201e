"""A datatrove pipeline step that cleans ``doc.text`` with dechaff.

``pip install 'dechaff[datatrove]'`` (datatrove without its ``processing`` extra)::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from dechaff.integrations.datatrove import DechaffCleaner

    LocalPipelineExecutor(
        pipeline=[
            JsonlReader("data/raw"),
            DechaffCleaner(mode="article", exclusion_writer=JsonlWriter("data/emptied")),
            JsonlWriter("data/clean"),
        ],
        tasks=8,
        logging_dir="logs/dechaff",
    ).run()

The same step runs unchanged under ``SlurmPipelineExecutor`` and ``RayPipelineExecutor``: it
holds only its options, and compiles its engine lazily, once per process (task or worker), the
first time it cleans a batch. See ``docs/scale-out.md``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

from datatrove.data import Document, DocumentsPipeline  # type: ignore[import-untyped, import-not-found, unused-ignore]  # no stubs
from datatrove.pipeline.base import PipelineStep  # type: ignore[import-untyped, import-not-found, unused-ignore]  # no stubs

from ..api import Cleaner
from ..errors import DechaffError, OptionError
from . import cached_cleaner, clean_many

__all__ = ["DechaffCleaner"]

_REPORT_FORMATS = ("dict", "json")
_ON_ERROR = ("raise", "keep", "drop")


class DechaffCleaner(PipelineStep):  # type: ignore[misc]  # datatrove is untyped: PipelineStep is Any
    """Clean each document's text; record what was removed; drop documents left empty.

    Args:
        mode: dechaff mode (``auto``, ``article``, ``page``, ``html``).
        exclusion_writer: a datatrove writer that receives the documents cleaning left empty
            (their original text is kept there, with ``metadata["filter_reason"] =
            "dechaff_empty"``), and those dropped by ``on_error="drop"``.
        batch_size: documents per :meth:`dechaff.Cleaner.clean_batch` call.
        threads: engine threads per batch. ``None`` (default): the executor's ``cpus_per_task``
            where it sets one (Slurm, Ray), else 1 (the local executor already runs one process
            per task); 0: all cores.
        metadata_key: the ``doc.metadata`` key of the report (``None``: no report).
        report_format: ``"dict"`` (:meth:`dechaff.CleanResult.report`, default) or ``"json"``
            (that dict as a JSON string: a fixed type, for ParquetWriter).
        keep_empty: forward documents left empty instead of dropping them.
        on_error: a document that cannot be cleaned (above ``max_bytes``): ``"raise"``
            (default), ``"keep"`` it unchanged, or ``"drop"`` it (to the exclusion writer);
            the report then holds ``{"error": message}``.
        **options: any other :class:`dechaff.Cleaner` option (``lang``, ``disable``, ``strict``,
            ``extra_rules``, ``max_bytes``, …). They are checked here, when the step is built.

    Stats (in the task's ``stats/*.json``): ``total``, ``forwarded``, ``dropped``,
    ``dropped_dechaff_empty``, ``changed`` (documents with a removal), ``chars_removed`` (per
    document), ``removed_<category>`` (spans removed, per document that had one) and
    ``removed_chars_<category>``, ``errors``, and datatrove's ``doc_len`` of the forwarded text.
    """

    name = "🧹 dechaff"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        mode: str = "auto",
        *,
        exclusion_writer: Any = None,
        batch_size: int = 256,
        threads: int | None = None,
        metadata_key: str | None = "dechaff",
        report_format: str = "dict",
        keep_empty: bool = False,
        on_error: str = "raise",
        **options: Any,
    ) -> None:
        super().__init__()
        if batch_size < 1:
            raise OptionError("batch_size must be >= 1")
        if threads is not None and threads < 0:
            raise OptionError("threads must be >= 0, or None")
        if report_format not in _REPORT_FORMATS:
            raise OptionError(f"unknown report_format {report_format!r}; choose one of dict, json")
        if on_error not in _ON_ERROR:
            raise OptionError(f"unknown on_error {on_error!r}; choose one of {', '.join(_ON_ERROR)}")
        # Fail on a bad option now, in the launching process, rather than in every task.
        # (The engine built here is cached for this process; the step itself never holds one.)
        cached_cleaner(mode=mode, **options)
        self.mode = mode
        self.options = options
        self.exclusion_writer = exclusion_writer
        self.batch_size = batch_size
        self.threads = threads
        self.metadata_key = metadata_key
        self.report_format = report_format
        self.keep_empty = keep_empty
        self.on_error = on_error

    @property
    def cleaner(self) -> Cleaner:
        """This process's engine for the step's options (compiled on first use, then cached)."""
        return cached_cleaner(mode=self.mode, **self.options)

    def _threads(self) -> int:
        if self.threads is not None:
            return self.threads
        try:
            cpus = int(os.environ.get("DATATROVE_CPUS_PER_TASK", "-1"))
        except ValueError:
            cpus = -1
        return cpus if cpus > 0 else 1

    def _report(self, value: dict[str, Any]) -> Any:
        return json.dumps(value, ensure_ascii=False, default=str) if self.report_format == "json" else value

    def _batches(self, data: DocumentsPipeline) -> Iterator[list[Document]]:
        it = iter(data or ())
        while batch := list(itertools.islice(it, self.batch_size)):
            yield batch

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        cleaner = self.cleaner
        threads = self._threads()
        writer_cm = self.exclusion_writer if self.exclusion_writer else contextlib.nullcontext()
        with writer_cm as writer:
            for batch in self._batches(data):
                self.stat_update("batches", unit="batch")
                with self.track_time(unit="batch"):
                    results = clean_many(cleaner, [doc.text for doc in batch], threads, self.on_error)
                for doc, res in zip(batch, results, strict=True):
                    self.stat_update("total")
                    if isinstance(res, DechaffError):
                        self.stat_update("errors")
                        if self.metadata_key:
                            doc.metadata[self.metadata_key] = self._report({"error": str(res)})
                        if self.on_error == "keep":
                            self.stat_update("forwarded")
                            self.update_doc_stats(doc)
                            yield doc
                        else:
                            self._drop(doc, "dechaff_error", writer, rank)
                        continue
                    if self.metadata_key:
                        doc.metadata[self.metadata_key] = self._report(res.report())
                    if res.removals:
                        self.stat_update("changed")
                        per_cat = Counter(r.category for r in res.removals)
                        chars = Counter[str]()
                        for r in res.removals:
                            chars[r.category] += r.end - r.start
                        for cat, n in sorted(per_cat.items()):
                            self.stat_update(f"removed_{cat}", value=n)
                            self.stat_update(f"removed_chars_{cat}", value=chars[cat])
                    self.stat_update("chars_removed", value=res.chars_removed)
                    if not res.text.strip() and not self.keep_empty:
                        self._drop(doc, "dechaff_empty", writer, rank)  # keeps the original text
                        continue
                    doc.text = res.text
                    self.stat_update("forwarded")
                    self.update_doc_stats(doc)
                    yield doc

    def _drop(self, doc: Document, reason: str, writer: Any, rank: int) -> None:
        self.stat_update("dropped", f"dropped_{reason}")
        if writer is not None:
            doc.metadata["filter_reason"] = reason
            writer.write(doc, rank)
