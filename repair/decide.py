"""Stage 4a: the decision model, P(candidate is the original | evidence), read from data.

The model is trained offline (scripts/train_spin.py) and shipped as JSON in lexicons/:
no pickle, nothing executable, readable by any language. Two kinds are understood:

* ``"trees"``: a boosted ensemble of binary regression trees (trained with LightGBM,
  exported to flat arrays). Each tree is four parallel lists over its nodes:
  ``feature`` (−1 marks a leaf), ``threshold`` (go left when ``x[feature] <= threshold``),
  ``left``/``right`` (child node indices) and ``value`` (a leaf's contribution to the
  log-odds). The log-odds of an event is ``base`` plus the sum of its leaf values.
* ``"logistic"``: one weight per feature; the log-odds is the dot product.

A model may hold a ``"first"`` stage (itself a model of either kind): the caller
(repair/spin.py) runs it first and derives further features from its output (the
document gate), which this model's feature list then ends with.

Evaluation is vectorised: every event descends every tree at once, one level per
step, so a document's events cost a few dozen numpy operations however many there are.
"""
from __future__ import annotations

import dataclasses
import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .data import MissingDataError, lexicon_dir

__all__ = ["DecisionModel", "shipped_model"]

MODEL_FILE = "spin_model.json"
_BLOCK = 128  # events evaluated at a time: a block's (events x trees) arrays stay in the L2 cache


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
    first: DecisionModel | None = None  # a first stage, whose output feeds this one's gate features

    @staticmethod
    def from_json(obj: dict) -> DecisionModel:
        model = DecisionModel._one_from_json(obj)
        if obj.get("first") is not None:
            first = DecisionModel.from_json(obj["first"])
            if first.features != model.features[:len(first.features)]:
                raise ValueError("a second stage's features must begin with its first stage's")
            model = dataclasses.replace(model, first=first)
        return model

    @staticmethod
    def _one_from_json(obj: dict) -> DecisionModel:
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
        feature, cut, value = self._complete()
        size = (1 << (self.depth + 1)) - 1  # nodes of a complete tree of that depth
        X = np.ascontiguousarray(X, dtype=np.float64)
        # every event descends every tree at once, one level per step; node k's children are 2k+1
        # (x <= threshold) and 2k+2, so no child tables are looked up. Events go a block at a
        # time, so that the (events x trees) arrays stay in the CPU cache.
        offset = np.arange(len(self.roots), dtype=np.int64) * size
        out = np.empty(len(X))
        for lo in range(0, len(X), _BLOCK):
            part = X[lo:lo + _BLOCK]
            row = (np.arange(len(part), dtype=np.int64) * X.shape[1])[:, None]
            flat = part.ravel()
            k = np.zeros((len(part), len(self.roots)), dtype=np.int64)
            for _ in range(self.depth):
                at = offset + k
                k = 2 * k + 1 + (~(flat[row + feature[at]] <= cut[at]))
            out[lo:lo + _BLOCK] = self.base + value[offset + k].sum(axis=1)
        return out

    def _complete(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The trees as complete binary trees of depth ``depth`` (heap order, node k's children
        at 2k+1 and 2k+2): a leaf above the bottom becomes a subtree whose every leaf holds its
        value, so whichever way an event goes there, it ends with that value. Made once."""
        done = self.__dict__.get("_complete_trees")
        if done is not None:
            return done
        size = (1 << (self.depth + 1)) - 1
        # node[t, k]: the node of tree t at heap position k; a leaf's children are itself (its
        # left and right point at it), so it fills its whole subtree
        node = np.empty((len(self.roots), size), dtype=np.int64)
        node[:, 0] = self.roots
        for k in range((size - 1) // 2):
            node[:, 2 * k + 1] = self.left[node[:, k]]
            node[:, 2 * k + 2] = self.right[node[:, k]]
        is_leaf = (self.left == np.arange(len(self.left)))[node]
        inner = np.zeros(size, dtype=bool)
        inner[:(size - 1) // 2] = True  # heap positions above the bottom level
        split = inner & ~is_leaf
        feature = np.where(split, self.feature[node], 0).ravel()
        cut = np.where(split, self.cut[node], 0.0).ravel()
        value = np.where(inner, 0.0, self.value[node]).ravel()
        done = (feature, cut, value)
        object.__setattr__(self, "_complete_trees", done)
        return done

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
