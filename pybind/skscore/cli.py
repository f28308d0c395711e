"""The ``skscore`` command: inspect, export, predict with and serve model files.

    skscore inspect MODEL.skm [--json]
    skscore export MODEL.joblib OUT.skm [--validate DATA] [--metadata KEY=VALUE ...]
    skscore predict MODEL.skm INPUT --output OUT [--proba | --decision | --score-samples]
    skscore serve MODEL.skm [MODEL.skm ...] [--port N] [-- GATEWAY OPTIONS]

It owns the shell's side only: arguments, files (Parquet and CSV through
pyarrow, streamed in record batches), messages and exit codes. Scoring is
``skscore.load(...).predict`` -- the engine the notebook and the gateway use
-- so a file scored here gives the bits ``m.predict`` gives in a notebook.
It parses no model file and scores nothing itself. docs/BATCH.md is its
manual.

Exit codes (EXIT_* below) a script can trust: 0 done; 1 ``export
--validate`` found the file does not score as the estimator; 2 usage; 3 the
model (missing, unreadable, not a model file, an estimator skscore cannot
export); 4 the input data (unreadable, a missing column, a bad value, named
by its row); 5 the output cannot be written; 6 a missing piece (pyarrow, the
gateway binary), with how to get it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from . import _batch

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_MODEL = 3
EXIT_INPUT = 4
EXIT_OUTPUT = 5
EXIT_MISSING = 6

#: Rows per record batch: memory stays flat at a few times a batch's size.
DEFAULT_BATCH_ROWS = 65536

#: The option that picks each output, and what its columns are called.
OUTPUT_FLAGS = {
    "predict": None,
    "predict_proba": "--proba",
    "decision_function": "--decision",
    "score_samples": "--score-samples",
    "contributions": "--contributions",
}


class CliError(Exception):
    """A failure to report in one line and exit with ``code``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _fail(code: int, message: str) -> NoReturn:
    raise CliError(code, message)


# ------------------------------------------------------------------ models


def _load_model(path: str) -> Any:
    import skscore

    try:
        return skscore.load(path)
    except FileNotFoundError:
        _fail(EXIT_MODEL, f"{path}: no such model file")
    except IsADirectoryError:
        _fail(EXIT_MODEL, f"{path}: is a directory, not a model file")
    except skscore.ModelFileError as exc:
        message = str(exc)
        _fail(EXIT_MODEL, message if message.startswith(path) else f"{path}: {message}")
    except OSError as exc:
        _fail(EXIT_MODEL, f"{path}: cannot read it: {exc.strerror or exc}")


def output_columns(model: Any, output: str) -> list[str]:
    """The output's column names (_batch.py); a usage error when the model
    has no such output."""
    try:
        return _batch.output_columns(model, output)
    except ValueError:
        flag = OUTPUT_FLAGS[output] or output
        have = ", ".join(
            OUTPUT_FLAGS[o] or "predict (the default)" for o in model.info()["outputs"]
        )
        _fail(EXIT_USAGE, f"{flag}: a {model.estimator} has no {output}; it gives {have}")


# -------------------------------------------------------------- inspect


def _describe(path: str, model: Any) -> dict[str, Any]:
    info = model.info()
    data = Path(path).read_bytes()
    out: dict[str, Any] = {
        "path": path,
        "size_bytes": len(data),
        "sha256": hashlib.sha256(data).hexdigest(),
        "checksum": info["checksum"],
        "estimator": info["estimator"],
        "kind": info["kind"],
        "task": info["task"],
        "format_version": "{}.{}".format(*info["format_version"]),
        "producer": f"{info['producer']} {info['producer_version']}".strip(),
        "source": f"{info['source']} {info['source_version']}".strip(),
        "inputs": info["inputs"],
        "outputs": info["outputs"],
        "metadata": model.metadata,
    }
    if info["task"] == "classification":
        out["classes"] = [c.item() if hasattr(c, "item") else c for c in model.classes_]
    if info["kind"] == "trees":
        out["trees"] = {
            "n_trees": info["n_trees"],
            "n_nodes": info["n_nodes"],
            "max_depth": info["max_depth"],
        }
    out["n_steps"] = info["n_steps"]
    return out


