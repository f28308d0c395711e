#!/usr/bin/env python3
"""Pipelines with string columns: skscore against scikit-learn and ONNX Runtime.

A data scientist's typical model: a ColumnTransformer (OneHotEncoder on a
string column, OrdinalEncoder on another, imputer + scaler on six numeric
columns with missing values, an id column dropped) in front of a
LogisticRegression or a 100-tree RandomForestClassifier, trained on a pandas
DataFrame. Each engine is fed what a user has: a DataFrame for scikit-learn
and skscore, a dict of per-column arrays for ONNX Runtime (skl2onnx,
strings as tensor(string)). One thread everywhere; one row and batches of
10,000 rows; medians of repeated timed loops.

Before timing, skscore is checked against scikit-learn on 10,000 held-out
rows (forest bit-identical, LR within docs/EXACTNESS.md's tolerance,
labels identical); ONNX Runtime's agreement is reported, not required.

Usage (repository root, after ``pip install .``)::

    python3 bench/bench_pipeline.py               # ~1-2 minutes
    python3 bench/bench_pipeline.py --write-docs  # also rewrite its section of docs/BENCHMARKS.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import write_section  # noqa: E402
from project_python import use_project_python  # noqa: E402

use_project_python()

import argparse
import datetime
import os
import platform
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

START = "<!-- pipeline-bench:start (written by bench/bench_pipeline.py --write-docs) -->"
END = "<!-- pipeline-bench:end -->"
NUMERIC = [f"x{i}" for i in range(6)]


def make_data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    cities = np.array([f"city-{i:02d}" for i in range(50)], dtype=object)
    df = pd.DataFrame({
        "city": rng.choice(cities, n),
        "plan": rng.choice(np.array(["free", "basic", "pro", "team"], dtype=object), n),
        **{c: rng.normal(size=n) for c in NUMERIC},
        "id": [f"id-{seed}-{i}" for i in range(n)],
    })
    df.loc[rng.random(n) < 0.05, "x0"] = np.nan
    score = df["x1"] + (df["plan"] == "pro") - 0.5 * (df["city"] == "city-07") + 0.3 * df["x0"].fillna(0)
    return df, np.where(score > 0.2, "churn", "stay")


def pipelines():
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    def columns():
        return ColumnTransformer([
            ("city", OneHotEncoder(handle_unknown="ignore"), ["city"]),
            ("plan", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), ["plan"]),
            ("num", make_pipeline(SimpleImputer(), StandardScaler()), NUMERIC),
        ])

    return {
        "LogisticRegression": make_pipeline(columns(), LogisticRegression(max_iter=1000)),
        "RandomForest (100 trees)": make_pipeline(columns(), RandomForestClassifier(
            n_estimators=100, max_depth=14, random_state=0, n_jobs=1)),
    }


def onnx_runner(pipe, df):
    """(run(frame) -> probabilities, note) or (None, why)."""
    try:
        import onnxruntime as ort
        from skl2onnx import to_onnx
        from skl2onnx.common.data_types import FloatTensorType, StringTensorType
    except ImportError as exc:
        return None, f"not installed ({exc.name})"
    strings = {c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])}
    types = [(c, StringTensorType([None, 1]) if c in strings else FloatTensorType([None, 1])) for c in df.columns]
    try:
        onx = to_onnx(pipe, initial_types=types, options={"zipmap": False}, target_opset=17)
    except Exception as exc:  # skl2onnx raises many kinds
        return None, f"skl2onnx cannot convert it: {type(exc).__name__}: {str(exc)[:120]}"
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    sess = ort.InferenceSession(onx.SerializeToString(), so, providers=["CPUExecutionProvider"])

    def feed(frame):
        out = {}
        for c in frame.columns:
            col = frame[c].to_numpy()
            if c in strings:
                out[c] = np.asarray(col, dtype=object).reshape(-1, 1)
            else:
                out[c] = col.astype(np.float32).reshape(-1, 1)
        return out

    return (lambda frame: sess.run(None, feed(frame))[1]), "float32 numeric inputs"


def median_time(fn, arg, budget: float, min_reps: int = 5) -> float:
    fn(arg)
    times = []
    end = time.perf_counter() + budget
    while len(times) < min_reps or (time.perf_counter() < end and len(times) < 100000):
        t = time.perf_counter()
        fn(arg)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def fmt_t(s: float) -> str:
    return f"{s * 1e6:.1f} µs" if s < 1e-3 else f"{s * 1e3:.2f} ms"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--write-docs", action="store_true")
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per timed configuration")
    args = ap.parse_args(argv)
    import sklearn

    import skscore

    t0 = time.perf_counter()
    train, y = make_data(20000, 0)
    test, _ = make_data(10000, 1)
    test.loc[::97, "city"] = "city-new"  # unseen: ignored by the encoder
    one = test.iloc[[3]]
    rows, checks, notes = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for name, pipe in pipelines().items():
            pipe.fit(train, y)
            path = Path(tmp) / "m.skm"
            skscore.export(pipe, path)
            model = skscore.load(path)
            report = skscore.validate(pipe, path, test)
            if not report.passed:
                print(report)
                return 1
            checks.append(f"{name}: `skscore.validate` PASSED on {report.n_rows:,} held-out rows "
                          f"(predict_proba max abs diff {report.outputs['predict_proba'].max_abs_diff:.2g})")
            run_onnx, note = onnx_runner(pipe, train)
            if run_onnx is None:
                notes.append(f"{name}: ONNX Runtime left out: {note}")
            else:
                agree = np.mean(np.argmax(run_onnx(test), 1) == np.argmax(pipe.predict_proba(test), 1))
                diff = np.abs(run_onnx(test) - pipe.predict_proba(test)).max()
                notes.append(f"{name}: ONNX Runtime ({note}) agrees with scikit-learn on {agree:.2%} of labels, "
                             f"max probability difference {diff:.2g}")
            engines = {"scikit-learn": pipe.predict_proba,
                       "skscore": lambda X, m=model: m.predict_proba(X, n_threads=1)}
            if run_onnx is not None:
                engines["ONNX Runtime"] = run_onnx
            for batch, X in (("1 row", one), ("10,000 rows", test)):
                t = {e: median_time(fn, X, args.budget) for e, fn in engines.items()}
                rows.append((name, batch, t))
                print(f"{name:26s} {batch:12s} " + "  ".join(f"{e} {fmt_t(v)}" for e, v in t.items())
                      + f"  skscore vs sklearn {t['scikit-learn'] / t['skscore']:.1f}x"
                      + (f", vs ORT {t['ONNX Runtime'] / t['skscore']:.2f}x" if "ONNX Runtime" in t else ""),
                      flush=True)
    elapsed = time.perf_counter() - t0
    header = "| model | batch | scikit-learn | ONNX Runtime | skscore | skscore vs scikit-learn | skscore vs ONNX Runtime |"
    lines = [header, "|---|---|---:|---:|---:|---:|---:|"]
    for name, batch, t in rows:
        ort_t = t.get("ONNX Runtime")
        vs_ort = f"{ort_t / t['skscore']:.2f}×" if ort_t else "—"
        lines.append(f"| {name} | {batch} | {fmt_t(t['scikit-learn'])} | {fmt_t(ort_t) if ort_t else '—'} | "
                     f"{fmt_t(t['skscore'])} | {t['scikit-learn'] / t['skscore']:.1f}× | {vs_ort} |")
    print("\n".join(lines))
    if args.write_docs:
        import onnxruntime

        vers = (f"Python {platform.python_version()}, scikit-learn {sklearn.__version__}, pandas {pd.__version__}, "
                f"NumPy {np.__version__}, ONNX Runtime {onnxruntime.__version__}, skscore {skscore.__version__}")
        write_section(START, END, [
            "## Pipelines with string columns: skscore vs scikit-learn and ONNX Runtime",
            "",
            f"Measured {datetime.date.today().isoformat()} on {os.cpu_count()} shared cores "
            f"({platform.machine()}), one thread per engine, with `python3 bench/bench_pipeline.py --write-docs` "
            f"({elapsed:.0f} s). {vers}.",
            "",
            "ColumnTransformer: OneHotEncoder (50 cities, unknown ignored), OrdinalEncoder (4 plans, unknown -1), "
            "mean imputer + StandardScaler on 6 numbers (5% missing), an id column dropped; "
            "trained on 20,000 rows of a pandas DataFrame. Inputs as users hold them: a DataFrame for "
            "scikit-learn and skscore (one row: `df.iloc[[i]]`), per-column arrays for ONNX Runtime. "
            "`predict_proba`, median time per call.",
            "",
            *lines,
            "",
            *[f"- {c}" for c in checks],
            *[f"- {n}" for n in notes],
            "- The city column has no missing values here: skl2onnx 1.20 cannot convert a string "
            "`SimpleImputer(strategy=\"constant\")` (\"Imputer cannot fill missing values with a string\"), "
            "which skscore exports (tests/python/test_parity_columns.py).",
        ])
    return 0


if __name__ == "__main__":
    sys.exit(main())
