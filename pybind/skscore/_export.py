"""Export fitted scikit-learn estimators to skscore model files.

This module only *describes* an estimator: it reads the fitted attributes
(``tree_`` arrays, ``coef_``/``intercept_``, ``classes_``, ...) and builds a
neutral description, a dict of plain values and contiguous NumPy arrays
whose keys are the fields of the engine's ``sks_desc`` (``skscore.h``). The
engine validates that description and writes the file; the file format
lives in the engine alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import _lightgbm, _prep, _xgboost
from . import _skscore as _c

TREE_CLASSIFIERS = (
    "DecisionTreeClassifier",
    "RandomForestClassifier",
    "ExtraTreesClassifier",
)
TREE_REGRESSORS = (
    "DecisionTreeRegressor",
    "RandomForestRegressor",
    "ExtraTreesRegressor",
)
LINEAR_CLASSIFIERS = ("LogisticRegression", "SGDClassifier", "LinearSVC")
LINEAR_REGRESSORS = (
    "LinearRegression",
    "Ridge",
    "Lasso",
    "ElasticNet",
    "SGDRegressor",
    "LinearSVR",
)
BOOSTING = ("GradientBoostingClassifier", "GradientBoostingRegressor")
HIST_BOOSTING = ("HistGradientBoostingClassifier", "HistGradientBoostingRegressor")
OUTLIERS = ("IsolationForest",)
SKLEARN_ESTIMATORS = (
    TREE_CLASSIFIERS
    + TREE_REGRESSORS
    + BOOSTING
    + HIST_BOOSTING
    + OUTLIERS
    + LINEAR_REGRESSORS
    + LINEAR_CLASSIFIERS
)
LIGHTGBM_MODELS = ("lightgbm.LGBMClassifier", "lightgbm.LGBMRegressor", "lightgbm.Booster")
XGBOOST_MODELS = (*(f"xgboost.{name}" for name in _xgboost.SKLEARN_CLASSES), "xgboost.Booster")
# What a Pipeline may end in (after the preprocessing of _prep).
FINAL_ESTIMATORS = SKLEARN_ESTIMATORS + LIGHTGBM_MODELS + XGBOOST_MODELS
# Everything export() takes, named as Model.estimator names it: scikit-learn
# estimators by class name, Pipeline, LightGBM and XGBoost models by module
# and class (a Pipeline's steps: _prep.SUPPORTED_TRANSFORMERS).
SUPPORTED = (*SKLEARN_ESTIMATORS, "Pipeline", *LIGHTGBM_MODELS, *XGBOOST_MODELS)

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


def _supported_class_name(estimator: Any) -> str:
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


def foreign(estimator: Any) -> Any:
    """The module that describes a LightGBM or XGBoost model, or None."""
    return next((m for m in (_lightgbm, _xgboost) if m.owns(estimator)), None)


def _check_fitted(estimator: Any) -> None:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)


def _feature_names(
    owner: str, n_features: int, fitted: Sequence[Any] | None, feature_names: Sequence[str] | None
) -> list[str] | None:
    """The names to store: the ones given (checked), else the model's own
    (``fitted``: feature_names_in_, or None)."""
    if feature_names is None:
        return None if fitted is None else [str(n) for n in fitted]
    if isinstance(feature_names, str):
        raise TypeError("feature_names must be a sequence of str, not a str")
    names = list(feature_names)
    if len(names) != n_features:
        raise ValueError(f"feature_names has {len(names)} names, but {owner} has {n_features} features.")
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"feature_names must all be str, got {type(name).__name__}: {name!r}")
    if len(set(names)) != len(names):
        raise ValueError("feature_names must be unique")
    return names


def _metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict of str to str, not {type(metadata).__name__}")
    out = {}
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(
                f"metadata must map str to str; got {type(key).__name__} -> "
                f"{type(value).__name__} for key {key!r}"
            )
        out[key] = value
    return out


def _labels(estimator: Any) -> dict[str, Any]:
    """label_kind, labels and label_dtype from classes_."""
    classes = estimator.classes_
    if isinstance(classes, list) or getattr(estimator, "n_outputs_", 1) != 1:
        raise ValueError(
            f"skscore does not export multi-output classifiers ({type(estimator).__name__} "
            "was fitted on a 2-D y)."
        )
    classes = np.asarray(classes)
    dtype = classes.dtype
    kind = dtype.kind
    if kind in "iub":
        if kind == "u" and classes.size and classes.max() > np.iinfo(np.int64).max:
            raise ValueError("class labels above 2**63 - 1 are not supported")
        return {
            "label_kind": _c.LABEL_INT,
            "labels": classes.astype(np.int64),
            "label_dtype": str(dtype),
        }
    if kind == "f":
        return {
            "label_kind": _c.LABEL_FLOAT,
            "labels": classes.astype(np.float64),
            "label_dtype": str(dtype),
        }
    if kind in "US":
        values = [v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in classes]
        return {"label_kind": _c.LABEL_STR, "labels": values, "label_dtype": str(dtype)}
    if kind == "O":
        items = list(classes)
        if all(isinstance(v, str) for v in items):
            return {"label_kind": _c.LABEL_STR, "labels": items, "label_dtype": "object"}
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return {
                "label_kind": _c.LABEL_INT,
                "labels": np.array(items, dtype=np.int64),
                "label_dtype": "object",
            }
        if all(isinstance(v, (float, np.floating)) for v in items):
            return {
                "label_kind": _c.LABEL_FLOAT,
                "labels": np.array(items, dtype=np.float64),
                "label_dtype": "object",
            }
    raise TypeError(
        f"class labels must be all int, all float, all bool or all str; "
        f"{type(estimator).__name__}.classes_ is {classes!r}"
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
        desc.update(_labels(estimator))
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
        desc.update(_labels(estimator))
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
        desc.update(_labels(estimator))
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
        desc.update(_labels(estimator))
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


def _names_of(estimator: Any, feature_names: Sequence[str] | None) -> list[str] | None:
    """_feature_names for a scikit-learn estimator or Pipeline."""
    return _feature_names(type(estimator).__name__, int(estimator.n_features_in_),
                          getattr(estimator, "feature_names_in_", None), feature_names)


def describe(
    estimator: Any,
    *,
    feature_names: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Return the neutral description of a fitted estimator (the fields of the
    engine's ``sks_desc``) that :func:`export` hands to the engine."""
    pipeline = None
    transformers: list[Any] = []
    if type(estimator).__name__ == "Pipeline" and type(estimator).__module__.startswith("sklearn."):
        pipeline = estimator
        _check_fitted(pipeline)
        transformers = [t for _, t in pipeline.steps[:-1]]
        estimator = pipeline.steps[-1][1]
        if estimator is None or (isinstance(estimator, str) and estimator == "passthrough"):
            raise TypeError("skscore needs a Pipeline that ends in an estimator")
    # HistGradientBoosting with categorical features encodes them itself
    # (an OrdinalEncoder in its _preprocessor): exported as a last step.
    own = getattr(estimator, "_preprocessor", None) if type(estimator).__name__ in HIST_BOOSTING else None

    def prep(n_estimator_features: int) -> dict[str, Any]:
        """The pipeline's input schema and preprocessing steps."""
        first = pipeline if pipeline is not None else estimator
        return {"n_features": int(first.n_features_in_),
                "feature_names": _names_of(first, feature_names),
                "estimator": "Pipeline" if pipeline is not None else type(estimator).__name__,
                **_prep.describe_steps(transformers + ([own] if own is not None else []),
                                       int(first.n_features_in_), n_estimator_features)}

    other = foreign(estimator)
    if other is not None:  # LightGBM, XGBoost: from their own model dumps
        desc = other.describe(estimator)
        codes = desc.pop("category_codes", None)
        names = _feature_names(desc["estimator"], desc["n_features"], desc["feature_names"],
                               None if pipeline is not None else feature_names)
        desc.update(feature_names=names, metadata=_metadata(metadata))
        if pipeline is not None:
            if codes:
                raise TypeError(f"skscore cannot export a Pipeline ending in {desc['estimator']} with pandas "
                                "categorical features")
            desc.update(prep(desc["n_features"]))
        elif codes:
            desc.update(_prep.describe_steps([], desc["n_features"], desc["n_features"], codes, other.CATEGORIES,
                                             other.UNKNOWN_CATEGORY_IS_ERROR))
        return desc
    name = _supported_class_name(estimator)
    _check_fitted(estimator)
    import sklearn

    desc: dict[str, Any] = {
        "source": "scikit-learn",
        "source_version": sklearn.__version__,
        "estimator": name,
        "n_features": int(estimator.n_features_in_),
        "feature_names": None if pipeline is not None else _names_of(estimator, feature_names),
        "metadata": _metadata(metadata),
        "label_dtype": None,
    }
    if pipeline is not None or own is not None:
        # The pipeline's input is the first step's (names, count).
        desc.update(prep(int(estimator.n_features_in_)))
    if name in TREE_CLASSIFIERS or name in TREE_REGRESSORS:
        desc.update(_describe_trees(estimator, name))
    elif name in BOOSTING:
        desc.update(_describe_boosting(estimator, name))
    elif name in HIST_BOOSTING:
        desc.update(_describe_hist_boosting(estimator, name))
    elif name in OUTLIERS:
        desc.update(_describe_isolation_forest(estimator))
    else:
        desc.update(_describe_linear(estimator, name))
    return desc


