"""Contributions (``m.contributions``): path-dependent TreeSHAP by the engine.

Against SHAP's TreeExplainer (``feature_perturbation="tree_path_dependent"``,
its compiled extension) for scikit-learn models, XGBoost's
``pred_contribs`` and LightGBM's ``pred_contrib``, on several data sets and
shapes (NaN, categorical features, string columns through pipelines,
multiclass, multi-output regression, float32 input, values on thresholds),
and local accuracy: bias + the contributions = the model's raw score.

Tolerances (docs/EXACTNESS.md, "Contributions"): scikit-learn and
LightGBM within 1e-9 relative of the reference, plus 1e-12 absolute for
values that cancel to near zero (both compute the same sums in float64,
in another order); XGBoost within 1e-5 of the contributions' scale (it
computes them in float32); local accuracy within 1e-12 relative for
float64 models.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import skscore

shap = pytest.importorskip("shap")
pd = pytest.importorskip("pandas")

from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.impute import SimpleImputer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    StandardScaler,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

RTOL, ATOL = 1e-9, 1e-12


def data(n=600, f=6, seed=0, nan=0.0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    X[:, 1] = np.round(X[:, 1], 1)  # repeated values: rows on thresholds
    if nan:
        X[rng.random(X.shape) < nan] = np.nan
    Z = np.nan_to_num(X)
    y_bin = (Z[:, 0] + Z[:, 1] * Z[:, 2] > 0).astype(int)
    y_multi = (Z[:, 0] > 0).astype(int) + (Z[:, 3] > 0.5) + (Z[:, 1] > 1)
    y_reg = 2 * Z[:, 0] + Z[:, 3] ** 2 + Z[:, 1] * Z[:, 4]
    return X, y_bin, y_multi, y_reg


def as_ours(sv, n_outputs):
    """SHAP's (n, features[, outputs]) as skscore's (n[, outputs], features)."""
    sv = np.asarray(sv)
    if sv.ndim == 3 and n_outputs > 1:
        return np.transpose(sv, (0, 2, 1))
    return sv.reshape(sv.shape[0], -1) if n_outputs == 1 else sv


def raw_score(m, est, X):
    """The raw score contributions explain: probabilities for probability
    trees, the margin for boosted classifiers, the prediction otherwise."""
    if hasattr(m, "decision_function") and not isinstance(est, IsolationForest):
        return m.decision_function(X)
    if hasattr(m, "predict_proba"):
        return m.predict_proba(X)
    return m.predict(X)


def check_against_shap(est, X, rows=80):
    m = skscore.load(skscore.dumps(est))
    c = m.contributions(X[:rows])
    explainer = shap.TreeExplainer(est, feature_perturbation="tree_path_dependent")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sv = explainer.shap_values(X[:rows], check_additivity=False)
    groups = c.shape[1] if c.ndim == 3 else 1
    ours = c[..., :-1]
    np.testing.assert_allclose(ours, as_ours(sv, groups), rtol=RTOL, atol=ATOL)
    bias = c[0, ..., -1]
    np.testing.assert_allclose(bias, np.ravel(explainer.expected_value)[:groups].reshape(bias.shape),
                               rtol=RTOL, atol=ATOL)
    raw = raw_score(m, est, X[:rows])
    np.testing.assert_allclose(c.sum(-1), raw.reshape(c.shape[:-1]), rtol=1e-12, atol=1e-12)
    return m, c


@pytest.mark.parametrize("make", [
    lambda X, yb, ym, yr: DecisionTreeRegressor(max_depth=8, random_state=0).fit(X, yr),
    lambda X, yb, ym, yr: DecisionTreeClassifier(max_depth=6, random_state=0).fit(X, ym),
    lambda X, yb, ym, yr: RandomForestRegressor(20, max_depth=9, random_state=0).fit(X, yr),
    lambda X, yb, ym, yr: RandomForestClassifier(20, max_depth=9, random_state=0).fit(X, yb),
    lambda X, yb, ym, yr: RandomForestClassifier(15, random_state=0).fit(X, ym),
    lambda X, yb, ym, yr: ExtraTreesRegressor(15, max_depth=8, random_state=0).fit(X, yr),
    lambda X, yb, ym, yr: ExtraTreesClassifier(15, max_depth=8, random_state=0).fit(X, ym),
    lambda X, yb, ym, yr: GradientBoostingClassifier(n_estimators=40, random_state=0).fit(X, yb),
    lambda X, yb, ym, yr: GradientBoostingRegressor(n_estimators=40, random_state=0).fit(X, yr),
    lambda X, yb, ym, yr: HistGradientBoostingRegressor(max_iter=40, random_state=0).fit(X, yr),
    lambda X, yb, ym, yr: HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(X, yb),
], ids=["dt-reg", "dt-multiclass", "rf-reg", "rf-binary", "rf-multiclass", "et-reg", "et-multiclass",
        "gb-binary", "gb-reg", "hgb-reg", "hgb-binary"])
@pytest.mark.parametrize("seed", [0, 1])
def test_scikit_learn_models_match_shap(make, seed):
    X, yb, ym, yr = data(seed=seed)
    check_against_shap(make(X, yb, ym, yr), X)


def test_nan_in_rows_follows_the_trees_missing_side():
    """HistGradientBoosting learns where NaN goes; the engine walks the same
    side for the row's own path (SHAP agrees here)."""
    X, yb, _, yr = data(nan=0.1, seed=3)
    check_against_shap(HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(X, yr), X)
    check_against_shap(RandomForestRegressor(10, max_depth=8, random_state=0).fit(X, yr), X)