def _size(n: int) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _print_description(d: dict[str, Any]) -> None:
    rows = [
        ("file", f"{d['path']} ({_size(d['size_bytes'])}, sha256 {d['sha256'][:16]}...)"),
        ("estimator", f"{d['estimator']} ({d['task']}, {d['kind']})"),
        ("format", f"{d['format_version']}, written by {d['producer']} from {d['source']}"),
        ("checksum", d["checksum"]),
    ]
    if "classes" in d:
        rows.append(("classes", ", ".join(map(str, d["classes"]))))
    if "trees" in d:
        t = d["trees"]
        rows.append(
            ("trees", f"{t['n_trees']} trees, {t['n_nodes']} nodes, depth up to {t['max_depth']}")
        )
    if d["n_steps"]:
        rows.append(("steps", f"{d['n_steps']} preprocessing steps before the estimator"))
    for k, v in rows:
        print(f"{k:<10} {v}")
    print(f"inputs     {len(d['inputs'])} columns")
    for i, col in enumerate(d["inputs"]):
        name = col["name"] if col["name"] is not None else f"(column {i})"
        line = f"  {i:>3}  {name:<24} {col['kind']}"
        if col["categories"] is not None:
            cats = col["categories"]
            shown = ", ".join(cats[:8]) + (f", ... ({len(cats)} in all)" if len(cats) > 8 else "")
            line += f"  categories: {shown}"
        print(line)
    print("outputs")
    for name, spec in d["outputs"].items():
        shape = "one value per row" if spec["ndim"] == 1 else f"{spec['columns']} values per row"
        flag = OUTPUT_FLAGS[name] or "(default)"
        print(f"  {name:<18} {shape}, {spec['values']}   skscore predict {flag}")
    if d["metadata"]:
        print("metadata")
        for k, v in d["metadata"].items():
            print(f"  {k} = {v}")


def cmd_inspect(args: argparse.Namespace) -> int:
    model = _load_model(args.model)
    d = _describe(args.model, model)
    if args.json:
        json.dump(d, sys.stdout, indent=2, default=str)
        print()
    else:
        _print_description(d)
    return EXIT_OK


# ------------------------------------------------------------------ tables


def _need_pyarrow() -> Any:
    try:
        import pyarrow
    except ImportError:
        _fail(
            EXIT_MISSING,
            "reading and writing Parquet and CSV needs pyarrow: "
            "pip install 'skscore[batch]' (or pip install pyarrow)",
        )
    return pyarrow


def _format_of(path: str, given: str | None) -> str:
    if given:
        return given
    lower = path.lower()
    if lower.endswith((".parquet", ".pq", ".parq")):
        return "parquet"
    if lower.endswith(".csv") or path == "-":
        return "csv"
    _fail(
        EXIT_USAGE,
        f"{path}: cannot tell the format from the name; "
        "say --input-format/--output-format parquet or csv",
    )


