"""XGBoost parity: models exported from XGBoost's own JSON model score as
XGBoost's predict does.

XGBoost scores in float32 (pybind/skscore/exporters/xgboost.py): the input is read
as float32, a node goes left on ``x < split_condition`` (float32), NaN goes
the node's default side, sums start at the base margin and add each tree's
leaf in tree order in float32, and the links are XGBoost's float32 sigmoid,
softmax and expf. So every output is compared bit for bit, with its dtype:
raw margins (``decision_function`` vs ``predict(output_margin=True)``),
probabilities, regression values (float32) and labels (int64; int32 for
XGBClassifier(objective="multi:softmax")).

The one documented tolerance: predict_proba of multi:softmax classifiers,
where XGBClassifier computes scipy's float32 softmax of the margins and
skscore XGBoost's own softmax (rtol 1e-6, atol 1e-7, as skscore.validate).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from parity_helpers import assert_exact, assert_labels

import skscore

xgb = pytest.importorskip("xgboost")

from sklearn.datasets import make_classification, make_regression  # noqa: E402

SOFTMAX_RTOL, SOFTMAX_ATOL = 1e-6, 1e-7
# objectives whose prediction is the margin itself
IDENTITY_OBJECTIVES = (
    "reg:squarederror",
    "reg:absoluteerror",
    "reg:pseudohubererror",
    "reg:quantileerror",
    "binary:logitraw",
    "rank:pairwise",
    "rank:ndcg",
    "rank:map",
)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """XGBoost on one thread: its OpenMP threads spin badly when the cores
    are shared (results do not depend on the thread count)."""
    with xgb.config_context(nthread=1):
        yield


# ------------------------------------------------------------------ helpers


def model_json(model) -> dict:
    booster = model if isinstance(model, xgb.Booster) else model.get_booster()
    return json.loads(bytes(booster.save_raw("json")))


def trees_of(model) -> list[dict]:
    return model_json(model)["learner"]["gradient_booster"]["model"]["trees"]


def split_thresholds(model) -> dict[int, np.ndarray]:
    """Per feature: the float32 split conditions of its numerical splits."""
    out: dict[int, list[float]] = {}
    for t in trees_of(model):
        kinds = t.get("split_type") or [0] * len(t["left_children"])
        for lc, f, c, k in zip(
            t["left_children"], t["split_indices"], t["split_conditions"], kinds, strict=True
        ):
            if lc != -1 and k == 0:
                out.setdefault(int(f), []).append(c)
    return {f: np.asarray(v, dtype=np.float32) for f, v in out.items()}


def categorical_split_sets(model) -> list[list[int]]:
    sets = []
    for t in trees_of(model):
        cats = t.get("categories") or []
        for beg, size in zip(
            t.get("categories_segments") or [], t.get("categories_sizes") or [], strict=True
        ):
            sets.append(cats[beg : beg + size])
    return sets


def f32_neighbours(t32: np.ndarray) -> list[np.ndarray]:
    """Values on and around float32 thresholds, as float64: the threshold,
    its float32 neighbours, the float64 neighbours of the threshold (which
    round back to it in float32), and the float64 midpoints between the
    threshold and its float32 neighbours with their own float64 neighbours
    (ties and near-ties of the float64 -> float32 rounding)."""
    t32 = np.asarray(t32, dtype=np.float32)
    lo = np.nextafter(t32, np.float32(-np.inf))
    hi = np.nextafter(t32, np.float32(np.inf))
    t = t32.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        mid_lo = (lo.astype(np.float64) + t) / 2
        mid_hi = (hi.astype(np.float64) + t) / 2
    return [
        t,
        lo.astype(np.float64),
        hi.astype(np.float64),
        np.nextafter(t, -np.inf),
        np.nextafter(t, np.inf),
        mid_lo,
        np.nextafter(mid_lo, -np.inf),
        np.nextafter(mid_lo, np.inf),
        mid_hi,
        np.nextafter(mid_hi, -np.inf),
        np.nextafter(mid_hi, np.inf),
    ]


def rows_near_thresholds(model, X, rng, n=400) -> np.ndarray:
    """Rows of X whose split features sit on, or just around, the model's
    float32 split conditions (float64 array)."""
    X = np.asarray(X, dtype=np.float64)
    out = X[rng.integers(0, len(X), n)].copy()
    for f, ts in split_thresholds(model).items():
        cands = np.concatenate(f32_neighbours(ts))
        pick = rng.random(n) < 0.8
        out[pick, f] = cands[rng.integers(0, len(cands), int(pick.sum()))]
    return out


def threshold_sweep(model, X) -> np.ndarray:
    """One row per (split, neighbour value): the first row of X with one
    split feature replaced (every numerical split of the model)."""
    base = np.nan_to_num(np.asarray(X[:1], dtype=np.float64))
    rows = []
    for f, ts in split_thresholds(model).items():
        for v in np.concatenate(f32_neighbours(np.unique(ts))):
            r = base.copy()
            r[0, f] = v
            rows.append(r)
    return np.vstack(rows)


SPECIALS = np.array(
    [
        np.nan,
        np.inf,
        -np.inf,
        0.0,
        -0.0,
        1e300,
        -1e300,
        3.4028235e38,
        3.5e38,
        -3.5e38,
        1e-45,
        -1e-45,
        1e-320,
        2.0**24,
        1e-40,
    ]
)


def scoring_rows(X, rng) -> np.ndarray:
    """X and noisy X, with NaN, +-inf, +-0.0, float32 overflow (1e300,
    3.5e38), float32 max, subnormals (float32's and float64's)."""
    X = np.asarray(X, dtype=np.float64)
    T = np.vstack([X, X + rng.normal(0, 0.5, X.shape)])
    d = T.shape[1]
    T[::11, 0] = np.nan
    T[5::13, d - 1] = np.nan
    T[7::17, 1 % d] = np.inf
    T[9::19, 1 % d] = -np.inf
    T[3::23, :] = 0.0
    T[4::29, 2 % d] = -0.0
    T[6::31, :] = -0.0
    T[8::37, :] = np.nan
    T[10::41, 0] = 1e300
    T[12::43, 0] = -1e300
    T[14::47, d - 1] = 3.5e38
    T[15::53] = SPECIALS[rng.integers(0, len(SPECIALS), T[15::53].shape)]
    return T


def as_f32(T) -> np.ndarray:
    """T as float32 (values beyond float32's range become infinities)."""
    with np.errstate(over="ignore"):
        return np.asarray(T, dtype=np.float32)


def objective_of(model) -> str:
    return model_json(model)["learner"]["objective"]["name"]


def check_same(est, T, what=""):
    """skscore (through dumps/load) against an XGBoost sklearn estimator on
    T: every output, bit for bit and dtype for dtype."""
    m = skscore.load(skscore.dumps(est))
    label = f"{what} {type(est).__name__}".strip()
    if hasattr(est, "predict_proba"):
        assert_labels(m.predict(T), est.predict(T), f"{label}.predict")
        assert_exact(
            m.decision_function(T), est.predict(T, output_margin=True), f"{label}.decision_function"
        )
        got, want = m.predict_proba(T), est.predict_proba(T)
        if objective_of(est) == "multi:softmax":
            assert got.dtype == want.dtype == np.float32 and got.shape == want.shape
            np.testing.assert_allclose(
                got, want, rtol=SOFTMAX_RTOL, atol=SOFTMAX_ATOL, err_msg=label
            )
        else:
            assert_exact(got, want, f"{label}.predict_proba")
        assert list(m.classes_) == list(est.classes_)
    else:
        got, want = m.predict(T), est.predict(T)
        assert want.dtype == np.float32
        assert_exact(got, want, f"{label}.predict")
    return m


def finite_rows(T) -> np.ndarray:
    """The rows of T that xgboost.DMatrix takes: NaN or finite in float32
    (DMatrix refuses inf and values that overflow float32; inplace_predict
    and the sklearn wrappers take them)."""
    with np.errstate(over="ignore"):
        T32 = np.asarray(T, dtype=np.float32)
    return np.asarray(T)[~np.isinf(T32).any(axis=1)]


def check_booster(booster, T, what=""):
    """skscore against a raw xgboost.Booster: its inplace_predict on T, and
    its predict on a DMatrix of T's rows that DMatrix takes."""
    m = skscore.load(skscore.dumps(booster))
    assert m.estimator == "xgboost.Booster"
    objective = objective_of(booster)
    for Z, how in ((T, "inplace_predict"), (finite_rows(T), "DMatrix")):
        if how == "inplace_predict":
            value = booster.inplace_predict(Z)
            margin = booster.inplace_predict(Z, predict_type="margin")
        else:
            value, margin = (
                booster.predict(xgb.DMatrix(Z)),
                booster.predict(xgb.DMatrix(Z), output_margin=True),
            )
        label = f"{what} Booster({objective}) {how}"
        if objective in ("binary:logistic", "multi:softprob", "multi:softmax"):
            assert_exact(m.decision_function(Z), margin, f"{label}.decision_function")
            if objective == "binary:logistic":
                assert_exact(
                    m.predict_proba(Z),
                    np.column_stack([1 - value, value]),
                    f"{label}.predict_proba",
                )
                assert_labels(m.predict(Z), (value > 0.5).astype(np.int64), f"{label}.predict")
            elif objective == "multi:softprob":
                assert_exact(m.predict_proba(Z), value, f"{label}.predict_proba")
                assert_labels(m.predict(Z), np.argmax(value, axis=1), f"{label}.predict")
            else:  # the Booster predicts labels (float32)
                assert_labels(m.predict(Z), value.astype(np.int64), f"{label}.predict")
            assert list(m.classes_) == list(range(m.info()["n_classes"]))
        else:
            assert_exact(m.predict(Z), value, f"{label}.predict")
            if objective in IDENTITY_OBJECTIVES:
                assert_exact(m.predict(Z), margin, f"{label}.margin")
    return m


@pytest.fixture
def write(tmp_path):
    """Exports a model to a file in the test's directory."""

    def export(est):
        p = tmp_path / f"{type(est).__name__}-{id(est)}.skm"
        skscore.export(est, p)
        return p

    return export


def with_missing(X, frac, seed):
    X = np.array(X, dtype=np.float64)
    X[np.random.default_rng(seed).random(X.shape) < frac] = np.nan
    return X


@pytest.fixture(scope="module")
def clf_data():
    X, y = make_classification(
        n_samples=1500, n_features=10, n_informative=7, n_classes=4, random_state=0
    )
    X = with_missing(X, 0.05, 1)
    X[:, 5] = np.round(X[:, 5])  # integer-valued: thresholds at whole numbers, 0.0 among them
    X[:, 7] = np.nan_to_num(X[:, 7])  # no NaN in training
    X[:, 8] = np.round(X[:, 8] * 4) / 4  # few distinct values
    return X, y


def all_rows(est, X, rng):
    T = scoring_rows(X, rng)
    return [T, rows_near_thresholds(est, X, rng), threshold_sweep(est, X)]


# ------------------------------------------------------------ classifiers


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"tree_method": "exact", "max_depth": 5},
        {"tree_method": "approx", "max_bin": 64},
        {"num_parallel_tree": 3, "subsample": 0.8, "colsample_bynode": 0.7},
        {"learning_rate": 0.7, "reg_lambda": 0.0, "min_child_weight": 0.0, "max_depth": 8},
        {"grow_policy": "lossguide", "max_leaves": 24, "max_depth": 0},
        {"max_bin": 16, "gamma": 0.5, "max_delta_step": 1.0},
    ],
)
def test_binary_classifier(clf_data, params):
    X, y = clf_data
    est = xgb.XGBClassifier(n_estimators=25, random_state=0, **params).fit(X, y % 2)
    rng = np.random.default_rng(2)
    for T in all_rows(est, X, rng):
        check_same(est, T)
        check_same(est, as_f32(T), "float32")
    m = skscore.load(skscore.dumps(est))
    assert m.estimator == "xgboost.XGBClassifier"
    assert m.predict(X[:3]).dtype == np.int64
    assert m.predict_proba(X[:3]).dtype == m.decision_function(X[:3]).dtype == np.float32


