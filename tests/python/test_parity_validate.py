"""skscore.validate: the training-time check that the file, loaded by the
engine, scores like the estimator. It must pass on good models and say
something useful: rows checked, label agreement, max differences, verdict."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier
from sklearn.tree import DecisionTreeClassifier

import skscore

from conftest import dataset


def _fit(kind):
    d = dataset("wine")
    mu, sd = d.X.mean(0), d.X.std(0)
    X, Xt = (d.X - mu) / sd, (d.X_test - mu) / sd
    est = {
        "rf": lambda: RandomForestClassifier(n_estimators=10, random_state=0).fit(X, d.y),
        "etr": lambda: ExtraTreesRegressor(n_estimators=10, random_state=0).fit(X, X[:, :2]),
        "logreg": lambda: LogisticRegression(max_iter=300).fit(X, d.y),
        "linreg": lambda: LinearRegression().fit(X, X[:, 0] * 2),
        "sgd_hinge": lambda: SGDClassifier(random_state=0).fit(X, d.y),
    }[kind]()
    return est, X, Xt


@pytest.mark.parametrize("kind", ["rf", "etr", "logreg", "linreg", "sgd_hinge"])
def test_validate_passes_on_good_models(kind, model_path):
    est, X, Xt = _fit(kind)
    p = model_path()
    skscore.export(est, str(p))
    report = skscore.validate(est, str(p), Xt)
    assert report.passed is True or report.passed == True  # noqa: E712
    assert bool(report.passed)
    text = str(report)
    assert text == repr(report) or len(repr(report)) > 0
    assert str(len(Xt)) in text, text  # rows checked
    low = text.lower()
    assert "pass" in low, text
    if hasattr(est, "classes_"):
        assert "agree" in low or "label" in low, text
        assert "100" in text, text  # 100% of labels agree
    assert "max" in low, text  # max abs/rel differences
    # tree models are checked bit for bit; linear ones within the tolerance
    if kind in ("logreg", "linreg", "sgd_hinge"):
        assert re.search(r"1e-0?9|1\.0e-0?9|tol", low), text


def test_validate_with_dataframe_and_one_row(model_path):
    d = dataset("iris")
    cols = list("abcd")
    df = pd.DataFrame(d.X, columns=cols)
    est = RandomForestClassifier(n_estimators=5, random_state=0).fit(df, d.y)
    p = model_path()
    skscore.export(est, str(p))
    assert skscore.validate(est, str(p), df).passed
    assert skscore.validate(est, str(p), df.iloc[:1]).passed
    assert skscore.validate(est, str(p), d.X[:7]).passed


def test_validate_fails_when_file_is_for_another_model(model_path):
    """A file exported from a different fit: validate must say it fails and
    show where (the worst rows)."""
    d = dataset("digits")
    a = RandomForestClassifier(n_estimators=5, random_state=0).fit(d.X, d.y)
    b = RandomForestClassifier(n_estimators=5, random_state=1).fit(d.X, d.y)
    p = model_path()
    skscore.export(a, str(p))
    report = skscore.validate(b, str(p), d.X_test)
    assert not report.passed
    text = str(report)
    assert "fail" in text.lower(), text
    # the label agreement is below 100% and says so
    assert re.search(r"\d+(\.\d+)?\s*%", text), text


def test_validate_fails_on_small_linear_difference(model_path):
    d = dataset("diabetes")
    est = LinearRegression().fit(d.X, d.y)
    p = model_path()
    skscore.export(est, str(p))
    est.intercept_ = est.intercept_ * (1 + 1e-6)  # beyond rtol 1e-9
    report = skscore.validate(est, str(p), d.X_test)
    assert not report.passed, str(report)


def test_validate_detects_a_changed_tree_output(model_path):
    """Trees are held to bit identity: a one-ulp change in a leaf fails."""
    d = dataset("iris")
    est = DecisionTreeClassifier(random_state=0, max_depth=2).fit(d.X, d.y)
    p = model_path()
    skscore.export(est, str(p))
    v = est.tree_.value  # a view on the tree's node values
    leaves = np.flatnonzero(est.tree_.children_left == -1)
    impure = [n for n in leaves if ((v[n, 0] > 0) & (v[n, 0] < 1)).any()]
    leaf = int(impure[0])
    k = int(np.argmax((v[leaf, 0] > 0) & (v[leaf, 0] < 1)))
    v[leaf, 0, k] *= 1 + 1e-10
    assert est.tree_.value[leaf, 0, k] == v[leaf, 0, k]  # really changed the model
    report = skscore.validate(est, str(p), d.X)
    assert not report.passed, str(report)
