"""The fenced code blocks of README.md and docs/*.md, as the tests that run
them read them (tests/docs, tests/fresh).

A block is run by tests/docs unless the line right before its fence (blank
lines aside) is a marker saying why not, or naming the test that runs it:

    <!-- not-run: needs a cluster -->
    ```sh
    kubectl apply -k manifests/overlays/production
    ```
    <!-- run-by: tests/manifests/test_seed_kube_play.py -->

A shell block's requests go to a gateway serving the demo model (what
scripts/demo.sh serves), or, after `<!-- serve: model.skm -->`, one serving
that file as its default model, written by the file's Python blocks above
(tests/docs runs them first, in a scratch directory).

In a shell block, a comment line holding a JSON value right after a command
is the answer the command prints, as the reader will see it:

    curl -s localhost:8080/predict -d '{"features": [5.1, 3.5, 1.4, 0.2]}'
    # {"prediction":"setosa"}
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = {"sh", "bash", "shell", "console"}
PYTHON = {"python", "py", "python3"}
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([\w+-]*)")
MARKER = re.compile(r"^\s*<!--\s*(not-run|run-by|serve):\s*(.+?)\s*-->\s*$")
PORT = 8080  # the port the docs' commands use (the demo's default)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # 1-based line of the opening fence
    lang: str
    text: str
    not_run: str | None  # the not-run marker's reason, or None
    run_by: str | None  # the test file that runs the block (a run-by marker), or None
    serve: str | None  # the model file the block's commands are sent to (a serve marker)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line}"

    def commands(self) -> list[tuple[str, object | None]]:
        """(command, documented answer or None) for each command of a shell
        block: one logical line (backslash continuations joined) that is
        not a comment; the answer is the JSON of a comment line right after."""
        out: list[tuple[str, object | None]] = []
        lines = self.text.split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            i += 1
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            while line.endswith("\\") and i < len(lines):
                line = line[:-1] + "\n" + lines[i]
                i += 1
            answer = None
            if i < len(lines) and lines[i].lstrip().startswith("#"):
                comment = lines[i].lstrip()[1:].strip()
                try:
                    answer = json.loads(comment)
                    i += 1
                except ValueError:
                    pass
            out.append((line, answer))
        return out


def blocks(path: Path) -> list[Block]:
    lines = path.read_text().split("\n")
    found = []
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, fence, lang = m.groups()
        start = i
        i += 1
        body = []
        while i < len(lines) and not lines[i].strip().startswith(fence[0] * len(fence)):
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        i += 1
        j = start - 1
        while j >= 0 and not lines[j].strip():
            j -= 1
        marker = MARKER.match(lines[j]) if j >= 0 else None
        kind, value = marker.groups() if marker else (None, None)
        found.append(
            Block(
                path,
                start + 1,
                lang.lower(),
                "\n".join(body),
                value if kind == "not-run" else None,
                value if kind == "run-by" else None,
                value if kind == "serve" else None,
            )
        )
    return found


def all_blocks() -> list[Block]:
    return [b for p in DOCS for b in blocks(p)]


def readme_setup_command() -> str:
    """The README's first command: the first line of its first shell block
    (the demo: set up, build, serve)."""
    first = next(b for b in blocks(ROOT / "README.md") if b.lang in SHELL)
    return first.commands()[0][0]


def readme_requests() -> list[tuple[str, object]]:
    """The README's curl lines to the demo that have a documented answer,
    verbatim (not those of blocks served another model)."""
    return [
        (cmd, answer)
        for b in blocks(ROOT / "README.md")
        if b.lang in SHELL and b.serve is None
        for cmd, answer in b.commands()
        if cmd.startswith("curl ") and answer is not None
    ]


def on_port(command: str, port: int) -> str:
    """command with the docs' port (localhost:8080) replaced by port."""
    return re.sub(rf"\b(localhost|127\.0\.0\.1):{PORT}\b", rf"\g<1>:{port}", command)


def demo_requests() -> list[tuple[str, str, object]]:
    """(where, command, answer): every run curl line of README.md and docs/
    sent to the demo model with its documented answer, the README's first."""
    return [
        (b.where, cmd, answer)
        for b in all_blocks()
        if b.lang in SHELL and b.serve is None and not b.not_run and not b.run_by
        for cmd, answer in b.commands()
        if cmd.startswith("curl ") and answer is not None
    ]
