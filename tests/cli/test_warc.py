"""WARC and WET input: real files from ../shared/bench/warc and files written here with warcio."""

from __future__ import annotations

import gc
import io
import warnings
from pathlib import Path
from typing import Any

import dechaff.io.readers as readers
import pytest
from _helpers import WARC_DIR, read_jsonl, run_cli, sample_records, stats_of

ARTICLE = sample_records()[7]["text"] + "\n\nShare this article\n"  # ex-008: no chaff of its own


def _write_warc(path: Path, *, wet: bool = True, truncate: bool = False) -> None:
    with warnings.catch_warnings():
        # warcio's writer leaves SpooledTemporaryFile buffers to the garbage collector
        warnings.simplefilter("ignore", ResourceWarning)
        _write_warc_records(path, wet=wet, truncate=truncate)
        gc.collect()


def _write_warc_records(path: Path, *, wet: bool, truncate: bool) -> None:
    warcio = pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=True)
    w.write_record(w.create_warcinfo_record("x.warc.gz", {"software": "test"}))
    html = b"<html><body><p>Hello canal</p></body></html>"
    http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
    w.write_record(
        w.create_warc_record("http://example.com/a", "response", payload=io.BytesIO(html), http_headers=http)
    )
    w.write_record(
        w.create_warc_record(
            "http://example.com/a",
            "request",
            payload=io.BytesIO(b"GET / HTTP/1.1\r\n\r\n"),
            warc_content_type="application/http; msgtype=request",
        )
    )
    img = StatusAndHeaders("200 OK", [("Content-Type", "image/png")], protocol="HTTP/1.1")
    w.write_record(
        w.create_warc_record(
            "http://example.com/i.png", "response", payload=io.BytesIO(b"\x89PNG"), http_headers=img
        )
    )
    if wet:
        w.write_record(
            w.create_warc_record(
                "http://example.com/b",
                "conversion",
                payload=io.BytesIO(ARTICLE.encode()),
                warc_content_type="text/plain",
            )
        )
    data = buf.getvalue()
    assert warcio is not None
    path.write_bytes(data[: len(data) - 60] if truncate else data)


