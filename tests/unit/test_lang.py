"""Languages: detection, rule packs, lang="auto" and French spacing."""

from __future__ import annotations

import sys

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


#: One sentence in each language with a rule pack.
_SENTENCES = [
    "The council approved the budget on Monday after a long debate, and the mayor said that the "
    "plan would protect the services that people need.",
    "Der Stadtrat hat am Montag den Haushalt beschlossen, und die Bürgermeisterin sagte, dass der "
    "Plan die Dienste schützt, die die Menschen brauchen.",
    "Le conseil a approuvé le budget lundi après un long débat, et le maire a dit que le plan "
    "protège les services dont les gens ont besoin.",
    "El consejo aprobó el presupuesto el lunes tras un largo debate, y el alcalde dijo que el plan "
    "protege los servicios que la gente necesita.",
    "Il consiglio ha approvato il bilancio lunedì dopo un lungo dibattito, e il sindaco ha detto "
    "che il piano protegge i servizi di cui la gente ha bisogno.",
    "O conselho aprovou o orçamento na segunda-feira depois de um longo debate, e o prefeito disse "
    "que o plano protege os serviços de que as pessoas precisam.",
    "Городской совет в понедельник утвердил бюджет после долгих дебатов, и мэр сказал, что этот "
    "план защищает услуги, которые нужны людям.",
    "Міська рада в понеділок затвердила бюджет після довгих дебатів, і мер сказав, що цей план "
    "захищає послуги, які потрібні людям.",
]

#: Twenty fresh Cleaners, each cleaning 2,000 documents in eight languages on two threads.
_MANY_LANGUAGES_BATCH = f"""
import dechaff
texts = {_SENTENCES!r}
docs = ["\\n\\n".join([texts[i % 8]] * (1 + i % 7)) + "\\n\\nShare this article" for i in range(2000)]
for _ in range(20):
    results = dechaff.Cleaner(mode="article", lang="auto").clean_batch(docs, threads=2)
    assert len({{r.lang for r in results}}) == 8, {{r.lang for r in results}}
print("done")
"""


def test_a_batch_building_language_scanners_on_engine_threads_finishes() -> None:
    # Under lang="auto" each language's scanner is built on first use, by the engine thread that
    # needs it, while other documents wait for it. Building it once ran parallel jobs, and the
    # thread joining them took up those waiting documents: the batch hung for good (on the second
    # fresh Cleaner, every time). A child process, so that a hang fails the test instead of
    # stopping the run.
    import subprocess

    try:
        run = subprocess.run(
            [sys.executable, "-c", _MANY_LANGUAGES_BATCH], capture_output=True, text=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        pytest.fail("a lang='auto' batch on two threads did not finish within 120 s")
    assert run.returncode == 0 and run.stdout.strip() == "done", run.stderr
