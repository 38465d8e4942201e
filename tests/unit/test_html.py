"""HTML mode: decoding, extraction, metadata, the post-pass, timeouts (no ../shared needed)."""

from __future__ import annotations

import codecs

import pytest
from dechaff import html as H
from dechaff.errors import OptionError

BODY = " ".join(
    f"Paragraph {i} tells the story of the harbour town and its fishermen, who sailed out every "
    f"morning before dawn and came back with the day's catch for the market square."
    for i in range(6)
)


def page(extra_head: str = "", charset: str = "", body_extra: str = "") -> str:
    meta = f'<meta charset="{charset}">' if charset else ""
    paras = "".join(f"<p>{s.strip()}.</p>" for s in BODY.split(".") if s.strip())
    return f"""<!DOCTYPE html><html><head>{meta}
<title>Harbour town keeps its fishing fleet | The Coast News</title>
<meta property="og:site_name" content="The Coast News">
<meta name="author" content="Jane Smith">
<meta property="article:published_time" content="2021-03-04T10:00:00Z">
<link rel="canonical" href="https://example.com/harbour">
{extra_head}</head><body>
<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>
<article><h1>Harbour town keeps its fishing fleet</h1>
<p class="byline">By Jane Smith</p>
{paras}{body_extra}
</article>
<footer><p>Copyright 2021 The Coast News. All rights reserved.</p></footer>
</body></html>"""


# --- decoding ---------------------------------------------------------------------------------


def test_decode_utf8_default() -> None:
    text, meta = H.decode_html("<p>café</p>".encode())
    assert text == "<p>café</p>"
    assert meta == {"encoding": "utf-8", "encoding_source": "default"}


def test_decode_bom_wins_over_meta() -> None:
    raw = codecs.BOM_UTF16_LE + '<meta charset="iso-8859-1"><p>ü</p>'.encode("utf-16-le")
    text, meta = H.decode_html(raw)
    assert text.endswith("<p>ü</p>")
    assert meta["encoding_source"] == "bom" and meta["encoding"] == "utf-16-le"
    text, meta = H.decode_html(codecs.BOM_UTF8 + "<p>é</p>".encode())
    assert text == "<p>é</p>" and meta["encoding"] == "utf-8" and meta["encoding_source"] == "bom"


def test_decode_meta_charset_latin1_means_windows_1252() -> None:
    raw = '<html><head><meta charset="ISO-8859-1"></head><p>“quoted” café</p>'.encode("cp1252")
    text, meta = H.decode_html(raw)
    assert "“quoted” café" in text
    assert meta["encoding"] == "cp1252" and meta["encoding_source"] == "meta"
    assert "decode_errors" not in meta


def test_decode_http_equiv() -> None:
    raw = ('<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS"><p>日本語</p>').encode(
        "shift_jis"
    )
    text, meta = H.decode_html(raw)
    assert "日本語" in text and meta["encoding"] == "cp932"


def test_decode_errors_replaced_and_reported() -> None:
    text, meta = H.decode_html(b"<p>caf\xe9 au lait</p>")
    assert "\ufffd" in text
    assert meta["encoding"] == "utf-8" and meta["decode_errors"] == "replaced"


def test_decode_unknown_charset_falls_back_to_utf8() -> None:
    text, meta = H.decode_html('<meta charset="x-klingon"><p>ok é</p>'.encode())
    assert "ok é" in text
    assert meta["encoding"] == "utf-8" and meta["encoding_declared"] == "x-klingon"


# --- post-pass ----------------------------------------------------------------------------------


def test_drop_title_lines() -> None:
    title = "Harbour town keeps its fishing fleet"
    text = f"{title}\nFirst paragraph.\nSecond.\nThird.\n{title}"
    out = H.drop_title_lines(text, [f"{title} | The Coast News"])
    assert out == f"First paragraph.\nSecond.\nThird.\n{title}"  # only near the top
    assert H.drop_title_lines("Fleet\nBody.", ["Harbour town keeps its fishing fleet"]) == "Fleet\nBody."


def test_drop_link_lines_runs_caps_and_ends() -> None:
    anchors = {tuple(H._words(s)) for s in ("More news one", "More news two", "GET THE APP", "Kept link")}
    text = "Body starts here.\nKept link\nMore words.\nGET THE APP\nMid.\nMore news one\nMore news two\nEnd."
    assert H.drop_link_lines(text, anchors) == "Body starts here.\nKept link\nMore words.\nMid.\nEnd."
    assert H.drop_link_lines("Body.\nKept link", anchors) == "Body."
    url = "http://example.com/x"
    assert H.drop_link_lines(f"Body.\n{url}", {tuple(H._words(url))}) == f"Body.\n{url}"


