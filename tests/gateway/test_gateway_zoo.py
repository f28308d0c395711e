"""Every model in the zoo (scripts/model_zoo.py) served by one gateway:
msgpack raw blocks (NaN included) in, or rows for models with string
columns (None and NaN as the zoo has them), each output the model has
out, compared with what the estimator itself gave, within the tolerance
skscore.validate recorded for it (exact for trees)."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import SANITIZER_ENV, Gateway, asan_binary, sanitizer_reports
from gw_util import Client

msgpack = pytest.importorskip("msgpack")
pytest.importorskip("sklearn")
pytest.importorskip("skscore")

ROOT = Path(__file__).resolve().parents[2]
KEY = {"predict": "predictions", "predict_proba": "probabilities", "decision_function": "decision_function",
       "score_samples": "score_samples"}


@pytest.fixture(scope="module")
def zoo_dir(tmp_path_factory):
    # in-process (tests/python/test_model_zoo.py runs the script's command line)
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import model_zoo
    finally:
        sys.path.pop(0)
    out = tmp_path_factory.mktemp("zoo")
    manifest = model_zoo.build(out)
    assert [m["name"] for m in manifest if not m["passed"]] == []
    return out, manifest


@pytest.fixture(scope="module", params=["release", "asan"])
def zoo(request, zoo_dir):
    """The release build, and the ASan+UBSan build when $SKSCORE_GATEWAY_ASAN
    names one (CI sets it): any sanitizer report fails the test."""
    binary, env = (asan_binary(), SANITIZER_ENV) if request.param == "asan" else (None, None)
    out, manifest = zoo_dir
    gw = Gateway(["--threads", "2", "--reload-interval", "0", "--max-rows", "100000"]
                 + [f"--model={m['name']}={out / (m['name'] + '.skm')}" for m in manifest], env=env, binary=binary)
    yield out, manifest, gw
    rc = gw.stop()
    reports = sanitizer_reports(gw)
    assert not reports, "".join(reports[:60])
    assert rc == 0


def test_zoo_over_http(zoo):
    out, manifest, gw = zoo
    c = Client(gw.url)
    problems = []
    for m in manifest:
        data = np.load(out / f"{m['name']}.npz", allow_pickle=True)
        outs = list(m["outputs"])
        if data["X"].dtype == object:  # string columns: rows (a block holds only numbers)
            body = msgpack.packb({"instances": data["X"].tolist(), "outputs": outs})
        else:
            X = np.ascontiguousarray(data["X"], dtype=np.float64)
            body = msgpack.packb({"block": X.tobytes(), "dtype": "float64", "shape": list(X.shape), "outputs": outs})
        status, raw, _ = c.request("POST", f"/models/{m['name']}/predict", body,
                                   {"Content-Type": "application/msgpack"})
        if status != 200:
            problems.append(f"{m['name']}: {status} {raw[:200]!r}")
            continue
        doc = msgpack.unpackb(raw)
        for name, tol in m["outputs"].items():
            want = data[name]
            got = doc[KEY[name]]
            if want.dtype == object:
                if list(want.ravel()) != got or any(type(g) is not type(w) and not isinstance(w, np.generic)
                                                    for g, w in zip(got, want.ravel())):
                    problems.append(f"{m['name']}.{name}: labels differ")
                continue
            g = np.asarray([np.nan if v is None else v for v in np.ravel(got)] if not isinstance(got[0], list)
                           else [[np.nan if v is None else v for v in row] for row in got], dtype=np.float64)
            if name == "predict" and want.dtype.kind in "iub":  # int or bool labels
                if g.shape != want.shape or not np.array_equal(g, want.astype(np.float64)):
                    problems.append(f"{m['name']}.{name}: labels differ")
                continue
            if g.shape != want.shape:
                problems.append(f"{m['name']}.{name}: shape {g.shape} != {want.shape}")
            elif not np.allclose(g, want, rtol=tol["rtol"], atol=tol["atol"], equal_nan=True):
                problems.append(f"{m['name']}.{name}: max |diff| {np.nanmax(np.abs(g - want)):.3g} beyond {tol}")
            elif tol["rtol"] == tol["atol"] == 0 and not np.array_equal(g, want, equal_nan=True):
                problems.append(f"{m['name']}.{name}: not bit-identical")
    c.close()
    assert not problems, problems
