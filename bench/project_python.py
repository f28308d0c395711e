"""Run a benchmark in the project's interpreter.

The benchmarks that import skscore, NumPy or scikit-learn are documented as
``python3 bench/<name>.py``. On a machine set up with scripts/setup.sh those
packages live in the repository's ``.venv``, not in the system Python, so
``use_project_python()`` re-executes the script with ``.venv/bin/python``
when it is started by another interpreter and that one exists. Any other
interpreter that already imports skscore, NumPy and scikit-learn (a user's
own environment) is kept; one that has skscore alone is not enough.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"


def use_project_python() -> None:
    if Path(sys.prefix).resolve() == (ROOT / ".venv").resolve():
        return
    if all(importlib.util.find_spec(m) is not None for m in ("skscore", "numpy", "sklearn")):
        return
    if not VENV_PYTHON.exists():
        sys.exit(f"{sys.argv[0]}: skscore is not importable here and {VENV_PYTHON} does not exist; "
                 "run scripts/setup.sh first, or pip install . into this interpreter")
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
