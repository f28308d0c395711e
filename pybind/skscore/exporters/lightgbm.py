"""Describe LightGBM models (LGBMClassifier, LGBMRegressor, Booster) for the
engine, from LightGBM's own JSON dump (``Booster.dump_model()``), never a
pickle.

LightGBM scores a row as (tree.h, ``NumericalDecision``)::

    if isnan(x) and missing_type != NaN: x = 0.0
    if (missing_type == Zero and |x| <= 1e-35) or (missing_type == NaN and isnan(x)):
        go default_left ? left : right
    else:
        go x <= threshold ? left : right        (float64, the input as double)

and sums the leaf values of the trees in order into one score per class
(tree i adds to class i % num_tree_per_iteration), which is the engine's
float64 ``<=`` tree walk with a per-node direction for NaN:

* inputs within 1e-35 of zero are read as 0.0 by LightGBM's row reader;
  thresholds in that range are moved to its edge so that ``<=`` splits the
  range as 0.0 would be split (``_threshold``);
* missing_type None: NaN goes where 0.0 goes (``0.0 <= threshold``);
* missing_type NaN: NaN goes to the default side;
* missing_type Zero: NaN and values within 1e-35 of zero go to the default
  side. That is a plain ``<=`` split whenever the default side is the side
  the zero range falls on anyway; other Zero nodes cannot be expressed and
  the model is refused with a clear message.

Categorical splits (``decision_type "=="``, LightGBM's CategoricalDecision:
NaN and negative values go right, else the value truncated to an int goes
left when it is in the split's category set) use the engine's categorical
splits with the LightGBM rule, for categories 0..255. Columns LightGBM read
as pandas categoricals (``pandas_categorical``) become an encode step that
maps each category to its code as LightGBM does (unknown and missing: NaN).

Linear trees and random-forest mode (``average_output``) are refused; see
docs/EXACTNESS.md for the tolerances.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _skscore as _c
from .base import fitted_booster, labels, owned_by

#: How the exporter codes pandas categorical columns (see pipeline.Steps.codes).
CATEGORIES = "LightGBM's pandas categories"
UNKNOWN_CATEGORY_IS_ERROR = False  # LightGBM reads an unknown category as NaN

K_ZERO = float(np.float32(1e-35))  # LightGBM's kZeroThreshold (a float constant)

IDENTITY_OBJECTIVES = ("regression", "regression_l1", "huber", "fair", "quantile", "mape")
EXP_OBJECTIVES = ("poisson", "gamma", "tweedie")


def owns(obj: Any) -> bool:
    """Whether obj is a LightGBM model."""
    return owned_by(obj, "lightgbm")


def _booster(obj: Any) -> tuple[Any, str]:
    import lightgbm

    return fitted_booster(obj, lightgbm.Booster, [lightgbm.LGBMClassifier, lightgbm.LGBMRegressor], "lightgbm",
                          "LGBMRanker", lambda m: m.booster_)


def _text_thresholds(booster: Any) -> list[list[float]]:
    """Each tree's split thresholds by split_index, from the text model.
    The JSON dump clamps infinite thresholds to +-1e300 (a NaN-only split
    has threshold inf: every number goes left, inf included); the text
    model keeps them."""
    out: list[list[float]] = []
    for line in booster.model_to_string().splitlines():
        if line.startswith("Tree="):
            out.append([])
        elif line.startswith("threshold=") and out:
            out[-1] = [float(v) for v in line[len("threshold="):].split()]
    return out


def _flatten(tree: dict, name: str, index: int, features: int,
             thresholds: list[float], bitsets: list[np.ndarray]) -> dict[str, np.ndarray]:
    """One tree_structure (nested dicts) as pre-order node arrays;
    categorical splits append their category sets to bitsets."""
    cat: list[int] = []
    left: list[int] = []
    right: list[int] = []
    feature: list[int] = []
    threshold: list[float] = []
    missing_left: list[int] = []
    value: list[float] = []
    cover: list[float] = []
    stack = [(tree, -1, False)]
    while stack:
        node, parent, is_right = stack.pop()
        i = len(left)
        if parent >= 0:
            (right if is_right else left)[parent] = i
        # LightGBM's counts: what its pred_contrib weighs by
        cover.append(float(node.get("leaf_count", node.get("internal_count", 0))))
        if "leaf_value" in node:
            left.append(-1)
            right.append(-1)
            feature.append(0)
            threshold.append(0.0)
            missing_left.append(0)
            value.append(float(node["leaf_value"]))
            cat.append(-1)
            continue
        if node.get("decision_type") == "==":
            f = int(node["split_feature"])
            if not 0 <= f < features:
                raise ValueError(f"{name} tree {index} splits on feature {f}, outside 0..{features - 1}")
            categories = [int(c) for c in str(node["threshold"]).split("||")]
            if any(not 0 <= c < 256 for c in categories):
                raise TypeError(
                    f"skscore cannot export this {name}: tree {index} splits feature {f} on categories "
                    f"{categories}; skscore takes categories 0..255."
                )
            words = np.zeros(16, dtype=np.uint32)
            for c in categories:
                words[c // 32] |= np.uint32(1 << (c % 32))
            cat.append(len(bitsets))
            bitsets.append(words)
            left.append(-2)
            right.append(-2)
            feature.append(f)
            threshold.append(0.0)
            missing_left.append(0)  # NaN goes right
            value.append(0.0)
            stack.append((node["right_child"], i, True))
            stack.append((node["left_child"], i, False))
            continue
        if node.get("decision_type") != "<=":
            raise TypeError(f"{name} tree {index}: unknown decision_type {node.get('decision_type')!r}")
        t = float(node["threshold"])
        si = int(node.get("split_index", -1))
        if 0 <= si < len(thresholds):
            exact = thresholds[si]
            if exact != t and not (abs(t) == 1e300 and np.isinf(exact)):
                raise ValueError(f"{name} tree {index}: the text and JSON models disagree on split {si}")
            t = exact
        t = _threshold(t)
        f = int(node["split_feature"])
        if not 0 <= f < features:
            raise ValueError(f"{name} tree {index} splits on feature {f}, outside 0..{features - 1}")
        default_left = bool(node["default_left"])
        missing = node.get("missing_type", "None")
        if missing == "None":
            nan_left = 0.0 <= t
        elif missing == "NaN":
            nan_left = default_left
        elif missing == "Zero":
            # the zero range goes where 0.0 goes under t; it must be the default side
            if (0.0 <= t) != default_left:
                raise TypeError(
                    f"skscore cannot export this {name}: tree {index} treats zero as missing "
                    f"(zero_as_missing) at a split on feature {f} (threshold {t!r}) that sends zero to "
                    "the other side than a plain <= would; skscore cannot express that split."
                )
            nan_left = default_left
        else:
            raise TypeError(f"{name} tree {index}: unknown missing_type {missing!r}")
        left.append(-2)  # filled when the child is visited
        right.append(-2)
        feature.append(f)
        threshold.append(t)
        missing_left.append(int(nan_left))
        value.append(0.0)
        cat.append(-1)
        stack.append((node["right_child"], i, True))
        stack.append((node["left_child"], i, False))
    return {
        "left": np.array(left, dtype=np.int32),
        "right": np.array(right, dtype=np.int32),
        "feature": np.array(feature, dtype=np.int32),
        "threshold": np.array(threshold, dtype=np.float64),
        "missing_left": np.array(missing_left, dtype=np.uint8),
        "value": np.array(value, dtype=np.float64).reshape(-1, 1),
        "cover": np.array(cover, dtype=np.float64),
        **({"cat": np.array(cat, dtype=np.int32)} if any(c >= 0 for c in cat) else {}),
    }


def _threshold(t: float) -> float:
    """LightGBM reads every input value within K_ZERO of zero as 0.0 before
    the walk (its dense-row reader keeps only |x| > K_ZERO), and places bin
    edges at +-K_ZERO. A threshold in [-K_ZERO, K_ZERO) would then split
    that range differently from x <= t; this threshold splits every input
    as LightGBM does with plain x <= t' (x < -K_ZERO left; the zero range
    where 0.0 goes)."""
    if -K_ZERO <= t < 0.0:
        return float(np.nextafter(-K_ZERO, -np.inf))
    if 0.0 <= t < K_ZERO:
        return K_ZERO
    return t


def _objective(objective: str) -> tuple[str, dict[str, str]]:
    parts = objective.split()
    params = dict(p.split(":", 1) for p in parts[1:] if ":" in p)
    return (parts[0] if parts else ""), params


def describe(obj: Any) -> dict[str, Any]:
    """The engine description of a LightGBM model (without metadata and
    steps); feature_names are the model's own (the caller checks any given)."""
    import lightgbm

    booster, name = _booster(obj)
    dump = booster.dump_model()
    n_features = int(dump["max_feature_idx"]) + 1

    if dump.get("average_output"):
        raise TypeError(f"skscore cannot export this {name}: random-forest mode (boosting='rf') averages trees.")
    k = int(dump["num_tree_per_iteration"])
    text = _text_thresholds(booster)
    if len(text) != len(dump["tree_info"]):
        raise ValueError(f"{name}: the text model has {len(text)} trees, the JSON dump {len(dump['tree_info'])}")
    trees = []
    bitsets: list[np.ndarray] = []
    for info, thresholds in zip(dump["tree_info"], text):
        if info.get("is_linear"):
            raise TypeError(f"skscore cannot export this {name}: linear trees (linear_tree=True).")
        trees.append(_flatten(info["tree_structure"], name, int(info["tree_index"]), n_features, thresholds,
                              bitsets))
    if not trees:
        raise ValueError(f"this {name} has no trees")
    objective, params = _objective(str(dump.get("objective", "")))
    desc: dict[str, Any] = {
        "source": "lightgbm",
        "source_version": lightgbm.__version__,
        "estimator": f"lightgbm.{name}",
        "kind": _c.EST_TREES,
        "allow_nan": True,
        "allow_inf": True,
        "aggregation": _c.AGG_SUM,
        "compare": _c.CMP_F64_LE,
        "n_values": k,
        "base": np.zeros(k),
        "tree_output": np.tile(np.arange(k, dtype=np.int32), len(trees) // k),
        "trees": trees,
        "n_features": n_features,
        "label_dtype": None,
    }
    if bitsets:
        desc.update(cat_bitsets=np.vstack(bitsets), cat_rule=_c.CAT_LIGHTGBM)
    pandas_categorical = dump.get("pandas_categorical") or []
    if pandas_categorical:
        # LightGBM codes the DataFrame's category columns (in column order)
        # by these lists; they are the model's categorical features.
        categorical = [i for i, (_, info) in enumerate(dump["feature_infos"].items()) if info.get("values")]
        if len(categorical) != len(pandas_categorical):
            raise TypeError(
                f"skscore cannot export this {name}: {len(pandas_categorical)} pandas categorical columns for "
                f"{len(categorical)} categorical features."
            )
        desc["category_codes"] = dict(zip(categorical, [list(c) for c in pandas_categorical]))
    if len(trees) % k:
        raise ValueError(f"this {name} has {len(trees)} trees, not a multiple of {k} per iteration")
    classifier = objective in ("binary", "multiclass")
    if name == "LGBMClassifier" and not classifier:
        raise TypeError(f"skscore cannot export an LGBMClassifier with objective {objective!r}")
    if classifier:
        if objective == "binary":
            if float(params.get("sigmoid", "1")) != 1.0:
                raise TypeError(f"skscore exports binary LightGBM models with sigmoid:1, not {params['sigmoid']}")
            link = _c.LINK_LOGISTIC
        else:
            link = _c.LINK_SOFTMAX_SEQ  # LightGBM sums the exps left to right
        if name == "LGBMClassifier":
            desc.update(labels(obj))
        else:  # a Booster knows no labels: classes 0 .. n-1
            n_classes = 2 if objective == "binary" else k
            desc.update(label_kind=_c.LABEL_INT, labels=np.arange(n_classes, dtype=np.int64), label_dtype="int64")
        desc.update(task=_c.TASK_CLASSIFICATION, n_outputs=1, output_2d=False, link=link)
    elif objective in IDENTITY_OBJECTIVES or objective in EXP_OBJECTIVES:
        if k != 1:
            raise TypeError(f"skscore cannot export a {k}-output LightGBM regressor")
        desc.update(task=_c.TASK_REGRESSION, n_outputs=1, output_2d=False,
                    link=_c.LINK_EXP if objective in EXP_OBJECTIVES else _c.LINK_NONE, label_kind=_c.LABEL_NONE)
    else:
        raise TypeError(
            f"skscore cannot export a LightGBM model with objective {objective!r} yet (binary, multiclass, "
            f"{', '.join(IDENTITY_OBJECTIVES + EXP_OBJECTIVES)})."
        )
    names = getattr(obj, "feature_names_in_", None)
    if names is None:  # a Booster: its names, unless they are LightGBM's defaults
        dumped = [str(n) for n in dump.get("feature_names", [])]
        if dumped and dumped != [f"Column_{i}" for i in range(n_features)]:
            names = dumped
    desc["feature_names"] = None if names is None else [str(n) for n in names]
    return desc


def expected_outputs(obj: Any) -> dict[str, Any]:
    """What skscore.validate compares each Model output with."""
    booster, name = _booster(obj)
    if name != "Booster":
        out = {"predict": obj.predict}
        if hasattr(obj, "predict_proba"):
            out["predict_proba"] = obj.predict_proba
            out["decision_function"] = lambda X: obj.predict(X, raw_score=True)
        return out
    objective, _ = _objective(str(booster.dump_model().get("objective", "")))
    if objective not in ("binary", "multiclass"):
        return {"predict": booster.predict}

    def proba(X):
        p = booster.predict(X)
        return np.column_stack([1 - p, p]) if objective == "binary" else p

    # labels 0 .. n-1, as LGBMClassifier picks them: argmax of the probabilities
    return {"predict": lambda X: np.argmax(proba(X), axis=1), "predict_proba": proba,
            "decision_function": lambda X: booster.predict(X, raw_score=True)}
