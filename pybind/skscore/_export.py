"""Export fitted estimators to skscore model files: ``export`` writes the
file, ``dumps`` returns its bytes. What a model's description holds is the
exporters' (``skscore/exporters/``); the file format is the engine's alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import _skscore as _c
from .exporters import SUPPORTED, describe

__all__ = ["SUPPORTED", "describe", "dumps", "export"]


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