@pytest.mark.parametrize("objective", ["multi:softprob", "multi:softmax"])
@pytest.mark.parametrize(
    "params", [{}, {"tree_method": "exact"}, {"num_parallel_tree": 2, "subsample": 0.7}]
)
def test_multiclass_classifier(clf_data, objective, params):
    X, y = clf_data
    est = xgb.XGBClassifier(
        n_estimators=20, objective=objective, max_depth=5, random_state=0, **params
    ).fit(X, y)
    rng = np.random.default_rng(3)
    for T in all_rows(est, X, rng):
        check_same(est, T)
        check_same(est, as_f32(T), "float32")
    m = skscore.load(skscore.dumps(est))
    want = np.int32 if objective == "multi:softmax" else np.int64
    assert est.predict(X[:3]).dtype == m.predict(X[:3]).dtype == want


def test_many_classes():
    X, y = make_classification(
        n_samples=2000,
        n_features=15,
        n_informative=10,
        n_classes=10,
        n_clusters_per_class=1,
        random_state=4,
    )
    X = with_missing(X, 0.03, 4)
    for objective in ("multi:softprob", "multi:softmax"):
        est = xgb.XGBClassifier(n_estimators=12, max_depth=4, objective=objective).fit(X, y)
        rng = np.random.default_rng(5)
        check_same(est, scoring_rows(X, rng))
        check_same(est, rows_near_thresholds(est, X, rng, n=300))
        m = skscore.load(skscore.dumps(est))
        assert m.info()["n_classes"] == 10 and m.info()["n_trees"] == 120


