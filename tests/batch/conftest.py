"""The Spark and Dask tests' input, made once per session: the rows of
batch_data.frame in Parquet (row groups of 25,000: several partitions) and
the models of batch_data.models."""

from __future__ import annotations

from pathlib import Path

import pytest
from batch_data import frame, models


@pytest.fixture(scope="session")
def batch_files(tmp_path_factory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("batch")
    frame().to_parquet(d / "in.parquet", row_group_size=25_000)
    return {"dir": d, "parquet": d / "in.parquet", **models(d)}
