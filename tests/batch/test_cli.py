"""The ``skscore`` command, run as users run it: the installed console script
in a subprocess, on real Parquet and CSV files.

What it checks: every verb's --help; ``inspect`` (text and --json) against
the model; ``predict`` bit-identical to ``m.predict`` in process for labels
(strings, ints), probabilities, decision and score_samples, with NaN and
string columns, float32 Parquet, shuffled and extra columns, CSV in and out,
any batch size; kept columns; memory that stays flat as the input grows
(peak RSS of a subprocess, not time); every bad input's exit code and the
row it names, and that a failed run leaves an earlier output untouched;
``export`` from joblib with --validate; ``serve`` starting the real gateway.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pd = pytest.importorskip("pandas")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
pytest.importorskip("sklearn")
joblib = pytest.importorskip("joblib")

from batch_data import fitted_pipeline, frame, same_bits  # noqa: E402
from sklearn.compose import make_column_transformer  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    GradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.neighbors import KNeighborsClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import OrdinalEncoder  # noqa: E402

import skscore  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).with_name("skscore")


def run(*args: str, check: int | None = 0, **kw) -> subprocess.CompletedProcess[str]:
    exe = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "skscore"]
    p = subprocess.run(exe + list(args), capture_output=True, text=True, timeout=300, **kw)
    if check is not None:
        assert p.returncode == check, (p.returncode, p.stdout, p.stderr)
    return p


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    X = frame(6000).drop(columns=["id"])  # the id the files get is id * 7
    y = np.where(X.score + (X.city == "rome") > 0.3, "approve", "refuse")
    pipe = fitted_pipeline(X, n_estimators=15, max_depth=9)
    num = X[["age", "income", "score"]]
    gbc = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(
        num.fillna(0), (X.score > 0).astype(int) + (X.age > 45))
    iso = IsolationForest(n_estimators=20, random_state=0).fit(num.fillna(0))
    reg = RandomForestRegressor(n_estimators=10, max_depth=8, random_state=0).fit(
        num.fillna(0), np.c_[X.score * 2, X.age])
    strict = make_pipeline(
        make_column_transformer((OrdinalEncoder(), ["city"]), remainder="passthrough"),
        RandomForestClassifier(n_estimators=5, random_state=0),
    ).fit(X.fillna({"city": "paris"}), y)
    out = {"dir": d}
    for name, est in (("pipe", pipe), ("gbc", gbc), ("iso", iso), ("reg", reg), ("strict", strict)):
        skscore.export(est, d / f"{name}.skm", metadata={"owner": "risk-team"})
        out[name] = d / f"{name}.skm"
    joblib.dump(pipe, d / "pipe.joblib")
    out["joblib"] = d / "pipe.joblib"
    X.assign(id=np.arange(len(X)) * 7).to_parquet(d / "in.parquet")
    X.assign(id=np.arange(len(X)) * 7).to_csv(d / "in.csv", index=False)
    out["parquet"], out["csv"] = d / "in.parquet", d / "in.csv"
    return out


def model_frame(path: Path) -> pd.DataFrame:
    X = pd.read_parquet(path)
    return X.drop(columns=[c for c in ("id", "extra") if c in X])


# ------------------------------------------------------------------- help


def test_help_on_every_verb() -> None:
    top = run("--help")
    for verb in ("inspect", "export", "predict", "serve"):
        assert verb in top.stdout
        assert "usage: skscore " + verb in run(verb, "--help").stdout
    assert "exit codes" in top.stdout
    assert skscore.__version__ in run("--version").stdout
    assert run(check=2).returncode == 2  # no verb
    assert "invalid choice" in run("frobnicate", check=2).stderr


def test_python_dash_m(files) -> None:
    p = subprocess.run([sys.executable, "-m", "skscore", "inspect", str(files["pipe"]), "--json"],
                       capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(p.stdout)["estimator"] == "Pipeline"


# ---------------------------------------------------------------- inspect


def test_inspect(files) -> None:
    m = skscore.load(files["pipe"])
    d = json.loads(run("inspect", str(files["pipe"]), "--json").stdout)
    assert d["checksum"] == m.checksum
    assert d["size_bytes"] == files["pipe"].stat().st_size
    assert d["classes"] == ["approve", "refuse"]
    assert [c["name"] for c in d["inputs"]] == ["age", "income", "score", "city"]
    assert [c["kind"] for c in d["inputs"]] == ["number"] * 3 + ["string"]
    assert set(d["inputs"][3]["categories"]) >= {"lima", "oslo", "paris", "rome"}
    assert d["outputs"]["predict_proba"] == {"columns": 2, "ndim": 2, "values": "float64"}
    assert "decision_function" not in d["outputs"]
    assert d["metadata"] == {"owner": "risk-team"}
    assert d["trees"]["n_trees"] == 15 and d["format_version"].startswith("1.")
    text = run("inspect", str(files["pipe"])).stdout
    for part in ("Pipeline", "city", "categories: ", "predict_proba", "owner = risk-team",
                 m.checksum):
        assert part in text
    iso = json.loads(run("inspect", str(files["iso"]), "--json").stdout)
    assert set(iso["outputs"]) == {"predict", "decision_function", "score_samples", "contributions"}


# ---------------------------------------------------------------- predict


@pytest.mark.parametrize("flag, output", [
    ("", "predict"), ("--proba", "predict_proba"),
])
def test_predict_pipeline_parquet_bit_identical(files, tmp_path, flag, output) -> None:
    out = tmp_path / "out.parquet"
    run("predict", str(files["pipe"]), str(files["parquet"]), "-o", str(out), "--keep", "id",
        *([flag] if flag else []), "--batch-rows", "1000")
    m = skscore.load(files["pipe"])
    X = model_frame(files["parquet"])
    want = getattr(m, output)(X)
    got = pd.read_parquet(out)
    assert list(got.columns[:1]) == ["id"] and (got.id.to_numpy() == np.arange(len(X)) * 7).all()
    if output == "predict":
        assert list(got.columns) == ["id", "prediction"]
        assert same_bits(got.prediction.to_numpy(dtype=object), want.astype(object))
    else:
        assert list(got.columns) == ["id", "proba_approve", "proba_refuse"]
        assert same_bits(got[["proba_approve", "proba_refuse"]].to_numpy(), want)


@pytest.mark.parametrize("form", ["string", "category", "large_string"])
def test_string_columns_in_every_parquet_form(files, tmp_path, form) -> None:
    """The command reads the model's string columns dictionary-encoded (each
    distinct string once a batch): plain, categorical (dictionary on disk)
    and large strings, with nulls, a city the encoder never saw and a
    dictionary that changes between row groups, all give m.predict_proba's
    bits on the same frame."""
    X = model_frame(files["parquet"]).head(3000).copy()
    X.loc[2500:, "city"] = "tokyo"  # unseen, only in the last row group
    X.loc[::97, "city"] = None
    table = pa.Table.from_pandas(X.astype({"city": "category"}) if form == "category" else X,
                                 preserve_index=False)
    if form == "large_string":
        table = table.set_column(table.schema.get_field_index("city"), "city",
                                 table.column("city").cast(pa.large_string()))
    src = tmp_path / "in.parquet"
    pq.write_table(table, src, row_group_size=1000)
    out = tmp_path / "out.parquet"
    run("predict", str(files["pipe"]), str(src), "-o", str(out), "--proba", "--batch-rows", "700")
    m = skscore.load(files["pipe"])
    want = m.predict_proba(X)
    assert same_bits(pd.read_parquet(out).to_numpy(), want)


def test_predict_does_not_import_pandas(files, tmp_path) -> None:
    """String columns go to the model as a mapping of columns: the command
    never imports pandas (its import alone was a fifth of a 1M-row run)."""
    out = tmp_path / "out.parquet"
    exe = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "skscore"]
    p = subprocess.run(exe + ["predict", str(files["pipe"]), str(files["parquet"]), "-o", str(out), "--proba",
                              "-q"], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"})
    assert p.returncode == 0, p.stderr
    imported = {line.split("|")[-1].strip() for line in p.stderr.splitlines() if line.startswith("import time:")}
    assert "skscore.cli" in imported and "pyarrow" in imported, sorted(imported)[:20]
    # a refused import is listed too, in microseconds; pandas itself
    # imports some hundred modules of its own
    assert not any(name.startswith("pandas.") for name in imported), sorted(n for n in imported if "pandas" in n)
    m = skscore.load(files["pipe"])
    assert same_bits(pd.read_parquet(out).to_numpy(), m.predict_proba(model_frame(files["parquet"])))


@pytest.mark.parametrize("model, flag, output", [
    ("gbc", "", "predict"), ("gbc", "--proba", "predict_proba"),
    ("gbc", "--decision", "decision_function"), ("iso", "--score-samples", "score_samples"),
    ("iso", "--decision", "decision_function"), ("iso", "", "predict"), ("reg", "", "predict"),
])
def test_predict_outputs_csv_bit_identical(files, tmp_path, model, flag, output) -> None:
    """CSV in and out: numbers read as Python's float() reads them, written
    so that they read back to the same bits."""
    X = model_frame(files["parquet"])[["age", "income", "score"]].fillna(0)
    src = tmp_path / "in.csv"
    X.sample(frac=1, random_state=1).assign(extra="x")[["extra", "score", "income", "age"]] \
        .to_csv(src, index=False)  # shuffled rows, reordered and extra columns
    Xs = pd.read_csv(src, usecols=["age", "income", "score"])[["age", "income", "score"]]
    out = tmp_path / "out.csv"
    run("predict", str(files[model]), str(src), "-o", str(out), *([flag] if flag else []),
        "--batch-rows", "777")
    m = skscore.load(files[model])
    want = getattr(m, output)(Xs)
    got = pd.read_csv(out)
    if want.ndim == 2:
        assert got.shape == want.shape
    assert same_bits(got.to_numpy().reshape(want.shape).astype(want.dtype), want)


def test_contributions_per_input_column(files, tmp_path) -> None:
    out = tmp_path / "c.parquet"
    run("predict", str(files["pipe"]), str(files["parquet"]), "-o", str(out), "--contributions",
        "--keep", "id", "--batch-rows", "2500")
    m = skscore.load(files["pipe"])
    X = model_frame(files["parquet"])
    want = m.contributions(X)  # (n, 2 classes, 4 columns + bias)
    got = pd.read_parquet(out)
    cols = [f"contribution_{k}_{c}" for k in ("approve", "refuse")
            for c in ("age", "income", "score", "city", "bias")]
    assert list(got.columns) == ["id", *cols]
    assert same_bits(got[cols].to_numpy(), want.reshape(len(X), -1))


def test_float32_parquet_scores_as_float32(files, tmp_path) -> None:
    X = model_frame(files["parquet"])[["age", "income", "score"]].fillna(0).astype(np.float32)
    src, out = tmp_path / "in32.parquet", tmp_path / "out.parquet"
    X.to_parquet(src)
    run("predict", str(files["gbc"]), str(src), "-o", str(out), "--decision")
    want = skscore.load(files["gbc"]).decision_function(X)
    assert same_bits(pd.read_parquet(out).to_numpy(), want)


def test_batch_size_and_threads_do_not_change_bits(files, tmp_path) -> None:
    outs = []
    for i, extra in enumerate((["--batch-rows", "1"], ["--batch-rows", "4999", "--threads", "2"],
                               ["--batch-rows", "100000", "--threads", "1"])):
        out = tmp_path / f"o{i}.parquet"
        src = files["parquet"]
        if extra[1] == "1":  # one row per batch: keep it short
            src = tmp_path / "head.parquet"
            pd.read_parquet(files["parquet"]).head(300).to_parquet(src)
        run("predict", str(files["pipe"]), str(src), "-o", str(out), "--proba", *extra)
        outs.append(pd.read_parquet(out).to_numpy())
    assert same_bits(outs[0], outs[1][:300])
    assert same_bits(outs[1], outs[2])


def test_keep_all_and_stdout(files) -> None:
    p = run("predict", str(files["pipe"]), str(files["csv"]), "-o", "-", "--keep-all")
    lines = p.stdout.splitlines()
    assert lines[0].replace('"', "") == "age,income,score,city,id,prediction"
    assert len(lines) == 6001 and p.stderr == ""  # nothing but the table on stdout


def test_int_labels_and_empty_input(files, tmp_path) -> None:
    src, out = tmp_path / "empty.parquet", tmp_path / "out.parquet"
    model_frame(files["parquet"]).head(0)[["age", "income", "score"]].to_parquet(src)
    run("predict", str(files["gbc"]), str(src), "-o", str(out))
    got = pq.read_table(out)
    assert got.num_rows == 0 and got.schema.field("prediction").type == pa.int64()


def test_progress_only_when_asked_or_on_a_terminal(files, tmp_path) -> None:
    out = tmp_path / "o.parquet"
    piped = run("predict", str(files["pipe"]), str(files["parquet"]), "-o", str(out))
    assert "\r" not in piped.stderr and "rows scored" in piped.stderr
    forced = subprocess.run([str(SCRIPT), "predict", str(files["pipe"]), str(files["parquet"]),
                             "-o", str(out), "--progress", "--batch-rows", "500"],
                            capture_output=True, timeout=120, check=True).stderr
    assert b"rows/s" in forced and b"\r" in forced and b"done in" in forced


def test_memory_stays_flat(files, tmp_path) -> None:
    """Peak RSS scoring 2,000,000 rows is within 30 MB of scoring 500,000:
    memory stops growing once the batches in flight (read, scored, written)
    have warmed the allocators up (measured: +0 to +8 MB; from 50,000 rows,
    which never reach that steady state, +25 to +42 MB). The 1,500,000 more
    rows' six float64 columns alone are 72 MB, and reading the whole file
    ahead (iter_batches over every row group) measured +125 MB."""
    rng = np.random.default_rng(5)

    def write(n: int, path: Path) -> None:
        writer = None
        for start in range(0, n, 250_000):
            k = min(250_000, n - start)
            t = pa.table({"age": rng.normal(40, 12, k), "income": rng.lognormal(10, 1, k),
                          "score": rng.normal(size=k), "pad1": rng.normal(size=k),
                          "pad2": rng.normal(size=k), "pad3": rng.normal(size=k)})
            writer = writer or pq.ParquetWriter(path, t.schema)
            writer.write_table(t, row_group_size=50_000)
        writer.close()

    peaks = []
    for n in (500_000, 2_000_000):
        src = tmp_path / f"{n}.parquet"
        write(n, src)
        code = (
            "import resource, subprocess, sys\n"
            f"subprocess.run({[str(SCRIPT), 'predict', str(files['gbc']), str(src), '-o', str(tmp_path / 'o.parquet'), '--keep-all', '--batch-rows', '20000']!r}, check=True)\n"  # noqa: E501
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        )
        p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           timeout=600, check=True)
        peaks.append(int(p.stdout.split()[-1]) / 1024)
        assert pq.read_metadata(tmp_path / "o.parquet").num_rows == n
    print(f"peak RSS: 500k rows {peaks[0]:.0f} MB, 2M rows {peaks[1]:.0f} MB")
    assert peaks[1] - peaks[0] < 30, peaks


# ------------------------------------------------------------- bad inputs


def test_bad_inputs_exit_codes_and_messages(files, tmp_path) -> None:
    d = tmp_path
    X = model_frame(files["parquet"])
    X.drop(columns=["city"]).to_parquet(d / "nocity.parquet")
    X.assign(income=X.income.astype(str)).to_parquet(d / "strnum.parquet")
    X.assign(city=np.arange(len(X))).to_parquet(d / "numcity.parquet")
    (d / "junk.parquet").write_bytes(b"not parquet at all")
    (d / "junk.skm").write_bytes(b"SKM\x00garbage")
    lines = (files["csv"]).read_text().splitlines()
    cells = lines[4322].split(",")
    cells[1] = "12,5"[:2] + "x"  # not a number
    lines[4322] = ",".join(cells)
    (d / "badnum.csv").write_text("\n".join(lines) + "\n")
    cases = [
        # (args, exit code, words the message must hold)
        (["predict", str(files["pipe"]), str(d / "nocity.parquet"), "-o", str(d / "o.parquet")],
         4, ["'city'", "does not have"]),
        (["predict", str(files["pipe"]), str(d / "strnum.parquet"), "-o", str(d / "o.parquet")],
         4, ["'income'", "takes numbers"]),
        (["predict", str(files["pipe"]), str(d / "numcity.parquet"), "-o", str(d / "o.parquet")],
         4, ["'city'", "takes strings"]),
        (["predict", str(files["pipe"]), str(d / "junk.parquet"), "-o", str(d / "o.parquet")],
         4, ["junk.parquet", "parquet"]),
        (["predict", str(files["pipe"]), str(d / "none.parquet"), "-o", str(d / "o.parquet")],
         4, ["no such input file"]),
        (["predict", str(files["pipe"]), str(d / "badnum.csv"), "-o", str(d / "o.csv")],
         4, ["row 4321", "line 4323", "'income'", "not a number"]),
        (["predict", str(d / "none.skm"), str(files["parquet"]), "-o", str(d / "o.parquet")],
         3, ["no such model file"]),
        (["predict", str(d / "junk.skm"), str(files["parquet"]), "-o", str(d / "o.parquet")],
         3, ["junk.skm", "model file"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", str(d / "o.parquet"),
          "--decision"], 2, ["no decision_function", "--proba"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", str(d / "o.parquet"),
          "--keep", "nope"], 4, ["'nope'"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", str(d / "o.parquet"),
          "--keep", "prediction"], 4, ["'prediction'"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", str(d / "no/o.parquet")],
         5, ["no such directory"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", str(d / "o.txt")],
         2, ["--output-format"]),
        (["predict", str(files["pipe"]), str(files["parquet"])], 2, ["--output"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", "x.csv", "--bogus"],
         2, ["--bogus"]),
        (["predict", str(files["pipe"]), str(files["parquet"]), "-o", "x.csv", "--proba",
          "--decision"], 2, ["not allowed"]),
    ]
    for args, code, words in cases:
        p = run(*args, check=code)
        for w in words:
            assert w in p.stderr, (args, p.stderr)
        assert "Traceback" not in p.stderr, p.stderr


def test_bad_value_named_by_its_row_in_the_whole_input(files, tmp_path) -> None:
    """An unknown category (an encoder fitted with handle_unknown='error') in
    the fourth batch: the row is counted from the input's start, and an
    earlier output at that path is left as it was."""
    X = model_frame(files["parquet"]).fillna({"city": "paris"})
    X.loc[3210, "city"] = "atlantis"
    src, out = tmp_path / "in.parquet", tmp_path / "out.parquet"
    X.to_parquet(src)
    out.write_bytes(b"yesterday's scores")
    p = run("predict", str(files["strict"]), str(src), "-o", str(out), "--batch-rows", "1000",
            check=4)
    assert "row 3210" in p.stderr and "atlantis" in p.stderr, p.stderr
    assert out.read_bytes() == b"yesterday's scores"
    assert not [f for f in os.listdir(tmp_path) if f.endswith(".part")]
    X.loc[3210, "score"] = np.inf  # scikit-learn refuses infinity too
    X.loc[3210, "city"] = "paris"
    X.to_parquet(src)
    p = run("predict", str(files["strict"]), str(src), "-o", str(out), "--batch-rows", "1000",
            check=4)
    assert "row 3210" in p.stderr and "infinity" in p.stderr, p.stderr


# ----------------------------------------------------------------- export


def test_export_from_joblib_with_validate(files, tmp_path) -> None:
    out = tmp_path / "exported.skm"
    p = run("export", str(files["joblib"]), str(out), "--validate", str(files["parquet"]),
            "--metadata", "team=risk")
    assert "runs whatever code" in p.stderr  # the pickle warning
    assert "PASSED" in p.stdout and "predict_proba" in p.stdout
    m = skscore.load(out)
    assert m.metadata == {"team": "risk"}
    X = model_frame(files["parquet"])
    assert same_bits(m.predict_proba(X), joblib.load(files["joblib"]).predict_proba(X))
    # CSV data too (the id column is not the estimator's: left out)
    p = run("export", str(files["joblib"]), str(tmp_path / "e2.skm"), "--validate",
            str(files["csv"]))
    assert "PASSED" in p.stdout


def test_export_refusals(files, tmp_path) -> None:
    knn = KNeighborsClassifier().fit(np.random.rand(20, 2), np.arange(20) % 2)
    joblib.dump(knn, tmp_path / "knn.joblib")
    p = run("export", str(tmp_path / "knn.joblib"), str(tmp_path / "k.skm"), check=3)
    assert "KNeighborsClassifier" in p.stderr
    (tmp_path / "junk.joblib").write_bytes(b"\x80\x04junk")
    run("export", str(tmp_path / "junk.joblib"), str(tmp_path / "j.skm"), check=3)
    run("export", str(tmp_path / "none.joblib"), str(tmp_path / "j.skm"), check=3)
    X = model_frame(files["parquet"]).drop(columns=["city"])
    X.to_parquet(tmp_path / "nocity.parquet")
    p = run("export", str(files["joblib"]), str(tmp_path / "x.skm"), "--validate",
            str(tmp_path / "nocity.parquet"), check=4)
    assert "'city'" in p.stderr
    with open(tmp_path / "p.pkl", "wb") as f:
        pickle.dump(joblib.load(files["joblib"]), f)
    run("export", str(tmp_path / "p.pkl"), str(tmp_path / "p.skm"))


# ------------------------------------------------------------------ serve


def _gateway() -> str | None:
    env = os.environ.get("SKSCORE_GATEWAY")
    if env:
        return env
    for d in sorted(ROOT.glob("build*")):
        p = d / "gateway" / "skscore-gateway"
        if p.is_file():
            return str(p)
    return None


def test_serve_without_a_gateway_says_how_to_get_it(files) -> None:
    env = {k: v for k, v in os.environ.items() if k != "SKSCORE_GATEWAY"}
    env["PATH"] = "/nonexistent"
    p = run("serve", str(files["pipe"]), check=6, env=env)
    assert "scripts/setup.sh" in p.stderr and "SKSCORE_GATEWAY" in p.stderr
    run("serve", str(files["pipe"]), "--gateway", "/nonexistent/gw", check=6)
    run("serve", str(files["dir"] / "none.skm"), "--gateway", sys.executable, check=3)


def test_serve_runs_the_gateway(files) -> None:
    gw = _gateway()
    if gw is None:
        pytest.skip("skscore-gateway is not built and SKSCORE_GATEWAY is unset")
    cmd = run("serve", f"loans={files['pipe']}", "--port", "0", "--gateway", gw, "--print-command",
              "--", "--log-level", "warn").stdout.split()
    assert cmd == [gw, "--model", f"loans={files['pipe']}", "--port", "0", "--log-level", "warn"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "skscore"]
    proc = subprocess.Popen([*exe, "serve", f"loans={files['pipe']}", "--host", "127.0.0.1",
                                   "--port", str(port), "--gateway", gw],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(url + "/v2/health/ready", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        body = json.dumps({"instances": [{"age": 30, "income": 5e4, "score": 1.0,
                                          "city": "rome"}]}).encode()
        req = urllib.request.Request(url + "/v1/models/loans:predict", data=body,
                                     headers={"content-type": "application/json"})
        got = json.loads(urllib.request.urlopen(req, timeout=5).read())
        X = pd.DataFrame([{"age": 30.0, "income": 5e4, "score": 1.0, "city": "rome"}])
        assert got["predictions"] == list(skscore.load(files["pipe"]).predict(X))
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_script_is_installed() -> None:
    assert SCRIPT.exists() or shutil.which("skscore"), "pip install . puts a skscore script"
