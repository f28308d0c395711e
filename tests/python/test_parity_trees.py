"""Parity of trees and forests with scikit-learn: bit-identical outputs.

DecisionTreeClassifier/Regressor, RandomForestClassifier/Regressor,
ExtraTreesClassifier/Regressor, through export -> file -> load -> predict.
Every output is compared with np.array_equal plus shape and dtype, and
bitwise for floats (parity_helpers.assert_exact).
"""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.ensemble import (ExtraTreesClassifier, ExtraTreesRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from conftest import CLASSIFICATION, MULTI_OUTPUT, REGRESSION
from parity_helpers import (assert_exact, assert_labels, check_parity,
                            threshold_rows)

import skscore

CLASSIFIERS = {
    "dt": lambda: DecisionTreeClassifier(random_state=0),
    "dt_random_leaf3": lambda: DecisionTreeClassifier(splitter="random", min_samples_leaf=3, random_state=0),
    "dt_balanced_depth6": lambda: DecisionTreeClassifier(max_depth=6, class_weight="balanced", random_state=0),
    "rf": lambda: RandomForestClassifier(n_estimators=12, random_state=0),
    "rf_leaf4": lambda: RandomForestClassifier(n_estimators=12, min_samples_leaf=4, max_features=0.5,
                                               class_weight="balanced_subsample", random_state=0),
    "et": lambda: ExtraTreesClassifier(n_estimators=12, random_state=0),
    "et_bootstrap_leaf3": lambda: ExtraTreesClassifier(n_estimators=12, bootstrap=True, min_samples_leaf=3,
                                                       random_state=0),
}

REGRESSORS = {
    "dt": lambda: DecisionTreeRegressor(random_state=0),
    "dt_random_leaf5": lambda: DecisionTreeRegressor(splitter="random", min_samples_leaf=5, random_state=0),
    "dt_friedman_depth8": lambda: DecisionTreeRegressor(criterion="friedman_mse", max_depth=8, random_state=0),
    "rf": lambda: RandomForestRegressor(n_estimators=10, random_state=0),
    "rf_leaf5": lambda: RandomForestRegressor(n_estimators=10, min_samples_leaf=5, max_features=0.6, random_state=0),
    "et": lambda: ExtraTreesRegressor(n_estimators=10, random_state=0),
    "et_bootstrap": lambda: ExtraTreesRegressor(n_estimators=10, bootstrap=True, random_state=0),
}

ALL_TREE_CLASSES = [DecisionTreeClassifier, RandomForestClassifier, ExtraTreesClassifier]
ALL_TREE_REGRESSORS = [DecisionTreeRegressor, RandomForestRegressor, ExtraTreesRegressor]


def small(cls, **kw):
    if cls in (RandomForestClassifier, ExtraTreesClassifier, RandomForestRegressor, ExtraTreesRegressor):
        kw.setdefault("n_estimators", 8)
    return cls(random_state=0, **kw)


def full_check(est, m, d, max_nodes=300):
    """Train rows, test rows, threshold rows as float64 and float32."""
    n = check_parity(est, m, d.X_test, what="test rows")
    n += check_parity(est, m, d.X, what="train rows")
    T = threshold_rows(est, d.X, max_nodes=max_nodes)
    n += check_parity(est, m, T, what="threshold rows (float64)")
    n += check_parity(est, m, T.astype(np.float32), what="threshold rows (float32)")
    assert n > 0


# ---------------------------------------------------------------- datasets

@pytest.mark.parametrize("dataset_name", CLASSIFICATION)
@pytest.mark.parametrize("kind", list(CLASSIFIERS))
def test_classifier_on_bundled_datasets(kind, dataset_name, datasets, roundtrip):
    d = datasets(dataset_name)
    est = CLASSIFIERS[kind]().fit(d.X, d.y)
    m = roundtrip(est)
    full_check(est, m, d)


@pytest.mark.parametrize("dataset_name", REGRESSION + MULTI_OUTPUT)
@pytest.mark.parametrize("kind", list(REGRESSORS))
def test_regressor_on_bundled_datasets(kind, dataset_name, datasets, roundtrip):
    d = datasets(dataset_name)
    est = REGRESSORS[kind]().fit(d.X, d.y)
    m = roundtrip(est)
    full_check(est, m, d)


@pytest.mark.parametrize("kind", ["dt", "rf", "et"])
def test_many_classes(kind, datasets, roundtrip):
    d = datasets("many_classes")
    assert len(np.unique(d.y)) >= 30
    est = CLASSIFIERS[kind]().fit(d.X, d.y)
    m = roundtrip(est)
    assert len(m.classes_) == len(est.classes_)
    full_check(est, m, d, max_nodes=200)


# ---------------------------------------------------------------- thresholds

@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_values_exactly_on_and_around_thresholds(cls, roundtrip):
    """X values taken from tree_.threshold, their float64 neighbours, and
    doubles between two float32s (which change side when cast), fed as
    float64 and as float32."""
    rng = np.random.default_rng(7)
    # Values on a coarse grid with awkward decimals: many thresholds are
    # midpoints that are not float32 values.
    X = rng.integers(0, 40, size=(500, 4)) * 0.1 + rng.normal(size=(500, 4)) * 1e-3
    if cls in ALL_TREE_CLASSES:
        y = (X[:, 0] + X[:, 1] * X[:, 2] > 4).astype(int) + (X[:, 3] > 2)
    else:
        y = X[:, 0] * 3 - X[:, 1] + np.sin(X[:, 2])
    est = small(cls).fit(X, y)
    m = roundtrip(est)
    T = threshold_rows(est, X, max_nodes=1000, rng=rng)
    for arr in (T, T.astype(np.float32)):
        check_parity(est, m, arr)
    # Same check with the thresholds as the only informative values: each
    # row is all thresholds of the same node's feature.
    tree = (est if hasattr(est, "tree_") else est.estimators_[0]).tree_
    thr = tree.threshold[tree.children_left != -1]
    V = np.repeat(thr[:, None], X.shape[1], axis=1)
    check_parity(est, m, V)
    check_parity(est, m, V.astype(np.float32))


def test_threshold_between_float32s_single_split(roundtrip):
    """A hand-checkable case: one split at t = midpoint of two adjacent
    float32s a < b. Every double in (a, t] casts to a or b depending on
    rounding; sklearn decides on float32(x) <= t."""
    # (from 2.0 up: scikit-learn does not split values closer than 1e-7)
    a = np.float32(2.0)
    b = np.nextafter(a, np.float32(3))
    X = np.array([[float(a)], [float(b)]] * 10)
    y = np.array([0, 1] * 10)
    est = DecisionTreeClassifier(random_state=0).fit(X, y)
    t = est.tree_.threshold[0]
    assert float(a) < t < float(b)  # a double strictly between two float32s
    m = roundtrip(est)
    probe = np.array([float(a), t, np.nextafter(t, 0), np.nextafter(t, 2), float(b),
                      np.nextafter(float(a), 2), np.nextafter(float(b), 0)])[:, None]
    check_parity(est, m, probe)
    check_parity(est, m, probe.astype(np.float32))
    # sklearn: float32 cast rounds half-way (t itself) to even -> 2.0 -> left
    assert_labels(m.predict(probe), est.predict(probe))


# ----------------------------------------------------------------- missing values

def _with_nan(X, frac, seed):
    rng = np.random.default_rng(seed)
    X = X.copy()
    X[rng.random(X.shape) < frac] = np.nan
    return X


@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_nan_in_training_and_predict(cls, datasets, roundtrip):
    assert cls().__sklearn_tags__().input_tags.allow_nan
    d = datasets("wine" if cls in ALL_TREE_CLASSES else "diabetes")
    Xn = _with_nan(d.X, 0.15, 1)
    est = small(cls).fit(Xn, d.y)
    m = roundtrip(est)
    Xt = _with_nan(d.X_test, 0.2, 2)
    check_parity(est, m, Xt)
    check_parity(est, m, Xt.astype(np.float32))
    # rows that are all NaN, and NaN in one column at a time
    all_nan = np.full((3, d.X.shape[1]), np.nan)
    check_parity(est, m, all_nan)
    one = np.repeat(d.X_test[:1], d.X.shape[1], axis=0)
    one[np.arange(d.X.shape[1]), np.arange(d.X.shape[1])] = np.nan
    check_parity(est, m, one)
    # missing_go_to_left must matter somewhere for this to be a real test
    trees = [est] if hasattr(est, "tree_") else est.estimators_
    assert any(t.tree_.missing_go_to_left.any() for t in trees)


@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_nan_only_at_predict(cls, datasets, roundtrip):
    """Trained without NaN: scikit-learn still routes NaN (to the child with
    more samples) for estimators whose tags allow NaN; otherwise it raises
    ValueError, and skscore must too."""
    d = datasets("breast_cancer" if cls in ALL_TREE_CLASSES else "california_like")
    est = small(cls).fit(d.X, d.y)
    m = roundtrip(est)
    Xt = _with_nan(d.X_test, 0.25, 3)
    allow = est.__sklearn_tags__().input_tags.allow_nan
    if allow:
        est.predict(Xt)  # sanity: scikit-learn accepts it
        check_parity(est, m, Xt)
        check_parity(est, m, Xt.astype(np.float32))
    else:
        with pytest.raises(ValueError):
            est.predict(Xt)
        with pytest.raises(ValueError):
            m.predict(Xt)


# ----------------------------------------------------------- large and tiny values

@pytest.mark.parametrize("cls", [DecisionTreeClassifier, RandomForestRegressor, ExtraTreesClassifier])
@pytest.mark.parametrize("magnitude", [1e30, 1e-30, 1e-39, 1e-44, 3e38])
def test_extreme_magnitudes(cls, magnitude, roundtrip):
    """Trained and scored on very large values, tiny values and float32
    denormals (1e-39, 1e-44): thresholds land in those ranges."""
    rng = np.random.default_rng(11)
    X = rng.uniform(-1, 1, size=(300, 3)) * magnitude
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > X[:, 2])
    if cls is RandomForestRegressor:
        y = y.astype(float) * 1.5 + X[:, 2] / magnitude
    est = small(cls).fit(X, y)
    m = roundtrip(est)
    check_parity(est, m, X)
    check_parity(est, m, X.astype(np.float32))
    T = threshold_rows(est, X, rng=rng)
    check_parity(est, m, T)
    check_parity(est, m, T.astype(np.float32))