@pytest.fixture(params=["fastwarc", "warcio"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    pytest.importorskip(request.param)
    monkeypatch.setattr(readers, "warc_backend", lambda: request.param)
    return str(request.param)


def _clean(tmp_path: Path, src: Path) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    out, q = tmp_path / "o.jsonl", tmp_path / "q.jsonl"
    res = run_cli(["clean", src, "-o", out, "--quarantine", q, "--stats", tmp_path / "s.json", "-q"])
    assert res.code == 0, res.stderr
    return stats_of(tmp_path / "s.json"), read_jsonl(out), (read_jsonl(q) if q.exists() else [])


def test_written_warc_with_wet_record(tmp_path: Path, backend: str) -> None:
    src = tmp_path / "crawl.warc.gz"
    _write_warc(src)
    stats, written, q = _clean(tmp_path, src)
    d = stats["documents"]
    assert (d["read"], d["written"], d["quarantined"]) == (2, 2, 0)
    assert stats["skipped_records"] == 3  # warcinfo, request, image response
    assert [w["url"] for w in written] == ["http://example.com/a", "http://example.com/b"]
    assert written[0]["text"] == "Hello canal"  # the HTML response, through html mode
    assert written[1]["warc_type"] == "conversion"
    assert (
        written[1]["text"].endswith("more colonies.")
        and written[1]["dechaff"]["removed"][-1]["category"] == "share"
    )
    assert q == []


def test_written_warc_truncated(tmp_path: Path, backend: str) -> None:
    src = tmp_path / "cut.warc.gz"
    _write_warc(src, truncate=True)
    stats, _written, q = _clean(tmp_path, src)
    d = stats["documents"]
    assert d["read"] == d["written"] + d["quarantined"]
    assert q[-1]["code"] == "warc_record"
    assert d["written"] == 1  # the HTML response; the WET record was the one cut off


def _shared(name: str) -> Path:
    path = WARC_DIR / name
    if not path.exists():
        pytest.skip("../shared/bench/warc not found")
    return path


# file → (read, written, quarantined by code) with fastwarc: HTML responses go through html mode
SHARED = {
    "warcfile.warc.gz": (16, 16, {}),
    "clueweb-quirk.warc.gz": (29, 29, {}),
    "example.warc.gz": (1, 1, {}),
    "clipped.warc.gz": (1, 0, {"warc_record": 1}),
    "example-trunc.warc": (2, 0, {"warc_record": 2}),
}


@pytest.mark.parametrize("name", sorted(SHARED))
def test_shared_warc_files(tmp_path: Path, name: str) -> None:
    pytest.importorskip("fastwarc")
    src = _shared(name)
    stats, _written, q = _clean(tmp_path, src)
    read, written, reasons = SHARED[name]
    d = stats["documents"]
    assert (d["read"], d["written"], d["quarantined"]) == (read, written, read - written)
    assert stats["quarantine_reasons"] == reasons
    assert all(e["source"] == name and "record_no" in e and "offset" in e for e in q)


def test_shared_broken_warcs_never_stop_the_run(tmp_path: Path, backend: str) -> None:
    names = [
        "example-bad-non-chunked.warc.gz",
        "example-bad.warc.gz.bad",
        "example-wrong-chunks.warc.gz",
        "clipped.warc.gz",
        "example-trunc.warc",
        "example.warc.gz",
    ]
    paths = [_shared(n) for n in names]
    args: list[Any] = ["clean", *paths, "-o", tmp_path / "o.jsonl", "--stats", tmp_path / "s.json", "-q"]
    args[1 + names.index("example-bad.warc.gz.bad")] = str(paths[1])
    # .bad has no known extension: sniffing finds the gzip'd WARC
    res = run_cli(args)
    assert res.code == 0, res.stderr
    stats = stats_of(tmp_path / "s.json")
    assert stats["files"] == len(names)
    assert stats["documents"]["read"] >= len(names) - 1
    assert set(stats["quarantine_reasons"]) <= {"warc_record"}


def _six_responses(gz: bool) -> tuple[bytes, list[int]]:
    """Six HTML responses, and where each record starts."""
    pytest.importorskip("warcio")
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    w = WARCWriter(buf, gzip=gz)
    starts = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        for i in range(6):
            starts.append(buf.tell())
            html = b"<html><body><p>%s Page %d.</p></body></html>" % (ARTICLE.split("\n")[0].encode(), i)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            w.write_record(
                w.create_warc_record(
                    f"http://example.com/{i}", "response", payload=io.BytesIO(html), http_headers=http
                )
            )
        gc.collect()
    return buf.getvalue(), starts


def test_reading_goes_on_after_a_broken_record(tmp_path: Path) -> None:
    # One bad record once ended its file: the records after it were neither read, skipped nor
    # quarantined. A local file is now searched for the next record and read on from there.
    pytest.importorskip("fastwarc")
    plain, starts = _six_responses(gz=False)
    at = plain.index(b"Content-Length: ", starts[1]) + len(b"Content-Length: ")
    end = plain.index(b"\r\n", at)
    longer = plain[:at] + str(int(plain[at:end]) + 50).encode() + plain[end:]  # overruns record 3
    packed, gz_starts = _six_responses(gz=True)
    smashed = bytearray(packed)
    for k in range(gz_starts[2] + 20, gz_starts[3] - 10):  # record 3's gzip member, corrupt
        smashed[k] ^= 0x5A
    for name, data, want_urls in [
        ("long.warc", longer, [f"http://example.com/{i}" for i in range(6)]),
        ("smashed.warc.gz", bytes(smashed), [f"http://example.com/{i}" for i in (0, 1, 3, 4, 5)]),
    ]:
        src = tmp_path / name
        src.write_bytes(data)
        stats, written, q = _clean(tmp_path, src)
        d = stats["documents"]
        assert (d["written"], d["quarantined"]) == (len(want_urls), 1), name
        assert [w["url"] for w in written] == want_urls, name
        assert q[0]["code"] == "warc_record" and "reading goes on at byte" in q[0]["reason"], name