# ------------------------------------------------------------- regressors

REGRESSION_OBJECTIVES = [
    ("reg:squarederror", {}),
    ("reg:absoluteerror", {}),
    ("reg:pseudohubererror", {"huber_slope": 2.0}),
    ("reg:squaredlogerror", {}),
    ("reg:logistic", {}),
    ("count:poisson", {}),
    ("reg:gamma", {}),
    ("reg:tweedie", {"tweedie_variance_power": 1.3}),
    ("reg:quantileerror", {"quantile_alpha": 0.3}),
]


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=1200, n_features=8, n_informative=6, noise=5.0, random_state=7)
    X = with_missing(X, 0.04, 8)
    X[:, 3] = np.round(X[:, 3] * 2)
    return X, y


def target_for(objective, y):
    if objective in ("count:poisson",):
        return np.round(np.exp(y / np.abs(y).max() * 2))
    if objective in ("reg:gamma", "reg:tweedie", "reg:squaredlogerror"):
        return np.exp(y / np.abs(y).max()) + 0.1
    if objective == "reg:logistic":
        return (y - y.min()) / (y.max() - y.min())
    return y


@pytest.mark.parametrize(
    "objective,params", REGRESSION_OBJECTIVES, ids=[o for o, _ in REGRESSION_OBJECTIVES]
)
def test_regressor(reg_data, objective, params, write):
    X, y = reg_data
    est = xgb.XGBRegressor(
        objective=objective, n_estimators=30, max_depth=5, random_state=0, **params
    )
    est.fit(X, target_for(objective, y))
    rng = np.random.default_rng(9)
    for T in all_rows(est, X, rng):
        check_same(est, T)
        check_same(est, as_f32(T), "float32")
    m = skscore.load(skscore.dumps(est))
    assert m.predict(X[:2]).dtype == np.float32
    report = skscore.validate(est, write(est), scoring_rows(X, rng))
    assert report.passed, str(report)


def test_quantile_regression_several_alphas(reg_data, write):
    X, y = reg_data
    est = xgb.XGBRegressor(
        objective="reg:quantileerror", quantile_alpha=[0.1, 0.5, 0.9], n_estimators=25, max_depth=4
    ).fit(X, y)
    rng = np.random.default_rng(10)
    T = scoring_rows(X, rng)
    assert est.predict(T).shape == (len(T), 3)
    for T in all_rows(est, X, rng):
        check_same(est, T)
    m = skscore.load(skscore.dumps(est))
    assert m.info()["n_outputs"] == 3 and m.info()["output_2d"]
    assert skscore.validate(est, write(est), T).passed


@pytest.mark.parametrize("objective", ["reg:squarederror", "reg:absoluteerror"])
def test_multi_target_regression(objective, write):
    X, Y = make_regression(n_samples=800, n_features=6, n_targets=3, noise=1.0, random_state=11)
    X = with_missing(X, 0.05, 11)
    est = xgb.XGBRegressor(n_estimators=20, max_depth=4, objective=objective).fit(X, Y)
    rng = np.random.default_rng(12)
    for T in all_rows(est, X, rng):
        check_same(est, T)
    assert skscore.validate(est, write(est), X).passed


# ------------------------------------------------------------ random forests


