"""Parity of linear models with scikit-learn.

Labels exactly; scores and probabilities within the tolerance stated (and
justified) in parity_helpers: |got - want| <= 1e-12 * scale + 1e-9 * |want|,
scale = sum_j |x_j * coef_j| + |intercept| (1 for probabilities). Reason:
scikit-learn's X @ coef_.T goes through BLAS (summation order depends on
the BLAS build, SIMD width, batch size, threads) and NumPy's exp may be a
SIMD exp 1 ulp away from libm's; skscore sums in feature order and uses
libm. Models that scikit-learn fitted in float32 compute in float32 and get
the float32 version of the same rule (RTOL_F32).
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (ElasticNet, Lasso, LinearRegression,
                                  LogisticRegression, Ridge, SGDClassifier,
                                  SGDRegressor)
from sklearn.svm import LinearSVC, LinearSVR

from conftest import MULTI_OUTPUT, REGRESSION
from parity_helpers import assert_close, assert_exact, assert_labels, check_parity

import skscore


def fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


def standardize(d):
    mu, sd = d.X.mean(0), d.X.std(0) + 1e-12
    return (d.X - mu) / sd, (d.X_test - mu) / sd


REGRESSORS = {
    "linreg": lambda: LinearRegression(),
    "linreg_noint": lambda: LinearRegression(fit_intercept=False),
    "linreg_positive": lambda: LinearRegression(positive=True),
    "ridge": lambda: Ridge(alpha=0.5),
    "ridge_svd": lambda: Ridge(alpha=2.0, solver="svd", fit_intercept=False),
    "lasso": lambda: Lasso(alpha=0.05),
    "elasticnet": lambda: ElasticNet(alpha=0.05, l1_ratio=0.3),
    "sgdreg": lambda: SGDRegressor(random_state=0, max_iter=50),
    "sgdreg_huber": lambda: SGDRegressor(loss="huber", penalty="elasticnet", random_state=0, max_iter=50),
    "linsvr": lambda: LinearSVR(random_state=0, max_iter=2000),
    "linsvr_l2": lambda: LinearSVR(loss="squared_epsilon_insensitive", dual=False, random_state=0),
}

CLASSIFIERS = {
    "logreg": lambda: LogisticRegression(max_iter=300),
    "logreg_C01_noint": lambda: LogisticRegression(C=0.1, fit_intercept=False, max_iter=300),
    "logreg_newton": lambda: LogisticRegression(solver="newton-cg", max_iter=300),
    "logreg_saga_l1": lambda: LogisticRegression(solver="saga", l1_ratio=1.0, C=0.5, max_iter=200),
    "logreg_balanced": lambda: LogisticRegression(class_weight="balanced", max_iter=300),
    "sgd_log": lambda: SGDClassifier(loss="log_loss", random_state=0, max_iter=50),
    "sgd_modhuber": lambda: SGDClassifier(loss="modified_huber", random_state=0, max_iter=50),
    "sgd_hinge": lambda: SGDClassifier(loss="hinge", random_state=0, max_iter=50),
    "linsvc": lambda: LinearSVC(random_state=0),
    "linsvc_l1": lambda: LinearSVC(penalty="l1", dual=False, C=0.5, random_state=0),
    "linsvc_cs": lambda: LinearSVC(multi_class="crammer_singer", random_state=0),
}


def check_all(est, m, X, X2=None):
    n = check_parity(est, m, X)
    n += check_parity(est, m, X.astype(np.float32))
    if X2 is not None:
        n += check_parity(est, m, X2)
    assert n > 0


# ------------------------------------------------------------------ datasets

@pytest.mark.parametrize("dataset_name", REGRESSION)
@pytest.mark.parametrize("kind", list(REGRESSORS))
def test_regressor_on_datasets(kind, dataset_name, datasets, roundtrip):
    d = datasets(dataset_name)
    Xs, Xts = standardize(d) if kind.startswith(("sgd", "linsvr")) else (d.X, d.X_test)
    est = fit(REGRESSORS[kind](), Xs, d.y)
    m = roundtrip(est)
    check_all(est, m, Xts, Xs)


@pytest.mark.parametrize("dataset_name", ["iris", "wine", "breast_cancer", "digits", "binary"])
@pytest.mark.parametrize("kind", list(CLASSIFIERS))
def test_classifier_on_datasets(kind, dataset_name, datasets, roundtrip):
    d = datasets(dataset_name)
    Xs, Xts = standardize(d)
    est = fit(CLASSIFIERS[kind](), Xs, d.y)
    m = roundtrip(est)
    assert np.array_equal(m.classes_, est.classes_)
    check_all(est, m, Xts, Xs)
    # unscaled inputs: much larger scores, saturated probabilities
    check_parity(est, m, d.X_test * 10)


@pytest.mark.parametrize("kind", ["logreg", "sgd_log", "sgd_modhuber", "sgd_hinge", "linsvc"])
def test_many_classes(kind, datasets, roundtrip):
    d = datasets("many_classes")
    est = fit(CLASSIFIERS[kind](), d.X, d.y)
    assert len(est.classes_) >= 30
    m = roundtrip(est)
    check_all(est, m, d.X_test)


@pytest.mark.parametrize("cls", [LinearRegression, Ridge, Lasso, ElasticNet])
@pytest.mark.parametrize("dataset_name", MULTI_OUTPUT)
def test_multi_output_regression(cls, dataset_name, datasets, roundtrip):
    """2-D y: LinearRegression and Ridge must be supported; Lasso and
    ElasticNet too (coef_ is 2-D the same way) -- if export refuses them it
    must say so with a TypeError/ValueError, never write a wrong model."""
    d = datasets(dataset_name)
    est = fit(cls(), d.X, d.y) if cls in (LinearRegression, Ridge) else fit(cls(alpha=0.1), d.X, d.y)
    if cls in (LinearRegression, Ridge):
        m = roundtrip(est)
    else:
        try:
            m = roundtrip(est)
        except (TypeError, ValueError) as e:
            pytest.skip(f"{cls.__name__} multi-output not supported: {e}")
    check_all(est, m, d.X_test)


@pytest.mark.parametrize("cls", [LinearRegression, Ridge])
def test_y_column_vector_keeps_2d_output(cls, datasets, roundtrip):
    d = datasets("diabetes")
    est = cls().fit(d.X, d.y[:, None])
    m = roundtrip(est)
    check_all(est, m, d.X_test)
    check_parity(est, m, d.X_test[:1])


# -------------------------------------------------------------------- labels

LABELS = {
    "int_gaps": np.array([-3, 10, 42]),
    "int32": np.array([1, 2, 3], dtype=np.int32),
    "float": np.array([1.0, 4.0, -8.0]),  # integral floats: sklearn refuses "continuous" y
    "bool": np.array([False, True]),
    "str": np.array(["cat", "dog", "mouse"]),
    "str_object": np.array(["yes", "no"], dtype=object),
}


@pytest.mark.parametrize("labels", list(LABELS))
@pytest.mark.parametrize("kind", ["logreg", "sgd_log", "sgd_modhuber", "sgd_hinge", "linsvc"])
def test_label_types(kind, labels, datasets, roundtrip):
    d = datasets("wine")
    Xs, Xts = standardize(d)
    lab = LABELS[labels]
    y = lab[d.y % len(lab)]
    est = fit(CLASSIFIERS[kind](), Xs, y)
    m = roundtrip(est)
    assert np.asarray(m.classes_).dtype == est.classes_.dtype
    assert np.array_equal(m.classes_, est.classes_)
    check_all(est, m, Xts)


# ------------------------------------------------------- scores exactly on the boundary

def _set_coef(est, coef, intercept):
    est.coef_ = np.asarray(coef, dtype=np.float64)
    est.intercept_ = np.asarray(intercept, dtype=np.float64)
    return est


def _zero_score_model(kind, coef):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] > X[:, 1], "pos", "neg")
    est = fit(CLASSIFIERS[kind](), X, y)
    return _set_coef(est, [coef], [0.0])


@pytest.mark.parametrize("kind", ["logreg", "sgd_log", "sgd_modhuber", "sgd_hinge", "linsvc"])
def test_binary_score_exactly_zero(kind, roundtrip):
    """Rows whose score is exactly 0 in any arithmetic (coefficients +-0.5:
    every product is exact, so BLAS order and FMA cannot change it):
    sklearn predicts classes_[0] (only score > 0 picks class 1) and proba
    [0.5, 0.5]; skscore must agree. Plus rows one ulp off the boundary."""
    est = _zero_score_model(kind, [0.5, -0.5])
    rng = np.random.default_rng(1)
    Xz = np.repeat(rng.normal(size=(20, 1)), 2, axis=1)  # x0 == x1 -> score 0
    Xoff = Xz.copy()
    Xoff[:, 0] = np.nextafter(Xoff[:, 0], 10)  # x0 one ulp above x1
    Xall = np.vstack([Xz, Xoff, -Xoff, np.zeros((1, 2))])
    m = roundtrip(est)
    assert (est.decision_function(Xz) == 0).all()
    check_parity(est, m, Xall)
    assert_labels(m.predict(Xz), np.full(20, "neg"))


def feature_order_scores(coef, intercept, X):
    """The exact reference for skscore's linear scores, computed without
    BLAS: per row, 0 + x_0*w_0 + x_1*w_1 + ... in feature order with one
    rounding per operation (NumPy's elementwise multiply and add are two
    ufuncs, so nothing is fused), then + intercept. What skscore promises on
    every CPU (docs/EXACTNESS.md); scikit-learn's X @ coef_.T is BLAS's
    order instead, which depends on the CPU's kernel."""
    X = np.asarray(X, dtype=np.float64)
    coef = np.atleast_2d(np.asarray(coef, dtype=np.float64))
    out = np.empty((X.shape[0], coef.shape[0]))
    for t in range(coef.shape[0]):
        acc = np.zeros(X.shape[0])
        for j in range(X.shape[1]):
            acc = acc + X[:, j] * coef[t, j]
        out[:, t] = acc + np.atleast_1d(intercept)[t]
    return out


