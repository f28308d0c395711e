"""The model file from Python: what a round trip keeps, what export refuses,
and what load does with bad files.

Bad files are loaded in-process on purpose: a crash (segfault, abort) in the
engine's loader kills pytest, which is exactly what these tests must catch.
"""

import hashlib
import os
import struct

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (ExtraTreesClassifier,
                              AdaBoostClassifier, RandomForestClassifier,
                              RandomForestRegressor)
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import QuantileTransformer, StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

from parity_helpers import check_parity

import skscore

MAGIC = b"\x89SKM\r\n\x1a\n"
PREAMBLE = 56


def load_error(path):
    """Loading must raise, never crash; returns the exception."""
    with pytest.raises(Exception) as e:
        skscore.load(str(path))
    return e.value


def assert_model_file_error(path, what=""):
    e = load_error(path)
    assert isinstance(e, skscore.ModelFileError), f"{what}: {type(e).__name__}: {e}"
    assert isinstance(e, ValueError)
    assert str(e), f"{what}: empty message"
    return e


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A small forest classifier with string labels and feature names, its
    file bytes, and a linear model's."""
    from conftest import dataset
    d = dataset("iris")
    cols = ["sepal length", "sepal width", "petal length", "petal width"]
    y = np.array(["setosa", "versicolor", "virginica"])[d.y]
    rf = RandomForestClassifier(n_estimators=3, max_depth=4, random_state=0).fit(pd.DataFrame(d.X, columns=cols), y)
    lr = LogisticRegression(max_iter=300).fit(d.X, d.y)
    base = tmp_path_factory.mktemp("good")
    out = {}
    for name, est in (("rf", rf), ("lr", lr)):
        p = base / f"{name}.skm"
        skscore.export(est, str(p), metadata={"owner": "risk-team", "name": name})
        out[name] = (est, p, p.read_bytes())
    return out, d


