"""The ``dechaff`` command: ``clean`` (bulk), ``rules`` (list the active rules), ``explain`` (show removals).

Only the standard library is required; ``tqdm`` (progress bar), ``orjson`` (speed), ``zstandard`` (.zst),
``fastwarc``/``warcio`` (WARC) and ``pyarrow`` (Parquet) are used when installed::

    pip install 'dechaff[cli,warc,parquet]'
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any, Optional, TextIO, TypeVar, cast

from . import __version__
from .errors import DechaffError

T = TypeVar("T")

EXIT_OK = 0
EXIT_FATAL = 1
EXIT_USAGE = 2
EXIT_ERROR_RATE = 3


# ------------------------------------------------------------------------------------------- helpers


def _count(least: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``least``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < least:
            raise argparse.ArgumentTypeError(f"{value} is below {least}")
        return value

    return parse


def _fraction(text: str) -> float:
    """An argparse type: a number from 0 to 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:  # NaN fails too
        raise argparse.ArgumentTypeError(f"{text} is not a fraction from 0 to 1")
    return value


def _csv(values: Optional[list[str]]) -> list[str]:
    out: list[str] = []
    for v in values or []:
        out += [x.strip() for x in v.split(",") if x.strip()]
    return out


def _use_color(stream: TextIO, choice: str) -> bool:
    if choice == "always":
        return True
    if choice == "never" or os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def _n(x: int) -> str:
    return f"{x:,}"


