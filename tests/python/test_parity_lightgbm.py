"""LightGBM parity: models exported from LightGBM's own JSON dump score as
LightGBM's predict does.

Raw scores (predict(raw_score=True)), labels and regression values must be
bit-identical: float64 `<=` splits, NaN routing by missing type, sums in
tree order. Probabilities and exp-link predictions go through libm's exp
on both sides and are compared exactly too, with skscore.validate's
documented tolerance (rtol 1e-12) as the contract.
"""
from __future__ import annotations

import numpy as np
import pytest

import skscore

lgb = pytest.importorskip("lightgbm")

from sklearn.datasets import load_iris, make_classification, make_regression  # noqa: E402


def fit(est, X, y, **kw):
    return est.fit(X, y, **kw)


def rows_near_thresholds(booster, X, rng, n=400):
    """Rows whose values sit on split thresholds and their float64 neighbours."""
    thresholds: dict[int, list[float]] = {}

    def walk(node):
        if "leaf_value" in node:
            return
        thresholds.setdefault(node["split_feature"], []).append(node["threshold"])
        walk(node["left_child"])
        walk(node["right_child"])

    for info in booster.dump_model()["tree_info"]:
        walk(info["tree_structure"])
    out = X[rng.integers(0, len(X), n)].copy()
    for f, ts in thresholds.items():
        ts = np.array(ts)
        pick = ts[rng.integers(0, len(ts), n)]
        which = rng.integers(0, 3, n)
        out[:, f] = np.where(which == 0, pick, np.where(which == 1, np.nextafter(pick, -np.inf),
                                                         np.nextafter(pick, np.inf)))
    return out


def scoring_rows(X, rng):
    T = np.vstack([X, X + rng.normal(0, 0.5, X.shape)])
    T[::11, 0] = np.nan
    T[5::13, -1] = np.nan
    T[7::17, 1] = np.inf
    T[9::19, 1] = -np.inf
    T[3::23, :] = 0.0
    T[4::29, 2] = -0.0
    T[6::31, 2] = 1e-40  # inside LightGBM's zero range
    return T


def check_same(est, T, path=None):
    blob = skscore.dumps(est)
    m = skscore.load(blob)
    if hasattr(est, "predict_proba"):
        np.testing.assert_array_equal(m.predict(T), est.predict(T))
        np.testing.assert_array_equal(m.decision_function(T), est.predict(T, raw_score=True))
        np.testing.assert_array_equal(m.predict_proba(T), est.predict_proba(T))
        assert list(m.classes_) == list(est.classes_)
    else:
        got, want = m.predict(T), est.predict(T)
        assert got.dtype == want.dtype == np.float64
        np.testing.assert_array_equal(got, want)
    return m


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(n_samples=1500, n_features=12, n_informative=8, n_classes=4, random_state=0)
    X = X.copy()
    X[np.random.default_rng(1).random(X.shape) < 0.05] = np.nan  # features with NaN: missing_type NaN
    X[:, 5] = np.round(X[:, 5])  # a feature with many exact zeros
    X[:, 7] = np.nan_to_num(X[:, 7])  # no NaN in training: missing_type None
    return X, y


@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("params", [
    {},
    {"num_leaves": 63, "min_child_samples": 2},
    {"use_missing": False},
    {"learning_rate": 0.3, "max_depth": 3, "reg_lambda": 1.0},
    {"extra_trees": True},
])
def test_classifier(clf_data, n_classes, params):
    X, y = clf_data
    y = y % n_classes
    est = fit(lgb.LGBMClassifier(n_estimators=60, verbose=-1, random_state=0, **params), X, y)
    rng = np.random.default_rng(2)
    check_same(est, scoring_rows(X, rng))
    check_same(est, rows_near_thresholds(est.booster_, X, rng))


def test_many_classes_and_string_labels():
    X, y = make_classification(n_samples=2400, n_features=10, n_informative=8, n_classes=12,
                               n_clusters_per_class=1, random_state=3)
    labels = np.array([f"class-{i}" for i in range(12)], dtype=object)[y]
    est = fit(lgb.LGBMClassifier(n_estimators=25, verbose=-1), X, labels)
    m = check_same(est, scoring_rows(X, np.random.default_rng(4)))
    assert m.predict(X[:3]).dtype == object


