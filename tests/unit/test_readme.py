"""The README's Python examples run as tests; a `print(...)  # 'value'` line must print that value."""

from __future__ import annotations

import ast
import contextlib
import io
import re
from pathlib import Path

README = Path(__file__).resolve().parents[2] / "README.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_readme_python_blocks_run_and_print_what_they_say() -> None:
    blocks = BLOCK.findall(README.read_text(encoding="utf-8"))
    assert blocks, "README has no python example"
    for block in blocks:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(block, str(README), "exec"), {})
        printed = out.getvalue().splitlines()
        expected = [ln for ln in block.splitlines() if ln.startswith("print(")]
        assert len(printed) == len(expected)
        for line, got in zip(expected, printed, strict=False):
            comment = line.partition("#")[2].strip()
            if comment and comment[0] in "'\"":
                assert got == ast.literal_eval(comment), line
