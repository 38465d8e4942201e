"""Languages: detection, rule packs, lang="auto" and French spacing."""

from __future__ import annotations

import dechaff
import pytest
from dechaff import Cleaner, OptionError, detect_language, normalize

GERMAN = (
    "Der Stadtrat hat am Montag beschlossen, dass die neue Brücke im Frühjahr für den Verkehr "
    "geöffnet wird. Die Kosten sind nach Angaben der Verwaltung nicht gestiegen, und auch der "
    "Zeitplan wird eingehalten, wie der Bürgermeister sagte."
)
FRENCH = (
    "Le conseil municipal a décidé lundi que le nouveau pont serait ouvert au printemps. Les "
    "travaux ont été menés dans les délais, et le coût est resté dans le budget prévu par la ville."
)


def test_detect_language_names_a_pack_or_none() -> None:
    assert detect_language(GERMAN) == "de"
    assert detect_language(FRENCH.encode()) == "fr"
    assert detect_language("") is None
    assert detect_language("Menu Login 2024") is None
    assert set(dechaff.LANGUAGES) == {"en", "de", "fr", "es", "it", "pt", "ru", "uk"}


def test_every_language_has_a_pack() -> None:
    for lang in dechaff.LANGUAGES:
        rules = dechaff.list_rules(lang)
        own = [r for r in rules if r["id"].startswith(f"{lang}.")]
        assert len(own) >= 40, lang
        assert all(r["source"] in ("common.toml", f"{lang}.toml") for r in rules)


def test_auto_picks_the_pack_of_the_text() -> None:
    doc = f"{GERMAN}\n\n{GERMAN}\n\nLesen Sie auch\nEin anderer Artikel über Brücken\nNoch ein Artikel"
    auto = Cleaner(mode="article", lang="auto").clean(doc)
    english = Cleaner(mode="article", lang="en").clean(doc)
    assert auto.lang == "de"
    assert auto.text == f"{GERMAN}\n\n{GERMAN}"
    assert "Lesen Sie auch" in english.text
    assert english.lang is None
    assert auto.report()["lang"] == "de" and "lang" not in english.report()


def test_undetermined_text_gets_every_pack() -> None:
    result = Cleaner(mode="article", lang="auto").clean("Teilen\nPartager\nShare")
    assert result.lang == "all"
    assert result.text == ""


def test_several_packs_and_unknown_packs() -> None:
    both = Cleaner(mode="article", lang="de+en")
    doc = f"{GERMAN}\n\nTeilen\nShare this article"
    assert both.clean(doc).text == GERMAN
    with pytest.raises(OptionError, match="no rules for lang='xx'"):
        Cleaner(lang="xx")
    with pytest.raises(OptionError):
        Cleaner(lang="de+xx")


def test_french_keeps_its_space_before_high_punctuation() -> None:
    text = "Il a dit : « non » ! Vraiment ?"
    assert normalize(text, space_before_punctuation=True) == "Il a dit: « non »! Vraiment?"
    assert normalize(text, space_before_punctuation=True, french_spacing=True) == text
    assert Cleaner(lang="fr", space_before_punctuation=True).normalize(text) == text
    doc = f"{FRENCH}\n\n{text}"
    auto = Cleaner(mode="article", lang="auto", space_before_punctuation=True).clean(doc)
    assert auto.lang == "fr" and auto.text.endswith(text)
    # Under auto the space stays in every language (normalisation comes before detection).
    assert Cleaner(lang="auto", space_before_punctuation=True).normalize("Really ?") == "Really ?"
    assert (
        Cleaner(mode="article", lang="en", space_before_punctuation=True)
        .clean(doc)
        .text.endswith("Vraiment?")
    )