@pytest.mark.parametrize("kind", ["logreg", "linsvc"])
def test_binary_score_zero_up_to_rounding(kind, roundtrip):
    """Scores that are 0 mathematically but not in floating point
    (coefficients +-1.5, x0 == x1: x*1.5 rounds). What scikit-learn returns
    there depends on the CPU: its X @ coef.T goes through BLAS, and
    OpenBLAS's kernels differ -- with OPENBLAS_CORETYPE=Haswell the batch
    product (with FMA) gives +-1.1e-16 for some rows while one-row calls
    give exactly 0; the SkylakeX kernel (AVX-512 CPUs) fuses one-row
    products too, so one-row labels flip as well. No label scikit-learn
    gives there is CPU-independent, so the test holds skscore to its exact
    reference (the feature-order sum without FMA: exactly 0, so class 0,
    as scikit-learn's rule "class 1 only when score > 0" says), and to
    scikit-learn's labels only where scikit-learn's score is clear of the
    rounding band (the parity tolerance, 1e-12 of the terms' magnitude)."""
    est = _zero_score_model(kind, [1.5, -1.5])
    rng = np.random.default_rng(0)
    Xz = np.repeat(rng.normal(size=(20, 1)), 2, axis=1)
    m = roundtrip(est)
    ref = feature_order_scores(est.coef_, est.intercept_, Xz)[:, 0]
    assert (ref == 0).all()
    got = m.decision_function(Xz)
    assert (got == 0).all(), got
    assert_labels(m.predict(Xz), np.full(20, "neg"))
    assert_labels(m.predict(Xz[:1]), np.array(["neg"]))
    band = 1e-12 * (np.abs(Xz) @ np.abs(est.coef_[0]))
    for scores, labels in [
        (est.decision_function(Xz), est.predict(Xz)),
        (np.concatenate([est.decision_function(Xz[i : i + 1]) for i in range(20)]),
         np.concatenate([est.predict(Xz[i : i + 1]) for i in range(20)])),
    ]:
        assert (np.abs(scores - got) <= band).all()  # within the rounding band, on any BLAS kernel
        clear = np.abs(scores) > band
        assert_labels(m.predict(Xz)[clear], labels[clear])
    # Away from the band (x0 a little above x1), labels agree as everywhere else.
    Xoff = Xz * [1.001, 1.0]
    check_parity(est, m, np.vstack([Xoff, -Xoff]))


