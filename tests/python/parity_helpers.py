"""Shared assertions for the parity tests: skscore, through a model file,
against scikit-learn itself.

The rules (docs/EXACTNESS.md, ../shared/DESIGN.md "Exactness"):

- Labels (`predict` of a classifier) always agree exactly: same values, same
  dtype, same shape.
- Tree and forest outputs agree bit for bit: same shape, same dtype, and the
  same 64-bit patterns (so -0.0 vs 0.0 would count as a difference).
- Linear-model outputs agree within `|got - want| <= atol + RTOL * |want|`
  with RTOL = 1e-9 and atol = 1e-12 * scale, where scale is the magnitude
  of the terms summed for that output (sum_j |x_j * coef_j| + |intercept|).
  Why not bit for bit: scikit-learn computes `X @ coef_.T` through BLAS,
  whose summation order (and so its last-bit rounding) depends on the BLAS
  build, the CPU's SIMD width, the batch size and the thread count; skscore
  sums in feature order. Links use libm's exp where NumPy's exp may use a
  SIMD implementation that differs by about 1 ulp. Both effects are
  ~1e-16 relative per operation; 1e-9 leaves room for rows where terms
  cancel, while staying far below anything a user could notice or a label
  could depend on. Probabilities are bounded by 1, so their scale is 1.
"""

import numpy as np

RTOL = 1e-9
ATOL_PER_SCALE = 1e-12

# Models fitted on float32 data keep float32 coefficients in scikit-learn
# (LinearRegression, Ridge, ...), and scikit-learn then computes in float32:
# its own result carries float32 rounding (eps32 = 1.2e-7 per operation, in a
# BLAS-dependent order). The same rule as above, scaled from float64's
# epsilon to float32's, stated before running anything: rtol = 1e-5
# (about 100 eps32), atol = 1e-5 * scale.
RTOL_F32 = 1e-5
ATOL_PER_SCALE_F32 = 1e-5


def skscore():
    import skscore as _s
    return _s


def roundtrip(est, path, **export_kw):
    """The user's path: export to a file, load it back through the engine."""
    s = skscore()
    s.export(est, str(path), **export_kw)
    return s.load(str(path))


def _bits(a):
    a = np.ascontiguousarray(a)
    if a.dtype == np.float64:
        return a.view(np.uint64)
    if a.dtype == np.float32:
        return a.view(np.uint32)
    return a


def describe_mismatch(got, want, limit=5):
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        return f"shapes differ: got {got.shape}, want {want.shape}"
    if got.dtype.kind in "fc" and want.dtype.kind in "fc":
        bad = ~((got == want) | (np.isnan(got) & np.isnan(want)))
        bad |= _bits(got.astype(want.dtype, copy=False)) != _bits(want)
    else:
        bad = got != want
    idx = np.argwhere(np.atleast_1d(bad))
    lines = [f"{len(idx)} of {bad.size} values differ"]
    for i in idx[:limit]:
        i = tuple(i)
        g = np.atleast_1d(got)[i]
        w = np.atleast_1d(want)[i]
        lines.append(f"  at {i}: got {g!r}, want {w!r}")
    return "\n".join(lines)


def assert_exact(got, want, what=""):
    """Same shape, same dtype, same bits (NaN patterns aside)."""
    want = np.asarray(want)
    assert isinstance(got, np.ndarray), f"{what}: got a {type(got).__name__}, want ndarray"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, want {want.dtype}"
    if want.dtype.kind == "f":
        both_nan = np.isnan(got) & np.isnan(want)
        same = (_bits(got) == _bits(want)) | both_nan
        assert same.all(), f"{what}: not bit-identical\n" + describe_mismatch(got, want)
    else:
        assert np.array_equal(got, want), f"{what}: values differ\n" + describe_mismatch(got, want)


def assert_labels(got, want, what="predict"):
    """Class labels: exactly equal, same dtype and shape."""
    want = np.asarray(want)
    assert isinstance(got, np.ndarray), f"{what}: got a {type(got).__name__}, want ndarray"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, want {want.dtype}"
    assert np.array_equal(got, want), f"{what}: labels differ\n" + describe_mismatch(got, want)


