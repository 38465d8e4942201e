"""The result invariants of SEMANTICS.md, checked on a :class:`CleanResult` (Python side of
fuzz/src/checks.rs)."""

from __future__ import annotations

from dechaff import Cleaner, CleanResult

_FORBIDDEN = {chr(c) for c in [*range(0x00, 0x0A), *range(0x0B, 0x20), *range(0x7F, 0xA0)]} | set(
    "\u200b\u2060\ufeff\u00ad\u200e\u200f\u180e\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
    "\ufffe\uffff\u00a0\u1680\u202f\u205f\u3000\u2028\u2029\t\r"
)


def check_normalised(s: str) -> None:
    assert not (set(s) & _FORBIDDEN), sorted(set(s) & _FORBIDDEN)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in s), "a lone surrogate survived"
    assert not s.startswith("\n") and not s.endswith("\n") and "\n\n\n" not in s and "  " not in s
    assert all(line == line.strip(" ") for line in s.split("\n"))


def check_result(res: CleanResult) -> None:
    """Spans: code points, sorted, disjoint, ``normalized[start:end] == text``; cutting them out
    gives the output's lines; every output line is (the end of) a line of the normalised input."""
    n = res.normalized
    check_normalised(n)
    check_normalised(res.text)
    prev = 0
    for r in res.removals:
        assert prev <= r.start < r.end <= len(n), (r, prev, len(n))
        assert n[r.start : r.end] == r.text
        prev = r.end
    kept, at = [], 0
    for r in res.removals:
        kept.append(n[at : r.start])
        at = r.end
    kept.append(n[at:])
    left = [line for line in "".join(kept).split("\n") if line]
    assert left == [line for line in res.text.split("\n") if line]
    lines = n.split("\n")
    for out_line in res.text.split("\n"):
        assert any(line.endswith(out_line) for line in lines), out_line


def check_idempotent(article: Cleaner, res: CleanResult) -> None:
    """Cleaning the output again in article mode (``article``: same options) changes nothing:
    idempotence for article mode; for page mode, its output is a clean article."""
    again = article.clean(res.text)
    assert again.text == res.text
    assert again.removals == ()