@pytest.mark.parametrize("n_rows", [1, 3, 8, 9, 31, 200])
@pytest.mark.parametrize("n_targets", [1, 3, 4, 6, 9])
@pytest.mark.parametrize("n_features", [3, 13, 100])
def test_scores_are_the_feature_order_sum(n_rows, n_targets, n_features, tmp_path):
    """skscore's linear scores are bit for bit the feature-order sum without
    fused multiply-adds (the reference above), whichever of the engine's
    kernels this CPU runs (the AVX-512, AVX2 or baseline clone after a
    copy; on AVX-512, rows read in place), for batch sizes across its row
    blocks, target groups and vector widths. Terms of mixed magnitude and
    sign make the order visible: a different order or an FMA changes last
    bits."""
    rng = np.random.default_rng(n_rows * 1000 + n_targets * 10 + n_features)
    X = rng.normal(size=(n_rows, n_features)) * 10.0 ** rng.integers(-3, 4, size=n_features)
    y = rng.normal(size=(40, n_targets)) if n_targets > 1 else rng.normal(size=40)
    est = LinearRegression().fit(rng.normal(size=(40, n_features)), y)
    est.coef_ = rng.normal(size=est.coef_.shape) * 10.0 ** rng.integers(-2, 3, size=est.coef_.shape)
    est.intercept_ = rng.normal(size=np.shape(est.intercept_))
    path = tmp_path / "m.skm"
    skscore.export(est, path)
    got = skscore.load(path).predict(X)
    want = feature_order_scores(est.coef_, est.intercept_, X)
    assert_exact(got, want if n_targets > 1 else want[:, 0], "predict")
    # and the float32 input path: widened exactly, same sums
    X32 = X.astype(np.float32)
    want32 = feature_order_scores(est.coef_, est.intercept_, X32)
    assert_exact(skscore.load(path).predict(X32), want32 if n_targets > 1 else want32[:, 0], "predict(float32)")