def linear_scale(est, X):
    """Per row and per score column: sum_j |x_j * coef_tj| + |intercept_t|,
    the magnitude of the terms the score is summed from."""
    X = np.asarray(X, dtype=np.float64)
    coef = np.atleast_2d(np.asarray(est.coef_, dtype=np.float64))
    intercept = np.broadcast_to(np.asarray(est.intercept_, dtype=np.float64), (coef.shape[0],))
    with np.errstate(over="ignore", invalid="ignore"):
        s = np.abs(X) @ np.abs(coef).T + np.abs(intercept)
    return s  # (n, n_targets)


def assert_close(got, want, scale, what="", rtol=RTOL, atol_per_scale=ATOL_PER_SCALE):
    want = np.asarray(want)
    assert isinstance(got, np.ndarray), f"{what}: got a {type(got).__name__}, want ndarray"
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    assert got.dtype == want.dtype, f"{what}: dtype {got.dtype}, want {want.dtype}"
    g = got.astype(np.float64)
    w = want.astype(np.float64)
    scale = np.broadcast_to(np.asarray(scale, dtype=np.float64), w.shape)
    same_special = (g == w) | (np.isnan(g) & np.isnan(w))
    with np.errstate(invalid="ignore", over="ignore"):
        ok = same_special | (np.abs(g - w) <= atol_per_scale * scale + rtol * np.abs(w))
    if not ok.all():
        idx = np.argwhere(~ok)
        msg = [f"{what}: {len(idx)} of {ok.size} values outside rtol={rtol}, atol={atol_per_scale}*scale"]
        for i in idx[:5]:
            i = tuple(i)
            msg.append(f"  at {i}: got {g[i]!r}, want {w[i]!r}, diff {g[i]-w[i]:.3e}, scale {scale[i]:.3e}")
        raise AssertionError("\n".join(msg))


def sklearn_or_error(fn, X):
    """(result, None) or (None, exception) of calling scikit-learn."""
    try:
        return fn(X), None
    except ValueError as e:  # the only error sklearn raises for bad X
        return None, e


def both_outputs(sklearn_fn, skscore_fn, X, label):
    """(skscore's result, scikit-learn's) on X; None when scikit-learn
    refuses X with a ValueError and skscore refuses it with a ValueError
    too (an AssertionError when skscore does not)."""
    want, err = sklearn_or_error(sklearn_fn, X)
    if err is not None:
        try:
            skscore_fn(X)
        except ValueError:
            return None
        raise AssertionError(f"{label}: scikit-learn raised ValueError({err}), skscore did not")
    return skscore_fn(X), want


METHODS = ("predict", "predict_proba", "decision_function")


def is_linear(est):
    return hasattr(est, "coef_")


def float32_fitted(est):
    return is_linear(est) and np.asarray(est.coef_).dtype == np.float32


def assert_linear_labels(est, X, got, want, what):
    """Linear labels agree exactly, except on rows where scikit-learn's own
    scores are tied (multiclass) or zero (binary) up to BLAS rounding: there
    its BLAS product (summation order, FMA, which kernel handles which
    column) decides, and scikit-learn disagrees with itself between batch
    and one-row calls (docs/EXACTNESS.md). On those rows skscore's label
    must still be one of the tied classes."""
    want = np.asarray(want)
    assert isinstance(got, np.ndarray) and got.shape == want.shape and got.dtype == want.dtype, (
        f"{what}: got {type(got).__name__} {getattr(got, 'shape', None)} {getattr(got, 'dtype', None)}, "
        f"want {want.shape} {want.dtype}")
    differ = np.flatnonzero(got != want)
    if differ.size == 0:
        return
    scores = np.asarray(est.decision_function(X), dtype=np.float64)
    band = ATOL_PER_SCALE * linear_scale(est, X) * 1e3  # a few thousand ulps of the terms' sum
    classes = list(est.classes_)
    for i in differ:
        if scores.ndim == 1:
            tied = abs(scores[i]) <= band[i, 0]
        else:
            g, w = classes.index(got[i]), classes.index(want[i])
            tied = abs(scores[i, g] - scores[i, w]) <= max(band[i, g], band[i, w])
        assert tied, f"{what}: labels differ away from a BLAS-rounding tie\n" + describe_mismatch(got, want)