@pytest.mark.parametrize("labels", [np.array([True, False]), np.array([-1.0, 2.0]), np.array(["no", "yes"])])
def test_binary_label_types(labels):
    X, y = make_classification(n_samples=600, n_features=6, random_state=5)
    est = fit(lgb.LGBMClassifier(n_estimators=30, verbose=-1), X, labels[y])
    m = check_same(est, scoring_rows(X, np.random.default_rng(6)))
    assert m.predict(X[:5]).dtype == est.predict(X[:5]).dtype


@pytest.mark.parametrize("objective", ["regression", "regression_l1", "huber", "fair", "quantile", "mape",
                                       "poisson", "gamma", "tweedie"])
def test_regressor(objective, write):
    X, y = make_regression(n_samples=1200, n_features=8, noise=5.0, random_state=7)
    X = X.copy()
    X[np.random.default_rng(8).random(X.shape) < 0.04] = np.nan
    if objective in ("poisson", "gamma", "tweedie", "mape"):
        y = np.exp(y / np.abs(y).max()) + 0.1
    est = fit(lgb.LGBMRegressor(objective=objective, n_estimators=50, verbose=-1), X, y)
    rng = np.random.default_rng(9)
    check_same(est, scoring_rows(X, rng))
    check_same(est, rows_near_thresholds(est.booster_, X, rng))
    assert skscore.validate(est, write(est), scoring_rows(X, rng)).passed


@pytest.fixture
def write(tmp_path):
    """Exports an estimator to a file in the test's directory."""
    def export(est):
        p = tmp_path / f"{id(est)}.skm"
        skscore.export(est, p)
        return p
    return export


def test_float32_input_and_dataframe():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    est = fit(lgb.LGBMClassifier(n_estimators=40, verbose=-1, min_child_samples=3), X, y)
    # LightGBM renames "sepal length (cm)" to "sepal_length_(cm)"; its names are the default
    assert list(skscore.load(skscore.dumps(est)).feature_names_in_) == list(est.feature_names_in_)
    m = skscore.load(skscore.dumps(est, feature_names=list(X.columns)))
    assert list(m.feature_names_in_) == list(X.columns)
    np.testing.assert_array_equal(m.predict_proba(X), est.predict_proba(X))
    X32 = X.to_numpy(dtype=np.float32)
    np.testing.assert_array_equal(m.predict_proba(X32), est.predict_proba(X32))
    # columns in another order are matched by name
    shuffled = X[list(reversed(X.columns))]
    np.testing.assert_array_equal(m.predict_proba(shuffled), est.predict_proba(X))
    assert isinstance(shuffled, pd.DataFrame)


def test_early_stopping_uses_best_iteration():
    X, y = make_classification(n_samples=2000, n_features=10, random_state=11)
    est = lgb.LGBMClassifier(n_estimators=400, learning_rate=0.3, verbose=-1)
    est.fit(X[:1500], y[:1500], eval_set=[(X[1500:], y[1500:])], callbacks=[lgb.early_stopping(5, verbose=False)])
    assert 0 < est.best_iteration_ < 400
    m = check_same(est, scoring_rows(X, np.random.default_rng(12)))
    assert m.info()["n_trees"] == est.best_iteration_


