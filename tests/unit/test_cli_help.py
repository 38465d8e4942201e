"""``dechaff clean --help`` states each default once, and docs/cli.md shows the current help."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from dechaff.cli import build_parser

DOCS = Path(__file__).resolve().parents[2] / "docs" / "cli.md"


def _clean_help(monkeypatch: pytest.MonkeyPatch, columns: int) -> str:
    monkeypatch.setenv("COLUMNS", str(columns))
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sub.choices["clean"].format_help()  # type: ignore[attr-defined,no-any-return]


def test_each_default_is_stated_once_and_never_as_none(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _clean_help(monkeypatch, 200)
    assert "(default: None)" not in text and "(default: False)" not in text and "(default: [])" not in text
    for line in text.splitlines():
        assert line.count("(default:") <= 1, line
    # Options with a value to say still say it.
    assert "(default: dechaff)" in text and "(default: quarantine)" in text and "(default: 1024)" in text


def test_docs_show_the_current_help(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = DOCS.read_text(encoding="utf-8")
    block = re.search(r"```console\n\$ dechaff clean --help\n(.*?)```", docs, re.S)
    assert block is not None, "docs/cli.md has no `dechaff clean --help` block"
    assert block.group(1).rstrip("\n") == _clean_help(monkeypatch, 110).rstrip("\n")