def test_multiclass_boosting_and_multioutput_regression():
    X, _, ym, yr = data(seed=4)
    # SHAP explains binary GradientBoostingClassifiers only: local accuracy here
    m = skscore.load(skscore.dumps(GradientBoostingClassifier(n_estimators=15, random_state=0).fit(X, ym)))
    c = m.contributions(X[:80])
    assert c.shape == (80, 4, X.shape[1] + 1)
    np.testing.assert_allclose(c.sum(-1), m.decision_function(X[:80]), rtol=1e-12, atol=1e-12)
    est = RandomForestRegressor(10, max_depth=6, random_state=0).fit(X, np.c_[yr, -yr, X[:, 5]])
    m = skscore.load(skscore.dumps(est))
    c = m.contributions(X[:50])
    assert c.shape == (50, 3, X.shape[1] + 1)
    np.testing.assert_allclose(c.sum(-1), m.predict(X[:50]), rtol=1e-12, atol=1e-12)


def test_hist_gradient_boosting_categorical_features():
    rng = np.random.default_rng(5)
    n = 800
    X = pd.DataFrame({"color": pd.Categorical(rng.choice(["red", "green", "blue", "grey"], n)),
                      "size": rng.normal(size=n), "weight": rng.normal(size=n)})
    y = (X["size"] + (X["color"] == "red") * 2 > 0.5).astype(int)
    est = HistGradientBoostingClassifier(max_iter=30, categorical_features="from_dtype",
                                         random_state=0).fit(X, y)
    m = skscore.load(skscore.dumps(est))
    c = m.contributions(X[:100])
    assert c.shape == (100, 4)
    np.testing.assert_allclose(c.sum(-1), m.decision_function(X[:100]), rtol=1e-12, atol=1e-12)
    # the color column got its share where the trees split on it
    assert np.abs(c[:, 0]).max() > 0.1


def test_float32_input_walks_as_predict_does():
    X, yb, _, yr = data(seed=6)
    est = RandomForestRegressor(10, max_depth=8, random_state=0).fit(X, yr)
    m = skscore.load(skscore.dumps(est))
    X32 = X[:100].astype(np.float32)
    c32, c64 = m.contributions(X32), m.contributions(X32.astype(np.float64))
    assert c32.dtype == np.float64
    np.testing.assert_array_equal(c32, c64)  # trees compare float32(x) either way
    np.testing.assert_allclose(c32.sum(-1), m.predict(X32), rtol=1e-12, atol=1e-12)


