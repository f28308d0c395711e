"""Rows keyed by feature name: an unknown name is a 422 that says what the
names are (docs/PROTOCOL.md): the name it matches up to case, spaces and
punctuation ("did you mean"), else every name when the model has few,
else the three closest by edit distance -- on the seed rows, KServe V1
instances and V2 per-feature tensors.

Also the demo model (scripts/demo_model.py, what scripts/demo.sh serves):
it keeps its feature names, so the by-name examples of docs/PROTOCOL.md
work on it, sent as the README sends them (curl -d, no Content-Type).
"""
from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from conftest import ROOT, Gateway, curl

IRIS_NAMES = ["sepal length (cm)", "sepal width (cm)", "petal length (cm)", "petal width (cm)"]
ROW = [5.1, 3.5, 1.4, 0.2]


def _error(url: str, doc) -> tuple[int, str]:
    status, raw, _ = curl("-d", json.dumps(doc), url)
    return status, json.loads(raw).get("error", raw.decode())


def _v2_columns(names, values) -> dict:
    return {"inputs": [{"name": n, "shape": [1], "datatype": "FP64", "data": [v]} for n, v in zip(names, values)]}


def test_unknown_feature_lists_the_names(gateway):
    u = gateway.url
    good = dict(zip(IRIS_NAMES, ROW))
    all_names = ', '.join(f'"{n}"' for n in IRIS_NAMES)
    cases = [
        ({"features": {**good, "City": 1}}, "/predict", "features", f'"City"; the model\'s features are {all_names}'),
        ({"instances": [good, {"sepal length (cm)": 1, "Sepal Width (CM)": 2}]}, "/v1/models/iris:predict",
         "instances[1]", '"Sepal Width (CM)"; did you mean "sepal width (cm)"?'),
        ({"features": {"sepal_length_(cm)": 1}}, "/models/iris/predict", "features",
         '"sepal_length_(cm)"; did you mean "sepal length (cm)"?'),
    ]
    for doc, path, where, tail in cases:
        status, err = _error(u + path, doc)
        assert status == 422 and err == f"{where} has an unknown feature {tail}", err
    status, err = _error(u + "/v2/models/iris/infer", _v2_columns(["petal-width-cm", *IRIS_NAMES[:3]], ROW))
    assert status == 422 and err == ('input "petal-width-cm" is not one of the model\'s feature names; did you '
                                     'mean "petal width (cm)"?'), err
    status, err = _error(u + "/v2/models/iris/infer", _v2_columns(["x", *IRIS_NAMES[1:]], ROW))
    assert status == 422 and err.endswith(f"feature names; the model's features are {all_names}"), err
    # the right names still score
    status, raw, _ = curl("-d", json.dumps({"features": good}), u + "/predict")
    assert (status, json.loads(raw)) == (200, {"prediction": "setosa"})


@pytest.fixture(scope="module")
def wide_model(tmp_path_factory):
    """A linear model with 60 named features (too many to list)."""
    skscore = pytest.importorskip("skscore")
    pytest.importorskip("sklearn")
    pd = pytest.importorskip("pandas")
    from sklearn.linear_model import LinearRegression

    names = [f"sensor_{i:02d}" for i in range(56)] + ["City", "temperature", "pressure", "humidity"]
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(80, len(names))), columns=names)
    est = LinearRegression().fit(X, rng.normal(size=80))
    path = tmp_path_factory.mktemp("wide") / "wide.skm"
    skscore.export(est, path)
    return path, names


