"""skscore.spark on a real local Spark (pyspark, ``local[2]``, a Java runtime
from Debian's packages): 200,000 rows read from Parquet, with NaN and
missing strings, scored through mapInArrow; every output bit-identical to
``m.predict`` on the same rows in process. Bad inputs fail on the driver,
before the job."""

from __future__ import annotations

import os
import sys

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("sklearn")
pyspark = pytest.importorskip("pyspark")

from batch_data import same_bits  # noqa: E402

import skscore  # noqa: E402
import skscore.spark  # noqa: E402


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable
    s = (SparkSession.builder.master("local[2]").appName("skscore-tests")
         .config("spark.ui.enabled", "false")
         .config("spark.sql.shuffle.partitions", "2")
         .config("spark.driver.memory", "1g")
         .getOrCreate())
    s.sparkContext.setLogLevel("ERROR")
    yield s
    s.stop()


@pytest.fixture(scope="module")
def data(batch_files):  # conftest.py
    return batch_files


@pytest.mark.parametrize("model, output", [
    ("pipe", "predict"), ("pipe", "predict_proba"),
    ("hgb", "predict"), ("hgb", "predict_proba"), ("hgb", "decision_function"),
    ("hgb", "contributions"),
])
def test_bit_identical_to_in_process(spark, data, model, output):
    df = spark.read.parquet(str(data["parquet"])).repartition(4)  # rows travel between tasks
    got = skscore.spark.predict(df, str(data[model]), output=output, keep=["id"]).toPandas()
    got = got.sort_values("id").reset_index(drop=True)
    X = pd.read_parquet(data["parquet"])
    assert (got.id.to_numpy() == X.id.to_numpy()).all()
    m = skscore.load(data[model])
    want = getattr(m, output)(X[list(m.feature_names_in_)])
    values = got.drop(columns=["id"]).to_numpy()
    assert same_bits(values.reshape(want.shape), want)


def test_model_bytes_and_column_names(spark, data):
    m = skscore.load(data["pipe"])
    df = spark.read.parquet(str(data["parquet"])).limit(1000)
    scored = skscore.spark.predict(df, data["pipe"].read_bytes(), output="predict_proba")
    assert scored.columns == [f"proba_{c}" for c in m.classes_]
    assert [f.dataType.simpleString() for f in scored.schema.fields] == ["double", "double"]
    labels = skscore.spark.predict(df, str(data["hgb"]))
    assert labels.schema.fields[0].dataType.simpleString() == "bigint"


def test_bad_inputs_fail_before_the_job(spark, data, tmp_path):
    df = spark.read.parquet(str(data["parquet"]))
    with pytest.raises(ValueError, match="'city'"):
        skscore.spark.predict(df.drop("city"), str(data["pipe"]))
    with pytest.raises(FileNotFoundError):
        skscore.spark.predict(df, str(tmp_path / "none.skm"))
    with pytest.raises(skscore.ModelFileError):
        skscore.spark.predict(df, b"not a model file")
    with pytest.raises(ValueError, match="decision_function"):
        skscore.spark.predict(df, str(data["pipe"]), output="decision_function")
    with pytest.raises(ValueError, match="'nope'"):
        skscore.spark.predict(df, str(data["pipe"]), keep=["nope"])


def test_column_names_with_dots_and_the_cache(spark, data, tmp_path):
    """A column named "a.b" is that column, not a struct field; a worker
    keeps a few models, the most recently used."""
    from sklearn.ensemble import RandomForestRegressor

    from skscore import _batch

    X = pd.DataFrame({"income.monthly": np.linspace(0, 1, 300), "age": np.linspace(20, 70, 300)})
    est = RandomForestRegressor(5, random_state=0).fit(X, X["age"] * 2)
    path = tmp_path / "dots.skm"
    skscore.export(est, path)
    got = skscore.spark.predict(spark.createDataFrame(X), str(path), keep=["age"]).toPandas()
    assert same_bits(got.prediction.to_numpy(), skscore.load(path).predict(X))
    for k in range(_batch.CACHE_SIZE + 2):
        blob = skscore.dumps(RandomForestRegressor(2, random_state=k).fit(X, X["age"]))
        _batch.model_bytes(blob)
    assert len(_batch._MODELS) == _batch.CACHE_SIZE


def test_kept_columns_pass_through_as_they_are(spark, tmp_path):
    """Kept columns of any Spark type come back as they went in (the
    batches stay Arrow), nulls included; an empty frame and empty
    partitions give no rows, not an error."""
    import datetime
    import decimal

    from sklearn.ensemble import RandomForestRegressor

    X = pd.DataFrame({"a": np.linspace(0, 1, 300), "b": np.linspace(20, 70, 300)})
    est = RandomForestRegressor(5, random_state=0).fit(X, X["b"] * 2)
    path = tmp_path / "kept.skm"
    skscore.export(est, path)
    start = datetime.datetime(2026, 1, 1)
    rows = [
        (float(a), float(b), None if i % 3 == 0 else i, start + datetime.timedelta(hours=i),
         decimal.Decimal(f"{i}.25"), [i, i + 1], None if i % 4 == 0 else f"n{i}")
        for i, (a, b) in enumerate(zip(X.a, X.b))
    ]
    schema = ("a double, b double, id bigint, ts timestamp, price decimal(10,2), tags array<int>, "
              "name string")
    df = spark.createDataFrame(rows, schema).repartition(3)
    keep = ["id", "ts", "price", "tags", "name"]
    scored = skscore.spark.predict(df, str(path), keep=keep)
    types = [f.dataType for f in scored.schema.fields[:len(keep)]]
    assert types == [df.schema[k].dataType for k in keep]
    got = sorted(scored.collect(), key=lambda r: r.ts)
    want = sorted(df.select(*keep, "a", "b").collect(), key=lambda r: r.ts)
    assert [tuple(r)[:len(keep)] for r in got] == [tuple(r)[:len(keep)] for r in want]
    m = skscore.load(path)
    ab = np.array([[r.a, r.b] for r in want])
    assert same_bits(np.array([r.prediction for r in got]), m.predict(ab))
    assert skscore.spark.predict(df.limit(0), str(path), keep=keep).collect() == []
    assert skscore.spark.predict(df.filter("a > 2"), str(path)).collect() == []