@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_values_too_large_for_float32_and_infinities(cls, datasets, roundtrip):
    d = datasets("iris")
    y = d.y if cls in ALL_TREE_CLASSES else d.X[:, 0]
    est = small(cls).fit(d.X, y)
    m = roundtrip(est)
    f32max = float(np.finfo(np.float32).max)
    # halfway between f32 max and the next (virtual) float32: rounds to inf
    halfway = f32max + 2.0 ** 103
    ok_values = [1e30, -1e30, 1e-30, 1e-39, 1e-45, 5e-324, 1e-310, -0.0, f32max, -f32max,
                 np.nextafter(halfway, 0)]  # the largest double that still rounds to f32 max
    bad_values = [3.5e38, -3.5e38, 1e300, halfway, np.inf, -np.inf]
    base = d.X_test[:4].copy()
    for v in ok_values:
        X = base.copy()
        X[:, 1] = v
        X[1, :] = v
        est.predict(X)  # scikit-learn accepts it
        check_parity(est, m, X, what=f"value {v!r}")
    for v in bad_values:
        X = base.copy()
        X[2, 3] = v
        with pytest.raises(ValueError):
            est.predict(X)
        for method in ("predict", "predict_proba"):
            if hasattr(est, method):
                with pytest.raises(ValueError):
                    getattr(m, method)(X)
    # float32 input holding inf
    X32 = base.astype(np.float32)
    X32[0, 0] = np.inf
    with pytest.raises(ValueError):
        est.predict(X32)
    with pytest.raises(ValueError):
        m.predict(X32)


