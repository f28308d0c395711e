"""Words users read: skscore.SUPPORTED and the unsupported-estimator
message name everything export() takes (Pipeline, LightGBM, XGBoost);
export into a missing folder names the target and the folder, not the
temporary file beside it; a row holding text where the model takes numbers
names the row and the column (as the DataFrame path names the column), and
scikit-learn refuses the same inputs."""
from __future__ import annotations

import os

import numpy as np
import pandas as pd
import pytest
from sklearn.decomposition import PCA
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

import skscore
from skscore.exporters import FINAL_ESTIMATORS, SKLEARN_ESTIMATORS

NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(60, 4))
Y = np.where(X[:, 0] > 0, "a", "b")


# ------------------------------------------------------------- SUPPORTED

def test_supported_names_everything_export_takes():
    s = skscore.SUPPORTED
    assert "Pipeline" in s
    for name in ("lightgbm.LGBMClassifier", "lightgbm.LGBMRegressor", "lightgbm.Booster",
                 "xgboost.XGBClassifier", "xgboost.XGBRegressor", "xgboost.XGBRFClassifier",
                 "xgboost.XGBRFRegressor", "xgboost.Booster"):
        assert name in s
    assert set(SKLEARN_ESTIMATORS) < set(s) and len(set(s)) == len(s)
    assert "Pipeline" not in FINAL_ESTIMATORS and set(FINAL_ESTIMATORS) == set(s) - {"Pipeline"}


def _estimator_names():
    """(estimator, Model.estimator) pairs for a model of each family."""
    out = [(RandomForestClassifier(n_estimators=3, random_state=0).fit(X, Y), "RandomForestClassifier"),
           (make_pipeline(StandardScaler(), LogisticRegression()).fit(X, Y), "Pipeline")]
    try:
        import lightgbm as lgb
        out.append((lgb.LGBMClassifier(n_estimators=3, verbose=-1).fit(X, Y), "lightgbm.LGBMClassifier"))
        out.append((lgb.LGBMRegressor(n_estimators=3, verbose=-1).fit(X, X[:, 0]).booster_, "lightgbm.Booster"))
    except ImportError:
        pass
    try:
        import xgboost as xgb
        out.append((xgb.XGBRegressor(n_estimators=3).fit(X, X[:, 0]), "xgboost.XGBRegressor"))
        out.append((xgb.XGBRegressor(n_estimators=3).fit(X, X[:, 0]).get_booster(), "xgboost.Booster"))
    except ImportError:
        pass
    return out


def test_supported_uses_the_names_models_report():
    for est, want in _estimator_names():
        got = skscore.load(skscore.dumps(est)).estimator
        assert got == want and got in skscore.SUPPORTED, (got, want)


def test_unsupported_estimator_message_names_every_family():
    with pytest.raises(TypeError) as e:
        skscore.export(SVC().fit(X, Y), "never-written.skm")
    msg = str(e.value)
    assert msg.startswith("skscore cannot export sklearn.svm._classes.SVC: supported estimators are ")
    for word in (*SKLEARN_ESTIMATORS, "Pipeline", "LightGBM's LGBMClassifier, LGBMRegressor and Booster",
                 "XGBoost's XGBClassifier, XGBRegressor, XGBRFClassifier, XGBRFRegressor and Booster",
                 "skscore.SUPPORTED"):
        assert word in msg, word
    assert not os.path.exists("never-written.skm")
    # a Pipeline ending in something unsupported: the same message
    with pytest.raises(TypeError, match="XGBoost's XGBClassifier"):
        skscore.dumps(make_pipeline(StandardScaler(), SVC()).fit(X, Y))
    # an unsupported step: the steps, then what a Pipeline may end in
    with pytest.raises(TypeError) as e:
        skscore.dumps(make_pipeline(PCA(n_components=2), LogisticRegression()).fit(X, Y))
    msg = str(e.value)
    assert "StandardScaler" in msg and "xgboost.XGBClassifier" in msg and "lightgbm.Booster" in msg
    assert "Pipeline" not in msg.split("followed by one of", 1)[1]


# ---------------------------------------------------- export: missing folder

def test_export_into_a_missing_folder_names_the_target(tmp_path):
    est = RandomForestClassifier(n_estimators=3, random_state=0).fit(X, Y)
    for target, folder in [(tmp_path / "missing_dir" / "m.skm", tmp_path / "missing_dir"),
                           (tmp_path / "a" / "b" / "m.skm", tmp_path / "a" / "b")]:
        with pytest.raises(FileNotFoundError) as e:
            skscore.export(est, target)
        assert str(e.value) == (f"cannot write {target}: the folder {folder} does not exist (create it first, "
                                f"e.g. os.makedirs({str(folder)!r}, exist_ok=True))")
        assert ".tmp" not in str(e.value)
        assert not folder.exists()
    # relative, as in the issue
    os.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"^cannot write missing_dir/m.skm: the folder missing_dir does "):
        skscore.export(est, "missing_dir/m.skm")
    # the folder is a file
    (tmp_path / "afile").write_text("x")
    with pytest.raises(NotADirectoryError, match=r"afile/m.skm: .*afile is not a folder$"):
        skscore.export(est, tmp_path / "afile" / "m.skm")
    # and where the folder exists, export writes the file (str and path-like)
    assert skscore.export(est, "m.skm") == tmp_path.joinpath("m.skm").relative_to(tmp_path)
    assert skscore.load(tmp_path / "m.skm").estimator == "RandomForestClassifier"
    os.makedirs(tmp_path / "missing_dir")
    skscore.export(est, tmp_path / "missing_dir" / "m.skm")
    assert sorted(os.listdir(tmp_path / "missing_dir")) == ["m.skm"]  # no temporary file left


