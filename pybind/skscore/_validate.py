"""Training-time validation: does the model file score as the estimator does?"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._input import as_array
from ._load import load
from .exporters import foreign, lightgbm, xgboost
from .exporters.base import BOOSTING, HIST_BOOSTING, LINEAR_CLASSIFIERS, LINEAR_REGRESSORS, OUTLIERS

OUTPUTS = ("predict", "predict_proba", "decision_function", "score_samples")

#: Default tolerances of linear models (see :func:`validate`).
LINEAR_RTOL = 1e-9
LINEAR_ATOL = 1e-12
LINEAR_F32_RTOL = 1e-5
LINEAR_F32_ATOL = 1e-5
EXP_RTOL = 1e-12
EXP_ATOL = 1e-15
#: XGBoost multi:softmax models' predict_proba: scipy's float32 softmax
#: (XGBClassifier's) against XGBoost's own (the engine's): a few float32 ulps.
XGB_SOFTMAX_RTOL = 1e-6
XGB_SOFTMAX_ATOL = 1e-7


@dataclass(frozen=True)
class WorstRow:
    """One row where skscore and the estimator differ most, for one output."""

    output: str
    row: int
    estimator: Any
    skscore: Any
    abs_diff: float

    def __str__(self) -> str:
        return (
            f"{self.output}[{self.row}]: estimator {_fmt_value(self.estimator)}, "
            f"skscore {_fmt_value(self.skscore)} (|diff| {self.abs_diff:.3g})"
        )


@dataclass
class OutputCheck:
    """The comparison of one output (predict, predict_proba or decision_function)."""

    output: str
    passed: bool
    shape: tuple[int, ...] | None = None
    rtol: float = 0.0
    atol: float = 0.0
    max_abs_diff: float = 0.0
    max_rel_diff: float = 0.0
    n_outside: int = 0
    """Elements outside the tolerance (for class labels: rows that differ)."""
    labels_agree: int | None = None
    """Classifiers' predict: rows whose labels agree (None for other outputs)."""
    label_agreement: float | None = None
    """labels_agree as a fraction of the rows."""
    note: str = ""

    @property
    def tolerance(self) -> str:
        """The tolerance as text: 'exact' or 'rtol=..., atol=...'."""
        if self.labels_agree is not None or (self.rtol == 0 and self.atol == 0):
            return "exact"
        return f"rtol={self.rtol:.3g}, atol={self.atol:.3g}"


@dataclass
class ValidationReport:
    """What :func:`validate` found. ``passed`` is True when every output both the
    estimator and the model file provide agrees within its tolerance, and
    class labels agree on every row."""

    path: str
    estimator: str
    checksum: str
    n_rows: int
    outputs: dict[str, OutputCheck] = field(default_factory=dict)
    worst_rows: list[WorstRow] = field(default_factory=list)
    scale: float = 1.0
    """Linear models: the magnitude atol was scaled by (see validate)."""
    problems: list[str] = field(default_factory=list)
    """Mismatches not tied to one output (e.g. the file holds another estimator)."""

    @property
    def passed(self) -> bool:
        return (
            bool(self.outputs)
            and not self.problems
            and all(c.passed for c in self.outputs.values())
        )

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        lines = [
            f"skscore validation {'PASSED' if self.passed else 'FAILED'}: {self.estimator} "
            f"vs {self.path} (checksum {self.checksum[:12]}), {self.n_rows} rows",
        ]
        lines.extend(f"  problem: {p}" for p in self.problems)
        lines.append(
            f"  {'output':<18} {'max abs diff':>13} {'max rel diff':>13}  {'tolerance':<28} result"
        )
        for c in self.outputs.values():
            result = "ok" if c.passed else "FAIL"
            if c.labels_agree is not None:
                detail = (
                    f"labels agree {c.labels_agree}/{self.n_rows} "
                    f"({100.0 * (c.label_agreement or 0.0):.2f}%)"
                )
                lines.append(f"  {c.output:<18} {detail:<57} {result}")
            else:
                lines.append(
                    f"  {c.output:<18} {c.max_abs_diff:>13.3g} {c.max_rel_diff:>13.3g}  "
                    f"{c.tolerance:<28} {result}"
                )
            if c.note:
                lines.append(f"    note: {c.note}")
        if self.worst_rows:
            lines.append("  worst rows:")
            lines.extend(f"    {w}" for w in self.worst_rows)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<ValidationReport {'passed' if self.passed else 'FAILED'}: {self.estimator}, "
            f"{self.n_rows} rows, outputs {', '.join(self.outputs)}>"
        )

    def _repr_pretty_(self, p: Any, cycle: bool) -> None:  # IPython/Jupyter
        p.text(str(self))


