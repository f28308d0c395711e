"""Load skscore model files through the engine."""

from __future__ import annotations

import os
from typing import Any, Union

from . import _input  # noqa: F401  (registers the extension's input converters)
from . import _skscore as _c

Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview]


def load(source: Source | Any) -> _c.Model:
    """Load a model file with the skscore engine.

    Parameters
    ----------
    source
        A path (``str`` or path-like), the file's bytes (``bytes``,
        ``bytearray``, ``memoryview``), or a binary file object (anything
        with ``read()``).

    Returns
    -------
    skscore.Model
        The compiled model: ``predict``, ``predict_proba`` and
        ``decision_function`` as the exported estimator had them, plus
        ``n_features_in_``, ``feature_names_in_``, ``classes_``,
        ``metadata`` and ``info()``.

    Raises
    ------
    FileNotFoundError
        No file at that path (other OSErrors for other I/O failures).
    skscore.ModelFileError
        Not a skscore model file, an unsupported format version, a
        truncated or corrupted file (checksum), or malformed or inconsistent
        contents. The message says what is wrong and where; the file is
        treated as untrusted and never crashes the process.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _c._load_bytes(source)
    if isinstance(source, (str, os.PathLike)):
        return _c._load_file(source)
    read = getattr(source, "read", None)
    if callable(read):
        data = read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError("load() needs a file opened in binary mode ('rb')")
        return _c._load_bytes(data)
    raise TypeError(
        f"load() takes a path, bytes or a binary file object, not {type(source).__name__}"
    )