def test_raw_booster(write):
    X, y = make_classification(n_samples=800, n_features=7, n_classes=3, n_informative=5, random_state=13)
    T = scoring_rows(X, np.random.default_rng(14))
    for params, target in [({"objective": "binary"}, y == 1), ({"objective": "multiclass", "num_class": 3}, y),
                           ({"objective": "regression"}, X[:, 0] * 3 + y)]:
        booster = lgb.train({**params, "verbose": -1}, lgb.Dataset(X, target), num_boost_round=30)
        m = skscore.load(skscore.dumps(booster))
        np.testing.assert_array_equal(m.decision_function(T) if hasattr(m, "decision_function") else m.predict(T),
                                      booster.predict(T, raw_score=True))
        if params["objective"] == "binary":
            np.testing.assert_array_equal(m.predict_proba(T)[:, 1], booster.predict(T))
        elif params["objective"] == "multiclass":
            np.testing.assert_array_equal(m.predict_proba(T), booster.predict(T))
            np.testing.assert_array_equal(m.predict(T), np.argmax(booster.predict(T), axis=1))
        else:
            np.testing.assert_array_equal(m.predict(T), booster.predict(T))
        report = skscore.validate(booster, write(booster), T)
        assert report.passed, report
        assert m.estimator == "lightgbm.Booster"


def test_validate_and_pipeline(write):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), lgb.LGBMClassifier(n_estimators=30, verbose=-1, min_child_samples=3))
    pipe.fit(X, y)
    report = skscore.validate(pipe, write(pipe), X)
    assert report.passed, report
    m = skscore.load(write(pipe))
    np.testing.assert_array_equal(m.predict_proba(X), pipe.predict_proba(X))


def test_zero_as_missing():
    """zero_as_missing: a split that sends zero (and NaN) to its default side
    is a plain <= split when that side is where 0.0 goes anyway, and is
    exported exactly; otherwise it is refused. Trained models here have
    both kinds; the exportable one is the same model with every default
    side set to where 0.0 goes (decision_type bit 1 in the text model)."""
    import re

    X, y = make_classification(n_samples=1000, n_features=6, random_state=15)
    X = np.where(np.abs(X) < 0.4, 0.0, X)
    est = fit(lgb.LGBMClassifier(n_estimators=30, verbose=-1, zero_as_missing=True), X, y)
    with pytest.raises(TypeError, match="zero"):
        skscore.dumps(est)

    def agree(block: str) -> str:
        kinds = re.search(r"^decision_type=(.*)$", block, re.M)
        if kinds is None:  # a one-leaf tree
            return block
        thresholds = [float(t) for t in re.search(r"^threshold=(.*)$", block, re.M).group(1).split()]
        kinds_new = []
        for k, t in zip(map(int, kinds.group(1).split()), thresholds):
            assert (k >> 2) & 3 == 1  # missing type Zero
            kinds_new.append(str((k & ~2) | (2 if 0.0 <= t else 0)))
        return block.replace(kinds.group(0), "decision_type=" + " ".join(kinds_new))

    text = est.booster_.model_to_string()
    head, *trees = re.split(r"(?=^Tree=)", text, flags=re.M)
    booster = lgb.Booster(model_str=head + "".join(agree(t) for t in trees))
    m = skscore.load(skscore.dumps(booster))
    T = scoring_rows(X, np.random.default_rng(16))
    np.testing.assert_array_equal(m.decision_function(T), booster.predict(T, raw_score=True))
    np.testing.assert_array_equal(m.predict_proba(T)[:, 1], booster.predict(T))


def _has_categorical_splits(est):
    return any(t["num_cat"] for t in est.booster_.dump_model()["tree_info"])


@pytest.mark.parametrize("objective", ["binary", "multiclass", "regression"])
def test_categorical_splits_by_index(objective):
    """categorical_feature=[...] on numeric codes: NaN and negatives go
    right, values truncate to int (-0.5 is category 0), codes outside the
    split's set (unseen, >= 256, huge) go right."""
    rng = np.random.default_rng(21)
    X = np.c_[rng.integers(0, 40, 4000), rng.normal(size=4000), rng.integers(0, 200, 4000)].astype(float)
    X[rng.random(4000) < 0.05, 0] = np.nan
    y = np.isin(X[:, 0], [1, 5, 7, 30]).astype(int) + (X[:, 1] > 1) + (objective == "multiclass") * (X[:, 2] > 150)
    est = (lgb.LGBMRegressor if objective == "regression" else lgb.LGBMClassifier)(
        n_estimators=30, verbose=-1, min_data_per_group=5, cat_smooth=1)
    est = fit(est, X, y, categorical_feature=[0, 2])
    assert _has_categorical_splits(est)
    m = skscore.load(skscore.dumps(est))
    odd = np.array([[-0.5, 0, 0], [-1, 0, 0], [np.nan, 1, 1], [300, 0, 0], [1e12, 0, 0], [5.9, 0, 0],
                    [256, 0, 0], [7, 0, -3], [30.99, 2, 199.5], [-1e12, 0, np.inf]])
    for Z in (X, odd):
        if objective == "regression":
            np.testing.assert_array_equal(m.predict(Z), est.predict(Z))
        else:
            np.testing.assert_array_equal(m.decision_function(Z), est.predict(Z, raw_score=True))
            np.testing.assert_array_equal(m.predict(Z), est.predict(Z))


