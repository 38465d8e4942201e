"""Invariants of cleaning, checked by hypothesis on generated and hostile text."""

from __future__ import annotations

from collections import Counter

import dechaff
from dechaff import Cleaner, DechaffError, normalize
from hypothesis import given
from hypothesis import strategies as st

from tests.property import reference

CLEANER = Cleaner(mode="article")
STRICT = Cleaner(mode="article", strict=True, ascii_punctuation=True, bullets=True)

# --- strategies -------------------------------------------------------------------------
any_char = st.characters(exclude_categories=())  # includes lone surrogates (category Cs)
controls = st.sampled_from(
    [chr(c) for c in range(0x20)]
    + ["\x7f", "\x85", "\u200b", "\u200e", "\u202e", "\u2066", "\ufeff", "\u00ad"]
)
words = st.sampled_from(
    [
        "the", "council", "voted", "budget", "Monday", "said", "AFP", "Reuters", "Getty", "Images",
        "Share", "cookies", "privacy", "Read", "more", "related", "written", "by", "Москва", "Київ",
        "東京", "北京市", "العربية", "हिन्दी", "ελληνικά", "émigré", "e\u0301", "🎙️", "2022-12-18", "…",
        "“quoted”", "—", "•", "/", "via", "(L)",
    ]
)  # fmt: skip
marker_lines = st.sampled_from(
    [
        "Share this article", "Advertisement", "You May Also Like", "Related stories", "AFP", "Getty Images",
        "JANE DOE/AFP via Getty Images", "Read more", "About the author", "Source link", "Main menu",
        "featured image", "Comments", "12 comments", "Sign up for our newsletter",
        "We use cookies to improve your experience.",
        "Accept all cookies", "Listen to this article", "Voice is AI-generated. Inconsistencies may occur.",
        "Reporting by Jane Doe; Editing by John Roe", "© 2024 Example News. All rights reserved.",
        "Updated 3:47 PM EDT, Mon June 2, 2025", "5 min read",
        "Our standards: The Thomson Reuters Trust Principles.",
        "date 2022-12-18 The story begins here with a sentence.",
        "A long teaser that ends in an ellipsis … Read more",
    ]
)  # fmt: skip
sentence = st.lists(words, min_size=1, max_size=30).map(lambda ws: " ".join(ws) + ".")
body_line = st.one_of(sentence, st.lists(sentence, min_size=2, max_size=4).map(" ".join))
line = st.one_of(body_line, marker_lines, st.text(any_char, max_size=40), st.text(controls, max_size=5))
separator = st.sampled_from(["\n", "\n\n", "\r\n", "\n \n\n", "\u2028", "\r"])
document = st.lists(st.tuples(line, separator), max_size=25).map(lambda xs: "".join(a + b for a, b in xs))
hostile = st.one_of(
    document, st.text(any_char, max_size=300), st.text(st.one_of(controls, any_char), max_size=200)
)


def word_counts(text: str) -> Counter[str]:
    return Counter(text.split())


# --- properties -------------------------------------------------------------------------
@given(hostile)
def test_idempotent(x: str) -> None:
    for cleaner in (CLEANER, STRICT):
        once = cleaner.clean(x)
        twice = cleaner.clean(once.text)
        assert twice.text == once.text
        assert twice.removals == ()


@given(hostile)
def test_no_new_words(x: str) -> None:
    result = CLEANER.clean(x)
    assert result.normalized == normalize(x)
    assert not word_counts(result.text) - word_counts(result.normalized)


@given(hostile)
def test_output_keeps_input_order(x: str) -> None:
    result = STRICT.clean(x)
    pos = 0
    for out_line in result.text.split("\n"):
        if not out_line:
            continue
        found = result.normalized.find(out_line, pos)
        assert found >= 0, out_line
        pos = found + len(out_line)


@given(hostile)
def test_removals_slice_and_account_for_the_difference(x: str) -> None:
    """Spans index the normalised text, never overlap, and cutting them out gives the output."""
    for cleaner in (CLEANER, STRICT):
        result = cleaner.clean(x)
        kept, pos = [], 0
        for r in result.removals:
            assert 0 <= r.start < r.end <= len(result.normalized)
            assert r.start >= pos, "removals overlap or are out of order"
            assert result.normalized[r.start : r.end] == r.text
            assert r.category in dechaff.categories() and r.rule
            kept.append(result.normalized[pos : r.start])
            pos = r.end
        kept.append(result.normalized[pos:])
        rebuilt = [ln.strip() for ln in "".join(kept).split("\n") if ln.strip()]
        assert rebuilt == [ln for ln in result.text.split("\n") if ln]


