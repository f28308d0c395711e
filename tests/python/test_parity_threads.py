"""One loaded model, scored from many Python threads at once, and with any
n_threads: the same numbers as scikit-learn, every time."""

import inspect
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from sklearn.ensemble import ExtraTreesRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression

from parity_helpers import assert_exact, check_parity

import skscore

from conftest import dataset


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    d = dataset("digits")
    rng = np.random.default_rng(0)
    ests = {
        "rf": RandomForestClassifier(n_estimators=20, random_state=0).fit(d.X, d.y),
        "etr": ExtraTreesRegressor(n_estimators=10, random_state=0).fit(d.X, d.X[:, 20:23] + rng.normal(size=(len(d.X), 3))),
        "logreg": LogisticRegression(max_iter=200).fit(d.X / 16, d.y),
    }
    out = {}
    for name, est in ests.items():
        p = tmp_path_factory.mktemp("thr") / f"{name}.skm"
        skscore.export(est, str(p))
        out[name] = (est, skscore.load(str(p)))
    X = np.vstack([d.X, d.X_test] * 4) + rng.normal(size=(4 * (len(d.X) + len(d.X_test)), 64)) * 0.5
    return out, X


def _methods(est):
    return [n for n in ("predict", "predict_proba", "decision_function") if hasattr(est, n)]


@pytest.mark.parametrize("name", ["rf", "etr", "logreg"])
def test_concurrent_python_threads_on_one_model(name, models):
    (est, m), X = models[0][name], models[1]
    want = {meth: getattr(m, meth)(X) for meth in _methods(est)}
    check_parity(est, m, X)  # and those are sklearn's numbers
    chunks = [X[i::4] for i in range(4)] + [X, X[:1], X[:37]]
    expected = {(meth, i): getattr(m, meth)(c) for meth in want for i, c in enumerate(chunks)}
    barrier = threading.Barrier(6)
    errors = []

    def worker(k):
        try:
            barrier.wait()
            for rep in range(6):
                for meth in want:
                    i = (k + rep) % len(chunks)
                    got = getattr(m, meth)(chunks[i])
                    assert_exact(got, expected[meth, i], f"thread {k} rep {rep} {meth}")
        except Exception as e:  # noqa: BLE001 - collected and re-raised below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a predict call hung"
    assert not errors, errors[0]


@pytest.mark.parametrize("name", ["rf", "etr", "logreg"])
def test_n_threads_gives_identical_results(name, models):
    (est, m), X = models[0][name], models[1]
    assert "n_threads" in str(inspect.signature(m.predict)) or _accepts_n_threads(m, X)
    for meth in _methods(est):
        ref = getattr(m, meth)(X, n_threads=1)
        for n in (2, 3, 8, 0, -1, None):
            try:
                got = getattr(m, meth)(X, n_threads=n)
            except (ValueError, TypeError):
                if n in (0, -1, None):
                    continue  # "all cores" may be spelled differently
                raise
            assert_exact(got, ref, f"{meth} n_threads={n}")
        assert_exact(getattr(m, meth)(X), ref, f"{meth} default threads")


def _accepts_n_threads(m, X):
    try:
        m.predict(X[:2], n_threads=1)
        return True
    except TypeError:
        return False


def test_many_models_many_threads(tmp_path):
    """Load/score/free churn across threads (different models, shared file)."""
    d = dataset("iris")
    est = RandomForestClassifier(n_estimators=5, random_state=0).fit(d.X, d.y)
    p = tmp_path / "m.skm"
    skscore.export(est, str(p))
    want = est.predict_proba(d.X)

    def job(i):
        m = skscore.load(str(p))
        return m.predict_proba(d.X)

    with ThreadPoolExecutor(4) as ex:
        for got in ex.map(job, range(40)):
            assert_exact(got, want, "predict_proba")


