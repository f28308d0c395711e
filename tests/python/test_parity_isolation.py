"""IsolationForest: skscore against scikit-learn.

Labels (-1/1) must agree exactly. score_samples and decision_function come
from the summed path lengths through 2 ** x, where NumPy's SIMD power and
libm's pow may differ in the last bit (docs/EXACTNESS.md): rtol 1e-12.
The path lengths themselves (and so which leaf each row reaches, with
float32 comparisons, each tree on its own feature subset) are exact.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import IsolationForest

import skscore


def data(seed=0):
    rng = np.random.default_rng(seed)
    return np.r_[rng.normal(size=(400, 6)), rng.normal(4, 1, size=(20, 6))]


@pytest.mark.parametrize("kw", [{}, {"max_features": 0.5}, {"max_samples": 32, "contamination": 0.05},
                                {"bootstrap": True, "max_features": 3}])
def test_isolation_forest(kw, tmp_path):
    X = data()
    est = IsolationForest(n_estimators=40, random_state=0, **kw).fit(X)
    path = tmp_path / "if.skm"
    skscore.export(est, path)
    m = skscore.load(path)
    Z = np.r_[X, np.full((1, 6), np.inf), np.full((1, 6), -1e39), X[:5].astype(np.float32)]
    assert np.array_equal(m.predict(Z), est.predict(Z))
    assert m.predict(Z).dtype == est.predict(Z).dtype
    np.testing.assert_allclose(m.score_samples(Z), est.score_samples(Z), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(m.decision_function(Z), est.decision_function(Z), rtol=1e-12, atol=1e-15)
    assert not hasattr(m, "predict_proba")
    report = skscore.validate(est, path, Z)
    assert report.passed, str(report)
    assert "score_samples" in report.outputs


def test_nan_like_sklearn(tmp_path):
    X = data()
    est = IsolationForest(n_estimators=10, random_state=0).fit(X)
    skscore.export(est, tmp_path / "if.skm")
    m = skscore.load(tmp_path / "if.skm")
    Z = X[:4].copy()
    Z[1, 2] = np.nan
    try:
        want = est.predict(Z)
    except ValueError:
        with pytest.raises(ValueError):
            m.predict(Z)
    else:
        assert np.array_equal(m.predict(Z), want)


def test_score_samples_only_where_sklearn_has_it(tmp_path):
    from sklearn.ensemble import RandomForestClassifier

    X = data()
    est = RandomForestClassifier(n_estimators=3).fit(X, (X[:, 0] > 0).astype(int))
    skscore.export(est, tmp_path / "rf.skm")
    m = skscore.load(tmp_path / "rf.skm")
    assert not hasattr(m, "score_samples")
    with pytest.raises(AttributeError, match="score_samples"):
        m.score_samples(X)
