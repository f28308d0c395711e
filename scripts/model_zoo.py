#!/usr/bin/env python3
"""Model zoo: train one of each estimator skscore exports, write its .skm
file and the outputs the estimator itself gives, for the tests (Python and
gateway) to check files against. Generated at test time, never committed.

    .venv/bin/python scripts/model_zoo.py OUT_DIR [--only name,name]

Run it with the project's .venv (scripts/setup.sh makes it), or any Python
with skscore, scikit-learn and pandas installed (LightGBM and XGBoost models
are added when those are installed); another Python stops with that advice.

Writes, per model NAME:
  OUT_DIR/NAME.skm   the exported file
  OUT_DIR/NAME.npz   X (the rows) and the estimator's own outputs: predict,
                     predict_proba, decision_function, score_samples (each
                     one it has); labels as an object array
and OUT_DIR/zoo.json: per model the estimator, the outputs, and the
tolerance skscore.validate uses for each (docs/EXACTNESS.md), with
validate's verdict. Exits 1 if any model fails validation.

Every model is small (seconds in all); rows include NaN where the model
takes NaN, values on split thresholds, and held-out rows.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

try:
    import numpy as np
    import sklearn  # noqa: F401

    import skscore  # noqa: F401
except ImportError as e:
    sys.exit(
        f"scripts/model_zoo.py: {e}. Run it with the project's virtual environment "
        "(.venv/bin/python scripts/model_zoo.py OUT_DIR; scripts/setup.sh makes .venv), "
        "or install skscore (pip install .), scikit-learn and pandas into this Python."
    )

OUTPUTS = ("predict", "predict_proba", "decision_function", "score_samples")


def _data():
    from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification

    iris = load_iris()
    cancer = load_breast_cancer()
    diabetes = load_diabetes()
    Xn, yn = make_classification(n_samples=600, n_features=8, n_informative=5, n_classes=3, random_state=0)
    Xn = Xn.copy()
    Xn[np.random.default_rng(0).random(Xn.shape) < 0.08] = np.nan
    # Mixed columns, as a DataFrame would give them to an object array:
    # city (strings, None missing), size (strings), x (NaN missing), y, and
    # an id a ColumnTransformer drops.
    rng = np.random.default_rng(2)
    n = 500
    city = rng.choice(np.array(["paris", "rome", "oslo", "lima", None], dtype=object), n, p=[.4, .3, .15, .05, .1])
    size = rng.choice(np.array(["S", "M", "L", "XL"], dtype=object), n)
    x, y2 = rng.normal(size=n), rng.normal(size=n)
    x[rng.random(n) < 0.1] = np.nan
    mixed = np.empty((n, 5), dtype=object)
    mixed[:, 0], mixed[:, 1], mixed[:, 2], mixed[:, 3] = city, size, x, y2
    mixed[:, 4] = [f"id-{i}" for i in range(n)]
    label = np.where(np.nan_to_num(x) + (city == "rome") - (size == "S") + 0.3 * y2 > 0.2, "yes", "no")
    return {
        "mixed": (mixed, label),
        "mixed4": (np.ascontiguousarray(mixed[:, :4]), label),  # without the id
        "iris": (iris.data, iris.target_names[iris.target]),  # string labels
        "iris_int": (iris.data, iris.target + 10),
        "cancer": (cancer.data, cancer.target.astype(bool)),
        "cancer01": (cancer.data, cancer.target),
        "diabetes": (diabetes.data, diabetes.target),
        "diabetes2": (diabetes.data, np.c_[diabetes.target, -diabetes.target / 3]),
        "nan3": (Xn, yn),
        "nan_reg": (Xn, np.abs(np.nan_to_num(Xn[:, 0])) * 3 + yn + 0.5),  # positive: poisson
    }


def _zoo() -> dict:
    """name -> (data key, factory)."""
    from sklearn import ensemble as E
    from sklearn import linear_model as L
    from sklearn import svm, tree
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import (MaxAbsScaler, MinMaxScaler, Normalizer, OneHotEncoder, OrdinalEncoder,
                                       PolynomialFeatures, RobustScaler, StandardScaler)

    def columns():
        """Strings one-hot (missing -> "missing", unknown ignored) and
        ordinal (unknown -> -1), numbers imputed with indicators; id dropped."""
        return ColumnTransformer([
            ("city", make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                                   OneHotEncoder(handle_unknown="ignore", min_frequency=30)), [0]),
            ("size", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1), [1]),
            ("num", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), [2, 3]),
        ])

    z = {
        "dt_clf": ("iris", lambda: tree.DecisionTreeClassifier(random_state=0)),
        "dt_reg": ("diabetes", lambda: tree.DecisionTreeRegressor(max_depth=8, random_state=0)),
        "dt_nan": ("nan3", lambda: tree.DecisionTreeClassifier(random_state=0)),
        "rf_clf": ("iris", lambda: E.RandomForestClassifier(n_estimators=20, random_state=0)),
        "rf_bool": ("cancer", lambda: E.RandomForestClassifier(n_estimators=15, random_state=0)),
        "rf_reg2": ("diabetes2", lambda: E.RandomForestRegressor(n_estimators=10, random_state=0)),
        "et_clf": ("iris_int", lambda: E.ExtraTreesClassifier(n_estimators=15, random_state=0)),
        "et_reg": ("diabetes", lambda: E.ExtraTreesRegressor(n_estimators=10, random_state=0)),
        "gb_bin": ("cancer", lambda: E.GradientBoostingClassifier(n_estimators=40, random_state=0)),
        "gb_exp": ("cancer", lambda: E.GradientBoostingClassifier(loss="exponential", n_estimators=30, random_state=0)),
        "gb_multi": ("iris", lambda: E.GradientBoostingClassifier(n_estimators=30, random_state=0)),
        "gb_huber": ("diabetes", lambda: E.GradientBoostingRegressor(loss="huber", n_estimators=40, random_state=0)),
        "gb_zero": ("diabetes", lambda: E.GradientBoostingRegressor(init="zero", n_estimators=30, random_state=0)),
        "hgb_nan": ("nan3", lambda: E.HistGradientBoostingClassifier(max_iter=40, random_state=0)),
        "hgb_bin": ("cancer", lambda: E.HistGradientBoostingClassifier(max_iter=30, random_state=0)),
        "hgb_poisson": ("nan_reg", lambda: E.HistGradientBoostingRegressor(loss="poisson", max_iter=30)),
        "hgb_reg": ("diabetes", lambda: E.HistGradientBoostingRegressor(max_iter=40)),
        "iso": ("cancer", lambda: E.IsolationForest(n_estimators=30, random_state=0)),
        "logreg": ("iris", lambda: L.LogisticRegression(max_iter=2000)),
        "logreg_bin": ("cancer", lambda: make_pipeline(StandardScaler(), L.LogisticRegression(max_iter=2000))),
        "sgd_hinge": ("iris_int", lambda: make_pipeline(StandardScaler(), L.SGDClassifier(random_state=0))),
        "sgd_log": ("cancer", lambda: make_pipeline(StandardScaler(), L.SGDClassifier(loss="log_loss", random_state=0))),
        "linsvc": ("iris", lambda: make_pipeline(MinMaxScaler(), svm.LinearSVC(random_state=0))),
        "linreg": ("diabetes", lambda: L.LinearRegression()),
        "ridge": ("diabetes2", lambda: L.Ridge(alpha=0.3)),
        "lasso": ("diabetes", lambda: L.Lasso(alpha=0.1)),
        "enet": ("diabetes", lambda: L.ElasticNet(alpha=0.05)),
        "sgd_reg": ("diabetes", lambda: make_pipeline(RobustScaler(), L.SGDRegressor(random_state=0))),
        "linsvr": ("diabetes", lambda: make_pipeline(MaxAbsScaler(), svm.LinearSVR(random_state=0, max_iter=5000))),
        "pipe_impute_hgb": ("nan3", lambda: make_pipeline(SimpleImputer(strategy="median"), StandardScaler(),
                                                          E.HistGradientBoostingClassifier(max_iter=20))),
        "pipe_impute_lr": ("nan3", lambda: make_pipeline(SimpleImputer(), StandardScaler(),
                                                         L.LogisticRegression(max_iter=2000))),
        "pipe_columns_lr": ("mixed", lambda: make_pipeline(columns(), L.LogisticRegression(max_iter=2000))),
        "pipe_columns_rf": ("mixed", lambda: make_pipeline(columns(), E.RandomForestClassifier(n_estimators=15,
                                                                                            random_state=0))),
        "hgb_categorical": ("mixed4", lambda: E.HistGradientBoostingClassifier(categorical_features=[0, 1],
                                                                              max_iter=30, random_state=0)),
        "pipe_poly_ridge": ("diabetes", lambda: make_pipeline(PolynomialFeatures(2), StandardScaler(),
                                                              L.Ridge(alpha=0.5))),
        "pipe_normalize_lr": ("iris", lambda: make_pipeline(Normalizer(), L.LogisticRegression(max_iter=2000))),
    }
    try:
        import lightgbm as lgb
    except ImportError:
        return z
    z.update({
        "lgbm_multi": ("nan3", lambda: lgb.LGBMClassifier(n_estimators=30, verbose=-1, random_state=0)),
        "lgbm_str": ("iris", lambda: lgb.LGBMClassifier(n_estimators=20, min_child_samples=3, verbose=-1)),
        "lgbm_reg": ("nan_reg", lambda: lgb.LGBMRegressor(n_estimators=30, verbose=-1)),
    })
    try:
        import xgboost as xgb
    except ImportError:
        return z
    z.update({
        "xgb_multi": ("nan3", lambda: xgb.XGBClassifier(n_estimators=30, max_depth=4, random_state=0)),
        "xgb_binary": ("cancer01", lambda: xgb.XGBClassifier(n_estimators=30, max_depth=3, random_state=0)),
        "xgb_poisson": ("nan_reg", lambda: xgb.XGBRegressor(n_estimators=30, objective="count:poisson",
                                                            random_state=0)),
    })
    return z


def _rows(est, X: np.ndarray, rng) -> np.ndarray:
    """Training rows, jittered rows, and (trees) rows on split thresholds;
    mixed tables: training rows and rows with unseen strings."""
    if X.dtype == object:
        unseen = X[:40].copy()
        unseen[::2, 0] = "berlin"
        unseen[1::2, 1] = "XXL"
        return np.vstack([X[:200], unseen])
    rows = [X[:200], X[rng.integers(0, len(X), 200)] + rng.normal(0, 0.05, (200, X.shape[1])) * np.nanstd(X, 0)]
    final = est.steps[-1][1] if hasattr(est, "steps") else est
    trees = [final] if hasattr(final, "tree_") else getattr(final, "estimators_", None)
    if trees is not None and not hasattr(trees, "ndim"):
        t = trees[0].tree_
        inner = (t.feature >= 0) & np.isfinite(t.threshold)
        on = X[rng.integers(0, len(X), int(inner.sum()))].copy()
        on[np.arange(len(on)), t.feature[inner]] = t.threshold[inner].astype(np.float32)
        if not hasattr(est, "steps"):
            rows.append(on)
    return np.ascontiguousarray(np.vstack(rows))


def build(out: Path, only: set[str] | None = None) -> list[dict]:
    import sklearn

    import skscore

    out.mkdir(parents=True, exist_ok=True)
    data = _data()
    rng = np.random.default_rng(1)
    manifest = []
    for name, (key, factory) in _zoo().items():
        if only and name not in only:
            continue
        X, y = data[key]
        est = factory().fit(X, y) if name != "iso" else factory().fit(X)
        Xr = _rows(est, X, rng)
        path = out / f"{name}.skm"
        skscore.export(est, path, metadata={"zoo": name, "sklearn": sklearn.__version__})
        report = skscore.validate(est, path, Xr)
        arrays = {"X": Xr}
        final = est.steps[-1][1] if hasattr(est, "steps") else est
        entry = {"name": name, "estimator": report.estimator, "final": type(final).__name__, "data": key,
                 "rows": int(len(Xr)),
                 "passed": bool(report.passed), "outputs": {}}
        lgbm = type(est).__module__.startswith("lightgbm")
        for out_name, check in report.outputs.items():
            if out_name == "decision_function" and not hasattr(est, out_name):  # LightGBM, XGBoost
                value = est.predict(Xr, raw_score=True) if lgbm else est.predict(Xr, output_margin=True)
            else:
                value = getattr(est, out_name)(Xr)
            value = np.asarray(value)
            arrays[out_name] = value.astype(object) if value.dtype.kind in "OUS" else value
            entry["outputs"][out_name] = {"rtol": check.rtol, "atol": check.atol, "dtype": str(value.dtype),
                                          "shape": list(value.shape)}
        np.savez(out / f"{name}.npz", **arrays)
        manifest.append(entry)
        if not report.passed:
            print(report, file=sys.stderr)
    (out / "zoo.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--only", default=None, help="comma list of model names")
    args = ap.parse_args()
    t = time.perf_counter()
    manifest = build(args.out, set(args.only.split(",")) if args.only else None)
    failed = [m["name"] for m in manifest if not m["passed"]]
    print(f"model zoo: {len(manifest)} models in {args.out} ({time.perf_counter() - t:.1f} s)"
          + (f"; FAILED validation: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
