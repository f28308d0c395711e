"""Pipelines of numeric preprocessing + a supported estimator.

The engine applies StandardScaler, MinMaxScaler, MaxAbsScaler, RobustScaler
and SimpleImputer as scikit-learn's transform does them in place: float64
for float64 X; for float32 X, one rounding to float32 per operation, with
StandardScaler's and SimpleImputer's parameters cast to float32 first (as
their transform does) and the others' kept float64. Tree models after the
steps must then be bit-identical; linear ones within their tolerance.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import (
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import (
    MaxAbsScaler,
    MinMaxScaler,
    QuantileTransformer,
    RobustScaler,
    SplineTransformer,
    StandardScaler,
)

import skscore

SCALERS = {
    "standard": StandardScaler,
    "minmax": MinMaxScaler,
    "maxabs": MaxAbsScaler,
    "robust": RobustScaler,
    "standard_no_mean": lambda: StandardScaler(with_mean=False),
    "robust_no_scale": lambda: RobustScaler(with_scaling=False),
}


def data(missing=0.0, as_frame=True, seed=0):
    X, y = load_breast_cancer(return_X_y=True, as_frame=as_frame)
    if missing:
        mask = np.random.default_rng(seed).random(X.shape) < missing
        X = X.mask(mask) if as_frame else np.where(mask, np.nan, X)
    return X, y


def export_load(est, tmp_path):
    path = tmp_path / "pipe.skm"
    skscore.export(est, path)
    return skscore.load(path), path


@pytest.mark.parametrize("scaler", sorted(SCALERS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_scaler_then_forest_bit_identical(scaler, dtype, tmp_path):
    X, y = data()
    pipe = make_pipeline(SCALERS[scaler](), RandomForestClassifier(n_estimators=8, random_state=0))
    pipe.fit(X, y)
    m, _ = export_load(pipe, tmp_path)
    Z = X.astype(dtype)
    assert np.array_equal(m.predict(Z), pipe.predict(Z))
    assert np.array_equal(m.predict_proba(Z), pipe.predict_proba(Z))


@pytest.mark.parametrize("strategy", ["mean", "median", "most_frequent", "constant"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_imputer_scaler_hist_boosting(strategy, dtype, tmp_path):
    X, y = data(missing=0.1)
    pipe = make_pipeline(SimpleImputer(strategy=strategy, fill_value=-1.5), MinMaxScaler(),
                         HistGradientBoostingClassifier(max_iter=8, random_state=0))
    pipe.fit(X, y)
    m, path = export_load(pipe, tmp_path)
    Z = X.astype(dtype)
    assert np.array_equal(m.decision_function(Z), pipe.decision_function(Z))
    assert np.array_equal(m.predict(Z), pipe.predict(Z))
    assert skscore.validate(pipe, path, Z).passed


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_pipeline_within_tolerance(dtype, tmp_path):
    X, y = data(missing=0.05)
    pipe = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression(max_iter=3000))
    pipe.fit(X, y)
    m, path = export_load(pipe, tmp_path)
    Z = X.astype(dtype)
    assert np.array_equal(m.predict(Z), pipe.predict(Z))
    np.testing.assert_allclose(m.predict_proba(Z), pipe.predict_proba(Z), rtol=1e-9, atol=1e-12)
    report = skscore.validate(pipe, path, Z)
    assert report.passed, str(report)


def test_regression_pipeline_and_names(tmp_path):
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    pipe = Pipeline([("scale", RobustScaler()), ("skip", "passthrough"),
                     ("gb", GradientBoostingRegressor(n_estimators=30, random_state=0))]).fit(X, y)
    m, _ = export_load(pipe, tmp_path)
    assert list(m.feature_names_in_) == list(X.columns)
    assert m.n_features_in_ == X.shape[1]
    assert m.info()["n_steps"] == 2
    assert np.array_equal(m.predict(X), pipe.predict(X))
    # Columns are matched by name.
    assert np.array_equal(m.predict(X[X.columns[::-1]]), pipe.predict(X))
    r = make_pipeline(StandardScaler(), Ridge()).fit(X.values, y)
    m, path = export_load(r, tmp_path)
    assert skscore.validate(r, path, X.values).passed


def test_nan_without_imputer_refused_like_sklearn(tmp_path):
    X, y = data()
    pipe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000)).fit(X, y)
    m, _ = export_load(pipe, tmp_path)
    Z = X.copy()
    Z.iloc[3, 4] = np.nan
    with pytest.raises(ValueError):
        pipe.predict(Z)
    with pytest.raises(ValueError, match="NaN"):
        m.predict(Z)
    Z.iloc[3, 4] = np.inf
    with pytest.raises(ValueError):
        pipe.predict(Z)
    with pytest.raises(ValueError, match="infinity"):
        m.predict(Z)


def test_unsupported_steps_are_refused_clearly(tmp_path):
    X, y = data(as_frame=False)
    for pipe, Z in ((make_pipeline(QuantileTransformer(n_quantiles=10), LogisticRegression(max_iter=50)), X),
                    (make_pipeline(MinMaxScaler(clip=True), LogisticRegression(max_iter=50)), X),
                    (make_pipeline(SplineTransformer(n_knots=3), LogisticRegression(max_iter=50)), X)):
        pipe.fit(Z, y)
        with pytest.raises(TypeError):
            skscore.export(pipe, tmp_path / "x.skm")
        assert not (tmp_path / "x.skm").exists()


def test_imputer_with_a_number_as_missing_and_indicators(tmp_path):
    """missing_values=0 (a number) and add_indicator, float64 and float32."""
    X, y = data(as_frame=False)
    Z = X.copy()
    Z[np.random.default_rng(3).random(Z.shape) < 0.1] = 0.0
    for imputer in (SimpleImputer(missing_values=0.0, strategy="median", add_indicator=True),
                    SimpleImputer(missing_values=0.0, strategy="constant", fill_value=-7.5)):
        pipe = make_pipeline(imputer, StandardScaler(), RandomForestClassifier(n_estimators=10, random_state=0))
        pipe.fit(Z, y)
        m, path = export_load(pipe, tmp_path)
        for A in (Z, Z.astype(np.float32)):
            assert np.array_equal(m.predict_proba(A), pipe.predict_proba(A))
        assert skscore.validate(pipe, path, Z).passed


def test_float32_steps_after_a_float64_column_transformer(tmp_path):
    """float32 columns next to an encoder: the ColumnTransformer's output is
    float64, so the scaler after it uses its mean and scale as float64
    (found in review: the engine rounded them to float32)."""
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    from parity_helpers import assert_same_values, transformed_by_skscore

    rng = np.random.default_rng(5)
    df = pd.DataFrame({"a": rng.normal(size=2000).astype(np.float32), "b": rng.normal(size=2000).astype(np.float32),
                       "c": rng.choice(np.array(["x", "y", "z"], dtype=object), 2000)})
    ct = ColumnTransformer([("num", "passthrough", ["a", "b"]), ("cat", OneHotEncoder(), ["c"])]).fit(df)
    steps = [("ct", ct), ("scale", StandardScaler().fit(ct.transform(df)))]
    got, want = transformed_by_skscore(steps, df, tmp_path / "m.skm")
    assert_same_values(got, want)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_imputer_number_marker_compared_in_x_dtype_and_nan_refused(dtype, tmp_path):
    """missing_values=0.1: NumPy compares float32 X with it in float32; NaN
    is refused (check_array with ensure_all_finite=True), as in
    scikit-learn (both found in review)."""
    X, y = data(as_frame=False)
    Z = X.astype(dtype)
    Z[np.random.default_rng(4).random(Z.shape) < 0.1] = dtype(0.1)
    pipe = make_pipeline(SimpleImputer(missing_values=0.1, strategy="median"), HistGradientBoostingClassifier(
        max_iter=10, random_state=0)).fit(Z, y)
    m, _ = export_load(pipe, tmp_path)
    assert np.array_equal(m.predict_proba(Z), pipe.predict_proba(Z))
    Z[3, 2] = np.nan
    with pytest.raises(ValueError):
        pipe.predict(Z)
    with pytest.raises(ValueError, match="NaN"):
        m.predict(Z)