def test_random_forests(clf_data, reg_data, write):
    X, y = clf_data
    rng = np.random.default_rng(13)
    for target in (y % 2, y):
        est = xgb.XGBRFClassifier(n_estimators=15, max_depth=6, random_state=0).fit(X, target)
        for T in all_rows(est, X, rng):
            check_same(est, T)
        assert skscore.load(skscore.dumps(est)).estimator == "xgboost.XGBRFClassifier"
        assert skscore.validate(est, write(est), X).passed
    Xr, yr = reg_data
    est = xgb.XGBRFRegressor(n_estimators=15, max_depth=6, random_state=0).fit(Xr, yr)
    for T in all_rows(est, Xr, rng):
        check_same(est, T)
    assert skscore.validate(est, write(est), Xr).passed


# ------------------------------------------------------------- raw boosters


@pytest.mark.parametrize(
    "params",
    [
        {"objective": "binary:logistic"},
        {"objective": "multi:softprob", "num_class": 4},
        {"objective": "multi:softmax", "num_class": 4},
        {"objective": "reg:squarederror"},
        {"objective": "count:poisson"},
        {"objective": "binary:logitraw"},
        {"objective": "reg:quantileerror", "quantile_alpha": np.array([0.2, 0.8])},
    ],
    ids=lambda p: p["objective"],
)
def test_raw_booster(clf_data, params, write):
    X, y = clf_data
    target = {"binary:logistic": y % 2, "binary:logitraw": y % 2, "count:poisson": y}.get(
        params["objective"], y
    )
    if params["objective"] in ("reg:squarederror", "reg:quantileerror"):
        target = np.nan_to_num(X[:, 0]) * 3 + y
    booster = xgb.train(
        {**params, "max_depth": 5, "seed": 0}, xgb.DMatrix(X, target), num_boost_round=20
    )
    rng = np.random.default_rng(14)
    for T in all_rows(booster, X, rng):
        check_booster(booster, T)
    report = skscore.validate(booster, write(booster), finite_rows(scoring_rows(X, rng)))
    assert report.passed, str(report)
    if params["objective"].startswith("multi:"):
        m = skscore.load(skscore.dumps(booster))
        p = m.predict_proba(X)
        assert p.dtype == np.float32 and p.shape == (len(X), 4)
        if params["objective"] == "multi:softprob":
            assert_labels(m.predict(X), np.argmax(p, axis=1))


def test_booster_with_feature_names_and_categories():
    """A Booster trained on a DMatrix from a categorical DataFrame."""
    df, y = categorical_frame(1500, 15)
    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 4, "max_cat_to_onehot": 1},
        xgb.DMatrix(df, y, enable_categorical=True),
        num_boost_round=15,
    )
    m = skscore.load(skscore.dumps(booster))
    assert list(m.feature_names_in_) == list(df.columns)
    p = booster.predict(xgb.DMatrix(df, enable_categorical=True))
    assert_exact(m.predict_proba(df)[:, 1], p, "Booster categorical predict_proba")


def test_booster_early_stopping_keeps_every_round(clf_data):
    """xgb.train with early stopping returns the whole model, and
    Booster.predict uses every round: so does skscore."""
    X, y = clf_data
    dtrain, dvalid = xgb.DMatrix(X[:1000], y[:1000] % 2), xgb.DMatrix(X[1000:], y[1000:] % 2)
    booster = xgb.train(
        {"objective": "binary:logistic", "eta": 0.5},
        dtrain,
        num_boost_round=200,
        evals=[(dvalid, "v")],
        early_stopping_rounds=3,
        verbose_eval=False,
    )
    assert booster.best_iteration + 1 < booster.num_boosted_rounds()
    m = check_booster(booster, scoring_rows(X, np.random.default_rng(16)))
    assert m.info()["n_trees"] == booster.num_boosted_rounds()


# ------------------------------------------------------------- base score


@pytest.mark.parametrize(
    "kind,params",
    [
        ("binary", {}),
        ("binary", {"base_score": 0.5}),
        ("binary", {"base_score": 1e-6}),
        ("binary", {"base_score": 1 - 1e-6}),
        ("binary", {"base_score": 0.93}),
        # boost_from_average=0 alone fails to train in XGBoost 3.2 ("Model is
        # not yet initialized"); with a base_score it fixes the intercept
        ("binary", {"boost_from_average": 0, "base_score": 0.3}),
        ("multiclass", {}),
        ("multiclass", {"base_score": 0.5}),
        ("regression", {}),
        ("regression", {"base_score": 123.456}),
        ("regression", {"boost_from_average": 0, "base_score": 0.5}),
        ("poisson", {"base_score": 3.0}),
        ("poisson", {}),
        ("logistic", {"base_score": 0.2}),
    ],
)
def test_base_score(clf_data, kind, params):
    X, y = clf_data
    if kind in ("binary", "multiclass"):
        est = xgb.XGBClassifier(n_estimators=10, max_depth=3, **params).fit(
            X, y % 2 if kind == "binary" else y
        )
    else:
        objective = {
            "regression": "reg:squarederror",
            "poisson": "count:poisson",
            "logistic": "reg:logistic",
        }[kind]
        target = {"regression": y * 50.0 + 7, "poisson": y, "logistic": y / 3}[kind]
        est = xgb.XGBRegressor(n_estimators=10, max_depth=3, objective=objective, **params).fit(
            X, target
        )
    rng = np.random.default_rng(17)
    check_same(est, scoring_rows(X, rng))
    check_same(est, rows_near_thresholds(est, X, rng, n=200))


def test_base_margin_alone():
    """A model whose trees are all single leaves of 0 (nothing to learn):
    every output is the base margin through the link."""
    X = np.random.default_rng(18).normal(size=(200, 3))
    for est in (
        xgb.XGBClassifier(n_estimators=3, base_score=0.3, max_depth=1, min_child_weight=1e9),
        xgb.XGBRegressor(n_estimators=3, base_score=-2.5, min_child_weight=1e9),
        xgb.XGBRegressor(
            n_estimators=3, base_score=0.7, objective="reg:gamma", min_child_weight=1e9
        ),
    ):
        est.fit(X, np.arange(200) % 2 + (0.5 if isinstance(est, xgb.XGBRegressor) else 0))
        check_same(est, scoring_rows(X, np.random.default_rng(19)))


