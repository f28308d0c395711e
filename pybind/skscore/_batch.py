"""What every batch scorer shares: the command line (cli.py), Spark
(spark.py) and Dask (dask.py).

- The names of an output's columns (``prediction``, ``proba_<class>``,
  ``contribution_<column>``, ...)
  and their dtypes, so that a file, a Spark table and a Dask frame scored
  from one model have the same columns.
- The model cache of a worker process: a file's bytes loaded once per
  process, keyed by their SHA-256, however many tasks or partitions use it.
- Scoring one pandas frame: the model's columns picked by name, a missing
  string given as NaN in every batch (below), the chosen output, the kept
  columns first.
- The same for one Arrow record batch (the command line's and Spark's
  batches), without pandas: a string column's distinct values made Python
  strings once, the kept columns passed through as they are.

Why NaN: a Parquet or Spark null has no Python value of its own; pandas
(``read_csv``, and ``read_parquet`` since pandas 3) reads it as NaN, and
scikit-learn's imputers and encoders tell NaN from None. Spark's pandas
batches and pyarrow hand nulls over as None -- or as NaN, depending on the
batch -- so without one rule the same row could score two ways.

Scoring is ``Model.predict`` and friends; nothing here touches the engine
otherwise, and nothing here imports Spark or Dask; pyarrow is handed in
by the Arrow functions' callers.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._input import missing_as_nan, string_objects, take_strings
from ._load import load

OUTPUTS = ("predict", "predict_proba", "decision_function", "score_samples", "contributions")
_BASE = {
    "predict": "prediction",
    "predict_proba": "proba",
    "decision_function": "decision",
    "score_samples": "score",
    "contributions": "contribution",
}


def check_output(model: Any, output: str) -> dict[str, Any]:
    """The engine's spec of ``output`` (columns, ndim, values); ValueError
    naming the outputs the model has when it has not that one."""
    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
    outputs = model.info()["outputs"]
    if output not in outputs:
        raise ValueError(f"a {model.estimator} has no {output}; it gives {', '.join(outputs)}")
    return outputs[output]


def output_columns(model: Any, output: str) -> list[str]:
    """Names of the columns ``output`` is written as: ``prediction``
    (``prediction_<i>`` for several targets), ``proba_<class>``, ``decision``
    (``decision_<class>`` with a column per class) and ``score``."""
    spec = check_output(model, output)
    base = _BASE[output]
    if output == "contributions":
        # one per input column and the bias, per raw score column
        feats = spec["names"]  # the engine's: the input columns', then "bias"
        if spec["ndim"] == 2:
            return [f"{base}_{f}" for f in feats]
        groups = spec["columns"] // len(feats)
        classes = (
            list(getattr(model, "classes_", [])) if model.info()["task"] == "classification" else []
        )
        heads = classes if len(classes) == groups else list(range(groups))
        return [f"{base}_{g}_{f}" for g in heads for f in feats]
    if spec["ndim"] == 1:
        return [base]
    if output != "predict" and len(model.classes_) == spec["columns"]:
        return [f"{base}_{c}" for c in model.classes_]
    return [f"{base}_{i}" for i in range(spec["columns"])]


def output_dtype(model: Any, output: str) -> np.dtype:
    """The NumPy dtype of every column of ``output`` (labels: the classes')."""
    spec = check_output(model, output)
    if spec["values"] == "labels":
        return model.classes_.dtype
    return np.dtype(np.float32 if spec["values"] == "float32" else np.float64)


def input_names(model: Any, columns: Sequence[str], keep: Sequence[str] = ()) -> list[str]:
    """The columns of a frame with ``columns`` the model reads, in its order:
    by name; a model exported without names takes the columns not kept, in
    order. ValueError names what is missing."""
    inputs = model.info()["inputs"]
    have = list(columns)
    if all(c["name"] is not None for c in inputs):
        missing = [c["name"] for c in inputs if c["name"] not in have and c["kind"] != "ignored"]
        if missing:
            raise ValueError(
                f"the model needs column(s) {', '.join(map(repr, missing))}, "
                f"which the data does not have (it has {_some(have)})"
            )
        return [c["name"] for c in inputs]
    rest = [n for n in have if n not in keep]
    if len(rest) != len(inputs):
        raise ValueError(
            f"the model was exported without feature names and takes {len(inputs)} "
            f"columns in order; the data has {len(rest)} besides the kept ones "
            f"({_some(rest)})"
        )
    return rest


class MissingColumnError(ValueError):
    """A column the call names (to keep, or the model's) is not in the data."""


def check_keep(columns: Sequence[str], keep: Sequence[str], out_names: Sequence[str]) -> list[str]:
    """``keep`` without repeats, each a column of the data and none named as
    an output column: MissingColumnError, else ValueError, naming them."""
    keep = list(dict.fromkeys(keep))
    missing = [k for k in keep if k not in columns]
    if missing:
        raise MissingColumnError(
            f"the data has no column {', '.join(map(repr, missing))} to keep "
            f"(it has {_some(list(columns))})"
        )
    clash = [k for k in keep if k in out_names]
    if clash:
        raise ValueError(
            f"the kept column {', '.join(map(repr, clash))} has an output column's name"
        )
    return keep


@dataclass(frozen=True)
class Plan:
    """What a distributed scorer settles where it is called, before any task:
    the model file's bytes (what the tasks get) and their SHA-256 (the
    workers' cache key), the columns the model reads and those it finds in
    the data, the kept columns and the output's columns."""

    data: bytes
    digest: str
    model: Any
    names: list[str]
    present: list[str]
    keep: list[str]
    out_names: list[str]

    @property
    def selected(self) -> list[str]:
        """The data's columns the tasks need, each once."""
        return list(dict.fromkeys(self.present + self.keep))


def plan(source: Any, columns: Sequence[str], output: str, keep: Sequence[str] = ()) -> Plan:
    """Loads the model (a path or bytes) and checks the call against the
    data's columns: errors here, not in a task."""
    data, digest = model_bytes(source)
    model = cached_model(data, digest)
    columns = list(columns)
    out_names = output_columns(model, output)
    keep = check_keep(columns, keep, out_names)
    names = input_names(model, columns, keep)
    present = [n for n in names if n in columns]
    return Plan(data, digest, model, names, present, keep, out_names)


def string_columns(model: Any, names: Sequence[str]) -> list[str]:
    return [n for n, k in zip(names, model._input_kinds(), strict=True) if k == "string"]


def _some(names: Sequence[str], limit: int = 8) -> str:
    if not names:
        return "none"
    shown = ", ".join(map(repr, list(names)[:limit]))
    return shown + (f", ... ({len(names)} in all)" if len(names) > limit else "")


# ------------------------------------------------------------ the cache

#: Models a worker process keeps at once, the most recently used: a
#: long-lived worker scoring many models does not hold them all.
CACHE_SIZE = 4
_MODELS: dict[str, Any] = {}
_LOCK = threading.Lock()


def model_bytes(source: Any) -> tuple[bytes, str]:
    """A model file's bytes and their SHA-256 (hex), from a path or bytes;
    checked by loading it here, so that a bad file fails before any job."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as f:
            data = f.read()
    else:
        raise TypeError(f"a model is a path or a file's bytes, not {type(source).__name__}")
    digest = hashlib.sha256(data).hexdigest()
    cached_model(data, digest)
    return data, digest


def cached_model(data: bytes, digest: str) -> Any:
    """The process's model for these bytes, loaded on first use (the
    CACHE_SIZE most recently used are kept)."""
    with _LOCK:
        m = _MODELS.pop(digest, None)
        if m is None:
            m = load(data)
        _MODELS[digest] = m  # now the most recent
        while len(_MODELS) > CACHE_SIZE:
            del _MODELS[next(iter(_MODELS))]
    return m


# --------------------------------------------------------------- scoring


def _no_values(model: Any, output: str, out_names: Sequence[str]) -> np.ndarray:
    """``output`` of no rows, shaped and typed as it would be for some."""
    shape = (
        (0,)
        if len(out_names) == 1 and check_output(model, output)["ndim"] == 1
        else (0, len(out_names))
    )
    return np.empty(shape, dtype=output_dtype(model, output))


def score_frame(
    model: Any,
    frame: Any,
    output: str,
    *,
    keep: Sequence[str] = (),
    n_threads: int = 1,
    names: Sequence[str] | None = None,
    out_names: Sequence[str] | None = None,
) -> Any:
    """``output`` of ``model`` for a pandas frame: a new frame on the same
    index, the ``keep`` columns first, then the output's columns. A scorer
    that calls it per batch passes the plan's ``names`` and ``out_names``."""
    import pandas as pd

    names = list(names) if names is not None else input_names(model, frame.columns, keep)
    strings = set(string_columns(model, names))
    cols = {}
    for n in names:
        if n not in frame.columns:
            cols[n] = np.zeros(len(frame))  # a column no step reads
        elif n in strings:
            cols[n] = pd.Series(string_objects(frame[n], nan_for_missing=True), dtype=object, copy=False)
        else:
            cols[n] = frame[n]
    X = pd.DataFrame(cols, copy=False) if strings else frame[names]
    out_names = list(out_names) if out_names is not None else output_columns(model, output)
    if len(frame):
        values = getattr(model, output)(X, n_threads=n_threads)
    else:
        values = _no_values(model, output, out_names)
    result = {k: frame[k] for k in keep}
    if values.ndim == 3:  # contributions of several raw columns: groups side by side
        values = values.reshape(values.shape[0], -1)
    if values.ndim == 1:
        result[out_names[0]] = pd.Series(values, index=frame.index, copy=False)
    else:
        for j, n in enumerate(out_names):
            result[n] = pd.Series(values[:, j], index=frame.index, copy=False)
    return pd.DataFrame(result, index=frame.index, copy=False)


