"""Train the demo model, export it, and check the file against the estimator.

Usage: python scripts/demo_model.py OUT.skm

The demo is the seed's own use case: an iris classifier answering with the
species name (setosa, versicolor, virginica). It trains a 100-tree random
forest on a DataFrame whose columns are FEATURES, so the model file keeps
those names and rows may be sent by name as well as by position:

    {"features": [5.1, 3.5, 1.4, 0.2]}
    {"features": {"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}}

It exports the forest with skscore.export and runs skscore.validate (the
file, loaded through the engine, against the estimator) before anything is
served.
"""

import sys
import time
import warnings

import numpy as np
import pandas as pd
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

import skscore

# The demo model's feature names, in column order (docs/PROTOCOL.md's by-name
# examples use them).
FEATURES = ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def main(path: str) -> None:
    iris = load_iris()
    X, y = pd.DataFrame(iris.data, columns=FEATURES), iris.target_names[iris.target]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.3, random_state=0)
    est = RandomForestClassifier(n_estimators=100, random_state=0).fit(X_train, y_train)
    skscore.export(est, path, metadata={"owner": "demo", "dataset": "iris"})
    report = skscore.validate(est, path, X_test)
    print(report)
    if not report.passed:
        sys.exit("validation failed: the file does not agree with the estimator")
    model = skscore.load(path)
    row = X_test.to_numpy()[:1]  # one row as an array (by position), for both
    n = 2000
    t = time.perf_counter()
    for _ in range(n):
        model.predict(row)
    ours = (time.perf_counter() - t) / n
    t = time.perf_counter()
    with warnings.catch_warnings():  # "X does not have valid feature names": it goes by position
        warnings.simplefilter("ignore", UserWarning)
        for _ in range(20):
            est.predict(row)
    theirs = (time.perf_counter() - t) / 20
    print(f"one-row predict: skscore {ours * 1e6:.1f} us, scikit-learn {theirs * 1e6:.0f} us "
          f"({theirs / ours:.0f}x)")
    print(f"wrote {path} (checksum {model.info()['checksum'][:12]}), accuracy "
          f"{np.mean(model.predict(X_test) == y_test):.3f}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "demo.skm")
