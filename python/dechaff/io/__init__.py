"""Streaming input and output for bulk runs: readers, writers, compression and JSON helpers."""

from __future__ import annotations

from .compression import compression_from_name, open_source, sniff_compression
from .readers import FORMATS, InputFile, Reader, ReadOptions, expand_inputs, open_reader, sniff_format
from .records import REASONS, Item, QuarantineEntry, Skipped, get_path, set_path
from .writers import OUTPUT_FORMATS, AtomicFile, JsonlWriter, ParquetWriter, RecordWriter, TxtDirWriter

__all__ = [
    "FORMATS",
    "OUTPUT_FORMATS",
    "REASONS",
    "AtomicFile",
    "InputFile",
    "Item",
    "JsonlWriter",
    "ParquetWriter",
    "QuarantineEntry",
    "ReadOptions",
    "Reader",
    "RecordWriter",
    "Skipped",
    "TxtDirWriter",
    "compression_from_name",
    "expand_inputs",
    "get_path",
    "open_reader",
    "open_source",
    "set_path",
    "sniff_compression",
    "sniff_format",
]
