"""Describe scikit-learn's estimators for the engine: trees and forests,
gradient boosting, histogram gradient boosting, isolation forests and
linear models, from their fitted attributes (``tree_`` arrays,
``coef_``/``intercept_``, ``classes_``, ...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _skscore as _c
from .base import (
    BOOSTING,
    HIST_BOOSTING,
    LINEAR_CLASSIFIERS,
    OUTLIERS,
    SKLEARN_ESTIMATORS,
    TREE_CLASSIFIERS,
    TREE_REGRESSORS,
    XGBOOST_MODELS,
    labels,
)

# Where each supported class lives, to check the class itself (a subclass
# may score differently, so it is not accepted).
_MODULES = {
    **{name: "sklearn.tree" for name in ("DecisionTreeClassifier", "DecisionTreeRegressor")},
    **{
        name: "sklearn.ensemble"
        for name in (
            "RandomForestClassifier",
            "RandomForestRegressor",
            "ExtraTreesClassifier",
            "ExtraTreesRegressor",
            "GradientBoostingClassifier",
            "GradientBoostingRegressor",
        )
    },
    **{
        name: "sklearn.linear_model"
        for name in (
            "LinearRegression",
            "Ridge",
            "Lasso",
            "ElasticNet",
            "SGDRegressor",
            "LogisticRegression",
            "SGDClassifier",
        )
    },
    **{name: "sklearn.svm" for name in ("LinearSVC", "LinearSVR")},
    **{name: "sklearn.ensemble" for name in HIST_BOOSTING + OUTLIERS},
}


def class_name(estimator: Any) -> str:
    cls = type(estimator)
    name = cls.__name__
    module = _MODULES.get(name)
    if module is not None:
        try:
            expected = getattr(__import__(module, fromlist=[name]), name)
        except ImportError:  # pragma: no cover - sklearn is installed with its estimators
            expected = None
        if cls is expected:
            return name
    raise TypeError(
        f"skscore cannot export {cls.__module__}.{cls.__qualname__}: supported "
        f"estimators are {', '.join(SKLEARN_ESTIMATORS)} (scikit-learn >= 1.4); a Pipeline "
        "of supported preprocessing steps ending in one of them; LightGBM's LGBMClassifier, "
        "LGBMRegressor and Booster; and XGBoost's "
        f"{', '.join(n.split('.', 1)[1] for n in XGBOOST_MODELS[:-1])} and Booster "
        "(skscore.SUPPORTED lists them all)."
    )


def _tree(tree: Any, classifier: bool, n_values: int) -> dict[str, np.ndarray]:
    feature = np.array(tree.feature, dtype=np.int32)
    left = np.ascontiguousarray(tree.children_left, dtype=np.int32)
    feature[left == -1] = 0  # leaves have -2 (TREE_UNDEFINED); the engine ignores it
    value = np.asarray(tree.value, dtype=np.float64)  # (n_nodes, n_outputs, max_n_classes)
    value = value[:, 0, :n_values] if classifier else value[:, :, 0]
    out = {
        "left": left,
        "right": np.ascontiguousarray(tree.children_right, dtype=np.int32),
        "feature": feature,
        "threshold": np.ascontiguousarray(tree.threshold, dtype=np.float64),
        "value": np.ascontiguousarray(value),
        # the training weight at each node: what contributions (TreeSHAP)
        # weigh the branches a row does not take by, as shap does
        "cover": np.ascontiguousarray(tree.weighted_n_node_samples, dtype=np.float64),
    }
    missing = getattr(tree, "missing_go_to_left", None)
    if missing is not None:
        out["missing_left"] = np.ascontiguousarray(missing, dtype=np.uint8)
    return out


def _describe_trees(estimator: Any, name: str) -> dict[str, Any]:
    classifier = name in TREE_CLASSIFIERS
    single = name.startswith("DecisionTree")
    trees = [estimator] if single else list(estimator.estimators_)
    desc: dict[str, Any] = {
        "kind": _c.EST_TREES,
        "allow_nan": bool(estimator.__sklearn_tags__().input_tags.allow_nan),
        "aggregation": _c.AGG_SINGLE if single else _c.AGG_MEAN,
        "compare": _c.CMP_F32_LE,
    }
    if classifier:
        desc.update(labels(estimator))
        n_values = len(estimator.classes_)
        desc.update(task=_c.TASK_CLASSIFICATION, n_outputs=1, output_2d=False, link=_c.LINK_PROBA)
    else:
        n_values = int(estimator.n_outputs_)
        desc.update(
            task=_c.TASK_REGRESSION,
            n_outputs=n_values,
            output_2d=n_values > 1,
            link=_c.LINK_NONE,
            label_kind=_c.LABEL_NONE,
        )
    desc["n_values"] = n_values
    desc["trees"] = [_tree(t.tree_, classifier, n_values) for t in trees]
    return desc


def _describe_boosting(estimator: Any, name: str) -> dict[str, Any]:
    """GradientBoosting*: raw = init + sum over stages and classes of
    learning_rate * leaf value, in stage order (sklearn's predict_stages).

    Leaf values are stored already multiplied by the learning rate: the
    product sklearn forms at predict time, so the same double. The init
    estimator's raw prediction is stored as the base score; it must be a
    constant (the default prior/mean/quantile, or 'zero')."""
    from sklearn.dummy import DummyClassifier, DummyRegressor

    init = estimator.init_
    if not (isinstance(init, str) and init == "zero") and type(init) not in (DummyClassifier, DummyRegressor):
        raise TypeError(
            f"skscore exports {name} with the default init or init='zero'; this one's init is "
            f"{type(init).__name__}, whose predictions depend on X."
        )
    probe = np.zeros((1, int(estimator.n_features_in_)), dtype=np.float32)
    base = np.ascontiguousarray(estimator._raw_predict_init(probe)[0], dtype=np.float64)
    stages = estimator.estimators_  # (n_stages, K) regression trees
    n_stages, k = stages.shape
    lr = float(estimator.learning_rate)
    trees = []
    for i in range(n_stages):
        for j in range(k):
            t = _tree(stages[i, j].tree_, False, 1)
            t["value"] = np.ascontiguousarray(lr * t["value"])
            trees.append(t)
    desc: dict[str, Any] = {
        "kind": _c.EST_TREES,
        "allow_nan": bool(estimator.__sklearn_tags__().input_tags.allow_nan),
        "aggregation": _c.AGG_SUM,
        "compare": _c.CMP_F32_LE,
        "n_values": k,
        "base": base,
        "tree_output": np.tile(np.arange(k, dtype=np.int32), n_stages),
        "trees": trees,
    }
    if name == "GradientBoostingClassifier":
        desc.update(labels(estimator))
        n_classes = len(estimator.classes_)
        if n_classes > 2:
            link = _c.LINK_SOFTMAX
        elif estimator.loss == "exponential":
            link = _c.LINK_HALF_LOGISTIC
        else:
            link = _c.LINK_LOGISTIC
        # predict: class 1 when the raw score is >= 0 (sklearn's _gb.py).
        desc.update(task=_c.TASK_CLASSIFICATION, n_outputs=1, output_2d=False, link=link,
                    positive_at_zero=True)
    else:
        desc.update(task=_c.TASK_REGRESSION, n_outputs=1, output_2d=False, link=_c.LINK_NONE,
                    label_kind=_c.LABEL_NONE)
    return desc


def _describe_hist_boosting(estimator: Any, name: str) -> dict[str, Any]:
    """HistGradientBoosting*: float64 comparisons (no float32 cast), NaN
    sent by missing_go_to_left, leaf values that already include the
    learning rate; raw = (0 + baseline) + trees in iteration order, as
    _raw_predict does. Categorical splits carry two bitsets: the
    categories that go left, and the feature's known categories (unknown
    ones go the missing side). The estimator's own preprocessor (an
    OrdinalEncoder for its categorical features) is exported by describe()
    as preprocessing steps."""
    k = int(estimator.n_trees_per_iteration_)
    bitsets: list[np.ndarray] = []
    if any(p.nodes["is_categorical"].any() for it in estimator._predictors for p in it):
        known, f_idx_map = estimator._bin_mapper.make_known_categories_bitsets()
    base = np.zeros(k) + np.asarray(estimator._baseline_prediction, dtype=np.float64).reshape(-1)
    trees = []
    for iteration in estimator._predictors:
        for predictor in iteration:
            nodes = predictor.nodes
            leaf = nodes["is_leaf"].astype(bool)
            left = np.where(leaf, -1, nodes["left"]).astype(np.int32)
            right = np.where(leaf, -1, nodes["right"]).astype(np.int32)
            extra = {}
            categorical = nodes["is_categorical"].astype(bool) & ~leaf
            if categorical.any():
                cat = np.full(len(nodes), -1, dtype=np.int32)
                for i in np.flatnonzero(categorical):
                    feature = int(nodes["feature_idx"][i])
                    cat[i] = len(bitsets)
                    bitsets.append(np.concatenate([predictor.raw_left_cat_bitsets[nodes["bitset_idx"][i]],
                                                   known[f_idx_map[feature]]]))
                extra["cat"] = cat
            trees.append({
                **extra,
                "left": np.ascontiguousarray(left),
                "right": np.ascontiguousarray(right),
                "feature": np.ascontiguousarray(np.where(leaf, 0, nodes["feature_idx"]), dtype=np.int32),
                "threshold": np.ascontiguousarray(np.where(leaf, 0.0, nodes["num_threshold"]),
                                                  dtype=np.float64),
                "missing_left": np.ascontiguousarray(nodes["missing_go_to_left"], dtype=np.uint8),
                "value": np.ascontiguousarray(nodes["value"], dtype=np.float64).reshape(-1, 1),
                "cover": np.ascontiguousarray(nodes["count"], dtype=np.float64),
            })
    desc: dict[str, Any] = {
        "kind": _c.EST_TREES,
        "allow_nan": True,
        "allow_inf": True,  # validate_data(ensure_all_finite=False)
        "aggregation": _c.AGG_SUM,
        "compare": _c.CMP_F64_LE,
        "n_values": k,
        "base": np.ascontiguousarray(base),
        "tree_output": np.tile(np.arange(k, dtype=np.int32), len(estimator._predictors)),
        "trees": trees,
    }
    if bitsets:
        desc["cat_bitsets"] = np.ascontiguousarray(np.vstack(bitsets), dtype=np.uint32)
    if name == "HistGradientBoostingClassifier":
        desc.update(labels(estimator))
        link = _c.LINK_SOFTMAX if k > 1 else _c.LINK_LOGISTIC
        # predict: class 1 when the raw score is > 0 (not >= 0, unlike GradientBoosting).
        desc.update(task=_c.TASK_CLASSIFICATION, n_outputs=1, output_2d=False, link=link)
    else:
        loss = estimator.loss
        link = _c.LINK_EXP if loss in ("poisson", "gamma") else _c.LINK_NONE
        if loss not in ("squared_error", "absolute_error", "quantile", "poisson", "gamma"):
            raise TypeError(f"skscore cannot export {name} with loss={loss!r} yet.")
        desc.update(task=_c.TASK_REGRESSION, n_outputs=1, output_2d=False, link=link,
                    label_kind=_c.LABEL_NONE)
    return desc


def _describe_isolation_forest(estimator: Any) -> dict[str, Any]:
    """IsolationForest: per tree, a leaf's value is sklearn's
    decision_path_length + average_path_length - 1.0 (the same float64
    operations); trees read their own feature subset, mapped back to X's
    columns here. The engine sums them in tree order and applies
    -2 ** -(depths / denominator), minus offset_ for decision_function."""
    from sklearn.ensemble._iforest import _average_path_length

    trees = []
    for tree, features, dpl, apl in zip(estimator.estimators_, estimator.estimators_features_,
                                        estimator._decision_path_lengths,
                                        estimator._average_path_length_per_tree):
        t = _tree(tree.tree_, False, 1)
        leaf = t["left"] == -1
        t["feature"] = np.ascontiguousarray(
            np.where(leaf, 0, np.asarray(features)[t["feature"]]), dtype=np.int32)
        t["value"] = np.ascontiguousarray((dpl + apl - 1.0).reshape(-1, 1), dtype=np.float64)
        trees.append(t)
    denominator = float(len(estimator.estimators_) * _average_path_length([estimator._max_samples])[0])
    return {
        "kind": _c.EST_TREES,
        "allow_nan": bool(estimator.__sklearn_tags__().input_tags.allow_nan),
        "allow_inf": True,  # score_samples validates with ensure_all_finite=False
        "aggregation": _c.AGG_SUM,
        "compare": _c.CMP_F32_LE,
        "n_values": 1,
        "trees": trees,
        "task": _c.TASK_CLASSIFICATION,
        "n_outputs": 1,
        "output_2d": False,
        "label_kind": _c.LABEL_INT,
        "labels": np.array([-1, 1], dtype=np.int64),
        "label_dtype": "int64",
        "link": _c.LINK_ISOLATION,
        "link_params": np.array([denominator, float(estimator.offset_)], dtype=np.float64),
    }


def _logistic_link(estimator: Any, n_classes: int) -> int:
    """LogisticRegression's predict_proba, as the installed scikit-learn does it.

    scikit-learn >= 1.8 has no multi_class: binary models use expit, multiclass
    ones softmax. Older versions also had multi_class='ovr' (expit per class,
    normalized) and 'multinomial' (softmax, also for two classes); 'auto'
    meant OvR for binary problems and for the liblinear solver.
    """
    multi_class = estimator.get_params().get("multi_class", "deprecated")
    if multi_class == "multinomial":
        return _c.LINK_SOFTMAX if n_classes > 2 else _c.LINK_SOFTMAX_BINARY
    if n_classes <= 2:
        return _c.LINK_LOGISTIC
    if multi_class == "ovr" or (
        multi_class in ("auto", "deprecated", "warn")
        and estimator.get_params().get("solver") == "liblinear"
        and "multi_class" in estimator.get_params()
    ):
        return _c.LINK_LOGISTIC_OVR
    return _c.LINK_SOFTMAX


def _describe_linear(estimator: Any, name: str) -> dict[str, Any]:
    coef = np.asarray(estimator.coef_, dtype=np.float64)
    coef2 = np.ascontiguousarray(np.atleast_2d(coef))
    n_targets = coef2.shape[0]
    intercept = np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64))
    intercept = np.ascontiguousarray(np.broadcast_to(intercept, (n_targets,)))
    # scikit-learn fitted on float32 may keep float32 coef_/intercept_; then
    # X @ coef_.T runs in float32 for float32 X, and the result has the
    # result type of X, coef_ and intercept_.
    def dtype_of(a: Any) -> int:
        return _c.F32 if np.asarray(a).dtype == np.float32 else _c.F64
    desc: dict[str, Any] = {
        "kind": _c.EST_LINEAR,
        "allow_nan": False,
        "coef": coef2,
        "intercept": intercept,
        "coef_dtype": dtype_of(estimator.coef_),
        "intercept_dtype": dtype_of(estimator.intercept_),
    }
    if name in LINEAR_CLASSIFIERS:
        desc.update(labels(estimator))
        n_classes = len(estimator.classes_)
        link = _c.LINK_NONE
        if name == "LogisticRegression":
            link = _logistic_link(estimator, n_classes)
        elif name == "SGDClassifier":
            if estimator.loss == "log_loss":
                link = _c.LINK_LOGISTIC if n_classes <= 2 else _c.LINK_LOGISTIC_OVR
            elif estimator.loss == "modified_huber":
                link = _c.LINK_MODIFIED_HUBER
        desc.update(task=_c.TASK_CLASSIFICATION, n_outputs=1, output_2d=False, link=link)
    else:
        desc.update(
            task=_c.TASK_REGRESSION,
            n_outputs=n_targets,
            output_2d=coef.ndim == 2,
            link=_c.LINK_NONE,
            label_kind=_c.LABEL_NONE,
        )
    return desc


def describe_estimator(estimator: Any, name: str) -> dict[str, Any]:
    """The estimator part of the description of a supported estimator."""
    if name in TREE_CLASSIFIERS or name in TREE_REGRESSORS:
        return _describe_trees(estimator, name)
    if name in BOOSTING:
        return _describe_boosting(estimator, name)
    if name in HIST_BOOSTING:
        return _describe_hist_boosting(estimator, name)
    if name in OUTLIERS:
        return _describe_isolation_forest(estimator)
    return _describe_linear(estimator, name)
