"""Describe XGBoost models (XGBClassifier, XGBRegressor, XGBRFClassifier,
XGBRFRegressor, Booster) for the engine, from XGBoost's own JSON model
(``Booster.save_raw("json")``), never a pickle.

XGBoost 3.x scores a row in float32 (src/predictor/cpu_predictor.cc,
predict_fn.h, src/common/math.h):

* the input is read as float32; NaN is missing (the sklearn wrapper's
  ``missing``); infinities are ordinary values;
* a numerical node goes left when ``x < split_condition`` (float32), a
  missing value the node's default side;
* a categorical node (``split_type`` 1) goes right when the value,
  truncated to an int, is in the node's category list; negative values and
  values >= 2^24 go left;
* per row and output, the sum starts at the base margin and adds each
  tree's leaf value in tree order, rounded to float32 at every add;
* the objective's transform is float32: ``common::Sigmoid``,
  ``common::Softmax``, ``expf``.

That is the engine's "f32_lt" comparison, float32 sums and float32 links
(format 1.2). The base margin is XGBoost's own: this module asks XGBoost
for the margin of a copy of the model whose trees are one leaf of 0
(the objective's ProbToMargin applied to base_score, as XGBoost computes
it), so no objective's link has to be copied here.

Categorical features fitted from pandas (``enable_categorical=True``)
carry their training categories in the model; the exported model takes
the category values (strings or numbers) in those columns and codes them
as XGBoost's re-coder does. A category not seen in training is an error
(XGBoost's re-coder reports it too); a missing value is missing.

Refused with a clear message: the dart and gblinear boosters, vector-leaf
trees (``multi_strategy="multi_output_tree"``), category sets beyond 255,
a ``missing`` other than NaN, and objectives whose output is not a
prediction (ranking through XGBRanker, binary:hinge and binary:logitraw
classifiers).
"""

from __future__ import annotations

import itertools
import json
import math
from typing import Any

import numpy as np

from .. import _skscore as _c
from .base import XGBOOST_SKLEARN_CLASSES as SKLEARN_CLASSES
from .base import fitted_booster, owned_by

# Objectives by their transform (src/objective/*): identity, float32
# sigmoid, float32 exp.
IDENTITY_OBJECTIVES = ("reg:squarederror", "reg:squaredlogerror", "reg:pseudohubererror", "reg:absoluteerror",
                       "reg:quantileerror", "reg:linear", "binary:logitraw", "rank:pairwise", "rank:ndcg",
                       "rank:map")
LOGISTIC_OBJECTIVES = ("binary:logistic", "reg:logistic")
EXP_OBJECTIVES = ("count:poisson", "reg:gamma", "reg:tweedie", "survival:cox", "survival:aft")
EXP_F64_OBJECTIVES = ("survival:aft",)  # exp in float64, rounded to float32 (aft_obj.cu: exp(float) is ::exp)
CLASSIFIER_OBJECTIVES = ("binary:logistic", "multi:softprob", "multi:softmax")
#: How the exporter codes pandas categorical columns (see pipeline.Steps.codes).
CATEGORIES = "XGBoost's training categories"
UNKNOWN_CATEGORY_IS_ERROR = True  # "Found a category not in the training set"
MAX_CATEGORY = 255  # the engine's category sets hold 0..255


def owns(obj: Any) -> bool:
    """Whether obj is an XGBoost model."""
    return owned_by(obj, "xgboost")


def _booster(obj: Any) -> tuple[Any, str]:
    import xgboost

    return fitted_booster(obj, xgboost.Booster, [getattr(xgboost, n) for n in SKLEARN_CLASSES], "xgboost",
                          "XGBRanker", lambda m: m.get_booster())


def _version() -> str:
    import xgboost

    return str(xgboost.__version__)


def _end_iteration(obj: Any, name: str) -> int:
    """The number of boosting rounds predict uses: the sklearn wrapper's
    best_iteration + 1 after early stopping, else all (0)."""
    if name == "Booster":
        return 0
    return int(obj._get_iteration_range(None)[1])


def _leaf_tree(tree: dict) -> dict:
    """tree with one leaf of value 0 (same parameters)."""
    out = dict(tree)
    for key in ("base_weights", "split_conditions", "loss_changes", "sum_hessian"):
        out[key] = [0.0]
    out.update(left_children=[-1], right_children=[-1], parents=[2147483647], split_indices=[0], split_type=[0],
               default_left=[0], categories=[], categories_nodes=[], categories_segments=[], categories_sizes=[])
    out["tree_param"] = dict(tree["tree_param"], num_nodes="1", num_deleted="0")
    return out