# ---------------------------------------------------------- early stopping


@pytest.mark.parametrize("kind", ["binary", "multiclass", "parallel_trees", "regression"])
def test_early_stopping_uses_best_iteration(clf_data, kind):
    X, y = clf_data
    tr, va = slice(0, 1000), slice(1000, None)
    if kind == "regression":
        target = np.nan_to_num(X[:, 0]) + y
        est = xgb.XGBRegressor(n_estimators=300, learning_rate=0.5, early_stopping_rounds=3)
    else:
        target = y % 2 if kind == "binary" else y
        est = xgb.XGBClassifier(
            n_estimators=300,
            learning_rate=0.6,
            early_stopping_rounds=3,
            num_parallel_tree=2 if kind == "parallel_trees" else 1,
        )
    est.fit(X[tr], target[tr], eval_set=[(X[va], target[va])], verbose=False)
    rounds = est.best_iteration + 1
    assert rounds < est.get_booster().num_boosted_rounds()
    m = check_same(est, scoring_rows(X, np.random.default_rng(20)))
    per_round = {"multiclass": 4, "parallel_trees": 8}.get(kind, 1)
    assert m.info()["n_trees"] == rounds * per_round


# ------------------------------------------------------------------ inputs


def test_threshold_neighbours_in_float32_and_float64():
    """Integer-valued and tiny-range features: thresholds at 0.0, whole
    numbers and subnormal-adjacent values; every threshold's float32
    neighbours, and float64 values that round onto or off it."""
    rng = np.random.default_rng(21)
    n = 3000
    X = np.c_[
        rng.integers(-3, 4, n),
        rng.normal(size=n) * 1e-38,
        rng.normal(size=n) * 1e6,
        rng.choice([-0.0, 0.0, 1.0, np.nan], n),
        rng.normal(size=n),
    ].astype(np.float64)
    y = ((X[:, 0] >= 0) ^ (X[:, 1] > 0) ^ (X[:, 2] > 1e5) ^ (np.nan_to_num(X[:, 3]) > 0.5)).astype(
        int
    )
    y = y + (X[:, 4] > 0.5)
    for est in (
        xgb.XGBClassifier(n_estimators=20, max_depth=6).fit(X, y),
        xgb.XGBClassifier(n_estimators=20, max_depth=6, tree_method="exact").fit(X, y),
        xgb.XGBRegressor(n_estimators=20, max_depth=6, tree_method="approx").fit(X, y * 1.5),
    ):
        T = threshold_sweep(est, X)
        check_same(est, T)
        check_same(est, as_f32(T), "float32")
        check_same(est, rows_near_thresholds(est, X, rng, n=500))


def test_nan_default_directions_both_ways():
    """NaN in training sends missing values left on some nodes, right on
    others; scoring NaN follows each node's default side."""
    rng = np.random.default_rng(22)
    X = rng.normal(size=(2000, 4))
    miss = rng.random(X.shape) < 0.2
    y = (np.where(miss[:, 0], 1, X[:, 0] > 0.3) ^ np.where(miss[:, 1], 0, X[:, 1] < -0.2)).astype(
        int
    )
    X[miss] = np.nan
    est = xgb.XGBClassifier(n_estimators=20, max_depth=4).fit(X, y)
    defaults = [
        d
        for t in trees_of(est)
        for d, lc in zip(t["default_left"], t["left_children"], strict=True)
        if lc != -1
    ]
    assert 0 < sum(defaults) < len(defaults), "want both default directions"
    T = scoring_rows(X, rng)
    T[rng.random(T.shape) < 0.3] = np.nan
    check_same(est, T)
    check_same(est, np.full((3, 4), np.nan))
    # a model trained without NaN still has default sides (left by default)
    est2 = xgb.XGBClassifier(n_estimators=10, max_depth=4).fit(np.nan_to_num(X), y)
    check_same(est2, T)


def test_float32_float64_dataframe_single_row_and_zero_rows(clf_data):
    pd = pytest.importorskip("pandas")
    X, y = clf_data
    df = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    est = xgb.XGBClassifier(n_estimators=15, max_depth=4).fit(df, y)
    m = check_same(est, df)
    assert list(m.feature_names_in_) == list(df.columns)
    check_same(est, df.astype(np.float32))
    check_same(est, X)  # plain arrays too
    check_same(est, as_f32(X))
    check_same(est, np.asfortranarray(X))
    check_same(est, X[::3])  # non-contiguous rows
    for i in (0, 7, 11):
        check_same(est, X[i : i + 1])
        check_same(est, df.iloc[i : i + 1])
    check_same(est, np.full((1, X.shape[1]), 1e300))
    check_same(est, np.full((1, X.shape[1]), -0.0))
    # XGBoost scores zero rows (an empty result); skscore refuses them with a ValueError
    assert est.predict(X[:0]).shape == (0,)
    with pytest.raises(ValueError, match="0 sample"):
        m.predict(X[:0])


def test_hypothesis_special_values():
    """Random rows of float32 specials and threshold neighbours."""
    hyp = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")
    rng = np.random.default_rng(23)
    X = with_missing(rng.normal(size=(800, 3)), 0.1, 23)
    y = (np.nan_to_num(X[:, 0]) + np.nan_to_num(X[:, 1]) * X[:, 2].clip(-1, 1) > 0).astype(int)
    est = xgb.XGBClassifier(n_estimators=10, max_depth=4).fit(X, y)
    m = skscore.load(skscore.dumps(est))
    cands = np.unique(
        np.concatenate(
            [SPECIALS, *f32_neighbours(np.concatenate(list(split_thresholds(est).values())))]
        )
    )
    value = st.one_of(
        st.sampled_from(sorted(cands.tolist(), key=repr)),
        st.floats(width=32),
        st.floats(allow_nan=True, allow_infinity=True),
    )

    @hyp.settings(max_examples=150, deadline=None, database=None)
    @hyp.given(st.lists(st.lists(value, min_size=3, max_size=3), min_size=1, max_size=4))
    def run(rows):
        T = np.asarray(rows, dtype=np.float64)
        assert_exact(m.decision_function(T), est.predict(T, output_margin=True))
        assert_exact(m.predict_proba(T), est.predict_proba(T))

    run()


