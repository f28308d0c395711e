"""Every shell and Python snippet of README.md and docs/*.md runs, or says
why not: a snippet that stops working fails here (snippets.py says how
blocks are read and marked).

- Python blocks run in this interpreter (the project's .venv), each file's
  blocks in order in one namespace, in a scratch directory.
- Shell blocks run from the repository root, command by command; requests
  to localhost:8080 go to a gateway this test starts (the demo model, as
  scripts/demo.sh serves it, or the model file a `serve` marker names) on a
  free port, and a command's documented answer (`# {...}` under it) must be
  what it prints.
- Blocks marked `not-run` give their reason; blocks marked `run-by` name a
  test that reads that document and runs them.

    pytest tests/docs
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from snippets import PYTHON, ROOT, SHELL, Block, all_blocks, blocks, on_port

BLOCKS = all_blocks()
RUNNABLE = [b for b in BLOCKS if b.lang in SHELL | PYTHON and not b.not_run and not b.run_by]
SH_BLOCKS = [b for b in RUNNABLE if b.lang in SHELL]
PY_FILES = sorted({b.path for b in RUNNABLE if b.lang in PYTHON})
COMMAND_TIMEOUT = 900  # pip install of the notebooks extra builds the package


def ids(b: Block) -> str:
    return b.where


# ------------------------------------------------------------ the markers


def test_every_block_names_its_language():
    """An untagged fence could hide a command from this test."""
    untagged = [b.where for b in BLOCKS if not b.lang]
    assert not untagged, f"fences without a language (use text, json, sh, python, ...): {untagged}"


def test_readme_opens_with_its_two_commands():
    first = blocks(ROOT / "README.md")[0]
    assert first.lang in SHELL
    assert [c.split()[0] for c, _ in first.commands()] == ["scripts/demo.sh", "scripts/test.sh"]


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.run_by], ids=ids)
def test_run_by_names_a_test_of_that_document(block):
    test = ROOT / block.run_by
    assert test.is_file(), f"{block.where}: {block.run_by} does not exist"
    source = test.read_text()
    assert block.path.name in source, f"{block.run_by} does not read {block.path.name}"


@pytest.mark.parametrize("block", [b for b in BLOCKS if b.not_run], ids=ids)
def test_not_run_says_why(block):
    assert len(block.not_run.split()) >= 3, f"{block.where}: say why it is not run"


def test_curl_lines_document_their_answer():
    """A curl line in a run block shows what it prints, so the test checks it."""
    bare = [
        f"{b.where}: {cmd}"
        for b in SH_BLOCKS
        for cmd, answer in b.commands()
        if cmd.startswith("curl ") and answer is None
    ]
    assert not bare, "curl lines without a `# {...}` answer under them:\n" + "\n".join(bare)


# ------------------------------------------------------------ Python blocks


RUNNER = textwrap.dedent(
    """
    import json, sys, traceback
    blocks = json.load(open(sys.argv[1]))
    ns = {"__name__": "__main__"}
    for where, code in blocks:
        try:
            exec(compile(code, where, "exec"), ns)
        except BaseException:
            print(json.dumps({"failed": where, "error": traceback.format_exc()[-3000:]}))
            sys.exit(1)
        print(json.dumps({"ok": where}), flush=True)
    """
)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("docs")


@pytest.fixture(scope="module")
def python_runs(scratch) -> dict[str, str | None]:
    """where -> None (ran) or the error, for every runnable Python block."""
    results: dict[str, str | None] = {}
    for path in PY_FILES:
        mine = [b for b in RUNNABLE if b.path == path and b.lang in PYTHON]
        spec = scratch / f"{path.stem}.blocks.json"
        spec.write_text(json.dumps([(b.where, b.text) for b in mine]))
        out = subprocess.run(
            [sys.executable, "-c", RUNNER, str(spec)],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            env=dict(os.environ, MPLBACKEND="Agg"),
        )
        for line in out.stdout.splitlines():
            if line.startswith("{"):
                rec = json.loads(line)
                if "ok" in rec:
                    results[rec["ok"]] = None
                elif "failed" in rec:
                    results[rec["failed"]] = rec["error"] + out.stderr[-1000:]
        for b in mine:
            results.setdefault(b.where, f"not reached (a block failed)\n{out.stderr[-2000:]}")
    return results


@pytest.mark.parametrize("block", [b for b in RUNNABLE if b.lang in PYTHON], ids=ids)
def test_python_block_runs(block, python_runs):
    error = python_runs[block.where]
    assert error is None, f"{block.where}:\n{block.text}\n---\n{error}"


# ------------------------------------------------------------ shell blocks


def gateway_binary() -> str:
    gw = os.environ.get("SKSCORE_GATEWAY") or str(ROOT / "build" / "gateway" / "skscore-gateway")
    if not os.access(gw, os.X_OK):
        pytest.skip(f"no gateway at {gw}: run scripts/setup.sh or set SKSCORE_GATEWAY")
    return gw


class Gateway:
    """skscore-gateway on a free port (--port 0; the port from its
    `listening` log line), stopped with SIGTERM."""

    def __init__(self, *args: str):
        self.proc = subprocess.Popen(
            [gateway_binary(), *args, "--port", "0", "--host", "127.0.0.1"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self.log: list[str] = []
        self.port: int | None = None
        ready = threading.Event()

        def read():
            for line in self.proc.stderr:
                self.log.append(line)
                try:
                    rec = json.loads(line)
                except ValueError:
                    continue
                if rec.get("msg") == "listening":
                    self.port = rec["port"]
                    ready.set()
            ready.set()

        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(30) or self.port is None:
            self.stop()
            raise AssertionError("gateway did not start:\n" + "".join(self.log[-20:]))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


@pytest.fixture(scope="module")
def gateways(scratch, python_runs):
    """Model file name (None: the demo model) -> a running gateway."""
    started: dict[str | None, Gateway] = {}

    def get(model: str | None) -> Gateway:
        if model not in started:
            if model is None:
                demo = scratch / "out" / "iris.skm"
                demo.parent.mkdir(exist_ok=True)
                out = subprocess.run(
                    [sys.executable, str(ROOT / "scripts" / "demo_model.py"), str(demo)],
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                assert out.returncode == 0, out.stderr[-3000:]
                started[None] = Gateway("--model", f"iris={demo}")
            else:
                path = scratch / model
                assert path.is_file(), f"{model} was not written by the Python blocks above"
                started[model] = Gateway("--model-path", str(path))
        return started[model]

    yield get
    for g in started.values():
        g.stop()


@pytest.mark.parametrize("block", SH_BLOCKS, ids=ids)
def test_shell_block_runs(block, gateways):
    commands = block.commands()
    assert commands, f"{block.where}: no command"
    port = gateways(block.serve).port if any("8080" in c for c, _ in commands) else None
    for cmd, documented in commands:
        sent = on_port(cmd, port) if port else cmd
        out = subprocess.run(
            ["bash", "-o", "pipefail", "-c", sent],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
        )
        assert out.returncode == 0, (
            f"{block.where}: `{cmd}` exited {out.returncode}:\n"
            f"{out.stdout[-2000:]}{out.stderr[-2000:]}"
        )
        if documented is not None:
            try:
                got = json.loads(out.stdout)
            except ValueError:
                got = out.stdout
            assert got == documented, (
                f"{block.where}: `{cmd}`\nprinted   {got!r}\ndocuments {documented!r}"
            )
