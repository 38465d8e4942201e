"""Throughput and memory of ``dechaff clean`` on a synthetic JSONL.zst dump, beside a pure-Python cleaner.

    python benchmarks/bench_cli.py                 # 200 MB dump, 1 and 2 workers
    python benchmarks/bench_cli.py --size-mb 1000  # check that peak RSS does not grow with the dump

The dump (``build/bench/dump-<N>mb.jsonl.zst``, not committed) is synthesised from ``examples/sample.jsonl``:
records are picked at random, their paragraphs shuffled, numbers and names varied and chaff lines dropped or
repeated, so the engine sees realistic, non-identical documents. Every contender runs as a subprocess reading
the same dump and writing JSONL to /dev/null; MB/s is uncompressed JSONL bytes per wall-clock second; peak RSS
is the subprocess's own ``ru_maxrss`` (``os.wait4``), and "cores busy" its CPU time (user + system) over its
wall-clock time: with one worker the reader's decompression and the writing run beside the engine's thread,
so more than one core is busy. Contenders:

* ``dechaff clean --workers N`` (article mode), and the same with ``DECHAFF_FAST_PATH=0`` (the general
  per-record path, for comparison; ``--no-general`` leaves it out);
* ``python line cleaner``: zstd + json + a per-line phrase/regex filter in pure Python (one process);
* ``io floor``: zstd + json parse + serialise, no cleaning: the ceiling the CLI's I/O allows.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "examples" / "sample.jsonl"
GEN_VERSION = 1

try:
    import orjson

    def _loads(b: bytes) -> Any:
        return orjson.loads(b)

    def _dumps(o: Any) -> bytes:
        return orjson.dumps(o)

except ImportError:  # pragma: no cover

    def _loads(b: bytes) -> Any:
        return json.loads(b)

    def _dumps(o: Any) -> bytes:
        return json.dumps(o, ensure_ascii=False).encode()


# ------------------------------------------------------------------------------------------- the dump

_NAMES = ["Millbrook", "Ashby", "Carrow", "Denholm", "Elstead", "Fenwick", "Garside", "Holloway", "Ingham"]


def _vary(rng: random.Random, text: str) -> str:
    paras = text.split("\n\n")
    if len(paras) > 3:
        body = paras[1:-1]
        rng.shuffle(body)
        paras = [paras[0], *body, paras[-1]]
    out = []
    for p in paras:
        r = rng.random()
        if r < 0.05:
            continue  # drop a paragraph (sometimes a chaff line)
        out.append(p)
        if r > 0.97:
            out.append(p)  # a repeated paragraph (the duplicate rule's job)
    text = "\n\n".join(out)
    text = re.sub(r"\d+", lambda m: str(rng.randrange(1, 10 ** len(m.group()))), text)
    return text.replace("Millbrook", rng.choice(_NAMES))


def make_dump(path: Path, size_mb: int, seed: int = 1) -> int:
    """Write the dump (if missing or stale) and return its uncompressed size in bytes."""
    import zstandard

    meta = path.with_suffix(".meta.json")
    if path.exists() and meta.exists():
        m = json.loads(meta.read_text())
        if m.get("version") == GEN_VERSION and m.get("size_mb") == size_mb:
            return int(m["bytes"])
    base = [json.loads(line) for line in SAMPLE.read_text(encoding="utf-8").splitlines() if line.strip()]
    rng = random.Random(seed)
    target = size_mb * 1_000_000
    written = 0
    n = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh, zstandard.ZstdCompressor(level=3).stream_writer(fh) as zw:
        chunk: list[bytes] = []
        while written < target:
            rec = dict(rng.choice(base))
            rec["id"] = f"doc-{n:09d}"
            rec["text"] = _vary(rng, rec["text"])
            rec["crawl"] = {"shard": n % 64, "fetched": f"2026-{1 + n % 12:02d}-{1 + n % 28:02d}"}
            line = _dumps(rec) + b"\n"
            chunk.append(line)
            written += len(line)
            n += 1
            if len(chunk) >= 4096:
                zw.write(b"".join(chunk))
                chunk = []
        zw.write(b"".join(chunk))
    os.replace(tmp, path)
    meta.write_text(json.dumps({"version": GEN_VERSION, "size_mb": size_mb, "bytes": written, "records": n}))
    return written


# --------------------------------------------------------------------------------- pure-Python cleaner

_PHRASES = [
    "share this article",
    "share on facebook",
    "share on twitter",
    "sign up for our newsletter",
    "subscribe to our newsletter",
    "read more",
    "related articles",
    "related stories",
    "you may also like",
    "we use cookies",
    "accept cookies",
    "advertisement",
    "listen to this article",
    "comments",
    "leave a comment",
    "about the author",
    "follow us",
    "click here",
    "all rights reserved",
    "our standards",
]
_PATTERNS = re.compile(
    r"^(?:photo|image|credit)s?:|/(?:afp|reuters|ap|getty images)\b|^\d+ (?:min|minute)s? read$", re.I
)


def _py_clean(text: str) -> str:
    kept = []
    for line in text.split("\n"):
        low = line.strip().lower()
        if low and len(low) < 120 and (any(p in low for p in _PHRASES) or _PATTERNS.search(low)):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def baseline_worker(dump: str, clean: bool) -> None:
    """Read the dump, (optionally) clean each text with the line filter, write JSONL to stdout."""
    import io

    import zstandard

    out = sys.stdout.buffer
    with open(dump, "rb") as fh:
        stream = io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(fh), 1 << 20)
        buf: list[bytes] = []
        for line in stream:
            rec = _loads(line)
            if clean:
                rec["text"] = _py_clean(rec["text"])
            buf.append(_dumps(rec) + b"\n")
            if len(buf) >= 1024:
                out.write(b"".join(buf))
                buf = []
        out.write(b"".join(buf))


# ------------------------------------------------------------------------------------------- running


def run(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, int, float]:
    """(seconds, peak RSS in MB, exit status, CPU seconds: user + system) of ``cmd``, stdout to
    /dev/null."""
    t0 = time.perf_counter()
    with open(os.devnull, "wb") as devnull:
        proc = subprocess.Popen(cmd, stdout=devnull, env={**os.environ, **(env or {})})
        _, status, usage = os.wait4(proc.pid, 0)
    dt = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return dt, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=int, default=200, help="uncompressed size of the dump (default 200)")
    ap.add_argument("--workers", default="1,2", help="worker counts to try (default 1,2)")
    ap.add_argument("--out", default=str(ROOT / "build" / "bench"), help="where the dump goes")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="rounds: each contender once per round (its best run is reported)",
    )
    ap.add_argument("--skip-baselines", action="store_true", help="only run dechaff")
    ap.add_argument("--no-general", action="store_true", help="leave out DECHAFF_FAST_PATH=0 runs")
    ap.add_argument("--baseline-worker", choices=("clean", "floor"), help=argparse.SUPPRESS)
    ap.add_argument("dump", nargs="?", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.baseline_worker:
        baseline_worker(args.dump, args.baseline_worker == "clean")
        return 0

    dump = Path(args.out) / f"dump-{args.size_mb}mb.jsonl.zst"
    t0 = time.perf_counter()
    nbytes = make_dump(dump, args.size_mb)
    gen = time.perf_counter() - t0
    mb = nbytes / 1e6
    print(
        f"dump: {dump.relative_to(ROOT) if dump.is_relative_to(ROOT) else dump}  {mb:.0f} MB uncompressed, "
        f"{dump.stat().st_size / 1e6:.0f} MB zstd  (ready in {gen:.1f} s)"
    )
    print(f"cpus: {os.cpu_count()}  load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")

    rows: list[tuple[str, float, float, float]] = []
    contenders: list[tuple[str, list[str], dict[str, str]]] = []
    for general in (False, True) if not args.no_general else (False,):
        for w in [int(x) for x in args.workers.split(",")]:
            contenders.append(
                (
                    f"dechaff clean --workers {w}" + (" (general)" if general else ""),
                    [
                        sys.executable,
                        "-m",
                        "dechaff.cli",
                        "clean",
                        str(dump),
                        "-o",
                        "-",
                        "--mode",
                        "article",
                        "--workers",
                        str(w),
                        "-q",
                    ],
                    {"DECHAFF_FAST_PATH": "0" if general else "1"},
                )
            )
    if not args.skip_baselines:
        me = str(Path(__file__).resolve())
        contenders.append(
            (
                "python line cleaner (1 proc)",
                [sys.executable, me, "--baseline-worker", "clean", str(dump)],
                {},
            ),
        )
        contenders.append(
            ("io floor: parse+write only", [sys.executable, me, "--baseline-worker", "floor", str(dump)], {})
        )
    # Rounds: every contender once per round, so that runs compared with each other (1 and 2
    # workers above all) run minutes apart at most; the table keeps each contender's best run.
    runs: dict[str, list[tuple[float, float, float]]] = {name: [] for name, _, _ in contenders}
    for r in range(args.repeat):
        for name, cmd, env in contenders:
            dt, rss, code, cpu = run(cmd, env)
            if code != 0:
                print(f"{name}: exit status {code}", file=sys.stderr)
                return 1
            runs[name].append((dt, rss, cpu))
            print(f"  round {r + 1}: {name:<32} {dt:7.1f} s  {cpu / dt:4.2f} cores busy", flush=True)
    for name, _, _ in contenders:
        best = min(runs[name])
        rows.append((name, best[0], best[1], best[2]))

    ref = next((r for r in rows if r[0].startswith("python line")), None)
    ones = {r[0].endswith(" (general)"): r for r in rows if "--workers 1" in r[0]}
    print()
    print(
        f"{'contender':<32}{'seconds':>9}{'MB/s':>9}{'peak RSS MB':>13}{'cores busy':>12}{'vs python':>11}"
        f"{'vs 1 worker':>13}"
    )
    for name, dt, rss, cpu in rows:
        speed = mb / dt
        vs_py = f"{ref[1] / dt:.2f}x" if ref else "-"
        one = ones.get(name.endswith(" (general)"))
        vs_one = f"{one[1] / dt:.2f}x" if one and name.startswith("dechaff") else ""
        print(f"{name:<32}{dt:9.1f}{speed:9.1f}{rss:13.0f}{cpu / dt:12.2f}{vs_py:>11}{vs_one:>13}")
    for suffix in ("", " (general)"):
        one, two = (
            runs.get(f"dechaff clean --workers 1{suffix}"),
            runs.get(f"dechaff clean --workers 2{suffix}"),
        )
        if one and two:
            ratios = [a[0] / b[0] for a, b in zip(one, two, strict=True)]
            each = ", ".join(f"{x:.2f}" for x in ratios)
            median = statistics.median(ratios)
            print(f"\n1 -> 2 workers{suffix}, run by run in each round: {each} (median {median:.2f})")
    print(
        f"\nload average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}  "
        "(other jobs on the machine make these numbers noisy; rerun with --repeat 3)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