def test_drop_meta_lines() -> None:
    text = "By Jane Smith\nMarch 4, 2021\nThe story. It goes on and on, as stories do.\nJane Smith"
    out = H.drop_meta_lines(text, "2021-03-04", "Jane Smith")
    assert out == "The story. It goes on and on, as stories do.\nJane Smith"


# --- extraction -------------------------------------------------------------------------------------


def test_trafilatura_in_process_text_and_metadata() -> None:
    text, meta = H.extract_html(page(), timeout=None)
    assert "Paragraph 0 tells the story" in text and "Paragraph 5 tells" in text
    assert "Harbour town keeps its fishing fleet" not in text  # the headline is metadata
    assert "Home" not in text and "Copyright" not in text
    assert meta["extractor"] == "trafilatura"
    assert meta["title"].startswith("Harbour town keeps its fishing fleet")
    assert meta["author"] == "Jane Smith"
    assert meta["date"] == "2021-03-04"
    assert meta["site_name"] == "The Coast News"
    assert meta["url"] == "https://example.com/harbour"
    assert "error" not in meta


def test_worker_gives_the_same_result() -> None:
    assert H.extract_html(page(), timeout=30) == H.extract_html(page(), timeout=None)


def test_bytes_input_reports_encoding() -> None:
    raw = page(charset="windows-1252", body_extra="<p>Prices rose to 5 € in the café, said the mayor.</p>")
    text, meta = H.extract_html(raw.encode("cp1252"), timeout=None)
    assert "5 € in the café" in text
    assert meta["encoding"] == "cp1252" and meta["encoding_source"] == "meta"


def test_timeout_gives_empty_text_and_reason_then_recovers() -> None:
    assert H._in_worker("_sleep", "0", None, 30) == ("slept", {})
    text, meta = H._in_worker("_sleep", "60", None, 0.5)  # a page the extractor hangs on
    assert text == ""
    assert meta["error"] == "timeout after 0.5s"
    assert H._worker is not None and H._worker.proc.poll() is not None  # killed, not left running
    text, meta = H.extract_html(page(), timeout=30)  # a fresh worker takes over
    assert "Paragraph 0" in text and "error" not in meta


def test_dead_worker_is_replaced() -> None:
    H.extract_html(page(), timeout=30)
    assert H._worker is not None
    H._worker.proc.kill()
    H._worker.proc.wait()
    text, meta = H.extract_html(page(), timeout=30)
    assert "Paragraph 0" in text and "error" not in meta


@pytest.mark.parametrize("timeout", [None, 30])
@pytest.mark.parametrize("source", ["", "<html><body></body></html>", "<p>Too short.</p>", "\x00\x01<<<>>>"])
def test_no_content_is_documented_not_raised(source: str, timeout: float | None) -> None:
    text, meta = H.extract_html(source, timeout=timeout)
    assert text == ""
    assert meta["error"] == "no main text found"


def test_unknown_extractor() -> None:
    with pytest.raises(OptionError):
        H.extract_html(page(), extractor="nope")


def test_cleaner_html_mode() -> None:
    import dechaff

    result = dechaff.Cleaner(mode="html").clean(page().encode())
    assert result.mode == "html"
    assert "Paragraph 3 tells" in result.text
    assert result.metadata["title"].startswith("Harbour town")
    assert result.metadata["encoding"] == "utf-8"
    assert dechaff.clean_article(page()).startswith("Paragraph 0 tells")


def test_resiliparse_fast_path() -> None:
    pytest.importorskip("resiliparse")
    text, meta = H.extract_html(page(), extractor="resiliparse")
    assert "Paragraph 0 tells the story" in text and "Paragraph 5 tells" in text
    assert "Harbour town keeps its fishing fleet" not in text
    assert meta["extractor"] == "resiliparse"
    assert meta["title"] == "Harbour town keeps its fishing fleet | The Coast News"
    assert meta["author"] == "Jane Smith"
    assert meta["date"] == "2021-03-04T10:00:00Z"
    assert meta["site_name"] == "The Coast News"
    assert meta["url"] == "https://example.com/harbour"
    text, meta = H.extract_html("", extractor="resiliparse")
    assert text == "" and meta["error"] == "no main text found"