@pytest.mark.parametrize("kind", ["logreg", "sgd_log", "sgd_modhuber", "linsvc"])
def test_multiclass_ties_pick_first_class(kind, datasets, roundtrip):
    d = datasets("iris")
    est = fit(CLASSIFIERS[kind](), d.X, d.y)
    # classes 1 and 2 get identical scores, class 0 lower
    _set_coef(est, [[-1.0, 0, 0, 0], [0.5, 0.25, 0, 0], [0.5, 0.25, 0, 0]], [0.0, 1.0, 1.0])
    m = roundtrip(est)
    check_parity(est, m, d.X)
    assert (est.predict(d.X) == 1).all()


def test_modified_huber_all_scores_clipped(datasets, roundtrip):
    """Multiclass modified_huber: every score <= -1 clips to probability 0 for
    all classes; sklearn then returns a uniform row."""
    d = datasets("iris")
    est = fit(CLASSIFIERS["sgd_modhuber"](), d.X, d.y)
    _set_coef(est, [[0.0, 0, 0, 0.1], [0.0, 0, -1, 0], [0.0, -2, 0, 0]], [-1.0, -1.0, -3.0])
    m = roundtrip(est)
    X = np.vstack([d.X, np.zeros((3, 4)), np.full((2, 4), -50.0)])
    p = est.predict_proba(X)
    assert np.isclose(p, 1 / 3).all(axis=1).any()
    check_parity(est, m, X)
    # binary modified_huber: clip to [-1, 1]
    yb = (d.y > 0).astype(int)
    est = fit(CLASSIFIERS["sgd_modhuber"](), d.X, yb)
    m = roundtrip(est)
    check_parity(est, m, np.vstack([d.X, d.X * 100, -d.X * 100]))


