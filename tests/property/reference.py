"""A slow, obviously-correct Python model of the documented semantics (SEMANTICS.md), used to
check that the Rust engine does what the documentation says."""

from __future__ import annotations

import unicodedata

NEWLINES = {"\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029"}
DROPPED = (
    {chr(c) for c in range(0x00, 0x20)} - {"\n", "\t", "\x0b", "\x0c"}
) | {chr(c) for c in range(0x7F, 0xA0)} - {"\x85"} | {
    "\u200b", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u200f", "\u180e", "\ufffe", "\uffff",
    *(chr(c) for c in range(0x202A, 0x202F)), *(chr(c) for c in range(0x2066, 0x206A)),
}  # fmt: skip
SPACES = {
    " ",
    "\t",
    "\u00a0",
    "\u1680",
    "\u202f",
    "\u205f",
    "\u3000",
    *(chr(c) for c in range(0x2000, 0x200B)),
}
ASCII_MAP = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212", "-"),
    "\u2026": "...",
}
BULLETS = set("•·‣⁃◦▪▫●○■□►▸▶➢➤✓✔*")


def normalize(text: str, ascii_punctuation: bool = False, bullets: bool = False) -> str:
    """NFC; map characters; NFC again; one space between words; one blank line at most."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    mapped = []
    for ch in text:
        if ch in NEWLINES:
            mapped.append("\n")
        elif ch in DROPPED:
            continue
        elif ch in SPACES:
            mapped.append(" ")
        elif ascii_punctuation and ch in ASCII_MAP:
            mapped.append(ASCII_MAP[ch])
        else:
            mapped.append(ch)
    text = unicodedata.normalize("NFC", "".join(mapped))
    lines = [" ".join(line.split(" ")).strip(" ") for line in text.split("\n")]
    lines = [" ".join(part for part in line.split(" ") if part) for line in lines]
    if bullets:
        lines = [("- " + line[1:].lstrip(" ")).rstrip(" ") if line[:1] in BULLETS else line for line in lines]
    out: list[str] = []
    blank = False
    for line in lines:
        if not line:
            blank = True
            continue
        if out:
            out.append("" if blank else None)  # type: ignore[arg-type]
        out.append(line)
        blank = False
    return "\n".join(x for x in out if x is not None)