def test_float32_overflow_error_message_is_like_sklearn(datasets, roundtrip):
    d = datasets("iris")
    est = DecisionTreeClassifier(random_state=0).fit(d.X, d.y)
    m = roundtrip(est)
    X = d.X_test[:2].copy()
    X[0, 0] = 3.5e38
    with pytest.raises(ValueError) as e:
        m.predict(X)
    msg = str(e.value).lower()
    assert "infinity" in msg or "too large" in msg, msg


# --------------------------------------------------------------------- labels

LABEL_SETS = {
    "int64": np.array([0, 1, 2]),
    "int64_gaps_negative": np.array([-7, 3, 1000]),
    "int32": np.array([5, 6, 9], dtype=np.int32),
    "uint8": np.array([1, 2, 250], dtype=np.uint8),
    "float": np.array([0.0, -2.0, 1e10]),  # integral floats: sklearn refuses "continuous" y
    "bool": np.array([False, True]),
    "str_unicode": np.array(["setosa", "versicolor", "virginica-long-name"]),
    "str_object": np.array(["b", "a", "ü-ñ"], dtype=object),
    "str_binary": np.array(["no", "yes"]),
}


@pytest.mark.parametrize("labels", list(LABEL_SETS))
@pytest.mark.parametrize("cls", ALL_TREE_CLASSES)
def test_class_label_types(cls, labels, datasets, roundtrip):
    d = datasets("iris")
    lab = LABEL_SETS[labels]
    y = lab[d.y % len(lab)]
    est = small(cls, min_samples_leaf=2).fit(d.X, y)
    m = roundtrip(est)
    assert np.asarray(m.classes_).dtype == est.classes_.dtype
    assert np.array_equal(m.classes_, est.classes_)
    check_parity(est, m, d.X_test)
    check_parity(est, m, d.X)


