"""Hostile text through the Python API: only DechaffError subclasses escape, and every result
keeps the invariants of SEMANTICS.md (spans, idempotence, lines of the input). Timings of the
big inputs are measured and recorded in docs/robustness.md, never asserted here."""

from __future__ import annotations

import random
from typing import Any

import dechaff
import pytest
from dechaff import Cleaner, DechaffError, InputError
from hypothesis import given, settings
from hypothesis import strategies as st

from ._invariants import check_idempotent, check_normalised, check_result

ARTICLE = Cleaner(mode="article")
PAGE = Cleaner(mode="page")
AUTO = Cleaner(mode="auto")
OPTS: dict[str, Any] = {"ascii_punctuation": True, "bullets": True, "space_before_punctuation": True}
ARTICLE_OPTS = Cleaner(mode="article", strict=True, **OPTS)
PAGE_OPTS = Cleaner(mode="page", strict=True, **OPTS)

#: Characters that have broken text tools: surrogates, NUL and C0/C1 controls, bidi controls,
#: invisible format characters, combining marks, line and paragraph separators, non-characters.
HOSTILE = [
    "\ud800", "\udfff", "\udc80", "\ud83d\ude00", "\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9f",
    "\u202e", "\u202d", "\u2066", "\u2067", "\u2069", "\u200e", "\u200f", "\u061c",
    "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u180e", "\ufffe", "\uffff", "\ufffd",
    "\u0301", "\u0308", "\u0345", "\u20dd", "\u3099", "\u0e31",
    "\r", "\r\n", "\n", "\u2028", "\u2029", "\x0b", "\x0c", "\t", "\u00a0", "\u3000", " ",
    "…", "“", "”", "’", "—", "•", "*", "\"", ".", ",", ":", "»", "©",
]  # fmt: skip
#: Lines the built-in rules react to, so the hostile characters meet rule decisions too.
BOILER = [
    "Share this article", "Related stories", "Advertisement", "Read more", "By Jane Doe",
    "Photo: AP", "Sign up for our newsletter", "Follow us on Twitter", "Comments", "© 2024 Acme",
    "The council approved the budget on Monday after a long debate about roads and schools.",
    "Officials said the vote, held late in the evening, passed by a wide margin of members.",
]  # fmt: skip
LINE_ENDS = ["\n", "\r\n", "\r", "\n\n", "\u2028", "\u0085", "\n\r\n", "\x0c"]

hostile_piece = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(BOILER),
    st.text(st.characters(codec=None), max_size=12),  # any code point, surrogates included
    st.lists(st.sampled_from(HOSTILE), max_size=8).map("".join),
)
hostile_line = st.lists(hostile_piece, max_size=6).map("".join)
hostile_doc = st.lists(st.tuples(hostile_line, st.sampled_from(LINE_ENDS)), max_size=14).map(
    lambda parts: "".join(line + end for line, end in parts)
)


def _clean_checked(cleaner: Cleaner, article: Cleaner, doc: str | bytes) -> None:
    try:
        res = cleaner.clean(doc)
    except DechaffError:  # allowed, though none is expected for str/bytes without max_bytes
        raise AssertionError("a DechaffError on plain text without limits") from None
    check_result(res)
    check_idempotent(article, res)


@given(hostile_doc)
def test_hostile_text_article_and_page(doc: str) -> None:
    _clean_checked(ARTICLE, ARTICLE, doc)
    _clean_checked(PAGE, ARTICLE, doc)
    _clean_checked(AUTO, ARTICLE, doc)


@settings(max_examples=60)
@given(hostile_doc)
def test_hostile_text_with_every_option(doc: str) -> None:
    _clean_checked(ARTICLE_OPTS, ARTICLE_OPTS, doc)
    _clean_checked(PAGE_OPTS, ARTICLE_OPTS, doc)


