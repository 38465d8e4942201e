"""Remote inputs through fsspec, on its in-memory file system (no network): the same records, counts
and shard names as local files; remote outputs refused before anything is written."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import SAMPLE, read_jsonl, run_cli, stats_of

fsspec = pytest.importorskip("fsspec", reason="remote inputs need fsspec (pip install 'dechaff[remote]')")


@pytest.fixture
def remote(sample: list[dict[str, Any]]) -> Any:
    """memory://corpus with the sample split over two files (one gzipped, one in a subdirectory),
    a hidden file and a file of an unknown kind, both to be left out of a directory listing."""
    fs = fsspec.filesystem("memory")
    root = "/dechaff-test-corpus"
    lines = [json.dumps(r, ensure_ascii=False) + "\n" for r in sample]
    half = len(lines) // 2
    fs.pipe(f"{root}/a.jsonl", "".join(lines[:half]).encode())
    fs.pipe(f"{root}/sub/b.jsonl.gz", gzip.compress("".join(lines[half:]).encode()))
    fs.pipe(f"{root}/.hidden/c.jsonl", lines[0].encode())
    fs.pipe(f"{root}/notes.bin", b"\x00\x01")
    yield f"memory://{root}"
    fs.rm(root, recursive=True)


def test_remote_directory_equals_the_local_run(tmp_path: Path, remote: str) -> None:
    local = run_cli(["clean", SAMPLE, "-o", tmp_path / "local.jsonl", "-q"])
    assert local.code == 0, local.stderr
    res = run_cli(["clean", remote, "-o", tmp_path / "remote.jsonl", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    # a.jsonl then sub/b.jsonl.gz: the sample's records in order, cleaned the same way
    assert read_jsonl(tmp_path / "remote.jsonl") == read_jsonl(tmp_path / "local.jsonl")
    docs = stats_of(tmp_path / "s.json")["documents"]
    assert (docs["read"], docs["written"], docs["quarantined"]) == (26, 26, 0)


def test_remote_glob_single_file_and_shard_names(tmp_path: Path, remote: str) -> None:
    res = run_cli(["clean", f"{remote}/**/*.gz", "-o", tmp_path / "g.jsonl", "-q"])
    assert res.code == 0, res.stderr
    assert len(read_jsonl(tmp_path / "g.jsonl")) == 13
    res = run_cli(["clean", f"{remote}/a.jsonl", "-o", tmp_path / "one.jsonl", "-q"])
    assert res.code == 0, res.stderr
    assert len(read_jsonl(tmp_path / "one.jsonl")) == 13
    # a directory output keeps the inputs' relative paths, as for local directories
    res = run_cli(["clean", remote, "-o", tmp_path / "shards/", "-q"])
    assert res.code == 0, res.stderr
    names = sorted(str(p.relative_to(tmp_path / "shards")) for p in (tmp_path / "shards").rglob("*.jsonl*"))
    assert any(n.startswith("a.") for n in names) and any(n.startswith("sub/b.") for n in names), names


def test_missing_remote_paths_and_remote_outputs_are_clear_errors(tmp_path: Path, remote: str) -> None:
    res = run_cli(["clean", f"{remote}/nothing-here", "-o", tmp_path / "o.jsonl", "-q"])
    assert res.code != 0 and "no such file or directory" in res.stderr
    res = run_cli(["clean", f"{remote}/*.parquet", "-o", tmp_path / "o.jsonl", "-q"])
    assert res.code != 0 and "no file matches" in res.stderr
    res = run_cli(["clean", "nosuchscheme-dechaff://x/y.jsonl", "-o", tmp_path / "o.jsonl", "-q"])
    assert res.code != 0 and "cannot read nosuchscheme-dechaff://x/y.jsonl" in res.stderr
    for flag in ("-o", "--quarantine", "--stats"):
        args = ["clean", SAMPLE, "-o", tmp_path / "o.jsonl", "-q"]
        if flag == "-o":
            args[3] = "memory://out/o.jsonl"
        else:
            args += [flag, "memory://out/x.jsonl"]
        res = run_cli(args)
        assert res.code != 0 and "remote outputs are not supported" in res.stderr, (flag, res.stderr)
    assert not list(tmp_path.iterdir()), "nothing is written when an output is remote"


def test_resume_redoes_only_the_remote_file_that_changed(tmp_path: Path, remote: str) -> None:
    out = tmp_path / "shards/"
    assert run_cli(["clean", remote, "-o", out, "-q"]).code == 0
    shards = sorted(p for p in Path(out).rglob("*.jsonl*") if ".dechaff" not in p.parts)
    before = {p: p.read_bytes() for p in shards}
    fs = fsspec.filesystem("memory")
    path = remote.removeprefix("memory://") + "/a.jsonl"
    fs.pipe(path, b"".join(fs.cat(path).splitlines(keepends=True)[:-1]))  # one record fewer
    res = run_cli(["clean", remote, "-o", out, "--resume", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    after = {p: p.read_bytes() for p in shards}
    changed = [p.name for p in shards if after[p] != before[p]]
    assert changed == [p.name for p in shards if p.name.startswith("a.")], changed
    assert len(read_jsonl(next(p for p in shards if p.name.startswith("a.")))) == 12
    assert stats_of(tmp_path / "s.json")["documents"]["read"] == 25  # 12 cleaned again + 13 resumed


class _Dropped(Exception):
    """Not an OSError, as the errors of botocore or aiohttp are not."""


def test_a_remote_stream_that_breaks_keeps_what_was_read_and_quarantines_the_break(
    tmp_path: Path, remote: str
) -> None:
    from fsspec.implementations.memory import MemoryFileSystem

    class Breaking(MemoryFileSystem):  # type: ignore[misc]
        protocol = "dechaff-breaking"

        @classmethod
        def _strip_protocol(cls, path: str) -> str:
            return str(super()._strip_protocol(path.removeprefix("dechaff-breaking://")))

        def _open(self, path: str, mode: str = "rb", **kwargs: Any) -> Any:
            f = super()._open(path, mode, **kwargs)
            real, limit = f.read, 2000

            def read(n: int = -1) -> bytes:
                if f.tell() >= limit:
                    raise _Dropped("connection reset")
                return real(limit - f.tell() if n < 0 else min(n, limit - f.tell()))

            f.read = read
            return f

    fsspec.register_implementation("dechaff-breaking", Breaking, clobber=True)
    url = remote.replace("memory://", "dechaff-breaking://") + "/a.jsonl"
    res = run_cli(["clean", url, "-o", tmp_path / "o.jsonl", "--quarantine", tmp_path / "q.jsonl", "-q"])
    assert res.code == 0, res.stderr
    kept = read_jsonl(tmp_path / "o.jsonl")
    quarantined = read_jsonl(tmp_path / "q.jsonl")
    assert 0 < len(kept) < 13 and len(quarantined) == 1, (len(kept), quarantined)
    assert "connection reset" in json.dumps(quarantined[0])


@pytest.mark.parametrize("backend", ["fastwarc", "warcio"])
def test_remote_warc_and_parquet_read_as_local_files_do(
    tmp_path: Path, remote: str, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The readers that open files themselves (Parquet, WARC) read remote ones too."""
    import dechaff.io.readers as readers
    from test_warc import _write_warc

    pytest.importorskip(backend)
    monkeypatch.setattr(readers, "warc_backend", lambda: backend)
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    fs = fsspec.filesystem("memory")
    root = remote.removeprefix("memory://")
    _write_warc(tmp_path / "x.warc.gz")
    pq.write_table(pa.Table.from_pylist(read_jsonl(Path(SAMPLE))), tmp_path / "t.parquet")
    for name in ("x.warc.gz", "t.parquet"):
        fs.pipe(f"{root}/{name}", (tmp_path / name).read_bytes())
        local = run_cli(["clean", tmp_path / name, "-o", tmp_path / f"{name}.local.jsonl", "-q"])
        far = run_cli(["clean", f"{remote}/{name}", "-o", tmp_path / f"{name}.remote.jsonl", "-q"])
        assert local.code == 0 and far.code == 0, (local.stderr, far.stderr)
        got = read_jsonl(tmp_path / f"{name}.remote.jsonl")
        assert got and got == read_jsonl(tmp_path / f"{name}.local.jsonl"), name