@given(st.lists(hostile, max_size=8))
def test_batch_equals_single(xs: list[str]) -> None:
    singles = [CLEANER.clean(x) for x in xs]
    # clean() of a str takes the engine's own results: the same as the general path's.
    assert singles == [CLEANER._result(CLEANER._engine.clean(x, "article"), {}, "article") for x in xs]
    for threads in (1, 2):
        batch = CLEANER.clean_batch(xs, threads=threads)
        assert batch == singles
        # The batch writes its strings' storage itself: each must be stored as CPython would
        # store it. `==` compares the storage width too; `isascii` reads the ASCII flag.
        for r in batch:
            assert r.text == r.text.encode("utf-32").decode("utf-32")
            assert r.text.isascii() == all(ord(c) < 128 for c in r.text)


@given(st.one_of(hostile, st.binary(max_size=300)))
def test_only_documented_errors(x: str | bytes) -> None:
    try:
        dechaff.clean_article(x, mode="article")
        CLEANER.clean(x).report()
        normalize(x)
    except DechaffError:
        pass


@given(hostile, st.booleans(), st.booleans())
def test_normalize_matches_reference_and_is_idempotent(
    x: str, ascii_punctuation: bool, bullets: bool
) -> None:
    got = normalize(x, ascii_punctuation=ascii_punctuation, bullets=bullets)
    fixed = x.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    assert got == reference.normalize(fixed, ascii_punctuation=ascii_punctuation, bullets=bullets)
    assert normalize(got, ascii_punctuation=ascii_punctuation, bullets=bullets) == got


PAGE = Cleaner(mode="page")


@given(hostile)
def test_page_mode_output_is_a_clean_article(x: str) -> None:
    """Page mode selects lines and then runs the article rules to a fixpoint."""
    once = PAGE.clean(x)
    again = CLEANER.clean(once.text)
    assert again.text == once.text and again.removals == ()
    assert not word_counts(once.text) - word_counts(once.normalized)


# --- language detection (lang="auto") ------------------------------------------------------
AUTO = Cleaner(mode="article", lang="auto")
AUTO_FRENCH_SPACING = Cleaner(mode="article", lang="auto", space_before_punctuation=True)
AUTO_PAGE = Cleaner(mode="page", lang="auto", space_before_punctuation=True)

foreign_words = st.sampled_from(
    [
        "der", "die", "und", "nicht", "le", "les", "et", "dans", "el", "los", "y", "del", "il", "che",
        "della", "não", "uma", "com", "и", "что", "это", "і", "що", "також", "Stadtrat", "conseil",
        "ayuntamiento", "comune", "câmara", "совет", "рада", "the", "and", "of", ";", ":", "!", "?",
    ]
)  # fmt: skip
foreign_markers = st.sampled_from(
    [
        "Lesen Sie auch", "Mehr zum Thema", "Foto: dpa", "Lire aussi :", "Partager", "Tous droits réservés",
        "Lee también", "Compartir", "Leggi anche", "© RIPRODUZIONE RISERVATA", "Leia também",
        "Continua após a publicidade", "Читайте также", "Все права защищены", "Читайте також", "Реклама",
    ]
)  # fmt: skip
foreign_sentence = st.lists(st.one_of(foreign_words, words), min_size=1, max_size=30).map(
    lambda ws: " ".join(ws) + "."
)
mixed_document = st.lists(
    st.tuples(st.one_of(foreign_sentence, foreign_markers, marker_lines, body_line), separator), max_size=25
).map(lambda xs: "".join(a + b for a, b in xs))
multilingual = st.one_of(mixed_document, hostile)