def _fmt_value(v: Any) -> str:
    if isinstance(v, np.ndarray):
        return np.array2string(v, precision=17, separator=", ")
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    return repr(v.item() if isinstance(v, np.generic) else v)


def _linear_scale(estimator: Any, X: np.ndarray) -> float:
    """max over rows and targets of sum_j |x_j * coef_tj| + |intercept_t|.

    Rounding errors of a dot product are bounded by a few ulps of this sum
    of magnitudes (not of the result, which cancellation can make small),
    so the absolute tolerance scales with it.
    """
    coef = np.atleast_2d(np.asarray(estimator.coef_, dtype=np.float64))
    intercept = np.broadcast_to(
        np.atleast_1d(np.asarray(estimator.intercept_, dtype=np.float64)), (coef.shape[0],)
    )
    with np.errstate(all="ignore"):
        mags = np.abs(np.asarray(X, dtype=np.float64)) @ np.abs(coef).T + np.abs(intercept)
    s = float(np.nanmax(mags)) if mags.size else 1.0
    return max(1.0, s) if np.isfinite(s) else 1.0


def _compare_labels(
    name: str, expected: np.ndarray, got: np.ndarray, n_worst: int
) -> tuple[OutputCheck, list[WorstRow]]:
    agree = expected == got
    n_agree = int(np.count_nonzero(agree))
    n = expected.shape[0]
    check = OutputCheck(
        output=name,
        passed=n_agree == n,
        shape=tuple(got.shape),
        labels_agree=n_agree,
        label_agreement=n_agree / n if n else 1.0,
        n_outside=n - n_agree,
    )
    if expected.dtype != got.dtype:
        check.passed = False
        check.note = f"label dtype differs: estimator {expected.dtype}, skscore {got.dtype}"
    rows = np.flatnonzero(~agree)[:n_worst]
    worst = [WorstRow(name, int(r), expected[r], got[r], float("inf")) for r in rows]
    return check, worst


def _compare_values(
    name: str, expected: np.ndarray, got: np.ndarray, rtol: float, atol: float, n_worst: int
) -> tuple[OutputCheck, list[WorstRow]]:
    e = np.asarray(expected, dtype=np.float64)
    g = np.asarray(got, dtype=np.float64)
    both_nan = np.isnan(e) & np.isnan(g)
    with np.errstate(all="ignore"):
        diff = np.where(both_nan, 0.0, np.abs(g - e))
        diff = np.where(np.isnan(diff), np.inf, diff)
        rel = np.where(diff == 0, 0.0, diff / np.abs(e))
    outside = diff > atol + rtol * np.abs(e)
    if rtol == 0 and atol == 0:
        outside = diff != 0
    check = OutputCheck(
        output=name,
        passed=not bool(outside.any()),
        shape=tuple(g.shape),
        rtol=rtol,
        atol=atol,
        max_abs_diff=float(diff.max()) if diff.size else 0.0,
        max_rel_diff=float(rel.max()) if rel.size else 0.0,
        n_outside=int(np.count_nonzero(outside)),
    )
    if expected.dtype != got.dtype:
        check.passed = False
        check.note = f"dtype differs: estimator {expected.dtype}, skscore {got.dtype}"
    row_diff = diff.reshape(diff.shape[0], -1).max(axis=1)
    order = np.argsort(-row_diff, kind="stable")[:n_worst]
    worst = [
        WorstRow(name, int(r), expected[r], got[r], float(row_diff[r]))
        for r in order
        if row_diff[r] > 0
    ]
    return check, worst


