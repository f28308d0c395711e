"""What every exporter shares: the names of what skscore exports, the
interface a library's exporter declares, and the pieces of a description
that do not depend on the library (labels, feature names, metadata).

An exporter *describes* a fitted model: it reads the fitted attributes and
builds a neutral description, a dict of plain values and contiguous NumPy
arrays whose keys are the fields of the engine's ``sks_desc``
(``skscore.h``). The engine validates it and writes the file. Nothing here
imports an exporter: the arrows go registry (``__init__``) -> exporters ->
base.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import numpy as np

from .. import _skscore as _c

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
XGBOOST_SKLEARN_CLASSES = ("XGBClassifier", "XGBRegressor", "XGBRFClassifier", "XGBRFRegressor")
XGBOOST_MODELS = (*(f"xgboost.{name}" for name in XGBOOST_SKLEARN_CLASSES), "xgboost.Booster")
# What a Pipeline may end in (after the preprocessing of pipeline.py).
FINAL_ESTIMATORS = SKLEARN_ESTIMATORS + LIGHTGBM_MODELS + XGBOOST_MODELS
# Everything export() takes, named as Model.estimator names it: scikit-learn
# estimators by class name, Pipeline, LightGBM and XGBoost models by module
# and class (a Pipeline's steps: pipeline.SUPPORTED_TRANSFORMERS).
SUPPORTED = (*SKLEARN_ESTIMATORS, "Pipeline", *LIGHTGBM_MODELS, *XGBOOST_MODELS)


class ForeignExporter(Protocol):
    """What an exporter of another library's models (xgboost.py,
    lightgbm.py) provides; the registry finds the one that ``owns`` a model.
    """

    #: How the exporter names the categories of pandas categorical columns
    #: (pipeline.py's messages), and whether an unknown one is an error.
    CATEGORIES: str
    UNKNOWN_CATEGORY_IS_ERROR: bool

    def owns(self, obj: Any) -> bool:
        """Whether obj is a model of this library."""

    def describe(self, obj: Any) -> dict[str, Any]:
        """The description of obj (may hold "category_codes" for pandas
        categorical columns, which the registry turns into steps)."""

    def expected_outputs(self, obj: Any) -> dict[str, Any]:
        """What validate() compares: the library's own outputs' names."""


def owned_by(obj: Any, library: str) -> bool:
    """Whether obj's class comes from the package ``library``."""
    return type(obj).__module__.split(".")[0] == library


def fitted_booster(obj: Any, booster_type: type, classes: Sequence[type], library: str, others: str,
                   get: Any) -> tuple[Any, str]:
    """(the booster, the class name) of a library's model: a Booster itself,
    or a fitted scikit-learn wrapper among ``classes`` (``get`` returns its
    booster). Other classes are refused, naming what is exported."""
    if isinstance(obj, booster_type):
        return obj, "Booster"
    name = type(obj).__name__
    if type(obj) not in tuple(classes):
        raise TypeError(
            f"skscore exports {library}.{', '.join(c.__name__ for c in classes)} and Booster; not {name} "
            f"({others} scores are not predictions skscore serves)."
        )
    check_fitted(obj)
    return get(obj), name


def check_fitted(estimator: Any) -> None:
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(estimator)


def feature_names(
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


def metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
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


def labels(estimator: Any) -> dict[str, Any]:
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
