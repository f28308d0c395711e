#!/usr/bin/env python3
"""Batch scoring, 1 million rows from Parquet: skscore against scikit-learn
in the same engines (issue 15).

Two models a nightly job scores: a 100-tree RandomForestClassifier on 20
numeric columns with missing values, and a Pipeline (OneHotEncoder on two
string columns with missing values, imputer on six numeric columns, a
100-tree forest). For each, 1,000,000 rows are written to Parquet, then
timed end to end (reading the file included, predict_proba):

- in process: ``m.predict_proba(pd.read_parquet(...))`` with skscore and
  with scikit-learn -- the reference for the command line;
- ``skscore predict MODEL in.parquet -o out.parquet --proba`` (a new
  process: start-up, reading, scoring, writing);
- Spark ``local[2]``: ``skscore.spark.predict`` against the same job with
  scikit-learn inside ``mapInPandas`` (the estimator broadcast), written to
  Spark's ``noop`` sink; the same job with no scoring, through
  ``mapInPandas`` and through ``mapInArrow`` (no pandas), is the floor no
  scorer can go below;
- Dask, ``LocalCluster`` of 2 one-thread workers, the file read as a
  partition per row group: ``skscore.dask.predict`` against
  ``map_partitions`` with scikit-learn, reduced to a row count.

Every engine scores with 2 CPUs: the in-process runs and the command line
use the engine's 2 threads (scikit-learn's forest ``n_jobs=2``); Spark and
Dask run 2 tasks of one thread each. Before timing, the command line's,
Spark's and Dask's probabilities are checked bit-identical to skscore's in
process. Targets: >= 5x scikit-learn inside Spark and Dask; the command
line >= 80% of in-process rows/s.

Usage (repository root, after ``pip install '.[spark,dask]'``; Spark needs
a Java runtime)::

    python3 bench/bench_batch.py                 # ~5-10 minutes
    python3 bench/bench_batch.py --rows 100000   # a quicker look
    python3 bench/bench_batch.py --write-docs    # also rewrite its section of docs/BENCHMARKS.md
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from docs_section import write_section  # noqa: E402
from project_python import use_project_python  # noqa: E402

use_project_python()

import argparse  # noqa: E402
import datetime  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

START = "<!-- batch-bench:start (written by bench/bench_batch.py --write-docs) -->"
END = "<!-- batch-bench:end -->"
SKSCORE = Path(sys.executable).with_name("skscore")


def make_data(kind: str, n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    if kind == "forest":
        X = pd.DataFrame({f"f{i:02d}": rng.normal(size=n) for i in range(20)})
        X[X > 2.5] = np.nan
        y = (X.f00.fillna(0) + X.f01.fillna(0) * X.f02.fillna(1) > 0).astype(int).to_numpy()
        return X, y
    X = pd.DataFrame({
        "city": rng.choice(np.array([f"city-{i:02d}" for i in range(40)], dtype=object), n),
        "plan": rng.choice(np.array(["free", "basic", "pro", "team"], dtype=object), n),
        **{f"x{i}": rng.normal(size=n) for i in range(6)},
    })
    X.loc[rng.random(n) < 0.03, "city"] = np.nan
    X.loc[rng.random(n) < 0.05, "x0"] = np.nan
    y = np.where(X.x1 + (X.plan == "pro") > 0.4, "churn", "stay")
    return X, y


def train(kind: str) -> object:
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = make_data(kind, 20_000, 1)
    forest = RandomForestClassifier(n_estimators=100, max_depth=12, random_state=0, n_jobs=2)
    if kind == "forest":
        return forest.fit(X, y)
    cats = make_pipeline(SimpleImputer(strategy="most_frequent"),
                         OneHotEncoder(handle_unknown="ignore"))
    prep = make_column_transformer((cats, ["city", "plan"]),
                                   (SimpleImputer(), [f"x{i}" for i in range(6)]))
    return make_pipeline(prep, forest).fit(X, y)


def timed(fn, repeat: int = 1):
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def sklearn_frame(pdf: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    """What a partition function must do before scikit-learn: Dask's and
    Spark's string columns hold pd.NA or None, which scikit-learn's imputers
    do not take as missing (Dask's pd.NA even raises); NaN, as in training."""
    X = pdf[names]
    strings = [c for c in names if not pd.api.types.is_numeric_dtype(X[c])]
    if strings:
        X = X.astype({c: object for c in strings})
        for c in strings:
            X[c] = X[c].where(X[c].notna(), np.nan)
    return X


def spark_runs(spark, est, model_path: Path, parquet: Path, want: np.ndarray, names: list[str]):
    import skscore.spark

    df = spark.read.parquet(str(parquet))
    got = skscore.spark.predict(df, str(model_path), output="predict_proba").toPandas()
    assert np.array_equal(got.to_numpy(), want), "Spark + skscore differs from skscore in process"
    t_sk, _ = timed(lambda: skscore.spark.predict(spark.read.parquet(str(parquet)), str(model_path),
                                                  output="predict_proba")
                    .write.format("noop").mode("overwrite").save())
    bc = spark.sparkContext.broadcast(est)
    schema = ", ".join(f"`proba_{c}` double" for c in est.classes_)

    def sklearn_udf(batches):
        model = bc.value
        for pdf in batches:
            p = model.predict_proba(sklearn_frame(pdf, names))
            yield pd.DataFrame(p, columns=[f"proba_{c}" for c in model.classes_])

    t_sl, _ = timed(lambda: spark.read.parquet(str(parquet)).mapInPandas(sklearn_udf, schema)
                    .write.format("noop").mode("overwrite").save())

    def no_model(batches):  # the same job with no scoring: its floor
        for pdf in batches:
            yield pd.DataFrame(np.zeros((len(pdf), len(est.classes_))),
                               columns=[f"proba_{c}" for c in est.classes_])

    t_floor, _ = timed(lambda: spark.read.parquet(str(parquet)).mapInPandas(no_model, schema)
                       .write.format("noop").mode("overwrite").save())

    def no_model_arrow(batches):  # the floor without pandas: Arrow batches in and out
        import pyarrow as pa

        for b in batches:
            z = pa.array(np.zeros(b.num_rows))
            yield pa.RecordBatch.from_arrays([z] * len(est.classes_),
                                             names=[f"proba_{c}" for c in est.classes_])

    t_arrow, _ = timed(lambda: spark.read.parquet(str(parquet)).mapInArrow(no_model_arrow, schema)
                       .write.format("noop").mode("overwrite").save())
    return t_sk, t_sl, t_floor, t_arrow


def dask_runs(client, est, model_path: Path, parquet: Path, want: np.ndarray, names: list[str]):
    import dask.dataframe as dd

    import skscore.dask

    def read(path: Path):
        # A partition per row group (10): by default Dask reads a file of
        # this size as one partition, which one worker scores alone while
        # the other waits (measured: the forest's 1M rows in 4.2-4.7 s with
        # skscore, 8.7 s with scikit-learn, on one of the two CPUs).
        return dd.read_parquet(str(path), split_row_groups=True)

    ddf = read(parquet)
    got = skscore.dask.predict(ddf, str(model_path), output="predict_proba").compute()
    assert np.array_equal(got.to_numpy(), want), "Dask + skscore differs from skscore in process"
    t_sk, _ = timed(lambda: len(skscore.dask.predict(read(parquet), str(model_path),
                                                     output="predict_proba")))
    est_future = client.scatter(est, broadcast=True)
    meta = pd.DataFrame({f"proba_{c}": pd.Series(dtype="float64") for c in est.classes_})

    def part(pdf, model):
        return pd.DataFrame(model.predict_proba(sklearn_frame(pdf, names)), index=pdf.index,
                            columns=[f"proba_{c}" for c in model.classes_])

    t_sl, _ = timed(lambda: len(read(parquet).map_partitions(
        part, est_future, meta=meta)))

    def no_model(pdf):  # the same job with no scoring: its floor
        return pd.DataFrame(np.zeros((len(pdf), len(est.classes_))), index=pdf.index,
                            columns=[f"proba_{c}" for c in est.classes_])

    t_floor, _ = timed(lambda: len(read(parquet).map_partitions(no_model, meta=meta)))
    return t_sk, t_sl, t_floor


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--no-spark", action="store_true", help="leave Spark out")
    ap.add_argument("--no-dask", action="store_true", help="leave Dask out")
    ap.add_argument("--write-docs", action="store_true", help="rewrite its section of docs/BENCHMARKS.md")
    args = ap.parse_args()
    import sklearn

    import skscore

    n = args.rows
    results: dict[str, dict[str, float]] = {}
    versions = {"skscore": skscore.__version__, "scikit-learn": sklearn.__version__,
                "pandas": pd.__version__}
    spark = client = cluster = None
    if not args.no_spark:
        import pyspark
        from pyspark.sql import SparkSession

        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        spark = (SparkSession.builder.master("local[2]").appName("bench_batch")
                 .config("spark.ui.enabled", "false")
                 .config("spark.sql.execution.arrow.maxRecordsPerBatch", "20000")
                 .getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        versions["pyspark"] = pyspark.__version__
    if not args.no_dask:
        import dask
        from distributed import Client, LocalCluster

        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
        versions["dask"] = dask.__version__
    import pyarrow

    versions["pyarrow"] = pyarrow.__version__
    t_all = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        for kind in ("forest", "pipeline"):
            print(f"== {kind}: training, writing {n:,} rows to Parquet", flush=True)
            est = train(kind)
            model_path = d / f"{kind}.skm"
            skscore.export(est, model_path)
            m = skscore.load(model_path)
            X, _ = make_data(kind, n, 2)
            names = list(X.columns)
            parquet = d / f"{kind}.parquet"
            X.to_parquet(parquet, row_group_size=100_000)
            del X
            r: dict[str, float] = {}
            r["in-process skscore"], want = timed(
                lambda: m.predict_proba(pd.read_parquet(parquet)), repeat=2)
            r["in-process scikit-learn"], _ = timed(
                lambda: est.predict_proba(pd.read_parquet(parquet)))
            # scikit-learn's forest sums its trees in completion order when
            # n_jobs > 1; in tree order (what skscore does) with n_jobs=1.
            forest = est if kind == "forest" else est[-1]
            forest.set_params(n_jobs=1)
            head = pd.read_parquet(parquet).head(20_000)
            assert np.array_equal(m.predict_proba(head), est.predict_proba(head)), "not bit-identical"
            forest.set_params(n_jobs=2)
            out = d / "out.parquet"
            cmd = [str(SKSCORE), "predict", str(model_path), str(parquet), "-o", str(out),
                   "--proba", "-q"]
            r["skscore predict (CLI)"], _ = timed(lambda: subprocess.run(cmd, check=True), repeat=2)
            got = pd.read_parquet(out).to_numpy()
            assert np.array_equal(got, want), "the CLI differs from skscore in process"
            # Spark and Dask run a task per CPU already: one thread each.
            forest.set_params(n_jobs=1)
            if spark is not None:
                (r["Spark + skscore"], r["Spark + scikit-learn"], r["Spark, no scoring"],
                 r["Spark, no scoring (Arrow)"]) = spark_runs(spark, est, model_path, parquet, want, names)
            if client is not None:
                r["Dask + skscore"], r["Dask + scikit-learn"], r["Dask, no scoring"] = dask_runs(
                    client, est, model_path, parquet, want, names)
            results[kind] = r
            for k, v in r.items():
                print(f"  {k:26} {v:8.2f} s  {n / v:12,.0f} rows/s", flush=True)
    if spark is not None:
        spark.stop()
    if client is not None:
        client.close()
        cluster.close()
    elapsed = time.perf_counter() - t_all

    lines, targets = table(results, n)
    print("\n".join(lines + [""] + targets))
    if args.write_docs:
        write_docs(lines, targets, versions, n, elapsed)
    return 0


def table(results: dict[str, dict[str, float]], n: int) -> tuple[list[str], list[str]]:
    lines = ["| model | run | seconds | rows/s | skscore / scikit-learn |", "|---|---|---:|---:|---:|"]
    targets = []
    for kind, r in results.items():
        for engine in ("in-process", "Spark", "Dask"):
            pair = (f"{engine} skscore", f"{engine} scikit-learn") if engine == "in-process" \
                else (f"{engine} + skscore", f"{engine} + scikit-learn")
            if pair[0] not in r:
                continue
            ratio = r[pair[1]] / r[pair[0]]
            lines.append(f"| {kind} | {pair[0]} | {r[pair[0]]:.2f} | {n / r[pair[0]]:,.0f} | {ratio:.1f}x |")
            lines.append(f"| {kind} | {pair[1]} | {r[pair[1]]:.2f} | {n / r[pair[1]]:,.0f} | |")
            if engine != "in-process":
                floor = r[f"{engine}, no scoring"]
                lines.append(f"| {kind} | {engine}, no scoring (the job's floor) | {floor:.2f} | "
                             f"{n / floor:,.0f} | |")
                how = ""
                arrow = r.get(f"{engine}, no scoring (Arrow)")
                if arrow is not None:
                    lines.append(f"| {kind} | {engine}, no scoring, mapInArrow (no pandas) | {arrow:.2f} | "
                                 f"{n / arrow:,.0f} | |")
                    if arrow < floor:
                        floor, how = arrow, " (mapInArrow, without pandas)"
                met = "MET" if ratio >= 5 else "MISSED"
                targets.append(f"- {met}: {kind}, {engine}: skscore >= 5x scikit-learn in the same "
                               f"engine: {ratio:.1f}x; the same job scoring nothing takes {floor:.2f} s{how}, "
                               f"so no scorer can make it more than {r[pair[1]] / floor:.1f}x "
                               f"scikit-learn's run here")
        cli = r["skscore predict (CLI)"]
        share = r["in-process skscore"] / cli
        lines.append(f"| {kind} | skscore predict (CLI, new process) | {cli:.2f} | {n / cli:,.0f} | |")
        met = "MET" if share >= 0.8 else "MISSED"
        targets.append(f"- {met}: {kind}, the CLI >= 80% of in-process rows/s (Parquet reading "
                       f"included): {100 * share:.0f}%")
    return lines, targets


def write_docs(lines, targets, versions, n, elapsed) -> None:
    machine = f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    write_section(START, END, [
        "",
        f"{n:,} rows, {machine}, {datetime.date.today().isoformat()}, "
        + ", ".join(f"{k} {v}" for k, v in versions.items()) + f"; the run took {elapsed / 60:.0f} min.",
        "",
        *lines,
        "",
        *targets,
    ])

if __name__ == "__main__":
    sys.exit(main())
