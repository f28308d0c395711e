"""What predict* accepts, and how it refuses: memory layouts, dtypes, nested
lists, pandas DataFrames (columns by name), and the ValueErrors
scikit-learn raises for bad shapes and values."""

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import RandomForestClassifier, ExtraTreesRegressor
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.tree import DecisionTreeRegressor

from parity_helpers import check_parity

import skscore

MODELS = ["rf", "etr", "dtr2", "logreg", "ridge"]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """Each model fitted on wine (as arrays and as a DataFrame), with its file."""
    from conftest import dataset
    d = dataset("wine")
    mu, sd = d.X.mean(0), d.X.std(0)
    cols = [f"f{i}_{c}" for i, c in enumerate("abcdefghijklm")]
    out = {}
    for name in MODELS:
        make = {
            "rf": lambda: RandomForestClassifier(n_estimators=8, random_state=0),
            "etr": lambda: ExtraTreesRegressor(n_estimators=8, random_state=0),
            "dtr2": lambda: DecisionTreeRegressor(random_state=0),
            "logreg": lambda: LogisticRegression(max_iter=500),
            "ridge": lambda: Ridge(),
        }[name]
        y = d.y if name in ("rf", "logreg") else (d.X[:, :2] if name == "dtr2" else d.X[:, 0])
        X = (d.X - mu) / sd
        for named in (False, True):
            Xfit = pd.DataFrame(X, columns=cols) if named else X
            est = make().fit(Xfit, y)
            p = tmp_path_factory.mktemp("inputs") / f"{name}-{named}.skm"
            skscore.export(est, str(p))
            out[name, named] = (est, skscore.load(str(p)))
    Xt = (d.X_test - mu) / sd
    return out, Xt, cols


def methods_of(est):
    return [n for n in ("predict", "predict_proba", "decision_function") if hasattr(est, n)]


@pytest.mark.parametrize("name", MODELS)
def test_memory_layouts_and_dtypes(name, fitted):
    models, Xt, _ = fitted
    est, m = models[name, False]
    big = np.zeros((Xt.shape[0] * 2, Xt.shape[1] * 3))
    big[::2, ::3] = Xt
    variants = {
        "C float64": np.ascontiguousarray(Xt),
        "F float64": np.asfortranarray(Xt),
        "C float32": Xt.astype(np.float32),
        "F float32": np.asfortranarray(Xt.astype(np.float32)),
        "strided rows+cols": big[::2, ::3],
        "strided float32": big.astype(np.float32)[::2, ::3],
        "reversed rows": Xt[::-1],
        "reversed cols of reversed": Xt[:, ::-1][:, ::-1],
        "negative column stride": Xt[:, ::-1],  # different features, same for both
        "negative both strides": np.asfortranarray(Xt)[::-1, ::-1],
        "every 3rd row of F": np.asfortranarray(np.vstack([Xt] * 3))[::3],
        "memoryview": memoryview(np.ascontiguousarray(Xt)),
        "object array of floats": Xt.astype(object),
        "transposed view": np.ascontiguousarray(Xt.T).T,
        "readonly": np.array(Xt),
        "int64": np.round(Xt * 10).astype(np.int64),
        "int32": np.round(Xt * 10).astype(np.int32),
        "bool": Xt > 0,
        "float16": Xt.astype(np.float16),
        "big-endian": Xt.astype(">f8"),
    }
    variants["readonly"].setflags(write=False)
    for label, X in variants.items():
        check_parity(est, m, X, what=label)
    # the input is not modified
    before = variants["F float64"].copy()
    m.predict(variants["F float64"])
    assert np.array_equal(before, variants["F float64"])


@pytest.mark.parametrize("name", MODELS)
def test_nested_lists_and_tuples(name, fitted):
    models, Xt, _ = fitted
    est, m = models[name, False]
    check_parity(est, m, Xt.tolist(), what="nested lists")
    check_parity(est, m, [tuple(r) for r in Xt[:5].tolist()], what="list of tuples")
    check_parity(est, m, [Xt[0].tolist()], what="one row list")
    check_parity(est, m, np.round(Xt[:4] * 10).astype(int).tolist(), what="ints in lists")


@pytest.mark.parametrize("name", MODELS)
def test_dataframe_with_feature_names(name, fitted):
    models, Xt, cols = fitted
    est, m = models[name, True]
    assert list(m.feature_names_in_) == cols
    df = pd.DataFrame(Xt, columns=cols)
    check_parity(est, m, df, what="DataFrame")
    # float32 and mixed-dtype columns
    check_parity(est, m, df.astype(np.float32), what="float32 DataFrame")
    mixed = df.copy()
    mixed[cols[0]] = np.round(mixed[cols[0]] * 10).astype(int)
    check_parity(est, m, mixed, what="mixed dtypes")
    # reordered columns: scikit-learn refuses, skscore matches by name
    rev = df[cols[::-1]]
    for meth in methods_of(est):
        want = getattr(est, meth)(df)
        got = getattr(m, meth)(rev)
        np.testing.assert_array_equal(got, getattr(m, meth)(df))
        assert got.dtype == want.dtype and got.shape == want.shape
    # missing and extra columns
    with pytest.raises(ValueError) as e:
        m.predict(df.drop(columns=[cols[3]]))
    assert cols[3] in str(e.value), str(e.value)
    extra = df.assign(unexpected=1.0)
    with pytest.raises(ValueError) as e:
        m.predict(extra)
    assert "unexpected" in str(e.value), str(e.value)
    renamed = df.rename(columns={cols[0]: "other"})
    with pytest.raises(ValueError):
        m.predict(renamed)
    # a plain array on a model with names is positional (sklearn: works)
    check_parity(est, m, Xt, what="array on named model")


