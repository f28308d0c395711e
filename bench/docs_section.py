"""Rewrite one benchmark's section of docs/BENCHMARKS.md.

A benchmark run with --write-docs owns the text between its two markers
(``<!-- name-bench:start ... -->`` and ``<!-- name-bench:end -->``) and
replaces it whole; the rest of the page is left as it is. A page without
the markers gets the section appended.
"""

from __future__ import annotations

import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[1] / "docs" / "BENCHMARKS.md"


def write_section(start: str, end: str, lines: list[str], docs: Path = DOCS) -> None:
    """Replaces the text from start to end (both kept) with lines."""
    body = "\n".join([start, *lines, end])
    text = docs.read_text()
    if start in text:
        text = re.sub(re.escape(start) + r".*?" + re.escape(end), lambda _: body, text, flags=re.S)
    else:
        text = text.rstrip("\n") + "\n\n" + body + "\n"
    docs.write_text(text)
    print(f"wrote {docs}")
