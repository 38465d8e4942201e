"""The public API: options, modes, errors, rules, bytes and hostile input."""

from __future__ import annotations

import sys
from pathlib import Path

import dechaff
import pytest
from dechaff import Cleaner, DechaffError, InputError, ModeError, OptionError, RuleError, clean_article

BODY = (
    "The city council approved the new budget on Monday after a long debate about roads, schools "
    "and the library, officials said."
)
#: Whole-page text: a menu, the article, a list of teasers.
PAGE = "\n".join(["Home", "News", "Sport", "Sign in"] * 6 + [BODY] * 3 + ["Related stories"] * 3)


def test_clean_article_removes_chaff_and_keeps_body() -> None:
    text = f"{BODY}\n\nShare this article\n\n{BODY.replace('Monday', 'Tuesday')}\n\nAdvertisement"
    out = clean_article(text)
    assert "Share this article" not in out and "Advertisement" not in out
    assert out.startswith("The city council") and "Tuesday" in out


def test_clean_article_equals_a_cleaner_in_each_mode() -> None:
    # clean_article goes straight to the engine for a str (not markup in auto mode); a Cleaner with
    # the same options must give the same text, markup and bytes included.
    html = f"<html><body><nav>Home | News</nav><article><p>{BODY}</p><p>{BODY}</p></article></body></html>"
    docs: list[str | bytes] = [
        f"{BODY}\n\nShare this article",
        PAGE,
        "",
        "  <p>not html enough</p> " + BODY,
        html,
    ]
    docs.append(BODY.encode())
    for mode in ("article", "page", "auto"):
        cleaner = Cleaner(mode=mode)
        for doc in docs:
            assert clean_article(doc, mode=mode) == cleaner.clean(doc).text, (mode, doc)
    assert clean_article(PAGE) == Cleaner().clean(PAGE).text


def test_result_fields_and_report() -> None:
    r = Cleaner().clean(f"date 2023-04-02 {BODY}\n\nTweet")
    assert r.metadata == {"date": "2023-04-02"}
    assert r.mode == "article"
    assert [x.category for x in r.removals] == ["label", "share"]
    assert r.removals[0].text == "date 2023-04-02 "
    rep = r.report()
    assert rep["chars_before"] == len(r.normalized) and rep["chars_after"] == len(r.text)
    assert rep["removed"][1]["rule"] == "en.share.button"
    assert r.changed and r.chars_removed == len(r.normalized) - len(r.text)


def test_disable_and_strict() -> None:
    text = f"{BODY}\n\nTweet"
    assert "Tweet" in Cleaner(disable=["share"]).clean(text).text
    menu = f"Menu\n\n{BODY}"
    assert "Menu" in Cleaner().clean(menu).text
    assert "Menu" not in Cleaner(strict=True).clean(menu).text


def test_extra_rules_from_string_and_file(tmp_path) -> None:
    rule = '[[rule]]\nid = "my.promo"\ncategory = "ads"\nphrases = ["Buy the print edition"]\n'
    text = f"{BODY}\n\nBuy the print edition"
    assert "print edition" not in Cleaner(extra_rules=[rule]).clean(text).text
    path = tmp_path / "mine.toml"
    path.write_text(rule, encoding="utf-8")
    result = Cleaner(extra_rules=[path]).clean(text)
    assert [r.rule for r in result.removals] == ["my.promo"]


@pytest.mark.parametrize(
    ("rule", "needle"),
    [
        ('[[rule]]\nid = "bad"\ncategory = "ads"\npattern = ""\n', "bad"),
        ('[[rule]]\nid = "everything"\ncategory = "ads"\npattern = ".*"\n', "everything"),
        ('[[rule]]\nid = "broken"\ncategory = "ads"\npattern = "("\n', "broken"),
        ('[[rule]]\nid = "x"\ncategory = "ads"\nphrases = ["!!"]\n', "x"),
        ('[[rule]]\nid = "en.share.button"\ncategory = "share"\nphrases = ["again"]\n', "duplicate"),
        ("not toml [[", "not toml"),
    ],
)
def test_bad_rules_raise_rule_error_naming_the_rule(rule: str, needle: str) -> None:
    with pytest.raises(RuleError, match=needle.replace("[", r"\[").replace("]", r"\]")):
        Cleaner(extra_rules=[rule])