def _base_margin(model: dict, n_features: int, n_values: int) -> np.ndarray:
    """XGBoost's own base margin per output: the margin of a copy of the
    model whose first round's trees are leaves of 0 (x + 0 is x)."""
    import xgboost

    copy = json.loads(json.dumps(model))
    gbm = copy["learner"]["gradient_booster"]["model"]
    first = int(gbm["iteration_indptr"][1])
    gbm["trees"] = [_leaf_tree(t) for t in gbm["trees"][:first]]
    gbm["tree_info"] = gbm["tree_info"][:first]
    gbm["iteration_indptr"] = [0, first]
    gbm["gbtree_model_param"]["num_trees"] = str(first)
    gbm["cats"] = {"enc": [], "feature_segments": [], "sorted_idx": []}
    copy["learner"]["feature_names"] = []
    copy["learner"]["feature_types"] = []
    booster = xgboost.Booster(model_file=bytearray(json.dumps(copy).encode()))
    margin = booster.predict(xgboost.DMatrix(np.zeros((1, n_features), dtype=np.float32)), output_margin=True)
    margin = np.asarray(margin, dtype=np.float32).reshape(-1)
    if margin.shape != (n_values,):
        raise ValueError(f"XGBoost gave {margin.shape[0]} base margins for {n_values} outputs")
    return margin.astype(np.float64)


