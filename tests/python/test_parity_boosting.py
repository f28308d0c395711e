"""GradientBoostingClassifier/Regressor: skscore against scikit-learn.

Raw scores (decision_function, regressor predict) and labels must be
bit-identical: the engine starts from the init estimator's constant raw
prediction and adds learning_rate * leaf value per stage and class, in
scikit-learn's order, comparing float32(x) with the thresholds. Binary
probabilities go through expit (libm exp, as SciPy's), so they are exact
too; multiclass probabilities go through softmax, where NumPy's SIMD exp
and libm's exp differ in the last bit (docs/EXACTNESS.md), so those are
compared with rtol 1e-12.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris, make_classification
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from sklearn.linear_model import LinearRegression

import skscore


def roundtrip(est, tmp_path):
    path = tmp_path / "gb.skm"
    skscore.export(est, path)
    return skscore.load(path), path


def threshold_rows(est, X):
    """Rows on, just below and just above every split threshold, in float64
    and at the float32 neighbours, on top of X."""
    rows = [X]
    base = X[:1].copy()
    for stage in est.estimators_.ravel():
        t = stage.tree_
        for f, thr in zip(t.feature, t.threshold):
            if f < 0:
                continue
            for v in (thr, np.nextafter(thr, -np.inf), np.nextafter(thr, np.inf),
                      float(np.nextafter(np.float32(thr), np.float32(np.inf))),
                      float(np.nextafter(np.float32(thr), np.float32(-np.inf)))):
                r = base.copy()
                r[0, f] = v
                rows.append(r)
    return np.vstack(rows)


def assert_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype and a.shape == b.shape
    assert np.array_equal(a.view(np.uint64) if a.dtype == np.float64 else a,
                          b.view(np.uint64) if b.dtype == np.float64 else b)


CLASSIFIERS = {
    "binary_log_loss": lambda: GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0),
    "binary_exponential": lambda: GradientBoostingClassifier(loss="exponential", n_estimators=40, random_state=0),
    "binary_zero_init": lambda: GradientBoostingClassifier(init="zero", n_estimators=20, random_state=0),
    "subsample_deep": lambda: GradientBoostingClassifier(n_estimators=30, max_depth=6, subsample=0.7,
                                                         learning_rate=0.37, random_state=0),
}


@pytest.mark.parametrize("kind", sorted(CLASSIFIERS))
def test_binary_classifier(kind, tmp_path):
    X, y = load_breast_cancer(return_X_y=True)
    est = CLASSIFIERS[kind]().fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    Xt = threshold_rows(est, X)
    assert_bits(m.decision_function(Xt), est.decision_function(Xt))
    assert_bits(m.predict_proba(Xt), est.predict_proba(Xt))
    assert np.array_equal(m.predict(Xt), est.predict(Xt))
    assert m.predict(Xt).dtype == est.predict(Xt).dtype
    assert_bits(m.predict_proba(Xt.astype(np.float32)), est.predict_proba(Xt.astype(np.float32)))


@pytest.mark.parametrize("init", [None, "zero"])
@pytest.mark.parametrize("labels", ["int", "str"])
def test_multiclass_classifier(init, labels, tmp_path):
    X, y = load_iris(return_X_y=True)
    if labels == "str":
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    est = GradientBoostingClassifier(n_estimators=25, init=init, random_state=0).fit(X, y)
    m, path = roundtrip(est, tmp_path)
    Xt = threshold_rows(est, X)
    assert_bits(m.decision_function(Xt), est.decision_function(Xt))
    assert np.array_equal(m.predict(Xt), est.predict(Xt))
    np.testing.assert_allclose(m.predict_proba(Xt), est.predict_proba(Xt), rtol=1e-12, atol=1e-15)
    report = skscore.validate(est, path, X)
    assert report.passed, str(report)


def test_many_classes(tmp_path):
    X, y = make_classification(n_samples=600, n_features=10, n_informative=8, n_classes=7,
                               random_state=0)
    est = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    assert_bits(m.decision_function(X), est.decision_function(X))
    assert np.array_equal(m.predict(X), est.predict(X))


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber", "quantile"])
def test_regressor_losses(loss, tmp_path):
    X, y = load_diabetes(return_X_y=True)
    est = GradientBoostingRegressor(loss=loss, n_estimators=40, random_state=0).fit(X, y)
    m, path = roundtrip(est, tmp_path)
    Xt = threshold_rows(est, X)
    assert_bits(m.predict(Xt), est.predict(Xt))
    assert_bits(m.predict(Xt.astype(np.float32)), est.predict(Xt.astype(np.float32)))
    assert skscore.validate(est, path, X).passed
    assert not hasattr(m, "decision_function")


def test_regressor_dummy_init_estimator(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    est = GradientBoostingRegressor(init=DummyRegressor(strategy="median"), n_estimators=10).fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    assert_bits(m.predict(X), est.predict(X))


def test_init_estimator_depending_on_x_is_refused(tmp_path):
    X, y = load_diabetes(return_X_y=True)
    est = GradientBoostingRegressor(init=LinearRegression(), n_estimators=5).fit(X, y)
    with pytest.raises(TypeError, match="init"):
        skscore.export(est, tmp_path / "x.skm")


def test_boosting_refuses_nan_like_sklearn(tmp_path):
    X, y = load_iris(return_X_y=True)
    est = GradientBoostingClassifier(n_estimators=5).fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    Xn = X[:3].copy()
    Xn[1, 2] = np.nan
    with pytest.raises(ValueError):
        est.predict(Xn)
    with pytest.raises(ValueError, match="NaN"):
        m.predict(Xn)


def test_one_row_equals_batch(tmp_path):
    X, y = load_iris(return_X_y=True)
    est = GradientBoostingClassifier(n_estimators=30, random_state=0).fit(X, y)
    m, _ = roundtrip(est, tmp_path)
    batch = m.decision_function(X)
    for i in range(0, len(X), 7):
        assert_bits(m.decision_function(X[i : i + 1]), batch[i : i + 1])