def check_parity(est, m, X, methods=METHODS, what=""):
    """Every output method the estimator has: skscore on the loaded model m
    against the estimator, on the same X. When scikit-learn refuses X with a
    ValueError, skscore must refuse it with a ValueError too."""
    checked = 0
    for name in methods:
        if not hasattr(est, name):
            continue
        label = f"{what} {type(est).__name__}.{name}".strip()
        outputs = both_outputs(getattr(est, name), getattr(m, name), X, label)
        if outputs is None:
            continue
        got, want = outputs
        checked += 1
        if name == "predict" and hasattr(est, "classes_") and is_linear(est):
            assert_linear_labels(est, X, got, want, label)
        elif name == "predict" and hasattr(est, "classes_"):
            assert_labels(got, want, label)
        elif not is_linear(est):
            assert_exact(got, want, label)
        else:
            if float32_fitted(est):
                rtol, aps = RTOL_F32, ATOL_PER_SCALE_F32
            else:
                rtol, aps = RTOL, ATOL_PER_SCALE
            if name == "predict_proba":
                scale = np.ones(np.shape(want))
            else:
                scale = linear_scale(est, X)
                if np.ndim(want) == 1:
                    scale = scale[:, 0]
                elif scale.shape != np.shape(want):  # e.g. (n,1) targets
                    scale = np.broadcast_to(scale, np.shape(want))
            assert_close(got, want, scale, label, rtol=rtol, atol_per_scale=aps)
    return checked


def tree_estimators(est):
    """The fitted sklearn tree estimators of a tree or forest."""
    return [est] if hasattr(est, "tree_") else list(est.estimators_)


