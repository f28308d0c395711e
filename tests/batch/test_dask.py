"""skscore.dask on a real ``distributed.LocalCluster`` (2 worker processes):
200,000 rows read from Parquet, with NaN and missing strings, scored
through map_partitions; every output bit-identical to ``m.predict`` on the
same rows in process. Bad inputs fail before any task."""

from __future__ import annotations

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")
pytest.importorskip("sklearn")
dd = pytest.importorskip("dask.dataframe")
distributed = pytest.importorskip("distributed")

from batch_data import frame, same_bits  # noqa: E402

import skscore  # noqa: E402
import skscore.dask  # noqa: E402


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture(scope="module")
def data(batch_files):  # conftest.py
    return batch_files


@pytest.mark.parametrize("model, output", [
    ("pipe", "predict"), ("pipe", "predict_proba"),
    ("hgb", "predict"), ("hgb", "decision_function"), ("pipe", "contributions"),
])
def test_bit_identical_to_in_process(client, data, model, output):
    ddf = dd.read_parquet(str(data["parquet"]), split_row_groups=True)
    assert ddf.npartitions > 1
    scored = skscore.dask.predict(ddf, str(data[model]), output=output, keep=["id"])
    got = scored.compute().sort_values("id").reset_index(drop=True)
    X = pd.read_parquet(data["parquet"])
    assert (got.id.to_numpy() == X.id.to_numpy()).all()
    m = skscore.load(data[model])
    want = getattr(m, output)(X[list(m.feature_names_in_)])
    assert same_bits(got.drop(columns=["id"]).to_numpy().reshape(want.shape), want)
    if output == "contributions":
        assert got.columns[-1] == "contribution_refuse_bias"
    # the workers loaded the model, the client did not score
    assert len(client.scheduler_info()["workers"]) == 2


def test_meta_matches_the_partitions(client, data):
    m = skscore.load(data["pipe"])
    ddf = dd.read_parquet(str(data["parquet"]))
    scored = skscore.dask.predict(ddf, data["pipe"].read_bytes(), output="predict_proba")
    assert list(scored.columns) == [f"proba_{c}" for c in m.classes_]
    part = scored.partitions[0].compute()
    assert list(part.dtypes) == [np.float64, np.float64]
    labels = skscore.dask.predict(ddf, str(data["hgb"]))
    assert labels.dtypes.iloc[0] == np.int64
    assert labels.partitions[0].compute().dtypes.iloc[0] == np.int64


def test_bad_inputs_fail_before_any_task(data, tmp_path):
    ddf = dd.read_parquet(str(data["parquet"]))
    with pytest.raises(ValueError, match="'city'"):
        skscore.dask.predict(ddf.drop(columns=["city"]), str(data["pipe"]))
    with pytest.raises(FileNotFoundError):
        skscore.dask.predict(ddf, str(tmp_path / "none.skm"))
    with pytest.raises(skscore.ModelFileError):
        skscore.dask.predict(ddf, b"not a model file")
    with pytest.raises(ValueError, match="score_samples"):
        skscore.dask.predict(ddf, str(data["pipe"]), output="score_samples")


def test_a_missing_string_is_nan_whatever_the_frame_holds(data):
    """Spark's and pyarrow's pandas batches may hold a null string as None;
    scikit-learn's imputers tell None from NaN (here 46 of 2,000 rows score
    differently). Every batch scorer gives NaN's answer (_batch.py)."""
    from skscore import _batch

    m = skscore.load(data["pipe"])
    X = frame(2000, 3).drop(columns=["id"])
    as_none = X.assign(city=pd.Series(X.city.to_numpy(dtype=object), dtype=object))
    as_none.loc[as_none.city.isna(), "city"] = None
    assert sum(v is None for v in as_none.city) > 50
    with_nan = m.predict_proba(X)
    assert (m.predict_proba(as_none) != with_nan).any(), "the model no longer tells None from NaN"
    got = _batch.score_frame(m, as_none, "predict_proba").to_numpy()
    assert same_bits(got, with_nan)