def test_threads_do_not_change_the_bits():
    X, yb, _, _ = data(n=2000, seed=7)
    est = RandomForestClassifier(30, max_depth=10, random_state=0).fit(X, yb)
    m = skscore.load(skscore.dumps(est))
    a, b = m.contributions(X, n_threads=1), m.contributions(X, n_threads=2)
    assert a.tobytes() == b.tobytes()


def test_isolation_forest_explains_its_summed_path_lengths():
    from sklearn.ensemble._iforest import _average_path_length

    X, *_ = data(seed=8)
    est = IsolationForest(n_estimators=20, random_state=0).fit(X)
    m = skscore.load(skscore.dumps(est))
    c = m.contributions(X[:100])
    denominator = len(est.estimators_) * _average_path_length([est._max_samples])[0]
    depths = -np.log2(-m.score_samples(X[:100])) * denominator
    np.testing.assert_allclose(c.sum(-1), depths, rtol=1e-9)


def test_pipeline_contributions_are_per_input_column():
    rng = np.random.default_rng(9)
    n = 1200
    X = pd.DataFrame({"age": rng.normal(40, 10, n), "income": rng.lognormal(10, 1, n),
                      "city": rng.choice(["paris", "rome", "oslo"], n).astype(object),
                      "plan": rng.choice(["free", "pro"], n).astype(object)})
    X.loc[rng.random(n) < 0.05, "age"] = np.nan
    y = ((X.income > 2e4) | (X.city == "rome")).astype(int)
    pipe = make_pipeline(
        make_column_transformer(
            (OneHotEncoder(handle_unknown="ignore"), ["city"]),
            (OrdinalEncoder(), ["plan"]),
            (make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), ["age"]),
            remainder="passthrough"),
        RandomForestClassifier(20, max_depth=7, random_state=0)).fit(X, y)
    m = skscore.load(skscore.dumps(pipe))
    c = m.contributions(X[:100])
    assert c.shape == (100, 2, 5)  # age, income, city, plan + bias
    assert m.info()["outputs"]["contributions"]["names"] == ["age", "income", "city", "plan", "bias"]
    Xt = pipe[:-1].transform(X[:100])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sv = np.asarray(shap.TreeExplainer(pipe[-1], feature_perturbation="tree_path_dependent")
                        .shap_values(Xt, check_additivity=False))
    names = list(pipe[:-1].get_feature_names_out())
    for j, col in enumerate(["age", "income", "city", "plan"]):
        derived = [i for i, name in enumerate(names) if name.split("__")[1].startswith(col)
                   or name.endswith("indicator_" + col)]
        assert derived, col
        np.testing.assert_allclose(c[:, :, j], sv[:, derived, :].sum(axis=1), rtol=RTOL, atol=ATOL)
    np.testing.assert_allclose(c.sum(-1), m.predict_proba(X[:100]), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("step", [PolynomialFeatures(2), Normalizer()])
def test_steps_that_mix_columns_are_refused_with_their_reason(step):
    X, yb, *_ = data(seed=10)
    m = skscore.load(skscore.dumps(make_pipeline(step, RandomForestClassifier(5, random_state=0))
                                   .fit(X, yb)))
    assert not hasattr(m, "contributions")
    with pytest.raises(AttributeError, match="several input columns"):
        m.contributions(X[:2])


def test_a_one_column_polynomial_is_still_one_column():
    X, yb, *_ = data(seed=11)
    m = skscore.load(skscore.dumps(make_pipeline(PolynomialFeatures(3),
                                                 RandomForestClassifier(5, random_state=0))
                                   .fit(X[:, :1], yb)))
    c = m.contributions(X[:20, :1])
    assert c.shape == (20, 2, 2)
    np.testing.assert_allclose(c.sum(-1), m.predict_proba(X[:20, :1]), rtol=1e-12, atol=1e-12)


def test_linear_models_and_files_without_covers_say_why():
    X, yb, *_ = data(seed=12)
    lin = skscore.load(skscore.dumps(LogisticRegression().fit(X, yb)))
    with pytest.raises(AttributeError, match="tree models"):
        lin.contributions(X[:2])
    from skscore import _skscore
    from skscore.exporters import describe

    est = RandomForestClassifier(5, random_state=0).fit(X, yb)
    desc = describe(est)
    for t in desc["trees"]:
        t.pop("cover")
    old = skscore.load(_skscore._serialize(desc))
    assert old.info()["format_version"] < (1, 3)
    assert not hasattr(old, "contributions")
    with pytest.raises(AttributeError, match="export the 'RandomForestClassifier' again"):
        old.contributions(X[:2])
    np.testing.assert_array_equal(old.predict_proba(X), est.predict_proba(X))  # still scores
    new = skscore.load(skscore.dumps(est))
    assert new.info()["format_version"] == (1, 3)
    assert new.info()["outputs"]["contributions"]["names"] == [f"x{i}" for i in range(X.shape[1])] + ["bias"]


def test_bad_covers_are_refused_at_the_boundary():
    X, yb, *_ = data(seed=13)
    from skscore import _skscore
    from skscore.exporters import describe

    est = RandomForestClassifier(3, max_depth=3, random_state=0).fit(X, yb)
    for bad in (np.nan, -1.0, 0.0):
        desc = describe(est)
        desc["trees"][1]["cover"] = desc["trees"][1]["cover"].copy()
        desc["trees"][1]["cover"][0] = bad  # the root: a split
        with pytest.raises(ValueError, match="cover"):
            _skscore._serialize(desc)
    desc = describe(est)
    desc["trees"][2].pop("cover")
    with pytest.raises(ValueError, match="every tree or none"):
        _skscore._serialize(desc)


def test_xgboost_matches_pred_contribs_within_float32():
    xgb = pytest.importorskip("xgboost")
    X, yb, ym, yr = data(n=1500, nan=0.05, seed=14)
    for est in (xgb.XGBClassifier(n_estimators=40, max_depth=5).fit(X, yb),
                xgb.XGBClassifier(n_estimators=15, max_depth=4).fit(X, ym),
                xgb.XGBRegressor(n_estimators=30, max_depth=6).fit(X, yr)):
        m = skscore.load(skscore.dumps(est))
        c = m.contributions(X[:200])
        ref = est.get_booster().predict(xgb.DMatrix(X[:200]), pred_contribs=True)
        assert c.shape == ref.shape
        scale = np.abs(ref).max()
        np.testing.assert_allclose(c, ref, rtol=0, atol=1e-5 * scale)


def test_lightgbm_matches_pred_contrib():
    lgb = pytest.importorskip("lightgbm")
    X, yb, ym, yr = data(n=1500, nan=0.05, seed=15)
    for est in (lgb.LGBMClassifier(n_estimators=40, verbose=-1).fit(X, yb),
                lgb.LGBMClassifier(n_estimators=15, verbose=-1).fit(X, ym),
                lgb.LGBMRegressor(n_estimators=30, verbose=-1).fit(X, yr)):
        m = skscore.load(skscore.dumps(est))
        c = m.contributions(X[:200])
        ref = np.asarray(est.predict(X[:200], pred_contrib=True)).reshape(c.shape)
        np.testing.assert_allclose(c, ref, rtol=RTOL, atol=ATOL)
        np.testing.assert_allclose(c.sum(-1), m.decision_function(X[:200]) if hasattr(m, "decision_function")
                                   else m.predict(X[:200]), rtol=1e-12, atol=1e-12)


# --- Against Shapley's definition itself, by brute force ---------------------

def tree_value(tree, x, coalition, node=0):
    """Algorithm 1 of Lundberg et al.: the tree's expected output given the
    features in coalition, the others averaged over the training covers."""
    t = tree.tree_
    if t.children_left[node] < 0:
        return t.value[node].ravel()
    j, left, right = t.feature[node], t.children_left[node], t.children_right[node]
    if j in coalition:
        goes_left = (x[j] <= t.threshold[node]) if not np.isnan(x[j]) else bool(t.missing_go_to_left[node])
        return tree_value(tree, x, coalition, left if goes_left else right)
    w = t.weighted_n_node_samples
    return (w[left] * tree_value(tree, x, coalition, left) + w[right] * tree_value(tree, x, coalition, right)) / w[node]


def brute_force_shapley(trees, x, n_features):
    """Exact Shapley values of the trees' mean under path-dependent
    expectations, by enumerating every coalition (2^n_features of them)."""
    from itertools import combinations
    from math import factorial

    def value(coalition):
        return np.mean([tree_value(t, x, coalition) for t in trees], axis=0)

    cache = {}
    for size in range(n_features + 1):
        for s in combinations(range(n_features), size):
            cache[frozenset(s)] = value(frozenset(s))
    phi = []
    for i in range(n_features):
        total = 0
        for s, v in cache.items():
            if i in s:
                continue
            weight = factorial(len(s)) * factorial(n_features - len(s) - 1) / factorial(n_features)
            total = total + weight * (cache[s | {i}] - v)
        phi.append(total)
    return np.array(phi).T, cache[frozenset()]  # (outputs, features), bias


@pytest.mark.parametrize("case", ["deep-regressor", "zero-weight-leaves", "nan-forest"])
def test_contributions_are_the_shapley_values_by_brute_force(case):
    """Against the definition, not another implementation: every coalition
    enumerated (7 features, 128 coalitions), on deep trees where a feature
    repeats many times along a path, on leaves that no weighted training
    row reached (cover 0: SHAP divides by it), and on NaN rows."""
    rng = np.random.default_rng(7)
    nf = 7
    X = rng.normal(size=(400, nf))
    X[:, 2] = np.round(X[:, 2])  # few values: rows on thresholds
    y = X[:, 0] * X[:, 1] + np.sin(3 * X[:, 2]) + (X[:, 3] > 0)
    if case == "deep-regressor":
        trees = [DecisionTreeRegressor(random_state=0).fit(X, y)]
        est = trees[0]
    elif case == "zero-weight-leaves":
        # scikit-learn grows no leaf of weight 0; take every fifth leaf's
        # weight away (from its ancestors too), as a file may hold them.
        est = DecisionTreeRegressor(max_depth=10, random_state=0).fit(X, y)
        t = est.tree_
        parent = {c: p for p in range(t.node_count) for c in (t.children_left[p], t.children_right[p]) if c >= 0}
        w = t.weighted_n_node_samples  # scikit-learn's own array: writable
        for leaf in np.flatnonzero(t.children_left < 0)[::5]:
            lost, node = w[leaf], leaf
            while node in parent:
                node = parent[node]
                w[node] -= lost
            w[leaf] = 0
        assert (w[t.children_left >= 0] > 0).all()
        trees = [est]
    else:
        X[rng.random(X.shape) < 0.15] = np.nan
        est = RandomForestClassifier(5, max_depth=12, random_state=0).fit(X, (y > 0.5).astype(int))
        trees = est.estimators_
    m = skscore.load(skscore.dumps(est))
    rows = X[:25]
    c = m.contributions(rows)
    for r, x in enumerate(rows):
        phi, bias = brute_force_shapley(trees, x, nf)
        ours = c[r] if c.ndim == 3 else c[r][None, :]
        np.testing.assert_allclose(ours[:, :-1], phi.reshape(ours.shape[0], nf), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours[:, -1], np.ravel(bias), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("max_depth", [None, 14, 22])
def test_deep_trees_over_many_features_match_shap(max_depth):
    """Many distinct features on a path (up to ~30): the engine's walk
    integrates with more Gauss points than its specialised walks take."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(3000, 40))
    y = X[:, :10].sum(axis=1) + X[:, 10] * X[:, 11]
    est = DecisionTreeRegressor(max_depth=max_depth, random_state=0).fit(X, y)
    check_against_shap(est, X, rows=40)
    est = RandomForestClassifier(4, max_depth=max_depth, max_features=0.5, random_state=0).fit(X, (y > 0) + (y > 2))
    check_against_shap(est, X, rows=40)
