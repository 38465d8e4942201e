"""dechaff as a datatrove pipeline step: a real LocalPipelineExecutor run, a Slurm stand-in, Ray."""

from __future__ import annotations

import json
import os
import pickle
import stat
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("datatrove", reason="needs the datatrove extra: pip install 'dechaff[datatrove]'")
pytest.importorskip("orjson", reason="datatrove's JsonlReader/JsonlWriter need orjson")

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from dechaff import Cleaner, OptionError
from dechaff.integrations.datatrove import DechaffCleaner

from .conftest import make_articles, read_jsonl_dir, write_jsonl_gz

STEP_NAME = "✂️ - FORMAT: 🧹 dechaff"


def _total(value: Any) -> float:
    return value["total"] if isinstance(value, dict) else value


def _step_stats(stats_file: Path) -> dict[str, Any]:
    blocks = json.loads(stats_file.read_text())
    (block,) = [b for b in blocks if b["name"] == STEP_NAME]
    return {k: _total(v) for k, v in block["stats"].items()}


def _expected(records: list[dict[str, Any]]) -> dict[str, Any]:
    """What the step must produce, from the plain API: outputs, emptied ids, per-category counts."""
    results = Cleaner().clean_batch([r["text"] for r in records])
    kept, emptied, cats, chars = {}, set(), {}, {}
    for rec, res in zip(records, results, strict=False):
        for rem in res.removals:
            cats[rem.category] = cats.get(rem.category, 0) + 1
            chars[rem.category] = chars.get(rem.category, 0) + rem.end - rem.start
        if res.text.strip():
            kept[rec["id"]] = res
        else:
            emptied.add(rec["id"])
    return {"kept": kept, "emptied": emptied, "cats": cats, "chars": chars, "n": len(records)}


def _input(tmp_path: Path, n_files: int = 2, per_file: int = 15) -> list[dict[str, Any]]:
    records = make_articles(n_files * per_file)
    for i in range(n_files):
        write_jsonl_gz(tmp_path / "in" / f"part-{i}.jsonl.gz", records[i * per_file : (i + 1) * per_file])
    return records


def _pipeline(tmp_path: Path, **step_options: Any) -> list[Any]:
    return [
        JsonlReader(str(tmp_path / "in"), glob_pattern="*.jsonl.gz"),
        DechaffCleaner(exclusion_writer=JsonlWriter(str(tmp_path / "emptied")), batch_size=4, **step_options),
        JsonlWriter(str(tmp_path / "out")),
    ]


def _check_outputs(tmp_path: Path, records: list[dict[str, Any]], stats_file: Path) -> None:
    exp = _expected(records)
    originals = {r["id"]: r["text"] for r in records}
    assert exp["emptied"] and exp["cats"].keys() >= {"ads", "share", "related"}  # the data has all three

    out = read_jsonl_dir(tmp_path / "out")
    assert sorted(r["id"] for r in out) == sorted(exp["kept"])
    assert all(p.name.endswith(".jsonl.gz") for p in (tmp_path / "out").iterdir())
    for rec in out:
        res = exp["kept"][rec["id"]]
        assert rec["text"] == res.text
        assert rec["metadata"]["dechaff"] == res.report()
        for chaff in ("Share this article", "Advertisement", "ADVERTISEMENT", "You may also like"):
            assert chaff not in rec["text"]

    emptied = read_jsonl_dir(tmp_path / "emptied")
    assert sorted(r["id"] for r in emptied) == sorted(exp["emptied"])
    for rec in emptied:
        assert rec["text"] == originals[rec["id"]]  # the exclusion writer keeps the original
        assert rec["metadata"]["filter_reason"] == "dechaff_empty"
        assert rec["metadata"]["dechaff"]["chars_after"] == 0

    stats = _step_stats(stats_file)
    assert stats["total"] == exp["n"]
    assert stats["forwarded"] == len(exp["kept"])
    assert stats["dropped"] == stats["dropped_dechaff_empty"] == len(exp["emptied"])
    assert stats["changed"] == exp["n"]  # every invented record had some chaff
    for cat, n in exp["cats"].items():
        assert stats[f"removed_{cat}"] == n, cat
        assert stats[f"removed_chars_{cat}"] == exp["chars"][cat], cat
    assert stats["doc_len"] == sum(len(r.text) for r in exp["kept"].values())
    assert "errors" not in stats


def test_local_executor_two_tasks_two_workers(tmp_path: Path) -> None:
    records = _input(tmp_path)
    executor = LocalPipelineExecutor(
        pipeline=_pipeline(tmp_path), tasks=2, workers=2, logging_dir=str(tmp_path / "logs")
    )
    executor.run()
    logs = tmp_path / "logs"
    assert sorted(p.name for p in (logs / "completions").iterdir()) == ["00000", "00001"]
    # each task read one of the two files
    for rank in (0, 1):
        assert _step_stats(logs / "stats" / f"{rank:05d}.json")["total"] == 15
    _check_outputs(tmp_path, records, logs / "stats.json")


def test_step_pickles_without_an_engine() -> None:
    step = DechaffCleaner(mode="article", disable=["share"])
    assert step.cleaner.disable == ("share",)
    clone = pickle.loads(pickle.dumps(step))
    assert "_engine" not in pickle.dumps(step).decode("latin-1")
    assert [d.text for d in clone.run(iter([Document(text="Body text here.\n\nAdvertisement", id="a")]))] == [
        "Body text here."
    ]