def test_pandas_categorical_columns():
    """Category-dtype columns: LightGBM codes them by the categories it saw
    (pandas_categorical); unseen and missing categories are NaN (right)."""
    import pandas as pd

    rng = np.random.default_rng(22)
    n = 4000
    df = pd.DataFrame({"x": rng.normal(size=n),
                       "color": pd.Categorical(rng.choice(np.array(["red", "green", "blue", "teal", None],
                                                                   dtype=object), n)),
                       "size": pd.Categorical(rng.choice([3, 5, 7], n)), "z": rng.normal(size=n)})
    y = ((df["color"] == "red") | (df["size"] == 5)).astype(int) + (df["x"] > 1)
    est = lgb.LGBMClassifier(n_estimators=30, verbose=-1, min_data_per_group=5, cat_smooth=1).fit(df, y)
    assert _has_categorical_splits(est) and est.booster_.pandas_categorical
    path = skscore.dumps(est)
    m = skscore.load(path)
    assert m.info()["string_columns"] == [1]
    odd = pd.DataFrame({"x": [0.1, -1, np.nan, 2], "color": pd.Categorical(["purple", None, "red", "teal"]),
                        "size": pd.Categorical([9, 3, 5, 7]), "z": [0, 1, 2, 3]})
    for T in (df, odd):
        np.testing.assert_array_equal(m.predict_proba(T), est.predict_proba(T))
        np.testing.assert_array_equal(m.predict(T), est.predict(T))


def test_refused_models():
    X, y = make_classification(n_samples=500, n_features=5, random_state=17)
    rng = np.random.default_rng(17)
    Xc = rng.normal(size=(600, 4))
    Xc[:, 0] = rng.integers(256, 264, 600)  # categories above 255
    cat = lgb.LGBMClassifier(n_estimators=10, verbose=-1, min_data_per_group=5, cat_smooth=1)
    cat.fit(Xc, np.isin(Xc[:, 0], [257, 259, 260]), categorical_feature=[0])
    assert _has_categorical_splits(est=cat)
    with pytest.raises(TypeError, match="categories 0..255"):
        skscore.dumps(cat)
    rf = lgb.LGBMClassifier(boosting_type="rf", n_estimators=10, bagging_freq=1, bagging_fraction=0.5,
                            verbose=-1).fit(X, y)
    with pytest.raises(TypeError, match="random-forest"):
        skscore.dumps(rf)
    ova = lgb.LGBMClassifier(objective="multiclassova", n_estimators=5, verbose=-1).fit(X, np.arange(len(y)) % 3)
    with pytest.raises(TypeError, match="multiclassova"):
        skscore.dumps(ova)
    with pytest.raises(TypeError, match="LGBMRanker|exports"):
        skscore.dumps(lgb.LGBMRanker())


def test_wide_and_deep():
    X, y = make_regression(n_samples=3000, n_features=120, n_informative=60, random_state=19)
    est = fit(lgb.LGBMRegressor(n_estimators=40, num_leaves=255, min_child_samples=2, verbose=-1), X, y)
    rng = np.random.default_rng(20)
    check_same(est, scoring_rows(X, rng))
    check_same(est, rows_near_thresholds(est.booster_, X, rng, n=1000))