def format_summary(
    stats: Any,
    *,
    output: str,
    quarantine: Optional[str],
    resumed: int = 0,
    top_rules: int = 12,
    color: bool = False,
) -> str:
    """The end-of-run summary table (plain text) for a :class:`dechaff.bulk.Stats`."""
    bold = (lambda s: f"\x1b[1m{s}\x1b[0m") if color else (lambda s: s)
    red = (lambda s: f"\x1b[31m{s}\x1b[0m") if color else (lambda s: s)
    lines: list[str] = []
    mb = stats.bytes_in / 1e6
    speed = f"{mb / stats.seconds:.1f} MB/s" if stats.seconds > 0 and mb else "-"
    size = f"{mb:.1f} MB" if mb >= 1 else f"{stats.bytes_in / 1e3:.1f} kB"
    files = f"{stats.files} file" + ("s" if stats.files != 1 else "")
    if resumed:
        files += f" ({resumed} already done, resumed)"
    lines.append(bold(f"dechaff clean: {files}, {size} in {stats.seconds:.2f} s ({speed})"))
    check = "ok" if stats.balanced else red("MISMATCH")
    rows = [
        ("documents read", _n(stats.read)),
        ("  written", _n(stats.written)),
        ("  quarantined", _n(stats.quarantined)),
        ("  read = written + quarantined", check),
        ("changed", _n(stats.changed)),
        ("emptied", _n(stats.emptied)),
    ]
    if stats.skipped:
        rows.append(("non-document records skipped", _n(stats.skipped)))
    pct = 100.0 * stats.chars_removed / stats.chars_before if stats.chars_before else 0.0
    rows.append(("characters before", _n(stats.chars_before)))
    rows.append(("characters removed", f"{_n(stats.chars_removed)} ({pct:.1f}%)"))
    width = max(len(k) for k, _ in rows)
    lines += [f"  {k:<{width}}  {v:>12}" for k, v in rows]
    if stats.removals_by_category:
        lines.append("")
        lines.append(f"  {'category':<14}{'removals':>10}{'chars':>10}")
        for cat, n in sorted(stats.removals_by_category.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {cat:<14}{_n(n):>10}{_n(stats.chars_by_category[cat]):>10}")
    if stats.removals_by_rule:
        ranked = sorted(stats.removals_by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
        wid = max(28, *(len(r) for r, _ in ranked[:top_rules]))
        lines.append("")
        lines.append(f"  {'rule':<{wid}}{'removals':>10}{'chars':>10}")
        for rule, n in ranked[:top_rules]:
            lines.append(f"  {rule:<{wid}}{_n(n):>10}{_n(stats.chars_by_rule[rule]):>10}")
        if len(ranked) > top_rules:
            lines.append(f"  … {len(ranked) - top_rules} more rules (all in --stats FILE)")
    if stats.languages:
        ranked_langs = sorted(stats.languages.items(), key=lambda kv: (-kv[1], kv[0]))
        lines.append("")
        lines.append("  languages (the pack each document ran; all: undetermined, every pack)")
        lines.append("  " + " · ".join(f"{lang} {_n(n)}" for lang, n in ranked_langs))
    if stats.quarantine_reasons:
        lines.append("")
        lines.append(f"  {'quarantine reason':<22}{'records':>10}")
        for code, n in sorted(stats.quarantine_reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            lines.append(f"  {code:<22}{_n(n):>10}")
        where = quarantine if quarantine else "not saved: pass --quarantine FILE to keep them"
        lines.append(f"  quarantined records → {where}")
    if output != "-":
        lines.append(f"  output → {output}")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------- commands


def _add_cleaner_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("cleaning")
    g.add_argument(
        "--mode",
        default="auto",
        choices=("auto", "article", "page", "html"),
        help="cleaning mode (default: auto: html for markup; whole-page text or an extracted "
        "article is then told apart per document)",
    )
    g.add_argument(
        "--lang",
        default="en",
        help="rule pack: en, de, fr, es, it, pt, ru, uk, several joined by + (de+en), or auto (per document)",
    )
    g.add_argument(
        "--rules", action="append", default=[], metavar="FILE", help="extra TOML rule file (repeatable)"
    )
    g.add_argument(
        "--disable",
        action="append",
        metavar="CATS",
        help="categories to keep, comma-separated (e.g. caption,comments)",
    )
    g.add_argument("--strict", action="store_true", help="also apply the riskier (strict) rules")


def _add_text_field(g: argparse._ArgumentGroup) -> None:
    g.add_argument(
        "--text-field",
        default="text",
        metavar="PATH",
        help="field holding the text; dotted for nested fields (default: text)",
    )


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds "(default: …)" to an option's help unless the help already says its default or there
    is none to say (no value, a flag, an empty list)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or action.default in (None, False, [], argparse.SUPPRESS):
            return text
        return super()._get_help_string(action) or text


def _keep_heap_pad() -> None:
    """Ask glibc to keep 64 MiB of freed memory at the top of each heap instead of returning it to
    the kernel at once (``M_TOP_PAD``). Otherwise the engine faults the same pages in again for every
    block: on a 200 MB dump with one worker that was 140,000 page faults and 0.4 s of 2.8 s in the
    kernel. Peak RSS did not change. Only the ``dechaff`` process is tuned, never a library user's;
    elsewhere than glibc this does nothing. ``DECHAFF_HEAP_PAD=0`` turns it off."""
    if not sys.platform.startswith("linux") or os.environ.get("DECHAFF_HEAP_PAD") == "0":
        return
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        m_top_pad = -2  # from glibc's malloc.h
        libc.mallopt(m_top_pad, 64 << 20)
    except (OSError, AttributeError):
        pass


def _in_background(make: Callable[[], T]) -> Callable[[], T]:
    """Start ``make()`` on a daemon thread; the returned function waits for its value (or raises
    its exception)."""
    import threading

    box: list[Any] = []

    def work() -> None:
        try:
            box.append((True, make()))
        except BaseException as e:  # handed to the caller, raised there
            box.append((False, e))

    thread = threading.Thread(target=work, name="dechaff-engine-build", daemon=True)
    thread.start()

    def result() -> T:
        thread.join()
        ok, value = box[0]
        if not ok:
            raise value
        return cast(T, value)

    return result


def _cmd_clean(args: argparse.Namespace) -> int:
    from .options import BulkOptions, make_cleaner

    _keep_heap_pad()

    opts = BulkOptions(
        output=args.output,
        format=args.format,
        mode=args.mode,
        lang=args.lang,
        rules=args.rules,
        disable=_csv(args.disable),
        strict=args.strict,
        text_field=args.text_field,
        html_field=args.html_field,
        id_field=args.id_field,
        lang_field=args.lang_field,
        report_field=args.report_field,
        report=args.report,
        quarantine=args.quarantine,
        stats=args.stats,
        dry_run=args.dry_run,
        resume=args.resume,
        overwrite=args.overwrite,
        workers=args.workers,
        batch_docs=args.batch_size,
        max_bytes=args.max_bytes,
        decode_errors=args.decode_errors,
        html_extractor=args.extractor,
        html_timeout=args.timeout if args.timeout > 0 else None,
    )
    # The rule engine builds in Rust with the GIL released (about 30 ms for English): on a
    # second thread, beside the imports below (about 35 ms).
    cleaner = _in_background(lambda: make_cleaner(opts, opts.lang))
    from .bulk import BulkRun
    from .io.readers import expand_inputs

    inputs = expand_inputs(args.inputs, args.paths_file)
    stdin = sys.stdin.buffer if any(i.path == "-" for i in inputs) else None
    progress = None
    if not args.quiet and sys.stderr.isatty():
        try:
            tqdm: Any = importlib.import_module("tqdm").tqdm

            sizes = [os.path.getsize(i.path) for i in inputs if i.path != "-"]
            total = sum(sizes) if len(sizes) == len(inputs) else None
            progress = tqdm(
                total=total,
                unit="B",
                unit_scale=True,
                unit_divisor=1024,
                file=sys.stderr,
                desc="dechaff",
                dynamic_ncols=True,
                leave=False,
            )
        except ImportError:
            progress = None
    run = BulkRun(inputs, opts, stdin=stdin, progress=progress, cleaner=cleaner())
    try:
        stats = run.run()
    finally:
        if progress is not None:
            progress.close()
    if not args.quiet:
        shown_output = args.output if not opts.dry_run else "-"
        print(
            format_summary(
                stats,
                output=shown_output,
                quarantine=run.quarantine_path if not opts.dry_run else None,
                resumed=run.resumed_shards,
                color=_use_color(sys.stderr, "auto"),
            ),
            file=sys.stderr,
        )
    elif stats.quarantined and (opts.dry_run or run.quarantine_path is None):
        # Quiet, but records left out of the output and kept nowhere must not pass unseen.
        print(
            f"dechaff: {stats.quarantined:,} quarantined records not saved "
            "(pass --quarantine FILE to keep them)",
            file=sys.stderr,
        )
    if args.max_error_rate is not None and stats.read:
        rate = stats.quarantined / stats.read
        if rate > args.max_error_rate:
            print(
                f"dechaff: {rate:.1%} of documents quarantined, above --max-error-rate "
                f"{args.max_error_rate:.1%}",
                file=sys.stderr,
            )
            return EXIT_ERROR_RATE
    return EXIT_OK


def _cmd_rules(args: argparse.Namespace) -> int:
    from .api import Cleaner, list_rules
    from .io import jsonlib

    if args.all:
        rules = list_rules(args.lang)
    else:
        rules = Cleaner(
            lang=args.lang, strict=args.strict, disable=_csv(args.disable), extra_rules=args.rules
        ).rules()
    if args.category:
        rules = [r for r in rules if r.get("category") in set(_csv(args.category))]
    if args.json:
        for r in rules:
            sys.stdout.write(jsonlib.dumps(r).decode("utf-8") + "\n")
        return EXIT_OK
    cols = ("id", "category", "action", "scope", "region")
    widths = {c: max([len(c)] + [len(str(r.get(c) or "")) for r in rules]) for c in cols}
    print("  ".join(f"{c:<{widths[c]}}" for c in cols) + "  strict")
    for r in rules:
        print(
            "  ".join(f"{r.get(c) or ''!s:<{widths[c]}}" for c in cols) + ("  yes" if r.get("strict") else "")
        )
    by_cat: dict[str, int] = {}
    for r in rules:
        by_cat[str(r.get("category"))] = by_cat.get(str(r.get("category")), 0) + 1
    print(f"\n{len(rules)} rules ({args.lang}): " + ", ".join(f"{c} {n}" for c, n in sorted(by_cat.items())))
    return EXIT_OK


def _render_removals(normalized: str, removals: Sequence[Any], color: bool) -> str:
    out: list[str] = []
    pos = 0
    for r in sorted(removals, key=lambda r: (r.start, r.end)):
        if r.start < pos:
            continue
        out.append(normalized[pos : r.start])
        span = normalized[r.start : r.end]
        if color:
            out.append(f"\x1b[2;31m{span}\x1b[0m\x1b[36m⟦{r.rule}⟧\x1b[0m")
        else:
            out.append(f"[-{span}-]{{{r.rule}}}")
        pos = r.end
    out.append(normalized[pos:])
    return "".join(out)


def _cmd_explain(args: argparse.Namespace) -> int:
    from .api import Cleaner
    from .io.readers import ReadOptions, expand_inputs, open_reader
    from .io.records import MISSING, Item, get_path

    color = _use_color(sys.stdout, args.color)
    cleaner = Cleaner(
        mode="auto", lang=args.lang, strict=args.strict, disable=_csv(args.disable), extra_rules=args.rules
    )
    shown = 0
    for source in expand_inputs(args.files):
        reader = open_reader(source, ReadOptions(args.text_field), sys.stdin.buffer)
        try:
            for ev in reader.events():
                if not isinstance(ev, Item):
                    continue
                if args.limit and shown >= args.limit:
                    return EXIT_OK
                where = f"{ev.source}:" + ",".join(f"{k} {v}" for k, v in ev.locator.items())
                text = get_path(ev.record, args.text_field) if ev.record is not None else MISSING
                ident = get_path(ev.record, "id") if ev.record is not None else MISSING
                label = f"{ident} ({where})" if ident is not MISSING else where
                shown += 1
                if ev.error is not None or not isinstance(text, str):
                    reason = ev.error[1] if ev.error else f"no string field {args.text_field!r}"
                    print(f"── {label}: not cleaned: {reason}")
                    continue
                res = cleaner.clean(text)
                n_rm, n_chars = len(res.removals), len(res.normalized)
                head = f"── {label}: {n_rm} removals, {res.chars_removed} of {n_chars} chars"
                print(f"\x1b[1m{head}\x1b[0m" if color else head)
                if not args.list_only:
                    print(_render_removals(res.normalized, res.removals, color))
                    print()
                for r in res.removals:
                    snippet = r.text.replace("\n", "⏎")
                    snippet = snippet if len(snippet) <= 70 else snippet[:67] + "…"
                    print(f"  {r.start:>6}-{r.end:<6} {r.category:<12} {r.rule:<34} {snippet}")
                if res.metadata:
                    print("  metadata: " + ", ".join(f"{k}={v}" for k, v in res.metadata.items()))
                print()
        finally:
            reader.close()
    return EXIT_OK


# --------------------------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``dechaff`` command."""
    parser = argparse.ArgumentParser(
        prog="dechaff", description="Strip boilerplate from scraped article text."
    )
    parser.add_argument("--version", action="version", version=f"dechaff {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    c = sub.add_parser(
        "clean",
        help="clean files, directories, globs or stdin (JSONL, txt, html, WARC/WET, Parquet)",
        description="Clean documents in bulk. Inputs: files, directories (recursive), quoted globs, '-' "
        "for stdin, and the same as URLs (s3://, hf://, … with fsspec installed). Formats by extension or "
        "magic bytes; .gz/.zst/.bz2/.xz decompressed.",
        formatter_class=_HelpFormatter,
    )
    c.add_argument("inputs", nargs="*", metavar="INPUT", help="input paths or URLs (default: stdin)")
    c.add_argument("--paths-file", metavar="FILE", help="read more input paths from FILE, one a line")
    io_g = c.add_argument_group("output")
    io_g.add_argument(
        "-o",
        "--output",
        default="-",
        help="output file (.jsonl[.gz|.zst|.bz2|.xz], .parquet, .txt), a directory (one shard per "
        "input; resumable), or '-' for stdout",
    )
    io_g.add_argument(
        "-f",
        "--format",
        default="auto",
        choices=("auto", "jsonl", "jsonl.gz", "jsonl.zst", "jsonl.bz2", "jsonl.xz", "parquet", "txt"),
        help="output format (auto: from -o's extension; for a directory, like the input)",
    )
    io_g.add_argument("--report", metavar="FILE", help="write reports to FILE (JSONL) instead of a field")
    io_g.add_argument("--report-field", default="dechaff", metavar="NAME", help="name of the report field")
    io_g.add_argument(
        "--quarantine",
        metavar="FILE",
        help="where records that cannot be cleaned go (default: <output>.quarantine.jsonl, "
        "or quarantine.jsonl in an output directory)",
    )
    io_g.add_argument("--stats", metavar="FILE", help="write run statistics as JSON to FILE")
    io_g.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing; print reports (JSONL) to stdout or --report FILE",
    )
    io_g.add_argument(
        "--resume", action="store_true", help="with -o DIR: skip shards finished by an earlier run"
    )
    io_g.add_argument("--overwrite", action="store_true", help="with -o DIR: discard an earlier run's state")
    _add_cleaner_options(c)
    f = c.add_argument_group("records")
    _add_text_field(f)
    f.add_argument("--html-field", metavar="PATH", help="field holding HTML (dotted path)")
    f.add_argument("--id-field", default="id", metavar="PATH", help="field naming a record (dotted path)")
    f.add_argument(
        "--lang-field",
        metavar="PATH",
        help="field holding each record's language (en, de_DE, deu, …): its rule pack runs; "
        "other or missing labels get --lang",
    )
    f.add_argument(
        "--decode-errors",
        default="quarantine",
        choices=("quarantine", "replace"),
        help="invalid UTF-8: quarantine the record, or replace bad bytes with U+FFFD",
    )
    f.add_argument(
        "--max-bytes",
        type=int,
        default=0,
        metavar="N",
        help="quarantine documents larger than N bytes (0: no limit)",
    )
    f.add_argument(
        "--extractor",
        default="trafilatura",
        choices=("trafilatura", "resiliparse"),
        help="HTML extractor (resiliparse: the fast path, needs dechaff[fast])",
    )
    f.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        metavar="S",
        help="seconds per HTML page before it is quarantined as a timeout (0: no limit)",
    )
    r = c.add_argument_group("run")
    r.add_argument(
        "-w", "--workers", type=_count(0), default=0, metavar="N", help="engine threads (0: all cores)"
    )
    r.add_argument(
        "--batch-size",
        type=_count(1),
        default=1024,
        metavar="N",
        help="records per engine batch (the JSONL fast path works in 1 MiB blocks instead)",
    )
    r.add_argument(
        "--max-error-rate",
        type=_fraction,
        metavar="R",
        help="exit with status 3 when more than this fraction of documents is quarantined",
    )
    r.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")
    c.set_defaults(func=_cmd_clean)

    ru = sub.add_parser("rules", help="list the active rules")
    ru.add_argument("--lang", default="en")
    ru.add_argument("--strict", action="store_true", help="include the strict rules")
    ru.add_argument("--all", action="store_true", help="every shipped rule, strict ones flagged")
    ru.add_argument("--disable", action="append", metavar="CATS", help="categories to leave out")
    ru.add_argument("--rules", action="append", default=[], metavar="FILE", help="extra rule file")
    ru.add_argument("--category", action="append", metavar="CATS", help="show only these categories")
    ru.add_argument("--json", action="store_true", help="one JSON object per rule")
    ru.set_defaults(func=_cmd_rules)

    ex = sub.add_parser("explain", help="show each removal with its rule and category")
    ex.add_argument("files", nargs="+", metavar="FILE", help="a .txt file, JSONL, … ('-': stdin)")
    ex.add_argument("--limit", type=int, default=0, metavar="N", help="show at most N documents")
    ex.add_argument("--list-only", action="store_true", help="list removals without the text")
    ex.add_argument("--color", default="auto", choices=("auto", "always", "never"))
    _add_cleaner_options(ex)
    _add_text_field(ex.add_argument_group("records"))
    ex.set_defaults(func=_cmd_explain)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the run is, so that it stops as it does on Ctrl-C (temporary files
    removed, finished shards kept for --resume)."""


def _raise_terminated(signum: int, frame: Any) -> None:
    raise _Terminated()


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Entry point of the ``dechaff`` command; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread: signals stay as they are
        previous = None
    try:
        status: int = args.func(args)
        return status
    except _Terminated:
        print("dechaff: terminated", file=sys.stderr)
        return 128 + signal.SIGTERM
    except DechaffError as exc:
        print(f"dechaff: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("dechaff: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"dechaff: error: {exc}", file=sys.stderr)
        return EXIT_FATAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def console_main() -> None:
    """The ``dechaff`` command: :func:`main`, then exit with its status.

    After Ctrl-C or SIGTERM the process exits at once, without the interpreter's shutdown: engine
    threads may still be inside Rust with the GIL released, and an interpreter finalising around
    them can abort the process ("FATAL: exception not rethrown", status 134) instead of exiting
    with 130 or 143. The run has already removed its temporary files by then."""
    status = main()
    if status in (130, 128 + signal.SIGTERM):
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(status)
    sys.exit(status)


if __name__ == "__main__":
    console_main()
