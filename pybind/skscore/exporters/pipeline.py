"""Describe a Pipeline's transformers as the engine's preprocessing steps.

The engine applies steps to a row of working columns (docs/FORMAT.md,
"Preprocessing steps"): elementwise arithmetic, column selection, category
encoding, missing-value indicators, row normalisation and polynomial terms,
each on a span of the row. This module walks the fitted transformers
(a Pipeline's steps, a ColumnTransformer's branches, nested) and emits
those steps, tracking for every working column where it came from, whether
it holds string codes, and whether scikit-learn keeps it float32 when X is
float32.

String columns enter the engine as codes: their index in the column's
vocabulary, the strings the column's encoders and imputers know. Encoders
are described by running the fitted encoder itself on each of its
categories and on an unseen value, so that ``drop``, infrequent categories
and ``handle_unknown`` come out exactly as scikit-learn computes them.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from .. import _skscore as _c
from .._input import _is_missing
from .base import FINAL_ESTIMATORS

SUPPORTED_TRANSFORMERS = (
    "StandardScaler",
    "MinMaxScaler",
    "MaxAbsScaler",
    "RobustScaler",
    "SimpleImputer",
    "OneHotEncoder",
    "OrdinalEncoder",
    "Normalizer",
    "PolynomialFeatures",
    "ColumnTransformer",
    "Pipeline",
    "'passthrough'",
)

_MODULES = {
    "StandardScaler": "sklearn.preprocessing",
    "MinMaxScaler": "sklearn.preprocessing",
    "MaxAbsScaler": "sklearn.preprocessing",
    "RobustScaler": "sklearn.preprocessing",
    "OneHotEncoder": "sklearn.preprocessing",
    "OrdinalEncoder": "sklearn.preprocessing",
    "Normalizer": "sklearn.preprocessing",
    "PolynomialFeatures": "sklearn.preprocessing",
    "SimpleImputer": "sklearn.impute",
    "ColumnTransformer": "sklearn.compose",
    "Pipeline": "sklearn.pipeline",
}


def _kind_of(transformer: Any) -> str:
    cls = type(transformer)
    name = cls.__name__
    module = _MODULES.get(name)
    if module is not None:
        expected = getattr(__import__(module, fromlist=[name]), name, None)
        if cls is expected:
            return name
    raise TypeError(
        f"skscore cannot export a Pipeline step {cls.__module__}.{cls.__qualname__}: "
        f"supported preprocessing is {', '.join(SUPPORTED_TRANSFORMERS)}, followed by one of "
        f"{', '.join(FINAL_ESTIMATORS)}."
    )


class Steps:
    """The steps for an input of n_features columns, built transformer by
    transformer. ``width`` is the working row's width; per working column,
    ``origin`` is the input column it still is (None once derived),
    ``code`` whether it holds string codes, ``f32`` whether scikit-learn
    keeps it float32 for float32 X."""

    def __init__(self, n_features: int) -> None:
        self.n_features = n_features
        self.steps: list[dict[str, Any]] = []
        self.width = n_features
        self.origin: list[int | None] = list(range(n_features))
        self.code = [False] * n_features
        self.f32 = [True] * n_features
        self.vocab: dict[int, list[str]] = {}
        self.read: set[int] = set()  # input columns some step keeps
        self.numeric: set[int] = set()  # input columns some step read as numbers

    # ------------------------------------------------------------ strings

    def _string_column(self, col: int, what: str) -> int:
        """Working column col must hold strings: returns its input column."""
        origin = self.origin[col]
        if origin is None:
            raise TypeError(f"skscore cannot export {what}: its column {col} holds strings made by an earlier step")
        if origin in self.numeric:
            raise TypeError(f"skscore cannot export {what}: input column {origin} was read as a number before")
        self.vocab.setdefault(origin, [])
        # Every copy of the input column holds its codes (a column two
        # ColumnTransformer branches encode).
        for j, o in enumerate(self.origin):
            if o == origin:
                self.code[j] = True
        return origin

    def _read_as_numbers(self, offset: int, width: int) -> None:
        self.numeric.update(o for o in self.origin[offset:offset + width] if o is not None)

    def _code(self, origin: int, s: str) -> float:
        words = self.vocab[origin]
        try:
            return float(words.index(s))
        except ValueError:
            if "\0" in s:
                raise TypeError(f"skscore cannot export the category {s!r}: it contains a NUL character") from None
            words.append(s)
            return float(len(words) - 1)

    # -------------------------------------------------------------- rows

    def _emit(self, step: dict[str, Any], *, offset: int = 0, width: int | None = None,
              out_width: int, derived: bool, f32: bool) -> None:
        """Records a step on span [offset, offset+width) whose output is
        out_width columns (derived: new values, else the span's own)."""
        width = self.width - offset if width is None else width
        kind = step.get("kind", _c.STEP_ELEMENTWISE)
        if kind != _c.STEP_SELECT:
            step.setdefault("offset", offset)
            if kind != _c.STEP_ELEMENTWISE and kind != _c.STEP_ENCODE:
                step.setdefault("width", width)
        step["no_round"] = not f32
        self.steps.append(step)
        if kind == _c.STEP_SELECT:
            return
        end = offset + width
        self.read.update(o for o in self.origin[offset:end] if o is not None)
        if kind == _c.STEP_INDICATOR:
            added = out_width - width
            self.origin[end:end] = [None] * added
            self.code[end:end] = [False] * added
            self.f32[end:end] = [f32] * added
        elif derived:
            self.origin[offset:end] = [None] * out_width
            self.code[offset:end] = [False] * out_width
            self.f32[offset:end] = [f32] * out_width
        self.width = len(self.origin)

    def select(self, index: list[int]) -> None:
        index = [int(i) for i in index]
        if index == list(range(self.width)):
            return
        self.steps.append({"kind": _c.STEP_SELECT, "index": np.asarray(index, dtype=np.int32),
                           "check": _c.CHECK_NONE})
        self.origin = [self.origin[i] for i in index]
        self.code = [self.code[i] for i in index]
        self.f32 = [self.f32[i] for i in index]
        self.width = len(index)

    def _numeric(self, offset: int, width: int, what: str) -> bool:
        """The span holds numbers (raises otherwise); whether it is float32."""
        for j in range(offset, offset + width):
            if self.code[j]:
                raise TypeError(f"skscore cannot export {what}: it reads a column of strings")
        self._read_as_numbers(offset, width)
        return all(self.f32[offset:offset + width])

    # ------------------------------------------------------- transformers

    def add(self, transformer: Any, offset: int, width: int) -> int:
        """Appends the steps of a fitted transformer working on the span;
        returns the span's width after it."""
        if transformer is None or (isinstance(transformer, str) and transformer == "passthrough"):
            return width
        if isinstance(transformer, str):
            raise TypeError(f"skscore cannot export a Pipeline step {transformer!r}")
        if _is_identity(transformer):
            # A fitted ColumnTransformer holds "passthrough" as
            # FunctionTransformer(func=None).
            return width
        if _is_check_array(transformer):
            # HistGradientBoosting's own preprocessor checks its numeric
            # columns with FunctionTransformer(check_array): no change.
            self._numeric(offset, width, "HistGradientBoosting's numeric columns")
            return width
        kind = _kind_of(transformer)
        if kind == "Pipeline":
            for _, t in transformer.steps:
                width = self.add(t, offset, width)
            return width
        if kind == "ColumnTransformer":
            return self._column_transformer(transformer, offset, width)
        if kind in ("StandardScaler", "MinMaxScaler", "MaxAbsScaler", "RobustScaler"):
            self._scaler(kind, transformer, offset, width)
            return width
        if kind == "SimpleImputer":
            return self._imputer(transformer, offset, width)
        if kind in ("OneHotEncoder", "OrdinalEncoder"):
            return self._encoder(kind, transformer, offset, width)
        if kind == "Normalizer":
            f32 = self._numeric(offset, width, "Normalizer")
            norms = {"l1": _c.NORM_L1, "l2": _c.NORM_L2, "max": _c.NORM_MAX}
            self._emit({"kind": _c.STEP_NORMALIZE, "norm": norms[transformer.norm], "check": _c.CHECK_FINITE},
                       offset=offset, width=width, out_width=width, derived=False, f32=f32)
            return width
        return self._poly(transformer, offset, width)

    def _elementwise(self, op: int, values: Any, offset: int, width: int, f32: bool, cast: bool = False,
                     extra: dict[str, Any] | None = None, first: bool = True) -> None:
        """An elementwise step; only a transformer's first step checks its
        input (for infinities, as its check_array does)."""
        extra = {**(extra or {}), "check": _c.CHECK_INF if first else _c.CHECK_NONE}
        values = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
        if values.shape[0] != width:
            raise ValueError(f"skscore: a transformer has {values.shape[0]} values for {width} columns")
        self._emit({"op": op, "values": values, "cast_values": cast, **(extra or {})}, offset=offset, width=width,
                   out_width=width, derived=False, f32=f32)

    def _scaler(self, kind: str, t: Any, offset: int, width: int) -> None:
        f32 = self._numeric(offset, width, kind)
        # (op, values, cast): StandardScaler's transform casts mean_ and
        # scale_ to X's dtype (float32 X: float32); the others do not.
        ops: list[tuple[int, Any, bool]] = []
        if kind == "StandardScaler":
            if t.with_mean:
                ops.append((_c.OP_SUB, t.mean_, True))
            if t.with_std:
                ops.append((_c.OP_DIV, t.scale_, True))
        elif kind == "MinMaxScaler":
            if t.clip:
                raise TypeError("skscore cannot export MinMaxScaler(clip=True) yet")
            ops += [(_c.OP_MUL, t.scale_, False), (_c.OP_ADD, t.min_, False)]
        elif kind == "MaxAbsScaler":
            ops.append((_c.OP_DIV, t.scale_, False))
        else:
            if t.with_centering:
                ops.append((_c.OP_SUB, t.center_, False))
            if t.with_scaling:
                ops.append((_c.OP_DIV, t.scale_, False))
        if not ops:  # with_mean=False, with_std=False: still checks its input
            ops.append((_c.OP_ADD, np.zeros(width), False))
        for i, (op, values, cast) in enumerate(ops):
            self._elementwise(op, values, offset, width, f32, cast, first=i == 0)

    def _missing_marker(self, t: Any, offset: int, width: int) -> dict[str, Any]:
        """The "missing" key of a fill or indicator step for an imputer's
        missing_values: NaN is the default; None (string columns) and
        numbers (numeric columns) are markers."""
        missing = t.missing_values
        if isinstance(missing, float) and math.isnan(missing):
            return {}
        strings = any(self.code[offset:offset + width])
        if missing is None:
            if not all(self.code[offset:offset + width]):
                raise TypeError("skscore cannot export SimpleImputer(missing_values=None) on numeric columns")
            return {"missing": _c.CODE_NONE}
        if isinstance(missing, (int, float, np.integer, np.floating)) and not isinstance(missing, bool) and not strings:
            if not math.isfinite(float(missing)):
                raise TypeError(f"skscore cannot export SimpleImputer(missing_values={missing!r})")
            return {"missing": float(missing)}
        raise TypeError(
            f"skscore cannot export SimpleImputer(missing_values={missing!r}) on these columns: it exports "
            "np.nan, None (string columns) and numbers (numeric columns)"
        )

    def _imputer(self, t: Any, offset: int, width: int) -> int:
        stats = list(np.asarray(t.statistics_, dtype=object))
        if len(stats) != width:
            raise ValueError(f"skscore: SimpleImputer has {len(stats)} statistics for {width} columns")
        # A str statistic, or None (the most frequent value of an object
        # column): the column holds strings.
        strings = [isinstance(v, str) or v is None for v in stats]
        for j, is_str in enumerate(strings):
            if is_str:
                self._string_column(offset + j, "SimpleImputer")
        marker = self._missing_marker(t, offset, width)
        f32 = all(self.f32[offset:offset + width])
        if t.add_indicator:
            # MissingIndicator's flags (of the imputer's input), after the imputed columns.
            features = [int(i) for i in t.indicator_.features_]
            if features:
                self._emit({"kind": _c.STEP_INDICATOR, "index": np.asarray(features, dtype=np.int32), **marker},
                           offset=offset, width=width, out_width=width + len(features), derived=False, f32=f32)
        indicated = bool(t.add_indicator and len(t.indicator_.features_))
        values = []
        for j, v in enumerate(stats):
            if v is None:
                values.append(_c.CODE_NONE)
            elif strings[j]:
                values.append(self._code(self._string_column(offset + j, "SimpleImputer"), v))
            elif self.code[offset + j]:
                raise TypeError("skscore cannot export a SimpleImputer filling a column of strings with a number")
            else:
                self._read_as_numbers(offset + j, 1)
                values.append(float(v) if not _is_missing(v) else math.nan)
        # X[mask] = statistics_: the fill values take X's dtype. Its check:
        # when missing_values is not NaN (None, a number), check_array
        # refuses NaN too.
        self._elementwise(_c.OP_FILL_NAN, values, offset, width, f32, True, marker, first=not indicated)
        if marker:
            self.steps[-1 if not indicated else -2]["check"] = _c.CHECK_FINITE
        # Columns that were all missing in fit have NaN statistics and are
        # dropped (unless keep_empty_features).
        empty = [j for j, v in enumerate(values) if math.isnan(v)]
        if empty and not getattr(t, "keep_empty_features", False):
            keep = [i for i in range(self.width) if not (offset <= i < offset + width and i - offset in empty)]
            self.select(keep)
            return width - len(empty) + (len(t.indicator_.features_) if t.add_indicator else 0)
        return width + (len(t.indicator_.features_) if t.add_indicator else 0)

    def _encoder(self, kind: str, t: Any, offset: int, width: int) -> int:
        cats = t.categories_
        if len(cats) != width:
            raise ValueError(f"skscore: {kind} has {len(cats)} columns of categories for {width} columns")
        strings = []
        for j, c in enumerate(cats):
            is_str = any(isinstance(v, str) for v in c)
            if is_str and not all(isinstance(v, str) or _is_missing(v) for v in c):
                raise TypeError(f"skscore cannot export {kind}: column {j} mixes strings and numbers")
            # Only missing categories: a None makes it an object (string) column.
            only_missing = all(_is_missing(v) for v in c)
            strings.append(is_str or (only_missing and (self.code[offset + j] or any(v is None for v in c))))
        # Probe rows: row i holds category i of every column (the last
        # category repeats), then one row of values the encoder has not seen.
        k = max(len(c) for c in cats)
        unseen_str = "\0skscore-unseen"
        rows = []
        for i in range(k + 1):
            row: list[Any] = []
            for j, c in enumerate(cats):
                if i == k:
                    row.append(unseen_str if strings[j] else _unseen_number(c))
                else:
                    row.append(c[min(i, len(c) - 1)])
            rows.append(row)
        probe = np.array(rows, dtype=object)
        if not any(strings) and all(np.asarray(c).dtype != object for c in cats):
            probe = probe.astype(np.float64)  # an encoder fitted on numbers takes numbers
        unknown_error = t.handle_unknown == "error"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seen = _dense(t.transform(probe[:k]))
            unseen = None if unknown_error else _dense(t.transform(probe[k:]))
        if kind == "OneHotEncoder":
            widths = [int(w) for w in t._n_features_outs]
        else:
            widths = [1] * width
        columns = []
        at = 0
        for j, c in enumerate(cats):
            w = widths[j]
            outs = []
            for i in range(len(c)):
                outs.append(_output(kind, seen[i, at:at + w]))
            outs.append(0.0 if unseen is None else _output(kind, unseen[0, at:at + w]))
            keys = []
            for v in c:
                if v is None:
                    if not strings[j]:
                        raise TypeError(f"skscore cannot export {kind}: column {j} has a None category among numbers")
                    keys.append(_c.CODE_NONE)
                elif _is_missing(v):
                    keys.append(math.nan)
                elif strings[j]:
                    keys.append(self._code(self._string_column(offset + j, kind), v))
                else:
                    keys.append(float(v))
            order = sorted(range(len(keys)), key=lambda i: (math.isnan(keys[i]), keys[i]))
            if len({keys[i] for i in order if not math.isnan(keys[i])}) != sum(not math.isnan(x) for x in keys):
                raise TypeError(f"skscore cannot export {kind}: column {j} has categories equal as float64")
            columns.append({
                "cats": np.asarray([keys[i] for i in order], dtype=np.float64),
                "map": np.asarray([outs[i] for i in order] + [outs[-1]], dtype=np.float64),
                "onehot": kind == "OneHotEncoder",
                "width": w,
                "unknown_error": unknown_error,
            })
            if strings[j]:
                self._string_column(offset + j, kind)
            elif self.code[offset + j]:
                raise TypeError(f"skscore cannot export {kind}: column {j} holds strings, its categories numbers")
            else:
                self._read_as_numbers(offset + j, 1)
            at += w
        out_width = sum(widths)
        f32 = np.dtype(t.dtype) == np.float32
        self._emit({"kind": _c.STEP_ENCODE, "columns": columns}, offset=offset, width=width,
                   out_width=out_width, derived=True, f32=f32)
        return out_width

    def codes(self, col: int, categories: list[Any], source: str, unknown_error: bool) -> None:
        """Column col becomes its category's index in categories, as LightGBM
        and XGBoost code pandas categoricals (source names them in errors).
        Missing values (None, NaN) become NaN; so do unknown values, or they
        are an error (unknown_error)."""
        strings = any(isinstance(v, str) for v in categories)
        keys = [self._code(self._string_column(col, source), v) if strings else float(v) for v in categories]
        # None and NaN are missing, not unknown (NaN sorts last, as the engine's lookup wants)
        missing = ([float(_c.CODE_NONE)] if strings else []) + [math.nan]
        order = sorted(range(len(keys)), key=lambda i: keys[i])
        cats = sorted([keys[i] for i in order] + missing[:-1]) + missing[-1:]
        index = {k: float(i) for i, k in enumerate(keys)}
        self._emit({"kind": _c.STEP_ENCODE, "columns": [{
            "cats": np.asarray(cats, dtype=np.float64),
            "map": np.asarray([index.get(k, math.nan) for k in cats] + [math.nan], dtype=np.float64),
            "onehot": False, "width": 1, "unknown_error": unknown_error}]},
            offset=col, width=1, out_width=1, derived=True, f32=False)

    def _poly(self, t: Any, offset: int, width: int) -> int:
        f32 = self._numeric(offset, width, "PolynomialFeatures")
        n = width
        if int(t.n_features_in_) != n:
            raise ValueError(f"skscore: PolynomialFeatures was fitted on {t.n_features_in_} columns, gets {n}")
        # scikit-learn's dense transform (sklearn/preprocessing/_polynomial.py):
        # degree-d terms are degree-(d-1) terms times one feature, in this order.
        term_a: list[int] = []
        term_b: list[int] = []
        if t.include_bias:
            term_a.append(-1)
            term_b.append(-1)
        max_degree, min_degree = t._max_degree, t._min_degree
        if max_degree > 0:
            current = len(term_a)
            for j in range(n):
                term_a.append(-1)
                term_b.append(j)
            index = list(range(current, current + n))
            current += n
            index.append(current)
            for _ in range(2, max_degree + 1):
                new_index = []
                end = index[-1]
                for feature in range(n):
                    start = index[feature]
                    new_index.append(current)
                    if t.interaction_only:
                        start += index[feature + 1] - index[feature]
                    nxt = current + end - start
                    if nxt <= current:
                        break
                    for col in range(start, end):
                        term_a.append(col)
                        term_b.append(feature)
                    current = nxt
                new_index.append(current)
                index = new_index
        full = len(term_a)
        out = int(t.n_output_features_)
        if min_degree > 1:
            keep = ([0] if t.include_bias else []) + list(range(full - out + (1 if t.include_bias else 0), full))
        else:
            keep = list(range(full))
        if len(keep) != out:
            raise ValueError(f"skscore: PolynomialFeatures gives {out} columns, skscore computed {len(keep)}")
        self._emit({"kind": _c.STEP_POLY, "term_a": np.asarray(term_a, dtype=np.int32),
                    "term_b": np.asarray(term_b, dtype=np.int32), "check": _c.CHECK_FINITE}, offset=offset, width=width,
                   out_width=full, derived=True, f32=f32)
        if keep != list(range(full)):
            self.select(list(range(offset)) + [offset + i for i in keep]
                        + list(range(offset + full, self.width)))
        return out

    def _column_transformer(self, ct: Any, offset: int, width: int) -> int:
        if int(ct.n_features_in_) != width:
            raise ValueError(f"skscore: ColumnTransformer was fitted on {ct.n_features_in_} columns, gets {width}")
        indices = ct._transformer_to_input_indices
        branches = []
        for name, trans, _ in ct.transformers_:
            cols = [int(i) for i in indices.get(name, [])]
            if isinstance(trans, str) and trans == "drop":
                continue
            if not cols:
                continue
            branches.append((trans, cols))
        gathered = [offset + i for _, cols in branches for i in cols]
        self.select(list(range(offset)) + gathered + list(range(offset + width, self.width)))
        at = offset
        outs = []
        for trans, cols in branches:
            w = self.add(trans, at, len(cols))
            outs.append((at, w))
            at += w
        # np.hstack: one dtype for the whole output (float64 unless every part is float32).
        end = at
        if not all(self.f32[offset:end]):
            self.f32[offset:end] = [False] * (end - offset)
        return end - offset


def _is_identity(t: Any) -> bool:
    from sklearn.preprocessing import FunctionTransformer

    return type(t) is FunctionTransformer and t.func is None


def _is_check_array(t: Any) -> bool:
    import functools

    from sklearn.preprocessing import FunctionTransformer
    from sklearn.utils.validation import check_array

    func = getattr(t, "func", None)
    return (type(t) is FunctionTransformer and isinstance(func, functools.partial) and func.func is check_array
            and t.inverse_func is None)


def _unseen_number(categories: Any) -> float:
    """A number none of the categories equals (so the encoder's answer for
    it is its answer for every unseen value)."""
    finite = [float(v) for v in categories if not _is_missing(v)]
    if not finite:
        return 0.0
    top, bottom = max(finite), min(finite)
    for x in (top + 1.5, float(np.nextafter(top, np.inf)), bottom - 1.5, float(np.nextafter(bottom, -np.inf))):
        if math.isfinite(x) and x not in finite:
            return x
    raise TypeError("skscore cannot export an encoder whose categories span every float64")


def _dense(a: Any) -> np.ndarray:
    if hasattr(a, "toarray"):
        a = a.toarray()
    return np.asarray(a, dtype=np.float64)


def _output(kind: str, block: np.ndarray) -> float:
    if kind == "OrdinalEncoder":
        return float(block[0])
    hot = np.flatnonzero(block)
    return float(hot[0]) if len(hot) else -1.0


def describe_steps(transformers: list[Any], n_features: int, n_estimator_features: int,
                   codes: dict[int, list[Any]] | None = None, codes_source: str = "",
                   unknown_code_error: bool = False) -> dict[str, Any]:
    """Description fields ("steps", "vocab", "ignored") for transformers
    applied in order to an input of n_features columns (and, for LightGBM's
    and XGBoost's pandas categoricals, columns turned into category codes:
    see Steps.codes)."""
    b = Steps(n_features)
    for t in transformers:
        b.add(t, 0, b.width)
    for col, categories in sorted((codes or {}).items()):
        b.codes(col, categories, codes_source, unknown_code_error)
    if b.width != n_estimator_features:
        raise ValueError(
            f"skscore: the preprocessing gives {b.width} columns, but the estimator takes {n_estimator_features}"
        )
    if any(b.code):
        raise TypeError("skscore cannot export this Pipeline: a column of strings reaches the estimator unencoded")
    out: dict[str, Any] = {"steps": b.steps}
    if b.vocab:
        out["vocab"] = [b.vocab.get(c) or None for c in range(n_features)]
        for c, words in b.vocab.items():
            if not words:  # a string column whose encoders know no string (only missing)
                out["vocab"][c] = [""]
    # Input columns no step reads and the estimator does not get (a
    # ColumnTransformer dropped them) may hold anything, strings included.
    read = b.read | {o for o in b.origin if o is not None}
    ignored = [0 if c in read or c in b.vocab else 1 for c in range(n_features)]
    if any(ignored) and b.steps:
        out["ignored"] = np.asarray(ignored, dtype=np.uint8)
    return out