def test_missing_rule_file_is_a_rule_error(tmp_path) -> None:
    with pytest.raises(RuleError):
        Cleaner(extra_rules=[tmp_path / "nope.toml"])


def test_disabling_a_category_no_rule_has_is_an_error(tmp_path: Path) -> None:
    # A typo ("captions") once passed silently and disabled nothing.
    with pytest.raises(OptionError, match='no rule has the category "captions"'):
        Cleaner(disable=["captions"])
    Cleaner(disable=["caption", "duplicate"])
    mine = tmp_path / "mine.toml"
    mine.write_text('[[rule]]\nid = "my.promo"\ncategory = "promo"\nphrases = ["buy our mugs"]\n')
    doc = "Buy our mugs\n\n" + BODY
    assert Cleaner(extra_rules=[str(mine)]).clean(doc).text == BODY
    assert Cleaner(extra_rules=[str(mine)], disable=["promo"]).clean(doc).text == doc


def test_error_hierarchy() -> None:
    for err in (RuleError, InputError, OptionError, ModeError):
        assert issubclass(err, DechaffError) and issubclass(err, ValueError)
    with pytest.raises(OptionError):
        Cleaner(lang="xx")
    with pytest.raises(ModeError):
        Cleaner(mode="pdf")
    with pytest.raises(OptionError):
        Cleaner(disable=["Not A Category!"])
    with pytest.raises(InputError):
        Cleaner().clean(12345)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="max_bytes"):
        Cleaner(max_bytes=10).clean(BODY)


def test_bytes_and_surrogates() -> None:
    c = Cleaner(mode="article")
    assert c.clean(BODY.encode()).text == BODY
    bad = c.clean(b"caf\xe9 " + BODY.encode())
    assert bad.metadata["decode_errors"] == "replaced" and "\ufffd" in bad.text
    lone = c.clean("a\ud800b " + BODY)
    assert "\ufffd" in lone.text
    assert dechaff.normalize("x\ud83d\ude00") == "x😀"


def test_batch_equals_single_and_keeps_order() -> None:
    c = Cleaner(mode="article")
    docs = [f"{BODY}\n\nTweet", "", "Advertisement", BODY, b"bytes " + BODY.encode()]
    assert c.clean_batch(docs, threads=2) == [c.clean(d) for d in docs]


def _general_path(c: Cleaner, doc: str | bytes) -> dechaff.CleanResult:
    """What Cleaner.clean returns through its general path (preparation, engine, Python result)."""
    s, meta, mode = c._prepare(doc)
    return c._result(c._engine.clean(s, "article" if mode == "html" else mode), meta, mode)


@pytest.mark.parametrize("lang", ["en", "auto"])
@pytest.mark.parametrize("mode", ["article", "page", "auto"])
def test_clean_of_a_str_equals_the_general_path(mode: str, lang: str) -> None:
    # clean() of a str takes the engine's own results, as clean_batch does; every field must be
    # what the general path gives, and bytes still take the general path.
    c = Cleaner(mode=mode, lang=lang)
    docs: list[str | bytes] = [
        f"date 2023-04-02 {BODY}\n\nTweet",
        "",
        "Advertisement",
        "a\ud800b " + BODY,
        PAGE,
        "  <p>not html enough</p> " + BODY,
        "Der Stadtrat hat am Montag den Haushalt beschlossen, sagte ein Sprecher.\n\nArtikel teilen",
        BODY.encode(),
    ]
    for doc in docs:
        fast, general = c.clean(doc), _general_path(c, doc)
        assert fast == general and type(fast) is type(general), doc
        assert (fast.text, fast.mode, fast.lang, fast.metadata) == (
            general.text,
            general.mode,
            general.lang,
            general.metadata,
        )
    big = Cleaner(mode=mode, lang=lang, max_bytes=10)
    with pytest.raises(InputError) as fast_error:
        big.clean(BODY)
    with pytest.raises(InputError) as general_error:
        _general_path(big, BODY)
    assert str(fast_error.value) == str(general_error.value)