# ------------------------------------------------------------------ shapes and sizes

@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_one_feature(cls, roundtrip):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(400, 1))
    y = (np.sin(3 * X[:, 0]) > 0).astype(int) if cls in ALL_TREE_CLASSES else np.sin(3 * X[:, 0])
    est = small(cls).fit(X, y)
    m = roundtrip(est)
    assert m.n_features_in_ == 1
    check_parity(est, m, X)
    T = threshold_rows(est, X, rng=rng)
    check_parity(est, m, T)
    check_parity(est, m, T.astype(np.float32))


@pytest.mark.slow
@pytest.mark.parametrize("cls", [DecisionTreeClassifier, DecisionTreeRegressor, RandomForestClassifier])
def test_deep_trees(cls, roundtrip):
    """Noisy labels and no depth limit: trees 25+ levels deep."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(6000, 5))
    X[:, 0] = np.cumsum(rng.exponential(size=6000))  # a feature splitting into a long chain
    y = rng.integers(0, 4, size=6000)
    if cls is DecisionTreeRegressor:
        y = y + rng.normal(size=6000)
    est = small(cls, n_estimators=4) if cls is RandomForestClassifier else small(cls)
    est.fit(X, y)
    depth = max(t.tree_.max_depth for t in ([est] if hasattr(est, "tree_") else est.estimators_))
    assert depth >= 25
    m = roundtrip(est)
    check_parity(est, m, X)
    check_parity(est, m, rng.normal(size=(2000, 5)) * 3)


def test_deep_chain_tree(roundtrip):
    """A degenerate tree: one long chain (each split peels one sample)."""
    X = np.arange(300, dtype=np.float64)[:, None] ** 1.5
    y = np.arange(300) % 2
    est = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert est.tree_.max_depth >= 100
    m = roundtrip(est)
    check_parity(est, m, X)
    check_parity(est, m, threshold_rows(est, X, max_nodes=600))


@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_one_row_inputs(cls, datasets, roundtrip):
    d = datasets("wine")
    y = d.y if cls in ALL_TREE_CLASSES else d.X[:, 0] * 2.0
    est = small(cls).fit(d.X, y)
    m = roundtrip(est)
    for i in range(5):
        row = d.X_test[i:i + 1]
        check_parity(est, m, row)
        check_parity(est, m, row.astype(np.float32))


@pytest.mark.parametrize("cls", ALL_TREE_REGRESSORS)
def test_regressor_output_shapes(cls, datasets, roundtrip):
    """y 1-D -> (n,); y (n, 1) -> whatever sklearn returns; y (n, k) -> (n, k)."""
    d = datasets("linnerud")
    import warnings
    for y in (d.y[:, 0], d.y[:, :1], d.y[:, :2], d.y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DataConversionWarning for (n, 1)
            est = small(cls).fit(d.X, y)
        m = roundtrip(est)
        check_parity(est, m, d.X_test)
        check_parity(est, m, d.X_test[:1])


def test_forest_ties_break_like_argmax(roundtrip):
    """Two trees that disagree: many rows get probabilities [0.5, 0.5];
    scikit-learn's argmax takes the first class."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 4))
    y = rng.integers(0, 2, size=300)
    est = RandomForestClassifier(n_estimators=2, random_state=0).fit(X, y)
    m = roundtrip(est)
    Xt = rng.normal(size=(2000, 4))
    p = est.predict_proba(Xt)
    assert (p[:, 0] == p[:, 1]).any()
    check_parity(est, m, Xt)
    # and within one tree: duplicated rows with different labels
    X2 = np.repeat(rng.normal(size=(50, 2)), 2, axis=0)
    y2 = np.tile(["b", "a"], 50)
    dt = DecisionTreeClassifier(random_state=0).fit(X2, y2)
    m2 = roundtrip(dt)
    check_parity(dt, m2, X2)