def write(tmp_path, data, name="bad.skm"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


# ---------------------------------------------------------------- round trip

def test_round_trip_keeps_schema_and_metadata(model_path):
    from conftest import dataset
    d = dataset("wine")
    cols = [f"col {i} é" for i in range(d.X.shape[1])]
    y = np.array(["a", "bb", "ccc"])[d.y]
    est = ExtraTreesClassifier(n_estimators=4, random_state=0).fit(pd.DataFrame(d.X, columns=cols), y)
    meta = {"owner": "risk-team", "ticket": "RISK-42", "unicode": "ünïcødé ✓", "empty": ""}
    p = model_path()
    skscore.export(est, p, metadata=meta)  # a pathlib.Path works too
    m = skscore.load(p)
    assert m.n_features_in_ == d.X.shape[1]
    assert list(m.feature_names_in_) == cols
    assert np.asarray(m.feature_names_in_).dtype == est.feature_names_in_.dtype
    assert np.array_equal(m.classes_, est.classes_)
    assert np.asarray(m.classes_).dtype == est.classes_.dtype
    md = dict(m.metadata)
    for k, v in meta.items():
        assert md.get(k) == v, (k, md)
    info = m.info()
    assert isinstance(info, dict)
    blob = open(p, "rb").read()
    assert info["checksum"] == hashlib.sha256(blob[PREAMBLE:]).hexdigest()
    text = repr(info) + repr(m)
    assert "ExtraTreesClassifier" in text


def test_feature_names_argument_and_no_names(model_path):
    from conftest import dataset
    d = dataset("iris")
    est = DecisionTreeRegressor(random_state=0).fit(d.X, d.y)
    m = skscore.load(_export(est, model_path(), feature_names=["a", "b", "c", "d"]))
    assert list(m.feature_names_in_) == ["a", "b", "c", "d"]
    df = pd.DataFrame(d.X, columns=["a", "b", "c", "d"])
    got = m.predict(df[["d", "c", "b", "a"]])  # matched by name
    np.testing.assert_array_equal(got, est.predict(d.X))
    m2 = skscore.load(_export(est, model_path()))
    names = getattr(m2, "feature_names_in_", None)
    assert names is None  # fitted on an array: no names (None or no attribute)
    assert m2.n_features_in_ == 4
    with pytest.raises(ValueError):
        skscore.export(est, str(model_path()), feature_names=["a", "b"])  # wrong count
    with pytest.raises(ValueError):
        skscore.export(est, str(model_path()), feature_names=["a", "a", "b", "c"])  # duplicates


def _export(est, p, **kw):
    skscore.export(est, str(p), **kw)
    return str(p)


@pytest.mark.parametrize("labels", [np.array([3, -1, 7]), np.array([0.0, 1.0, 2.5e3]),
                                    np.array([True, False]), np.array(["x", "yy", "zzz"]),
                                    np.array(["p", "q"], dtype=object), np.array([1, 2, 3], dtype=np.int32)])
def test_classes_round_trip_with_dtype(labels, model_path):
    from conftest import dataset
    d = dataset("iris")
    y = labels[d.y % len(labels)]
    for est in (DecisionTreeClassifier(max_depth=2).fit(d.X, y), LogisticRegression(max_iter=300).fit(d.X, y)):
        m = skscore.load(_export(est, model_path()))
        assert np.asarray(m.classes_).dtype == est.classes_.dtype, (m.classes_, est.classes_)
        assert np.array_equal(m.classes_, est.classes_)
        assert np.asarray(m.predict(d.X[:3])).dtype == est.predict(d.X[:3]).dtype


def test_regressor_has_no_classes(model_path):
    from conftest import dataset
    d = dataset("diabetes")
    est = LinearRegression().fit(d.X, d.y)
    m = skscore.load(_export(est, model_path()))
    assert getattr(m, "classes_", None) is None
    assert m.n_features_in_ == d.X.shape[1]


def test_files_are_deterministic(model_path, good):
    models, d = good
    est, p, blob = models["rf"]
    p2 = model_path()
    skscore.export(est, str(p2), metadata={"owner": "risk-team", "name": "rf"})
    assert p2.read_bytes() == blob


def test_export_overwrites_and_bad_destination(model_path, good, tmp_path):
    models, d = good
    est, _, _ = models["lr"]
    p = model_path()
    p.write_bytes(b"old contents")
    skscore.export(est, str(p))
    skscore.load(str(p))
    with pytest.raises(OSError):
        skscore.export(est, str(tmp_path / "no-such-dir" / "m.skm"))


def test_metadata_must_be_strings(model_path, good):
    models, _ = good
    est, _, _ = models["lr"]
    for bad in ({1: "x"}, {"k": object()}, "not a dict"):
        try:
            skscore.export(est, str(model_path()), metadata=bad)
        except (TypeError, ValueError):
            continue
        raise AssertionError(f"metadata {bad!r} accepted silently")


# -------------------------------------------------------------- unsupported

@pytest.mark.parametrize("make", [
    lambda X, y: KNeighborsClassifier().fit(X, y),
    lambda X, y: SVC().fit(X, y),
    lambda X, y: AdaBoostClassifier(n_estimators=3).fit(X, y),
    lambda X, y: make_pipeline(QuantileTransformer(n_quantiles=10), LogisticRegression()).fit(X, y),
], ids=["knn", "svc", "adaboost", "pipeline"])
def test_unsupported_estimators_raise_type_error(make, model_path):
    from conftest import dataset
    d = dataset("iris")
    est = make(d.X, d.y)
    p = model_path()
    with pytest.raises(TypeError) as e:
        skscore.export(est, str(p))
    msg = str(e.value)
    name = type(est).__name__
    assert name in msg, msg
    assert "RandomForestClassifier" in msg and "LogisticRegression" in msg, f"does not list what is supported: {msg}"
    assert not p.exists()


def test_not_an_estimator_and_unfitted(model_path):
    with pytest.raises(TypeError):
        skscore.export("a string", str(model_path()))
    with pytest.raises(TypeError):
        skscore.export(None, str(model_path()))
    from sklearn.exceptions import NotFittedError
    for est in (RandomForestClassifier(), LogisticRegression()):
        with pytest.raises((NotFittedError, ValueError, TypeError)):
            skscore.export(est, str(model_path()))


def test_multi_output_classifier_refused_or_exact(model_path):
    """Multi-output classification is out of scope: export must refuse it
    (TypeError/ValueError), or else score it exactly."""
    from conftest import dataset
    d = dataset("iris")
    Y = np.c_[d.y, d.y % 2]
    est = DecisionTreeClassifier(random_state=0).fit(d.X, Y)
    try:
        p = _export(est, model_path())
    except (TypeError, ValueError):
        return
    check_parity(est, skscore.load(p), d.X)


def test_one_vs_rest_logistic_refused_or_exact(model_path):
    from conftest import dataset
    from sklearn.multiclass import OneVsRestClassifier
    d = dataset("wine")
    est = OneVsRestClassifier(LogisticRegression(max_iter=2000)).fit(d.X, d.y)
    try:
        p = _export(est, model_path())
    except TypeError:
        return
    check_parity(est, skscore.load(p), d.X)


# ---------------------------------------------------------------- bad files

def test_good_files_load(good):
    models, d = good
    for name, (est, p, blob) in models.items():
        assert blob[:8] == MAGIC
        assert len(blob) == PREAMBLE + struct.unpack("<Q", blob[16:24])[0]
        m = skscore.load(str(p))
        check_parity(est, m, d.X if name == "lr" else pd.DataFrame(d.X, columns=est.feature_names_in_))


def test_nonexistent_path_directory_and_empty(tmp_path):
    with pytest.raises(FileNotFoundError):
        skscore.load(str(tmp_path / "missing.skm"))
    e = load_error(tmp_path)
    assert isinstance(e, (OSError, skscore.ModelFileError)), repr(e)
    assert_model_file_error(write(tmp_path, b""), "empty file")
    with pytest.raises((TypeError, ValueError, OSError)):
        skscore.load(None)


# Runs in a child process: before the fix, open() of a FIFO blocked
# forever, and a hung pytest proves nothing; the child is killed at 20 s.
_LOAD_SPECIAL = """
import sys, time
import skscore
t = time.monotonic()
try:
    skscore.load(sys.argv[1])
    print("LOADED")
except Exception as e:
    print(type(e).__name__, "|", e, "|", round(time.monotonic() - t, 3))
"""


def test_non_regular_files_refused_at_once(tmp_path):
    """A FIFO (nobody writing), a character device, a socket: refused at
    once with the kind named, instead of blocking in open() or reading
    forever."""
    import socket
    import subprocess
    import sys

    fifo = tmp_path / "model.skm"
    os.mkfifo(fifo)
    sock_path = tmp_path / "sock.skm"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    try:
        for path, kind in ((fifo, "a FIFO"), ("/dev/zero", "a character device"), (sock_path, "a socket")):
            out = subprocess.run([sys.executable, "-c", _LOAD_SPECIAL, str(path)], capture_output=True, text=True,
                                 timeout=20).stdout
            name, msg, secs = (x.strip() for x in out.split("|"))
            assert name == "OSError", out
            assert msg == f"cannot read {path}: {kind}, not a regular file", out
            assert float(secs) < 5, out  # "at once": it used to block forever
    finally:
        sock.close()


def test_truncated_at_every_length(good, tmp_path):
    for name, (_, _, blob) in good[0].items():
        n = len(blob)
        cuts = set(range(0, min(n, 200))) | set(np.linspace(0, n - 1, 300).astype(int)) | {n - 1}
        for k in sorted(cuts):
            assert_model_file_error(write(tmp_path, blob[:k]), f"{name} truncated to {k}/{n}")


def test_trailing_bytes(good, tmp_path):
    blob = good[0]["rf"][2]
    for extra in (b"\0", b"garbage", blob):
        assert_model_file_error(write(tmp_path, blob + extra), f"{len(extra)} trailing bytes")


def test_flipped_bytes(good, tmp_path):
    """Every byte of the preamble, and a sample of the body, flipped: the
    magic, version, flags, length and checksum guard all of it."""
    rng = np.random.default_rng(0)
    for name, (_, _, blob) in good[0].items():
        positions = list(range(PREAMBLE)) + sorted(rng.choice(np.arange(PREAMBLE, len(blob)),
                                                             size=min(300, len(blob) - PREAMBLE), replace=False))
        for pos in positions:
            for mask in (0x01, 0x80, 0xFF):
                b = bytearray(blob)
                b[pos] ^= mask
                major, minor = struct.unpack("<HH", bytes(b[8:12]))
                if pos in (10, 11) and major == 1 and minor <= skscore.FORMAT_MINOR:
                    # Another minor version this engine reads: the same body loads.
                    assert skscore.load(write(tmp_path, bytes(b))).checksum == skscore.load(write(tmp_path, blob)).checksum
                    continue
                assert_model_file_error(write(tmp_path, bytes(b)), f"{name} byte {pos} ^ {mask:#x}")


def test_wrong_magic_and_version(good, tmp_path):
    blob = good[0]["rf"][2]
    for magic in (b"\0" * 8, b"PK\x03\x04\0\0\0\0", b"\x89PNG\r\n\x1a\n", b"\x89SKM\n\n\x1a\n"):
        e = assert_model_file_error(write(tmp_path, magic + blob[8:]), f"magic {magic!r}")
    e = assert_model_file_error(write(tmp_path, b"\x80\x04\x95" + blob[3:]), "pickle-looking file")
    for major, minor in ((2, 0), (0, 9), (1, skscore.FORMAT_MINOR + 1), (65535, 0)):
        b = blob[:8] + struct.pack("<HH", major, minor) + blob[12:]
        e = assert_model_file_error(write(tmp_path, b), f"version {major}.{minor}")
        assert "version" in str(e).lower(), str(e)


def test_random_bytes(tmp_path):
    rng = np.random.default_rng(1)
    for i in range(200):
        n = int(rng.integers(0, 400))
        data = rng.integers(0, 256, size=n, dtype=np.uint8).tobytes()
        if i % 2:
            data = MAGIC + data  # past the magic check
        assert_model_file_error(write(tmp_path, data), f"random {i}")


def test_a_bad_load_leaves_the_library_usable(good, tmp_path):
    est, p, blob = good[0]["lr"]
    for _ in range(3):
        assert_model_file_error(write(tmp_path, blob[:100]))
        m = skscore.load(str(p))
        check_parity(est, m, good[1].X)


# ---------------------------------- well-formed files with wrong contents (valid checksum)

msgpack = pytest.importorskip("msgpack")


def reseal(body_obj):
    body = msgpack.packb(body_obj, use_bin_type=True)
    return (MAGIC + struct.pack("<HHIQ", 1, 0, 0, len(body)) + hashlib.sha256(body).digest() + body)


def unseal(blob):
    return msgpack.unpackb(blob[PREAMBLE:], raw=False, strict_map_key=False)


def _tree0(body):
    return body["steps"][0]["trees"][0]


def _set_typed(arr, dtype, values):
    arr[:] = [dtype, np.asarray(values).astype({"i32": "<i4", "f64": "<f8", "u8": "u1"}[dtype]).tobytes()]


def _get_typed(arr):
    dt = {"i32": "<i4", "i64": "<i8", "f64": "<f8", "u8": "u1"}[arr[0]]
    return np.frombuffer(arr[1], dtype=dt).copy()


def _mut_child(body, which, value):
    t = _tree0(body)
    a = _get_typed(t[which])
    a[0] = value
    _set_typed(t[which], "i32", a)


def _mut_feature(body, value):
    t = _tree0(body)
    a = _get_typed(t["feature"])
    a[0] = value
    _set_typed(t["feature"], "i32", a)


def _mut_threshold_nan(body):
    t = _tree0(body)
    a = _get_typed(t["threshold"])
    a[0] = np.nan
    _set_typed(t["threshold"], "f64", a)


def _mut_cycle(body):
    t = _tree0(body)
    left = _get_typed(t["left"])
    # the root's left child points back at the root
    left[0] = 0
    _set_typed(t["left"], "i32", left)


def _mut_shared_subtree(body):
    t = _tree0(body)
    left, right = _get_typed(t["left"]), _get_typed(t["right"])
    right[0] = left[0]
    _set_typed(t["right"], "i32", right)


def _mut_value_short(body):
    t = _tree0(body)
    t["value"][1] = t["value"][1][:-8]


def _mut_half_leaf(body):
    t = _tree0(body)
    right = _get_typed(t["right"])
    right[0] = -1  # left child kept, right says leaf
    _set_typed(t["right"], "i32", right)


TREE_MUTATIONS = {
    "left child out of range": lambda b: _mut_child(b, "left", 10 ** 6),
    "right child negative": lambda b: _mut_child(b, "right", -5),
    "child is itself (cycle)": _mut_cycle,
    "shared subtree": _mut_shared_subtree,
    "half leaf": _mut_half_leaf,
    "feature out of range": lambda b: _mut_feature(b, 4),
    "feature negative": lambda b: _mut_feature(b, -1),
    "NaN threshold": _mut_threshold_nan,
    "value array too short": _mut_value_short,
    "no trees": lambda b: b["steps"][0].__setitem__("trees", []),
    "no steps": lambda b: b.__setitem__("steps", []),
    "missing input": lambda b: b.pop("input"),
    "n_features zero": lambda b: b["input"].__setitem__("n_features", 0),
    "n_features huge": lambda b: b["input"].__setitem__("n_features", 2 ** 31 - 1),
    "n_features negative": lambda b: b["input"].__setitem__("n_features", -3),
    "n_features wrong type": lambda b: b["input"].__setitem__("n_features", "4"),
    "feature names too few": lambda b: b["input"].__setitem__("feature_names", ["a"]),
    "feature names duplicated": lambda b: b["input"].__setitem__("feature_names", ["a", "a", "b", "c"]),
    "n_classes mismatch": lambda b: b["output"].__setitem__("n_classes", 7),
    "n_classes huge": lambda b: b["output"].__setitem__("n_classes", 2 ** 40),
    "labels too few": lambda b: b["output"].__setitem__("labels_str", ["only"]),
    "label not utf-8": lambda b: b["output"].__setitem__("labels_str", [b"\xff\xfe", "b", "c"]),
    "unknown step kind": lambda b: b["steps"][0].__setitem__("kind", "neural"),
    "unknown link": lambda b: b["output"].__setitem__("link", "tanh"),
    "unknown dtype tag": lambda b: _tree0(b)["left"].__setitem__(0, "i128"),
    "body not a map": lambda b: b.clear() or b.update({"x": [1, 2, 3]}),
}


@pytest.mark.parametrize("mutation", list(TREE_MUTATIONS))
def test_inconsistent_tree_files(mutation, good, tmp_path):
    body = unseal(good[0]["rf"][2])
    TREE_MUTATIONS[mutation](body)
    e = assert_model_file_error(write(tmp_path, reseal(body)), mutation)
    assert len(str(e)) > 10


LINEAR_MUTATIONS = {
    "coef too short": lambda b: b["steps"][0]["coef"].__setitem__(1, b["steps"][0]["coef"][1][:-8]),
    "intercept too long": lambda b: b["steps"][0]["intercept"].__setitem__(1, b["steps"][0]["intercept"][1] + b"\0" * 8),
    "n_targets huge": lambda b: b["steps"][0].__setitem__("n_targets", 2 ** 30),
    "n_targets zero": lambda b: b["steps"][0].__setitem__("n_targets", 0),
    "coef as list": lambda b: b["steps"][0].__setitem__("coef", [0.0] * 12),
}


@pytest.mark.parametrize("mutation", list(LINEAR_MUTATIONS))
def test_inconsistent_linear_files(mutation, good, tmp_path):
    body = unseal(good[0]["lr"][2])
    LINEAR_MUTATIONS[mutation](body)
    assert_model_file_error(write(tmp_path, reseal(body)), mutation)


def test_resealed_unchanged_body_still_loads(good, tmp_path):
    """Sanity for the mutation tests: decoding and re-encoding the body with
    Python's msgpack gives a file the engine accepts and scores the same."""
    est, p, blob = good[0]["lr"]
    m = skscore.load(str(write(tmp_path, reseal(unseal(blob)))))
    check_parity(est, m, good[1].X)


@pytest.mark.slow
def test_body_fuzz_with_valid_checksum(good, tmp_path):
    """Random byte edits inside the msgpack body, checksum recomputed: each
    file either loads (and then scores without crashing) or raises
    ModelFileError."""
    rng = np.random.default_rng(2)
    wrong = []
    for name, (_, _, blob) in good[0].items():
        body = bytearray(blob[PREAMBLE:])
        for i in range(400):
            b = bytearray(body)
            for _ in range(int(rng.integers(1, 4))):
                pos = int(rng.integers(0, len(b)))
                op = rng.integers(0, 3)
                if op == 0:
                    b[pos] = int(rng.integers(0, 256))
                elif op == 1:
                    b[pos] ^= 1 << int(rng.integers(0, 8))
                else:
                    b[pos:pos + 4] = struct.pack("<i", int(rng.choice([-1, 0, 1, 2 ** 31 - 1, -2 ** 31, 255, 65536])))
            data = MAGIC + struct.pack("<HHIQ", 1, 0, 0, len(b)) + hashlib.sha256(bytes(b)).digest() + bytes(b)
            path = write(tmp_path, data)
            try:
                m = skscore.load(str(path))
            except skscore.ModelFileError:
                continue
            except Exception as e:  # noqa: BLE001 - wrong exception type: collect, report below
                wrong.append(f"{name} #{i}: {type(e).__name__}: {str(e)[:120]}")
                continue
            X = np.random.default_rng(i).normal(size=(20, m.n_features_in_)) * 3
            try:
                m.predict(X)
            except ValueError:
                pass
    assert not wrong, f"{len(wrong)} bad files raised something else than ModelFileError:\n" + "\n".join(wrong[:10])


# ------------------------------------------------------------ label edge cases

@pytest.mark.parametrize("labels", [
    np.array([-2 ** 63, 2 ** 63 - 1]),
    np.array(["", "c"]),
    np.array(["x" * 5000, "c"]),
    np.array(["😀 ünï", "c", "日本語"]),
    np.array([b"a", b"bb"]),
    np.array([-1, 1], dtype=np.int8),
    np.array([0.0, 1.0], dtype=np.float32),
    np.array([-0.0, 1.0]),
], ids=["int64-extremes", "empty-str", "long-str", "non-ascii", "bytes", "int8", "float32", "neg-zero"])
def test_unusual_labels_round_trip(labels, model_path):
    X = np.random.default_rng(0).normal(size=(60, 2))
    y = labels[np.arange(60) % len(labels)]
    ests = [DecisionTreeClassifier(random_state=0).fit(X, y)]
    if labels.dtype.kind != "S":  # LogisticRegression refuses bytes labels
        ests.append(LogisticRegression().fit(X, y))
    for est in ests:
        m = skscore.load(_export(est, model_path()))
        assert np.asarray(m.classes_).dtype == est.classes_.dtype
        assert np.array_equal(m.classes_, est.classes_)
        check_parity(est, m, X)


@pytest.mark.parametrize("labels", [np.array(["a\x00b", "c"]), np.array([2 ** 63 + 5, 1], dtype=np.uint64)],
                         ids=["NUL", "uint64-above-int64"])
def test_unrepresentable_labels_refused_at_export(labels, model_path):
    """Labels the format cannot hold: export refuses with a ValueError (or
    TypeError) instead of writing a file that returns other labels."""
    X = np.random.default_rng(0).normal(size=(40, 2))
    est = DecisionTreeClassifier().fit(X, labels[np.arange(40) % 2])
    p = model_path()
    try:
        skscore.export(est, str(p))
    except (ValueError, TypeError):
        assert not p.exists()
        return
    m = skscore.load(str(p))
    assert np.array_equal(m.classes_, est.classes_) and m.classes_.dtype == est.classes_.dtype
    check_parity(est, m, X)


def test_nul_in_names_and_metadata_refused(model_path):
    X = np.random.default_rng(0).normal(size=(40, 2))
    est = DecisionTreeClassifier().fit(pd.DataFrame(X, columns=["a\x00", "b"]), np.arange(40) % 2)
    with pytest.raises(ValueError):
        skscore.export(est, str(model_path()))
    est = DecisionTreeClassifier().fit(X, np.arange(40) % 2)
    with pytest.raises(ValueError):
        skscore.export(est, str(model_path()), metadata={"k": "v\x00w"})


def test_several_targets_are_2d_whatever_the_file_says():
    """A file may claim a 1-D predict for a regressor with two targets (a
    crafted or damaged file: the exporter never writes it). The result is
    (n, 2) anyway, the engine's rule (sks_model_output_spec) -- the
    extension once sized a 1-D array from the flag and let the engine write
    past it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    est = LinearRegression().fit(X, np.c_[X[:, 0], X[:, 1] * 2])
    desc = skscore.exporters.describe(est)
    assert desc["output_2d"] and desc["n_outputs"] == 2
    desc["output_2d"] = False
    m = skscore.load(skscore._skscore._serialize(desc))
    got = m.predict(X)
    assert got.shape == (50, 2)
    # summation order differs from BLAS (docs/EXACTNESS.md, "Linear models: within 1e-9 relative")
    np.testing.assert_allclose(got, est.predict(X), rtol=1e-12, atol=1e-12)