def test_unknown_feature_among_many_names_the_closest(wide_model):
    path, names = wide_model
    gw = Gateway(["--model", f"wide={path}", "--threads", "1", "--reload-interval", "0"])
    try:
        row = dict.fromkeys(names, 0.5)
        del row["temperature"]
        row["temprature"] = 0.5
        status, err = _error(gw.url + "/predict", {"features": row})
        assert status == 422, err
        assert err == ('features has an unknown feature "temprature"; the closest of the model\'s 60 features: '
                       '"temperature", "pressure", "humidity" (GET /v1/models/wide lists them all)'), err
        row["temperature"] = row.pop("temprature")
        row["CITY"] = row.pop("City")
        status, err = _error(gw.url + "/predict", {"features": row})
        assert (status, err) == (422, 'features has an unknown feature "CITY"; did you mean "City"?')
        row["City"] = row.pop("CITY")
        status, raw, _ = curl("-d", json.dumps({"features": row}), gw.url + "/predict")
        assert status == 200 and isinstance(json.loads(raw)["prediction"], float)
    finally:
        assert gw.stop() == 0


# ------------------------------------------------------------ demo model

DEMO_NAMES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    pytest.importorskip("skscore")
    pytest.importorskip("pandas")
    out = tmp_path_factory.mktemp("demo") / "iris.skm"
    subprocess.run([sys.executable, str(ROOT / "scripts" / "demo_model.py"), str(out)], check=True,
                   capture_output=True, timeout=300)
    gw = Gateway(["--model", f"iris={out}", "--threads", "1", "--reload-interval", "0"])
    yield gw, out
    assert gw.stop() == 0


def _protocol_by_name_examples() -> list[str]:
    """The by-name request lines of docs/PROTOCOL.md's seed-shape block."""
    text = (ROOT / "docs" / "PROTOCOL.md").read_text()
    block = text.split("## Seed shapes", 1)[1].split("```", 2)[1]
    return [ln.split("->")[0].strip() for ln in block.splitlines() if "sepal" in ln]


def test_demo_model_keeps_its_feature_names(demo):
    gw, path = demo
    import skscore

    m = skscore.load(path)
    assert list(m.feature_names_in_) == DEMO_NAMES
    assert list(m.predict(np.array([ROW, [6, 3, 5, 2]]))) == ["setosa", "virginica"]
    status, raw, _ = curl(gw.url + "/v1/models/iris")
    meta = json.loads(raw)
    assert status == 200 and meta["feature_names"] == DEMO_NAMES and meta["classes"] == [
        "setosa", "versicolor", "virginica"]


def test_demo_model_by_name_as_the_docs_send_it(demo):
    gw, _ = demo
    named = dict(zip(DEMO_NAMES, ROW))
    for doc, want in [
        ({"features": ROW}, {"prediction": "setosa"}),
        ({"features": named}, {"prediction": "setosa"}),
        ({"instances": [named, dict(zip(DEMO_NAMES, [6, 3, 5, 2]))]}, {"predictions": ["setosa", "virginica"]}),
        ({"inputs": [named]}, {"predictions": ["setosa"]}),
    ]:
        status, raw, _ = curl("-d", json.dumps(doc), gw.url + "/predict")  # as the README: no Content-Type
        assert (status, json.loads(raw)) == (200, want), doc
    status, raw, _ = curl("-d", json.dumps(_v2_columns(DEMO_NAMES, ROW)), gw.url + "/v2/models/iris/infer")
    assert status == 200 and json.loads(raw)["outputs"][0]["data"] == ["setosa"]
    # docs/PROTOCOL.md's by-name examples use these names ("..." stands for the rest)
    examples = _protocol_by_name_examples()
    assert len(examples) == 2, examples
    for line in examples:
        assert '{"sepal_length": 5.1, ...}' in line, line
        doc = json.loads(line.replace('{"sepal_length": 5.1, ...}', json.dumps(named)).replace(", ...]", "]"))
        status, raw, _ = curl("-d", json.dumps(doc), gw.url + "/predict")
        assert status == 200, (line, raw)


def test_demo_model_names_the_features_after_a_typo(demo):
    gw, _ = demo
    status, err = _error(gw.url + "/predict", {"features": {"sepal length": 5.1, "sepal_width": 3.5}})
    assert (status, err) == (422, 'features has an unknown feature "sepal length"; did you mean "sepal_length"?')

