"""Data and models the batch tests share: rows with NaN in numeric columns
and missing strings (frame, also the command line's input), a Pipeline with
string columns (string labels) and a numeric gradient boosting classifier
(int labels, decision_function) exported to model files, and the
bit-for-bit check. conftest.py makes the Spark and Dask tests' files once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import skscore

N_ROWS = 200_000


def frame(n: int = N_ROWS, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({
        "id": np.arange(n, dtype=np.int64),
        "age": rng.normal(40, 12, n).round(1),
        "income": rng.lognormal(10, 1, n),
        "score": rng.normal(size=n),
        "city": rng.choice(np.array(["paris", "rome", "oslo", "lima", "cairo"], dtype=object), n),
    })
    X.loc[rng.random(n) < 0.05, "income"] = np.nan
    X.loc[rng.random(n) < 0.05, "city"] = None
    X.loc[:99, "score"] = 0.0  # on a threshold, likely
    return X


def fitted_pipeline(X: pd.DataFrame, n_estimators: int, max_depth: int):
    """A Pipeline over frame()'s columns: the city imputed with a string and
    one-hot encoded (unknown cities ignored), the income imputed, a forest
    with string labels ("approve", "refuse")."""
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    y = np.where(X.score + (X.city == "rome") > 0.3, "approve", "refuse")
    return make_pipeline(
        make_column_transformer(
            (make_pipeline(SimpleImputer(strategy="constant", fill_value="none"),
                           OneHotEncoder(handle_unknown="ignore")), ["city"]),
            (SimpleImputer(), ["income"]),
            remainder="passthrough",
        ),
        RandomForestClassifier(n_estimators=n_estimators, max_depth=max_depth, random_state=0),
    ).fit(X, y)


def models(d: Path) -> dict[str, Path]:
    from sklearn.ensemble import HistGradientBoostingClassifier

    X = frame(5000, 1).drop(columns=["id"])
    pipe = fitted_pipeline(X, n_estimators=20, max_depth=10)
    num = X[["age", "income", "score"]]
    hgb = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(
        num, (num.score > 0).astype(int) + (num.age > 45))
    out = {}
    for name, est in (("pipe", pipe), ("hgb", hgb)):
        out[name] = d / f"{name}.skm"
        skscore.export(est, out[name])
    return out


def same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    """Numbers: same shape, dtype and bits. Labels: same shape and values."""
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return a.shape == b.shape and bool((a.astype(object) == b.astype(object)).all())

