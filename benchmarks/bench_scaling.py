"""How far this machine scales from one core to two, for the engine and for plain arithmetic.

    python benchmarks/bench_scaling.py [--rounds 5] [--seconds 3]

The 2-thread goals (``clean_batch`` ≥ 1.8× one thread, the bulk CLI ≥ 1.7× one worker) assume
that two cores do twice the work of one. This measures what two cores give here, with no Python,
no GIL and nothing shared between the two runs:

- ``solo``: the engine alone on one thread (``examples/scaling.rs``, article mode, MB/s);
- ``rayon``: the same process on two rayon threads;
- ``pair``: two separate one-thread processes at once (the sum of their MB/s): the most any
  2-thread design could reach on this machine for this work;
- the same solo/pair comparison for SHA-256 over an in-memory buffer (a compute-only baseline).

The three engine runs are interleaved ``--rounds`` times, because this VM's speed drifts by tens
of percent within minutes; the table gives the median of each and the ratios of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BINARY = REPO / "target" / "release" / "examples" / "scaling"


def build() -> None:
    subprocess.run(["cargo", "build", "--release", "--quiet", "--example", "scaling"], cwd=REPO, check=True)


def run_engine(copies: int, threads: int, seconds: float) -> float:
    """Total MB/s of `copies` processes of the engine workload started together."""
    procs = [
        subprocess.Popen([str(BINARY), str(threads), str(seconds)], stdout=subprocess.PIPE, text=True)
        for _ in range(copies)
    ]
    total = 0.0
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"{BINARY} failed with exit code {p.returncode}")
        total += float(out.strip())
    return total


SHA_SCRIPT = (
    "import hashlib,time;b=bytes(range(256))*(1<<18);t=time.perf_counter();n=0\n"
    "while time.perf_counter()-t<{s}:\n hashlib.sha256(b).digest();n+=len(b)\n"
    "print(n/1e6/(time.perf_counter()-t))"
)


def run_sha(copies: int, seconds: float) -> float:
    """Total MB/s of `copies` processes hashing at once."""
    code = SHA_SCRIPT.format(s=seconds)
    procs = [
        subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
        for _ in range(copies)
    ]
    return sum(float(p.communicate()[0].strip()) for p in procs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5, help="interleaved rounds (default 5)")
    ap.add_argument("--seconds", type=float, default=3.0, help="seconds per run (default 3)")
    args = ap.parse_args()
    build()
    runs: dict[str, list[float]] = {"solo": [], "rayon": [], "pair": [], "sha solo": [], "sha pair": []}
    for r in range(args.rounds):
        runs["solo"].append(run_engine(1, 1, args.seconds))
        runs["rayon"].append(run_engine(1, 2, args.seconds))
        runs["pair"].append(run_engine(2, 1, args.seconds))
        runs["sha solo"].append(run_sha(1, args.seconds / 2))
        runs["sha pair"].append(run_sha(2, args.seconds / 2))
        print(f"round {r + 1}: " + ", ".join(f"{k} {v[-1]:.0f}" for k, v in runs.items()), file=sys.stderr)
        time.sleep(0.5)
    med = {k: statistics.median(v) for k, v in runs.items()}
    print("| run | median MB/s | all rounds | × solo |")
    print("|---|---|---|---|")
    for k, base in (
        ("solo", "solo"),
        ("rayon", "solo"),
        ("pair", "solo"),
        ("sha solo", "sha solo"),
        ("sha pair", "sha solo"),
    ):
        rounds = " ".join(f"{x:.0f}" for x in runs[k])
        print(f"| {k} | {med[k]:,.1f} | {rounds} | {med[k] / med[base]:.2f} |")
    print(f"\nrayon reaches {med['rayon'] / med['pair']:.0%} of two separate processes")


if __name__ == "__main__":
    main()