@given(st.binary(max_size=400) | hostile_doc.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_hostile_bytes(raw: bytes) -> None:
    res = ARTICLE.clean(raw)
    check_result(res)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        assert res.metadata.get("decode_errors") == "replaced"
    check_idempotent(ARTICLE, res)


@given(hostile_doc, st.booleans(), st.booleans(), st.booleans())
def test_normalize_hostile(doc: str, ascii_p: bool, bullets: bool, sbp: bool) -> None:
    kw = {"ascii_punctuation": ascii_p, "bullets": bullets, "space_before_punctuation": sbp}
    once = dechaff.normalize(doc, **kw)
    check_normalised(once)
    assert dechaff.normalize(once, **kw) == once


@settings(max_examples=40)
@given(st.lists(hostile_doc, max_size=6))
def test_batch_equals_single_on_hostile_text(docs: list[str]) -> None:
    assert ARTICLE.clean_batch(docs, threads=2) == [ARTICLE.clean(d) for d in docs]


NON_TEXT = [None, 3, 3.5, ["text"], {"text": "x"}, object()]


@pytest.mark.parametrize("value", NON_TEXT)
def test_non_text_input_is_an_input_error(value: object) -> None:
    for call in (ARTICLE.clean, dechaff.clean_article, dechaff.normalize, ARTICLE.normalize):
        with pytest.raises(InputError):
            call(value)  # type: ignore[operator]
    with pytest.raises(InputError):
        ARTICLE.clean_batch(["fine", value])  # type: ignore[list-item]


@pytest.mark.parametrize("value", NON_TEXT)
def test_detect_mode_non_text_is_an_input_error(value: object) -> None:
    with pytest.raises(InputError):
        ARTICLE.detect_mode(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [bytearray(b"Some text."), memoryview(b"Some text.")])
def test_bytes_like_input_is_text(value: bytes) -> None:
    assert ARTICLE.clean(value).text == "Some text."
    assert ARTICLE.detect_mode(value) == "article"


# ---- the big ones: each a few MB, cleaned in well under a second (times in docs/robustness.md)


def _body(n_words: int, seed: int = 1) -> str:
    rnd = random.Random(seed)
    words = [
        "the",
        "council",
        "approved",
        "budget",
        "on",
        "monday",
        "after",
        "long",
        "debate",
        "about",
        "roads",
        "and",
        "schools",
    ]
    return " ".join(rnd.choice(words) for _ in range(n_words))


BIG = {
    "1 MB of combining marks": "\u0301" * 500_000,
    "combining marks on one base": "Story " + "a\u0301\u0308\u0323" * 100_000 + " ends.",
    "a million empty lines": "\n" * 1_000_000,
    "a million CRLF lines": "\r\n" * 1_000_000,
    "mixed line endings": "".join(
        f"Line {i} of the story goes on.{LINE_ENDS[i % len(LINE_ENDS)]}" for i in range(30_000)
    ),
    "1 MB of NULs": "\x00" * 1_000_000,
    "bidi controls everywhere": "\u202e\u2066Share this article\u2069\u202c\n" * 20_000,
    "lone surrogates": "Text \ud800 with \udfff halves.\n" * 20_000,
    "5 MB single line": _body(900_000),
    "one word of 2 MB": "a" * 2_000_000,
    "100k boilerplate lines": "Share this article\n" * 100_000,
}


@pytest.mark.parametrize("name", list(BIG))
def test_big_hostile_inputs(name: str) -> None:
    doc = BIG[name]
    for cleaner in (ARTICLE, PAGE):
        res = cleaner.clean(doc)
        assert res.text == "" or res.text in res.normalized or "\n" in res.text
        check_idempotent(ARTICLE, res)
    assert len(dechaff.normalize(doc)) <= len(doc) + 2 * doc.count("…")


@pytest.mark.slow
def test_100mb_single_line() -> None:
    """A 100 MB line (run once with DECHAFF_SLOW=1; time and memory in docs/robustness.md)."""
    doc = _body(18_000_000)
    assert len(doc) > 100_000_000
    res = ARTICLE.clean(doc)
    assert res.text == doc
    res = PAGE.clean(doc)
    assert len(res.text) in (0, len(doc))


_STORY = "The council met on Monday to vote on the budget for next year, officials said after the meeting. "
FUZZ_FINDINGS = {
    # F2: a first-line label (date/url/lang) on the line that becomes first
    "label after a dropped line": f"Advertisement\ndate 2023-04-02 {_STORY}\n\n{_STORY}",
    "label after page selection": "Home\nNews\nSport\nWeather\nSign in\n\n"
    f"date 2023-04-02 {_STORY}\n\n{_STORY * 2}\n\n{_STORY}\n\nShare this article\nFollow us\nPrivacy policy",
    "url label after a dropped line": f"Share this article\nurl: https://ex.com/a {_STORY}\n\n{_STORY}",
}


@pytest.mark.parametrize("name", list(FUZZ_FINDINGS))
def test_fuzz_findings_stay_fixed(name: str) -> None:
    """The engine bugs the fuzzers found (docs/robustness.md, F1 and F2), through the Python API."""
    doc = FUZZ_FINDINGS[name]
    for cleaner in (ARTICLE, PAGE, AUTO):
        res = cleaner.clean(doc)
        check_result(res)
        check_idempotent(ARTICLE, res)
    assert not ARTICLE.clean(doc).text.startswith(("date", "url"))
    once = dechaff.normalize("d …d", ascii_punctuation=True, space_before_punctuation=True)  # F1
    assert once == "d...d"