class _Reader:
    """Record batches of an input file, only the columns asked for."""

    def __init__(self, path: str, fmt: str, batch_rows: int) -> None:
        self.pa = _need_pyarrow()
        self.path, self.fmt, self.batch_rows = path, fmt, batch_rows
        self.total_rows: int | None = None
        self._file: Any = None
        try:
            if fmt == "parquet":
                import pyarrow.parquet as pq

                self._pf = pq.ParquetFile(path)
                self.schema = self._pf.schema_arrow
                self.total_rows = self._pf.metadata.num_rows
            else:
                import pyarrow.csv as pcsv

                self._size = os.path.getsize(path)
                with pcsv.open_csv(path) as probe:  # the header and first block's types
                    self.schema = probe.schema
        except FileNotFoundError:
            _fail(EXIT_INPUT, f"{path}: no such input file")
        except (OSError, self.pa.ArrowException) as exc:
            _fail(EXIT_INPUT, f"{path}: cannot read it as {fmt}: {_arrow_message(exc)}")
        self.names = list(self.schema.names)

    def batches(self, columns: list[str], numeric: set[str], strings: set[str]) -> Iterator[Any]:
        pa = self.pa
        if self.fmt == "parquet":
            # The model's string columns stay dictionary-encoded: a batch
            # then holds each distinct string once (_batch.arrow_input).
            texts = [
                n for n in strings
                if pa.types.is_string(self.schema.field(n).type)
                or pa.types.is_large_string(self.schema.field(n).type)
            ]
            pf = self._pf
            if texts:
                import pyarrow.parquet as pq

                pf = pq.ParquetFile(self.path, read_dictionary=texts)
            # One row group at a time: over the whole file, iter_batches
            # reads ahead without bound (measured: +64 MB at 2M rows).
            for group in range(pf.metadata.num_row_groups):
                yield from pf.iter_batches(batch_size=self.batch_rows, row_groups=[group], columns=columns)
            return
        import pyarrow.csv as pcsv

        types = {n: self.schema.field(n).type for n in columns}
        types.update({n: pa.float64() for n in numeric})
        types.update({n: pa.string() for n in strings})
        self._file = open(self.path, "rb")
        # Rows a block holds vary; about batch_rows rows of 30 numbers.
        block = max(1 << 16, min(1 << 26, self.batch_rows * 200))
        reader = pcsv.open_csv(
            self._file,
            read_options=pcsv.ReadOptions(block_size=block),
            convert_options=pcsv.ConvertOptions(
                column_types=types, include_columns=columns, strings_can_be_null=True
            ),
        )
        yield from reader

    def fraction_done(self, rows_done: int) -> float | None:
        if self.total_rows:
            return rows_done / self.total_rows
        if self._file is not None and getattr(self, "_size", 0):
            return min(1.0, self._file.tell() / self._size)
        return None

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _arrow_message(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def _find_bad_csv_value(path: str, numeric: list[str]) -> str | None:
    """After pyarrow refused a CSV number (its message names no row): the
    first value of a numeric column that is not a number, with its row."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    nulls = set(pcsv.ConvertOptions().null_values)
    reader = pcsv.open_csv(
        path,
        convert_options=pcsv.ConvertOptions(
            column_types={n: pa.string() for n in numeric}, include_columns=numeric
        ),
    )
    row0 = 0
    for batch in reader:
        for name in numeric:
            col = batch.column(batch.schema.get_field_index(name))
            try:
                pc.cast(col, pa.float64())
                continue
            except pa.ArrowInvalid:
                pass
            for i, v in enumerate(col.to_pylist()):
                if v is None or v in nulls:
                    continue
                try:
                    float(v)
                except ValueError:
                    r = row0 + i
                    return f"row {r} (line {r + 2}), column {name!r}: {v!r} is not a number"
        row0 += batch.num_rows
    return None


# ----------------------------------------------------------------- predict


class _Progress:
    """Rows done, rows/s and time left on a terminal's stderr; nothing when piped."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.t0 = time.monotonic()
        self.last = 0.0

    def update(self, rows: int, fraction: float | None, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last < 0.2:
            return
        self.last = now
        elapsed = max(now - self.t0, 1e-9)
        line = f"{rows:,} rows  {rows / elapsed:,.0f} rows/s"
        if final:
            line += f"  done in {elapsed:.1f} s"
        elif fraction:
            left = elapsed * (1 - fraction) / fraction
            line += f"  {100 * fraction:.0f}%  {left:.0f} s left"
        sys.stderr.write("\r" + line + "\x1b[K" + ("\n" if final else ""))
        sys.stderr.flush()


class _Batcher:
    """Turns record batches into what ``model.predict`` takes, columns by name."""

    def __init__(self, model: Any, reader: _Reader, keep: list[str]) -> None:
        pa = reader.pa
        self.pa = pa
        self.inputs = model.info()["inputs"]
        have = reader.names
        try:
            self.names = _batch.input_names(model, have, keep)
        except ValueError as exc:
            _fail(EXIT_INPUT, f"{reader.path}: {str(exc).replace('the data', 'the input')}")
        self.cols = _batch.arrow_columns(model, self.names, have)
        self.present, self.strings = self.cols.present, self.cols.strings
        self.numeric = {
            n for n, c in zip(self.names, self.inputs, strict=True) if c["kind"] == "number"
        }
        for n in self.present:
            t = reader.schema.field(n).type
            if pa.types.is_dictionary(t):
                t = t.value_type
            if n in self.numeric and not (
                pa.types.is_integer(t)
                or pa.types.is_floating(t)
                or pa.types.is_boolean(t)
                or pa.types.is_null(t)
            ):
                if not (reader.fmt == "csv" and pa.types.is_string(t)):  # CSV: converted as read
                    _fail(
                        EXIT_INPUT,
                        f"{reader.path}: column {n!r} holds {t}; the model takes numbers",
                    )
            if n in self.strings and not (
                pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_null(t)
            ):
                if not reader.fmt == "csv":
                    _fail(
                        EXIT_INPUT,
                        f"{reader.path}: column {n!r} holds {t}; the model takes strings",
                    )

    def columns(self, keep: list[str]) -> list[str]:
        return list(dict.fromkeys(self.present + keep))

    def to_input(self, batch: Any) -> Any:
        return _batch.arrow_input(self.pa, batch, self.cols)


def _renumber(message: str, row: int | None, offset: int) -> str:
    """The engine's message names the row within the batch; name it in the input."""
    if row is None or offset == 0:
        return message
    return re.sub(rf"\brow {row}\b", f"row {row + offset}", message, count=1)


class _Writer:
    """Writes record batches to a temporary file beside the output, renamed
    over it at the end: a failed run leaves any earlier output untouched."""

    def __init__(self, path: str, fmt: str) -> None:
        self.path, self.fmt = path, fmt
        self.stdout = path == "-"
        self.tmp: str | None = None
        self.sink: Any = None
        self.writer: Any = None
        if not self.stdout:
            parent = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(parent):
                _fail(EXIT_OUTPUT, f"{path}: no such directory {parent!r}")
            try:
                fd, self.tmp = tempfile.mkstemp(prefix=".skscore-", suffix=".part", dir=parent)
                umask = os.umask(0)
                os.umask(umask)
                os.fchmod(fd, 0o666 & ~umask)  # as open() would have made it
                os.close(fd)
            except OSError as exc:
                _fail(EXIT_OUTPUT, f"{path}: cannot write there: {exc.strerror or exc}")

    def write(self, batch: Any) -> None:
        try:
            if self.writer is None:
                self._open(batch.schema)
            self.writer.write_batch(batch)
        except OSError as exc:
            _fail(EXIT_OUTPUT, f"{self.path}: cannot write: {exc.strerror or exc}")

    def _open(self, schema: Any) -> None:
        target: Any = self.tmp
        if self.stdout:
            import pyarrow as pa

            self.sink = pa.PythonFile(sys.stdout.buffer, mode="w")
            target = self.sink
        if self.fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            # No dictionary for float columns (probabilities, scores): it
            # hashed every value only to give up (0.1 s of CPU per 1M rows
            # of two columns); labels and kept columns keep it.
            keep_dict = [f.name for f in schema if not pa.types.is_floating(f.type)]
            self.writer = pq.ParquetWriter(target, schema, use_dictionary=keep_dict)
        else:
            import pyarrow.csv as pcsv

            self.writer = pcsv.CSVWriter(target, schema)

    def finish(self, schema: Any) -> None:
        if self.writer is None:  # no rows: an empty file with the columns
            self._open(schema)
        self.writer.close()
        if self.sink is not None:
            sys.stdout.flush()
        if self.tmp is not None:
            try:
                os.replace(self.tmp, self.path)
            except OSError as exc:
                _fail(EXIT_OUTPUT, f"{self.path}: cannot write: {exc.strerror or exc}")
            self.tmp = None

    def abandon(self) -> None:
        try:
            if self.writer is not None:
                self.writer.close()
        except Exception:
            pass
        if self.tmp is not None and os.path.exists(self.tmp):
            os.unlink(self.tmp)


def _empty_output_types(pa: Any, model: Any, output: str, names: list[str]) -> list[Any]:
    dtype = _batch.output_dtype(model, output)
    return [pa.string() if dtype.kind in "US" else pa.from_numpy_dtype(dtype)] * len(names)


def cmd_predict(args: argparse.Namespace) -> int:
    output = (
        "predict_proba"
        if args.proba
        else "decision_function"
        if args.decision
        else "score_samples"
        if args.score_samples
        else "contributions"
        if args.contributions
        else "predict"
    )
    if args.batch_rows < 1:
        _fail(EXIT_USAGE, "--batch-rows must be at least 1")
    pa = _need_pyarrow()
    model = _load_model(args.model)
    out_names = output_columns(model, output)
    in_fmt = _format_of(args.input, args.input_format)
    out_fmt = _format_of(args.output, args.output_format)
    if args.input == "-":
        _fail(
            EXIT_USAGE, "the input must be a file (Parquet needs to seek; for CSV, save it first)"
        )
    reader = _Reader(args.input, in_fmt, args.batch_rows)
    try:
        keep = _batch.check_keep(
            reader.names, reader.names if args.keep_all else args.keep or [], out_names
        )
    except _batch.MissingColumnError as exc:
        _fail(EXIT_INPUT, f"--keep: {exc}")
    except ValueError as exc:
        _fail(EXIT_USAGE, f"--keep: {exc}")
    batcher = _Batcher(model, reader, keep)
    columns = batcher.columns(keep)
    threads = args.threads
    tty = sys.stderr.isatty() if args.progress is None else args.progress
    progress = _Progress((tty and args.output != "-") or bool(args.progress))
    writer = _Writer(args.output, out_fmt)
    rows = 0
    ok = False
    batches = reader.batches(
        columns, batcher.numeric & set(batcher.present), batcher.strings & set(batcher.present)
    )

    # The next batch is read while the engine scores this one (both let go
    # of the GIL), so reading costs little of the run's time.
    def read_next() -> tuple[Any, Any] | None:
        batch = next(batches, None)
        while batch is not None and batch.num_rows == 0:
            batch = next(batches, None)
        return None if batch is None else (batch, batcher.to_input(batch))

    # Three stages overlap: the next batch is read and converted, and the
    # previous one written, while the engine scores this one (the engine and
    # pyarrow let go of the GIL). At most one batch waits in each stage.
    read_pool, write_pool = ThreadPoolExecutor(max_workers=1), ThreadPoolExecutor(max_workers=1)
    written = None
    try:
        pending = read_pool.submit(read_next)
        while True:
            try:
                item = pending.result()
            except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
                detail = None
                if in_fmt == "csv" and "conversion error" in str(exc):
                    detail = _find_bad_csv_value(args.input, sorted(batcher.numeric & set(columns)))
                _fail(EXIT_INPUT, f"{args.input}: {detail or _arrow_message(exc)}")
            if item is None:
                break
            pending = read_pool.submit(read_next)
            batch, X = item
            try:
                values = getattr(model, output)(X, n_threads=threads)
            except ValueError as exc:
                row = getattr(exc, "row", None)
                _fail(EXIT_INPUT, f"{args.input}: {_renumber(str(exc), row, rows)}")
            arrays = [batch.column(batch.schema.get_field_index(k)) for k in keep]
            arrays += _batch.arrow_outputs(pa, values)
            if written is not None:
                written.result()
            written = write_pool.submit(
                writer.write, pa.RecordBatch.from_arrays(arrays, names=keep + out_names)
            )
            rows += batch.num_rows
            progress.update(rows, reader.fraction_done(rows))
        if written is not None:
            written.result()
        kept_types = [reader.schema.field(k).type for k in keep]
        schema = pa.schema(
            list(
                zip(
                    keep + out_names,
                    kept_types + _empty_output_types(pa, model, output, out_names),
                    strict=True,
                )
            )
        )
        writer.finish(schema)
        ok = True
    finally:
        read_pool.shutdown(wait=True, cancel_futures=True)
        write_pool.shutdown(wait=True, cancel_futures=True)
        reader.close()
        if not ok:
            writer.abandon()
    progress.update(rows, 1.0, final=True)
    if not progress.enabled and args.output != "-" and not args.quiet:
        print(f"{rows} rows scored ({output}) into {args.output}", file=sys.stderr)
    return EXIT_OK


# ------------------------------------------------------------------ export


def _read_table(path: str, fmt: str | None) -> Any:
    pa = _need_pyarrow()
    import pandas as pd

    kind = _format_of(path, fmt)
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        # pyarrow's reader, as `predict` reads: numbers as Python's float()
        # reads their text, empty cells missing.
        import pyarrow.csv as pcsv

        opts = pcsv.ConvertOptions(strings_can_be_null=True)
        return pcsv.read_csv(path, convert_options=opts).to_pandas()
    except FileNotFoundError:
        _fail(EXIT_INPUT, f"{path}: no such data file")
    except (OSError, ValueError, pa.ArrowException) as exc:
        _fail(EXIT_INPUT, f"{path}: cannot read it as {kind}: {_arrow_message(exc)}")


def cmd_export(args: argparse.Namespace) -> int:
    import skscore

    metadata = {}
    for item in args.metadata or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            _fail(EXIT_USAGE, f"--metadata {item!r}: write KEY=VALUE")
        metadata[key] = value
    print(
        f"warning: loading {args.estimator} unpickles it, which runs whatever code the file "
        "holds: export only files you trust",
        file=sys.stderr,
    )
    try:
        import joblib

        estimator = joblib.load(args.estimator)
    except ImportError:
        import pickle

        try:
            with open(args.estimator, "rb") as f:
                estimator = pickle.load(f)
        except FileNotFoundError:
            _fail(EXIT_MODEL, f"{args.estimator}: no such file")
        except Exception as exc:
            _fail(EXIT_MODEL, f"{args.estimator}: cannot unpickle it: {exc}")
    except FileNotFoundError:
        _fail(EXIT_MODEL, f"{args.estimator}: no such file")
    except Exception as exc:
        _fail(
            EXIT_MODEL, f"{args.estimator}: cannot load it with joblib: {type(exc).__name__}: {exc}"
        )
    data = _read_table(args.validate, args.data_format) if args.validate else None
    try:
        skscore.export(estimator, args.output, metadata=metadata or None)
    except (TypeError, ValueError, NotImplementedError, AttributeError) as exc:
        _fail(EXIT_MODEL, f"{args.estimator}: cannot export this {type(estimator).__name__}: {exc}")
    except OSError as exc:
        _fail(EXIT_OUTPUT, f"{args.output}: cannot write: {exc.strerror or exc}")
    print(
        f"wrote {args.output} ({_size(os.path.getsize(args.output))}) from "
        f"{type(estimator).__name__}",
        file=sys.stderr,
    )
    if data is None:
        return EXIT_OK
    names = getattr(estimator, "feature_names_in_", None)
    if names is not None:
        missing = [str(n) for n in names if n not in data.columns]
        if missing:
            _fail(
                EXIT_INPUT,
                f"{args.validate}: the estimator needs column(s) "
                f"{', '.join(map(repr, missing))}, which the data does not have",
            )
        data = data[list(names)]
    try:
        report = skscore.validate(estimator, args.output, data)
    except ValueError as exc:
        _fail(EXIT_INPUT, f"{args.validate}: {exc}")
    print(report)
    return EXIT_OK if report.passed else EXIT_INVALID


# ------------------------------------------------------------------- serve

GATEWAY_HELP = """\
skscore-gateway is a separate program (C, libh2o); this package does not install it. Get it:
  - from the source tree: scripts/setup.sh builds build/gateway/skscore-gateway;
  - or run the container image, which holds it (docs/DEPLOY.md).
Then put it on PATH, set SKSCORE_GATEWAY=/path/to/skscore-gateway, or pass --gateway PATH."""


def find_gateway(given: str | None) -> str | None:
    """The gateway binary: --gateway, $SKSCORE_GATEWAY, then PATH."""
    for candidate in (given, os.environ.get("SKSCORE_GATEWAY")):
        if candidate:
            return (
                candidate if os.access(candidate, os.X_OK) and os.path.isfile(candidate) else None
            )
    return shutil.which("skscore-gateway")


def cmd_serve(args: argparse.Namespace, passthrough: list[str]) -> int:
    gateway = find_gateway(args.gateway)
    if gateway is None:
        where = args.gateway or os.environ.get("SKSCORE_GATEWAY")
        _fail(
            EXIT_MISSING,
            (
                f"{where}: not an executable gateway binary\n"
                if where
                else "skscore-gateway is not on PATH\n"
            )
            + GATEWAY_HELP,
        )
    for m in args.models:
        _load_model(m.partition("=")[2] if "=" in m and not os.path.exists(m) else m)
    argv = [gateway]
    for m in args.models:
        argv += ["--model", m]
    for flag, value in (("--host", args.host), ("--port", args.port), ("--threads", args.threads)):
        if value is not None:
            argv += [flag, str(value)]
    argv += passthrough
    if args.print_command:
        print(" ".join(argv))
        return EXIT_OK
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(gateway, argv)
    return EXIT_OK  # not reached


# -------------------------------------------------------------------- main


def _parser() -> argparse.ArgumentParser:
    import skscore

    p = argparse.ArgumentParser(
        prog="skscore",
        description="Inspect, export, score with and serve skscore model files (.skm).",
        epilog="exit codes: 0 done, 1 validation failed, 2 usage, 3 model, 4 input data, "
        "5 output, 6 a missing piece. docs/BATCH.md has the details.",
    )
    p.add_argument(
        "--version",
        action="version",
        version=f"skscore {skscore.__version__} (engine {skscore.ENGINE_VERSION}, "
        f"format {skscore.FORMAT_MAJOR}.{skscore.FORMAT_MINOR})",
    )
    sub = p.add_subparsers(dest="verb", metavar="VERB", required=True)

    s = sub.add_parser(
        "inspect",
        help="what a model file holds",
        description="Print what a model file holds: estimator, versions, inputs "
        "(names, kinds, categories), outputs, size, checksum, metadata.",
    )
    s.add_argument("model", metavar="MODEL.skm")
    s.add_argument("--json", action="store_true", help="print it as JSON, for scripts")

    s = sub.add_parser(
        "export",
        help="a joblib/pickle file of a fitted estimator to a model file",
        description="Export a fitted estimator saved with joblib (or pickle) to a "
        "model file. Loading a pickle runs the code it holds: export only "
        "files you trust.",
    )
    s.add_argument("estimator", metavar="MODEL.joblib")
    s.add_argument("output", metavar="OUT.skm")
    s.add_argument(
        "--validate",
        metavar="DATA",
        help="after writing, check the file scores as the estimator does on DATA "
        "(Parquet or CSV, the estimator's columns by name); exit 1 when it does not",
    )
    s.add_argument(
        "--data-format", choices=("parquet", "csv"), help="DATA's format (default: from its name)"
    )
    s.add_argument(
        "--metadata",
        action="append",
        metavar="KEY=VALUE",
        help="a metadata entry to store in the file (repeatable)",
    )

    s = sub.add_parser(
        "predict",
        help="score a Parquet or CSV file into another",
        description="Score every row of INPUT (Parquet or CSV), streamed in record "
        "batches, and write the outputs to --output. The model's input "
        "columns are matched by name; others are left out unless kept.",
    )
    s.add_argument("model", metavar="MODEL.skm")
    s.add_argument("input", metavar="INPUT")
    s.add_argument(
        "-o",
        "--output",
        required=True,
        metavar="OUT",
        help="Parquet or CSV file to write (replaced when done; '-': CSV on stdout)",
    )
    which = s.add_mutually_exclusive_group()
    which.add_argument("--proba", action="store_true", help="predict_proba: proba_<class> columns")
    which.add_argument(
        "--decision", action="store_true", help="decision_function: decision column(s)"
    )
    which.add_argument("--score-samples", action="store_true", help="score_samples: a score column")
    which.add_argument(
        "--contributions",
        action="store_true",
        help="contributions (TreeSHAP): contribution_<column> columns and contribution_bias",
    )
    s.add_argument(
        "--keep",
        action="append",
        metavar="COL",
        help="copy this input column to the output, before the outputs (repeatable)",
    )
    s.add_argument("--keep-all", action="store_true", help="copy every input column")
    s.add_argument(
        "--threads",
        type=int,
        default=0,
        metavar="N",
        help="engine threads (default 0: the CPUs this process may use)",
    )
    s.add_argument(
        "--batch-rows",
        type=int,
        default=DEFAULT_BATCH_ROWS,
        metavar="N",
        help=f"rows per record batch (default {DEFAULT_BATCH_ROWS}); memory grows with it",
    )
    s.add_argument("--input-format", choices=("parquet", "csv"), help="default: from INPUT's name")
    s.add_argument("--output-format", choices=("parquet", "csv"), help="default: from OUT's name")
    s.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="a progress line on stderr (default: when stderr is a terminal)",
    )
    s.add_argument("-q", "--quiet", action="store_true", help="no summary line when done")

    s = sub.add_parser(
        "serve",
        help="serve model files with skscore-gateway",
        description="Run skscore-gateway on the model files (it replaces this "
        "process). Options after -- go to the gateway as they are "
        "(skscore-gateway --help lists them).",
    )
    s.add_argument("models", nargs="+", metavar="MODEL.skm", help="a path, or NAME=PATH")
    s.add_argument("--host", help="address to listen on (gateway default 0.0.0.0)")
    s.add_argument("--port", type=int, help="TCP port (gateway default 8080)")
    s.add_argument("--threads", type=int, help="event loops (gateway default: the CPUs it may use)")
    s.add_argument(
        "--gateway",
        metavar="PATH",
        help="the gateway binary (default: $SKSCORE_GATEWAY, then PATH)",
    )
    s.add_argument(
        "--print-command",
        action="store_true",
        help="print the gateway command instead of running it",
    )
    return p


class _NoPandas:
    """An import finder that says pandas is not installed (main says why)."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r} (skscore predict does not use it)", name=name)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    program = argv is None  # the command's own process, not a caller's
    argv = list(sys.argv[1:] if argv is None else argv)
    passthrough: list[str] = []
    if argv[:1] == ["serve"] and "--" in argv:
        cut = argv.index("--")
        argv, passthrough = argv[:cut], argv[cut + 1 :]
    args = _parser().parse_args(argv)
    if program and args.verb == "predict" and "pandas" not in sys.modules:
        # pyarrow imports pandas, where it is installed, at its first
        # conversion from or to NumPy (to_numpy, pa.array), to recognise
        # pandas objects; predict hands it none. The import alone took
        # 0.25-0.3 s of a 1.5 s, 1M-row run (docs/BATCH.md), so in its own
        # process the command tells pyarrow that pandas is absent.
        sys.meta_path.insert(0, _NoPandas())
    try:
        if args.verb == "inspect":
            return cmd_inspect(args)
        if args.verb == "export":
            return cmd_export(args)
        if args.verb == "predict":
            return cmd_predict(args)
        return cmd_serve(args, passthrough)
    except CliError as exc:
        print(f"skscore {args.verb}: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        print(f"skscore {args.verb}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OUTPUT


if __name__ == "__main__":
    sys.exit(main())