def test_sample_weights_give_fractional_leaves(datasets, roundtrip):
    d = datasets("breast_cancer")
    w = np.random.default_rng(4).exponential(size=len(d.y))
    for cls in ALL_TREE_CLASSES + ALL_TREE_REGRESSORS:
        y = d.y if cls in ALL_TREE_CLASSES else d.X[:, 0]
        est = small(cls, min_samples_leaf=3).fit(d.X, y, sample_weight=w)
        m = roundtrip(est)
        check_parity(est, m, d.X_test)


def test_forest_of_one_tree_and_many_trees(datasets, roundtrip):
    d = datasets("iris")
    for n in (1, 2, 3, 7, 64):
        est = RandomForestClassifier(n_estimators=n, max_depth=3, random_state=n).fit(d.X, d.y)
        m = roundtrip(est)
        check_parity(est, m, d.X)
        est = ExtraTreesRegressor(n_estimators=n, max_depth=4, random_state=n).fit(d.X, d.X[:, 0] / 3)
        m = roundtrip(est)
        check_parity(est, m, d.X)


def test_stump_and_constant_tree(roundtrip):
    X = np.random.default_rng(0).normal(size=(50, 3))
    # a tree that is a single leaf (constant target)
    est = DecisionTreeRegressor().fit(X, np.full(50, 0.1))
    assert est.tree_.node_count == 1
    m = roundtrip(est)
    check_parity(est, m, X)
    est = DecisionTreeClassifier().fit(X, np.full(50, "only"))
    m = roundtrip(est)
    check_parity(est, m, X)
    est = DecisionTreeClassifier(max_depth=1).fit(X, (X[:, 1] > 0).astype(int))
    m = roundtrip(est)
    check_parity(est, m, X)


# ----------------------------------------------------------------- generated data

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, width=64)


@st.composite
def tree_problems(draw):
    n = draw(st.integers(5, 60))
    f = draw(st.integers(1, 4))
    # a small pool of values so that duplicates and ties are common
    pool = draw(st.lists(finite, min_size=1, max_size=8))
    pool_idx = draw(hnp.arrays(np.int64, (n, f), elements=st.integers(0, len(pool) - 1)))
    X = np.asarray(pool, dtype=np.float64)[pool_idx]
    noise = draw(hnp.arrays(np.float64, (n, f), elements=st.sampled_from([0.0, 0.0, 1e-7, -3.3e-5, 0.1])))
    X = X + noise
    nan_mask = draw(hnp.arrays(np.bool_, (n, f), elements=st.sampled_from([False] * 6 + [True])))
    use_nan = draw(st.booleans())
    if use_nan:
        X[nan_mask] = np.nan
    k = draw(st.integers(1, 4))
    y = draw(hnp.arrays(np.int64, n, elements=st.integers(0, k - 1)))
    yr = draw(hnp.arrays(np.float64, n, elements=st.floats(-1e3, 1e3, allow_nan=False)))
    seed = draw(st.integers(0, 2 ** 16))
    return X, y, yr, seed


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                HealthCheck.function_scoped_fixture])
@given(problem=tree_problems(), which=st.sampled_from(["dtc", "dtr", "rfc", "etr"]),
       probe=hnp.arrays(np.float64, (7, 4), elements=st.one_of(
           finite, st.just(np.nan), st.just(0.0), st.just(-0.0), st.just(1e-40))))