# ------------------------------------------------ rows holding text

@pytest.fixture(scope="module")
def named_and_unnamed(tmp_path_factory):
    d = tmp_path_factory.mktemp("msg")
    df = pd.DataFrame(X, columns=NAMES)
    named = RandomForestClassifier(n_estimators=5, random_state=0).fit(df, Y)
    unnamed = LogisticRegression().fit(X, Y)
    skscore.export(named, d / "named.skm")
    skscore.export(unnamed, d / "unnamed.skm")
    return (named, skscore.load(d / "named.skm")), (unnamed, skscore.load(d / "unnamed.skm"))


def test_list_row_with_text_names_row_and_column(named_and_unnamed):
    (est, m), (uest, um) = named_and_unnamed
    cases = [
        ([[1.0, "x", 3, 4]], 1, 0, "'x' (a str)"),
        ([[1.0, 2, 3, 4], [1, 2, 3, b"y"]], 3, 1, "b'y' (a bytes)"),
        (np.array([[1.0, 2, 3, 4], [1, "x", 3, 4]], dtype=object), 1, 1, "'x' (a str)"),
        ([[1.0, 2, 3, 4], [5, 6, 7, 8], [1, 2, "3.5 cm", 4]], 2, 2, "'3.5 cm' (a str)"),
        (np.array([["a", "b", "c", "d"]]), 0, 0, "'a' (a str)"),
    ]
    for rows, col, row, held in cases:
        for e, model, colname in ((est, m, f"{col} ({NAMES[col]!r})"), (uest, um, f"{col}")):
            for meth in ("predict", "predict_proba"):
                with pytest.raises(ValueError) as exc:
                    getattr(model, meth)(rows)
                assert str(exc.value) == (f"Column {colname} takes numbers, but row {row} holds {held}. "
                                          "Convert your data to numeric values explicitly instead."), str(exc.value)
                with pytest.raises(ValueError):  # scikit-learn refuses it too
                    getattr(e, meth)(np.asarray(rows) if isinstance(rows, list) else rows)


def test_dataframe_with_text_names_the_column(named_and_unnamed):
    (est, m), _ = named_and_unnamed
    df = pd.DataFrame(X[:3], columns=NAMES).astype(object)
    df.iloc[2, 2] = "abc"
    with pytest.raises(ValueError) as exc:
        m.predict(df)
    assert str(exc.value) == "Column 2 ('petal_length') takes numbers: could not convert string to float: 'abc'"
    with pytest.raises(ValueError):
        est.predict(df)


def test_numbers_still_score_in_every_form(named_and_unnamed):
    (est, m), (uest, um) = named_and_unnamed
    rows = X[:5].tolist()
    mixed = np.array(rows, dtype=object)
    mixed[0, 1] = str(rows[0][1])  # a number as text in an object array: converted, as scikit-learn does
    mixed[1, 2] = None  # None in an object array: NaN, as scikit-learn's astype gives
    for model, e in ((m, est), (um, uest)):
        want = e.predict(pd.DataFrame(X[:5], columns=NAMES) if e is est else X[:5])
        assert list(model.predict(rows)) == list(want)
    want = est.predict(pd.DataFrame(mixed.astype(np.float64), columns=NAMES))
    assert list(m.predict(mixed)) == list(want)
    with pytest.raises(ValueError, match="not a number: setting an array element with a sequence"):
        m.predict(np.array([[1.0, [1], 3, 4]], dtype=object))


def test_dataframe_with_a_misspelled_column_names_the_match(named_and_unnamed):
    (est, m), _ = named_and_unnamed
    df = pd.DataFrame(X[:3], columns=["Sepal Length", "sepal_width", "petal_length", "Petal-Width"])
    with pytest.raises(ValueError) as exc:
        m.predict(df)
    msg = str(exc.value)
    assert msg.startswith("The feature names should match those that were passed during fit.\n")
    assert "Did you mean 'sepal_length' for 'Sepal Length'?\n" in msg
    assert "Did you mean 'petal_width' for 'Petal-Width'?\n" in msg
    with pytest.raises(ValueError):
        est.predict(df)
    # no hint for a name that matches nothing
    df = pd.DataFrame(X[:3], columns=["City", "sepal_width", "petal_length", "petal_width"])
    with pytest.raises(ValueError) as exc:
        m.predict(df)
    assert "Did you mean" not in str(exc.value) and "- sepal_length" in str(exc.value)
