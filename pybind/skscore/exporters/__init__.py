"""The exporters: one per library, behind one registry.

``describe(estimator)`` is the one entry point (``skscore.export`` and
``dumps`` call it): a Pipeline's preprocessing goes to ``pipeline.py``,
an XGBoost or LightGBM model to the exporter in ``FOREIGN`` that owns it
(each declares ``base.ForeignExporter``), anything else to
``scikit_learn.py``. To add a library, write a module with that interface and
list it in ``FOREIGN``. The arrows go this registry -> exporters -> base.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from . import lightgbm, scikit_learn, xgboost
from . import pipeline as pipeline_steps
from .base import (
    FINAL_ESTIMATORS,
    HIST_BOOSTING,
    SKLEARN_ESTIMATORS,
    SUPPORTED,
    ForeignExporter,
    check_fitted,
)
from .base import feature_names as feature_names_of
from .base import metadata as metadata_of

#: The exporters of other libraries' models, asked in order.
FOREIGN: tuple[ForeignExporter, ...] = (lightgbm, xgboost)  # type: ignore[assignment]

__all__ = ["FINAL_ESTIMATORS", "FOREIGN", "SKLEARN_ESTIMATORS", "SUPPORTED", "describe", "foreign"]


def foreign(estimator: Any) -> ForeignExporter | None:
    """The exporter of a LightGBM or XGBoost model, or None."""
    return next((m for m in FOREIGN if m.owns(estimator)), None)


def _names_of(estimator: Any, feature_names: Sequence[str] | None) -> list[str] | None:
    """_feature_names for a scikit-learn estimator or Pipeline."""
    return feature_names_of(type(estimator).__name__, int(estimator.n_features_in_),
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
        check_fitted(pipeline)
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
                **pipeline_steps.describe_steps(transformers + ([own] if own is not None else []),
                                       int(first.n_features_in_), n_estimator_features)}

    other = foreign(estimator)
    if other is not None:  # LightGBM, XGBoost: from their own model dumps
        desc = other.describe(estimator)
        codes = desc.pop("category_codes", None)
        names = feature_names_of(desc["estimator"], desc["n_features"], desc["feature_names"],
                               None if pipeline is not None else feature_names)
        desc.update(feature_names=names, metadata=metadata_of(metadata))
        if pipeline is not None:
            if codes:
                raise TypeError(f"skscore cannot export a Pipeline ending in {desc['estimator']} with pandas "
                                "categorical features")
            desc.update(prep(desc["n_features"]))
        elif codes:
            desc.update(pipeline_steps.describe_steps([], desc["n_features"], desc["n_features"], codes, other.CATEGORIES,
                                             other.UNKNOWN_CATEGORY_IS_ERROR))
        return _usable_covers(desc)
    name = scikit_learn.class_name(estimator)
    check_fitted(estimator)
    import sklearn

    desc: dict[str, Any] = {
        "source": "scikit-learn",
        "source_version": sklearn.__version__,
        "estimator": name,
        "n_features": int(estimator.n_features_in_),
        "feature_names": None if pipeline is not None else _names_of(estimator, feature_names),
        "metadata": metadata_of(metadata),
        "label_dtype": None,
    }
    if pipeline is not None or own is not None:
        # The pipeline's input is the first step's (names, count).
        desc.update(prep(int(estimator.n_features_in_)))
    desc.update(scikit_learn.describe_estimator(estimator, name))
    return _usable_covers(desc)


def _usable_covers(desc: dict[str, Any]) -> dict[str, Any]:
    """Keeps the trees' node covers (format 1.3: what contributions weigh
    by) only when every split has a positive, finite one, as the engine
    requires (model.c, check_tree: it refuses the file otherwise); else
    drops them all: the model still exports and scores, and says it
    cannot explain."""
    trees = desc.get("trees") or []
    covers = [t.get("cover") for t in trees]
    if not trees or any(c is None for c in covers):
        ok = False
    else:
        ok = all(bool(np.all(np.isfinite(c)) and np.all(c >= 0) and np.all(c[t["left"] != -1] > 0))
                 for t, c in zip(trees, covers, strict=True))
    if not ok:
        for t in trees:
            t.pop("cover", None)
    return desc