# ------------------------------------------------------------ extreme values

@pytest.mark.parametrize("kind", ["logreg", "sgd_log", "sgd_modhuber", "linsvc"])
@pytest.mark.parametrize("scale", [1e-30, 1e-300, 1e3, 1e30, 3.5e38, 1e150])
def test_classifier_extreme_inputs(kind, scale, datasets, roundtrip):
    """Inputs far outside training range: saturated expit/softmax (exp
    underflow to exactly 0), tiny scores, denormals; 3.5e38 is fine for
    float64 linear models (only trees cast to float32)."""
    d = datasets("wine")
    Xs, Xts = standardize(d)
    est = fit(CLASSIFIERS[kind](), Xs, d.y)
    m = roundtrip(est)
    X = Xts * scale
    check_parity(est, m, X)


@pytest.mark.parametrize("kind", ["linreg", "ridge", "lasso", "sgdreg", "linsvr"])
def test_regressor_extreme_inputs(kind, datasets, roundtrip):
    d = datasets("diabetes")
    Xs, Xts = standardize(d)
    est = fit(REGRESSORS[kind](), Xs, d.y)
    m = roundtrip(est)
    for s in (1e-30, 1e-310, 1e30, 3.5e38, 1e150):
        check_parity(est, m, Xts * s)
    big = np.zeros((2, Xs.shape[1]))
    big[:, 0] = 1e300  # one huge term: a score that overflows to +-inf in both, or in neither
    check_parity(est, m, big)


@pytest.mark.parametrize("kind", ["linreg", "logreg", "sgd_hinge", "linsvr", "lasso"])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_inf_rejected(kind, bad, datasets, roundtrip):
    d = datasets("iris")
    make = REGRESSORS.get(kind) or CLASSIFIERS[kind]
    est = fit(make(), d.X, d.y if kind in CLASSIFIERS else d.X[:, 0])
    assert not est.__sklearn_tags__().input_tags.allow_nan
    m = roundtrip(est)
    X = d.X_test[:5].copy()
    X[3, 2] = bad
    with pytest.raises(ValueError):
        est.predict(X)
    for method in ("predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            with pytest.raises(ValueError) as e:
                getattr(m, method)(X)
            if np.isnan(bad):
                assert "nan" in str(e.value).lower(), str(e.value)
    with pytest.raises(ValueError):
        m.predict(X.astype(np.float32))
    # Rows go to the kernel in blocks of 8 (a full block of contiguous
    # float64 rows in one pass): the bad value is still named by its row.
    X = np.tile(d.X_test[:5], (5, 1))
    X[11, 2] = bad
    for method in ("predict", "decision_function"):
        if hasattr(est, method):
            with pytest.raises(ValueError, match=r"\(row 11, column 2\)"):
                getattr(m, method)(X)


# ----------------------------------------------------------- float32 training

@pytest.mark.parametrize("kind", ["linreg", "ridge", "lasso", "elasticnet", "sgdreg", "linsvr"])
def test_regressor_fitted_on_float32(kind, datasets, roundtrip):
    """scikit-learn keeps float32 coefficients and computes (and returns)
    float32: skscore must return the same dtype, values within RTOL_F32."""
    d = datasets("diabetes")
    Xs, Xts = standardize(d)
    est = fit(REGRESSORS[kind](), Xs.astype(np.float32), d.y.astype(np.float32))
    m = roundtrip(est)
    check_parity(est, m, Xts.astype(np.float32))
    check_parity(est, m, Xts)


@pytest.mark.parametrize("kind", ["logreg", "sgd_log", "sgd_modhuber", "sgd_hinge", "linsvc"])
def test_classifier_fitted_on_float32(kind, datasets, roundtrip):
    d = datasets("wine")
    Xs, Xts = standardize(d)
    est = fit(CLASSIFIERS[kind](), Xs.astype(np.float32), d.y)
    m = roundtrip(est)
    check_parity(est, m, Xts.astype(np.float32))
    check_parity(est, m, Xts)


# -------------------------------------------------------------- one feature, one row

@pytest.mark.parametrize("kind", list(REGRESSORS))
def test_regressor_one_feature_one_row(kind, roundtrip):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 1))
    y = 3 * X[:, 0] - 1 + rng.normal(size=200) * 0.1
    est = fit(REGRESSORS[kind](), X, y)
    m = roundtrip(est)
    check_all(est, m, X)
    check_parity(est, m, X[:1])
    check_parity(est, m, X[5:6].astype(np.float32))


