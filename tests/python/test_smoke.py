"""Smoke test of every public function of the skscore package (fast).

The parity suite (test_parity_*.py) checks agreement with scikit-learn in
depth; this file only checks that each entry point works end to end.
"""

import pathlib

import numpy as np
import pytest

import skscore

sklearn = pytest.importorskip("sklearn")

from sklearn.datasets import load_diabetes, load_iris  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.linear_model import (  # noqa: E402
    ElasticNet,
    Lasso,
    LinearRegression,
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.svm import LinearSVC, LinearSVR  # noqa: E402
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor  # noqa: E402

OUTPUTS = ("predict", "predict_proba", "decision_function")


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def diabetes():
    return load_diabetes(return_X_y=True)


CLASSIFIERS = [
    DecisionTreeClassifier(random_state=0),
    RandomForestClassifier(n_estimators=5, random_state=0),
    ExtraTreesClassifier(n_estimators=5, random_state=0),
    LogisticRegression(max_iter=2000),
    SGDClassifier(loss="log_loss", random_state=0),
    SGDClassifier(loss="modified_huber", random_state=0),
    SGDClassifier(random_state=0),
    LinearSVC(),
]
REGRESSORS = [
    DecisionTreeRegressor(random_state=0, max_depth=6),
    RandomForestRegressor(n_estimators=5, random_state=0, max_depth=6),
    ExtraTreesRegressor(n_estimators=5, random_state=0, max_depth=6),
    LinearRegression(),
    Ridge(),
    Lasso(alpha=0.01),
    ElasticNet(alpha=0.01),
    SGDRegressor(random_state=0),
    LinearSVR(max_iter=10000),
]


def _assert_same(est, model, X):
    exact = "Tree" in type(est).__name__ or "Forest" in type(est).__name__
    for out in OUTPUTS:
        assert hasattr(est, out) == hasattr(model, out), out
        if not hasattr(est, out):
            with pytest.raises(AttributeError):
                getattr(model, out)(X)
            continue
        want, got = getattr(est, out)(X), getattr(model, out)(X)
        assert got.shape == want.shape and got.dtype == want.dtype, out
        if exact or (out == "predict" and hasattr(est, "classes_")):
            np.testing.assert_array_equal(got, want)
        else:
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("est", CLASSIFIERS, ids=lambda e: repr(e))
def test_classifiers_roundtrip(est, iris, tmp_path):
    X, y = iris
    labels = np.array(["setosa", "versicolor", "virginica"])[y]
    for target in (y, labels, y == 2):  # int, str and bool (binary) labels
        est.fit(X, target)
        path = skscore.export(est, tmp_path / "m.skm")
        assert isinstance(path, pathlib.Path) and path.exists()
        model = skscore.load(path)
        assert model.classes_.dtype == est.classes_.dtype
        np.testing.assert_array_equal(model.classes_, est.classes_)
        _assert_same(est, model, X)


@pytest.mark.parametrize("est", REGRESSORS, ids=lambda e: repr(e))
def test_regressors_roundtrip(est, diabetes, tmp_path):
    X, y = diabetes
    est.fit(X, y)
    model = skscore.load(skscore.export(est, str(tmp_path / "m.skm")))
    assert not hasattr(model, "classes_")
    _assert_same(est, model, X)


@pytest.mark.parametrize(
    "est",
    [
        DecisionTreeRegressor(max_depth=4),
        RandomForestRegressor(n_estimators=3),
        Ridge(),
        LinearRegression(),
    ],
    ids=repr,
)
def test_multi_output_regression(est, diabetes, tmp_path):
    X, y = diabetes
    Y = np.c_[y, -2 * y]
    est.fit(X, Y)
    model = skscore.load(skscore.export(est, tmp_path / "m.skm"))
    assert model.predict(X).shape == (len(X), 2)
    _assert_same(est, model, X)


def test_model_attributes_info_metadata(iris, tmp_path):
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    est = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, y)
    path = skscore.export(est, tmp_path / "m.skm", metadata={"owner": "risk-team"})
    m = skscore.load(path)
    assert m.n_features_in_ == 4
    assert list(m.feature_names_in_) == list(X.columns)
    assert m.feature_names_in_.dtype == object
    assert m.metadata == {"owner": "risk-team"}
    info = m.info()
    assert info["source"] == "scikit-learn" and info["source_version"] == sklearn.__version__
    assert info["estimator"] == "RandomForestClassifier" and info["n_trees"] == 3
    assert len(info["checksum"]) == 64 and m.checksum == info["checksum"]
    assert "RandomForestClassifier" in repr(m)
    # DataFrame columns are matched by name, in any order.
    np.testing.assert_array_equal(m.predict_proba(X[X.columns[::-1]]), est.predict_proba(X))
    with pytest.raises(ValueError, match="unseen at fit time"):
        m.predict(X.assign(extra=1.0))
    with pytest.raises(ValueError, match="missing"):
        m.predict(X.iloc[:, :3])
    assert isinstance(X, pd.DataFrame)

    # Explicit names override; a model without names has no feature_names_in_.
    named = skscore.load(skscore.export(est, tmp_path / "n.skm", feature_names=list("abcd")))
    assert list(named.feature_names_in_) == list("abcd")
    est2 = DecisionTreeClassifier().fit(X.to_numpy(), y)
    with pytest.raises(AttributeError):
        _ = skscore.load(skscore.export(est2, tmp_path / "u.skm")).feature_names_in_
    with pytest.raises(ValueError):
        skscore.export(est, tmp_path / "x.skm", feature_names=["a"])


