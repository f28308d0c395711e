#!/usr/bin/env python3
"""Engine benchmark: skscore against scikit-learn, ONNX Runtime and TL2cgen.

One run, the same thread count for every engine, on:

* RandomForestClassifier and ExtraTreesClassifier (100 deep trees,
  20,000 x 32 training rows, 3 classes),
* DecisionTreeClassifier (deep, same data),
* LogisticRegression (100 features, 5 classes, multinomial),

at batch sizes 1, 100 and 10,000, with 1 thread and with every core.

Before anything is timed, skscore's outputs are checked against
scikit-learn's on 10,000 held-out rows (bit-identical for trees, within the
documented tolerance for the linear model, labels identical), so a wrong
engine is never benchmarked.

Usage (from the repository root, after ``pip install .``)::

    python3 bench/bench_engine.py               # full run, under ~10 minutes
    python3 bench/bench_engine.py --quick       # ~1 minute smoke run
    python3 bench/bench_engine.py --write-docs  # also rewrite docs/BENCHMARKS.md
    python3 bench/bench_engine.py --section boosting --write-docs
        # GradientBoosting / HistGradientBoosting / LightGBM / XGBoost (issue 4), their own
        # section, against their own predict, ONNX Runtime, TL2cgen and lleaves

Models, ONNX files and TL2cgen libraries are cached under
``$SKSCORE_BENCH_CACHE`` (default: ``$XDG_CACHE_HOME/skscore-bench`` or
``~/.cache/skscore-bench``), never in the repository. Compiling the two
100-tree forests with TL2cgen (gcc -O3) takes a long time (tens of minutes on
2 cores) and happens once; ``--quick`` never compiles and leaves TL2cgen out
when its libraries are not cached yet.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from project_python import use_project_python  # noqa: E402

use_project_python()

import os

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE may be set on this machine to protect
# older OpenBLAS builds; they slow a current numpy down (scikit-learn's
# LogisticRegression goes through BLAS). They must be unset before numpy is
# loaded, so the benchmark re-executes itself without them (this process
# only; tests and CI are untouched). --keep-openblas-env opts out.
_OPENBLAS_VARS = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
if "--keep-openblas-env" not in sys.argv and any(v in os.environ for v in _OPENBLAS_VARS):
    _env = {k: v for k, v in os.environ.items() if k not in _OPENBLAS_VARS}
    _env["SKSCORE_BENCH_UNSET_OPENBLAS"] = ",".join(
        f"{v}={os.environ[v]}" for v in _OPENBLAS_VARS if v in os.environ
    )
    os.execve(sys.executable, [sys.executable] + sys.argv, _env)

import argparse  # noqa: E402
import datetime  # noqa: E402
import gc  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shlex  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable  # noqa: E402

import numpy as np  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs" / "BENCHMARKS.md"

SEED = 0
N_TRAIN = 20_000
N_TEST = 10_000
TREE_FEATURES = 32
TREE_CLASSES = 3
LR_FEATURES = 100
LR_CLASSES = 5
N_TREES = 100

# Targets from issue 2 ("Performance").
TARGET_ONE_ROW_VS_SKLEARN = 300.0
TARGET_BATCH_VS_ORT = 1.5
TARGET_BATCH_VS_TL2CGEN = 1.0
TARGET_BATCH = 10_000

ENGINES = ("skscore", "sklearn", "onnxruntime", "onnxruntime_conv", "tl2cgen", "lleaves", "sklearnex")
SHORT = {"skscore": "skscore", "sklearn": "sklearn", "onnxruntime": "ORT", "onnxruntime_conv": "ORT+cast",
         "tl2cgen": "TL2cgen", "lleaves": "lleaves", "sklearnex": "sklearnex*"}
# Linear models: bytes of X read per second >= this share of a measured copy's (issue 13)
TARGET_LINEAR_BANDWIDTH = 0.80
TARGET_BATCH_VS_LLEAVES = 1.0

# --section boosting writes its own part of docs/BENCHMARKS.md.
BOOSTING_MODELS = "GradientBoosting,HistGradientBoosting,LightGBM,XGBoost"
SECTIONS = {
    "engine": ("<!-- engine-bench:start (written by bench/bench_engine.py --write-docs) -->", "<!-- engine-bench:end -->",
               "Engine: skscore vs scikit-learn, ONNX Runtime and TL2cgen"),
    "boosting": ("<!-- boosting-bench:start (written by bench/bench_engine.py --section boosting --write-docs) -->",
                 "<!-- boosting-bench:end -->",
                 "Boosted trees: skscore vs their own predict, ONNX Runtime, TL2cgen and lleaves"),
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Models and data (trained once, cached outside the repository)
# --------------------------------------------------------------------------


def cache_dir(arg: str | None) -> Path:
    if arg:
        d = Path(arg)
    elif os.environ.get("SKSCORE_BENCH_CACHE"):
        d = Path(os.environ["SKSCORE_BENCH_CACHE"])
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        d = Path(base) / "skscore-bench"
    d.mkdir(parents=True, exist_ok=True)
    try:
        d.resolve().relative_to(REPO)
    except ValueError:
        pass
    else:
        raise SystemExit(f"cache dir {d} is inside the repository; choose another (--cache-dir)")
    return d


def _f32_values(X):
    """float64 array holding float32-representable values.

    Every engine then sees the same numbers: skscore and scikit-learn get the
    float64 array a user has, ONNX Runtime the float32 copy it needs, TL2cgen
    float64 compared against float64 thresholds -- and since the values are
    float32-exact, scikit-learn's float32 cast changes nothing.
    """
    return np.ascontiguousarray(X, dtype=np.float32).astype(np.float64)


def model_specs():
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.tree import DecisionTreeClassifier

    return {
        "RandomForest": ("trees", lambda: RandomForestClassifier(n_estimators=N_TREES, max_depth=None, random_state=SEED, n_jobs=-1)),
        "ExtraTrees": ("trees", lambda: ExtraTreesClassifier(n_estimators=N_TREES, max_depth=None, random_state=SEED, n_jobs=-1)),
        "DecisionTree": ("trees", lambda: DecisionTreeClassifier(max_depth=None, random_state=SEED)),
        "LogisticRegression": ("linear", lambda: LogisticRegression(max_iter=2000)),
        # issue 4: boosted trees on the forests' data
        "GradientBoosting": ("boosting", lambda: GradientBoostingClassifier(n_estimators=500, max_depth=3, random_state=SEED)),
        "HistGradientBoosting": ("boosting", lambda: HistGradientBoostingClassifier(max_iter=200, early_stopping=False,
                                                                                     random_state=SEED)),
        "LightGBM": ("boosting", lambda: __import__("lightgbm").LGBMClassifier(n_estimators=500, random_state=SEED,
                                                                              verbose=-1)),
        "XGBoost": ("boosting", lambda: __import__("xgboost").XGBClassifier(n_estimators=500, random_state=SEED)),
    }


def make_data(kind: str):
    from sklearn.datasets import make_classification

    if kind in ("trees", "boosting"):
        X, y = make_classification(
            n_samples=N_TRAIN + N_TEST, n_features=TREE_FEATURES, n_informative=16, n_redundant=8,
            n_classes=TREE_CLASSES, flip_y=0.05, random_state=SEED,
        )
    else:
        X, y = make_classification(
            n_samples=N_TRAIN + N_TEST, n_features=LR_FEATURES, n_informative=40, n_redundant=20,
            n_classes=LR_CLASSES, random_state=SEED + 1,
        )
    X = _f32_values(X)
    return X[:N_TRAIN], y[:N_TRAIN], np.ascontiguousarray(X[N_TRAIN:])


def load_models(cdir: Path, names):
    import joblib
    import sklearn

    specs = model_specs()
    out = {}
    for name in names:
        kind, factory = specs[name]
        key = f"{name}-seed{SEED}-n{N_TRAIN}-sk{sklearn.__version__}"
        path = cdir / f"{key}.joblib"
        if path.exists():
            est, X_test = joblib.load(path)
        else:
            X, y, X_test = make_data(kind)
            t = time.perf_counter()
            est = factory().fit(X, y)
            log(f"  trained {name} in {time.perf_counter() - t:.1f} s")
            joblib.dump((est, X_test), path)
        out[name] = (kind, est, X_test, key)
    return out


def _source(est) -> str:
    """"lightgbm", "xgboost" or "sklearn": whose model est is."""
    top = type(est).__module__.split(".")[0]
    return top if top in ("lightgbm", "xgboost") else "sklearn"


def model_stats(est) -> str:
    if _source(est) == "xgboost":
        trees = json.loads(bytes(est.get_booster().save_raw("json")))["learner"]["gradient_booster"]["model"]["trees"]
        nodes = sum(len(t["left_children"]) for t in trees)
        return (f"XGBoost, {len(trees)} tree(s), {nodes:,} nodes, max depth {est.get_params()['max_depth'] or 6}, "
                f"{est.n_features_in_} features, {len(est.classes_)} classes")
    if _source(est) == "lightgbm":
        info = est.booster_.dump_model()["tree_info"]
        leaves = sum(t["num_leaves"] for t in info)
        return (f"LightGBM, {len(info)} tree(s), {leaves:,} leaves, {est.n_features_in_} features, "
                f"{len(est.classes_)} classes")
    if hasattr(est, "_predictors"):  # HistGradientBoosting
        preds = [p for it in est._predictors for p in it]
        nodes = sum(len(p.nodes) for p in preds)
        return (f"HistGradientBoosting, {len(preds)} tree(s), {nodes:,} nodes, {est.n_features_in_} features, "
                f"{len(est.classes_)} classes")
    if hasattr(est, "estimators_") and getattr(est.estimators_, "ndim", 1) == 2:  # GradientBoosting
        trees = [e.tree_ for e in est.estimators_.ravel()]
    elif hasattr(est, "estimators_"):
        trees = [e.tree_ for e in est.estimators_]
    elif hasattr(est, "tree_"):
        trees = [est.tree_]
    else:
        return f"{est.coef_.shape[1]} features, {len(est.classes_)} classes"
    nodes = sum(t.node_count for t in trees)
    depth = np.mean([t.max_depth for t in trees])
    return f"{len(trees)} tree(s), {nodes:,} nodes, mean max depth {depth:.1f}, {est.n_features_in_} features, {len(est.classes_)} classes"


# --------------------------------------------------------------------------
# Engines: each gives predict(X) / predict_proba(X) callables for a thread count
# --------------------------------------------------------------------------


@dataclass
class Runner:
    """Callables for one engine, one model, one thread count."""

    predict: Callable
    predict_proba: Callable
    convert: Callable = lambda X: X  # done once, outside the timed call
    context: Callable | None = None  # context manager factory held while timing


def sklearn_runner(est, threads: int) -> Runner:
    import copy

    from threadpoolctl import threadpool_limits

    e = copy.copy(est)
    if hasattr(e, "n_jobs"):
        e.n_jobs = threads  # forests: joblib threads; LogisticRegression ignores it at predict
    if _source(e) == "xgboost":  # XGBoost predicts with its booster's nthread
        booster = est.get_booster().copy()
        booster.set_param({"nthread": threads})
        e._Booster = booster
    return Runner(e.predict, e.predict_proba, context=lambda: threadpool_limits(limits=threads))


class SkscoreEngine:
    def __init__(self, cdir: Path):
        import skscore

        self.skscore = skscore
        self.cdir = cdir
        self.models = {}

    def load(self, name, est):
        path = self.cdir / f"{name}.skm"
        # Re-exported every run: the file format and the exporter may change.
        self.skscore.export(est, str(path))
        self.models[name] = self.skscore.load(str(path))
        return self.models[name]

    def runner(self, name, threads: int) -> Runner:
        m = self.models[name]
        return Runner(
            lambda X: m.predict(X, n_threads=threads),
            lambda X: m.predict_proba(X, n_threads=threads),
        )


class OrtEngine:
    def __init__(self, cdir: Path):
        import onnxruntime as ort

        self.ort = ort
        self.cdir = cdir
        self.paths = {}

    def convert(self, name, key, est) -> bool:
        import skl2onnx

        source = _source(est)
        path = self.cdir / f"{key}-skl2onnx{skl2onnx.__version__}.onnx"
        if not path.exists():
            t = time.perf_counter()
            try:
                if source != "sklearn":  # onnxmltools' LightGBM and XGBoost converters
                    import onnxmltools
                    from onnxmltools.convert.common.data_types import FloatTensorType

                    convert = onnxmltools.convert_lightgbm if source == "lightgbm" else onnxmltools.convert_xgboost
                    kw = {"zipmap": False} if source == "lightgbm" else {}
                    onx = convert(est, initial_types=[("input", FloatTensorType([None, est.n_features_in_]))],
                                  target_opset=15, **kw)  # onnxmltools' highest
                else:
                    onx = skl2onnx.to_onnx(
                        est, np.zeros((1, est.n_features_in_), dtype=np.float32),
                        options={id(est): {"zipmap": False}}, target_opset={"": 17, "ai.onnx.ml": 3},
                    )
            except Exception as e:  # noqa: BLE001 - a converter that cannot take the model leaves ORT out
                log(f"  ONNX conversion of {name} failed ({type(e).__name__}: {str(e)[:200]}); ONNX Runtime left out")
                return False
            path.write_bytes(onx.SerializeToString())
            log(f"  converted {name} to ONNX in {time.perf_counter() - t:.1f} s")
        self.paths[name] = path
        return True

    def runner(self, name, threads: int, cast_in_call: bool = False) -> Runner:
        """cast_in_call: the float64 -> float32 copy ORT needs is made inside
        the timed call, as a user holding float64 data must ("ORT+cast");
        otherwise it is made once, before timing ("ORT")."""
        so = self.ort.SessionOptions()
        so.intra_op_num_threads = threads
        so.inter_op_num_threads = 1
        so.execution_mode = self.ort.ExecutionMode.ORT_SEQUENTIAL
        sess = self.ort.InferenceSession(str(self.paths[name]), so, providers=["CPUExecutionProvider"])
        inp = sess.get_inputs()[0].name
        outs = [o.name for o in sess.get_outputs()]
        label, proba = outs[0], outs[1]
        run = sess.run
        if cast_in_call:
            f32 = np.float32
            return Runner(
                lambda X: run([label], {inp: X.astype(f32)})[0],
                lambda X: run([proba], {inp: X.astype(f32)})[0],
            )
        return Runner(
            lambda X: run([label], {inp: X})[0],
            lambda X: run([proba], {inp: X})[0],
            convert=lambda X: np.ascontiguousarray(X, dtype=np.float32),
        )


def _as_forest(est):
    """Treelite imports forests, not a lone DecisionTreeClassifier: wrap it as a
    one-tree RandomForestClassifier (averaging over one tree is the tree itself)."""
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    if not isinstance(est, DecisionTreeClassifier):
        return est
    rf = RandomForestClassifier(n_estimators=1)
    rf.estimators_ = [est]
    rf.estimator_ = est
    rf.classes_ = est.classes_
    rf.n_classes_ = est.n_classes_
    rf.n_outputs_ = est.n_outputs_
    rf.n_features_in_ = est.n_features_in_
    return rf


class Tl2cgenEngine:
    def __init__(self, cdir: Path, allow_compile: bool, parallel_comp: int):
        import tl2cgen
        import treelite

        self.tl2cgen = tl2cgen
        self.treelite = treelite
        self.cdir = cdir
        self.allow_compile = allow_compile
        self.parallel_comp = parallel_comp
        self.libs = {}
        self.classes = {}

    def libpath(self, key):
        tag = f"tl{self.treelite.__version__}-tl2c{self.tl2cgen.__version__}-pc{self.parallel_comp}"
        return self.cdir / f"{key}-{tag}.so"

    def compile(self, name, key, est) -> bool:
        path = self.libpath(key)
        if not path.exists():
            if not self.allow_compile:
                log(f"  TL2cgen library for {name} not cached ({path.name}); TL2cgen left out (run without --quick once)")
                return False
            if _source(est) == "lightgbm":
                tm = self.treelite.frontend.from_lightgbm(est.booster_)
            elif _source(est) == "xgboost":
                try:
                    tm = self.treelite.frontend.from_xgboost_json(bytes(est.get_booster().save_raw("json")).decode())
                except Exception as e:  # noqa: BLE001 - a treelite that cannot read this XGBoost's JSON
                    log(f"  treelite cannot import {name} ({type(e).__name__}: {str(e)[:200]}); TL2cgen left out")
                    return False
            else:
                tm = self.treelite.sklearn.import_model(_as_forest(est))
            t = time.perf_counter()
            log(f"  compiling {name} with TL2cgen (gcc -O3, parallel_comp={self.parallel_comp}); this can take many minutes ...")
            tmp = path.with_suffix(".so.tmp")
            self.tl2cgen.export_lib(
                tm, toolchain="gcc", libpath=str(tmp), params={"parallel_comp": self.parallel_comp},
                nthread=os.cpu_count(),
            )
            os.replace(tmp, path)
            log(f"  compiled {name} in {time.perf_counter() - t:.0f} s")
        self.libs[name] = path
        self.classes[name] = est.classes_
        return True

    def runner(self, name, threads: int) -> Runner:
        tl = self.tl2cgen
        pred = tl.Predictor(str(self.libs[name]), nthread=threads)
        classes = self.classes[name]
        dtype = pred.threshold_type  # "float64" for models imported from scikit-learn
        DMatrix = tl.DMatrix

        def proba(X):
            # The per-call DMatrix is part of TL2cgen's Python API, so it is timed.
            out = pred.predict(DMatrix(X, dtype=dtype))
            return out.reshape(out.shape[0], -1)

        def predict(X):
            return classes[np.argmax(proba(X), axis=1)]

        # float32 thresholds (XGBoost): a float32 copy made before timing, as
        # for ONNX Runtime (tl2cgen's DMatrix cannot cast under NumPy 2)
        return Runner(predict, proba, convert=lambda X: np.ascontiguousarray(X, dtype=dtype))


class LleavesEngine:
    """lleaves: LightGBM text models compiled with LLVM (llvmlite)."""

    def __init__(self, cdir: Path, allow_compile: bool):
        import lleaves

        self.lleaves = lleaves
        self.cdir = cdir
        self.allow_compile = allow_compile
        self.models = {}
        self.classes = {}

    def compile(self, name, key, est) -> bool:
        txt = self.cdir / f"{key}.lgbm.txt"
        so = self.cdir / f"{key}-lleaves.so"
        if not txt.exists():
            est.booster_.save_model(str(txt))
        if not so.exists() and not self.allow_compile:
            log(f"  lleaves library for {name} not cached; lleaves left out (run without --quick once)")
            return False
        t = time.perf_counter()
        m = self.lleaves.Model(model_file=str(txt))
        try:
            m.compile(cache=str(so))
        except Exception as e:  # noqa: BLE001 - e.g. lleaves 1.x needs llvmlite < 0.45
            log(f"  lleaves cannot compile {name} ({type(e).__name__}: {e}); lleaves left out")
            return False
        log(f"  lleaves {name} ready in {time.perf_counter() - t:.1f} s")
        self.models[name] = m
        self.classes[name] = est.classes_
        return True

    def runner(self, name, threads: int) -> Runner:
        m = self.models[name]
        classes = self.classes[name]

        def proba(X):
            out = m.predict(X, n_jobs=threads)
            return out if out.ndim == 2 else np.column_stack([1 - out, out])

        return Runner(lambda X: classes[np.argmax(proba(X), axis=1)], proba)


class SklearnexEngine:
    """scikit-learn-intelex (oneDAL). It scores only models it trained
    itself: its predict on a scikit-learn forest falls back to
    scikit-learn. So it RETRAINS each model -- same class, same parameters,
    same training rows -- and scores that: not the user's model, and its
    outputs are not compared with the user's model's (marked "sklearnex*")."""

    SUPPORTED = ("RandomForest", "ExtraTrees", "LogisticRegression")

    def __init__(self):
        import sklearnex  # noqa: F401 -- fails here if it is not installed

        self.models = {}

    def train(self, name, kind, est) -> bool:
        if name not in self.SUPPORTED:
            return False
        import sklearnex.ensemble
        import sklearnex.linear_model

        cls = {"RandomForest": sklearnex.ensemble.RandomForestClassifier,
               "ExtraTrees": sklearnex.ensemble.ExtraTreesClassifier,
               "LogisticRegression": sklearnex.linear_model.LogisticRegression}[name]
        X, y, _ = make_data(kind)
        t = time.perf_counter()
        self.models[name] = cls(**est.get_params()).fit(X, y)
        log(f"  retrained {name} with sklearnex in {time.perf_counter() - t:.1f} s (it scores only its own models)")
        return True

    def runner(self, name, threads: int) -> Runner:
        import copy

        from threadpoolctl import threadpool_limits

        e = copy.copy(self.models[name])
        if hasattr(e, "n_jobs"):
            e.n_jobs = threads
        return Runner(e.predict, e.predict_proba, context=lambda: threadpool_limits(limits=threads))


# --------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------


def verify_skscore(name, kind, est, sks, X_test, thread_counts):
    """skscore must reproduce scikit-learn before it is timed. Returns a summary line."""
    ref_p = est.predict(X_test)
    ref_pp = est.predict_proba(X_test)
    problems = []
    for k in thread_counts:
        for lo, hi in ((0, 1), (5, 6), (0, 100), (0, len(X_test))):
            X = X_test[lo:hi]
            p = sks.predict(X, n_threads=k)
            pp = sks.predict_proba(X, n_threads=k)
            if p.shape != ref_p[lo:hi].shape or not np.array_equal(p, ref_p[lo:hi]):
                problems.append(f"labels differ (threads={k}, rows {lo}:{hi}): {int(np.sum(p != ref_p[lo:hi]))} rows")
            if pp.shape != ref_pp[lo:hi].shape or pp.dtype != ref_pp.dtype:
                problems.append(f"predict_proba shape/dtype {pp.shape}/{pp.dtype} != {ref_pp[lo:hi].shape}/{ref_pp.dtype}")
                continue
            if kind == "boosting":
                # docs/EXACTNESS.md: softmax goes through exp (NumPy's SIMD exp vs libm's)
                if not np.allclose(pp, ref_pp[lo:hi], rtol=1e-12, atol=1e-15):
                    problems.append(f"predict_proba beyond rtol 1e-12 (threads={k}, rows {lo}:{hi}): max |d| {np.max(np.abs(pp - ref_pp[lo:hi])):.3g}")
            elif kind == "trees":
                if not np.array_equal(pp, ref_pp[lo:hi]):
                    n = int(np.sum(np.any(pp != ref_pp[lo:hi], axis=1)))
                    problems.append(f"predict_proba not bit-identical (threads={k}, rows {lo}:{hi}): {n} rows differ, max |d| {np.max(np.abs(pp - ref_pp[lo:hi])):.3g}")
            else:
                # docs/EXACTNESS.md: linear outputs within 1e-9 relative.
                if not np.allclose(pp, ref_pp[lo:hi], rtol=1e-9, atol=1e-12):
                    problems.append(f"predict_proba beyond rtol 1e-9 (threads={k}, rows {lo}:{hi}): max |d| {np.max(np.abs(pp - ref_pp[lo:hi])):.3g}")
    if problems:
        raise SystemExit(f"skscore does not match scikit-learn on {name}; refusing to benchmark it:\n  " + "\n  ".join(problems[:10]))
    if kind == "trees":
        return f"{name}: skscore predict/predict_proba bit-identical to scikit-learn on {len(X_test):,} rows (threads {thread_counts})"
    if kind == "boosting":
        d = float(np.max(np.abs(sks.predict_proba(X_test) - ref_pp)))
        return (f"{name}: skscore labels identical to {type(est).__module__.split('.')[0]}'s, predict_proba max |diff| "
                f"{d:.2g} (tolerance rtol 1e-12) on {len(X_test):,} rows (threads {thread_counts})")
    d = float(np.max(np.abs(sks.predict_proba(X_test) - ref_pp)))
    return f"{name}: skscore labels identical, predict_proba max |diff| {d:.2g} (tolerance rtol 1e-9) on {len(X_test):,} rows"


def agreement(name, engine, runner: Runner, est, X_test):
    ref_p = est.predict(X_test)
    ref_pp = est.predict_proba(X_test)
    Xc = runner.convert(X_test)
    p = np.asarray(runner.predict(Xc)).reshape(-1)
    pp = np.asarray(runner.predict_proba(Xc))
    lab = float(np.mean(p == ref_p))
    d = float(np.max(np.abs(pp.astype(np.float64) - ref_pp))) if pp.shape == ref_pp.shape else float("nan")
    return f"{name}: {SHORT[engine]} labels agree on {lab * 100:.2f}% of {len(X_test):,} rows, predict_proba max |diff| {d:.2g} (output dtype {pp.dtype})"


# --------------------------------------------------------------------------
# Timing
# --------------------------------------------------------------------------


@dataclass
class Samples:
    ns: list = field(default_factory=list)

    def median(self):
        return float(np.median(self.ns)) * 1e-9

    def p99(self):
        return float(np.percentile(self.ns, 99)) * 1e-9


def timed_loop(fn, inputs, budget_s, max_reps, out: Samples, min_reps):
    """Call fn on inputs (cycled) until budget_s has passed (at least min_reps calls, at most max_reps)."""
    pc = time.perf_counter_ns
    deadline = pc() + int(budget_s * 1e9)
    n = len(inputs)
    i = 0
    while True:
        x = inputs[i % n]
        t0 = pc()
        fn(x)
        t1 = pc()
        out.ns.append(t1 - t0)
        i += 1
        if i >= max_reps or (i >= min_reps and t1 >= deadline):
            break


def batches_of(X, batch, count):
    """`count` distinct (batch, n) C-contiguous views of X (one-row ones are (1, n), as a user would pass)."""
    n = len(X)
    if batch >= n:
        return [X[:batch]]
    starts = [(i * batch) % (n - batch + 1) for i in range(count)]
    return [X[s : s + batch] for s in starts]


def measure_config(runners: dict, method: str, X, batch, budget_s, rounds, min_reps, max_reps, rng):
    """Interleave engines over `rounds` rounds so drifting machine load hits them alike."""
    inputs = batches_of(X, batch, 1000 if batch == 1 else 20)
    conv = {e: [r.convert(x) for x in inputs] for e, r in runners.items()}
    res = {e: Samples() for e in runners}
    order = list(runners)
    for _ in range(rounds):
        rng.shuffle(order)
        for e in order:
            r = runners[e]
            fn = getattr(r, method)
            ctx = r.context() if r.context else None
            try:
                if ctx is not None:
                    ctx.__enter__()
                for x in conv[e][:2]:
                    fn(x)  # warm-up
                gc.disable()
                timed_loop(fn, conv[e], budget_s / rounds, max(1, max_reps // rounds), res[e], max(1, -(-min_reps // rounds)))
            finally:
                gc.enable()
                if ctx is not None:
                    ctx.__exit__(None, None, None)
    return res


# --------------------------------------------------------------------------
# Reporting
# --------------------------------------------------------------------------


def fmt_t(s):
    if s != s:
        return "-"
    if s < 1e-3:
        return f"{s * 1e6:.1f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def fmt_rate(r):
    if r != r:
        return "-"
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if r >= div:
            return f"{r / div:.2f} {unit}"
    return f"{r:.0f}"


def fmt_ratio(x):
    if x != x:
        return "-"
    if x >= 100:
        return f"{x:.0f}×"
    if x >= 10:
        return f"{x:.1f}×"
    return f"{x:.2f}×"


def md_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i < 4 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def build_tables(results, engines_present):
    """results: list of dicts with model, method, batch, threads, and per-engine Samples."""
    header = ["model", "method", "batch", "threads"]
    header += [f"{SHORT[e]} median" for e in engines_present]
    header += ["skscore rows/s"]
    header += [f"× {SHORT[e]}" for e in engines_present if e != "skscore"]
    rows = []
    for r in results:
        s = r["samples"]
        base = s["skscore"].median() if "skscore" in s else float("nan")
        row = [r["model"], r["method"], f"{r['batch']:,}", str(r["threads"])]
        for e in engines_present:
            row.append(fmt_t(s[e].median()) if e in s else "-")
        row.append(fmt_rate(r["batch"] / base) if base == base else "-")
        for e in engines_present:
            if e == "skscore":
                continue
            row.append(fmt_ratio(s[e].median() / base) if e in s and base == base else "-")
        rows.append(row)
    main = md_table(header, rows)

    # One-row tail latency.
    h2 = ["model", "method", "batch", "threads"] + [f"{SHORT[e]} p99 (n)" for e in engines_present]
    rows2 = []
    for r in results:
        if r["batch"] != 1:
            continue
        s = r["samples"]
        row = [r["model"], r["method"], "1", str(r["threads"])]
        for e in engines_present:
            row.append(f"{fmt_t(s[e].p99())} ({len(s[e].ns):,})" if e in s else "-")
        rows2.append(row)
    return main, md_table(h2, rows2)


def copy_bandwidth(mib: int = 64, reps: int = 20) -> float:
    """Bytes read per second by the best of `reps` copies of a `mib` MiB
    float64 array (numpy's copy: read once, write once) -- this machine's
    memory bandwidth as one thread sees it, the linear models' yardstick."""
    src = np.random.default_rng(0).random(mib * 2**20 // 8)
    dst = np.empty_like(src)
    best = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - t0)
    return src.nbytes / best


def check_targets(results, all_threads, bandwidth=None, n_features=None):
    lines = []
    ok_all = True

    def line(ok, text):
        nonlocal ok_all
        ok_all &= ok
        lines.append(f"{'MET   ' if ok else 'MISSED'} {text}")

    for r in results:
        s = r["samples"]
        if "skscore" not in s:
            continue
        sk = s["skscore"].median()
        tname = "1 thread" if r["threads"] == 1 else f"{r['threads']} threads (all cores)"
        if r["model"] == "RandomForest" and r["batch"] == 1 and r["method"] == "predict" and "sklearn" in s:
            ratio = s["sklearn"].median() / sk
            line(ratio >= TARGET_ONE_ROW_VS_SKLEARN,
                 f"one-row predict, 100-tree RandomForest, {tname}: {ratio:.0f}× scikit-learn "
                 f"({fmt_t(sk)} vs {fmt_t(s['sklearn'].median())}; target >= {TARGET_ONE_ROW_VS_SKLEARN:.0f}×)")
        if (r["batch"] == TARGET_BATCH and bandwidth and n_features and r["model"] in n_features
                and r["model"] == "LogisticRegression"):
            # predict reads X and takes each row's argmax; predict_proba adds
            # a libm exp per class (softmax), which neither memory nor the
            # kernel sets.
            read = r["batch"] * n_features[r["model"]] * 8 / sk
            line(read >= TARGET_LINEAR_BANDWIDTH * bandwidth,
                 f"batch {TARGET_BATCH:,} {r['method']}, {r['model']}, {tname}: reads X at "
                 f"{read / 1e9:.2f} GB/s = {read / bandwidth:.0%} of a one-thread float64 copy's "
                 f"{bandwidth / 1e9:.2f} GB/s (target >= {TARGET_LINEAR_BANDWIDTH:.0%})")
        if r["batch"] == TARGET_BATCH and r["method"] == "predict_proba":
            if "sklearnex" in s:  # information: no target against a retrained model
                lines.append(f"INFO   batch {TARGET_BATCH:,} predict_proba, {r['model']}, {tname}: skscore "
                             f"{fmt_rate(r['batch'] / sk)} rows/s = {s['sklearnex'].median() / sk:.2f}x sklearnex* "
                             "(on a model sklearnex retrained itself)")
            for e, tgt in (("onnxruntime", TARGET_BATCH_VS_ORT), ("onnxruntime_conv", TARGET_BATCH_VS_ORT),
                           ("tl2cgen", TARGET_BATCH_VS_TL2CGEN),
                           ("lleaves", TARGET_BATCH_VS_LLEAVES)):
                if e not in s:
                    continue
                ratio = s[e].median() / sk  # = skscore throughput / e's throughput
                line(ratio >= tgt,
                     f"batch {TARGET_BATCH:,} predict_proba, {r['model']}, {tname}: skscore "
                     f"{fmt_rate(r['batch'] / sk)} rows/s = {ratio:.2f}× {SHORT[e]} "
                     f"({fmt_rate(r['batch'] / s[e].median())} rows/s; target >= {tgt}×)")
    return lines, ok_all


# --------------------------------------------------------------------------
# Machine and versions
# --------------------------------------------------------------------------


def machine_description(threads_all):
    model = platform.processor() or platform.machine()
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        m = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
        if m:
            model = m.group(1).strip()
        hv = re.search(r"^Hypervisor vendor:\s*(.+)$", lscpu, re.M)
        if hv:
            model += f" (virtualised, {hv.group(1).strip()})"
    except Exception:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
            mem = f", {kb / 2**20:.0f} GiB RAM"
    except Exception:
        pass
    return f"{model}, {os.cpu_count()} logical CPUs ({threads_all} used for 'all cores'){mem}, {platform.system()} {platform.release()}"


def versions(section: str = "engine"):
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    pkgs = ["skscore", "scikit-learn", "numpy", "scipy", "onnxruntime", "skl2onnx", "onnx", "treelite", "tl2cgen",
            "threadpoolctl"]
    if section == "boosting":
        pkgs += ["lightgbm", "xgboost", "onnxmltools", "lleaves", "llvmlite"]
    for pkg in pkgs:
        # xgboost may be installed as its CPU-only distribution, xgboost-cpu
        for dist in (pkg, f"{pkg}-cpu") if pkg == "xgboost" else (pkg,):
            try:
                out[pkg] = md.version(dist)
                break
            except Exception:
                out[pkg] = "not installed"
    try:
        gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True, timeout=10).stdout.splitlines()[0]
        out["gcc (TL2cgen)"] = gcc
    except Exception:
        pass
    try:
        out["git commit"] = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10).stdout.strip()
    except Exception:
        pass
    return out


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        parts = []
        for i in threadpool_info():
            if i.get("user_api") != "blas":
                continue
            fp = i.get("filepath", "")
            owner = next((p for p in ("numpy", "scipy") if f"/{p}.libs/" in fp or f"/{p}/" in fp), os.path.basename(fp))
            parts.append(f"{owner}'s {i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')} kernel, {i.get('num_threads')} threads)")
        return "; ".join(parts) or "none found"
    except Exception as e:  # pragma: no cover
        return f"unknown ({e})"


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="~1 minute smoke run: short time bounds, predict only for one row, no TL2cgen compile")
    ap.add_argument("--write-docs", action="store_true", help="rewrite the engine section of docs/BENCHMARKS.md")
    ap.add_argument("--models", default=None, help="comma list (default: the section's models)")
    ap.add_argument("--section", choices=sorted(SECTIONS), default="engine",
                    help=f"engine: forests, tree, linear model (issue 2); boosting: {BOOSTING_MODELS} (issue 4)")
    ap.add_argument("--batches", default="1,100,10000")
    ap.add_argument("--threads", default="1,all", help="comma list; 'all' = os.cpu_count()")
    ap.add_argument("--methods", default="predict,predict_proba")
    ap.add_argument("--engines", default=",".join(ENGINES))
    ap.add_argument("--budget", type=float, default=None, help="seconds per engine per configuration (full 1.0, quick 0.08)")
    ap.add_argument("--rounds", type=int, default=None, help="interleaved rounds per configuration (full 3, quick 1)")
    ap.add_argument("--cache-dir", default=None)
    ap.add_argument("--parallel-comp", type=int, default=100, help="TL2cgen parallel_comp (source files per model)")
    ap.add_argument("--no-compile", action="store_true", help="never compile TL2cgen libraries (use cached ones only)")
    ap.add_argument("--keep-openblas-env", action="store_true", help="do not unset OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE")
    ap.add_argument("--json", default=None, help="also write raw results (medians, p99, counts) to this JSON file")
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    t_start = time.perf_counter()
    budget = args.budget if args.budget is not None else (0.08 if args.quick else 1.0)
    rounds = args.rounds if args.rounds is not None else (1 if args.quick else 3)
    min_reps = 1 if args.quick else 5
    max_reps_1 = 2000 if args.quick else 30000
    max_reps_n = 200 if args.quick else 3000
    ncpu = os.cpu_count() or 1
    threads = []
    for t in args.threads.split(","):
        k = ncpu if t.strip() == "all" else int(t)
        if k not in threads:
            threads.append(k)
    batches = [int(b) for b in args.batches.split(",")]
    methods = [m.strip() for m in args.methods.split(",")]
    if args.models is None:
        args.models = BOOSTING_MODELS if args.section == "boosting" else "RandomForest,ExtraTrees,DecisionTree,LogisticRegression"
    names = [m.strip() for m in args.models.split(",")]
    wanted = [e.strip() for e in args.engines.split(",")]
    cdir = cache_dir(args.cache_dir)

    log(f"cache: {cdir}")
    if os.environ.get("SKSCORE_BENCH_UNSET_OPENBLAS"):
        log(f"unset for this run: {os.environ['SKSCORE_BENCH_UNSET_OPENBLAS']}")
    log(f"BLAS: {blas_info()}")
    log("models ...")
    models = load_models(cdir, names)
    for name, (kind, est, X_test, key) in models.items():
        log(f"  {name}: {model_stats(est)}")

    engines = {}
    notes = []
    if "skscore" in wanted:
        try:
            engines["skscore"] = SkscoreEngine(cdir)
        except ImportError as e:
            log(f"skscore not importable ({e}); benchmarking the others only (pip install .)")
    if "onnxruntime" in wanted:
        engines["onnxruntime"] = OrtEngine(cdir)
    if "tl2cgen" in wanted:
        engines["tl2cgen"] = Tl2cgenEngine(cdir, allow_compile=not (args.quick or args.no_compile), parallel_comp=args.parallel_comp)
    if "lleaves" in wanted and any(_source(m[1]) == "lightgbm" for m in models.values()):
        try:
            engines["lleaves"] = LleavesEngine(cdir, allow_compile=not (args.quick or args.no_compile))
        except ImportError as e:
            log(f"lleaves not importable ({e}); left out (pip install lleaves)")

    if "sklearnex" in wanted:
        try:
            engines["sklearnex"] = SklearnexEngine()
        except ImportError as e:
            log(f"scikit-learn-intelex not importable ({e}); left out (pip install scikit-learn-intelex)")

    have = {name: set() for name in models}
    verify_lines = []
    for name, (kind, est, X_test, key) in models.items():
        if "sklearn" in wanted:
            have[name].add("sklearn")
        if "skscore" in engines:
            t = time.perf_counter()
            m = engines["skscore"].load(name, est)
            log(f"  exported + loaded {name} with skscore in {time.perf_counter() - t:.2f} s")
            verify_lines.append(verify_skscore(name, kind, est, m, X_test, threads))
            log("  verified: " + verify_lines[-1])
            have[name].add("skscore")
        if "onnxruntime" in engines:
            if engines["onnxruntime"].convert(name, key, est):
                have[name].add("onnxruntime")
                have[name].add("onnxruntime_conv")
        if "tl2cgen" in engines and kind in ("trees", "boosting"):
            if engines["tl2cgen"].compile(name, key, est):
                have[name].add("tl2cgen")
        if "sklearnex" in engines and engines["sklearnex"].train(name, kind, est):
            have[name].add("sklearnex")
        if "lleaves" in engines and _source(est) == "lightgbm":
            if engines["lleaves"].compile(name, key, est):
                have[name].add("lleaves")

    engines_present = [e for e in ENGINES if any(e in h for h in have.values())]
    rng = random.Random(SEED)
    results = []
    for name, (kind, est, X_test, key) in models.items():
        for k in threads:
            runners = {}
            for e in engines_present:
                if e not in have[name]:
                    continue
                if e == "sklearn":
                    runners[e] = sklearn_runner(est, k)
                elif e == "onnxruntime_conv":
                    runners[e] = engines["onnxruntime"].runner(name, k, cast_in_call=True)
                else:
                    runners[e] = engines[e].runner(name, k)
            if k == threads[0]:
                for e in ("onnxruntime", "tl2cgen", "lleaves"):
                    if e in runners:
                        verify_lines.append(agreement(name, e, runners[e], est, X_test))
                        log("  " + verify_lines[-1])
            for method in methods:
                for b in batches:
                    if args.quick and method == "predict" and b > 1:
                        continue  # smoke run: predict only where a target needs it (one row)
                    t = time.perf_counter()
                    res = measure_config(runners, method, X_test, b, budget, rounds, min_reps,
                                         max_reps_1 if b == 1 else max_reps_n, rng)
                    results.append({"model": name, "method": method, "batch": b, "threads": k, "samples": res})
                    summary = "  ".join(f"{SHORT[e]} {fmt_t(s.median())}" for e, s in res.items())
                    log(f"  {name:18s} {method:13s} batch {b:>6,} threads {k}: {summary}  [{time.perf_counter() - t:.1f} s]")

    main_table, p99_table = build_tables(results, engines_present)
    bandwidth = copy_bandwidth() if any(kind == "linear" for kind, *_ in models.values()) else None
    n_features = {name: X_test.shape[1] for name, (kind, est, X_test, key) in models.items()}
    target_lines, _ = check_targets(results, ncpu, bandwidth, n_features)
    cmd = "python3 bench/bench_engine.py " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    elapsed = time.perf_counter() - t_start

    print()
    print(main_table)
    print()
    print("One-row tail latency (p99 of the timed calls; n = calls):")
    print()
    print(p99_table)
    print()
    print("Targets (issue 2):")
    for line in target_lines or ["(no skscore results: targets not checked)"]:
        print("  " + line)
    print()
    print("Output checks:")
    for line in verify_lines:
        print("  " + line)
    print()
    print(f"command: {cmd.strip()}   ({elapsed:.0f} s)")

    if args.json:
        Path(args.json).write_text(json.dumps([
            {k: v for k, v in r.items() if k != "samples"} | {
                e: {"median_s": s.median(), "p99_s": s.p99(), "n": len(s.ns)} for e, s in r["samples"].items()
            } for r in results], indent=1))
    if args.write_docs:
        write_docs(
            machine_description(ncpu), versions(args.section), blas_info(), cmd.strip(), main_table, p99_table, target_lines,
            verify_lines, models, args, budget, rounds, elapsed,
        )
        log(f"wrote {DOCS}")


