"""Turn what users pass to ``predict`` into an array the engine reads in place.

The extension scores 2-D float32/float64 NumPy arrays directly (any strides,
no copy). Everything else comes here first: pandas DataFrames (matched to
the model's feature names by column name), mappings of column name to a
1-D column (matched the same way), nested lists, other numeric dtypes
(converted to float64). Errors are worded like scikit-learn's
``check_array`` so users recognise them. No scoring happens here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import _skscore as _c


def _is_sparse(X: Any) -> bool:
    return hasattr(X, "tocsr") and hasattr(X, "nnz")


def _frame_columns(X: Any) -> list[Any] | None:
    """Column labels of a DataFrame-like object (pandas, or anything with
    ``columns`` and ``to_numpy``/``__array__``), else None."""
    if isinstance(X, np.ndarray):
        return None
    columns = getattr(X, "columns", None)
    # The class attribute: evaluating pandas' dtypes property builds a Series.
    if columns is None or not hasattr(type(X), "dtypes"):
        return None
    return list(columns)


def _name_list(names: list[Any], limit: int = 5) -> str:
    out = ""
    for i, name in enumerate(names):
        if i >= limit:
            out += "- ...\n"
            break
        out += f"- {name}\n"
    return out


def _loose(name: str) -> str:
    """A feature name without ASCII case, spaces and punctuation (the
    gateway's gw_feature_hint compares names the same way)."""
    return "".join(ch.lower() for ch in name if not ch.isascii() or ch.isalnum())


def _model_order(model: Any, columns: list[Any]) -> list[str] | None:
    """The model's feature names, when columns named ``columns`` are taken
    by name (checked against them: ValueError in scikit-learn's words);
    None when they are taken by position."""
    try:
        fitted = [str(n) for n in model.feature_names_in_]
    except AttributeError:
        return None  # the model has no names: columns are taken by position
    if not all(isinstance(c, str) for c in columns):
        # scikit-learn ignores non-str column names and goes by position.
        return None
    if columns == fitted:
        return fitted
    have, want = set(columns), set(fitted)
    unexpected = sorted(have - want)
    missing = sorted(want - have)
    if unexpected or missing or len(columns) != len(have):
        message = "The feature names should match those that were passed during fit.\n"
        if unexpected:
            message += "Feature names unseen at fit time:\n" + _name_list(unexpected)
        if missing:
            message += "Feature names seen at fit time, yet now missing:\n" + _name_list(missing)
        if len(columns) != len(have):
            message += "X has duplicate column names.\n"
        # As the gateway says it: a name that differs only in case, spaces
        # or punctuation from a missing one.
        loose = {_loose(n): n for n in missing}
        for name in unexpected:
            match = loose.get(_loose(name))
            if match is not None and _loose(name):
                message += f"Did you mean {match!r} for {name!r}?\n"
        raise ValueError(message)
    return fitted


def _select_columns(model: Any, X: Any, columns: list[Any]) -> Any:
    """Reorder DataFrame X into the model's feature order, by name."""
    fitted = _model_order(model, columns)
    return X if fitted is None or fitted == columns else X[fitted]


def _mapping_columns(model: Any, X: Mapping[Any, Any]) -> list[Any]:
    """The columns of a mapping of column name -> 1-D column (a dict of
    arrays or lists, as pyarrow's ``to_pydict`` or polars' ``to_dict``
    give), in the model's order: by name as a DataFrame's, or in the
    mapping's order for a model without names. ValueError when they differ
    in length or one is not 1-D."""
    names = list(X.keys())
    order = _model_order(model, names)
    keys = order if order is not None else names
    cols = [X[k] for k in keys]
    lengths = set()
    for name, col in zip(keys, cols):
        ndim = np.ndim(col)
        if ndim != 1:
            raise ValueError(f"column {name!r} of the mapping is {ndim}-D; a mapping's columns are 1-D")
        lengths.add(len(col))
    if len(lengths) > 1:
        raise ValueError(f"the mapping's columns differ in length ({', '.join(map(str, sorted(lengths)))} values)")
    return cols


def _frame_to_array(model: Any, X: Any) -> np.ndarray:
    if not type(X).__module__.startswith("pandas"):
        return np.asarray(X)  # other data frames (polars, ...) convert themselves
    dtypes = [d if isinstance(d, np.dtype) else None for d in X.dtypes]
    if dtypes and all(d is not None and d == np.float32 for d in dtypes):
        return X.to_numpy(dtype=np.float32)
    if all(d is not None and d.kind in "fiub" for d in dtypes):
        return X.to_numpy(dtype=np.float64)
    # Extension dtypes (nullable Int64, Float64, boolean), object columns:
    # missing values become NaN, text raises.
    try:
        return X.to_numpy(dtype=np.float64, na_value=np.nan)
    except (TypeError, ValueError) as exc:
        for c in range(X.shape[1]):  # the error path: find the column
            try:
                X.iloc[:, c].to_numpy(dtype=np.float64, na_value=np.nan)
            except (TypeError, ValueError) as col_exc:
                raise ValueError(f"Column {_column_name(model, c)} takes numbers: {col_exc}") from exc
        raise ValueError(f"X contains a column that is not numeric: {exc}") from exc


def _not_a_number(model: Any, X: Any, array: np.ndarray, exc: Exception | None = None) -> ValueError:
    """The error for X (as given) holding text where the model takes
    numbers, naming the first such cell's row and column (the DataFrame path
    names the column too), in scikit-learn's words otherwise. Runs only on
    the error path; the scan is bounded by X's size."""
    cell = None
    if array.dtype.kind in "USV" and not isinstance(X, np.ndarray):
        # A list mixing numbers and str became an all-str array: look at
        # the list itself for the str.
        try:
            cell = next(((r, c, v) for r, row in enumerate(X) for c, v in enumerate(row)
                         if isinstance(v, (str, bytes))), None)
        except TypeError:
            cell = None
    elif array.ndim == 2:
        for (r, c), v in np.ndenumerate(array):
            if isinstance(v, (str, bytes, np.str_, np.bytes_)):
                try:
                    float(v)
                except (TypeError, ValueError):
                    cell = (r, c, v)
                    break
                if array.dtype.kind in "USV":
                    cell = (r, c, v)
                    break
    if cell is None and exc is not None:
        return ValueError(f"X contains a value that is not a number: {exc}")
    if cell is None:
        return ValueError(
            "dtype='numeric' is not compatible with arrays of bytes/strings. "
            "Convert your data to numeric values explicitly instead."
        )
    r, c, v = cell
    v = v.item() if isinstance(v, np.generic) else v
    return ValueError(
        f"Column {_column_name(model, c)} takes numbers, but row {r} holds {v!r} (a "
        f"{type(v).__name__}). Convert your data to numeric values explicitly instead."
    )


def _refuse_sparse_or_series(X: Any, estimator: str) -> None:
    if _is_sparse(X):
        raise TypeError(
            f"skscore does not score sparse matrices; convert X with X.toarray() "
            f"first ({estimator})."
        )
    if _frame_columns(X) is None and getattr(X, "ndim", None) == 1 and hasattr(X, "to_numpy") \
            and hasattr(X, "index"):
        raise ValueError(
            f"Expected a 2-dimensional container but got {type(X)} instead. Pass a "
            "DataFrame containing a single row (i.e. single sample) or a single column "
            "(i.e. single feature) instead."
        )


def _require_2d(array: np.ndarray, estimator: str) -> None:
    """scikit-learn's words for an array that is not 2-D."""
    if array.ndim in (0, 1):
        raise ValueError(
            f"Expected 2D array, got {'scalar' if array.ndim == 0 else '1D'} array instead:\narray={array}.\n"
            "Reshape your data either using array.reshape(-1, 1) if "
            "your data has a single feature or array.reshape(1, -1) "
            "if it contains a single sample."
        )
    if array.ndim > 2:
        raise ValueError(
            f"Found array with dim {array.ndim}, while dim <= 2 is required by {estimator}."
        )


def as_array(model: Any, X: Any) -> np.ndarray:
    """Return X as a 2-D, aligned, native-endian float32 or float64 array.

    Raises ValueError (or TypeError for sparse input) worded like
    scikit-learn's input validation when X cannot be scored.
    """
    estimator = model.estimator or "the model"
    if isinstance(X, Mapping):
        cols = [_numeric_column(model, c, col) for c, col in enumerate(_mapping_columns(model, X))]
        X = np.column_stack(cols) if cols else np.empty((0, 0))
    _refuse_sparse_or_series(X, estimator)
    columns = _frame_columns(X)
    if columns is not None:
        X = _frame_to_array(model, _select_columns(model, X, columns))
    array = np.asarray(X)

    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported\n{array}\n")
    if array.ndim in (0, 1):
        _require_2d(array, estimator)
    if array.dtype.kind in "USV":
        _require_2d(array, estimator)
        raise _not_a_number(model, X, array)
    _require_2d(array, estimator)
    if array.dtype not in (np.float32, np.float64):
        try:
            array = array.astype(np.float64)
        except ValueError as exc:  # a str in an object array
            raise _not_a_number(model, X, array, exc) from exc
        except TypeError as exc:  # e.g. a list in an object array
            raise ValueError(f"X contains a value that is not a number: {exc}") from exc
    if not array.dtype.isnative or not array.flags.aligned:
        array = np.require(array, dtype=array.dtype.newbyteorder("="), requirements=["A"])
    return array


def _is_missing(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or type(v).__name__ in ("NAType", "NaTType")


def _column_name(model: Any, c: int) -> str:
    try:
        return f"{c} ({str(model.feature_names_in_[c])!r})"
    except AttributeError:
        return str(c)


def _numeric_column(model: Any, c: int, col: Any) -> np.ndarray:
    if isinstance(col, np.ndarray) and col.dtype in (np.float32, np.float64):
        return col if col.dtype.isnative and col.flags.aligned else col.astype(col.dtype.newbyteorder("="))
    to_numpy = getattr(col, "to_numpy", None)
    try:
        if to_numpy is not None:
            dtype = getattr(col, "dtype", None)
            if isinstance(dtype, np.dtype) and dtype == np.float32:
                return np.ascontiguousarray(to_numpy(dtype=np.float32))
            return np.ascontiguousarray(to_numpy(dtype=np.float64, na_value=np.nan))
        col = np.asarray(col)
        if col.dtype == object:
            col = np.array([np.nan if _is_missing(v) else v for v in col], dtype=object)
        return np.ascontiguousarray(col, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"Column {_column_name(model, c)} takes numbers: {exc}") from exc


def _frame_arrays(X: Any, n_features: int) -> list[Any]:
    """A data frame's columns as arrays. pandas' own per-column arrays
    (_iter_column_arrays, pandas >= 1.3) cost ~0.5 µs a column; building a
    Series per column (iloc) ~10 µs, which dominates one-row calls."""
    if type(X).__module__.startswith("pandas"):
        try:
            arrays = list(X._iter_column_arrays())
            if len(arrays) == n_features:
                return arrays
        except AttributeError:
            pass
        return [X.iloc[:, c] for c in range(n_features)]
    array = np.asarray(X, dtype=object)  # other data frames convert themselves
    return [array[:, c] for c in range(n_features)]


def missing_as_nan(values: np.ndarray, missing: np.ndarray | None = None) -> np.ndarray:
    """An object array of strings with every missing entry (``missing``, or
    None/NA where it is not given) set to NaN, in place when it can be
    (the batch scorers' rule: skscore/_batch.py says why)."""
    if values.dtype != object:
        values = values.astype(object)
    if missing is None:
        import pandas as pd

        missing = pd.isna(values)
    if missing.any():
        values[missing] = np.nan
    return values


def take_strings(words: Any, codes: np.ndarray, missing: Any) -> np.ndarray:
    """The rows of a string column given as codes into its distinct values
    ``words`` (code -1: missing): an object array holding each distinct
    value's one Python object, however many rows hold it."""
    table = np.array([*words, missing], dtype=object)
    return table[codes]  # -1: the last entry


def string_objects(col: Any, nan_for_missing: bool = False) -> np.ndarray:
    """A string column as a new object array of Python values; missing
    entries stay what NumPy's conversion gives (the column's own missing
    value), or become NaN with ``nan_for_missing``. A pandas string array
    (``StringDtype``, pandas 3's default for text) is factorized, so each
    distinct string is one Python object: 1,000,000 rows of 50 cities,
    102 ms -> 37 ms. Other columns convert as they are."""
    dtype = getattr(col, "dtype", None)
    if type(dtype).__name__ == "StringDtype" and type(dtype).__module__.startswith("pandas"):
        import pandas as pd

        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        return take_strings(uniques, codes, np.nan if nan_for_missing else dtype.na_value)
    values = np.array(col, dtype=object, copy=True)
    return missing_as_nan(values) if nan_for_missing else values


def as_table(model: Any, X: Any) -> tuple[int, list[Any]]:
    """X as the engine's table for a model with string (or ignored) columns:
    (rows, one entry per input column: a 1-D float32/float64 array, or a
    list of str/None for string columns). Raises ValueError worded like
    scikit-learn's input validation; the wrong number of columns and zero
    rows are the extension's and the engine's to report."""
    kinds = model._input_kinds()  # not info(): it builds every category list
    n_features = len(kinds)
    strings = {c for c, k in enumerate(kinds) if k == "string"}
    ignored = {c for c, k in enumerate(kinds) if k == "ignored"}
    estimator = model.estimator or "the model"
    if isinstance(X, Mapping):
        cols = _mapping_columns(model, X)
        n, width = (len(cols[0]) if cols else 0), len(cols)
    else:
        _refuse_sparse_or_series(X, estimator)
        columns = _frame_columns(X)
        if columns is not None:
            X = _select_columns(model, X, columns)
            n, width = X.shape
        else:
            X = X if isinstance(X, np.ndarray) else np.asarray(X, dtype=object)
            _require_2d(X, estimator)
            n, width = X.shape
    if width != n_features:
        return n, [np.zeros(n)] * width  # the engine refuses it in scikit-learn's words
    if not isinstance(X, Mapping):
        cols = _frame_arrays(X, n_features) if columns is not None else [X[:, c] for c in range(n_features)]
    out: list[Any] = []
    for c, col in enumerate(cols):
        if c in ignored:
            out.append(np.zeros(n))  # never read
        elif c in strings:
            # Python values; the extension reads str, None, NaN and refuses
            # the rest. A copy: it holds its own references while the engine
            # reads the strings' bytes without the GIL.
            out.append(string_objects(col))
        else:
            out.append(_numeric_column(model, c, col))
    return n, out


# The extension calls these for inputs it cannot read in place. Handing them
# in here, rather than the extension importing this module by name, keeps
# every arrow pointing from the package down to the extension.
_c._set_input_converters(as_array, as_table)
