"""Languages: detection accuracy and cleaning quality with ``lang="auto"`` against ``lang="en"``,
per language, on the development sets.

A page's language label comes from its HTML (``<html lang>``, else ``og:locale`` or
``Content-Language``), else from its country domain (``.br`` → pt, ``.de`` → de, …); pages
without any of these are left out of the accuracy table. Sites whose declared language is not
the language of their text (read by us: ``_DECLARED_WRONGLY``) get the language of the text.
The detector never sees the HTML: it reads the text the cleaner gets (``text_recall`` for
article mode, ``text_full`` for page mode).

    python benchmarks/quality_lang.py [--sets scrapinghub wcxb-dev]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter, defaultdict
from typing import Any
from urllib.parse import urlsplit

import dechaff
from _shared import DEV_SETS, load_scorer, load_set

_HTML_LANG = re.compile(r"<html[^>]*?\blang\s*=\s*[\"']?([A-Za-z]{2,3})", re.I)
_META_LANG = re.compile(
    r"<meta[^>]+(?:og:locale|content-language)[\"'][^>]*content\s*=\s*[\"']([A-Za-z]{2,3})"
    r"|<meta[^>]+content\s*=\s*[\"']([A-Za-z]{2,3})[^\"']*[\"'][^>]*(?:og:locale|content-language)",
    re.I,
)
_COUNTRY_LANG = {
    "br": "pt",
    "pt": "pt",
    "de": "de",
    "at": "de",
    "fr": "fr",
    "es": "es",
    "it": "it",
    "ru": "ru",
    "ua": "uk",
}


#: Sites that declare another language than the one they are written in (checked by reading
#: their pages in the dev sets): URL prefix → language of the text.
_DECLARED_WRONGLY = {
    "https://www.businessinsider.com/": "en",  # declares de
    "https://blog.comwrap.com/": "de",  # declares en
    "https://karl-voit.at/": "en",  # no declaration, Austrian domain
    "https://blog.guillaume-gomez.fr/": "en",  # no declaration, French domain
}


def label(record: dict[str, Any]) -> str | None:
    """The page's language (see the module docstring)."""
    url = record.get("url") or ""
    for prefix, lang in _DECLARED_WRONGLY.items():
        if url.startswith(prefix):
            return lang
    head = record.get("html") or ""
    m = _HTML_LANG.search(head[:20000])
    if m:
        return m.group(1).lower()
    m = _META_LANG.search(head)
    if m:
        return (m.group(1) or m.group(2)).lower()
    host = urlsplit(url).hostname or ""
    return _COUNTRY_LANG.get(host.rsplit(".", 1)[-1])


def detection_table(rows: list[tuple[str, str | None]]) -> None:
    """rows: (label, detected). A label the detector does not know is right when it says None."""
    known = set(dechaff.LANGUAGES)
    by: dict[str, Counter[str]] = defaultdict(Counter)
    for lab, got in rows:
        by[lab][got or "none"] += 1
    print("| label | pages | detected | accuracy |")
    print("|---|---|---|---|")
    for lab in sorted(by, key=lambda k: (-sum(by[k].values()), k)):
        n = sum(by[lab].values())
        right = by[lab][lab] if lab in known else by[lab]["none"]
        detected = ", ".join(f"{k} {v}" for k, v in by[lab].most_common())
        print(f"| {lab}{'' if lab in known else ' (no pack)'} | {n} | {detected} | {right / n:.3f} |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sets", nargs="+", default=list(DEV_SETS), choices=DEV_SETS)
    args = ap.parse_args()
    scorer = load_scorer()
    cleaners = {
        (mode, lang): dechaff.Cleaner(mode=mode, lang=lang)
        for mode in ("article", "page")
        for lang in ("en", "auto")
    }
    fields = {"article": "text_recall", "page": "text_full"}
    for set_name in args.sets:
        data = load_set(set_name)
        labels = [label(r) for r in data]
        counts = dict(Counter(x or "unlabelled" for x in labels))
        print(f"\n### {set_name}: {len(data)} pages, labels {counts}\n")
        for field in ("text_recall", "text_full"):
            print(f"Detection on `{field}`:\n")
            detection_table(
                [
                    (lab, dechaff.detect_language(r.get(field) or ""))
                    for r, lab in zip(data, labels, strict=False)
                    if lab
                ]
            )
            print()
        outputs = {
            key: {
                r["id"]: res.text
                for r, res in zip(
                    data, c.clean_batch([r.get(fields[key[0]]) or "" for r in data]), strict=False
                )
            }
            for key, c in cleaners.items()
        }
        groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r, lab in zip(data, labels, strict=False):
            groups[lab or "unlabelled"].append(r)
        print("| label | pages | article F1 en | article F1 auto | page F1 en | page F1 auto |")
        print("|---|---|---|---|---|---|")
        order = sorted(groups, key=lambda k: (k == "en", -len(groups[k]), k))
        for lab in [*order, "all"]:
            recs = data if lab == "all" else groups[lab]
            cells = []
            for mode in ("article", "page"):
                for lang in ("en", "auto"):
                    pred = outputs[(mode, lang)]
                    s = scorer.score(recs, {r["id"]: pred[r["id"]] for r in recs}, n_bootstrap=0)
                    cells.append(f"{s['F1']:.3f}")
            print(f"| {lab} | {len(recs)} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