# -------------------------------------------------------------- categories


def categorical_frame(n, seed, strings=("red", "green", "blue", "teal", "plum", None)):
    import pandas as pd

    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "color": pd.Categorical(rng.choice(np.array(strings, dtype=object), n)),
            "size": pd.Categorical(rng.choice([3, 5, 7, 11, 13], n)),
            "z": rng.normal(size=n),
        }
    )
    df.loc[::13, "x"] = np.nan
    df.loc[::17, "size"] = np.nan
    y = (
        (df["color"].isin(["red", "blue"])).to_numpy() ^ (df["size"].isin([5, 13])).to_numpy()
    ).astype(int)
    y = y + (df["x"].fillna(0).to_numpy() > 1)
    return df, np.minimum(y, 1)


@pytest.mark.parametrize("onehot", [1, 64])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "regressor"])
def test_pandas_categorical(onehot, kind, write):
    import pandas as pd

    df, y = categorical_frame(2500, 24)
    if kind == "multiclass":
        y = y + 2 * (df["z"].to_numpy() > 0.5)
    Est = xgb.XGBRegressor if kind == "regressor" else xgb.XGBClassifier
    est = Est(n_estimators=20, max_depth=4, enable_categorical=True, max_cat_to_onehot=onehot).fit(
        df, y
    )
    assert categorical_split_sets(est)
    sizes = {len(s) for s in categorical_split_sets(est)}
    if onehot > 1:
        assert sizes == {1}  # one-hot splits: one category each
    m = check_same(est, df)
    assert m.info()["string_columns"] == [1]
    rng = np.random.default_rng(25)
    # numeric columns near thresholds, categories as trained
    T = df.copy()
    zeros = np.zeros(len(df))
    near = rows_near_thresholds(est, np.c_[df["x"], zeros, zeros, df["z"]], rng, n=len(df))
    T["x"], T["z"] = near[:, 0], near[:, 3]
    check_same(est, T)
    # the same values under other category orders (XGBoost re-codes by value)
    R = df.copy()
    R["color"] = R["color"].cat.reorder_categories(list(reversed(R["color"].cat.categories)))
    R["size"] = pd.Categorical(R["size"].astype("Int64"), categories=[13, 11, 7, 5, 3])
    check_same(est, R)
    # a subset of the categories, missing values, one row
    S = pd.DataFrame(
        {
            "x": [0.1, np.nan, -1.0, 2.0],
            "color": pd.Categorical(["red", None, "teal", np.nan]),
            "size": pd.Categorical([5, 3, None, 13]),
            "z": [0.0, -0.0, np.inf, np.nan],
        }
    )
    check_same(est, S)
    check_same(est, S.iloc[2:3])
    # all missing
    check_same(
        est,
        pd.DataFrame(
            {
                "x": [np.nan],
                "color": pd.Categorical([None], categories=["red"]),
                "size": pd.Categorical([np.nan], categories=[3]),
                "z": [np.nan],
            }
        ),
    )
    assert skscore.validate(est, write(est), df).passed


def test_unseen_category_is_an_error():
    """A category not seen in training is a ValueError naming the value.
    XGBoost 3.2's re-coder reports only unseen values that sort after every
    training category ("zz"); others ("aaa", "mauve") it silently scores as
    some training category."""
    import pandas as pd

    df, y = categorical_frame(1500, 26)
    est = xgb.XGBClassifier(n_estimators=10, enable_categorical=True, max_cat_to_onehot=1).fit(
        df, y
    )
    m = skscore.load(skscore.dumps(est))
    for unseen in ("zz", "mauve", "aaa"):
        bad = df.iloc[:3].copy()
        bad["color"] = pd.Categorical(["red", unseen, "blue"])
        if unseen == "zz":
            with pytest.raises(xgb.core.XGBoostError, match="not in the training set"):
                est.predict(bad)
        for method in (m.predict, m.predict_proba, m.decision_function):
            with pytest.raises(ValueError, match=unseen):
                method(bad)
    bad_int = df.iloc[:3].copy()
    bad_int["size"] = pd.Categorical([3, 4000, 5])
    with pytest.raises(ValueError, match="4000"):
        m.predict(bad_int)
    # a category in the dtype that no row holds: XGBoost refuses the frame,
    # skscore scores the values
    extra = df.iloc[:4].copy()
    extra["color"] = pd.Categorical(extra["color"], categories=[*df["color"].cat.categories, "zz"])
    with pytest.raises(xgb.core.XGBoostError, match="not in the training set"):
        est.predict(extra)
    assert_exact(m.predict_proba(extra), est.predict_proba(df.iloc[:4]))


def test_integer_categories():
    """Integer categories, negative and beyond 255 as values (codes are
    their positions). XGBoost refuses float categories ("consider using
    strings or integers")."""
    import pandas as pd

    rng = np.random.default_rng(27)
    n = 2000
    df = pd.DataFrame(
        {
            "i": pd.Categorical(rng.choice([-4, 0, 2, 9, 100, 255, 1000], n)),
            "j": pd.Categorical(rng.choice([10, 20, 30, 40], n)),
            "x": rng.normal(size=n),
        }
    )
    y = (df["i"].isin([0, 9, 1000]).to_numpy() ^ df["j"].isin([20, 40]).to_numpy()).astype(int)
    for onehot in (1, 8):
        est = xgb.XGBClassifier(
            n_estimators=15, max_depth=4, enable_categorical=True, max_cat_to_onehot=onehot
        ).fit(df, y)
        check_same(est, df)
        sub = pd.DataFrame(
            {
                "i": pd.Categorical([1000, -4, None]),
                "j": pd.Categorical([40, None, 10]),
                "x": [0.0, 1.0, np.nan],
            }
        )
        check_same(est, sub)