def test_predict_releases_the_gil(models):
    """While one thread scores a large batch, other Python threads run."""
    import time
    (est, m), X = models[0]["rf"], models[1]
    Xbig = np.vstack([X] * 6)
    t0 = time.perf_counter()
    m.predict_proba(Xbig, n_threads=1)
    alone = time.perf_counter() - t0
    if alone < 0.05:
        pytest.skip(f"batch too fast to measure ({alone:.3f}s)")
    ticks = []
    stop = threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    th = threading.Thread(target=ticker)
    th.start()
    time.sleep(0.01)
    t0 = time.perf_counter()
    m.predict_proba(Xbig, n_threads=1)
    t1 = time.perf_counter()
    stop.set()
    th.join()
    during = [t for t in ticks if t0 < t < t1]
    # with the GIL held the ticker could not run at all during the call
    assert len(during) >= 0.2 * (t1 - t0) / 0.002, (len(during), t1 - t0)


@pytest.mark.parametrize("name", ["rf", "logreg"])
def test_first_bad_row_reported_whatever_the_threads(name, models):
    """Rows are claimed by whichever pool thread is free; the error still
    names the input's first bad row, as with one thread."""
    (est, m), X = models[0][name], models[1]
    Xb = np.array(X)
    for r in (len(Xb) - 1, len(Xb) // 2 + 3, 17):
        Xb[r, 5] = np.inf
    with pytest.raises(ValueError) as one:
        m.predict(Xb, n_threads=1)
    assert "row 17," in str(one.value)
    for n in (2, 3, 8):
        with pytest.raises(ValueError) as many:
            m.predict(Xb, n_threads=n)
        assert str(many.value) == str(one.value)


def _run_child(code: str) -> str:
    import subprocess
    import sys

    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-2000:]
    return r.stdout


def test_pool_survives_fork(models, tmp_path):
    """The pool's threads do not exist in a fork()ed child: the child's
    multi-threaded calls start a pool of their own (no deadlock)."""
    (est, m), X = models[0]["rf"], models[1]
    np.save(tmp_path / "X.npy", X)
    p = tmp_path / "rf.skm"
    skscore.export(est, str(p))
    out = _run_child(f"""
import os, numpy as np, skscore
m = skscore.load({str(p)!r}); X = np.load({str(tmp_path / 'X.npy')!r})
want = m.predict_proba(X, n_threads=2)   # the parent's pool exists now
pid = os.fork()
if pid == 0:
    ok = np.array_equal(m.predict_proba(X, n_threads=2), want) and np.array_equal(m.predict_proba(X, n_threads=4), want)
    os._exit(0 if ok else 3)
_, status = os.waitpid(pid, 0)
print(os.waitstatus_to_exitcode(status))
""")
    assert out.strip() == "0"


def test_default_threads_follow_the_affinity_mask(models, tmp_path):
    """n_threads left to the engine is the CPUs this process may run on:
    pinned to one CPU, a default call starts no pool thread (and scores the
    same); asking for 2 threads then starts exactly one (the caller is the
    other), and later calls reuse it."""
    (est, m), X = models[0]["rf"], models[1]
    Xbig = np.vstack([X] * 4)
    np.save(tmp_path / "X.npy", Xbig)
    p = tmp_path / "rf.skm"
    skscore.export(est, str(p))
    out = _run_child(f"""
import os, numpy as np, skscore
os.sched_setaffinity(0, {{min(os.sched_getaffinity(0))}})
m = skscore.load({str(p)!r}); X = np.load({str(tmp_path / 'X.npy')!r})
tasks = lambda: len(os.listdir('/proc/self/task'))
m.predict_proba(X[:10], n_threads=1)
n0 = tasks()
a = m.predict_proba(X)
n1 = tasks()
b = m.predict_proba(X, n_threads=2)
n2 = tasks()
c = m.predict_proba(X, n_threads=2)
n3 = tasks()
print(np.array_equal(a, b) and np.array_equal(a, c), n1 - n0, n2 - n1, n3 - n2)
""")
    assert out.split() == ["True", "0", "1", "0"]