@pytest.mark.parametrize("name", MODELS)
def test_dataframe_on_model_without_names(name, fitted):
    """sklearn warns and goes by position."""
    models, Xt, _ = fitted
    est, m = models[name, False]
    df = pd.DataFrame(Xt, columns=[f"x{i}" for i in range(Xt.shape[1])])
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        check_parity(est, m, df, what="DataFrame on unnamed model")


@pytest.mark.parametrize("name", MODELS)
def test_dataframe_with_nan_and_non_numeric(name, fitted):
    models, Xt, cols = fitted
    est, m = models[name, True]
    df = pd.DataFrame(Xt[:6], columns=cols)
    df.iloc[2, 1] = np.nan
    check_parity(est, m, df, what="DataFrame with NaN")
    sdf = pd.DataFrame(Xt[:6], columns=cols).astype(object)
    sdf.iloc[1, 4] = "abc"
    with pytest.raises(ValueError):
        m.predict(sdf)


@pytest.mark.parametrize("name", MODELS)
def test_shape_errors_like_sklearn(name, fitted):
    models, Xt, _ = fitted
    est, m = models[name, False]
    n = Xt.shape[1]
    bad = {
        "too few features": Xt[:, :-1],
        "too many features": np.hstack([Xt, Xt[:, :1]]),
        "1-D": Xt[0],
        "3-D": Xt[None, :, :],
        "scalar": np.float64(1.0),
        "strings": np.array([["a"] * n]),
        "complex": Xt.astype(np.complex128),
        "ragged list": [[1.0] * n, [1.0] * (n - 1)],
    }
    for label, X in bad.items():
        with pytest.raises(ValueError):
            est.predict(X)
        for meth in methods_of(est):
            with pytest.raises(ValueError) as e:
                getattr(m, meth)(X)
            if label.startswith("too"):
                msg = str(e.value)
                assert str(n) in msg and "feature" in msg, f"{label}: {msg}"
            if label == "1-D":
                assert "2D" in str(e.value) or "2-D" in str(e.value) or "reshape" in str(e.value), str(e.value)


@pytest.mark.parametrize("name", MODELS)
def test_zero_rows(name, fitted):
    """scikit-learn refuses 0 rows with a ValueError ("Found array with 0
    sample(s)"); skscore must refuse too, or return an empty result of the
    right shape and dtype -- never crash."""
    models, Xt, _ = fitted
    est, m = models[name, False]
    with pytest.raises(ValueError):
        est.predict(Xt[:0])
    for meth in methods_of(est):
        try:
            got = getattr(m, meth)(Xt[:0])
        except ValueError:
            continue
        ref = getattr(est, meth)(Xt[:1])
        assert got.shape == (0, *ref.shape[1:]) and got.dtype == ref.dtype


@pytest.mark.parametrize("name", MODELS)
def test_large_batch_matches(name, fitted):
    """A batch big enough to be split over threads."""
    models, Xt, _ = fitted
    est, m = models[name, False]
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20000, Xt.shape[1]))
    check_parity(est, m, X, what="20k rows")
    check_parity(est, m, np.asfortranarray(X), what="20k rows F")


def test_missing_methods_are_refused(fitted, datasets, roundtrip):
    """Regressors have no predict_proba, trees no decision_function, SGD
    hinge and LinearSVC no predict_proba: skscore must refuse the call
    (sklearn: AttributeError), not return something."""
    from sklearn.linear_model import SGDClassifier
    from sklearn.svm import LinearSVC
    models, Xt, _ = fitted
    d = datasets("iris")
    cases = [
        (models["ridge", False][1], ["predict_proba", "decision_function"]),
        (models["etr", False][1], ["predict_proba", "decision_function"]),
        (models["rf", False][1], ["decision_function"]),
        (roundtrip(SGDClassifier(loss="hinge", random_state=0).fit(d.X, d.y)), ["predict_proba"]),
        (roundtrip(LinearSVC().fit(d.X, d.y)), ["predict_proba"]),
    ]
    for m, meths in cases:
        X = np.zeros((2, m.n_features_in_))
        for meth in meths:
            with pytest.raises((AttributeError, TypeError, ValueError, NotImplementedError)):
                getattr(m, meth)(X)


@pytest.mark.parametrize("name", ["rf", "logreg"])
def test_hasattr_mirrors_estimator(name, fitted):
    """Duck typing: hasattr(m, 'predict_proba') like the estimator (sklearn
    code and users test this). Reported, not required, if it differs."""
    models, _, _ = fitted
    est, m = models[name, False]
    for meth in ("predict", "predict_proba"):
        assert hasattr(m, meth) == hasattr(est, meth)


@pytest.mark.parametrize("name", MODELS)
def test_pandas_extension_dtypes(name, fitted):
    models, Xt, cols = fitted
    est, m = models[name, True]
    df = pd.DataFrame(Xt[:8], columns=cols)
    variants = {
        "Float64": df.astype("Float64"),
        "Int64": (df * 10).round().astype("Int64"),
        "non-contiguous frame": pd.concat([df, df * 2], axis=1).iloc[:, :len(cols)],
    }
    if "nan" in name or name in ("rf", "etr", "dtr2"):  # NaN allowed: pd.NA becomes NaN
        variants["Float64 with NA"] = df.astype("Float64").mask(df > 1, pd.NA)
    for label, X in variants.items():
        check_parity(est, m, X, what=label)


def test_sparse_input_is_refused_cleanly(fitted):
    """Sparse matrices are out of scope: a clear TypeError/ValueError."""
    import scipy.sparse as sp
    models, Xt, _ = fitted
    for name in MODELS:
        est, m = models[name, False]
        with pytest.raises((TypeError, ValueError)):
            m.predict(sp.csr_matrix(Xt))
