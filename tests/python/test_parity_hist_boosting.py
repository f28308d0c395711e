"""HistGradientBoostingClassifier/Regressor (numeric features): skscore
against scikit-learn.

HistGradientBoosting compares float64 X with float64 thresholds (no
float32 cast), sends NaN where missing_go_to_left says, takes infinities,
and starts from its baseline prediction. Raw scores, labels and
identity-link predictions must be bit-identical; outputs through exp
(multiclass probabilities, poisson/gamma predictions) are compared with
rtol 1e-12 (NumPy's SIMD exp vs libm's, docs/EXACTNESS.md).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

import skscore


def roundtrip(est, tmp_path):
    path = tmp_path / "hgb.skm"
    skscore.export(est, path)
    return skscore.load(path), path


def with_missing(X, frac, seed=0):
    X = X.copy()
    X[np.random.default_rng(seed).random(X.shape) < frac] = np.nan
    return X


def edge_rows(est, X):
    """X, plus rows with every split threshold, its float64 neighbours,
    NaN, and +-inf in each split feature."""
    rows = [X, np.full((1, X.shape[1]), np.inf), np.full((1, X.shape[1]), -np.inf),
            np.full((1, X.shape[1]), np.nan)]
    base = np.nan_to_num(X[:1].copy())
    for it in est._predictors:
        for p in it:
            for node in p.nodes:
                if node["is_leaf"]:
                    continue
                f, thr = int(node["feature_idx"]), float(node["num_threshold"])
                for v in (thr, np.nextafter(thr, -np.inf), np.nextafter(thr, np.inf), np.nan):
                    r = base.copy()
                    r[0, f] = v
                    rows.append(r)
    return np.vstack(rows)


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(
        np.ascontiguousarray(a).view(np.uint8), np.ascontiguousarray(b).view(np.uint8))


@pytest.mark.parametrize("missing", [0.0, 0.15])
def test_binary_classifier(missing, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    X = with_missing(X, missing)
    est = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(X, y)
    m, path = roundtrip(est, tmp_path)
    Xt = edge_rows(est, X)
    assert same_bits(m.decision_function(Xt), est.decision_function(Xt))
    assert same_bits(m.predict_proba(Xt), est.predict_proba(Xt))
    assert np.array_equal(m.predict(Xt), est.predict(Xt))
    assert skscore.validate(est, path, Xt).passed


@pytest.mark.parametrize("labels", ["int", "str"])
def test_multiclass_classifier(labels, tmp_path):
    X, y = make_classification(n_samples=800, n_features=12, n_informative=8, n_classes=5,
                               random_state=0)
    X = with_missing(X, 0.05)
    if labels == "str":
        y = np.array(list("abcde"))[y]
    est = HistGradientBoostingClassifier(max_iter=20, max_depth=5, random_state=0).fit(X, y)
    m, path = roundtrip(est, tmp_path)
    Xt = edge_rows(est, X)
    assert same_bits(m.decision_function(Xt), est.decision_function(Xt))
    assert np.array_equal(m.predict(Xt), est.predict(Xt))
    np.testing.assert_allclose(m.predict_proba(Xt), est.predict_proba(Xt), rtol=1e-12, atol=1e-15)
    report = skscore.validate(est, path, Xt)
    assert report.passed, str(report)


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "quantile", "poisson", "gamma"])
def test_regressor_losses(loss, tmp_path):
    X, y = load_diabetes(return_X_y=True)
    X = with_missing(X, 0.1)
    kw = {"quantile": 0.3} if loss == "quantile" else {}
    est = HistGradientBoostingRegressor(loss=loss, max_iter=30, random_state=0, **kw).fit(X, y)
    m, path = roundtrip(est, tmp_path)
    Xt = edge_rows(est, X)
    if loss in ("poisson", "gamma"):
        np.testing.assert_allclose(m.predict(Xt), est.predict(Xt), rtol=1e-12, atol=0)
    else:
        assert same_bits(m.predict(Xt), est.predict(Xt))
    assert skscore.validate(est, path, Xt).passed


def test_early_stopped_and_float32_input(tmp_path):
    X, y = load_iris(return_X_y=True)
    est = HistGradientBoostingClassifier(max_iter=200, early_stopping=True, validation_fraction=0.2,
                                         n_iter_no_change=3, random_state=0).fit(X, y)
    assert est.n_iter_ < 200
    m, _ = roundtrip(est, tmp_path)
    X32 = X.astype(np.float32)
    assert same_bits(m.decision_function(X32), est.decision_function(X32))


def _categorical_frame(n, seed):
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "color": pd.Categorical(rng.choice(np.array(["red", "green", "blue", "teal", None], dtype=object), n)),
        "size": pd.Categorical(rng.choice([1, 2, 3, 7], n)),
        "x": rng.normal(size=n),
        "z": rng.integers(0, 40, n).astype(float),
    })
    df.loc[::13, "x"] = np.nan
    y = ((df["color"] == "red").to_numpy() + (df["size"].astype(float) > 2).to_numpy()
         + df["x"].fillna(0).to_numpy() + (df["z"] % 5 == 0).to_numpy() > 1).astype(int)
    return df, y


@pytest.mark.parametrize("kind", ["from_dtype", "names", "indices_numeric", "multiclass", "regressor"])
def test_categorical_features_bit_identical(kind, tmp_path):
    """Categorical splits (left-category bitsets, known categories, unknown
    ones sent the missing side) and the estimator's own OrdinalEncoder, for
    pandas categoricals, named columns and numeric columns by index."""
    import pandas as pd

    df, y = _categorical_frame(2500, 0)
    if kind == "from_dtype":
        est = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(df, y)
    elif kind == "names":
        est = HistGradientBoostingClassifier(max_iter=40, categorical_features=["color", "size", "z"],
                                             random_state=0).fit(df, y)
    elif kind == "multiclass":
        est = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(df, y + (df["z"] > 20))
    elif kind == "regressor":
        est = HistGradientBoostingRegressor(max_iter=40, random_state=0).fit(df, y * 3.0 + df["z"])
    else:
        X = np.c_[df["size"].astype(float), df["x"], df["z"]]
        est = HistGradientBoostingClassifier(max_iter=40, categorical_features=[0, 2], random_state=0).fit(X, y)
        df = X
    m, path = roundtrip(est, tmp_path)
    assert any(p.nodes["is_categorical"].any() for it in est._predictors for p in it)
    # Training rows, and rows with unseen categories, missing values and
    # out-of-range codes (negative, above 255, not integers).
    if kind == "indices_numeric":
        odd = np.array([[9.0, 0.1, 3.0], [np.nan, np.nan, -1.0], [2.0, 1.0, 300.0], [2.5, 0.0, 4.7],
                        [1.0, 0.0, 1e12], [3.0, np.inf, 5.0]])
        rows = [df, odd]
    else:
        odd = pd.DataFrame({"color": pd.Categorical(["purple", None, "red", "teal"]),
                            "size": pd.Categorical([9, 1, 3, 2]), "x": [0.1, np.nan, 2.0, -1.0],
                            "z": [99.0, -1.0, 4.0, 2.5]})
        rows = [df, odd, df.iloc[::-1, ::-1]]
    for X in rows:
        outs = ("predict", "predict_proba", "decision_function") if hasattr(est, "predict_proba") else ("predict",)
        for out in outs:
            if kind == "multiclass" and out == "predict_proba":  # softmax: NumPy's SIMD exp vs libm's
                np.testing.assert_allclose(m.predict_proba(X), est.predict_proba(X), rtol=1e-12, atol=1e-15)
                continue
            assert same_bits(getattr(m, out)(X), getattr(est, out)(X)), (kind, out)
    assert skscore.validate(est, path, rows[0]).passed


def test_one_row_equals_batch(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    est = HistGradientBoostingRegressor(max_iter=50, random_state=0).fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    batch = m.predict(X)
    for i in range(0, len(X), 37):
        assert same_bits(m.predict(X[i : i + 1]), batch[i : i + 1])