@given(multilingual)
def test_auto_language_is_idempotent_and_adds_no_words(x: str) -> None:
    """Article mode is idempotent with detection (page mode: its output is a clean article)."""
    for cleaner, again_with in (
        (AUTO, AUTO),
        (AUTO_FRENCH_SPACING, AUTO_FRENCH_SPACING),
        (AUTO_PAGE, AUTO_FRENCH_SPACING),
    ):
        once = cleaner.clean(x)
        twice = again_with.clean(once.text)
        assert twice.text == once.text
        assert twice.removals == ()
        assert once.lang in (*dechaff.LANGUAGES, "all")
        if cleaner is not AUTO:  # space_before_punctuation: the space French needs stays
            assert once.normalized == normalize(x, space_before_punctuation=True, french_spacing=True)
        assert not word_counts(once.text) - word_counts(once.normalized)
        for r in once.removals:
            assert once.normalized[r.start : r.end] == r.text


@given(st.lists(multilingual, max_size=6))
def test_auto_language_batch_equals_single(xs: list[str]) -> None:
    assert AUTO.clean_batch(xs, threads=2) == [AUTO.clean(x) for x in xs]


SMALL = Cleaner(max_bytes=300)


@given(st.lists(multilingual, max_size=6), st.sampled_from(["article", "page"]))
def test_engine_report_and_tally_equal_the_python_result(xs: list[str], mode: str) -> None:
    """The bulk CLI takes each report and the run's counts from the engine (`Result.report`,
    `tally`): they must be what `CleanResult.report()` and counting its removals give."""
    from dechaff import CleanResult, _core

    for cleaner in (CLEANER, AUTO, SMALL):
        raws = cleaner._engine.clean_batch(xs, 1, mode)
        by_rule: dict[tuple[str, str], list[int]] = {}
        before = after = changed = emptied = 0
        for raw in raws:
            if raw.error is not None:
                continue  # refused (SMALL: above max_bytes): quarantined, not counted
            result = CleanResult._from_engine(raw, dict(raw.metadata), raw.mode)
            assert raw.report() == result.report()
            assert list(raw.report()) == list(result.report())  # the same key order, for JSON
            for r in result.removals:
                counts = by_rule.setdefault((r.rule, r.category), [0, 0])
                counts[0] += 1
                counts[1] += r.end - r.start
            before += len(result.normalized)
            after += len(result.text)
            changed += bool(result.removals)
            emptied += bool(result.normalized) and not result.text
        want = (
            [(rule, cat, n, chars) for (rule, cat), (n, chars) in by_rule.items()],
            before,
            after,
            changed,
            emptied,
        )
        assert _core.tally(raws) == want


#: Everything a result answers, each read in turn: the lazily built fields must not depend on what
#: was read before them.
RESULT_READS = (
    "text",
    "normalized",
    "removals",
    "metadata",
    "mode",
    "lang",
    "changed",
    "chars_removed",
    "report",
)


def _read(result: dechaff.CleanResult, name: str) -> object:
    value = getattr(result, name)
    return value() if name == "report" else value


@given(multilingual, st.permutations(RESULT_READS), st.sampled_from(["article", "page", "auto"]))
def test_engine_made_results_read_alike_in_any_order(x: str, order: list[str], mode: str) -> None:
    """A result made by the engine (fields built on first read, in whatever order the caller
    reads them) answers as one made from the finished Python values does: every field, equality,
    repr and pickling."""
    import pickle

    cleaner = Cleaner(mode=mode, lang="auto")
    lazy = cleaner.clean_batch([x])[0]
    got = {name: _read(lazy, name) for name in order}
    eager = dechaff.CleanResult(
        lazy.text, lazy.normalized, lazy.removals, dict(lazy.metadata), lazy.mode, lazy.lang
    )
    assert got == {name: _read(eager, name) for name in RESULT_READS}
    # Auto mode sends text that starts like markup to the HTML extractor first: the normalised
    # text is then that of the extracted text.
    source = x
    if got["mode"] == "html":
        from dechaff.html import extract_html

        source, _ = extract_html(x, extractor=cleaner.extractor, timeout=cleaner.timeout)
    assert got["normalized"] == cleaner.normalize(source)
    assert got["chars_removed"] == len(got["normalized"]) - len(got["text"])  # type: ignore[arg-type]
    assert got["changed"] == bool(got["removals"])
    fresh = cleaner.clean_batch([x])[0]
    assert fresh == lazy == eager and repr(fresh) == repr(eager)
    assert pickle.loads(pickle.dumps(fresh)) == eager