def write_docs(machine, vers, blas, cmd, main_table, p99_table, target_lines, verify_lines, models, args, budget, rounds, elapsed):
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    vers_s = ", ".join(f"{k} {v}" for k, v in vers.items())
    mdesc = "\n".join(f"- **{n}**: {model_stats(est)}" for n, (kind, est, X_test, key) in models.items())
    unset = os.environ.get("SKSCORE_BENCH_UNSET_OPENBLAS")
    doc_start, doc_end, title = SECTIONS[args.section]
    boosting = args.section == "boosting"
    extra = ""
    if boosting:
        extra = """
- **Boosted trees**: the "sklearn" columns are each model's own `predict` /
  `predict_proba` (scikit-learn's for GradientBoosting and
  HistGradientBoosting, LightGBM's for LightGBM, XGBoost's for XGBoost,
  with `n_jobs=k`, XGBoost's booster `nthread=k`). ONNX models for
  LightGBM and XGBoost come from onnxmltools' `convert_lightgbm` and
  `convert_xgboost`; TL2cgen imports LightGBM with
  `treelite.frontend.from_lightgbm` and XGBoost with
  `from_xgboost_json`; lleaves
  compiles LightGBM's text model (`lleaves.Model(...).compile()`, predict
  with `n_jobs=k`). Probabilities are held to rtol 1e-12 (softmax through
  `exp`; XGBoost's are float32 and bit-identical), labels exactly, before
  timing.
"""
        targets = (f"Targets (issue 4, the same as issue 2's): batch {TARGET_BATCH:,} (`predict_proba`) >= "
                   f"{TARGET_BATCH_VS_ORT}× ONNX Runtime's throughput and no slower than TL2cgen and lleaves, "
                   "at 1 thread and on all cores.")
    else:
        targets = (f"Targets (issue 2): one-row predict >= {TARGET_ONE_ROW_VS_SKLEARN:.0f}× scikit-learn for the\n"
                   f"100-tree forest; batch {TARGET_BATCH:,} (`predict_proba`) >= {TARGET_BATCH_VS_ORT}× ONNX Runtime's\n"
                   "throughput and >= TL2cgen's, at 1 thread and on all cores.")
    section = f"""{doc_start}
## {title}

Measured {date}{' (quick smoke run: short time bounds)' if args.quick else ''}.

- **Machine**: {machine}. Shared with other work while measuring, so the
  figures are noisy (a few tens of percent between runs is usual here);
  engines are interleaved in {rounds} round(s) per configuration so that load
  drift hits them alike.
- **Versions**: {vers_s}.
- **BLAS** (scikit-learn's LogisticRegression): {blas}{f'; the run unset {unset} (they select an older, slower OpenBLAS kernel)' if unset else ''}.
- **Command** (from the repository root, after `pip install .`):
  `{cmd}` — {elapsed:.0f} s in all, models cached after the first run.

Models (trained once with a fixed seed on `make_classification` data,
{N_TRAIN:,} training rows; timed on {N_TEST:,} held-out rows):

{mdesc}

How it is measured:

- Each cell is the **median latency of one call** over a time-bounded loop
  ({budget:g} s per engine per configuration, at least a few calls, at most
  30,000 one-row calls). Batch 1 uses a `(1, n_features)` array, the call a
  user makes (`m.predict(x_row)`, `est.predict(x_row)`), cycling over 1,000
  different rows; batch 100 cycles over 20 blocks. "× E" is E's median
  divided by skscore's (above 1: skscore is faster); rows/s = batch / median.
- **Same thread count for every engine**: skscore `n_threads=k`;
  scikit-learn `n_jobs=k` for forests and BLAS limited to `k` threads
  (threadpoolctl); ONNX Runtime `intra_op_num_threads=k`,
  `inter_op_num_threads=1`; TL2cgen `Predictor(nthread=k)`.
- **Inputs**: float64 arrays holding float32-exact values (so scikit-learn's
  float32 cast changes nothing). ONNX Runtime needs float32: the "ORT"
  column gets a float32 copy made before timing, the "ORT+cast" column
  makes that copy inside each call (`X.astype(np.float32)`), which is what a
  user holding float64 data pays; TL2cgen gets a float32 copy before timing
  for models with float32 thresholds (XGBoost).
- **Linear models against memory bandwidth**: LogisticRegression reads
  X once; its batch-10,000 line divides the bytes of X by skscore's median
  time and compares that with the bytes per second one thread reads in
  numpy's copy of a 64 MiB float64 array (best of 20). TL2cgen's per-call `DMatrix`
  construction is timed, as it is part of its Python API; its
  `predict` is the argmax of its probabilities.
- **sklearnex\*** (scikit-learn-intelex, where it installs): it scores only
  models it trained itself, so the benchmark retrains each supported model
  (RandomForest, ExtraTrees, LogisticRegression) with sklearnex's class, the
  same parameters and the same training rows, and times that model's
  `predict`/`predict_proba` with `n_jobs=k`. It is not the user's model and
  its outputs are not compared with it.
- ONNX models come from skl2onnx (`zipmap=False`); TL2cgen libraries from
  `treelite.sklearn.import_model` + `tl2cgen.export_lib(toolchain="gcc",
  params={{"parallel_comp": {args.parallel_comp}}})`.
- **Exactness is checked before timing**: the run stops if skscore's labels
  or probabilities differ from scikit-learn's (bit-identical for trees,
  within rtol 1e-9 for the linear model, see EXACTNESS.md). ONNX Runtime
  computes in float32 and its probabilities are float32, so they are *not*
  exact; their agreement is reported below, for information only.
{extra}
{main_table}

One-row tail latency (p99 of the timed calls; n = number of calls):

{p99_table}

{targets}

```text
{chr(10).join(target_lines) if target_lines else '(skscore not measured)'}
```

Output checks:

```text
{chr(10).join(verify_lines)}
```
{doc_end}"""
    if DOCS.exists():
        text = DOCS.read_text()
        if doc_start in text and doc_end in text:
            pre = text[: text.index(doc_start)]
            post = text[text.index(doc_end) + len(doc_end):]
            text = pre + section + post
        else:
            text = text.rstrip("\n") + "\n\n" + section + "\n"
    else:
        text = "# Benchmarks\n\nFigures from the benchmarks in `bench/`. Rerun them to refresh.\n\n" + section + "\n"
    DOCS.write_text(text)


if __name__ == "__main__":
    main()