@dataclass(frozen=True)
class ArrowColumns:
    """How a record batch's columns become a model's input (arrow_input)."""

    names: list[str]  # the model's columns, in its order (input_names)
    present: list[str]  # those to read: in the data, and read by some step
    strings: set[str]  # those of strings
    mapping: bool  # handed over as a mapping (strings, or a column no step reads)


def arrow_columns(model: Any, names: Sequence[str], have: Sequence[str]) -> ArrowColumns:
    kinds = [c["kind"] for c in model.info()["inputs"]]
    have = set(have)
    return ArrowColumns(
        list(names),
        [n for n, k in zip(names, kinds, strict=True) if n in have and k != "ignored"],
        {n for n, k in zip(names, kinds, strict=True) if k == "string"},
        any(k != "number" for k in kinds),
    )


def arrow_input(pa: Any, batch: Any, cols: ArrowColumns) -> Any:
    """A record batch's columns as ``model.predict`` takes them: the
    model's columns in its order, those not present zeros; a float64
    (float32 when every column is) 2-D array when the model reads only
    numbers, else a mapping of name to column, as the command line and
    Spark hand them over (no pandas). A missing string is NaN."""
    n = batch.num_rows
    arrays = {}
    strings = cols.strings
    for name in cols.names:
        if name not in cols.present:
            arrays[name] = np.zeros(n)  # a column no step reads
            continue
        arr = batch.column(batch.schema.get_field_index(name))
        if name in strings and (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
            arr = arr.dictionary_encode()  # Spark's and CSV's strings: each distinct one hashed in C
        if name in strings and pa.types.is_dictionary(arr.type):
            arrays[name] = dictionary_strings(arr)
            continue
        if pa.types.is_dictionary(arr.type):
            arr = arr.dictionary_decode()
        values = arr.to_numpy(zero_copy_only=False)
        if name in strings and arr.null_count:
            # A missing string is NaN in every batch (the module says why).
            values = missing_as_nan(values, arr.is_null().to_numpy(zero_copy_only=False))
        arrays[name] = values
    if not cols.mapping:
        # As pandas hands a frame to the model: float32 when every column is.
        values = list(arrays.values())
        dtype = np.float32 if all(a.dtype == np.float32 for a in values) else np.float64
        X = np.empty((n, len(values)), dtype=dtype)
        for j, a in enumerate(values):
            X[:, j] = a
        return X
    return arrays


def dictionary_strings(arr: Any) -> np.ndarray:
    """A dictionary-encoded string column as an object array: each distinct
    string one Python object, however many rows hold it (a str per row took
    0.15 s of CPU per 1M rows of two columns); a null is NaN."""
    words = [np.nan if w is None else w for w in arr.dictionary.to_pylist()]
    codes = arr.indices
    if codes.null_count:
        codes = codes.fill_null(-1)
    return take_strings(words, codes.to_numpy(zero_copy_only=False), np.nan)


def arrow_outputs(pa: Any, values: np.ndarray, types: Sequence[Any] | None = None) -> list[Any]:
    """An output's values as Arrow columns, one per output column (cast to
    ``types`` when given: a Spark schema's)."""
    if values.ndim == 3:  # contributions of several raw columns: groups side by side
        values = values.reshape(values.shape[0], -1)
    if values.ndim == 1:
        cols = [values]
    else:
        cols = [np.ascontiguousarray(values[:, j]) for j in range(values.shape[1])]
    arrays = [pa.array(c) for c in cols]
    if types is not None:
        arrays = [a if a.type == t else a.cast(t) for a, t in zip(arrays, types, strict=True)]
    return arrays


def score_arrow(
    pa: Any,
    model: Any,
    batch: Any,
    output: str,
    cols: ArrowColumns,
    *,
    keep: Sequence[str] = (),
    n_threads: int = 1,
    out_names: Sequence[str],
    types: Sequence[Any] | None = None,
) -> Any:
    """``output`` of ``model`` for a record batch: a record batch of the
    ``keep`` columns, as they are, then the output's columns (of ``types``
    when given)."""
    if batch.num_rows:
        values = getattr(model, output)(arrow_input(pa, batch, cols), n_threads=n_threads)
    else:
        values = _no_values(model, output, out_names)
    arrays = [batch.column(batch.schema.get_field_index(k)) for k in keep]
    arrays += arrow_outputs(pa, values, types)
    return pa.RecordBatch.from_arrays(arrays, names=[*keep, *out_names])