def test_sliced_batch_equals_single() -> None:
    # Over a megabyte: several slices, each read, cleaned and written back on its own.
    c = Cleaner(mode="auto")
    docs: list[str | bytes] = []
    for i in range(2400):
        body = BODY.replace("Monday", f"day {i}")
        docs.append(f"date 2023-04-02 {body}\n\nTweet\n\n{body} Ünïcode ’quotes’ {i}" if i % 3 else body)
    docs[1500] = "a\ud800b " + BODY  # a lone surrogate in a later slice: replaced, as clean() does
    docs[2000] = "caf\xe9 ".encode("latin-1") + BODY.encode()
    singles = [c.clean(d) for d in docs]
    for threads in (0, 1, 2):
        assert c.clean_batch(docs, threads=threads) == singles


def test_pipelined_batch_keeps_errors_in_place() -> None:
    # On several threads a batch is cleaned in chunks whose strings are allocated as each chunk
    # comes back, in any order: every result, errors included, must still land in its place.
    engine = Cleaner(mode="article", max_bytes=4000)._engine
    docs = [f"date 2023-04-02 {BODY * 4} {i}\n\nTweet" for i in range(3000)]  # six chunks
    for i in range(0, 3000, 257):
        docs[i] = "x" * 4001  # refused: an error result in its place
    docs[-1] = "y" * 5000
    expected = [(r.text, r.error, r.removal_count) for r in engine.clean_batch(docs, 1, "article")]
    assert sum(e is not None for _, e, _ in expected) == 13
    for threads in (0, 2, 3):
        got = engine.clean_batch(docs, threads, "article")
        assert [(r.text, r.error, r.removal_count) for r in got] == expected


def _utf8_path(engine: object, docs: list[str]) -> list[str]:
    """Clean texts through the JSONL path: UTF-8 bytes in and out, no Python string storage."""
    import json

    block = "".join(json.dumps({"text": d}, ensure_ascii=False) + "\n" for d in docs).encode()
    out, fallbacks, _, _, _ = engine.clean_jsonl(block, "text", "dechaff", 1, "article")  # type: ignore[attr-defined]
    assert fallbacks == []
    return [json.loads(line)["text"] for line in out.decode().splitlines()]


def test_every_string_width_matches_the_utf8_path() -> None:
    # CPython stores a str at 1 (ASCII, Latin-1), 2 or 4 bytes per character. Through every
    # entry point, each width in and out must give what the UTF-8-only JSONL path gives.
    tails = ["plain", "caf\xe9 \xff", "\u201cquoted\u201d \u2014 \u0420\u0443\u0441"]
    tails.append("emoji \U0001f600 \u4e2d")
    docs = [f"date 2023-04-02 {BODY} {t}\n\nTweet\n\n{t} {BODY}" for t in tails]
    docs += [f"{t} only, a short line\n\nShare this article" for t in tails]
    docs += ["", "\u1100\u1161 composes to one syllable above its parts", "\x00\x7f\x80 " + BODY]
    engine = Cleaner()._engine
    expected = _utf8_path(engine, docs)
    widths = {max(map(ord, d), default=0).bit_length() for d in expected}
    assert widths >= {7, 8, 16, 17}  # ASCII, Latin-1, two- and four-byte output all occur
    singles = [engine.clean(d, "article").text for d in docs]
    assert singles == expected  # CPython's == also compares the storage width: canonical strings
    assert engine.clean_texts(docs, 1, "article") == expected
    many = docs * 3000  # several slices
    for threads in (1, 2):
        assert [r.text for r in engine.clean_batch(many, threads, "article")] == expected * 3000


