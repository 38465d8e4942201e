"""Ray Data and datatrove's RayPipelineExecutor on a local 2-CPU Ray instance."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="needs the ray extra: pip install 'dechaff[ray]'")
pytest.importorskip("ray.data", reason="needs ray[data]: pip install 'dechaff[ray]'")
pytest.importorskip("pyarrow", reason="needs pyarrow: pip install 'dechaff[ray]'")

from dechaff import Cleaner  # noqa: E402
from dechaff.arrow import clean_table  # noqa: E402

from .conftest import make_articles, read_jsonl_dir, write_jsonl_gz  # noqa: E402

# Ray's own deprecation notices (raised inside ray on its own defaults) are not our failures.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:ray", "ignore::FutureWarning:ray")

TIME_LIMIT = 240  # seconds for any one test here (Ray start-up included)


@pytest.fixture(scope="module")
def local_ray() -> Iterator[None]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=200 * 1024 * 1024,
        log_to_driver=False,
        configure_logging=False,
    )
    try:
        yield
    finally:
        ray.shutdown()


@pytest.fixture(autouse=True)
def time_limit() -> Iterator[None]:
    def expire(signum: int, frame: Any) -> None:
        raise TimeoutError(f"Ray test took more than {TIME_LIMIT} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TIME_LIMIT)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_ray_data_map_batches_equals_clean_batch(local_ray: None, tmp_path: Path) -> None:
    records: list[dict[str, Any]] = make_articles(40)
    records.append({"id": "doc-null", "text": None})
    src = tmp_path / "in"
    src.mkdir()
    for i in range(2):
        with open(src / f"part-{i}.jsonl", "w", encoding="utf-8") as f:
            for rec in records[i::2]:
                f.write(json.dumps(rec) + "\n")

    ds = ray.data.read_json(str(src))
    ds = ds.map_batches(clean_table, batch_format="pyarrow", batch_size=8)
    ds.write_json(str(tmp_path / "out"))

    out = {r["id"]: r for r in read_jsonl_dir(tmp_path / "out")}
    assert sorted(out) == sorted(r["id"] for r in records)
    assert out["doc-null"]["clean_text"] is None
    assert json.loads(out["doc-null"]["dechaff"])["skipped"] == "null text"

    real = [r for r in records if r["text"] is not None]
    expected = Cleaner().clean_batch([r["text"] for r in real])
    for rec, res in zip(real, expected, strict=False):
        got = out[rec["id"]]
        assert got["text"] == rec["text"]
        assert got["clean_text"] == res.text
        assert json.loads(got["dechaff"]) == res.report()


def test_datatrove_ray_executor(local_ray: None, tmp_path: Path) -> None:
    pytest.importorskip("datatrove", reason="needs the datatrove extra")
    from datatrove.executor import RayPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from dechaff.integrations.datatrove import DechaffCleaner

    records = make_articles(20)
    for i in range(2):
        write_jsonl_gz(tmp_path / "in" / f"part-{i}.jsonl.gz", records[i * 10 : (i + 1) * 10])
    executor = RayPipelineExecutor(
        pipeline=[
            JsonlReader(str(tmp_path / "in")),
            DechaffCleaner(exclusion_writer=JsonlWriter(str(tmp_path / "emptied"))),
            JsonlWriter(str(tmp_path / "out")),
        ],
        tasks=2,
        workers=2,
        mem_per_cpu_gb=0.5,
        logging_dir=str(tmp_path / "logs"),
    )
    executor.run()
    results = Cleaner().clean_batch([r["text"] for r in records])
    kept = {r["id"]: res for r, res in zip(records, results, strict=False) if res.text.strip()}
    out = read_jsonl_dir(tmp_path / "out")
    assert sorted(r["id"] for r in out) == sorted(kept)
    for rec in out:
        assert rec["text"] == kept[rec["id"]].text
        assert rec["metadata"]["dechaff"] == kept[rec["id"]].report()
    assert len(read_jsonl_dir(tmp_path / "emptied")) == len(records) - len(kept)
    assert sorted(p.name for p in (tmp_path / "logs" / "completions").iterdir()) == ["00000", "00001"]