@pytest.mark.parametrize("kind", list(CLASSIFIERS))
def test_classifier_one_feature_one_row(kind, roundtrip):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 1))
    y = np.digitize(X[:, 0], [-0.5, 0.5])
    est = fit(CLASSIFIERS[kind](), X, y)
    m = roundtrip(est)
    check_all(est, m, X)
    for i in range(3):
        check_parity(est, m, X[i:i + 1])


# --------------------------------------------------------------------- generated

@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(n_features=st.integers(1, 40), n_targets=st.integers(1, 4), data=st.data())
def test_generated_coefficients(n_features, n_targets, data, tmp_path_factory):
    """Arbitrary coefficients (hand-set after a fit), arbitrary rows: every
    link, binary and multiclass."""
    elems = st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=True)
    coef = data.draw(hnp.arrays(np.float64, (n_targets, n_features), elements=elems))
    intercept = data.draw(hnp.arrays(np.float64, n_targets, elements=elems))
    X = data.draw(hnp.arrays(np.float64, (data.draw(st.integers(1, 30)), n_features),
                             elements=st.floats(-1e3, 1e3, allow_nan=False)))
    which = data.draw(st.sampled_from(["linreg", "logreg", "sgd_log", "sgd_modhuber", "linsvc"]))
    rng = np.random.default_rng(0)
    Xfit = rng.normal(size=(60, n_features))
    if which == "linreg":
        y = rng.normal(size=(60, n_targets)) if n_targets > 1 else rng.normal(size=60)
        est = LinearRegression().fit(Xfit, y)
        est.coef_ = coef if n_targets > 1 else coef[0]
        est.intercept_ = intercept if n_targets > 1 else float(intercept[0])
    else:
        k = 2 if n_targets == 1 else n_targets + (n_targets == 2)
        y = np.arange(60) % k
        est = fit(CLASSIFIERS[which](), Xfit, y)
        if k > 2:
            coef = np.vstack([coef] * 2)[:k]
            intercept = np.concatenate([intercept] * 2)[:k]
        est.coef_ = coef
        est.intercept_ = intercept
    path = tmp_path_factory.mktemp("gen") / "m.skm"
    skscore.export(est, str(path))
    m = skscore.load(str(path))
    check_parity(est, m, X)
    check_parity(est, m, X.astype(np.float32))


def test_probabilities_sum_and_saturate_like_sklearn(datasets, roundtrip):
    """Multinomial softmax with very spread scores: many probabilities are
    exactly 0 or 1 in sklearn; skscore must land on the same side
    (absolute tolerance 1e-12 on a probability)."""
    d = datasets("digits")
    est = fit(LogisticRegression(C=100, max_iter=500), d.X, d.y)
    m = roundtrip(est)
    X = d.X_test * 5
    got, want = m.predict_proba(X), est.predict_proba(X)
    assert_close(got, want, np.ones_like(want), "predict_proba")
    assert_labels(m.predict(X), est.predict(X))