def test_generated_problems(problem, which, probe, tmp_path_factory):
    X, y, yr, seed = problem
    est = {
        "dtc": lambda: DecisionTreeClassifier(random_state=seed).fit(X, y),
        "dtr": lambda: DecisionTreeRegressor(random_state=seed).fit(X, yr),
        "rfc": lambda: RandomForestClassifier(n_estimators=5, random_state=seed).fit(X, y),
        "etr": lambda: ExtraTreesRegressor(n_estimators=5, random_state=seed).fit(X, yr),
    }[which]()
    path = tmp_path_factory.mktemp("gen") / "m.skm"
    skscore.export(est, str(path))
    m = skscore.load(str(path))
    check_parity(est, m, X)
    check_parity(est, m, X.astype(np.float32))
    P = probe[:, :X.shape[1]]
    check_parity(est, m, P)
    check_parity(est, m, threshold_rows(est, X))


# -------------------------------------------------------------- whole-output identity

def test_proba_rows_sum_exactly_as_sklearn(datasets, roundtrip):
    """Forest probabilities: per-tree fractions summed in tree order, then
    divided by the tree count; the bit patterns (not just the labels) must
    match, on a forest whose leaves are impure."""
    d = datasets("digits")
    est = RandomForestClassifier(n_estimators=30, min_samples_leaf=5, random_state=1).fit(d.X, d.y)
    m = roundtrip(est)
    got = m.predict_proba(d.X_test)
    want = est.predict_proba(d.X_test)
    assert_exact(got, want, "predict_proba")
    assert len(np.unique(want)) > 20  # genuinely fractional


@pytest.mark.slow
@pytest.mark.parametrize("cls", [RandomForestClassifier, ExtraTreesClassifier, RandomForestRegressor,
                                 ExtraTreesRegressor])
def test_many_trees_accumulate_in_tree_order(cls, datasets, roundtrip):
    """150 shallow trees with impure leaves: the sum of per-tree values
    rounds differently in any other order, so bit identity checks the
    accumulation order and the final division."""
    d = datasets("wine")
    y = d.y if cls in ALL_TREE_CLASSES else d.X[:, 0] / 7 + d.X[:, 3]
    est = cls(n_estimators=150, max_depth=3, max_features=1, random_state=0).fit(d.X, y)
    m = roundtrip(est)
    check_parity(est, m, d.X)
    check_parity(est, m, d.X_test)
    check_parity(est, m, threshold_rows(est, d.X, max_nodes=300))


@pytest.mark.parametrize("cls", ALL_TREE_REGRESSORS)
def test_multi_output_with_nan(cls, datasets, roundtrip):
    d = datasets("multi_target")
    est = small(cls).fit(_with_nan(d.X, 0.1, 5), d.y)
    m = roundtrip(est)
    check_parity(est, m, _with_nan(d.X_test, 0.2, 6))
    check_parity(est, m, _with_nan(d.X_test, 0.2, 7).astype(np.float32))


@pytest.mark.parametrize("cls", ALL_TREE_CLASSES + ALL_TREE_REGRESSORS)
def test_monotonic_constraints_with_nan_at_predict(cls, roundtrip):
    """monotonic_cst trees: whether scikit-learn routes or refuses NaN at
    predict, skscore must do the same (check_parity mirrors ValueErrors)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(300, 3))
    y = (X[:, 0] + 0.3 * rng.normal(size=300) > 0).astype(int)
    est = small(cls, monotonic_cst=[1, 0, -1]).fit(X, y)
    m = roundtrip(est)
    check_parity(est, m, X)
    check_parity(est, m, _with_nan(X[:50], 0.2, 9))
