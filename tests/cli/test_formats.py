"""Every input and output format of ``dechaff clean``, with exact counts."""

from __future__ import annotations

import bz2
import gzip
import json
import lzma
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest
from _helpers import SAMPLE, read_jsonl, run_cli, stats_of, write_jsonl
from dechaff import Cleaner

N = 26  # records in examples/sample.jsonl


def _expected_texts(records: list[dict[str, Any]]) -> list[str]:
    cleaner = Cleaner(mode="article")
    return [r.text for r in cleaner.clean_batch([rec["text"] for rec in records])]


def test_jsonl_to_jsonl_keeps_fields_in_order_and_adds_report(
    tmp_path: Path, sample: list[dict[str, Any]]
) -> None:
    out = tmp_path / "out.jsonl"
    res = run_cli(["clean", SAMPLE, "-o", out, "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    got = read_jsonl(out)
    assert len(got) == N
    for src, rec in zip(sample, got, strict=False):
        assert list(rec) == [*src.keys(), "dechaff"]
        assert rec["id"] == src["id"] and rec["url"] == src["url"]
        rep = rec["dechaff"]
        assert set(rep) >= {"removed", "chars_before", "chars_after"}
        assert rep["chars_after"] == len(rec["text"])
        for span in rep["removed"]:
            assert set(span) == {"start", "end", "rule", "category"}
    assert [r["text"] for r in got] == _expected_texts(sample)
    stats = stats_of(tmp_path / "s.json")
    assert stats["documents"]["read"] == N and stats["documents"]["written"] == N
    assert stats["documents"]["quarantined"] == 0
    assert stats["chars"]["removed"] > 0 and stats["categories"]
    assert not (tmp_path / "out.quarantine.jsonl").exists()


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz", "zst"])
def test_compressed_input_and_output(tmp_path: Path, ext: str) -> None:
    if ext == "zst":
        zstandard = pytest.importorskip("zstandard")
        compress = zstandard.ZstdCompressor().compress
    else:
        compress = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[ext]
    src = tmp_path / f"in.jsonl.{ext}"
    src.write_bytes(compress(SAMPLE.read_bytes()))
    out = tmp_path / f"out.jsonl.{ext}"
    res = run_cli(["clean", src, "-o", out, "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    head = out.read_bytes()[:6]
    magic = {"gz": b"\x1f\x8b", "bz2": b"BZh", "xz": b"\xfd7zXZ", "zst": b"\x28\xb5\x2f\xfd"}[ext]
    assert head.startswith(magic)
    assert len(read_jsonl(out)) == N
    assert stats_of(tmp_path / "s.json")["documents"]["written"] == N


def test_compression_recognised_by_magic_bytes(tmp_path: Path) -> None:
    src = tmp_path / "mislabelled.jsonl"  # gzip inside, plain extension
    src.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    res = run_cli(["clean", src, "-q"])
    assert res.code == 0, res.stderr
    assert len(res.jsonl()) == N


def test_stdin_to_stdout(tmp_path: Path) -> None:
    res = run_cli(["clean", "-", "-o", "-", "-q"], stdin=gzip.compress(SAMPLE.read_bytes()))
    assert res.code == 0, res.stderr
    assert [r["id"] for r in res.jsonl()] == [f"ex-{i:03d}" for i in range(1, N + 1)]


def test_stdin_plain_text_document() -> None:
    text = "The council met on Monday and approved the budget, officials said.\n\nShare this article\n"
    res = run_cli(["clean", "-", "-f", "txt", "-q"], stdin=text.encode())
    assert res.code == 0, res.stderr
    assert res.stdout.decode() == "The council met on Monday and approved the budget, officials said.\n"


def test_summary_on_stderr(tmp_path: Path) -> None:
    res = run_cli(["clean", SAMPLE, "-o", tmp_path / "o.jsonl"])
    assert res.code == 0
    assert "documents read" in res.stderr and "characters removed" in res.stderr
    assert "read = written + quarantined" in res.stderr and "ok" in res.stderr
    assert "category" in res.stderr and "caption" in res.stderr


@pytest.mark.parametrize("fast", ["1", "0"])
def test_language_counts_with_lang_auto(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fast: str) -> None:
    monkeypatch.setenv("DECHAFF_FAST_PATH", fast)
    english = "The council met on Monday and the members approved the budget for the schools."
    german = "Der Rat hat am Montag getagt und die Mitglieder haben den Haushalt für die Schulen genehmigt."
    records = [{"text": english}] * 3 + [{"text": german}] * 2 + [{"text": "12345"}, {"title": "no text"}]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out, stats_file = tmp_path / "out.jsonl", tmp_path / "s.json"
    res = run_cli(["clean", src, "-o", out, "--lang", "auto", "--stats", stats_file])
    assert res.code == 0, res.stderr
    stats = stats_of(stats_file)
    assert stats["languages"] == {"en": 3, "de": 2, "all": 1}
    assert sum(stats["languages"].values()) == stats["documents"]["written"] == 6
    assert "languages" in res.stderr and "en 3 · de 2 · all 1" in res.stderr
    # With a fixed language nothing is detected, and nothing is counted.
    res = run_cli(["clean", src, "-o", tmp_path / "en.jsonl", "--stats", tmp_path / "en.json", "-q"])
    assert res.code == 0 and stats_of(tmp_path / "en.json")["languages"] == {}


def test_language_pack_reads_common_labels() -> None:
    from dechaff.bulk import language_pack

    for label, pack in [("de", "de"), ("de-AT", "de"), ("pt_BR", "pt"), ("deu_Latn", "de"), (" ENG ", "en")]:
        assert language_pack(label) == pack, label
    for label in ["ja", "", "english", None, 7, ["de"]]:
        assert language_pack(label) is None, label


def test_lang_field_picks_each_records_pack(tmp_path: Path) -> None:
    german = "Der Rat hat am Montag getagt und die Mitglieder haben den Haushalt für die Schulen genehmigt."
    doc = f"{german}\n\nArtikel teilen"
    records = [
        {"id": 0, "text": doc, "meta": {"language": "de"}},
        {"id": 1, "text": doc, "meta": {"language": "ja"}},  # no pack: the run's --lang (en)
        {"id": 2, "text": doc},  # no label: the same
        {"id": 3, "text": doc, "meta": {"language": "deu_Latn"}},
        {"id": 4, "meta": {"language": "de"}},  # no text: quarantined as usual
    ]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out, stats_file = tmp_path / "out.jsonl", tmp_path / "s.json"
    res = run_cli(["clean", src, "-o", out, "--lang-field", "meta.language", "--stats", stats_file, "-q"])
    assert res.code == 0, res.stderr
    got = read_jsonl(out)
    assert [r["id"] for r in got] == [0, 1, 2, 3]  # input order across packs
    assert [r["text"] for r in got] == [german, doc, doc, german]
    assert [r["dechaff"].get("lang") for r in got] == ["de", None, None, "de"]
    assert got[0]["dechaff"]["removed"][0]["rule"] == "de.share.button"
    stats = stats_of(stats_file)
    assert stats["languages"] == {"de": 2}
    assert stats["documents"]["quarantined"] == 1
    # Unlabelled records can still be detected.
    res = run_cli(
        ["clean", src, "-o", tmp_path / "auto.jsonl", "--lang-field", "meta.language", "--lang", "auto", "-q"]
    )
    assert res.code == 0, res.stderr
    assert [r["text"] for r in read_jsonl(tmp_path / "auto.jsonl")] == [german] * 4


def test_lang_field_with_html_records(tmp_path: Path) -> None:
    body = (
        "Der Rat hat am Montag getagt und die Mitglieder haben den Haushalt für die Schulen genehmigt. " * 3
    )
    page = f"<html><body><article><h1>Haushalt</h1><p>{body}</p><p>{body}</p></article></body></html>"
    records = [{"id": i, "html": page, "lang": lang} for i, lang in enumerate(["de", "fr", None])]
    src = write_jsonl(tmp_path / "in.jsonl", records)
    out, stats_file = tmp_path / "out.jsonl", tmp_path / "s.json"
    args = [
        "clean",
        src,
        "-o",
        out,
        "--html-field",
        "html",
        "--lang-field",
        "lang",
        "--stats",
        stats_file,
        "-q",
    ]
    res = run_cli(args)
    assert res.code == 0, res.stderr
    got = read_jsonl(out)
    assert [r["id"] for r in got] == [0, 1, 2]
    assert [r["dechaff"].get("lang") for r in got] == ["de", "fr", None]
    assert all("Der Rat hat am Montag" in r["text"] for r in got)
    assert stats_of(stats_file)["languages"] == {"de": 1, "fr": 1}


def test_txt_and_html_files_directory_recursive_and_glob(tmp_path: Path) -> None:
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_text((SAMPLE.parent / "sample.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (root / "sub" / "b.txt").write_text("A plain short article about the canal.\n", encoding="utf-8")
    html = (
        "<html><head><title>Canal news</title></head><body><article>"
        "<p>The canal trust reopened the towpath on Saturday after six months of repairs to the old "
        "lock gates, and hundreds of walkers and cyclists came to see the work.</p>"
        "<p>Share this article</p></article></body></html>"
    )
    (root / "sub" / "c.html").write_text(html, encoding="utf-8")
    (root / "sub" / "ignored.bin").write_bytes(b"\x00\x01")
    res = run_cli(["clean", root, "-o", tmp_path / "o.jsonl", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    recs = read_jsonl(tmp_path / "o.jsonl")
    assert [r["id"] for r in recs] == ["a.txt", "sub/b.txt", "sub/c.html"]
    stats = stats_of(tmp_path / "s.json")
    assert stats["documents"] == {
        "read": 3,
        "written": 3,
        "quarantined": 0,
        "changed": 2,
        "emptied": 0,
        "balanced": True,
    }
    assert not (tmp_path / "o.quarantine.jsonl").exists()
    html_rec = recs[2]
    assert html_rec["id"] == "sub/c.html" and html_rec["text"].startswith("The canal trust reopened")
    assert "Share this article" not in html_rec["text"]
    # a quoted glob, expanded by dechaff
    res = run_cli(["clean", f"{root}/**/*.txt", "-o", tmp_path / "g.jsonl", "-q"])
    assert res.code == 0, res.stderr
    assert [r["id"] for r in read_jsonl(tmp_path / "g.jsonl")] == ["a.txt", "sub/b.txt"]


def test_nested_fields(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    nested = [{"meta": {"doc_id": r["id"]}, "body": {"content": r["text"]}, "extra": 1} for r in sample[:5]]
    src = write_jsonl(tmp_path / "n.jsonl", nested)
    res = run_cli(
        [
            "clean",
            src,
            "--text-field",
            "body.content",
            "--id-field",
            "meta.doc_id",
            "--report",
            tmp_path / "r.jsonl",
            "-q",
        ]
    )
    assert res.code == 0, res.stderr
    got = res.jsonl()
    assert [list(r) for r in got] == [["meta", "body", "extra"]] * 5  # no report field: --report
    assert [r["body"]["content"] for r in got] == _expected_texts(sample[:5])
    reports = read_jsonl(tmp_path / "r.jsonl")
    assert [r["id"] for r in reports] == [r["id"] for r in sample[:5]]
    assert all("removed" in r["dechaff"] for r in reports)


def test_dry_run_writes_nothing_and_reports(tmp_path: Path) -> None:
    out = tmp_path / "o.jsonl"
    res = run_cli(["clean", SAMPLE, "-o", out, "--dry-run", "-q"])
    assert res.code == 0, res.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    reports = res.jsonl()
    assert len(reports) == N and all("dechaff" in r and "source" in r for r in reports)


def test_disable_category(tmp_path: Path) -> None:
    res = run_cli(["clean", SAMPLE, "--disable", "caption,label", "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    cats = stats_of(tmp_path / "s.json")["categories"]
    assert "caption" not in cats and "label" not in cats


def test_parquet_in_and_out(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.Table.from_pylist([{**r, "n": i} for i, r in enumerate(sample)])
    pq.write_table(table, tmp_path / "in.parquet")
    out = tmp_path / "out.parquet"
    res = run_cli(["clean", tmp_path / "in.parquet", "-o", out, "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    got = pq.read_table(out).to_pylist()
    assert [list(r) for r in got] == [["id", "url", "text", "n", "dechaff"]] * N
    assert [r["n"] for r in got] == list(range(N))
    assert [r["text"] for r in got] == _expected_texts(sample)
    assert "removed" in json.loads(got[0]["dechaff"])  # the report is a JSON string column
    # Parquet → JSONL
    res = run_cli(["clean", tmp_path / "in.parquet", "-q"])
    assert [r["n"] for r in res.jsonl()] == list(range(N))
    # a file that is not Parquet: quarantined, counted
    (tmp_path / "bad.parquet").write_bytes(b"PAR1 nonsense")
    res = run_cli(
        ["clean", tmp_path / "bad.parquet", "-o", tmp_path / "b.jsonl", "--stats", tmp_path / "s2.json", "-q"]
    )
    assert stats_of(tmp_path / "s2.json")["quarantine_reasons"] == {"read_error": 1}


def test_output_directory_of_txt(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    src = write_jsonl(tmp_path / "part-1.jsonl", sample[:3])
    out = tmp_path / "txt"
    res = run_cli(["clean", src, "-o", out, "-f", "txt", "-q"])
    assert res.code == 0, res.stderr
    files = sorted(p.name for p in (out / "part-1").iterdir())
    assert files == ["ex-001.txt", "ex-002.txt", "ex-003.txt"]
    assert (out / "part-1" / "ex-001.txt").read_text(encoding="utf-8") == _expected_texts(sample[:1])[
        0
    ] + "\n"


def test_output_directory_one_shard_per_input(tmp_path: Path, sample: list[dict[str, Any]]) -> None:
    ind = tmp_path / "in"
    ind.mkdir()
    write_jsonl(ind / "a.jsonl", sample[:10])
    (ind / "b.jsonl.gz").write_bytes(gzip.compress(json.dumps(sample[10]).encode() + b"\n{oops\n"))
    out = tmp_path / "out"
    res = run_cli(["clean", ind, "-o", out, "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    assert sorted(p.name for p in out.iterdir()) == [".dechaff", "a.jsonl", "b.jsonl.gz", "quarantine.jsonl"]
    assert len(read_jsonl(out / "a.jsonl")) == 10 and len(read_jsonl(out / "b.jsonl.gz")) == 1
    q = read_jsonl(out / "quarantine.jsonl")
    assert [(e["source"], e["line"], e["code"]) for e in q] == [("b.jsonl.gz", 2, "malformed_json")]
    d = stats_of(tmp_path / "s.json")["documents"]
    assert (d["read"], d["written"], d["quarantined"]) == (12, 11, 1)
    # a second run without --resume refuses to mix runs
    res = run_cli(["clean", ind, "-o", out, "-q"])
    assert res.code == 2 and "--resume" in res.stderr
    res = run_cli(["clean", ind, "-o", out, "--resume", "--stats", tmp_path / "s2.json", "-q"])
    assert res.code == 0
    assert stats_of(tmp_path / "s2.json")["documents"] == stats_of(tmp_path / "s.json")["documents"]


def test_same_output_with_one_or_two_workers(tmp_path: Path) -> None:
    a = run_cli(["clean", SAMPLE, "--workers", "1", "--batch-size", "7", "-q"])
    b = run_cli(["clean", SAMPLE, "--workers", "2", "-q"])
    assert a.code == b.code == 0
    assert a.stdout == b.stdout


def test_rules_command() -> None:
    res = run_cli(["rules", "--lang", "en"])
    assert res.code == 0
    lines = res.stdout.decode().splitlines()
    assert lines[0].split()[:3] == ["id", "category", "action"]
    assert any(line.startswith("common.label.date") for line in lines)
    js = run_cli(["rules", "--json", "--category", "cookie"]).jsonl()
    assert js and {r["category"] for r in js} == {"cookie"}


def test_explain_command(tmp_path: Path) -> None:
    res = run_cli(["explain", SAMPLE.parent / "sample.txt", "--color", "never"])
    assert res.code == 0, res.stderr
    text = res.stdout.decode()
    assert "removals" in text and "[-" in text and "-]{" in text
    colored = run_cli(["explain", SAMPLE, "--limit", "1", "--color", "always"]).stdout.decode()
    assert "\x1b[2;31m" in colored and "common.label.date" in colored and colored.count("── ") == 1


def test_missing_input_is_a_usage_error(tmp_path: Path) -> None:
    res = run_cli(["clean", tmp_path / "nope.jsonl"])
    assert res.code == 2 and "no such file" in res.stderr


def test_extra_rules_and_a_broken_rule_file(tmp_path: Path) -> None:
    """The engine is built on a second thread while the CLI imports the rest: a user's rule still
    applies, and a broken rule file is still a usage error naming the file."""
    src = tmp_path / "in.jsonl"
    record = {"id": 1, "text": "A first paragraph of the story.\nZebra banner xyz\n"}
    src.write_text(json.dumps(record) + "\n")
    rules = tmp_path / "mine.toml"
    rules.write_text(
        '[[rule]]\nid = "mine.banner"\ncategory = "promo"\nscope = "line"\nphrases = ["zebra banner xyz"]\n'
    )
    plain = run_cli(["clean", src, "-q", "--mode", "article"])
    mine = run_cli(["clean", src, "-q", "--mode", "article", "--rules", rules])
    assert plain.code == mine.code == 0, mine.stderr
    assert "Zebra banner" in plain.jsonl()[0]["text"]
    assert mine.jsonl()[0]["text"] == "A first paragraph of the story."
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]\n")
    res = run_cli(["clean", src, "-q", "--rules", broken])
    assert res.code == 2 and "broken.toml" in res.stderr and "invalid rule file" in res.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_output_to_a_fifo_writes_in_place(tmp_path: Path) -> None:
    """A device or FIFO given as -o is written, never replaced by a renamed file (/dev/null once was)."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    res = run_cli(["clean", SAMPLE, "-o", fifo, "--quarantine", tmp_path / "q.jsonl", "-q"])
    reader.join(timeout=30)
    assert res.code == 0, res.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert len(got[0].splitlines()) == N


def test_outputs_get_the_mode_open_would_give_them(tmp_path: Path) -> None:
    # Written through mkstemp, the output, quarantine and stats files were all 0600 whatever the
    # umask, and a rewritten output lost its mode.
    from dechaff.io import writers

    want = 0o666 & ~writers._UMASK
    src = tmp_path / "in.jsonl"
    src.write_text('{"id":"a","text":"Fine text."}\n{broken\n', encoding="utf-8")
    out, q, st = tmp_path / "o.jsonl", tmp_path / "q.jsonl", tmp_path / "s.json"
    assert run_cli(["clean", src, "-o", out, "--quarantine", q, "--stats", st, "-q"]).code == 0
    assert [stat.S_IMODE(os.stat(p).st_mode) for p in (out, q, st)] == [want] * 3
    os.chmod(out, 0o640)
    assert run_cli(["clean", src, "-o", out, "--quarantine", q, "-q"]).code == 0
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o640


def test_format_option_sets_the_compression_of_a_single_output(tmp_path: Path) -> None:
    # -f jsonl.gz was ignored: "-o out.jsonl -f jsonl.gz" wrote plain JSONL, and on stdout the
    # compressed formats silently came out plain. Now -f compresses the file whatever its name,
    # and a compressed format or Parquet to stdout is a usage error.
    src = tmp_path / "in.jsonl"
    src.write_text('{"id":"a","text":"Fine text."}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert run_cli(["clean", src, "-o", out, "-f", "jsonl.gz", "-q"]).code == 0
    assert gzip.decompress(out.read_bytes()).startswith(b'{"id":"a"')
    named = tmp_path / "named.jsonl.xz"
    assert run_cli(["clean", src, "-o", named, "-f", "jsonl", "-q"]).code == 0  # the name decides
    assert lzma.decompress(named.read_bytes()).startswith(b'{"id":"a"')
    for fmt in ("jsonl.gz", "jsonl.zst", "parquet"):
        res = run_cli(["clean", src, "-o", "-", "-f", fmt, "-q"])
        assert res.code == 2 and "cannot go to stdout" in res.stderr and res.stdout == b""