def threshold_rows(est, X_base, max_nodes=400, rng=None, dtype=np.float64):
    """Rows that sit exactly on, and just around, the split thresholds.

    For each chosen split node (feature f, float64 threshold t), a row of
    X_base that reaches that node, with column f replaced by each of
      t, nextafter(t, -inf), nextafter(t, +inf)                (float64)
      lo, hi: the float32 values around t (lo <= t < hi)
      (lo + hi) / 2 and its float64 neighbours: doubles between two float32s,
      which round to lo or hi when cast (ties to even)
      float32(t) (the nearest float32, which may lie above t).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    base = np.asarray(X_base, dtype=np.float64)
    with np.errstate(over="ignore"):
        base32 = base.astype(np.float32)
    nodes = []  # (tree index, node)
    trees = tree_estimators(est)
    for ti, t in enumerate(trees):
        for n in np.flatnonzero(t.tree_.children_left != -1):
            nodes.append((ti, int(n)))
    if not nodes:
        return np.asarray(base[:1], dtype=dtype)
    if len(nodes) > max_nodes:
        pick = np.sort(rng.choice(len(nodes), size=max_nodes, replace=False))
        nodes = [nodes[i] for i in pick]
    paths = {}
    rows = []
    for ti, n in nodes:
        if ti not in paths:
            paths[ti] = trees[ti].decision_path(base32).tocsc()
        reach = paths[ti][:, n].nonzero()[0]
        b = base[reach[rng.integers(len(reach))]] if len(reach) else base[rng.integers(len(base))]
        tree = trees[ti].tree_
        f, t = int(tree.feature[n]), float(tree.threshold[n])
        t32 = np.float32(t)
        lo = t32 if float(t32) <= t else np.nextafter(t32, np.float32(-np.inf))
        hi = np.nextafter(lo, np.float32(np.inf))
        mid = (float(lo) + float(hi)) / 2
        cands = [t, np.nextafter(t, -np.inf), np.nextafter(t, np.inf), float(lo), float(hi),
                 mid, np.nextafter(mid, -np.inf), np.nextafter(mid, np.inf), float(t32)]
        for v in cands:
            if not np.isfinite(v):
                continue
            r = b.copy()
            r[f] = v
            rows.append(r)
    with np.errstate(over="ignore"):
        return np.asarray(rows).astype(dtype)


# ------------------------------------------------------------- pipelines

# Outputs that go through exp/pow, where NumPy's SIMD implementation and
# libm's differ in the last bit (docs/EXACTNESS.md): boosting's multiclass
# softmax and exp link, IsolationForest's 2 ** x.
EXP_RTOL = 1e-12
EXP_ATOL = 1e-15


def _dense(a):
    return np.asarray(a.toarray() if hasattr(a, "toarray") else a, dtype=np.float64)


def _exp_outputs(final, m):
    name = type(final).__name__
    if name == "IsolationForest":
        return ("score_samples", "decision_function")
    if "GradientBoosting" in name:
        return {"softmax": ("predict_proba",), "exp": ("predict",)}.get(m.info()["link"], ())
    return ()


def check_pipeline_parity(pipe, m, X, methods=(*METHODS, "score_samples"), what=""):
    """check_parity for a Pipeline: each output the pipeline has, skscore's
    model m against pipe, on the same raw X (DataFrame, object array, ...),
    held to the final estimator's rule. A linear estimator's scale comes
    from the rows as the preprocessing turns them out; trees are exact;
    exp/pow outputs within EXP_RTOL. When scikit-learn refuses X with a
    ValueError, skscore must refuse it with a ValueError too."""
    final = pipe.steps[-1][1]
    exp_outputs = _exp_outputs(final, m)
    transformed = None
    checked = 0
    for name in methods:
        has = hasattr(pipe, name)
        assert has == hasattr(m, name), f"{what}: pipeline has {name}: {has}, skscore: {not has}"
        if not has:
            continue
        label = f"{what} {type(final).__name__}.{name}".strip()
        outputs = both_outputs(getattr(pipe, name), getattr(m, name), X, label)
        if outputs is None:
            continue
        got, want = outputs
        checked += 1
        if is_linear(final) and transformed is None:
            transformed = _dense(pipe[:-1].transform(X))
        if name == "predict" and hasattr(final, "classes_"):
            if is_linear(final):
                assert_linear_labels(final, transformed, got, want, label)
            else:
                assert_labels(got, want, label)
        elif is_linear(final):
            f32 = float32_fitted(final)
            rtol, aps = (RTOL_F32, ATOL_PER_SCALE_F32) if f32 else (RTOL, ATOL_PER_SCALE)
            if name == "predict_proba":
                scale = np.ones(np.shape(want))
            else:
                scale = linear_scale(final, transformed)
                one = np.ndim(want) == 1
                scale = scale[:, 0] if one else np.broadcast_to(scale, np.shape(want))
            assert_close(got, want, scale, label, rtol=rtol, atol_per_scale=aps)
        elif name in exp_outputs:
            ones = np.ones(np.shape(want))
            assert_close(got, want, ones, label, rtol=EXP_RTOL, atol_per_scale=EXP_ATOL)
        else:
            assert_exact(got, want, label)
    return checked


def identity_probe(steps, X, path):
    """The fitted preprocessing steps [(name, transformer), ...] exported
    ahead of a LinearRegression whose coef_ is the k x k identity and
    intercept_ 0 (k: the width of the steps' output on X), loaded back.

    Output t of its predict is x_t * 1 plus exact zeros, with no rounding:
    the engine's preprocessed row itself, so the preprocessing can be
    compared value for value with scikit-learn's transform. Only for
    finite transformed rows (x * 0 is NaN for an infinite x, and a linear
    model refuses NaN); signed zeros do not survive (0 + -0 is 0), so
    compare with ==, not bits (assert_same_values)."""
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import Pipeline

    s = skscore()
    Xt = Pipeline(list(steps)).transform(X)
    n, k = _dense(Xt).shape
    probe = LinearRegression().fit(Xt, np.zeros((n, k)))
    probe.coef_ = np.eye(k)
    probe.intercept_ = np.zeros(k)
    s.export(Pipeline([*steps, ("identity", probe)]), str(path))
    return s.load(str(path))


def transformed_by_skscore(steps, X, path):
    """What skscore's engine makes of X with the fitted preprocessing steps,
    next to scikit-learn's transform: (got, want), both float64 (n, k).
    See identity_probe."""
    from sklearn.pipeline import Pipeline

    want = _dense(Pipeline(list(steps)).transform(X))
    got = identity_probe(steps, X, path).predict(X)
    return np.asarray(got, dtype=np.float64).reshape(want.shape), want


def assert_same_values(got, want, what=""):
    """Equal as numbers (0.0 == -0.0), same shape."""
    assert got.shape == want.shape, f"{what}: shape {got.shape}, want {want.shape}"
    same = (got == want) | (np.isnan(got) & np.isnan(want))
    assert same.all(), f"{what}: values differ\n" + describe_mismatch(got, want)
