"""skscore: score scikit-learn models with one C engine, in a notebook and in a pod.

Export a fitted estimator to a model file, load that file through the engine,
and check that it scores as the estimator does::

    import skscore
    skscore.export(clf, "model.skm", metadata={"owner": "risk-team"})
    m = skscore.load("model.skm")
    m.predict(X)                      # same values, shape and dtype as clf.predict(X)
    report = skscore.validate(clf, "model.skm", X_holdout)
    print(report)

The same file is served by ``skscore-gateway``, with the same C code.
"""

from ._export import SUPPORTED, dumps, export
from ._load import load
from ._skscore import ENGINE_VERSION, FORMAT_MAJOR, FORMAT_MINOR, Model, ModelFileError
from ._validate import OutputCheck, ValidationReport, WorstRow, validate

__version__ = "0.1.0"

__all__ = [
    "ENGINE_VERSION",
    "FORMAT_MAJOR",
    "FORMAT_MINOR",
    "SUPPORTED",
    "Model",
    "ModelFileError",
    "OutputCheck",
    "ValidationReport",
    "WorstRow",
    "__version__",
    "dumps",
    "export",
    "load",
    "validate",
]
