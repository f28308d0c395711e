"""Type stubs for skscore._skscore, the CPython extension over the engine."""

import os
from typing import Any, final

import numpy as np
import numpy.typing as npt

ENGINE_VERSION: str
FORMAT_MAJOR: int
FORMAT_MINOR: int

TASK_REGRESSION: int
TASK_CLASSIFICATION: int
LABEL_NONE: int
LABEL_INT: int
LABEL_FLOAT: int
LABEL_STR: int
LINK_NONE: int
LINK_PROBA: int
LINK_LOGISTIC: int
LINK_LOGISTIC_OVR: int
LINK_SOFTMAX: int
LINK_SOFTMAX_BINARY: int
LINK_MODIFIED_HUBER: int
AGG_SINGLE: int
AGG_MEAN: int
AGG_SUM: int
CMP_F32_LE: int
EST_TREES: int
EST_LINEAR: int
F32: int
LINK_HALF_LOGISTIC: int
LINK_EXP: int
LINK_ISOLATION: int
OP_SUB: int
OP_DIV: int
OP_MUL: int
OP_ADD: int
OP_FILL_NAN: int
STEP_ELEMENTWISE: int
STEP_SELECT: int
STEP_ENCODE: int
STEP_INDICATOR: int
STEP_NORMALIZE: int
STEP_POLY: int
NORM_L1: int
NORM_L2: int
NORM_MAX: int
CODE_NONE: int
CHECK_INF: int
CHECK_NONE: int
CHECK_FINITE: int
CAT_SKLEARN: int
CAT_LIGHTGBM: int
CAT_XGBOOST: int
CMP_F64_LE: int
CMP_F32_LT: int
LINK_SOFTMAX_SEQ: int
LINK_LOGISTIC_F32: int
LINK_SOFTMAX_F32: int
LINK_EXP_F32: int
F64: int

class ModelFileError(ValueError):
    """A model file the engine cannot read; .code is the engine's error name
    (e.g. 'SKS_ECHECKSUM'), .offset the byte offset in the file or -1."""

    code: str | None
    offset: int
    def __init__(self, message: str, code: str | None = ..., offset: int = ...) -> None: ...

@final
class Model:
    """A model loaded by the skscore engine; immutable and thread-safe."""

    @property
    def n_features_in_(self) -> int: ...
    @property
    def n_outputs_(self) -> int: ...
    @property
    def feature_names_in_(self) -> npt.NDArray[np.object_]: ...
    @property
    def classes_(self) -> np.ndarray: ...
    @property
    def metadata(self) -> dict[str, str]: ...
    @property
    def estimator(self) -> str: ...
    @property
    def checksum(self) -> str: ...
    def predict(self, X: Any, *, n_threads: int | None = 0) -> np.ndarray: ...
    def predict_proba(self, X: Any, *, n_threads: int | None = 0) -> npt.NDArray[np.float64]: ...
    def decision_function(
        self, X: Any, *, n_threads: int | None = 0
    ) -> npt.NDArray[np.float64]: ...
    def score_samples(self, X: Any, *, n_threads: int | None = 0) -> npt.NDArray[np.float64]: ...
    def contributions(self, X: Any, *, n_threads: int | None = 0) -> npt.NDArray[np.float64]: ...
    def info(self) -> dict[str, Any]: ...
    def _input_kinds(self) -> tuple[str, ...]: ...

def _save(desc: dict[str, Any], path: str | os.PathLike[str], /) -> None: ...
def _serialize(desc: dict[str, Any], /) -> bytes: ...
def _load_file(path: str | os.PathLike[str], /) -> Model: ...
def _load_bytes(data: bytes | bytearray | memoryview, /) -> Model: ...
def _set_input_converters(as_array: Any, as_table: Any, /) -> None: ...
