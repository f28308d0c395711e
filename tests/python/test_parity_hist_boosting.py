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


def test_categorical_features_refused_clearly(tmp_path):
    rng = np.random.default_rng(0)
    X = np.c_[rng.integers(0, 4, 300), rng.normal(size=300)]
    y = (X[:, 0] > 1).astype(int)
    est = HistGradientBoostingClassifier(max_iter=5, categorical_features=[0]).fit(X, y)
    with pytest.raises(TypeError, match="categorical"):
        skscore.export(est, tmp_path / "x.skm")
    assert not (tmp_path / "x.skm").exists()


def test_one_row_equals_batch(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    est = HistGradientBoostingRegressor(max_iter=50, random_state=0).fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    batch = m.predict(X)
    for i in range(0, len(X), 37):
        assert same_bits(m.predict(X[i : i + 1]), batch[i : i + 1])