@pytest.mark.parametrize("onehot", [1, 64])
def test_numpy_feature_types_categorical_codes(onehot, write):
    """feature_types=["c", "q", ...] on arrays: codes are used directly.
    Negative codes, codes >= the number of categories, non-integers, NaN
    and infinities follow XGBoost's Decision rule."""
    rng = np.random.default_rng(28)
    n = 3000
    X = np.c_[rng.integers(0, 20, n), rng.normal(size=n), rng.integers(0, 6, n)].astype(float)
    X[::17, 0] = np.nan
    X[::19, 2] = np.nan
    y = (np.isin(X[:, 0], [1, 4, 7, 9, 15]) ^ (X[:, 1] > 0) ^ (X[:, 2] == 3)).astype(int)
    for Est in (xgb.XGBClassifier, xgb.XGBRegressor):
        est = Est(
            n_estimators=15,
            max_depth=4,
            feature_types=["c", "q", "c"],
            enable_categorical=True,
            max_cat_to_onehot=onehot,
        ).fit(X, y)
        assert categorical_split_sets(est)
        codes = [
            -1,
            -0.5,
            -0.0,
            0.0,
            0.3,
            2.7,
            4.0,
            4.2,
            4.9999,
            19,
            20,
            25,
            255,
            256,
            1e10,
            np.nan,
            np.inf,
            -np.inf,
            2.0**24 - 1,
            2.0**24,
            2.0**31,
            2.0**32 + 4,
            1e300,
            -1e300,
            1e-45,
        ]
        odd = np.array(
            [[c, q, c2] for c in codes for q in (0.0, 1.0) for c2 in (3.0, 3.5, -3.0, 7.0)]
        )
        check_same(est, X)
        check_same(est, odd)
        check_same(est, as_f32(odd))
        assert skscore.validate(est, write(est), odd).passed


def test_non_ascii_string_categories():
    import pandas as pd

    rng = np.random.default_rng(29)
    n = 1500
    df = pd.DataFrame(
        {"c": pd.Categorical(rng.choice(["a", "b", "café", "日本"], n)), "x": rng.normal(size=n)}
    )
    y = (df["c"].isin(["café", "b"]).to_numpy() ^ (df["x"] > 1).to_numpy()).astype(int)
    est = xgb.XGBClassifier(n_estimators=10, enable_categorical=True, max_cat_to_onehot=1).fit(
        df, y
    )
    # XGBoost 3.2 counts string category offsets in characters but keeps
    # bytes ('café', '日本' -> offsets [..,6,8], 8 bytes): the names are cut
    # short in its model, so skscore refuses them with a message.
    with pytest.raises(TypeError, match="beyond ASCII"):
        skscore.dumps(est)


# ------------------------------------------------------------ deep and wide


def test_deep_model():
    X, y = make_regression(
        n_samples=4000, n_features=10, n_informative=10, noise=1.0, random_state=30
    )
    X = with_missing(X, 0.02, 30)
    est = xgb.XGBRegressor(
        n_estimators=8, max_depth=14, min_child_weight=0, reg_lambda=0.0, learning_rate=1.0
    ).fit(X, y)
    m = skscore.load(skscore.dumps(est))
    assert m.info()["max_depth"] >= 12
    rng = np.random.default_rng(31)
    check_same(est, scoring_rows(X, rng))
    check_same(est, rows_near_thresholds(est, X, rng, n=2000))
    check_same(est, X)


def test_wide_model():
    X, y = make_classification(
        n_samples=1500, n_features=300, n_informative=60, n_classes=3, random_state=32
    )
    X = with_missing(X, 0.01, 32)
    est = xgb.XGBClassifier(n_estimators=10, max_depth=6, colsample_bytree=0.5).fit(X, y)
    assert skscore.load(skscore.dumps(est)).info()["n_features"] == 300
    rng = np.random.default_rng(33)
    check_same(est, scoring_rows(X, rng))
    check_same(est, rows_near_thresholds(est, X, rng, n=500))


# ------------------------------------------------------------------ validate


def test_validate_representative_models(clf_data, reg_data, write):
    X, y = clf_data
    Xr, yr = reg_data
    rng = np.random.default_rng(34)
    models = [
        (xgb.XGBClassifier(n_estimators=10).fit(X, y % 2), X),
        (xgb.XGBClassifier(n_estimators=10).fit(X, y), X),
        (xgb.XGBClassifier(n_estimators=10, objective="multi:softmax").fit(X, y), X),
        (xgb.XGBRegressor(n_estimators=10, objective="reg:gamma").fit(Xr, np.exp(yr / 300)), Xr),
    ]
    for est, data in models:
        for T in (scoring_rows(data, rng), rows_near_thresholds(est, data, rng), as_f32(data)):
            report = skscore.validate(est, write(est), T)
            assert report.passed, str(report)


def test_validate_notices_a_different_model(clf_data, write):
    X, y = clf_data
    a = xgb.XGBClassifier(n_estimators=10, random_state=0).fit(X, y % 2)
    b = xgb.XGBClassifier(n_estimators=10, random_state=0, max_depth=2).fit(X, y % 2)
    assert not skscore.validate(a, write(b), X).passed


