"""Score a Spark DataFrame with a skscore model file, through ``mapInArrow``.

    import skscore.spark
    scored = skscore.spark.predict(df, "model.skm", output="predict_proba", keep=["id"])
    scored.write.parquet("s3://bucket/scores/2026-12-04")

What it owns: shipping the model to the executors (the file's bytes,
broadcast once per call), loading it once per executor Python process
(_batch.cached_model, keyed by the bytes' SHA-256; Spark reuses its Python
workers), and the Spark schema of the answer. Every batch is scored by
``_batch.score_arrow`` -- the columns by name, a null string as NaN -- and
``Model.predict``: the bits a notebook gets from ``m.predict`` on the same
rows. docs/BATCH.md says how to run it on a cluster.

Batches stay Arrow record batches, as the command line's do
(``_batch.arrow_input``): no conversion to pandas and back, a string
column's distinct values made Python strings once per batch, the kept
columns handed back as Spark sent them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from . import _batch


def _spark_type(dtype: np.dtype) -> str:
    if dtype.kind in "USO":
        return "string"
    if dtype.kind == "b":
        return "boolean"
    if dtype.kind in "iu":
        return "bigint" if dtype.itemsize > 4 or dtype.kind == "u" else "int"
    return "float" if dtype == np.float32 else "double"


def _arrow_type(spark_type: str) -> Any:
    """The Arrow type of a Spark type _spark_type gives (in a task)."""
    import pyarrow as pa

    return {
        "string": pa.string(),
        "boolean": pa.bool_(),
        "bigint": pa.int64(),
        "int": pa.int32(),
        "float": pa.float32(),
        "double": pa.float64(),
    }[spark_type]


def _quote(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def predict(
    df: Any,
    model: Any,
    output: str = "predict",
    *,
    keep: Sequence[str] = (),
    n_threads: int | None = None,
) -> Any:
    """``output`` of the model file ``model`` for every row of Spark DataFrame ``df``.

    Parameters
    ----------
    df
        A ``pyspark.sql.DataFrame`` holding the model's input columns (by
        name; a model exported without names takes the columns not kept, in
        order). Other columns are left out unless kept.
    model
        A path to a ``.skm`` file readable on the driver, or its bytes. It is
        loaded here first, so a missing or bad file fails before the job.
    output
        ``"predict"``, ``"predict_proba"``, ``"decision_function"``,
        ``"score_samples"`` or ``"contributions"``; the columns are named as
        ``skscore predict`` names them (``prediction``, ``proba_<class>``,
        ``decision``, ``score``, ``contribution_<column>``).
    keep
        Columns of ``df`` copied to the answer, before the outputs (an id).
    n_threads
        Engine threads per task. Default: ``spark.task.cpus`` (1 unless
        set): Spark already runs a task per core, and more threads per task
        would only contend with the other tasks.

    Returns
    -------
    pyspark.sql.DataFrame
        Lazily evaluated, like any Spark transformation.
    """
    pl = _batch.plan(model, df.columns, output, keep)
    names, keep, out_names, selected, digest = (
        pl.names,
        pl.keep,
        pl.out_names,
        pl.selected,
        pl.digest,
    )
    if n_threads is None:
        spark = df.sparkSession
        n_threads = int(spark.conf.get("spark.task.cpus", "1") or 1)
    out_type = _spark_type(_batch.output_dtype(pl.model, output))
    fields = {f.name: f for f in df.schema.fields}
    schema = ", ".join(
        [f"{_quote(k)} {fields[k].dataType.simpleString()}" for k in keep]
        + [f"{_quote(n)} {out_type}" for n in out_names]
    )
    shipped = df.sparkSession.sparkContext.broadcast(pl.data)
    threads = int(n_threads)
    cols = _batch.arrow_columns(pl.model, names, pl.present)

    def score(batches: Iterator[Any]) -> Iterator[Any]:
        import pyarrow as pa

        from skscore import _batch as batch_lib

        model_here = batch_lib.cached_model(shipped.value, digest)
        types = [_arrow_type(out_type)] * len(out_names)
        for batch in batches:
            # the names the aliases below stand for
            batch = pa.RecordBatch.from_arrays(batch.columns, names=selected)
            yield batch_lib.score_arrow(
                pa,
                model_here,
                batch,
                output,
                cols,
                keep=keep,
                n_threads=threads,
                out_names=out_names,
                types=types,
            )

    from pyspark.sql import functions as sf

    # Plain aliases into mapInArrow, which reads its input columns by name
    # unquoted (a column named "a.b" would be taken for a struct's field);
    # the backquotes select such a column as itself.
    aliased = [sf.col(_quote(c)).alias(f"_skscore_{i}") for i, c in enumerate(selected)]
    return df.select(*aliased).mapInArrow(score, schema)
