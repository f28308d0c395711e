#!/usr/bin/env python3
"""Contributions (TreeSHAP) against the libraries that compute them (issue 14).

Two models, 1,000 rows explained: a 100-tree depth-12 RandomForestClassifier
(20 features, trained on 20,000 rows) against SHAP's TreeExplainer
(``feature_perturbation="tree_path_dependent"``, its compiled extension,
one thread); and a 500-round depth-6 XGBClassifier and a 500-round
LGBMClassifier against their own ``pred_contribs`` / ``pred_contrib``, at 1
and 2 threads each. Before timing, skscore's contributions are compared
with each reference (docs/EXACTNESS.md's tolerances). Best of a few runs
each; targets: >= 5x SHAP's TreeExplainer, >= 1x XGBoost's and LightGBM's
own at equal threads.

    python3 bench/bench_explain.py                # ~2-4 minutes
    python3 bench/bench_explain.py --write-docs   # also rewrite its section of docs/BENCHMARKS.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import write_section  # noqa: E402
from project_python import use_project_python  # noqa: E402

use_project_python()

import argparse  # noqa: E402
import datetime  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402

START = "<!-- explain-bench:start (written by bench/bench_explain.py --write-docs) -->"
END = "<!-- explain-bench:end -->"


def best(fn, rounds: int) -> float:
    out = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--write-docs", action="store_true")
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    import lightgbm as lgb
    import shap
    import sklearn
    import xgboost as xgb
    from sklearn.ensemble import RandomForestClassifier

    import skscore

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 20))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + 0.5 * X[:, 3] > 0).astype(int)
    Xq = X[: args.rows]
    rows: list[tuple[str, str, int, float, float]] = []  # model, reference, threads, skscore s, ref s

    rf = RandomForestClassifier(n_estimators=100, max_depth=12, random_state=0, n_jobs=2).fit(X, y)
    m = skscore.load(skscore.dumps(rf))
    explainer = shap.TreeExplainer(rf, feature_perturbation="tree_path_dependent")
    ref = np.transpose(np.asarray(explainer.shap_values(Xq[:50], check_additivity=False)), (0, 2, 1))
    np.testing.assert_allclose(m.contributions(Xq[:50])[..., :-1], ref, rtol=1e-9, atol=1e-12)
    t_shap = best(lambda: explainer.shap_values(Xq, check_additivity=False), max(1, args.rounds - 2))
    for nt in (1, 2):
        rows.append(("RandomForest, 100 trees, depth 12", "SHAP TreeExplainer (1 thread)", nt,
                     best(lambda nt=nt: m.contributions(Xq, n_threads=nt), args.rounds), t_shap))
        print(rows[-1], flush=True)

    xm = xgb.XGBClassifier(n_estimators=500, max_depth=6, n_jobs=1, random_state=0).fit(X, y)
    mx = skscore.load(skscore.dumps(xm))
    booster = xm.get_booster()
    dq = xgb.DMatrix(Xq)
    ref = booster.predict(dq, pred_contribs=True)
    np.testing.assert_allclose(mx.contributions(Xq), ref, rtol=0, atol=1e-5 * np.abs(ref).max())
    for nt in (1, 2):
        booster.set_param({"nthread": nt})
        rows.append(("XGBoost, 500 rounds, depth 6", "XGBoost pred_contribs", nt,
                     best(lambda nt=nt: mx.contributions(Xq, n_threads=nt), args.rounds),
                     best(lambda: booster.predict(dq, pred_contribs=True), args.rounds)))
        print(rows[-1], flush=True)

    lm = lgb.LGBMClassifier(n_estimators=500, num_leaves=63, verbose=-1, random_state=0).fit(X, y)
    ml = skscore.load(skscore.dumps(lm))
    ref = np.asarray(lm.predict(Xq, pred_contrib=True))
    np.testing.assert_allclose(ml.contributions(Xq), ref, rtol=1e-9, atol=1e-12)
    for nt in (1, 2):
        rows.append(("LightGBM, 500 rounds, 63 leaves", "LightGBM pred_contrib", nt,
                     best(lambda nt=nt: ml.contributions(Xq, n_threads=nt), args.rounds),
                     best(lambda nt=nt: lm.predict(Xq, pred_contrib=True, num_threads=nt), args.rounds)))
        print(rows[-1], flush=True)

    lines = ["| model | reference | threads | skscore | reference | skscore speed-up |",
             "|---|---|---:|---:|---:|---:|"]
    targets = []
    for model, refname, nt, ours, theirs in rows:
        ratio = theirs / ours
        lines.append(f"| {model} | {refname} | {nt} | {ours * 1e3:,.0f} ms | {theirs * 1e3:,.0f} ms | "
                     f"{ratio:.2f}x |")
        goal = 5.0 if refname.startswith("SHAP") else 1.0
        targets.append(f"- {'MET' if ratio >= goal else 'MISSED'}: {model}, {nt} thread(s): "
                       f">= {goal:g}x {refname}: {ratio:.2f}x")
    versions = (f"skscore {skscore.__version__}, scikit-learn {sklearn.__version__}, shap {shap.__version__}, "
                f"xgboost {xgb.__version__}, lightgbm {lgb.__version__}")
    print("\n".join(lines + [""] + targets))
    if args.write_docs:
        machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
        write_section(START, END, ["", f"{args.rows:,} rows explained, {machine}, "
                                   f"{datetime.date.today().isoformat()}, {versions}; best of {args.rounds} "
                                   "runs (SHAP: fewer, it is slow).", "", *lines, "", *targets])
    return 0


if __name__ == "__main__":
    sys.exit(main())