def test_pipeline(clf_data, write):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = clf_data
    pipe = make_pipeline(StandardScaler(), xgb.XGBClassifier(n_estimators=10, max_depth=3)).fit(
        X, y
    )
    path = write(pipe)
    report = skscore.validate(pipe, path, X)
    assert report.passed, str(report)
    m = skscore.load(path)
    assert_exact(m.predict_proba(X), pipe.predict_proba(X))


# ------------------------------------------------------------------ refusals


def test_refused_models():
    X, y = make_classification(n_samples=400, n_features=5, random_state=35)
    with pytest.raises(TypeError, match="dart"):
        skscore.dumps(xgb.XGBClassifier(n_estimators=3, booster="dart").fit(X, y))
    with pytest.raises(TypeError, match="gblinear"):
        skscore.dumps(xgb.XGBRegressor(n_estimators=3, booster="gblinear").fit(X, y))
    Y = np.c_[y, X[:, 0]]
    with pytest.raises(TypeError, match="multi_output_tree"):
        skscore.dumps(
            xgb.XGBRegressor(n_estimators=3, multi_strategy="multi_output_tree").fit(X, Y)
        )
    with pytest.raises(TypeError, match="missing"):
        skscore.dumps(xgb.XGBClassifier(n_estimators=3, missing=0.0).fit(X, y))
    with pytest.raises(TypeError, match="missing"):
        skscore.dumps(xgb.XGBRegressor(n_estimators=3, missing=-999.0).fit(X, y))
    ranker = xgb.XGBRanker(n_estimators=3).fit(X, y, qid=np.repeat(np.arange(40), 10))
    with pytest.raises(TypeError, match="XGBRanker"):
        skscore.dumps(ranker)
    with pytest.raises(TypeError, match="binary:hinge"):
        skscore.dumps(xgb.XGBClassifier(n_estimators=3, objective="binary:hinge").fit(X, y))
    with pytest.raises(TypeError, match="binary:hinge"):
        skscore.dumps(
            xgb.train({"objective": "binary:hinge"}, xgb.DMatrix(X, y), num_boost_round=3)
        )
    with pytest.raises(TypeError, match=r"XGBRanker|exports"):
        skscore.dumps(xgb.XGBRanker())  # not fitted, and not a predictor anyway


def test_refused_categories_beyond_255():
    rng = np.random.default_rng(36)
    n = 4000
    X = np.c_[rng.integers(0, 300, n), rng.normal(size=n)].astype(float)
    y = (np.isin(X[:, 0], np.arange(250, 300, 3)) ^ (X[:, 0] % 7 == 0)).astype(int)
    est = xgb.XGBClassifier(
        n_estimators=5,
        max_depth=3,
        feature_types=["c", "q"],
        enable_categorical=True,
        max_cat_to_onehot=1,
    ).fit(X, y)
    assert any(max(s) > 255 for s in categorical_split_sets(est) if s)
    with pytest.raises(TypeError, match=r"0\.\.255"):
        skscore.dumps(est)


def test_unfitted_is_an_error():
    with pytest.raises((TypeError, ValueError)):
        skscore.dumps(xgb.XGBClassifier())


# -------------------------------------------------------------------- format


def test_format_and_info(clf_data, write):
    X, y = clf_data
    for est in (
        xgb.XGBClassifier(n_estimators=5).fit(X, y),
        xgb.XGBRegressor(n_estimators=5).fit(X, y),
        xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, y % 2), num_boost_round=5),
    ):
        path = write(est)
        info = skscore.load(path).info()
        assert info["format_version"] == (1, 3)  # float32 arithmetic (1.2) and node covers (1.3)
        assert info["output_dtype"] == "float32"
        assert info["source"] == "xgboost" and info["source_version"] == xgb.__version__
        assert info["allow_nan"] and info["allow_inf"]
        # the file and the in-memory dump are the same model
        assert skscore.load(skscore.dumps(est)).checksum == skscore.load(path).checksum
    assert (
        skscore.load(write(xgb.XGBClassifier(n_estimators=5).fit(X, y))).info()["link"]
        == "softmax_f32"
    )


# ------------------------------------------------- other Booster objectives

@pytest.mark.parametrize(
    "objective",
    [
        "survival:cox",
        "survival:aft",  # exp in float64, rounded to float32
        "rank:pairwise",
        "rank:ndcg",
    ],
)
def test_survival_and_ranking_boosters(clf_data, objective, write):
    """Boosters with objectives whose prediction is a score: survival:cox
    and survival:aft (exp of the margin), rank:* (the margin)."""
    X, y = clf_data
    rng = np.random.default_rng(37)
    time_ = np.exp(np.nan_to_num(X[:, 0]) / 2) + y
    params = {"objective": objective, "max_depth": 4}
    if objective == "survival:cox":
        data = xgb.DMatrix(X, np.where(y == 0, -time_, time_))
    elif objective == "survival:aft":
        data = xgb.DMatrix(X)
        data.set_float_info("label_lower_bound", time_)
        data.set_float_info("label_upper_bound", np.where(y == 0, np.inf, time_))
        params["aft_loss_distribution"] = "normal"
    else:
        data = xgb.DMatrix(X, y, qid=np.arange(len(X)) // 15)
    booster = xgb.train(params, data, num_boost_round=15)
    T = scoring_rows(X, rng)
    for Z in (T, rows_near_thresholds(booster, X, rng), rng.normal(size=(20000, X.shape[1]))):
        check_booster(booster, Z)
    report = skscore.validate(booster, write(booster), finite_rows(T))
    assert report.passed, str(report)


def test_validate_booster_with_infinities(clf_data, write):
    X, y = clf_data
    booster = xgb.train({"objective": "binary:logistic"}, xgb.DMatrix(X, y % 2), num_boost_round=5)
    T = X[:20].copy()
    T[0, 0], T[1, 1] = np.inf, 1e300
    report = skscore.validate(booster, write(booster), T)
    assert report.passed, str(report)