def test_lazy_result_fields_equal_eager_ones() -> None:
    import pickle

    doc = f"date 2023-04-02 {BODY}\n\nTweet"
    held = sys.getrefcount(doc)
    r = Cleaner().clean(doc)
    assert r.changed  # before the removals are built
    assert sys.getrefcount(doc) == held + 1  # the result keeps its input, to normalise it again
    assert len(r.removals) == 2 and sys.getrefcount(doc) == held  # built: the input is let go
    assert r.changed and r.normalized.startswith("date 2023-04-02")
    eager = dechaff.CleanResult(r.text, r.normalized, r.removals, dict(r.metadata), r.mode, r.lang)
    assert eager == r and repr(eager) == repr(r)
    assert pickle.loads(pickle.dumps(r)) == r
    assert not Cleaner().clean(BODY).changed
    with pytest.raises(AttributeError):
        r.text = "x"  # type: ignore[misc]
    # A report and the characters removed come from the engine while nothing else was read, and
    # equal the ones built from the Python fields; the normalised text is made on first read.
    doc = f"date 2023-04-02 {BODY} Ünïcode ’quotes’\r\n\n\nTweet\u200b"
    for lazy in (Cleaner().clean(doc), Cleaner(mode="article").clean_batch([doc, BODY])[0]):
        report, removed = lazy.report(), lazy.chars_removed
        eager = dechaff.CleanResult(lazy.text, lazy.normalized, lazy.removals, lazy.metadata, lazy.mode)
        assert lazy.normalized == Cleaner().normalize(doc) and "\u200b" not in lazy.normalized
        assert report == eager.report() and removed == eager.chars_removed > 0
        assert [r.text.strip() for r in lazy.removals] == ["date 2023-04-02", "Tweet"]


def test_engine_made_results_equal_single_ones() -> None:
    # A list of str in a fixed mode: the engine makes the CleanResult objects itself.
    ru = "Президент выступил в понедельник с длинной речью о бюджете страны. " * 4
    docs = [f"date 2023-04-02 {BODY}\n\nTweet", "", "Advertisement", BODY, f"{ru}\n\nПоделиться"] * 3
    for options in (
        {"mode": "article"},
        {"mode": "page"},
        {"mode": "auto"},
        {"mode": "article", "lang": "auto"},
    ):
        c = Cleaner(**options)  # type: ignore[arg-type]
        got = c.clean_batch(docs, threads=2)
        assert got == [c.clean(d) for d in docs]
        assert all(type(r) is dechaff.CleanResult for r in got)
        assert got[0].metadata == {"date": "2023-04-02"} and got[0].removals
        if "lang" in options:
            assert got[4].lang == "ru"
        got[0].metadata["seen"] = "yes"  # each result has a dict of its own
        assert "seen" not in got[5].metadata
    # In auto mode a text that starts like markup sends the batch through the HTML check.
    c = Cleaner(mode="auto")
    html = " \n<html><body><article><p>" + BODY + "</p></article></body></html>"
    assert c.clean_batch([BODY, html]) == [c.clean(BODY), c.clean(html)]
    assert c.clean(html).mode == "html"


def test_result_fields_are_made_once_and_shared_by_threads() -> None:
    # Fields built on first read are built once: every read, from any thread, gives one object.
    from concurrent.futures import ThreadPoolExecutor

    docs = [f"date 2023-04-0{i % 9 + 1} {BODY}\n\nTweet {i}" for i in range(400)]
    results = Cleaner(mode="article").clean_batch(docs, threads=2)
    fields = ("metadata", "normalized", "removals")
    with ThreadPoolExecutor(4) as pool:
        seen = list(pool.map(lambda _: [[id(getattr(r, f)) for f in fields] for r in results], range(4)))
    assert seen[0] == seen[1] == seen[2] == seen[3]
    r = results[0]
    assert r.metadata is r.metadata and r.removals is r.removals and r.normalized is r.normalized
    assert r.metadata == {"date": "2023-04-01"} and results[1].metadata == {"date": "2023-04-02"}


def test_result_cycles_through_metadata_are_collected() -> None:
    # An engine-made result is left to the cyclic collector only once its metadata dict exists:
    # a cycle through that dict must still be found and freed.
    import gc
    import weakref

    class Marker:
        pass

    r = Cleaner(mode="article").clean_batch([f"date 2023-04-02 {BODY}"])[0]
    assert not gc.is_tracked(r)  # strings and numbers only, so far
    marker = Marker()
    alive = weakref.ref(marker)
    r.metadata["self"], r.metadata["marker"] = r, marker
    assert gc.is_tracked(r)
    del r, marker
    gc.collect()
    assert alive() is None
    # Results made from Python values hold what the caller gave: tracked from the start.
    assert gc.is_tracked(dechaff.CleanResult("a", "a"))


