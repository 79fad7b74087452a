"""Stage 4a: the decision model, P(candidate is the original | evidence), read from data.

The model is trained offline (scripts/train_spin.py) and shipped as JSON in lexicons/:
no pickle, nothing executable, readable by any language. Two kinds are understood:

* ``"trees"``: a boosted ensemble of binary regression trees (trained with LightGBM,
  exported to flat arrays). Each tree is four parallel lists over its nodes:
  ``feature`` (−1 marks a leaf), ``threshold`` (go left when ``x[feature] <= threshold``),
  ``left``/``right`` (child node indices) and ``value`` (a leaf's contribution to the
  log-odds). The log-odds of an event is ``base`` plus the sum of its leaf values.
* ``"logistic"``: one weight per feature; the log-odds is the dot product.

Evaluation is vectorised: every event descends every tree at once, one level per
step, so a document's events cost a few dozen numpy operations however many there are.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import MissingDataError, lexicon_dir

__all__ = ["DecisionModel", "shipped_model"]

MODEL_FILE = "spin_model.json"


@dataclass(frozen=True)
class DecisionModel:
    features: tuple[str, ...]
    threshold: float
    kind: str
    base: float = 0.0
    weights: np.ndarray | None = None  # logistic
    # trees, concatenated: node arrays of every tree one after another, and each tree's root
    feature: np.ndarray | None = None
    cut: np.ndarray | None = None
    left: np.ndarray | None = None
    right: np.ndarray | None = None
    value: np.ndarray | None = None
    roots: np.ndarray | None = None
    depth: int = 0

    @staticmethod
    def from_json(obj: dict) -> DecisionModel:
        features = tuple(obj["features"])
        kind = obj.get("kind", "logistic")
        threshold = float(obj["threshold"])
        if kind == "logistic":
            weights = np.asarray(obj["weights"], dtype=np.float64)
            if len(weights) != len(features):
                raise ValueError(f"a logistic model needs one weight per feature: {len(features)} features, "
                                 f"{len(weights)} weights")
            return DecisionModel(features, threshold, kind, float(obj.get("base", 0.0)), weights=weights)
        if kind != "trees":
            raise ValueError(f"unknown decision model kind {kind!r}")
        feature, cut, left, right, value, roots = [], [], [], [], [], []
        depth = 0
        for tree in obj["trees"]:
            off = len(feature)
            n = len(tree["feature"])
            if not all(len(tree[k]) == n for k in ("threshold", "left", "right", "value")):
                raise ValueError("a tree's node lists differ in length")
            f = [int(x) for x in tree["feature"]]
            if any(x >= len(features) for x in f):
                raise ValueError("a tree splits on a feature the model does not list")
            roots.append(off)
            feature += f
            cut += [float(x) for x in tree["threshold"]]
            # a leaf points at itself, so descending past it is harmless
            left += [off + int(c) if fx >= 0 else off + k for k, (c, fx) in enumerate(zip(tree["left"], f))]
            right += [off + int(c) if fx >= 0 else off + k for k, (c, fx) in enumerate(zip(tree["right"], f))]
            value += [float(x) for x in tree["value"]]
            depth = max(depth, _depth(f, tree["left"], tree["right"]))
        return DecisionModel(features, threshold, kind, float(obj.get("base", 0.0)),
                             feature=np.maximum(np.array(feature, dtype=np.int64), 0),
                             cut=np.array(cut), left=np.array(left, dtype=np.int64),
                             right=np.array(right, dtype=np.int64), value=np.array(value),
                             roots=np.array(roots, dtype=np.int64), depth=depth)

    @staticmethod
    def load(path: Path) -> DecisionModel:
        try:
            return DecisionModel.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MissingDataError(f"cannot read the decision model {path}: {exc}") from exc

    def log_odds(self, X: np.ndarray) -> np.ndarray:
        """Log-odds that each row's candidate is the original; ``X`` has one column per feature."""
        if X.shape[1] != len(self.features):
            raise ValueError(f"expected {len(self.features)} feature columns, got {X.shape[1]}")
        if self.kind == "logistic":
            return X @ self.weights + self.base
        if len(X) == 0:
            return np.zeros(0)
        rows = np.arange(len(X))[:, None]
        node = np.broadcast_to(self.roots, (len(X), len(self.roots))).copy()
        for _ in range(self.depth):
            go_left = X[rows, self.feature[node]] <= self.cut[node]
            node = np.where(go_left, self.left[node], self.right[node])
        return self.base + self.value[node].sum(axis=1)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.log_odds(X)))


def _depth(feature: list[int], left: list[int], right: list[int]) -> int:
    """Edges on the longest root-to-leaf path."""
    best, stack = 0, [(0, 0)]
    while stack:
        k, d = stack.pop()
        if feature[k] < 0:
            best = max(best, d)
        else:
            stack += [(int(left[k]), d + 1), (int(right[k]), d + 1)]
    return best


@functools.lru_cache(maxsize=1)
def shipped_model() -> DecisionModel:
    return DecisionModel.load(lexicon_dir() / MODEL_FILE)