def test_bad_options_fail_when_the_step_is_built() -> None:
    with pytest.raises(OptionError):
        DechaffCleaner(lang="xx")
    with pytest.raises(OptionError):
        DechaffCleaner(on_error="ignore")


def test_errors_keep_drop_raise_and_json_reports() -> None:
    docs = [
        Document(text="Short body.\n\nAdvertisement", id="small"),
        Document(text="A much longer body of text than the limit allows. " * 4, id="big"),
    ]

    def run(**kw: Any) -> list[Document]:
        step = DechaffCleaner(max_bytes=100, **kw)
        return list(step.run(iter([Document(text=d.text, id=d.id) for d in docs])))

    with pytest.raises(ValueError, match="max_bytes"):
        run()
    kept = run(on_error="keep", report_format="json")
    assert [d.id for d in kept] == ["small", "big"]
    assert kept[1].text == docs[1].text
    assert "max_bytes" in json.loads(kept[1].metadata["dechaff"])["error"]
    assert json.loads(kept[0].metadata["dechaff"]) == Cleaner().clean(docs[0].text).report()
    assert [d.id for d in run(on_error="drop")] == ["small"]


def test_threads_follow_the_executor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATATROVE_CPUS_PER_TASK", "-1")  # the local executor's value
    assert DechaffCleaner()._threads() == 1
    monkeypatch.setenv("DATATROVE_CPUS_PER_TASK", "4")  # Slurm / Ray cpus_per_task
    assert DechaffCleaner()._threads() == 4
    assert DechaffCleaner(threads=0)._threads() == 0


_FAKE_SBATCH = r"""#!{python}
# A stand-in for Slurm's sbatch: runs the job script at once, once per array index, the way
# sbatch would start it (SLURM_ARRAY_TASK_ID, SLURM_NODELIST, --export=ALL,VAR=...).
import os, re, subprocess, sys
args, script = sys.argv[1:-1], sys.argv[-1]
text = open(script).read()
env = dict(os.environ, SLURM_NODELIST="localhost", SLURM_JOB_ID="1")
for a in args:
    if a.startswith("--export=ALL,"):
        env.update(kv.split("=", 1) for kv in a[len("--export=ALL,"):].split(","))
m = re.search(r"^#SBATCH --array=(\d+)-(\d+)", text, re.M)
for i in (range(int(m.group(1)), int(m.group(2)) + 1) if m else [None]):
    run_env = dict(env)
    if i is not None:
        run_env["SLURM_ARRAY_TASK_ID"] = str(i)
    subprocess.run(["bash", script], env=run_env, check=True)
print("Submitted batch job 4242")
"""

_FAKE_SCONTROL = """#!/bin/sh
# `scontrol show hostnames NODELIST` for a one-node list
echo "$3"
"""


def test_slurm_executor_with_a_stand_in_sbatch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """SlurmPipelineExecutor end to end, minus Slurm: the executor pickles itself (dill), writes
    its sbatch script and calls `sbatch`; a fake sbatch on PATH runs that script for each array
    index in fresh processes (`launch_pickled_pipeline`), then the `merge_stats` job. Not
    tested: scheduling, srun, requeueing, several nodes."""
    records = _input(tmp_path)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    sbatch = bindir / "sbatch"
    sbatch.write_text(_FAKE_SBATCH.replace("{python}", sys.executable))
    (bindir / "scontrol").write_text(_FAKE_SCONTROL)
    for tool in bindir.iterdir():
        tool.chmod(tool.stat().st_mode | stat.S_IEXEC)
    venv_bin = str(Path(sys.executable).parent)  # launch_pickled_pipeline, merge_stats
    monkeypatch.setenv("PATH", os.pathsep.join([str(bindir), venv_bin, os.environ["PATH"]]))
    monkeypatch.chdir(tmp_path)

    executor = SlurmPipelineExecutor(
        pipeline=_pipeline(tmp_path),
        tasks=2,
        time="00:10:00",
        partition="cpu",
        cpus_per_task=2,
        logging_dir=str(tmp_path / "logs"),
        with_srun=False,  # the fake has no srun
        env_command=f"export PATH={venv_bin}:$PATH",
        requeue_signals=None,
    )
    executor.run()
    logs = tmp_path / "logs"
    script = (logs / "launch_script.slurm").read_text()
    assert "#SBATCH --array=0-1" in script and "launch_pickled_pipeline" in script
    assert sorted(p.name for p in (logs / "completions").iterdir()) == ["00000", "00001"]
    _check_outputs(tmp_path, records, logs / "stats.json")


def test_slurm_pickle_round_trip_in_a_fresh_interpreter(tmp_path: Path) -> None:
    """The pickled executor (as Slurm jobs load it) unpickles where dechaff was never imported."""
    import dill

    executor = SlurmPipelineExecutor(
        pipeline=[DechaffCleaner(mode="article")],
        tasks=1,
        time="00:10:00",
        partition="cpu",
        logging_dir=str(tmp_path / "logs"),
    )
    pik = tmp_path / "executor.pik"
    pik.write_bytes(dill.dumps(executor, fmode=dill.CONTENTS_FMODE))
    code = textwrap.dedent(
        f"""
        import sys, dill
        assert "dechaff" not in sys.modules
        ex = dill.loads(open({str(pik)!r}, "rb").read())
        step = ex.pipeline[0]
        print(step.cleaner.clean("Body text here.\\n\\nShare this article").text)
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "Body text here."