def validate(
    estimator: Any,
    path: str | os.PathLike[str],
    X: Any,
    *,
    rtol: float | None = None,
    atol: float | None = None,
    n_worst: int = 5,
) -> ValidationReport:
    """Check that a model file scores X as the fitted estimator does.

    The file at ``path`` is loaded through the engine (the same code the
    gateway runs, not an in-memory copy); then ``predict``,
    ``predict_proba`` and ``decision_function`` -- each one that the
    estimator and the model provide -- are run on ``X`` by both and compared.
    An output one side has and the other lacks is a failure.

    Tolerances
    ----------
    Tree models (decision trees, random forests, extra trees) must agree
    exactly (``rtol = atol = 0``) on every output: the engine reproduces
    scikit-learn's arithmetic (float32 comparisons, sums in tree order).

    Linear models default to ``rtol=1e-9`` and ``atol=1e-12 * scale``,
    where ``scale`` is the largest ``sum_j |x_j * coef_j| + |intercept|``
    over the rows (at least 1). NumPy computes ``X @ coef.T`` with BLAS,
    whose summation order (blocking, SIMD lanes, FMA) differs from the
    engine's plain left-to-right sum, and ``exp`` in NumPy/SciPy and in
    libm may differ in the last bit; those differences are a few ulps of
    the sum of magnitudes, far inside the tolerance. Class labels must
    always agree exactly.

    IsolationForest: labels exact; ``score_samples`` and
    ``decision_function`` go through ``2 ** x``: ``rtol=1e-12``.

    Gradient boosting (and HistGradientBoosting): raw scores
    (``decision_function``) and labels must agree exactly; multiclass
    ``predict_proba`` and poisson/gamma regressors' ``predict`` go through
    ``exp``, so they are held to ``rtol=1e-12``, ``atol=1e-15``.

    LightGBM (LGBMClassifier, LGBMRegressor, Booster): the same as gradient
    boosting; raw scores are LightGBM's ``predict(X, raw_score=True)``. A
    Booster has no labels: its ``predict`` is compared with the model's
    ``predict_proba`` (classifiers) or ``predict`` (regressors).

    A linear model fitted on float32 data and given float32 ``X`` is
    computed by scikit-learn in float32 (``sgemm``), so its error is
    float32's: the defaults are then ``rtol=1e-5``, ``atol=1e-5 * scale``.

    Passing ``rtol``/``atol`` overrides the defaults (``atol`` is then
    absolute, not scaled).

    Parameters
    ----------
    estimator
        The fitted scikit-learn estimator that was exported.
    path
        The model file written by :func:`skscore.export`.
    X
        Held-out rows (anything ``predict`` takes: arrays, DataFrames,
        lists).
    n_worst
        How many of the most different rows to keep per output.

    Returns
    -------
    ValidationReport
        ``.passed``, per-output ``.outputs`` (max abs/rel difference,
        tolerance, label agreement), ``.worst_rows``; ``print(report)``
        shows a summary.
    """
    model = load(path)
    name = type(estimator).__name__
    # A Pipeline's tolerance is its final estimator's, on transformed rows.
    is_pipeline = name == "Pipeline" and hasattr(estimator, "steps")
    final = estimator.steps[-1][1] if is_pipeline else estimator
    final_name = type(final).__name__
    linear = final_name in LINEAR_CLASSIFIERS or final_name in LINEAR_REGRESSORS
    scale = 1.0
    default_rtol, default_atol = LINEAR_RTOL, LINEAR_ATOL
    if linear:
        # Models with string columns take X as it is (a table); others as an array.
        table = bool(model.info()["string_columns"] or model.info()["ignored_columns"])
        array = X if table else as_array(model, X)
        transformed = estimator[:-1].transform(array) if is_pipeline else array
        if hasattr(transformed, "toarray"):  # a sparse ColumnTransformer/OneHotEncoder output
            transformed = transformed.toarray()
        scale = _linear_scale(final, np.asarray(transformed, dtype=np.float64))
        if model.info()["coef_dtype"] == "float32" and not table and array.dtype == np.float32:
            # scikit-learn sums in float32 here (sgemm); the engine sums in
            # float64 and rounds once.
            default_rtol, default_atol = LINEAR_F32_RTOL, LINEAR_F32_ATOL
    use_rtol = rtol if rtol is not None else (default_rtol if linear else 0.0)
    use_atol = atol if atol is not None else (default_atol * scale if linear else 0.0)
    is_classifier = model.info()["task"] == "classification"
    # Boosted trees: raw scores are exact; multiclass probabilities and
    # poisson/gamma predictions go through exp, where NumPy's SIMD exp and
    # libm's differ in the last bit.
    exp_outputs: tuple[str, ...] = ()
    exp_tol = (EXP_RTOL, EXP_ATOL)
    other = foreign(final)  # LightGBM, XGBoost
    if final_name in BOOSTING or final_name in HIST_BOOSTING or other is lightgbm:
        exp_outputs = {"softmax": ("predict_proba",), "softmax_seq": ("predict_proba",), "exp": ("predict",)}.get(model.info()["link"], ())
    elif final_name in OUTLIERS:  # 2 ** x: NumPy's SIMD power vs libm's pow
        exp_outputs = ("score_samples", "decision_function")
    elif other is xgboost and xgboost.objective_of(final) == "multi:softmax":
        # XGBoost's predict_proba is scipy's float32 softmax here, not its own
        exp_outputs, exp_tol = ("predict_proba",), (XGB_SOFTMAX_RTOL, XGB_SOFTMAX_ATOL)

    report = ValidationReport(
        path=os.fspath(path),
        estimator=name,
        checksum=model.checksum,
        n_rows=0,
        scale=scale,
    )
    if foreign(estimator) is not None:
        name = f"{type(estimator).__module__.split('.')[0]}.{name}"
        report.estimator = name
    if model.estimator != name:
        report.problems.append(f"the file holds a {model.estimator}, the estimator is a {name}")
    if other is not None:
        # LightGBM and XGBoost have no decision_function: raw scores are
        # predict(raw_score=True) / predict(output_margin=True)
        fns = other.expected_outputs(final)
        if is_pipeline:
            fns = {k: (lambda X, f=f: f(estimator[:-1].transform(X))) for k, f in fns.items()}
    else:
        fns = {out: getattr(estimator, out) for out in OUTPUTS if hasattr(estimator, out)}
    for out in OUTPUTS:
        has_est, has_model = out in fns, hasattr(model, out)
        if not has_est and not has_model:
            continue
        if has_est != has_model:
            report.outputs[out] = OutputCheck(
                output=out,
                passed=False,
                note=f"{'the estimator' if has_est else 'the model file'} has {out}, "
                f"{'the model file' if has_est else 'the estimator'} does not",
            )
            continue
        expected = np.asarray(fns[out](X))
        got = getattr(model, out)(X)
        report.n_rows = int(got.shape[0])
        if expected.shape != got.shape:
            report.outputs[out] = OutputCheck(
                output=out,
                passed=False,
                shape=tuple(got.shape),
                note=f"shape differs: estimator {expected.shape}, skscore {got.shape}",
            )
            continue
        if out == "predict" and is_classifier:
            check, worst = _compare_labels(out, expected, got, n_worst)
        elif out in exp_outputs and rtol is None and atol is None:
            check, worst = _compare_values(out, expected, got, *exp_tol, n_worst)
        else:
            check, worst = _compare_values(out, expected, got, use_rtol, use_atol, n_worst)
        report.outputs[out] = check
        report.worst_rows.extend(worst)
    return report
