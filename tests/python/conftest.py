"""Shared fixtures for the Python tests: model-file paths and datasets.

Datasets are the ones shipped inside scikit-learn (no downloads) plus
generated ones; all are built once per session. Assertions shared by the
parity tests live in parity_helpers.py.
"""

import itertools
import os
from types import SimpleNamespace

import numpy as np
import pytest

try:  # the same examples on every run: CI must not depend on the draw
    from hypothesis import settings as _hyp_settings

    _hyp_settings.register_profile("skscore", derandomize=True)
    _hyp_settings.load_profile("skscore")
except ImportError:  # pragma: no cover
    pass


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: longer parity runs (deselect with -m 'not slow')")


# ------------------------------------------------------------ model files

@pytest.fixture
def model_path(tmp_path):
    """model_path() -> a fresh .skm path in this test's temporary directory
    (model_path("name") for a readable one)."""
    counter = itertools.count()

    def make(name=None):
        return tmp_path / f"{name or 'model'}-{next(counter)}.skm"

    return make


@pytest.fixture
def roundtrip(model_path):
    """roundtrip(est, **export_kw) -> skscore.load(skscore.export(est, path))."""
    from parity_helpers import roundtrip as _roundtrip

    def run(est, **kw):
        return _roundtrip(est, model_path(type(est).__name__), **kw)

    return run


# --------------------------------------------------------------- datasets

def _split(X, y, seed=0, frac=0.75):
    rng = np.random.default_rng(seed)
    idx = rng.permutation(len(X))
    k = int(len(X) * frac)
    return SimpleNamespace(name=None, X=X[idx[:k]], y=y[idx[:k]], X_test=X[idx[k:]], y_test=y[idx[k:]])


def _load(name):
    from sklearn import datasets as ds

    if name == "iris":
        X, y = ds.load_iris(return_X_y=True)
    elif name == "wine":
        X, y = ds.load_wine(return_X_y=True)
    elif name == "breast_cancer":
        X, y = ds.load_breast_cancer(return_X_y=True)
    elif name == "digits":
        X, y = ds.load_digits(return_X_y=True)
    elif name == "diabetes":
        X, y = ds.load_diabetes(return_X_y=True)
    elif name == "linnerud":  # 3 regression targets
        X, y = ds.load_linnerud(return_X_y=True)
        X = X.astype(np.float64)
    elif name == "california_like":  # shaped like California housing, generated
        X, y = ds.make_regression(n_samples=2000, n_features=8, n_informative=6,
                                  noise=5.0, random_state=0)
    elif name == "multi_target":
        X, y = ds.make_regression(n_samples=400, n_features=6, n_targets=3,
                                  noise=1.0, random_state=1)
    elif name == "many_classes":  # 35 classes
        X, y = ds.make_classification(n_samples=2100, n_features=20, n_informative=12,
                                      n_classes=35, n_clusters_per_class=1, random_state=2)
    elif name == "binary":
        X, y = ds.make_classification(n_samples=600, n_features=10, n_informative=5,
                                      random_state=3)
    else:
        raise KeyError(name)
    d = _split(np.asarray(X, dtype=np.float64), np.asarray(y))
    d.name = name
    return d


CLASSIFICATION = ["iris", "wine", "breast_cancer", "digits"]
REGRESSION = ["diabetes", "california_like"]
MULTI_OUTPUT = ["linnerud", "multi_target"]

_cache = {}


def dataset(name):
    if name not in _cache:
        _cache[name] = _load(name)
    return _cache[name]


@pytest.fixture(scope="session")
def datasets():
    """datasets(name) -> namespace(X, y, X_test, y_test, name)."""
    return dataset


@pytest.fixture(scope="session")
def rng_seed():
    return int(os.environ.get("SKSCORE_TEST_SEED", "12345"))
