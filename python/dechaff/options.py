"""The options of a bulk run, and the cleaner they make.

Kept apart from :mod:`dechaff.bulk` so that the command line can build the rule engine (a GIL-free
call into Rust) on a second thread while the main thread imports the rest of the bulk machinery.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Optional

from . import __version__
from .api import Cleaner

if TYPE_CHECKING:
    from .io.readers import ReadOptions


@dataclass
class BulkOptions:
    """Everything a bulk run needs besides its inputs; see ``dechaff clean --help`` for each option."""

    output: str = "-"
    format: str = "auto"
    mode: str = "auto"
    lang: str = "en"
    rules: list[str] = field(default_factory=list)
    disable: list[str] = field(default_factory=list)
    strict: bool = False
    text_field: str = "text"
    html_field: Optional[str] = None
    id_field: str = "id"
    #: Field holding each record's language label: that language's pack runs (see
    #: :func:`dechaff.bulk.language_pack`).
    lang_field: Optional[str] = None
    report_field: str = "dechaff"
    report: Optional[str] = None
    quarantine: Optional[str] = None
    stats: Optional[str] = None
    dry_run: bool = False
    resume: bool = False
    overwrite: bool = False
    workers: int = 0
    batch_docs: int = 1024
    batch_bytes: int = 8 << 20
    max_bytes: int = 0
    decode_errors: str = "quarantine"
    html_extractor: str = "trafilatura"
    html_timeout: Optional[float] = 30.0
    #: JSONL in, JSONL out, report in a field: clean whole blocks of lines in Rust (same output).
    #: ``DECHAFF_FAST_PATH=0`` turns it off (to compare with the general path).
    fast_path: bool = field(default_factory=lambda: os.environ.get("DECHAFF_FAST_PATH", "1") != "0")
    block_bytes: int = 1 << 20

    def read_options(self) -> ReadOptions:
        """The reader's view of these options."""
        from .io.readers import ReadOptions

        return ReadOptions(self.text_field, self.html_field, self.decode_errors)

    def fingerprint(self) -> str:
        """A hash of every option that changes output bytes (not ``workers``): resume refuses a mismatch."""
        import hashlib  # here, not at the top: only directory runs need it (7 ms in `-X importtime`)

        from .io import jsonlib

        rule_digests = []
        for r in self.rules:
            if os.path.exists(r):
                with open(r, "rb") as fh:
                    rule_digests.append(hashlib.sha256(fh.read()).hexdigest())
            else:
                rule_digests.append(hashlib.sha256(r.encode()).hexdigest())
        key = [
            __version__,
            self.format,
            self.mode,
            self.lang,
            rule_digests,
            sorted(self.disable),
            self.strict,
            self.text_field,
            self.html_field,
            self.id_field,
            self.lang_field,
            self.report_field,
            self.report is not None,
            self.max_bytes,
            self.decode_errors,
            self.html_extractor,
        ]
        return hashlib.sha256(jsonlib.dumps(key)).hexdigest()[:16]


def make_cleaner(opts: BulkOptions, lang: str) -> Cleaner:
    """The cleaner a bulk run uses for documents of rule pack ``lang``."""
    return Cleaner(
        mode="article",
        lang=lang,
        disable=opts.disable,
        extra_rules=opts.rules,
        strict=opts.strict,
        max_bytes=opts.max_bytes,
        threads=opts.workers,
    )