def test_result_made_from_python_values() -> None:
    import copy
    import pickle

    plain = dechaff.CleanResult("kept", "kept\n\nTweet")
    assert (plain.removals, plain.metadata, plain.mode, plain.lang) == ((), {}, "article", None)
    assert not plain.changed and plain.chars_removed == len("\n\nTweet")
    span = dechaff.Removal(6, 11, "en.share.button", "share", "Tweet")
    made = dechaff.CleanResult("kept", "kept\n\nTweet", [span], {"k": "v"}, "page", "en")
    assert made.removals == (span,) and made.changed and made.lang == "en"
    assert made.report() == {
        "removed": [{"start": 6, "end": 11, "rule": "en.share.button", "category": "share"}],
        "chars_before": 11,
        "chars_after": 4,
        "metadata": {"k": "v"},
        "mode": "page",
        "lang": "en",
    }
    for other in (pickle.loads(pickle.dumps(made)), copy.copy(made), copy.deepcopy(made)):
        assert other == made and (other != made) is False and other is not made
    assert made != plain and made != "kept" and (made == ("kept",)) is False
    with pytest.raises(TypeError, match="unhashable"):
        hash(made)
    with pytest.raises(AttributeError, match="immutable"):
        del made.text
    with pytest.raises(AttributeError, match="immutable"):
        made.anything = 1  # type: ignore[attr-defined]


def test_batch_with_too_large_document_raises() -> None:
    with pytest.raises(InputError):
        Cleaner(max_bytes=50).clean_batch(["short", BODY * 3])


def test_normalize_options() -> None:
    assert dechaff.normalize("  a\u00a0 b \r\n\n\n c ") == "a b\n\nc"
    assert dechaff.normalize("“x” – y…", ascii_punctuation=True) == '"x" - y...'
    assert dechaff.normalize("• item", bullets=True) == "- item"


def test_list_rules_and_categories() -> None:
    rules = dechaff.list_rules("en")
    ids = {r["id"] for r in rules}
    assert "en.related.tail_heading" in ids and "common.label.date" in ids
    assert any(r["strict"] for r in rules)
    cats = {r["category"] for r in rules}
    assert cats <= set(dechaff.categories())
    for needed in ("related", "bio", "caption", "credit", "share", "newsletter", "cookie", "navigation"):
        assert needed in cats
    for needed in ("standards", "comments", "ads", "audio_widget", "label"):
        assert needed in cats


def test_modes() -> None:
    c = Cleaner()
    assert c.clean(BODY).mode == "article"
    menu = ["Home", "News", "Sport", "Weather", "Login", "Search", "Business", "Culture", "Travel", "Video"]
    body = [BODY.replace("Monday", day) for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]
    footer = ["Related", "Most read", "Contact us", "Privacy policy", "Terms of use", "Advertise", "Careers"]
    page = "\n".join(menu + body + footer)
    assert c.detect_mode(page) == "page"
    assert Cleaner(mode="page").clean(page).text.split("\n")[0] == body[0]
    short = "\n".join(["Home", "News", *body[:3], "Footer"])  # too few lines to be a whole page
    assert c.detect_mode(short) == "article"
    assert c.detect_mode("<!doctype html><html><body><p>x</p></body></html>") == "html"
    assert c.detect_mode(BODY) == "article"


def test_engine_reads_str_subclasses_and_every_storage_width() -> None:
    # The engine reads a str's storage in place: a subclass instance keeps its characters in a
    # separate buffer, and each width (1, 2, 4 bytes per character) is read on its own.
    class Text(str):
        pass

    engine = Cleaner()._engine
    tails = ("ascii", "caf\xe9", "\u201cq\u201d", "\U0001f600")
    docs = [f"{BODY} {t}\n\nShare this article" for t in tails]
    subclassed = [Text(d) for d in docs]
    assert all(type(d) is Text for d in subclassed)
    want = [engine.clean(d, "article").text for d in docs]
    assert [r.text for r in engine.clean_batch(subclassed, 2, "article")] == want
    assert [engine.clean(d, "article").text for d in subclassed] == want
    assert all(w.endswith(t) for w, t in zip(want, tails, strict=True))