def export(
    estimator: Any,
    path: str | os.PathLike[str],
    *,
    feature_names: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> Path:
    """Write a fitted scikit-learn estimator to a skscore model file.

    Parameters
    ----------
    estimator
        A fitted DecisionTreeClassifier/Regressor, RandomForestClassifier/
        Regressor, ExtraTreesClassifier/Regressor, GradientBoostingClassifier/
        Regressor (default or 'zero' init), LinearRegression, Ridge,
        Lasso, ElasticNet, LogisticRegression, SGDClassifier, SGDRegressor,
        LinearSVC or LinearSVR; HistGradientBoosting (categorical features
        too), IsolationForest; a Pipeline ending in one of these whose steps
        are scalers, SimpleImputer, OneHotEncoder, OrdinalEncoder,
        Normalizer, PolynomialFeatures and ColumnTransformers of them
        (string columns included); LightGBM's LGBMClassifier,
        LGBMRegressor or Booster (categorical features too); or XGBoost's
        XGBClassifier, XGBRegressor, XGBRFClassifier, XGBRFRegressor or
        Booster (gbtree; categorical features too).
    path
        Where to write the model file (``str`` or path-like; ``.skm`` by
        convention). The file is written beside it and renamed into place,
        so readers never see a partial file.
    feature_names
        Names of the input columns, one per feature. Defaults to the
        estimator's ``feature_names_in_`` (set when it was fitted on a
        DataFrame); none is stored if it has none.
    metadata
        Free-form ``str -> str`` pairs stored in the file (owner, data set,
        git commit, ...); read back as ``Model.metadata``.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError
        The estimator is not one of those above (or metadata/feature_names
        have the wrong types).
    sklearn.exceptions.NotFittedError
        The estimator is not fitted.
    ValueError
        A multi-output classifier, or inconsistent feature names.
    FileNotFoundError
        The folder of ``path`` does not exist (NotADirectoryError: it is a
        file); other OSErrors when the file cannot be written.
    """
    desc = describe(estimator, feature_names=feature_names, metadata=metadata)
    target = Path(os.fspath(path))
    folder = target.parent
    if not folder.is_dir():
        # Said before the engine names its temporary file beside the target.
        if folder.exists():
            exc: OSError = NotADirectoryError(f"cannot write {target}: {folder} is not a folder")
        else:
            exc = FileNotFoundError(
                f"cannot write {target}: the folder {folder} does not exist (create it first, "
                f"e.g. os.makedirs({str(folder)!r}, exist_ok=True))"
            )
        raise exc
    _c._save(desc, target)
    return target


def dumps(
    estimator: Any,
    *,
    feature_names: Sequence[str] | None = None,
    metadata: Mapping[str, str] | None = None,
) -> bytes:
    """Like :func:`export`, but return the model file's bytes instead of
    writing a file (``skscore.load`` takes them back)."""
    desc = describe(estimator, feature_names=feature_names, metadata=metadata)
    return _c._serialize(desc)