def test_inputs_and_errors(iris, tmp_path):
    X, y = iris
    est = LogisticRegression(max_iter=2000).fit(X, y)
    m = skscore.load(skscore.export(est, tmp_path / "m.skm"))
    want = est.predict_proba(X)
    for variant in (X.astype(np.float32), np.asfortranarray(X), X.tolist(), X[:, ::-1][:, ::-1]):
        np.testing.assert_allclose(m.predict_proba(variant), est.predict_proba(variant), rtol=1e-12)
    np.testing.assert_allclose(m.predict_proba(X, n_threads=2), want, rtol=1e-12)
    with pytest.raises(ValueError, match="Expected 2D array, got 1D array"):
        m.predict(X[0])
    with pytest.raises(ValueError, match="X has 3 features, but LogisticRegression is expecting 4"):
        m.predict(X[:, :3])
    with pytest.raises(ValueError):
        m.predict(np.full((1, 4), np.nan))
    with pytest.raises(ValueError):
        m.predict([["a", "b", "c", "d"]])
    with pytest.raises(TypeError):
        skscore.Model()


def test_export_errors(iris, tmp_path):
    X, y = iris
    with pytest.raises(TypeError, match=r"KNeighborsClassifier.*supported"):
        skscore.export(KNeighborsClassifier().fit(X, y), tmp_path / "m.skm")
    with pytest.raises(NotFittedError):
        skscore.export(LogisticRegression(), tmp_path / "m.skm")
    est = DecisionTreeClassifier().fit(X, y)
    with pytest.raises(TypeError):
        skscore.export(est, tmp_path / "m.skm", metadata={"n": 1})
    with pytest.raises(ValueError, match="multi-output"):
        skscore.export(DecisionTreeClassifier().fit(X, np.c_[y, y]), tmp_path / "m.skm")


def test_load_sources_and_errors(iris, tmp_path):
    X, y = iris
    est = DecisionTreeClassifier(random_state=0).fit(X, y)
    data = skscore.dumps(est)
    path = skscore.export(est, tmp_path / "m.skm")
    assert path.read_bytes() == data
    with open(path, "rb") as f:
        for m in (skscore.load(data), skscore.load(f), skscore.load(str(path))):
            np.testing.assert_array_equal(m.predict(X), est.predict(X))
    with pytest.raises(FileNotFoundError):
        skscore.load(tmp_path / "missing.skm")
    corrupt = bytearray(data)
    corrupt[-1] ^= 0xFF
    with pytest.raises(skscore.ModelFileError) as info:
        skscore.load(bytes(corrupt))
    assert info.value.code == "SKS_ECHECKSUM" and isinstance(info.value, ValueError)
    with pytest.raises(skscore.ModelFileError):
        skscore.load(b"not a model")


def test_validate(iris, tmp_path):
    X, y = iris
    est = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    path = skscore.export(est, tmp_path / "m.skm")
    report = skscore.validate(est, path, X)
    assert report.passed and bool(report)
    assert report.n_rows == len(X)
    assert set(report.outputs) == {"predict", "predict_proba"}
    assert report.outputs["predict"].label_agreement == 1.0
    assert report.outputs["predict_proba"].max_abs_diff == 0.0
    assert report.worst_rows == []
    assert "PASSED" in str(report) and "passed" in repr(report)

    other = RandomForestClassifier(n_estimators=5, random_state=1).fit(X, y)
    bad = skscore.validate(other, path, X)
    assert not bad.passed and bad.worst_rows and "FAILED" in str(bad)

    lin = Ridge().fit(X, y)
    report = skscore.validate(lin, skscore.export(lin, tmp_path / "r.skm"), X)
    assert report.passed and report.outputs["predict"].rtol == 1e-9
