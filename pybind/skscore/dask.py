"""Score a Dask DataFrame with a skscore model file, through ``map_partitions``.

    import dask.dataframe as dd
    import skscore.dask
    scored = skscore.dask.predict(dd.read_parquet("in/"), "model.skm", output="predict_proba")
    scored.to_parquet("out/")

What it owns: the model's bytes as one task of the graph (``dask.delayed``,
sent to each worker once, not embedded in every partition's task), loading
it once per worker process (_batch.cached_model, keyed by the bytes'
SHA-256), and the ``meta`` of the answer. Every partition is scored by
``_batch.score_frame`` -- the columns by name, a missing string as NaN --
and ``Model.predict``: the bits a notebook gets from ``m.predict`` on the
same rows. docs/BATCH.md says how to run it on a cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from . import _batch


def _score_partition(
    frame: Any,
    data: bytes,
    digest: str,
    output: str,
    keep: list[str],
    n_threads: int,
    names: list[str],
    out_names: list[str],
) -> Any:
    model = _batch.cached_model(data, digest)
    return _batch.score_frame(
        model, frame, output, keep=keep, n_threads=n_threads, names=names, out_names=out_names
    )


def predict(
    ddf: Any, model: Any, output: str = "predict", *, keep: Sequence[str] = (), n_threads: int = 1
) -> Any:
    """``output`` of the model file ``model`` for every row of Dask DataFrame ``ddf``.

    Parameters
    ----------
    ddf
        A ``dask.dataframe.DataFrame`` holding the model's input columns (by
        name; a model exported without names takes the columns not kept, in
        order). Other columns are left out unless kept.
    model
        A path to a ``.skm`` file readable where this is called, or its
        bytes. It is loaded here first, so a missing or bad file fails
        before any task runs.
    output
        ``"predict"``, ``"predict_proba"``, ``"decision_function"``,
        ``"score_samples"`` or ``"contributions"``; the columns are named as
        ``skscore predict`` names them (``prediction``, ``proba_<class>``,
        ``decision``, ``score``, ``contribution_<column>``).
    keep
        Columns of ``ddf`` copied to the answer, before the outputs.
    n_threads
        Engine threads per partition (default 1: a worker runs a partition
        per thread already; raise it for workers with one thread and
        several cores).

    Returns
    -------
    dask.dataframe.DataFrame
        Lazy, on ``ddf``'s partitions and index.
    """
    import dask
    import pandas as pd

    pl = _batch.plan(model, ddf.columns, output, keep)
    dtype = _batch.output_dtype(pl.model, output)
    meta = pd.DataFrame({k: ddf._meta[k] for k in pl.keep})
    for n in pl.out_names:
        meta[n] = pd.Series([], dtype=object if dtype.kind in "US" else dtype)
    shipped = dask.delayed(pl.data, pure=True, name=f"skscore-model-{pl.digest[:16]}")
    return ddf.map_partitions(
        _score_partition,
        shipped,
        pl.digest,
        output,
        pl.keep,
        int(n_threads),
        pl.names,
        pl.out_names,
        meta=meta,
    )