def _flatten(tree: dict, name: str, index: int, n_features: int, bitsets: list[np.ndarray]) -> dict[str, np.ndarray]:
    """One XGBoost tree as pre-order node arrays (deleted nodes dropped);
    categorical splits append their category sets to bitsets."""
    lc, rc = tree["left_children"], tree["right_children"]
    feat, cond, dflt = tree["split_indices"], tree["split_conditions"], tree["default_left"]
    kinds = tree.get("split_type") or [0] * len(lc)
    if str(tree["tree_param"].get("size_leaf_vector", "1")) not in ("0", "1"):
        raise TypeError(f"skscore cannot export this {name}: vector-leaf trees (multi_strategy='multi_output_tree').")
    sets: dict[int, list[int]] = {}
    cats = tree.get("categories") or []
    for nid, beg, size in zip(tree.get("categories_nodes") or [], tree.get("categories_segments") or [],
                              tree.get("categories_sizes") or [], strict=True):
        sets[int(nid)] = [int(c) for c in cats[int(beg):int(beg) + int(size)]]
    cond32 = np.asarray(cond, dtype=np.float32).astype(np.float64)
    left: list[int] = []
    right: list[int] = []
    feature: list[int] = []
    threshold: list[float] = []
    missing_left: list[int] = []
    value: list[float] = []
    cat: list[int] = []
    cover: list[float] = []
    hess = tree.get("sum_hessian") or [0.0] * len(lc)
    n = len(lc)
    stack = [(0, -1, False)]
    while stack:
        nid, parent, is_right = stack.pop()
        if not 0 <= nid < n or len(left) >= n:
            raise ValueError(f"{name} tree {index}: node {nid} is outside 0..{n - 1}, or a node is reached twice")
        i = len(left)
        if parent >= 0:
            (right if is_right else left)[parent] = i
        cover.append(float(hess[nid]))  # XGBoost's cover: what its pred_contribs weighs by
        if lc[nid] == -1:
            left.append(-1)
            right.append(-1)
            feature.append(0)
            threshold.append(0.0)
            missing_left.append(0)
            value.append(float(cond32[nid]))
            cat.append(-1)
            continue
        f = int(feat[nid])
        if not 0 <= f < n_features:
            raise ValueError(f"{name} tree {index} splits on feature {f}, outside 0..{n_features - 1}")
        if int(kinds[nid]) == 1:
            chosen = sets.get(nid, [])
            if any(not 0 <= c <= MAX_CATEGORY for c in chosen):
                raise TypeError(
                    f"skscore cannot export this {name}: tree {index} splits feature {f} on categories "
                    f"{sorted(chosen)[-3:]}...; skscore takes categories 0..{MAX_CATEGORY}."
                )
            words = np.zeros(16, dtype=np.uint32)
            for c in chosen:
                words[c // 32] |= np.uint32(1 << (c % 32))
            cat.append(len(bitsets))
            bitsets.append(words)
            threshold.append(0.0)
        else:
            cat.append(-1)
            threshold.append(float(cond32[nid]))
        left.append(-2)  # filled when the child is visited
        right.append(-2)
        feature.append(f)
        missing_left.append(int(bool(dflt[nid])))
        value.append(0.0)
        stack.append((int(rc[nid]), i, True))
        stack.append((int(lc[nid]), i, False))
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


def _training_categories(gbm: dict, n_features: int, name: str) -> dict[int, list[Any]]:
    """Per categorical feature fitted from pandas: its training categories
    in code order (the model's "cats" encoding)."""
    enc = (gbm.get("cats") or {}).get("enc") or []
    out: dict[int, list[Any]] = {}
    for f, column in enumerate(enc[:n_features]):
        values = column.get("values") or []
        if not values:
            continue
        if "offsets" in column:  # strings: UTF-8 bytes, cut at the offsets
            raw = bytes(int(v) & 0xFF for v in values)
            offsets = [int(o) for o in column["offsets"]]
            # XGBoost 3.2 counts these offsets in characters and keeps that
            # many bytes: names beyond ASCII come out cut short, in its JSON
            # model and in memory (Booster.get_categories) alike.
            if any(b >= 0x80 for b in raw) or offsets[-1] != len(raw) or offsets != sorted(offsets):
                raise TypeError(
                    f"skscore cannot export this {name}: feature {f} has category names beyond ASCII, which "
                    f"XGBoost {_version()} does not keep whole in its model; rename the categories to ASCII "
                    "(or code them as integers) before fitting."
                )
            out[f] = [raw[a:b].decode("ascii") for a, b in itertools.pairwise(offsets)]
        else:
            out[f] = [float(v) for v in values]
    return out


def describe(obj: Any) -> dict[str, Any]:
    """The engine description of an XGBoost model (without metadata and
    steps); feature_names are the model's own (the caller checks any given).
    A "category_codes" entry lists the columns whose training categories
    the caller turns into codes (an encode step)."""
    booster, name = _booster(obj)
    if name != "Booster" and not (isinstance(obj.missing, float) and math.isnan(obj.missing)):
        raise TypeError(f"skscore cannot export this {name}: missing={obj.missing!r}; skscore reads NaN as missing.")
    model = json.loads(bytes(booster.save_raw("json")))
    learner = model["learner"]
    gb = learner["gradient_booster"]
    if gb.get("name") != "gbtree":
        raise TypeError(f"skscore cannot export this {name}: booster {gb.get('name')!r} (skscore takes 'gbtree').")
    gbm = gb["model"]
    param = learner["learner_model_param"]
    n_features = int(param["num_feature"])
    n_class = int(param.get("num_class", "0"))
    n_target = int(param.get("num_target", "1"))
    objective = learner["objective"]["name"]
    n_values = max(n_class, n_target, 1)
    indptr = [int(i) for i in gbm["iteration_indptr"]]
    end = _end_iteration(obj, name)
    n_trees = indptr[end] if 0 < end < len(indptr) else indptr[-1]
    if n_trees == 0:
        raise ValueError(f"this {name} has no trees")
    bitsets: list[np.ndarray] = []
    trees = [_flatten(t, name, i, n_features, bitsets) for i, t in enumerate(gbm["trees"][:n_trees])]
    tree_info = np.asarray(gbm["tree_info"][:n_trees], dtype=np.int32)
    desc: dict[str, Any] = {
        "source": "xgboost",
        "source_version": _version(),
        "estimator": f"xgboost.{name}",
        "kind": _c.EST_TREES,
        "allow_nan": True,
        "allow_inf": True,
        "aggregation": _c.AGG_SUM,
        "compare": _c.CMP_F32_LT,
        "sum_f32": 1,
        "n_values": n_values,
        "base": _base_margin(model, n_features, n_values),
        "tree_output": tree_info,
        "trees": trees,
        "n_features": n_features,
        "label_dtype": None,
    }
    if bitsets:
        desc.update(cat_bitsets=np.vstack(bitsets), cat_rule=_c.CAT_XGBOOST)
    codes = _training_categories(gbm, n_features, name)
    if codes:
        desc["category_codes"] = codes
    classifier = name in ("XGBClassifier", "XGBRFClassifier") or (name == "Booster" and objective in CLASSIFIER_OBJECTIVES)
    if classifier:
        if objective not in CLASSIFIER_OBJECTIVES:
            raise TypeError(
                f"skscore cannot export an {name} with objective {objective!r} "
                f"(it takes {', '.join(CLASSIFIER_OBJECTIVES)})."
            )
        if n_target != 1:
            raise TypeError(f"skscore cannot export a multi-label {name} ({n_target} targets).")
        if objective != "binary:logistic" and n_class < 3:
            raise TypeError(f"skscore cannot export this {name}: objective {objective!r} with num_class={n_class} "
                            "(XGBoost then predicts a multi-label 0/1 matrix); use binary:logistic.")
        n_classes = 2 if objective == "binary:logistic" else n_class
        if objective == "binary:logistic":
            link, params = _c.LINK_LOGISTIC_F32, [0.0, 0.0]
        else:
            # multi:softmax predicts the first largest margin, softprob the
            # first largest probability
            link, params = _c.LINK_SOFTMAX_F32, [1.0 if objective == "multi:softmax" else 0.0, 0.0]
        desc.update(task=_c.TASK_CLASSIFICATION, n_outputs=1, output_2d=False, link=link,
                    link_params=np.asarray(params), label_kind=_c.LABEL_INT,
                    labels=np.arange(n_classes, dtype=np.int64),
                    # XGBClassifier's labels: argmax (int64), multi:softmax's astype(np.int32)
                    label_dtype="int32" if objective == "multi:softmax" and name != "Booster" else "int64")
    elif objective in IDENTITY_OBJECTIVES + LOGISTIC_OBJECTIVES + EXP_OBJECTIVES or objective.startswith("rank:"):
        link = (_c.LINK_LOGISTIC_F32 if objective in LOGISTIC_OBJECTIVES
                else _c.LINK_EXP if objective in EXP_F64_OBJECTIVES
                else _c.LINK_EXP_F32 if objective in EXP_OBJECTIVES else _c.LINK_NONE)
        if n_class > 1:
            raise TypeError(f"skscore cannot export a {name} with {n_class} classes and objective {objective!r}")
        desc.update(task=_c.TASK_REGRESSION, n_outputs=n_values, output_2d=n_values > 1, link=link,
                    label_kind=_c.LABEL_NONE)
    else:
        raise TypeError(
            f"skscore cannot export an XGBoost model with objective {objective!r} yet "
            f"({', '.join(CLASSIFIER_OBJECTIVES + IDENTITY_OBJECTIVES + LOGISTIC_OBJECTIVES + EXP_OBJECTIVES)})."
        )
    names = getattr(obj, "feature_names_in_", None)
    if names is None:
        names = learner.get("feature_names") or None
    desc["feature_names"] = None if names is None else [str(n) for n in names]
    return desc


def objective_of(obj: Any) -> str:
    """The model's objective, e.g. "binary:logistic"."""
    booster, _ = _booster(obj)
    return str(json.loads(booster.save_config())["learner"]["objective"]["name"])


def expected_outputs(obj: Any) -> dict[str, Any]:
    """What skscore.validate compares each Model output with."""
    booster, name = _booster(obj)
    if name != "Booster":
        out = {"predict": obj.predict}
        if hasattr(obj, "predict_proba"):
            out["predict_proba"] = obj.predict_proba
            out["decision_function"] = lambda X: obj.predict(X, output_margin=True)
        return out
    name = objective_of(booster)

    def raw(X, output_margin=False):
        # inplace_predict reads X as XGBClassifier.predict does (a DMatrix
        # would refuse infinities and values beyond float32)
        return booster.inplace_predict(X, predict_type="margin" if output_margin else "value")

    if name not in CLASSIFIER_OBJECTIVES:
        return {"predict": raw}

    def proba(X):
        if name == "multi:softmax":  # the Booster predicts labels: XGBClassifier's probabilities
            from scipy.special import softmax

            return softmax(raw(X, output_margin=True), axis=1)
        p = raw(X)
        return np.column_stack([1 - p, p]) if name == "binary:logistic" else p

    def labels(X):
        return raw(X).astype(np.int64) if name == "multi:softmax" else np.argmax(proba(X), axis=1)

    return {"predict": labels, "predict_proba": proba, "decision_function": lambda X: raw(X, output_margin=True)}
